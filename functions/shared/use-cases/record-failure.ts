import * as z from 'zod/mini';
import { Person } from '../domain/definition.ts';
import { compose, officeHead, toNotification } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { FailureEvent } from '../domain/state.ts';

/**
 * Only what the failure notice needs: a failure may come from a campaign item that no longer
 * parses as a whole, and recording the failure must not fail on the same thing.
 */
const OfficeOf = z.object({
  title: z.string(),
  organisation: z.object({ office: z.object({ head: Person }) }),
  language: z.catch(z.enum(['zh-CN', 'en']), 'zh-CN'),
});

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
  const parsed = OfficeOf.safeParse((await store.getCampaign(state.campaignId))?.definition);
  if (!parsed.success) return;
  const { title, organisation, language } = parsed.data;
  const subjectKey = `${state.generation}#${state.next.action}#${state.next.at}`;
  const params = { campaign: title, step: state.next.action, at: state.next.at, error: error.Error };
  await store.enqueueNotifications([
    toNotification(
      state.campaignId,
      state.at,
      // The one message that may wake someone at night: the campaign has stopped.
      compose({ language }, 'workflowFailure', officeHead({ organisation }), subjectKey, params, {
        urgent: true,
      }),
    ),
  ]);
};
