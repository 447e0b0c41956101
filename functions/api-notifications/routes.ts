import type { CampaignStore } from '../shared/domain/ports.ts';
import type { RouteImpls } from '../shared/http/api-handler.ts';
import type { notificationSchemas } from '../shared/http/schemas/notifications.ts';
import { listOutbox, retryDeadLetters } from '../shared/use-cases/outbox.ts';

export interface NotificationRoutesDeps {
  store: CampaignStore;
}

export const notificationRoutes = ({
  store,
}: NotificationRoutesDeps): RouteImpls<typeof notificationSchemas> => ({
  listNotifications: async ({ params, query }) => ({
    notifications: await listOutbox(store, params.campaignId, query.status),
  }),

  retryNotifications: async ({ params, body, principal, at }) => ({
    retried: await retryDeadLetters(
      store,
      { campaignId: params.campaignId, ids: body.ids, actor: principal.name },
      at,
    ),
  }),
});
