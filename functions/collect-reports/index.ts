import { S3Client } from '@aws-sdk/client-s3';
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { S3BulletinArchive } from '../shared/adapters/bulletin-archive.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makeCollectReportsHandler } from './handler.ts';

export const handler = makeCollectReportsHandler({
  store: storeFromEnv(),
  archive: new S3BulletinArchive(new S3Client({}), getStringFromEnv('BULLETIN_BUCKET')),
  logger: createLogger('zhili-collect-reports'),
});
