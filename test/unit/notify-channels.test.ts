import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RobotNotifier } from '../../functions/shared/adapters/channels/robots.ts';
import { StaticSecretSource } from '../../functions/shared/adapters/channels/secrets.ts';
import { dingtalkSignature } from '../../functions/shared/adapters/channels/signing.ts';
import { mobileE164 } from '../../functions/shared/adapters/channels/sms.ts';
import type { Robot } from '../../functions/shared/domain/definition.ts';
import { DefinitionError } from '../../functions/shared/domain/errors.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import type { Notification } from '../../functions/shared/domain/records.ts';
import { localDateTime } from '../../functions/shared/domain/schedule.ts';
import {
  type Delivery,
  DeliveryError,
  MAX_BYTES,
  planDeliveries,
  quietUntil,
} from '../../functions/shared/notify/delivery.ts';

const dingtalk: Robot = {
  id: 'office-group',
  kind: 'dingtalk',
  webhook: 'https://oapi.dingtalk.com/robot/send',
  secret: 'zhili/robots/office-group',
  keywords: ['专项整治'],
};
const wecom: Robot = {
  ...dingtalk,
  id: 'units-group',
  kind: 'wecom',
  webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
  keywords: [],
};

const notification = (id: string, over: Partial<Notification> = {}): Notification => ({
  id,
  campaignId: 'c1',
  kind: 'reportReminder',
  recipient: {
    key: `k-${id}`,
    role: 'liaison',
    unitId: 'u1',
    person: { name: `联络员${id}`, phone: '13800000012', dingtalkUserId: `dt-${id}` },
  },
  channel: 'robot',
  address: 'office-group',
  language: 'zh-CN',
  subject: `【专项整治】提醒${id}`,
  body: `请报送${id}`,
  markdown: `**请报送${id}**`,
  urgent: false,
  createdAt: '2026-10-08T01:00:00.000Z',
  status: 'pending',
  attempts: 0,
  ...over,
});

const campaign = { id: 'c1', title: '专项整治', language: 'zh-CN' as const, robots: [dingtalk, wecom] };

describe('DingTalk signing', () => {
  it('is HMAC-SHA256 keyed by the secret over "timestamp\\nsecret", Base64, URL-encoded', () => {
    const secret = 'SEC000example';
    const timestamp = 1_790_000_000_000;
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    const sign = dingtalkSignature(secret, timestamp);
    expect(decodeURIComponent(sign)).toBe(expected);
    expect(sign).not.toMatch(/[+/=]/);
  });
});

describe('quiet hours', () => {
  const quiet = { start: '22:00', end: '07:30' };
  const at = (local: string) => localDateTime(local.slice(0, 10), local.slice(11), 'Asia/Shanghai');

  it('defers from 22:00 to 07:30 the next morning, and from after midnight to 07:30 that morning', () => {
    expect(quietUntil(at('2026-10-08T22:00'), quiet, 'Asia/Shanghai')?.toISOString()).toBe(
      '2026-10-08T23:30:00.000Z',
    );
    expect(quietUntil(at('2026-10-09T03:15'), quiet, 'Asia/Shanghai')?.toISOString()).toBe(
      '2026-10-08T23:30:00.000Z',
    );
  });

  it('lets 07:30 and 21:59 through, and everything when turned off', () => {
    expect(quietUntil(at('2026-10-09T07:30'), quiet, 'Asia/Shanghai')).toBeNull();
    expect(quietUntil(at('2026-10-09T21:59'), quiet, 'Asia/Shanghai')).toBeNull();
    expect(quietUntil(at('2026-10-09T23:00'), false, 'Asia/Shanghai')).toBeNull();
  });

  it('handles a window that does not wrap midnight (a lunch break)', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietUntil(at('2026-10-09T12:30'), lunch, 'Asia/Shanghai')?.toISOString()).toBe(
      '2026-10-09T06:00:00.000Z',
    );
    expect(quietUntil(at('2026-10-09T14:00'), lunch, 'Asia/Shanghai')).toBeNull();
  });
});

describe('planDeliveries (one message per address per tick)', () => {
  it("rolls up a robot group's notifications into one Markdown message naming each reader", () => {
    // Act
    const [only, ...rest] = planDeliveries(campaign, [
      notification('a'),
      notification('b'),
      notification('c'),
    ]);

    // Assess
    expect(rest).toEqual([]);
    expect(only?.notificationIds).toEqual(['a', 'b', 'c']);
    expect(only?.subject).toBe('【专项整治】3条通知');
    expect(only?.markdown).toContain('@联络员a');
    expect(only?.markdown).toContain('**请报送c**');
    expect(only?.robot).toEqual(dingtalk);
    expect(only?.mentions.dingtalkUserIds).toEqual(['dt-a', 'dt-b', 'dt-c']);
  });

  it('keeps different addresses apart and sends a single notification as itself', () => {
    const out = planDeliveries(campaign, [
      notification('a'),
      notification('s', { channel: 'sms', address: '13800000013' }),
      notification('e', { channel: 'email', address: 'x@example.com' }),
    ]);
    expect(out.map((d) => [d.channel, d.address, d.notificationIds])).toEqual([
      ['robot', 'office-group', ['a']],
      ['sms', '13800000013', ['s']],
      ['email', 'x@example.com', ['e']],
    ]);
    expect(out[1]?.text).toBe('请报送s');
  });

  it("splits a roll-up only where the channel's size limit forces it, and gives each part a stable id", () => {
    const long = Array.from({ length: 30 }, (_, i) => notification(`n${i}`, { markdown: '隐'.repeat(200) }));
    const out = planDeliveries(campaign, long);
    expect(out.length).toBeGreaterThan(1);
    for (const d of out) expect(Buffer.byteLength(d.markdown)).toBeLessThanOrEqual(MAX_BYTES.robot + 200);
    expect(out.flatMap((d) => d.notificationIds)).toEqual(long.map((n) => n.id));
    expect(planDeliveries(campaign, long).map((d) => d.id)).toEqual(out.map((d) => d.id));
  });
});

describe('RobotNotifier', () => {
  const delivery = (robot: Robot): Delivery => {
    const [d] = planDeliveries(campaign, [notification('a', { address: robot.id })]);
    if (!d) throw new Error('no delivery');
    return d;
  };
  const secrets = new StaticSecretSource({
    'zhili/robots/office-group': { accessToken: 'TOKEN-dt', secret: 'SEC-dt' },
  });
  const capture = (answer: () => Response | Promise<Response>) => {
    const calls: { url: URL; body: Record<string, unknown> }[] = [];
    const fetch = (async (url: URL, init?: RequestInit) => {
      calls.push({ url: new URL(url), body: JSON.parse(String(init?.body)) });
      return answer();
    }) as typeof globalThis.fetch;
    return { calls, fetch };
  };
  const ok = () => Response.json({ errcode: 0, errmsg: 'ok' });

  it('posts a signed DingTalk markdown message with @mentions and a keyword', async () => {
    // Prepare
    const { calls, fetch } = capture(ok);
    const robot = new RobotNotifier({ secrets, fetch, clock: () => 1_790_000_000_000 });

    // Act
    await robot.send(delivery(dingtalk));

    // Assess
    const [call] = calls;
    if (!call) throw new Error('nothing posted');
    expect(call.url.origin + call.url.pathname).toBe('https://oapi.dingtalk.com/robot/send');
    expect(call?.url.searchParams.get('access_token')).toBe('TOKEN-dt');
    expect(call?.url.searchParams.get('timestamp')).toBe('1790000000000');
    expect(call?.url.searchParams.get('sign')).toBe(
      decodeURIComponent(dingtalkSignature('SEC-dt', 1_790_000_000_000)),
    );
    expect(call?.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '【专项整治】提醒a' },
      at: { atMobiles: ['13800000012'], atUserIds: ['dt-a'], isAtAll: false },
    });
    const text = String((call.body.markdown as { text: string }).text);
    expect(text).toContain('@13800000012');
    expect(text).toContain('专项整治');
  });

  it('posts a WeCom markdown message with the key from the secret, never from the definition', async () => {
    const { calls, fetch } = capture(ok);
    const robot = new RobotNotifier({
      secrets: new StaticSecretSource({ 'zhili/robots/office-group': { key: 'KEY-wc' } }),
      fetch,
    });
    await robot.send(delivery(wecom));
    expect(calls[0]?.url.searchParams.get('key')).toBe('KEY-wc');
    expect(calls[0]?.body).toEqual({
      msgtype: 'markdown',
      markdown: { content: expect.stringContaining('**请报送a**') },
    });
  });

  it.each([
    [
      'DingTalk throttling (errcode 130101)',
      () => Response.json({ errcode: 130101, errmsg: 'send too fast' }),
      true,
      60,
    ],
    [
      'WeCom throttling (errcode 45009)',
      () => Response.json({ errcode: 45009, errmsg: 'freq out of limit' }),
      true,
      60,
    ],
    ['HTTP 502', () => new Response('bad gateway', { status: 502 }), true, undefined],
    [
      'a keyword or signature refusal (errcode 310000)',
      () => Response.json({ errcode: 310000, errmsg: 'sign not match' }),
      false,
      undefined,
    ],
  ])('classifies %s', async (_name, answer, retryable, after) => {
    const { fetch } = capture(answer);
    const error = await new RobotNotifier({ secrets, fetch })
      .send(delivery(dingtalk))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(retryable);
    expect((error as DeliveryError).retryAfterSeconds).toBe(after);
    expect((error as Error).message).not.toContain('TOKEN-dt');
  });

  it('gives up on a robot that does not answer in time, as retryable, without the token in the message', async () => {
    const fetch = ((_url: URL, init?: RequestInit) =>
      new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )) as typeof globalThis.fetch;
    const error = (await new RobotNotifier({ secrets, fetch, timeoutMs: 50 })
      .send(delivery(dingtalk))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('no answer within 50 ms');
    expect(error.message).not.toContain('TOKEN');
  });

  it('dead-letters at once a robot whose secret is missing', async () => {
    const { fetch } = capture(ok);
    const error = (await new RobotNotifier({ secrets: new StaticSecretSource({}), fetch })
      .send(delivery(dingtalk))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(error.retryable).toBe(false);
  });
});

describe('SMS numbers', () => {
  it('writes mainland mobiles as E.164 and refuses landlines', () => {
    expect(mobileE164('13800000012')).toBe('+8613800000012');
    expect(mobileE164('+8613800000012')).toBe('+8613800000012');
    expect(mobileE164('0991-2345678')).toBeNull();
  });
});

describe('contacts in the definition', () => {
  const minimal = readFileSync(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8');
  const issues = (text: string) => {
    try {
      parseDefinitionYaml(text, 'minimal.yaml');
      return [];
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  const withRobots = (robots: string) => `${minimal}\nnotifications:\n  robots:\n${robots}`;

  it.each([
    [
      'a phone number',
      minimal.replace('phone: "13800000002"', 'phone: "12345"'),
      'organisation.office.head.phone: must be a mainland mobile',
    ],
    [
      'an email',
      minimal.replace('phone: "13800000002"', 'email: "li@"'),
      'organisation.office.head.email: must be an email address',
    ],
    [
      'a webhook carrying its token',
      withRobots(
        '    - { id: office, kind: dingtalk, webhook: "https://oapi.dingtalk.com/robot/send?access_token=abc", secret: zhili/robots/office }',
      ),
      'notifications.robots[0].webhook: must not carry "access_token"',
    ],
    [
      'a webhook on another host',
      withRobots(
        '    - { id: office, kind: wecom, webhook: "https://evil.example.com/hook", secret: zhili/robots/office }',
      ),
      'notifications.robots[0].webhook: a wecom robot webhook is https://qyapi.weixin.qq.com/',
    ],
    [
      'a secret outside zhili/robots/',
      withRobots(
        '    - { id: office, kind: dingtalk, webhook: "https://oapi.dingtalk.com/robot/send", secret: prod/db-password }',
      ),
      'notifications.robots[0].secret: must be the name of a secret under zhili/robots/',
    ],
    [
      'a channel without its contact',
      minimal.replace(
        'head: { name: 李明, title: 安委办主任, phone: "13800000002" }',
        'head: { name: 李明, phone: "13800000002", channels: [email] }',
      ),
      "organisation.office.head.channels[0]: email needs the person's email",
    ],
    [
      'an unknown robot',
      minimal.replace(
        'head: { name: 李明, title: 安委办主任, phone: "13800000002" }',
        'head: { name: 李明, robot: nowhere }',
      ),
      'organisation.office.head.robot: unknown robot "nowhere"',
    ],
  ])('refuses %s at load, naming the field', (_what, text, expected) => {
    expect(issues(text).join('\n')).toContain(expected);
  });

  it("accepts a loopback receiver and the robots' hosts", () => {
    expect(
      issues(
        withRobots(
          '    - { id: a, kind: dingtalk, webhook: "https://oapi.dingtalk.com/robot/send", secret: zhili/robots/a, keywords: [整治] }\n    - { id: b, kind: wecom, webhook: "http://127.0.0.1:8787/wecom", secret: zhili/robots/b }',
        ),
      ),
    ).toEqual([]);
  });
});
