import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A DingTalk / WeCom robot on loopback, strict as the real ones where it matters: it checks the
 * DingTalk signature (HMAC-SHA256 over "timestamp\nsecret", Base64, URL-encoded, timestamp within
 * an hour), the access token or key, the message format (markdown with title and text, or
 * content within WeCom's 4,096 bytes) and the keyword rule; and it can be told to fail: DingTalk's
 * throttle (errcode 130101), HTTP 5xx, or no answer at all (a timeout). A message it refuses or
 * fails is not delivered; `delivered` counts each notification id it accepted.
 */

export type Fault = 'ok' | 'throttle' | 'http500' | 'timeout';

export interface ReceiverOptions {
  dingtalk: { accessToken: string; secret: string; keywords: string[] };
  wecom: { key: string };
  /** Decides the fate of the n-th request (0-based). */
  fault?: (n: number) => Fault;
}

export interface Received {
  path: string;
  fault: Fault;
  accepted: boolean;
  reason?: string;
  notificationIds: string[];
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const answer = (res: ServerResponse, errcode: number, errmsg: string) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errcode, errmsg }));
};

export class RobotReceiver {
  readonly requests: Received[] = [];
  /** Accepted messages per notification id: exactly-once means every value is 1. */
  readonly delivered = new Map<string, number>();
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly options: ReceiverOptions) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await body(req);
    const ids = String(req.headers['x-zhili-notifications'] ?? '')
      .split(',')
      .filter(Boolean);
    const fault = this.options.fault?.(this.requests.length) ?? 'ok';
    const record: Received = { path: url.pathname, fault, accepted: false, notificationIds: ids };
    this.requests.push(record);
    const refuse = (errcode: number, reason: string) => {
      record.reason = reason;
      answer(res, errcode, reason);
    };

    const problem = url.pathname.startsWith('/dingtalk')
      ? this.checkDingtalk(url, text)
      : this.checkWecom(url, text);
    if (problem) return refuse(problem.errcode, problem.reason);
    if (fault === 'throttle') return refuse(130101, 'send too fast, exceed 20 times per minute');
    if (fault === 'http500') {
      record.reason = 'HTTP 500';
      res.writeHead(500);
      res.end('internal error');
      return;
    }
    if (fault === 'timeout') {
      record.reason = 'no answer';
      this.hanging.add(res);
      return;
    }
    record.accepted = true;
    for (const id of ids) this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
    answer(res, 0, 'ok');
  }

  private checkDingtalk(url: URL, text: string): { errcode: number; reason: string } | null {
    const { accessToken, secret, keywords } = this.options.dingtalk;
    if (url.searchParams.get('access_token') !== accessToken)
      return { errcode: 300001, reason: 'token is not exist' };
    const timestamp = Number(url.searchParams.get('timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() - timestamp) > 3_600_000)
      return { errcode: 310000, reason: 'timestamp out of range' };
    // The query holds the signature URL-encoded once; searchParams decodes it once.
    const sign = Buffer.from(url.searchParams.get('sign') ?? '', 'base64');
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest();
    if (sign.length !== expected.length || !timingSafeEqual(sign, expected))
      return { errcode: 310000, reason: 'sign not match' };
    let message: { msgtype?: unknown; markdown?: { title?: unknown; text?: unknown }; at?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return { errcode: 40035, reason: 'body is not JSON' };
    }
    if (
      message.msgtype !== 'markdown' ||
      typeof message.markdown?.title !== 'string' ||
      typeof message.markdown.text !== 'string'
    )
      return { errcode: 40035, reason: 'not a markdown message with title and text' };
    if (keywords.length > 0 && !keywords.some((k) => String(message.markdown?.text).includes(k)))
      return { errcode: 310000, reason: 'keywords not in content' };
    return null;
  }

  private checkWecom(url: URL, text: string): { errcode: number; reason: string } | null {
    if (url.searchParams.get('key') !== this.options.wecom.key)
      return { errcode: 93000, reason: 'invalid webhook url' };
    let message: { msgtype?: unknown; markdown?: { content?: unknown } };
    try {
      message = JSON.parse(text);
    } catch {
      return { errcode: 40035, reason: 'body is not JSON' };
    }
    if (message.msgtype !== 'markdown' || typeof message.markdown?.content !== 'string')
      return { errcode: 40035, reason: 'not a markdown message with content' };
    if (Buffer.byteLength(message.markdown.content) > 4096)
      return { errcode: 40058, reason: 'content exceeds 4096 bytes' };
    return null;
  }
}
