import { signedCallsFromEnv, storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { JsonService, QueryService } from '../shared/adapters/aws-request.ts';
import { SesEmailNotifier, sesHost } from '../shared/adapters/channels/email.ts';
import { RobotNotifier } from '../shared/adapters/channels/robots.ts';
import { ChannelRouter } from '../shared/adapters/channels/router.ts';
import { SecretsManagerSource, secretsManagerHost } from '../shared/adapters/channels/secrets.ts';
import { SnsSmsNotifier } from '../shared/adapters/channels/sms.ts';
import { getStringFromEnv } from '../shared/adapters/env.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { snsDeadLetterAlert } from '../shared/adapters/notifiers.ts';
import { SnsPublisher, snsHost } from '../shared/adapters/sns.ts';
import { makeNotifyHandler } from './handler.ts';

/** SES, Secrets Manager and SNS: one signed call each (aws-request.ts), with the SDK clients' credentials. */
const aws = signedCallsFromEnv();
const sns = new SnsPublisher(new QueryService({ ...snsHost, ...aws }));

export const handler = makeNotifyHandler({
  store: storeFromEnv(),
  notifier: new ChannelRouter({
    robot: new RobotNotifier({
      secrets: new SecretsManagerSource(new JsonService({ ...secretsManagerHost, ...aws })),
    }),
    sms: new SnsSmsNotifier(sns),
    email: new SesEmailNotifier(
      new JsonService({ ...sesHost, ...aws }),
      getStringFromEnv('SENDER_EMAIL'),
      getStringFromEnv('SES_CONFIGURATION_SET'),
    ),
  }),
  onDeadLetter: snsDeadLetterAlert(sns, getStringFromEnv('TOPIC_ARN')),
  logger: createLogger('zhili-notify'),
});
