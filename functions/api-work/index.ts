import { SFNClient } from '@aws-sdk/client-sfn';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { S3BulletinArchive } from '../shared/adapters/bulletin-archive.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { StepFunctionsEngine } from '../shared/adapters/sfn-engine.ts';
import { makeApiWorkHandler } from './handler.ts';

export const handler = makeApiWorkHandler({
  store: storeFromEnv(),
  archive: new S3BulletinArchive({
    bucket: getStringFromEnv('BULLETIN_BUCKET'),
    region: () => getStringFromEnv('AWS_REGION'),
    // The same credentials as the DynamoDB client: in the bundle, the Lambda part of the chain.
    credentials: defaultProvider(),
  }),
  engine: new StepFunctionsEngine(new SFNClient({}), getStringFromEnv('STATE_MACHINE_ARN')),
  logger: createLogger('zhili-api-work'),
});
