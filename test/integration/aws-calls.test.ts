import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JsonService, regionalHost } from '../../functions/shared/adapters/aws-request.ts';
import { SesEmailNotifier, sesHost } from '../../functions/shared/adapters/channels/email.ts';
import { RobotNotifier } from '../../functions/shared/adapters/channels/robots.ts';
import {
  SecretsManagerSource,
  secretsManagerHost,
} from '../../functions/shared/adapters/channels/secrets.ts';
import { type Delivery, DeliveryError } from '../../functions/shared/notify/delivery.ts';

/**
 * SES SendEmail and Secrets Manager GetSecretValue as notify makes them (aws-request.ts, no SDK
 * client), against a real HTTP server on loopback that checks each request's SigV4 signature with
 * its own, independent implementation of the algorithm, and answers as the services do.
 */

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const REGION = 'cn-north-1';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Recomputes the signature of a request as AWS does, from the request as it arrived. */
const verifySigV4 = (
  req: IncomingMessage,
  body: Buffer,
): { ok: boolean; service?: string; reason?: string } => {
  const auth = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match) return { ok: false, reason: `malformed Authorization: ${auth}` };
  const [, key, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (key !== CREDENTIALS.accessKeyId || region !== REGION)
    return { ok: false, reason: 'wrong key or region' };
  if (req.headers['x-amz-security-token'] !== CREDENTIALS.sessionToken)
    return { ok: false, reason: 'no session token' };
  const names = (signedHeaders as string).split(';');
  for (const required of ['host', 'x-amz-date', 'content-type', 'x-amz-security-token'])
    if (!names.includes(required)) return { ok: false, reason: `${required} is not signed` };
  const canonical = [
    req.method,
    req.url,
    '',
    ...names.map((n) => `${n}:${String(req.headers[n]).trim()}`),
    '',
    signedHeaders,
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, sha256(canonical)].join('\n');
  let signingKey = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day as string);
  for (const part of [region as string, service as string, 'aws4_request'])
    signingKey = hmac(signingKey, part);
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return expected === signature
    ? { ok: true, service: service as string }
    : { ok: false, reason: 'signature does not match' };
};

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  json: unknown;
  verdict: ReturnType<typeof verifySigV4>;
}
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

describe('SES and Secrets Manager calls against a loopback server that checks SigV4', () => {
  let server: Server;
  let port: number;
  const received: Received[] = [];
  /** Answers to give, in order; then 200 with `ok`. */
  let script: Answer[] = [];
  let ok: unknown = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verdict = verifySigV4(req, body);
        received.push({
          method: String(req.method),
          url: String(req.url),
          headers: req.headers,
          json: JSON.parse(body.toString('utf8')),
          verdict,
        });
        const answer = verdict.ok
          ? (script.shift() ?? { status: 200, body: ok })
          : { status: 403, body: verdict };
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    received.length = 0;
    script = [];
    ok = {};
  });

  const service = (api: { signingName: string; hostPrefix: string }) =>
    new JsonService({
      ...api,
      region: () => REGION,
      credentials: async () => CREDENTIALS,
      endpoint: { protocol: 'http:', hostname: '127.0.0.1', port },
      backoffMs: () => 1,
    });

  const delivery: Delivery = {
    id: 'd-1',
    campaignId: 'safety 2027',
    channel: 'email',
    address: 'office@example.cn',
    subject: '工作情况通报',
    text: '正文',
    markdown: '正文',
    html: '<p>正文</p>',
    notificationIds: ['n-1'],
    mentions: { phones: [], dingtalkUserIds: [], wecomUserIds: [] },
  };

  it('sends SendEmail as the SDK did: signed for ses, the text and HTML parts, header and tag', async () => {
    // Prepare
    ok = { MessageId: 'm-1' };
    const ses = new SesEmailNotifier(service(sesHost), 'zhili@example.cn', 'zhili-config');

    // Act
    await ses.send(delivery);

    // Assess
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.verdict).toEqual({ ok: true, service: 'ses' });
    expect([call?.method, call?.url, call?.headers['content-type']]).toEqual([
      'POST',
      '/v2/email/outbound-emails',
      'application/json',
    ]);
    expect(call?.json).toEqual({
      FromEmailAddress: 'zhili@example.cn',
      Destination: { ToAddresses: ['office@example.cn'] },
      ConfigurationSetName: 'zhili-config',
      Content: {
        Simple: {
          Subject: { Data: '工作情况通报', Charset: 'UTF-8' },
          Body: { Text: { Data: '正文', Charset: 'UTF-8' }, Html: { Data: '<p>正文</p>', Charset: 'UTF-8' } },
          Headers: [{ Name: 'X-Zhili-Delivery', Value: 'd-1' }],
        },
      },
      EmailTags: [{ Name: 'campaign', Value: 'safety_2027' }],
    });
  });

  it('names an SES refusal by its error type, and retries throttling as the SDK does (3 attempts)', async () => {
    // Prepare
    const ses = new SesEmailNotifier(service(sesHost), 'zhili@example.cn');
    const throttled: Answer = {
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException:http://internal.amazon.com/coral/' },
      body: { message: 'Maximum sending rate exceeded.' },
    };
    script = [throttled, throttled, throttled];

    // Act
    const act = ses.send(delivery);

    // Assess
    await expect(act).rejects.toEqual(new DeliveryError('email: TooManyRequestsException', true));
    expect(received).toHaveLength(3);

    // Prepare: an address SES refuses for good is not retried here.
    received.length = 0;
    script = [
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'NotFoundException:http://internal.amazon.com/coral/' },
        body: { message: 'Configuration set does not exist.' },
      },
    ];

    // Act
    const refused = ses.send(delivery);

    // Assess
    await expect(refused).rejects.toMatchObject({ message: 'email: NotFoundException', retryable: false });
    expect(received).toHaveLength(1);
  });

  it('gets a robot secret with GetSecretValue (AWS JSON 1.1), retrying a server error once it clears', async () => {
    // Prepare
    script = [{ status: 503, body: { __type: 'ServiceUnavailable' } }];
    ok = { Name: 'zhili/robots/office', SecretString: JSON.stringify({ key: 'wecom-key' }) };
    const secrets = new SecretsManagerSource(service(secretsManagerHost));

    // Act
    const first = await secrets.robotCredentials('zhili/robots/office');
    const cached = await secrets.robotCredentials('zhili/robots/office');

    // Assess
    expect(first).toEqual({ key: 'wecom-key' });
    expect(cached).toEqual(first);
    expect(received).toHaveLength(2);
    for (const call of received) {
      expect(call.verdict).toEqual({ ok: true, service: 'secretsmanager' });
      expect(call.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(call.json).toEqual({ SecretId: 'zhili/robots/office' });
    }
  });

  it('throws a missing secret as ResourceNotFoundException, which the robot channel treats as permanent', async () => {
    // Prepare
    script = [
      {
        status: 400,
        body: {
          __type: 'ResourceNotFoundException',
          Message: "Secrets Manager can't find the specified secret.",
        },
      },
    ];
    const secrets = new SecretsManagerSource(service(secretsManagerHost));
    const robot = new RobotNotifier({ secrets, fetch: async () => new Response('{}') });

    // Act
    const act = robot.send({
      ...delivery,
      channel: 'robot',
      address: 'office',
      robot: {
        id: 'office',
        kind: 'wecom',
        webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
        secret: 'zhili/robots/missing',
        keywords: [],
      },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      message: "robot office: credentials: Secrets Manager can't find the specified secret.",
      retryable: false,
    });
    expect(received).toHaveLength(1);
  });

  it('addresses the regional endpoints, with the China partition’s domain', () => {
    expect(regionalHost('email', 'eu-west-1')).toBe('email.eu-west-1.amazonaws.com');
    expect(regionalHost('secretsmanager', 'cn-north-1')).toBe('secretsmanager.cn-north-1.amazonaws.com.cn');
  });
});
