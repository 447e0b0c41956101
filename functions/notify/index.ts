import { SNSClient } from '@aws-sdk/client-sns';
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { SnsNotifier } from '../shared/adapters/notifiers.ts';
import { makeNotifyHandler } from './handler.ts';

export const handler = makeNotifyHandler({
  store: storeFromEnv(),
  notifier: new SnsNotifier(new SNSClient({}), getStringFromEnv('TOPIC_ARN')),
  logger: createLogger('zhili-notify'),
});
