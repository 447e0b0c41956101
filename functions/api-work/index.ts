import { engineFromEnv, signedCallsFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { S3BulletinArchive } from '../shared/adapters/bulletin-archive.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeApiWorkHandler } from './handler.ts';

export const handler = makeApiWorkHandler({
  store: storeFromEnv(),
  // The same credentials as the DynamoDB client: in the bundle, the Lambda part of the chain.
  archive: new S3BulletinArchive({ bucket: getStringFromEnv('BULLETIN_BUCKET'), ...signedCallsFromEnv() }),
  engine: engineFromEnv(),
  logger: createLogger('zhili-api-work'),
});
