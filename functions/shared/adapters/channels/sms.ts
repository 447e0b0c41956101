import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';
import { AwsServiceError } from '../aws-request.ts';
import { type SnsPublisher, snsHost } from '../sns.ts';

/** Mainland mobile numbers as E.164; landlines (0…) cannot take an SMS. */
export const mobileE164 = (phone: string): string | null => {
  const digits = phone.replace(/^\+?86/, '').replace(/-/g, '');
  return /^1[3-9]\d{9}$/.test(digits) ? `+86${digits}` : null;
};

/**
 * SNS's codes for a refusal that may clear though answered as the caller's (4xx); a 5xx is retried
 * anyway, any other code (InvalidParameter, OptedOut…) is for good.
 */
const RETRYABLE = new Set([...snsHost.retriedCodes, 'Throttling']);

/** SMS through SNS direct publish, as transactional messages (delivered even to opted-in-only numbers' quiet lists). */
export class SnsSmsNotifier implements Notifier {
  constructor(
    private readonly sns: Pick<SnsPublisher, 'publish'>,
    private readonly senderId?: string,
  ) {}

  async send(d: Delivery): Promise<void> {
    const to = mobileE164(d.address);
    if (!to) throw new DeliveryError(`sms: ${d.address} is not a mobile number`, false);
    try {
      await this.sns.publish({
        PhoneNumber: to,
        Message: d.text,
        attributes: {
          'AWS.SNS.SMS.SMSType': 'Transactional',
          ...(this.senderId ? { 'AWS.SNS.SMS.SenderID': this.senderId } : {}),
        },
      });
    } catch (error) {
      const name = (error as Error).name;
      // A network failure or timeout never reached SNS's judgement: worth another try.
      const permanent = error instanceof AwsServiceError && error.$metadata.httpStatusCode < 500;
      throw new DeliveryError(`sms: ${name}`, RETRYABLE.has(name) || !permanent);
    }
  }
}
