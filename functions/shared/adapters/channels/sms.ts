import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';

/** Mainland mobile numbers as E.164; landlines (0…) cannot take an SMS. */
export const mobileE164 = (phone: string): string | null => {
  const digits = phone.replace(/^\+?86/, '').replace(/-/g, '');
  return /^1[3-9]\d{9}$/.test(digits) ? `+86${digits}` : null;
};

const RETRYABLE = new Set([
  'ThrottledException',
  'ThrottlingException',
  'InternalErrorException',
  'KMSThrottlingException',
]);

/** SMS through SNS direct publish, as transactional messages (delivered even to opted-in-only numbers' quiet lists). */
export class SnsSmsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly senderId?: string,
  ) {}

  async send(d: Delivery): Promise<void> {
    const to = mobileE164(d.address);
    if (!to) throw new DeliveryError(`sms: ${d.address} is not a mobile number`, false);
    try {
      await this.client.send(
        new PublishCommand({
          PhoneNumber: to,
          Message: d.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(this.senderId
              ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: this.senderId } }
              : {}),
          },
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      throw new DeliveryError(`sms: ${name}`, RETRYABLE.has(name) || !name.endsWith('Exception'));
    }
  }
}
