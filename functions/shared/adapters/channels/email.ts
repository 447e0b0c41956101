import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';
import type { JsonService } from '../aws-request.ts';

const RETRYABLE = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServiceErrorException',
]);

/**
 * Email through SES v2 from the verified sender identity, text and HTML parts, in the campaign's
 * configuration set. One SendEmail call (POST /v2/email/outbound-emails, the request the SDK's
 * SendEmailCommand makes) signed for `ses` at email.<region>: see aws-request.ts for why not the
 * SDK's SES client.
 */
export class SesEmailNotifier implements Notifier {
  constructor(
    private readonly ses: JsonService,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(d: Delivery): Promise<void> {
    try {
      await this.ses.post(
        '/v2/email/outbound-emails',
        {
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [d.address] },
          ConfigurationSetName: this.configurationSet,
          Content: {
            Simple: {
              Subject: { Data: d.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: d.text, Charset: 'UTF-8' }, Html: { Data: d.html, Charset: 'UTF-8' } },
              Headers: [{ Name: 'X-Zhili-Delivery', Value: d.id }],
            },
          },
          EmailTags: [{ Name: 'campaign', Value: d.campaignId.replace(/[^A-Za-z0-9_-]/g, '_') }],
        },
        { 'content-type': 'application/json' },
      );
    } catch (error) {
      const name = (error as Error).name;
      throw new DeliveryError(`email: ${name}`, RETRYABLE.has(name) || !name.endsWith('Exception'));
    }
  }
}

/** The SES v2 API as SesEmailNotifier calls it. */
export const sesHost = { signingName: 'ses', hostPrefix: 'email' } as const;
