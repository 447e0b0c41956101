import { ConflictError } from '../domain/errors.ts';
import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type { CampaignState } from '../domain/state.ts';
import { finish, loadStep, resumeNext } from './advance.ts';
import { startGeneration, startIfStranded } from './launch-campaign.ts';

export const executionName = (campaignId: string, generation: number): string =>
  `${campaignId}-g${generation}`;

/**
 * Continues the campaign as a new execution (the next generation) before this one nears the
 * one-year or 25,000-event limits. Idempotent: a retry finds the execution already started.
 */
export const continueAsNew = async (
  store: CampaignStore,
  engine: WorkflowEngine,
  state: CampaignState,
): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  const generation = state.generation + 1;
  const name = executionName(state.campaignId, generation);
  const done: CampaignState = { ...state, next: { at: state.at, action: 'done', moment: state.lastMoment } };
  if (!ctx.live) {
    // A retry of this step after its own write: the next generation is recorded, start it (a second start is refused).
    if (ctx.record.executionName === name) {
      const checkpoint = await store.getCheckpoint(state.campaignId);
      if (await startIfStranded(store, engine, ctx.record, checkpoint, ctx.at)) return done;
    }
    return finish(store, ctx, state);
  }
  const checkpoint = await store.getCheckpoint(state.campaignId);
  if (!checkpoint) throw new Error(`campaign "${state.campaignId}" has no checkpoint`);
  // The new generation starts now (the moment this step was due), and resumes where this one would have gone.
  const fresh: CampaignState = { ...state, generation, generationStartedAt: state.next.at, steps: 0 };
  const next: CampaignState = { ...fresh, next: await resumeNext(store, ctx, fresh) };
  try {
    await store.applyControl(state.campaignId, {
      expect: { generation: state.generation, status: ['running'], rev: checkpoint.rev },
      set: { generation, executionName: name },
      remove: ['executionStartedAt'],
      checkpoint: { generation, status: 'running', state: next },
      audit: {
        at: state.at,
        actor: 'workflow',
        action: 'execution.continued',
        detail: { from: executionName(state.campaignId, state.generation), to: name },
      },
    });
  } catch (error) {
    // An administrator's control got there first: the campaign is theirs to move on, this execution ends.
    if (error instanceof ConflictError) return done;
    throw error;
  }
  await startGeneration(store, engine, state.campaignId, name, next, ctx.at);
  return done;
};
