import { engineFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeLaunchHandler } from './handler.ts';

export const handler = makeLaunchHandler({
  store: storeFromEnv(),
  engine: engineFromEnv(),
  logger: createLogger('zhili-launch-campaign'),
});
