import { createHash } from 'node:crypto';
import { addHours, addMinutes, subHours, subMinutes } from 'date-fns';
import { itemsForScore } from '../../functions/shared/domain/checklist.ts';
import type { CampaignDefinition, Unit } from '../../functions/shared/domain/definition.ts';
import { cutoffOfPeriod } from '../../functions/shared/domain/periods.ts';
import type { CampaignStore, WorkflowEngine } from '../../functions/shared/domain/ports.ts';
import type { ReportField } from '../../functions/shared/domain/report-content.ts';
import { daysAfter, type Instant, instant, iso } from '../../functions/shared/domain/schedule.ts';
import type { CampaignState } from '../../functions/shared/domain/state.ts';
import { completeTask, recordInspection } from '../../functions/shared/use-cases/actors.ts';
import { closeCampaign } from '../../functions/shared/use-cases/controls.ts';
import { taskDueAt } from '../../functions/shared/use-cases/launch-campaign.ts';
import { accountableUnits } from '../../functions/shared/use-cases/phase-steps.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { planHazards } from './hazard-simulation.ts';
import type { StepObserver } from './runtime.ts';

/**
 * Simulated people acting on the virtual clock between the workflow's wakes: liaisons report
 * (most on time, some late, one unit never, some correcting a report once), inspectors score units (one fails the first
 * acceptance and passes after re-rectification), units finish tasks (all but one), and the
 * office closes the campaign after a couple of long-term monthly checks. Deterministic: the
 * same definition plays out the same way every run.
 */

interface Planned {
  at: Instant;
  what: string;
  act: () => Promise<unknown>;
}

/** A stable number in [0, 100) from a key, so "random" behaviour is the same every run. */
const roll = (...parts: string[]): number =>
  createHash('sha1').update(parts.join('|')).digest().readUInt32BE(0) % 100;

export interface SimulationPlan {
  /** The unit that never reports. */
  silentUnit: string;
  /** The unit that fails the first acceptance. */
  failingUnit: string;
  /** The task left unfinished (it goes overdue). */
  overdueTask?: string;
  /** Long-term monthly checks before the office closes the campaign. */
  monthlyChecksBeforeClose: number;
}

export const defaultPlan = (def: CampaignDefinition): SimulationPlan => {
  const reporting = def.organisation.units.filter((u) => u.reports);
  const silent = reporting.at(-1) ?? def.organisation.units[0];
  const failing = reporting.at(1) ?? reporting[0] ?? def.organisation.units[0];
  if (!silent || !failing) throw new Error('the campaign has no units');
  return {
    silentUnit: silent.id,
    failingUnit: failing.id,
    overdueTask: def.tasks.at(-1)?.id,
    monthlyChecksBeforeClose: 2,
  };
};

/** A plausible value for one of a campaign's own report fields, stable per unit and period. */
const sampleValue = (field: ReportField, r: number): string | number => {
  switch (field.type) {
    case 'number': {
      const low = field.min ?? 0;
      // Small, everyday numbers near the bottom of the allowed range.
      const span = Math.min((field.max ?? low + 20) - low + 1, 21);
      const value = low + ((r * 7) % Math.max(1, span));
      return field.integer ? Math.round(value) : value;
    }
    case 'choice':
      return field.options[r % field.options.length] as string;
    case 'date':
      return '2027-06-30';
    case 'text':
      return '正常'.slice(0, field.maxLength);
  }
};

/** Required fields always, optional ones three times in four. */
const extraFields = (fields: readonly ReportField[], r: number): Record<string, string | number> =>
  Object.fromEntries(fields.filter((f) => f.required || r % 4 !== 0).map((f) => [f.key, sampleValue(f, r)]));

export class CampaignSimulator implements StepObserver {
  private readonly planned: Planned[] = [];
  private readonly periods = new Set<string>();
  private readonly inspections = new Set<number>();
  private monthlyChecks = 0;
  private started = false;
  private hazardsPlanned = false;
  readonly log: { at: string; what: string }[] = [];

  constructor(
    readonly store: CampaignStore,
    private readonly engine: WorkflowEngine,
    private readonly def: CampaignDefinition,
    private readonly plan: SimulationPlan = defaultPlan(def),
  ) {}

  private schedule(at: Instant, what: string, act: () => Promise<unknown>): void {
    this.planned.push({ at, what, act });
    this.planned.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  private async units(round: number): Promise<Unit[]> {
    const record = await this.store.getCampaign(this.def.id);
    return accountableUnits(this.def.organisation.units, round, record?.reRectifyUnits ?? []);
  }

  private planTasks(now: Instant): void {
    for (const task of this.def.tasks) {
      if (task.id === this.plan.overdueTask) continue;
      const at = subHours(taskDueAt(this.def, task), 30 + roll(task.id));
      this.schedule(at > now ? at : now, `${task.lead} finishes task ${task.id}`, () =>
        completeTask(
          this.store,
          { campaignId: this.def.id, taskId: task.id, actor: task.lead },
          at > now ? at : now,
        ),
      );
    }
  }

  private async planReports(state: CampaignState, period: string, now: Instant): Promise<void> {
    const cutoff = cutoffOfPeriod(this.def, period);
    for (const unit of await this.units(state.round)) {
      if (unit.id === this.plan.silentUnit || !unit.reports) continue;
      const r = roll(unit.id, period);
      // ~12% late by 1–20 h, ~8% in the last two hours after the final reminder, the rest on time.
      const at =
        r < 12
          ? addHours(cutoff, 1 + (r % 20))
          : r < 20
            ? subMinutes(cutoff, 30 + r)
            : subHours(cutoff, 3 + (r % 18));
      const when = at > now ? at : addMinutes(now, 1);
      // Hazards found fall and fixes catch up as the campaign goes on, as the plans hope.
      const week = this.periods.size;
      const found = Math.max(1, 2 + (r % 9) - Math.floor(week / 3));
      const content = (revised: boolean) => ({
        progress: `${unit.name}本周开展排查整治，完成入户走访和宣传。${revised ? '（更正：补充走访数据）' : ''}`,
        problems: r % 3 === 0 ? '部分商户整改进度偏慢。' : '',
        nextSteps: '继续排查，督促整改到位。',
        counts: {
          sitesChecked: 10 + (r % 30),
          hazardsFound: found,
          hazardsFixed: found - (r % 3 === 0 ? 1 : 0),
          householdsVisited: 20 + r + (revised ? 5 : 0),
          publicityEvents: r % 4,
        },
        extra: extraFields(this.def.reporting.fields, r),
      });
      const submit = (at: Instant, revised: boolean) => () =>
        submitReport(
          this.store,
          { campaignId: this.def.id, unitId: unit.id, period, content: content(revised) },
          at,
        ).then(() => undefined);
      this.schedule(when, `${unit.id} reports ${period}`, submit(when, false));
      // About one report in six is corrected an hour later: a second version, the first kept.
      if (r % 6 === 1) {
        const again = addHours(when, 1);
        this.schedule(again, `${unit.id} corrects its ${period} report`, submit(again, true));
      }
    }
  }

  private async planInspections(state: CampaignState): Promise<void> {
    const start = instant(state.window?.start ?? state.at);
    for (const unit of await this.units(state.round)) {
      const failing = unit.id === this.plan.failingUnit && state.round === 0;
      const score = failing
        ? 72
        : unit.id === this.plan.failingUnit
          ? 86
          : 81 + (roll(unit.id, 'score') % 18);
      const at = addHours(start, 24 + 2 + (roll(unit.id) % 6));
      this.schedule(at, `inspection of ${unit.id}: ${score}`, () =>
        recordInspection(
          this.store,
          {
            campaignId: this.def.id,
            unitId: unit.id,
            round: state.round,
            // With a checklist the inspector scores item by item; the score is their sum.
            ...(this.def.acceptance.checklist.length > 0
              ? { items: itemsForScore(this.def.acceptance.checklist, score) }
              : { score }),
            inspector: 'office-inspector',
          },
          at,
        ),
      );
    }
  }

  async before(state: CampaignState): Promise<void> {
    const now = instant(state.at);
    const next = instant(state.next.at);
    if (!this.started) {
      this.started = true;
      this.planTasks(now);
    }
    const period = state.next.period;
    if (period && !this.periods.has(period)) {
      this.periods.add(period);
      await this.planReports(state, period, now);
    }
    if (state.phase === 'rectify' && state.phaseStatus === 'running' && !this.hazardsPlanned) {
      this.hazardsPlanned = true;
      planHazards(this.store, this.def, instant(state.window?.start ?? state.at), (at, what, act) =>
        this.schedule(at, what, act),
      );
    }
    if (state.phase === 'inspect' && state.phaseStatus === 'running' && !this.inspections.has(state.round)) {
      this.inspections.add(state.round);
      await this.planInspections(state);
    }
    if (state.next.moment === 'monthlyCheck' && ++this.monthlyChecks === this.plan.monthlyChecksBeforeClose) {
      const at = daysAfter(next, 3, 'UTC');
      this.schedule(at, 'the office closes the campaign', async () => {
        await closeCampaign(
          this.store,
          this.engine,
          { campaignId: this.def.id, actor: 'office-admin', reason: '专项行动结束，转入常态化管理' },
          at,
        );
      });
    }
    // Everything due before the step happens first; at the step's own instant, the step goes first.
    while (this.planned[0] && this.planned[0].at < next) {
      const action = this.planned.shift() as Planned;
      await action.act();
      this.log.push({ at: iso(action.at), what: action.what });
    }
  }
}
