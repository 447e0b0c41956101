import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeApiNotificationsHandler } from './handler.ts';

export const handler = makeApiNotificationsHandler({
  store: storeFromEnv(),
  logger: createLogger('zhili-api-notifications'),
});
