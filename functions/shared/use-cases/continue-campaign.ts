import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type { CampaignState } from '../domain/state.ts';
import { finish, loadStep, resumeNext } from './advance.ts';

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
  if (ctx.record.status !== 'running') return finish(store, ctx, state);
  const generation = state.generation + 1;
  const name = executionName(state.campaignId, generation);
  // The new generation starts now (the moment this step was due), and resumes where this one would have gone.
  const fresh: CampaignState = { ...state, generation, generationStartedAt: state.next.at, steps: 0 };
  const next: CampaignState = { ...fresh, next: await resumeNext(store, ctx, fresh) };
  await engine.start(name, next);
  await store.updateCampaign(state.campaignId, { generation, executionName: name });
  await store.appendAudit(state.campaignId, {
    at: state.at,
    actor: 'workflow',
    action: 'execution.continued',
    detail: { from: executionName(state.campaignId, state.generation), to: name },
  });
  return { ...state, next: { at: state.at, action: 'done', moment: state.lastMoment } };
};
