import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';
import type { RobotCredentials, SecretSource } from './secrets.ts';
import { dingtalkSignature } from './signing.ts';

/**
 * The DingTalk custom robot and the WeCom group robot: one Markdown message per delivery, posted
 * to the robot's webhook with its token from the secret source. Answers are classified for the
 * outbox: throttling (DingTalk 130101, WeCom 45009), HTTP 5xx, timeouts and network errors are
 * retried later; a refusal (bad token, signature, keyword, IP) is not, and goes to the dead letters.
 * No error message carries the webhook URL: its query string holds the token.
 */

/** errcodes that mean "later": DingTalk's and WeCom's per-minute throttles, and "system busy". */
const THROTTLED = new Set([130101, 45009, 45033]);
const BUSY = new Set([-1]);

export interface RobotNotifierOptions {
  secrets: SecretSource;
  /** Real time in ms for DingTalk's signature timestamp. */
  clock?: () => number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const withKeyword = (text: string, keywords: string[]): string =>
  keywords.length === 0 || keywords.some((k) => text.includes(k)) ? text : `${text}\n\n${keywords[0]}`;

export const dingtalkPayload = (d: Delivery): Record<string, unknown> => {
  const mentions = d.mentions.phones.map((p) => `@${p}`).join(' ');
  return {
    msgtype: 'markdown',
    markdown: {
      title: d.subject,
      text: withKeyword(`${d.markdown}${mentions ? `\n\n${mentions}` : ''}`, d.robot?.keywords ?? []),
    },
    at: { atMobiles: d.mentions.phones, atUserIds: d.mentions.dingtalkUserIds, isAtAll: false },
  };
};

export const wecomPayload = (d: Delivery): Record<string, unknown> => {
  const mentions = d.mentions.wecomUserIds.map((id) => `<@${id}>`).join(' ');
  return {
    msgtype: 'markdown',
    markdown: {
      content: withKeyword(`${d.markdown}${mentions ? `\n\n${mentions}` : ''}`, d.robot?.keywords ?? []),
    },
  };
};

export class RobotNotifier implements Notifier {
  private readonly clock: () => number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: RobotNotifierOptions) {
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetch = options.fetch ?? fetch;
  }

  async send(d: Delivery): Promise<void> {
    const robot = d.robot;
    if (d.channel !== 'robot' || !robot) throw new DeliveryError(`not a robot delivery: ${d.channel}`, false);
    let credentials: RobotCredentials;
    try {
      credentials = await this.options.secrets.robotCredentials(robot.secret);
    } catch (error) {
      const name = (error as Error).name;
      const permanent = name === 'ResourceNotFoundException' || name === 'Error';
      throw new DeliveryError(`robot ${robot.id}: credentials: ${(error as Error).message}`, !permanent);
    }
    const url = new URL(robot.webhook);
    let body: Record<string, unknown>;
    if (robot.kind === 'dingtalk') {
      if (!('accessToken' in credentials))
        throw new DeliveryError(`robot ${robot.id}: secret ${robot.secret} has no accessToken`, false);
      url.searchParams.set('access_token', credentials.accessToken);
      if (credentials.secret) {
        const timestamp = this.clock();
        url.searchParams.set('timestamp', String(timestamp));
        // Already URL-encoded, as DingTalk documents; searchParams would encode it twice.
        url.search = `${url.search}&sign=${dingtalkSignature(credentials.secret, timestamp)}`;
      }
      body = dingtalkPayload(d);
    } else {
      if (!('key' in credentials))
        throw new DeliveryError(`robot ${robot.id}: secret ${robot.secret} has no key`, false);
      url.searchParams.set('key', credentials.key);
      body = wecomPayload(d);
    }

    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          // Robots ignore these; they let a receiver (and the fault test) see what a message carries.
          'x-zhili-delivery': d.id,
          'x-zhili-notifications': d.notificationIds.join(','),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      throw new DeliveryError(
        `robot ${robot.id}: ${timeout ? `no answer within ${this.timeoutMs} ms` : `network error: ${(error as Error).name}`}`,
        true,
      );
    }
    if (response.status === 429) throw new DeliveryError(`robot ${robot.id}: HTTP 429`, true, 60);
    if (response.status >= 500) throw new DeliveryError(`robot ${robot.id}: HTTP ${response.status}`, true);
    if (!response.ok) throw new DeliveryError(`robot ${robot.id}: HTTP ${response.status}`, false);
    const answer = (await response.json().catch(() => null)) as { errcode?: number; errmsg?: string } | null;
    if (!answer || typeof answer.errcode !== 'number')
      throw new DeliveryError(`robot ${robot.id}: answer without errcode`, true);
    if (answer.errcode === 0) return;
    const what = `robot ${robot.id}: errcode ${answer.errcode} ${String(answer.errmsg ?? '').slice(0, 200)}`;
    if (THROTTLED.has(answer.errcode)) throw new DeliveryError(what, true, 60);
    throw new DeliveryError(what, BUSY.has(answer.errcode));
  }
}
