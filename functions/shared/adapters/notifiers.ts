import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Notifier } from '../domain/ports.ts';
import type { Notification } from '../domain/records.ts';
import type { Delivery } from '../notify/delivery.ts';
import { RobotNotifier } from './channels/robots.ts';
import { type SecretSource, StaticSecretSource } from './channels/secrets.ts';
import type { SnsPublisher } from './sns.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const isLoopback = (url: string): boolean => LOOPBACK.has(new URL(url).hostname);

export interface LocalNotifierOptions {
  /** Every message sent, one JSON line each (a roll-up is one line naming its notifications). */
  deliveriesPath: string;
  /** Robot credentials for robots whose webhook is on loopback (a local receiver). */
  secrets?: SecretSource;
  /** An HTTP receiver on loopback that SMS and email deliveries are POSTed to as JSON (`/sms`, `/email`). */
  receiver?: string;
  fetch?: typeof fetch;
  /** How long a loopback robot may take to answer (default 2 s). */
  timeoutMs?: number;
}

/**
 * The local run's notifier: nothing leaves the machine. Each message is written to a file under
 * out/; a robot whose webhook is on loopback gets the real signed robot request (the fault test's
 * receiver), and SMS and email go to an optional loopback receiver. Robots on the internet are
 * only recorded.
 */
export class LocalNotifier implements Notifier {
  private readonly robots: RobotNotifier;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: LocalNotifierOptions) {
    if (options.receiver && !isLoopback(options.receiver))
      throw new Error(`the local receiver must be on loopback, not ${options.receiver}`);
    this.fetch = options.fetch ?? fetch;
    this.robots = new RobotNotifier({
      secrets: options.secrets ?? new StaticSecretSource({}),
      fetch: this.fetch,
      timeoutMs: options.timeoutMs ?? 2000,
    });
  }

  async send(d: Delivery): Promise<void> {
    if (d.channel === 'robot' && d.robot && isLoopback(d.robot.webhook)) await this.robots.send(d);
    else if (d.channel !== 'robot' && this.options.receiver) {
      const response = await this.fetch(new URL(`/${d.channel}`, this.options.receiver), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zhili-delivery': d.id },
        body: JSON.stringify({
          to: d.address,
          subject: d.subject,
          text: d.text,
          notifications: d.notificationIds,
        }),
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) throw new Error(`local receiver: HTTP ${response.status}`);
    }
    await mkdir(dirname(this.options.deliveriesPath), { recursive: true });
    const line = {
      deliveryId: d.id,
      channel: d.channel,
      to: d.channel === 'robot' ? `robot:${d.address}` : d.address,
      notifications: d.notificationIds,
      subject: d.subject,
      markdown: d.channel === 'robot' ? d.markdown : undefined,
      text: d.channel === 'robot' ? undefined : d.text,
    };
    await appendFile(this.options.deliveriesPath, `${JSON.stringify(line)}\n`, 'utf8');
  }
}

/** One outbox line per notification, as the local run's outbox.jsonl shows them: once each, with their final status. */
export const outboxLine = (n: Notification): Record<string, unknown> => ({
  id: n.id,
  kind: n.kind,
  channel: n.channel,
  status: n.status,
  to: {
    name: n.recipient.person.name,
    role: n.recipient.role,
    unitId: n.recipient.unitId,
    address: n.address,
  },
  createdAt: n.createdAt,
  ...(n.sentAt ? { sentAt: n.sentAt } : {}),
  ...(n.deliveryId ? { deliveryId: n.deliveryId } : {}),
  attempts: n.attempts,
  ...(n.lastError ? { lastError: n.lastError } : {}),
  subject: n.subject,
  body: n.body,
  ...(n.markdown ? { markdown: n.markdown } : {}),
});

/** Operations hear of dead letters on the SNS topic (an email or chat subscription), with ids only. */
export const snsDeadLetterAlert =
  (sns: Pick<SnsPublisher, 'publish'>, topicArn: string) =>
  async (n: Notification, error: string): Promise<void> => {
    await sns.publish({
      TopicArn: topicArn,
      Subject: 'zhili: notification dead-lettered',
      Message: JSON.stringify({
        campaignId: n.campaignId,
        notificationId: n.id,
        kind: n.kind,
        channel: n.channel,
        error,
      }),
    });
  };
