import { engineFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeApiCampaignsHandler } from './handler.ts';

export const handler = makeApiCampaignsHandler({
  store: storeFromEnv(),
  engine: engineFromEnv(),
  // The committed document (npm run openapi; a unit test keeps it equal to the schemas), bundled
  // but evaluated only when asked for: 54 KB that no other route needs at a cold start.
  openApi: async () => (await import('../../openapi.json', { with: { type: 'json' } })).default,
  logger: createLogger('zhili-api-campaigns'),
});
