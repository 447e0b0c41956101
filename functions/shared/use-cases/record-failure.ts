import { StoredDefinition } from '../domain/definition.ts';
import { officeHead, toNotification } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { FailureEvent } from '../domain/state.ts';

/** Where every task's Catch leads: the failure is recorded and the office is told, before the execution fails. */
export const recordFailure = async (store: CampaignStore, event: FailureEvent): Promise<void> => {
  const { state, error } = event;
  await store.appendAudit(state.campaignId, {
    at: state.at,
    actor: 'workflow',
    action: 'workflow.failed',
    detail: { step: state.next.action, stepAt: state.next.at, error: error.Error, cause: error.Cause ?? '' },
  });
  await store.updateCampaign(state.campaignId, { status: 'failed' });
  const record = await store.getCampaign(state.campaignId);
  if (!record) return;
  const def = StoredDefinition.parse(record.definition);
  await store.enqueueNotifications([
    toNotification(state.campaignId, state.at, {
      kind: 'workflowFailure',
      recipient: officeHead(def),
      subjectKey: `${state.generation}#${state.next.action}#${state.next.at}`,
      subject: `【${def.title}】工作流异常`,
      body: `步骤 ${state.next.action}（${state.next.at}）失败：${error.Error}。请管理员处理后重新启动。`,
    }),
  ]);
};
