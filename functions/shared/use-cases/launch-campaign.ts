import { subHours } from 'date-fns';
import { type CampaignDefinition, StoredDefinition, withoutUnits } from '../domain/definition.ts';
import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type { CampaignRecord, Checkpoint, TaskRecord } from '../domain/records.ts';
import {
  daysAfter,
  definedWindow,
  type Instant,
  iso,
  localDateTime,
  startOfLocalDay,
} from '../domain/schedule.ts';
import { CampaignState, type CampaignStateInput } from '../domain/state.ts';
import { loadCampaign } from './advance.ts';
import { DUE_SOON_HOURS } from './check-deadlines.ts';
import { executionName } from './continue-campaign.ts';

export interface LaunchResult {
  campaignId: string;
  executionName: string;
  /** false when the campaign was launched before: nothing was written and no execution started. */
  started: boolean;
}

export const taskDueAt = (def: CampaignDefinition, task: CampaignDefinition['tasks'][number]): Instant =>
  task.dueTime
    ? localDateTime(task.due, task.dueTime, def.timeZone)
    : daysAfter(startOfLocalDay(task.due, def.timeZone), 1, def.timeZone);

export const initialTasks = (def: CampaignDefinition, at: Instant): TaskRecord[] =>
  def.tasks.map((task) => {
    const dueAt = taskDueAt(def, task);
    const soon = subHours(dueAt, DUE_SOON_HOURS);
    return {
      id: task.id,
      title: task.title,
      lead: task.lead,
      participants: task.participants,
      dueAt: iso(dueAt),
      status: 'open',
      nextCheckAt: iso(soon > at ? soon : dueAt),
      notified: [],
    };
  });

export const initialState = (def: CampaignDefinition, at: Instant, limits?: CampaignStateInput['limits']) => {
  const start = definedWindow(def, 'mobilize').start;
  const state: CampaignStateInput = {
    campaignId: def.id,
    generation: 1,
    generationStartedAt: iso(at),
    phase: 'mobilize',
    round: 0,
    phaseStatus: 'pending',
    at: iso(at),
    lastMoment: 'phaseStart',
    steps: 0,
    next: { at: iso(start > at ? start : at), action: 'startPhase', moment: 'phaseStart' },
    pendingNotifications: 0,
    limits: limits ?? {},
  };
  return state;
};

/**
 * Creates a campaign from its definition without starting it (status `draft`): units, tasks and the
 * campaign item are written, nothing runs until `launchCreated`. `created: false` when the id is
 * taken (nothing written).
 */
export const createCampaign = async (
  store: CampaignStore,
  def: CampaignDefinition,
  at: Instant,
  options: { actor: string },
): Promise<{ campaignId: string; created: boolean }> => {
  const created = await store.createCampaign(
    def,
    {
      id: def.id,
      title: def.title,
      definition: withoutUnits(def),
      status: 'draft',
      generation: 1,
      executionName: executionName(def.id, 1),
      createdAt: iso(at),
      round: 0,
      reRectifyUnits: [],
      unitCount: def.organisation.units.length,
    },
    initialTasks(def, at),
  );
  if (created) {
    await store.appendAudit(def.id, {
      at: iso(at),
      actor: options.actor,
      action: 'campaign.created',
      detail: { units: def.organisation.units.length, tasks: def.tasks.length },
    });
  }
  return { campaignId: def.id, created };
};

/**
 * Starts a created (draft) campaign's workflow: one transaction moves it to running with its
 * initial checkpoint and the audit entry, then its one execution is started, named from the
 * campaign id and generation. Launching a campaign already launched starts nothing; one whose
 * launch stopped before its execution started is finished by launching again.
 */
export const launchCreated = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  campaignId: string,
  at: Instant,
  options: { actor: string; limits?: CampaignStateInput['limits'] },
): Promise<LaunchResult> => {
  const record = await loadCampaign(store, campaignId);
  const checkpoint = await store.getCheckpoint(campaignId);
  if (record.status === 'draft' && checkpoint) {
    const def: CampaignDefinition = StoredDefinition.parse(record.definition);
    const name = executionName(campaignId, 1);
    const state = CampaignState.parse(initialState(def, at, options.limits));
    await store.applyControl(campaignId, {
      expect: { generation: record.generation, status: ['draft'], rev: checkpoint.rev },
      set: { status: 'running', launchedAt: iso(at), executionName: name },
      checkpoint: { generation: record.generation, status: 'running', state },
      audit: {
        at: iso(at),
        actor: options.actor,
        action: 'campaign.launched',
        detail: { execution: name, units: record.unitCount, tasks: def.tasks.length },
      },
    });
    return startGeneration(store, engine, campaignId, name, state, at);
  }
  // Launched, but its execution never started (the start failed after the write): start it now.
  const restarted = await startIfStranded(store, engine, record, checkpoint, at);
  if (restarted) return restarted;
  return { campaignId, executionName: record.executionName, started: false };
};

/**
 * A generation recorded as running whose execution never started (a launch, control or
 * continuation whose start failed after its write) is started now; null when there is none.
 */
export const startIfStranded = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  record: CampaignRecord,
  checkpoint: Checkpoint | null,
  at: Instant,
): Promise<LaunchResult | null> => {
  if (record.status !== 'running' || record.executionStartedAt || !checkpoint?.state) return null;
  if (checkpoint.generation !== record.generation) return null;
  return startGeneration(store, engine, record.id, record.executionName, checkpoint.state, at);
};

/** Starts a generation's execution from its checkpoint and notes that it started. */
export const startGeneration = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  campaignId: string,
  name: string,
  state: CampaignStateInput,
  at: Instant,
): Promise<LaunchResult> => {
  const started = await engine.start(name, state);
  await store.updateCampaign(campaignId, { executionStartedAt: iso(at) });
  return { campaignId, executionName: name, started };
};

/**
 * Creates and launches a campaign in one go (the local run). Launching again
 * changes nothing and starts nothing.
 */
export const launchCampaign = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  def: CampaignDefinition,
  at: Instant,
  options: { actor: string; limits?: CampaignStateInput['limits'] },
): Promise<LaunchResult> => {
  await createCampaign(store, def, at, options);
  return launchCreated(store, engine, def.id, at, options);
};
