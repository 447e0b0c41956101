import { SFNClient } from '@aws-sdk/client-sfn';
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { StepFunctionsEngine } from '../shared/adapters/sfn-engine.ts';
import { makeLaunchHandler } from './handler.ts';

export const handler = makeLaunchHandler({
  store: storeFromEnv(),
  engine: new StepFunctionsEngine(new SFNClient({}), getStringFromEnv('STATE_MACHINE_ARN')),
  logger: createLogger('zhili-launch-campaign'),
});
