import type { CampaignDefinition } from '../domain/definition.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { formatPath } from '../domain/parse-definition.ts';
import { cutoffOfPeriod } from '../domain/periods.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { PhaseRecord, ReportRecord } from '../domain/records.ts';
import { reportContentSchema } from '../domain/report-content.ts';
import { definedWindow, type Instant, instant, iso, previousCutoff } from '../domain/schedule.ts';
import { runningCampaign } from './actors.ts';

/** A unit that resubmits more often than this in one period is not revising, it is looping. */
export const MAX_REPORT_VERSIONS = 100;
/** Concurrent submissions for one unit and period each get a version; a loser reads again and retries. */
const SAVE_ATTEMPTS = 40;

export interface SubmitReportInput {
  campaignId: string;
  unitId: string;
  period: string;
  content: unknown;
  /** Who submitted (user id or name); the unit's liaison when not given. */
  actor?: string;
}

/**
 * Whether a cutoff falls inside a reporting phase: the recorded window of a phase that has run or is
 * running, the defined window of one still to come. A cutoff on a phase's end belongs to no phase,
 * as the workflow sees it.
 */
const inReportingPhase = (def: CampaignDefinition, phases: PhaseRecord[], cutoff: Instant): boolean =>
  def.reporting.phases.some((phase) => {
    const records = phases.filter((p) => p.phase === phase);
    const windows =
      records.length > 0
        ? records.map((p) => {
            const end = p.closedAt ?? p.plannedEnd;
            return { start: instant(p.startedAt), end: end ? instant(end) : null };
          })
        : [definedWindow(def, phase)];
    return windows.some((w) => cutoff >= w.start && (w.end === null || cutoff < w.end));
  });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A unit's periodic report. One current version per unit and period: resubmitting replaces it and
 * keeps every earlier version. Before the cutoff it is on time; a first submission after it is
 * accepted and marked late by how late (a revision never changes the period's punctuality). A period
 * that has not opened, a date that is no cutoff, a period outside the reporting phases and a unit
 * that does not report are refused, and nothing is written.
 */
export const submitReport = async (
  store: CampaignStore,
  input: SubmitReportInput,
  at: Instant,
): Promise<ReportRecord> => {
  const { def } = await runningCampaign(store, input.campaignId);
  const unit = await store.getUnit(input.campaignId, input.unitId);
  if (!unit) {
    throw new NotFoundError(`unit "${input.unitId}" is not a unit of campaign "${input.campaignId}"`);
  }
  if (!unit.reports) {
    throw new ValidationError(`${unit.name} (${unit.id}) does not file reports itself (reports: false)`, [
      { path: 'unitId', message: 'this unit reports through its parent unit' },
    ]);
  }
  const parsed = reportContentSchema(def.reporting.fields).safeParse(input.content);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: formatPath(['content', ...i.path]),
      message: i.message,
    }));
    throw new ValidationError(
      `report content is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const cutoff = cutoffOfPeriod(def, input.period);
  const opens = previousCutoff(def.reporting, def.timeZone, cutoff);
  if (at < opens) {
    throw new ValidationError(`period ${input.period} opens at ${iso(opens)}; it is not open yet`, [
      { path: 'period', message: 'period is in the future' },
    ]);
  }
  if (!inReportingPhase(def, await store.listPhases(def.id), cutoff)) {
    throw new ValidationError(
      `period ${input.period} is not a reporting period: its cutoff falls outside the phases that report (${def.reporting.phases.join(', ')})`,
      [{ path: 'period', message: 'not a reporting period of this campaign' }],
    );
  }

  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const previous = await store.getReport(def.id, input.period, unit.id);
    if (previous && previous.version >= MAX_REPORT_VERSIONS) {
      throw new ConflictError(
        `${unit.name} has already submitted ${MAX_REPORT_VERSIONS} versions for period ${input.period}; no more are kept`,
      );
    }
    const onTime = previous ? previous.onTime : at < cutoff;
    const record: ReportRecord = {
      campaignId: def.id,
      unitId: unit.id,
      period: input.period,
      cutoff: iso(cutoff),
      version: (previous?.version ?? 0) + 1,
      submittedAt: iso(at),
      submittedBy: input.actor ?? unit.liaison.name,
      firstSubmittedAt: previous?.firstSubmittedAt ?? previous?.submittedAt ?? iso(at),
      onTime,
      lateBySeconds: previous
        ? previous.lateBySeconds
        : onTime
          ? 0
          : Math.floor((at.getTime() - cutoff.getTime()) / 1000),
      content: parsed.data,
    };
    if (await store.saveReportVersion(record)) return record;
    // Spread the retries so that a burst of submissions does not collide again in lockstep.
    await pause(Math.random() * 10 * (attempt + 1));
  }
  throw new ConflictError(
    `too many simultaneous submissions for ${unit.name}, period ${input.period}; try again in a moment`,
  );
};
