import { SFNClient } from '@aws-sdk/client-sfn';
import openApi from '../../openapi.json' with { type: 'json' };
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { StepFunctionsEngine } from '../shared/adapters/sfn-engine.ts';
import { makeApiCampaignsHandler } from './handler.ts';

export const handler = makeApiCampaignsHandler({
  store: storeFromEnv(),
  engine: new StepFunctionsEngine(new SFNClient({}), getStringFromEnv('STATE_MACHINE_ARN')),
  // The committed document (npm run openapi), bundled: a unit test keeps it equal to the schemas.
  openApi,
  logger: createLogger('zhili-api-campaigns'),
});
