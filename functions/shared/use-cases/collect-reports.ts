import { differenceInHours } from 'date-fns';
import { onTimeRate } from '../domain/bulletin/compile.ts';
import { LABELS } from '../domain/bulletin/labels.ts';
import type { CampaignDefinition, Unit } from '../domain/definition.ts';
import { ValidationError } from '../domain/errors.ts';
import {
  compose,
  type Draft,
  leadingGroupLeader,
  liaisonOf,
  officeHead,
  personLabel,
  unitLeaderOf,
} from '../domain/notifications.ts';
import { cutoffOfPeriod } from '../domain/periods.ts';
import type { BulletinArchive, CampaignStore } from '../domain/ports.ts';
import type { PeriodOutcome, ReportRecord } from '../domain/records.ts';
import { type Instant, instant, iso, localDate } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import { advance, finish, loadStep, queueNotifications } from './advance.ts';
import { accountableUnits } from './phase-steps.ts';
import { publishBulletin } from './publish-bulletin.ts';

const presentTitle = (def: CampaignDefinition, n: number): string => {
  const labels = LABELS[def.language];
  return `${labels.title(def.title)}${labels.paren(labels.number(n))}`;
};

/**
 * One report moment of a period: reminders to units that have not reported, the cutoff (on time
 * vs missing, overdue notices), and the bulletin to the leading group and the office.
 */
export const collectReports = async (
  store: CampaignStore,
  archive: BulletinArchive,
  state: CampaignState,
): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (!ctx.live) return finish(store, ctx, state);
  const { def, at, record } = ctx;
  const { moment, period } = state.next;
  if (!period) throw new ValidationError(`report moment "${moment}" at ${state.next.at} carries no period`);
  const cutoff = cutoffOfPeriod(def, period);
  const allUnits = await store.listUnits(def.id);
  const units = accountableUnits(allUnits, state.round, record.reRectifyUnits).filter((u) => u.reports);
  const reportsOf = periodReports(store, def.id);
  const reports = await reportsOf(period);
  const reported = new Set(reports.map((r) => r.unitId));
  const notReported = units.filter((u) => !reported.has(u.id));
  const submitTo = def.reporting.submitTo;
  const deadline = `${localDate(cutoff, def.timeZone)} ${def.reporting.cutoff.time}`;
  let drafts: Draft[] = [];
  let outcome: PeriodOutcome | undefined;

  if (moment === 'reminder' && state.resumedAt && cutoff <= instant(state.resumedAt)) {
    // Catching up after a pause: this reminder announced a cutoff that has passed meanwhile.
    drafts = [];
  } else if (moment === 'reminder') {
    const hoursBefore = differenceInHours(cutoff, at, { roundingMethod: 'round' });
    drafts = notReported.map((u) =>
      compose(def, 'reportReminder', liaisonOf(u), `${period}#${hoursBefore}h`, {
        campaign: def.title,
        unit: u.name,
        period,
        deadline,
        submitTo,
      }),
    );
  } else if (moment === 'cutoff') {
    const escalated = await missingTwiceInARow(store, def.id, cutoff, notReported, reportsOf);
    outcome = {
      period,
      cutoff: iso(cutoff),
      phase: state.phase,
      round: state.round,
      expected: units.map((u) => u.id),
      onTime: units.filter((u) => reports.some((r) => r.unitId === u.id && r.onTime)).map((u) => u.id),
      missingAtCutoff: notReported.map((u) => u.id),
      escalated: escalated.map((u) => u.id),
    };
    await store.putPeriodOutcome(def.id, outcome);
    drafts = [
      ...notReported.map((u) =>
        compose(def, 'reportOverdue', liaisonOf(u), period, {
          campaign: def.title,
          unit: u.name,
          period,
          deadline,
          submitTo,
        }),
      ),
      ...escalationDrafts(def, period, escalated),
    ];
  }
  const hasSecondStage = def.reporting.cadence === 'weekly' && def.reporting.secondStage !== undefined;
  if (moment === 'bulletin' || (moment === 'cutoff' && !hasSecondStage)) {
    const bulletin = await publishBulletin(store, archive, {
      def,
      period,
      at,
      phase: state.phase,
      round: state.round,
      units: allUnits,
      accountable: units,
      outcome,
      reportsOf,
    });
    const { record: b } = bulletin;
    // Robots get the bulletin's own Markdown, mail its HTML; SMS the figures in one message.
    const params = {
      campaign: def.title,
      title: presentTitle(def, b.number),
      period,
      expected: b.expected,
      onTime: b.onTime.length,
      rate: onTimeRate(b),
      late: b.late.map((u) => u.name),
      missing: b.missing.map((u) => u.name),
      sitesChecked: b.totals.sitesChecked,
      hazardsFound: b.totals.hazardsFound,
      hazardsFixed: b.totals.hazardsFixed,
      detailsMarkdown: bulletin.markdown,
      detailsHtml: bulletin.mailHtml,
    };
    drafts.push(
      ...[leadingGroupLeader(def), officeHead(def)].map((recipient) =>
        compose(def, 'weeklyBulletin', recipient, period, params),
      ),
    );
  }
  const pending = await queueNotifications(store, ctx, drafts);
  return advance(store, ctx, state, moment, { pendingNotifications: state.pendingNotifications + pending });
};

/**
 * A period's current reports, each period read once per tick: the cutoff's escalation and the
 * bulletin both look at the previous period, and with 1,000 units that is a 1,000-item Query.
 */
const periodReports = (store: CampaignStore, campaignId: string) => {
  const read = new Map<string, Promise<ReportRecord[]>>();
  return (period: string): Promise<ReportRecord[]> => {
    let reports = read.get(period);
    if (!reports) {
      reports = store.listReports(campaignId, period);
      read.set(period, reports);
    }
    return reports;
  };
};

/**
 * Units missing at this cutoff that were due the period before and never reported it, not even
 * late: a second silent period in a row goes over the liaison's head.
 */
const missingTwiceInARow = async (
  store: CampaignStore,
  campaignId: string,
  cutoff: Instant,
  notReported: Unit[],
  reportsOf: (period: string) => Promise<ReportRecord[]>,
): Promise<Unit[]> => {
  if (notReported.length === 0) return [];
  const previous = (await store.listPeriodOutcomes(campaignId))
    .filter((o) => o.cutoff < iso(cutoff))
    .sort((a, b) => a.cutoff.localeCompare(b.cutoff))
    .at(-1);
  if (!previous) return [];
  const reportedBefore = new Set((await reportsOf(previous.period)).map((r) => r.unitId));
  const expectedBefore = new Set(previous.expected);
  return notReported.filter((u) => expectedBefore.has(u.id) && !reportedBefore.has(u.id));
};

const escalationDrafts = (def: CampaignDefinition, period: string, units: Unit[]): Draft[] => {
  if (units.length === 0) return [];
  const base = { campaign: def.title, period, submitTo: def.reporting.submitTo };
  return [
    ...units.map((u) =>
      compose(def, 'reportEscalation', unitLeaderOf(u), period, {
        ...base,
        units: [u.name],
        leader: personLabel(u.leader),
        liaison: u.liaison.name,
        toOffice: false,
      }),
    ),
    compose(def, 'reportEscalation', officeHead(def), period, {
      ...base,
      units: units.map((u) => u.name),
      leader: '',
      liaison: '',
      toOffice: true,
    }),
  ];
};
