import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';

const RETRYABLE = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServiceErrorException',
]);

/** Email through SES v2 from the verified sender identity, text and HTML parts, in the campaign's configuration set. */
export class SesEmailNotifier implements Notifier {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
    private readonly configurationSet?: string,
  ) {}

  async send(d: Delivery): Promise<void> {
    try {
      await this.client.send(
        new SendEmailCommand({
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
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      throw new DeliveryError(`email: ${name}`, RETRYABLE.has(name) || !name.endsWith('Exception'));
    }
  }
}
