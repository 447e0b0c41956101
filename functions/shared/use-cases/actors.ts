import { scoreChecklist } from '../domain/checklist.ts';
import { StoredDefinition } from '../domain/definition.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { InspectionRecord, TaskRecord } from '../domain/records.ts';
import { type Instant, iso } from '../domain/schedule.ts';
import { loadCampaign } from './advance.ts';

/** What people do between the workflow's wakes: liaisons report, inspectors score, units finish tasks, admins close. */

export const runningCampaign = async (store: CampaignStore, campaignId: string) => {
  const record = await loadCampaign(store, campaignId);
  // Work goes on while the campaign is paused: a pause silences the workflow, not the people.
  if (record.status !== 'running' && record.status !== 'paused')
    throw new ConflictError(`campaign "${campaignId}" is ${record.status}`);
  return { record, def: StoredDefinition.parse(record.definition) };
};

export const unitOf = async (store: CampaignStore, campaignId: string, unitId: string) => {
  const unit = await store.getUnit(campaignId, unitId);
  if (!unit) throw new NotFoundError(`unit "${unitId}" is not a unit of campaign "${campaignId}"`);
  return unit;
};

export const recordInspection = async (
  store: CampaignStore,
  input: {
    campaignId: string;
    unitId: string;
    /** The acceptance round; the campaign's current one when left out. */
    round?: number;
    /** The overall score; with a checklist, give `items` instead (or both, and they must agree). */
    score?: number;
    items?: Record<string, number>;
    inspector: string;
    notes?: string;
  },
  at: Instant,
): Promise<InspectionRecord> => {
  const { record, def } = await runningCampaign(store, input.campaignId);
  await unitOf(store, input.campaignId, input.unitId);
  const round = input.round ?? record.round;
  const checklist = def.acceptance.checklist;
  if (input.items && checklist.length === 0) {
    throw new ValidationError('this campaign has no checklist; give an overall score', [
      { path: 'items', message: 'no checklist' },
    ]);
  }
  const fromItems = input.items ? scoreChecklist(checklist, input.items) : undefined;
  if (fromItems !== undefined && input.score !== undefined && input.score !== fromItems) {
    throw new ValidationError(`score ${input.score} does not match the checklist items' sum ${fromItems}`, [
      { path: 'score', message: 'does not match the items' },
    ]);
  }
  const score = fromItems ?? input.score ?? Number.NaN;
  if (!(score >= 0 && score <= 100)) {
    throw new ValidationError(`score ${input.score ?? '(none)'} is outside 0–100`, [
      { path: 'score', message: 'must be 0–100' },
    ]);
  }
  const inspection: InspectionRecord = {
    unitId: input.unitId,
    round,
    score,
    inspector: input.inspector,
    at: iso(at),
    notes: input.notes ?? '',
    ...(input.items ? { items: input.items } : {}),
  };
  await store.putInspection(input.campaignId, inspection);
  await store.appendAudit(input.campaignId, {
    at: iso(at),
    actor: input.inspector,
    action: 'inspection.recorded',
    detail: { unitId: input.unitId, round, score },
  });
  return inspection;
};

export const completeTask = async (
  store: CampaignStore,
  input: {
    campaignId: string;
    taskId: string;
    actor: string;
    /** Looks at the task as read before anything is written; throws to refuse (the API's unit scoping). */
    check?: (task: TaskRecord) => void;
  },
  at: Instant,
): Promise<TaskRecord> => {
  await runningCampaign(store, input.campaignId);
  const task = await store.getTask(input.campaignId, input.taskId);
  if (!task)
    throw new NotFoundError(`task "${input.taskId}" is not a task of campaign "${input.campaignId}"`);
  input.check?.(task);
  if (task.status === 'done') throw new ConflictError(`task "${input.taskId}" is already done`);
  const done: TaskRecord = { ...task, status: 'done', doneAt: iso(at), nextCheckAt: undefined };
  await store.putTask(input.campaignId, done);
  await store.appendAudit(input.campaignId, {
    at: iso(at),
    actor: input.actor,
    action: 'task.done',
    detail: { taskId: input.taskId },
  });
  return done;
};
