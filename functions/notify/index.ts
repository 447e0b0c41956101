import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { SesEmailNotifier } from '../shared/adapters/channels/email.ts';
import { RobotNotifier } from '../shared/adapters/channels/robots.ts';
import { ChannelRouter } from '../shared/adapters/channels/router.ts';
import { SecretsManagerSource } from '../shared/adapters/channels/secrets.ts';
import { SnsSmsNotifier } from '../shared/adapters/channels/sms.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { snsDeadLetterAlert } from '../shared/adapters/notifiers.ts';
import { makeNotifyHandler } from './handler.ts';

const sns = new SNSClient({});

export const handler = makeNotifyHandler({
  store: storeFromEnv(),
  notifier: new ChannelRouter({
    robot: new RobotNotifier({ secrets: new SecretsManagerSource(new SecretsManagerClient({})) }),
    sms: new SnsSmsNotifier(sns),
    email: new SesEmailNotifier(
      new SESv2Client({}),
      getStringFromEnv('SENDER_EMAIL'),
      getStringFromEnv('SES_CONFIGURATION_SET'),
    ),
  }),
  onDeadLetter: snsDeadLetterAlert(sns, getStringFromEnv('TOPIC_ARN')),
  logger: createLogger('zhili-notify'),
});
