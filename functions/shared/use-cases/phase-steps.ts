import { subMilliseconds } from 'date-fns';
import type { CampaignDefinition, Phase, Unit } from '../domain/definition.ts';
import {
  compose,
  type Draft,
  leadingGroupLeader,
  liaisonOf,
  officeHead,
  unitLeaderOf,
} from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import { actualWindow, iso, localDate } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import { advance, finish, loadStep, queueNotifications, windowToState } from './advance.ts';
import { resultNotices } from './inspection-notices.ts';

export const DEFAULT_PHASE_NAMES: Record<Phase, string> = {
  mobilize: '动员部署',
  rectify: '集中整治',
  inspect: '检查验收',
  longTerm: '长效管理',
};

export const phaseName = (def: CampaignDefinition, phase: Phase, round = 0): string => {
  const name = def.phases[phase].name ?? DEFAULT_PHASE_NAMES[phase];
  return round > 0 ? `${name}（第${round}轮再整改）` : name;
};

/** Units accountable in a round: every reporting unit first, then only those sent back by the gate. */
export const accountableUnits = (units: Unit[], round: number, reRectifyUnits: string[]): Unit[] =>
  round === 0 ? units.filter((u) => u.reports) : units.filter((u) => reRectifyUnits.includes(u.id));

/** Opens a phase: records its actual window and sends the phase notice (动员/启动通知) to its units. */
export const startPhase = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (!ctx.live) return finish(store, ctx, state);
  const { def, at, record } = ctx;
  const window = actualWindow(def, state.phase, state.round, at);
  await store.putPhase(def.id, {
    phase: state.phase,
    round: state.round,
    startedAt: iso(at),
    plannedEnd: window.end ? iso(window.end) : null,
  });
  await store.updateCampaign(def.id, { phase: state.phase, round: state.round });
  const units = accountableUnits(await store.listUnits(def.id), state.round, record.reRectifyUnits);
  const name = phaseName(def, state.phase, state.round);
  const params = {
    campaign: def.title,
    phase: name,
    from: localDate(at, def.timeZone),
    until: window.end ? localDate(subMilliseconds(window.end, 1), def.timeZone) : '',
    notice: def.phases[state.phase].notice ?? '',
  };
  const subjectKey = `${state.phase}#${state.round}`;
  const drafts: Draft[] = [leadingGroupLeader(def), officeHead(def), ...units.map(liaisonOf)].map(
    (recipient) => compose(def, 'phaseStart', recipient, subjectKey, params),
  );
  const pending = await queueNotifications(store, ctx, drafts);
  await store.appendAudit(def.id, {
    at: iso(at),
    actor: 'workflow',
    action: 'phase.started',
    detail: { phase: state.phase, round: state.round, plannedEnd: window.end ? iso(window.end) : null },
  });
  return advance(store, ctx, state, 'phaseStart', {
    phaseStatus: 'running',
    window: windowToState(window),
    pendingNotifications: state.pendingNotifications + pending,
  });
};

const NEXT_PHASE: Record<Exclude<Phase, 'inspect' | 'longTerm'>, Phase> = {
  mobilize: 'rectify',
  rectify: 'inspect',
};

/** Closes the running phase with a summary to the office; after inspection comes the acceptance gate. */
export const closePhase = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (!ctx.live) return finish(store, ctx, state);
  const { def, at } = ctx;
  const outcomes = (await store.listPeriodOutcomes(def.id)).filter(
    (o) => o.phase === state.phase && o.round === state.round,
  );
  const expected = outcomes.reduce((n, o) => n + o.expected.length, 0);
  const onTime = outcomes.reduce((n, o) => n + o.onTime.length, 0);
  const summary = { periods: outcomes.length, reportsExpected: expected, reportsOnTime: onTime };
  await store.putPhase(def.id, {
    phase: state.phase,
    round: state.round,
    // StartPhase recorded the window start as the phase's start, so the state already has it.
    startedAt: state.window?.start ?? iso(at),
    plannedEnd: state.window?.end ?? null,
    closedAt: iso(at),
    summary,
  });
  const name = phaseName(def, state.phase, state.round);
  const rate = expected === 0 ? '—' : `${Math.round((onTime / expected) * 100)}%`;
  const pending = await queueNotifications(store, ctx, [
    compose(def, 'phaseSummary', officeHead(def), `${state.phase}#${state.round}`, {
      campaign: def.title,
      phase: name,
      ended: localDate(at, def.timeZone),
      periods: outcomes.length,
      rate,
      onTime,
      expected,
    }),
  ]);
  await store.appendAudit(def.id, {
    at: iso(at),
    actor: 'workflow',
    action: 'phase.closed',
    detail: { phase: state.phase, round: state.round, ...summary },
  });
  const pendingNotifications = state.pendingNotifications + pending;
  if (state.phase === 'inspect') {
    return advance(store, ctx, state, 'phaseEnd', {
      pendingNotifications,
      next: { at: iso(at), action: 'gate', moment: 'phaseEnd' },
    });
  }
  if (state.phase === 'longTerm') {
    return advance(store, ctx, state, 'phaseEnd', {
      pendingNotifications,
      next: { at: iso(at), action: 'done', moment: 'phaseEnd' },
    });
  }
  return advance(store, ctx, state, 'phaseEnd', {
    phase: NEXT_PHASE[state.phase],
    phaseStatus: 'pending',
    window: undefined,
    pendingNotifications,
  });
};

/**
 * The acceptance gate (验收): units under the pass score go back to rectification for another
 * round (plan 9: 再整改再提高), up to the definition's bound; then the campaign moves to long-term upkeep.
 */
export const acceptanceGate = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (!ctx.live) return finish(store, ctx, state);
  const { def, at, record } = ctx;
  const units = accountableUnits(await store.listUnits(def.id), state.round, record.reRectifyUnits);
  const scores = new Map((await store.listInspections(def.id, state.round)).map((i) => [i.unitId, i.score]));
  const pass = def.acceptance.passScore;
  const failing = units.filter((u) => (scores.get(u.id) ?? pass) < pass);
  const notInspected = units.filter((u) => !scores.has(u.id)).map((u) => u.id);
  const another = failing.length > 0 && state.round < def.acceptance.maxReRectifyRounds;
  const failingIds = failing.map((u) => u.id);
  await store.updateCampaign(def.id, { reRectifyUnits: another ? failingIds : [] });
  await store.appendAudit(def.id, {
    at: iso(at),
    actor: 'workflow',
    action: 'acceptance.gate',
    detail: { round: state.round, failing: failingIds, notInspected, reRectify: another },
  });
  const subjectKey = `gate#${state.round}`;
  const result = {
    campaign: def.title,
    attempt: state.round + 1,
    passScore: pass,
    failing: failing.map((u) => `${u.name}（${scores.get(u.id)}分）`),
    reRectify: another,
    nextRound: state.round + 1,
    days: def.acceptance.reRectifyDays,
    exhausted: failing.length > 0 && !another,
    maxRounds: def.acceptance.maxReRectifyRounds,
  };
  const drafts: Draft[] = [
    compose(def, 'acceptanceResult', leadingGroupLeader(def), subjectKey, result),
    compose(def, 'acceptanceResult', officeHead(def), subjectKey, result),
    ...failing.map((u) =>
      compose(def, 'inspectionCriticism', unitLeaderOf(u), subjectKey, {
        campaign: def.title,
        unit: u.name,
        score: scores.get(u.id) ?? 0,
        passScore: pass,
        reRectify: another,
        days: def.acceptance.reRectifyDays,
      }),
    ),
    ...resultNotices(def, state.round, units, scores),
  ];
  const pending = await queueNotifications(store, ctx, drafts);
  return advance(store, ctx, state, 'phaseEnd', {
    phase: another ? 'rectify' : 'longTerm',
    round: another ? state.round + 1 : 0,
    phaseStatus: 'pending',
    window: undefined,
    pendingNotifications: state.pendingNotifications + pending,
  });
};
