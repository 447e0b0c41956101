import * as z from 'zod/mini';
import { Notification, NotificationStatus } from '../../domain/records.ts';
import { CampaignParams, type FunctionSchemas } from '../route-schema.ts';

/** The api-notifications function's routes: the outbox and its dead letters. */

export const RetryBody = z.strictObject({
  /** The dead letters to send again; every one when left out. */
  ids: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1), z.maxLength(500)),
  ),
});

export const notificationSchemas = {
  listNotifications: {
    params: CampaignParams,
    query: z.strictObject({ status: z.optional(NotificationStatus) }),
    response: z.object({ notifications: z.array(Notification) }),
  },
  retryNotifications: {
    params: CampaignParams,
    body: RetryBody,
    bodyOptional: true,
    response: z.object({ retried: z.array(z.string()) }),
    description:
      'Dead letters go back in the outbox and out at the campaign’s next step. Recorded in the audit trail.',
  },
} as const satisfies FunctionSchemas<'api-notifications'>;
