import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeCollectReportsHandler } from './handler.ts';

export const handler = makeCollectReportsHandler({
  store: storeFromEnv(),
  logger: createLogger('zhili-collect-reports'),
});
