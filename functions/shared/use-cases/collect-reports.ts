import { type CampaignDefinition, LocalDate, type Unit } from '../domain/definition.ts';
import { ValidationError } from '../domain/errors.ts';
import { type Draft, leadingGroupLeader, liaisonOf, officeHead } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { PeriodOutcome, ReportRecord } from '../domain/records.ts';
import { cutoffsFrom, type Instant, iso, localDate, localDateTime } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import { advance, finish, loadStep, queueNotifications } from './advance.ts';
import { accountableUnits } from './phase-steps.ts';

/** The cutoff instant of a period key (the local date of its cutoff), refusing keys that are not cutoffs. */
export const cutoffOfPeriod = (def: CampaignDefinition, period: string): Instant => {
  if (!LocalDate.safeParse(period).success) {
    throw new ValidationError(`period "${period}" is not a date`, [
      { path: 'period', message: 'must be the cutoff date of a period, written YYYY-MM-DD' },
    ]);
  }
  const cutoff = localDateTime(period, def.reporting.cutoff.time, def.timeZone);
  const actual = cutoffsFrom(def.reporting, def.timeZone, cutoff).next().value;
  if (!actual?.equals(cutoff)) {
    throw new ValidationError(`period "${period}" is not a reporting cutoff date of this campaign`, [
      { path: 'period', message: `no ${def.reporting.cadence} cutoff falls on ${period}` },
    ]);
  }
  return cutoff;
};

const formatLate = (seconds: number): string => {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours}小时${minutes}分` : `${minutes}分`;
};

const bulletinBody = (
  def: CampaignDefinition,
  period: string,
  units: Unit[],
  reports: ReportRecord[],
): string => {
  const byUnit = new Map(reports.map((r) => [r.unitId, r]));
  const onTime = units.filter((u) => byUnit.get(u.id)?.onTime);
  const late = units.filter((u) => byUnit.has(u.id) && !byUnit.get(u.id)?.onTime);
  const missing = units.filter((u) => !byUnit.has(u.id));
  const rate = units.length === 0 ? 0 : Math.round((onTime.length / units.length) * 100);
  const totals = reports.reduce(
    (t, r) => ({
      sitesChecked: t.sitesChecked + r.content.counts.sitesChecked,
      hazardsFound: t.hazardsFound + r.content.counts.hazardsFound,
      hazardsFixed: t.hazardsFixed + r.content.counts.hazardsFixed,
    }),
    { sitesChecked: 0, hazardsFound: 0, hazardsFixed: 0 },
  );
  const lateText = late
    .map((u) => `${u.name}（迟报${formatLate(byUnit.get(u.id)?.lateBySeconds ?? 0)}）`)
    .join('、');
  return [
    `${def.title} 第${period}期情况通报`,
    `应报${units.length}个单位，按时上报${onTime.length}个（${rate}%）。`,
    `迟报：${lateText || '无'}。`,
    `未报：${missing.map((u) => u.name).join('、') || '无'}。`,
    `本期检查点位${totals.sitesChecked}处，发现隐患${totals.hazardsFound}处，已整改${totals.hazardsFixed}处。`,
  ].join('\n');
};

/**
 * One report moment of a period: reminders to units that have not reported, the cutoff (on time
 * vs missing, overdue notices), and the bulletin to the leading group and the office.
 */
export const collectReports = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (ctx.record.status !== 'running') return finish(store, ctx, state);
  const { def, at, record } = ctx;
  const { moment, period } = state.next;
  if (!period) throw new ValidationError(`report moment "${moment}" at ${state.next.at} carries no period`);
  const cutoff = cutoffOfPeriod(def, period);
  const units = accountableUnits(await store.listUnits(def.id), state.round, record.reRectifyUnits);
  const reports = await store.listReports(def.id, period);
  const reported = new Set(reports.map((r) => r.unitId));
  const notReported = units.filter((u) => !reported.has(u.id));
  const submitTo = def.reporting.submitTo;
  const deadline = `${localDate(cutoff, def.timeZone)} ${def.reporting.cutoff.time}`;
  let drafts: Draft[] = [];

  if (moment === 'reminder') {
    const hoursBefore = Math.round(cutoff.diff(at, 'hours').hours);
    drafts = notReported.map((u) => ({
      kind: 'reportReminder',
      recipient: liaisonOf(u),
      subjectKey: `${period}#${hoursBefore}h`,
      subject: `【${def.title}】请于${deadline}前报送本期进展`,
      body: `${u.name}：本期（${period}）工作进展尚未报送，请于${deadline}前报送${submitTo}。`,
    }));
  } else if (moment === 'cutoff') {
    const outcome: PeriodOutcome = {
      period,
      cutoff: iso(cutoff),
      phase: state.phase,
      round: state.round,
      expected: units.map((u) => u.id),
      onTime: units.filter((u) => reports.some((r) => r.unitId === u.id && r.onTime)).map((u) => u.id),
      missingAtCutoff: notReported.map((u) => u.id),
    };
    await store.putPeriodOutcome(def.id, outcome);
    drafts = notReported.map((u) => ({
      kind: 'reportOverdue',
      recipient: liaisonOf(u),
      subjectKey: period,
      subject: `【${def.title}】本期进展逾期未报`,
      body: `${u.name}：本期（${period}）工作进展已超过${deadline}截止时间仍未报送，请立即补报${submitTo}。`,
    }));
  }
  const hasSecondStage = def.reporting.cadence === 'weekly' && def.reporting.secondStage !== undefined;
  if (moment === 'bulletin' || (moment === 'cutoff' && !hasSecondStage)) {
    const body = bulletinBody(def, period, units, reports);
    const subject = `【${def.title}】第${period}期情况通报`;
    drafts.push(
      { kind: 'weeklyBulletin', recipient: leadingGroupLeader(def), subjectKey: period, subject, body },
      { kind: 'weeklyBulletin', recipient: officeHead(def), subjectKey: period, subject, body },
    );
  }
  const pending = await queueNotifications(store, ctx, drafts);
  return advance(store, ctx, state, moment, { pendingNotifications: state.pendingNotifications + pending });
};
