import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../domain/ports.ts';
import type { Notification } from '../domain/records.ts';

/** Local run: each sent notification becomes one JSON line in an outbox file under out/. */
export class FileOutboxNotifier implements Notifier {
  constructor(private readonly path: string) {}

  async send(n: Notification): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const line = {
      id: n.id,
      kind: n.kind,
      channel: 'local-outbox',
      status: 'sent',
      to: { name: n.recipient.person.name, role: n.recipient.role, unitId: n.recipient.unitId },
      createdAt: n.createdAt,
      subject: n.subject,
      body: n.body,
    };
    await appendFile(this.path, `${JSON.stringify(line)}\n`, 'utf8');
  }
}

/**
 * On AWS until the channel adapters (SMS, email, WeCom, DingTalk robots) land: one SNS topic that
 * subscribers fan out from. The deterministic id travels as a message attribute for de-duplication.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(n: Notification): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: n.kind,
        Message: JSON.stringify({ subject: n.subject, body: n.body, to: n.recipient }),
        MessageAttributes: {
          notificationId: { DataType: 'String', StringValue: n.id },
          campaignId: { DataType: 'String', StringValue: n.campaignId },
        },
      }),
    );
  }
}
