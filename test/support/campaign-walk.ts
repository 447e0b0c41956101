import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { ConflictError, ValidationError } from '../../functions/shared/domain/errors.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import type { Notification } from '../../functions/shared/domain/records.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import {
  type Action,
  CampaignState,
  type CampaignStateInput,
  type NextStep,
} from '../../functions/shared/domain/state.ts';
import { checkDeadlines } from '../../functions/shared/use-cases/check-deadlines.ts';
import { collectReports } from '../../functions/shared/use-cases/collect-reports.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { acceptanceGate, closePhase, startPhase } from '../../functions/shared/use-cases/phase-steps.ts';
import { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from './memory-store.ts';

/**
 * Walks a campaign through its steps on the in-memory store, as the state machine would dispatch
 * them, with people acting on the virtual clock in between. Each call gets its own bulletin archive.
 */
export type StepAction = Exclude<Action, 'continueAsNew' | 'done'>;

export const campaignWalk = (archive = new MemoryBulletinArchive()) => {
  const fixturePath = join(import.meta.dirname, '../fixtures/minimal.yaml');
  const minimal = (): CampaignDefinition =>
    parseDefinitionYaml(readFileSync(fixturePath, 'utf8'), fixturePath);

  const CAMPAIGN = 'minimal-2027';
  /** Two days before mobilisation starts (2027-02-22 in Asia/Shanghai). */
  const LAUNCH = instant('2027-02-20T09:00:00+08:00');

  type StepFn = (store: MemoryCampaignStore, state: CampaignState) => Promise<CampaignState>;

  /** What the state machine dispatches on `state.next.action`. */
  const STEPS: Record<StepAction, StepFn> = {
    startPhase,
    collectReports: (store, state) => collectReports(store, archive, state),
    checkDeadlines,
    closePhase,
    gate: acceptanceGate,
  };

  const isStepAction = (action: Action): action is StepAction => action in STEPS;

  /** Runs the step the state says is next, as the Dispatch choice would. */
  const step = (store: MemoryCampaignStore, state: CampaignState): Promise<CampaignState> => {
    const action = state.next.action;
    if (!isStepAction(action)) throw new Error(`no step for action "${action}"`);
    return STEPS[action](store, state);
  };

  interface Taken {
    action: Action;
    at: string;
    moment: NextStep['moment'];
    period?: string;
    phase: CampaignState['phase'];
    round: number;
  }

  /**
   * Steps until `stop(state)` holds, running `before` ahead of each step (people acting on the
   * virtual clock). Returns the final state and the steps taken.
   */
  const walk = async (
    store: MemoryCampaignStore,
    from: CampaignState,
    stop: (state: CampaignState) => boolean,
    before: (state: CampaignState) => Promise<void> = async () => {},
  ): Promise<{ state: CampaignState; taken: Taken[] }> => {
    const taken: Taken[] = [];
    let state = from;
    while (!stop(state)) {
      if (taken.length > 300) throw new Error('walk did not reach its stop condition');
      await before(state);
      const { action, at, moment, period } = state.next;
      taken.push({ action, at, moment, period, phase: state.phase, round: state.round });
      state = await step(store, state);
    }
    return { state, taken };
  };

  const launched = async (
    options: { limits?: CampaignStateInput['limits']; def?: CampaignDefinition } = {},
  ): Promise<{ store: MemoryCampaignStore; engine: RecordingEngine; state: CampaignState }> => {
    const store = new MemoryCampaignStore();
    const engine = new RecordingEngine();
    await launchCampaign(store, engine, options.def ?? minimal(), LAUNCH, {
      actor: 'office-admin',
      limits: options.limits,
    });
    const first = engine.starts[0];
    if (!first) throw new Error('launch started no execution');
    return { store, engine, state: CampaignState.parse(first.input) };
  };

  const nextIs =
    (action: Action, moment?: NextStep['moment'], period?: string) =>
    (state: CampaignState): boolean =>
      state.next.action === action &&
      (moment === undefined || state.next.moment === moment) &&
      (period === undefined || state.next.period === period);

  const unitsOf = (notifications: Notification[]): (string | undefined)[] =>
    notifications.map((n) => n.recipient.unitId).sort();

  const newSince = (before: Notification[], after: Notification[]): Notification[] => {
    const seen = new Set(before.map((n) => n.id));
    return after.filter((n) => !seen.has(n.id));
  };

  /** What `act` throws when it is a `kind`; the test fails on another error or on none. */
  const thrownBy = async <E extends Error>(
    kind: new (...args: never[]) => E,
    act: () => Promise<unknown>,
  ): Promise<E> => {
    try {
      await act();
    } catch (error) {
      if (error instanceof kind) return error;
      throw error;
    }
    throw new Error(`expected a ${kind.name}, but nothing was thrown`);
  };
  const validationErrorOf = (act: () => Promise<unknown>) => thrownBy(ValidationError, act);
  const conflictOf = (act: () => Promise<unknown>) => thrownBy(ConflictError, act);

  /** Everything a control writes: the campaign item, its checkpoint, the audit trail and the phase records. */
  const written = async (store: CampaignStore) => ({
    campaign: await store.getCampaign(CAMPAIGN),
    checkpoint: await store.getCheckpoint(CAMPAIGN),
    audit: await store.listAudit(CAMPAIGN),
    phases: await store.listPhases(CAMPAIGN),
  });

  return {
    CAMPAIGN,
    LAUNCH,
    archive,
    minimal,
    STEPS,
    step,
    walk,
    launched,
    nextIs,
    unitsOf,
    newSince,
    validationErrorOf,
    conflictOf,
    written,
  };
};
