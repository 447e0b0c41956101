import { engineFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeApiCampaignsHandler } from './handler.ts';

export const handler = makeApiCampaignsHandler({
  store: storeFromEnv(),
  engine: engineFromEnv(),
  logger: createLogger('zhili-api-campaigns'),
});
