import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeCheckDeadlinesHandler } from './handler.ts';

export const handler = makeCheckDeadlinesHandler({
  store: storeFromEnv(),
  logger: createLogger('zhili-check-deadlines'),
});
