import { engineFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeContinueHandler } from './handler.ts';

export const handler = makeContinueHandler({
  store: storeFromEnv(),
  engine: engineFromEnv(),
  logger: createLogger('zhili-continue-campaign'),
});
