import type { Logger } from '../shared/adapters/logger.ts';
import { makeApiHandler } from '../shared/http/api-handler.ts';
import { notificationSchemas } from '../shared/http/schemas/notifications.ts';
import { type NotificationRoutesDeps, notificationRoutes } from './routes.ts';

export interface ApiNotificationsDeps extends NotificationRoutesDeps {
  logger: Logger;
  /** Check every answer against its schema (tests, the local server). */
  checkResponses?: boolean;
}

/** HTTP API: the outbox and its dead letters. */
export const makeApiNotificationsHandler = ({ logger, checkResponses, ...deps }: ApiNotificationsDeps) =>
  makeApiHandler({
    fn: 'api-notifications',
    schemas: notificationSchemas,
    routes: notificationRoutes(deps),
    logger,
    checkResponses,
  });
