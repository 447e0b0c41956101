import { AwsServiceError, type QueryService, xmlText } from './aws-request.ts';

/**
 * The SNS API as zhili calls it: Query protocol, version 2010-03-31, at sns.<region>. SNS names
 * its own throttling `Throttled` and `KMSThrottling`, which the SDK's retry mode retries as
 * ThrottledException and KMSThrottlingException.
 */
export const snsHost = {
  signingName: 'sns',
  hostPrefix: 'sns',
  version: '2010-03-31',
  retriedCodes: ['Throttled', 'KMSThrottling'],
} as const;

/** What zhili publishes: to a topic (with a subject) or straight to a phone number as an SMS. */
export type Publication = ({ TopicArn: string; Subject?: string } | { PhoneNumber: string }) & {
  Message: string;
  /** String message attributes, such as `AWS.SNS.SMS.SMSType`. */
  attributes?: Record<string, string>;
};

/**
 * SNS Publish as one signed call (the request the SDK's PublishCommand makes, without the SDK's
 * SNS client: see aws-request.ts). Errors carry SNS's own codes (`Throttled`, `InvalidParameter`…).
 */
export class SnsPublisher {
  constructor(private readonly sns: QueryService) {}

  /** Publishes and returns SNS's message id. */
  async publish({ Message, attributes = {}, ...target }: Publication): Promise<string> {
    const params: Record<string, string> = { ...target, Message };
    Object.entries(attributes).forEach(([name, value], i) => {
      const entry = `MessageAttributes.entry.${i + 1}`;
      params[`${entry}.Name`] = name;
      params[`${entry}.Value.DataType`] = 'String';
      params[`${entry}.Value.StringValue`] = value;
    });
    const answer = await this.sns.call('Publish', params);
    const id = xmlText(answer, 'MessageId');
    if (!id)
      throw new AwsServiceError(
        'InvalidAnswer',
        `SNS Publish answered without a MessageId: ${answer.slice(0, 200)}`,
        200,
      );
    return id;
  }
}
