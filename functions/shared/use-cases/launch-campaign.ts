import { type CampaignDefinition, withoutUnits } from '../domain/definition.ts';
import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type { TaskRecord } from '../domain/records.ts';
import {
  definedWindow,
  type Instant,
  instant,
  iso,
  localDateTime,
  startOfLocalDay,
} from '../domain/schedule.ts';
import type { CampaignStateInput } from '../domain/state.ts';
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
    : startOfLocalDay(task.due, def.timeZone).plus({ days: 1 });

export const initialTasks = (def: CampaignDefinition, at: Instant): TaskRecord[] =>
  def.tasks.map((task) => {
    const dueAt = taskDueAt(def, task);
    const soon = dueAt.minus({ hours: DUE_SOON_HOURS });
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
 * Launches a campaign: writes it with its units and tasks, then starts its one execution, named
 * from the campaign id and generation. Launching again changes nothing and starts nothing.
 */
export const launchCampaign = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  def: CampaignDefinition,
  at: Instant,
  options: { actor: string; limits?: CampaignStateInput['limits'] },
): Promise<LaunchResult> => {
  const name = executionName(def.id, 1);
  const created = await store.createCampaign(
    def,
    {
      id: def.id,
      title: def.title,
      definition: withoutUnits(def),
      status: 'running',
      generation: 1,
      executionName: name,
      launchedAt: iso(at),
      round: 0,
      reRectifyUnits: [],
      unitCount: def.organisation.units.length,
    },
    initialTasks(def, at),
  );
  let launchedAt = at;
  if (!created) {
    const existing = await store.getCampaign(def.id);
    // Launched before and its execution started (or moved on): nothing to do.
    if (
      !existing ||
      existing.executionStartedAt ||
      existing.status !== 'running' ||
      existing.generation !== 1
    ) {
      return { campaignId: def.id, executionName: existing?.executionName ?? name, started: false };
    }
    // An earlier launch stored the campaign but failed before starting its execution: finish it.
    launchedAt = instant(existing.launchedAt);
  } else {
    await store.appendAudit(def.id, {
      at: iso(at),
      actor: options.actor,
      action: 'campaign.launched',
      detail: { execution: name, units: def.organisation.units.length, tasks: def.tasks.length },
    });
  }
  const started = await engine.start(name, initialState(def, launchedAt, options.limits));
  await store.updateCampaign(def.id, { executionStartedAt: iso(at) });
  return { campaignId: def.id, executionName: name, started };
};

/**
 * Creates a campaign from its definition without starting it (status `draft`): units, tasks and the
 * campaign item are written, nothing runs until `launchCreated`. `created: false` when the id is
 * taken (nothing written).
 */
export const createCampaign = async (
  _store: CampaignStore,
  _def: CampaignDefinition,
  _at: Instant,
  _options: { actor: string },
): Promise<{ campaignId: string; created: boolean }> => {
  throw new Error('not implemented yet');
};

/** Starts a created (draft) campaign's workflow; launching a campaign already launched starts nothing. */
export const launchCreated = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _campaignId: string,
  _at: Instant,
  _options: { actor: string; limits?: CampaignStateInput['limits'] },
): Promise<LaunchResult> => {
  throw new Error('not implemented yet');
};
