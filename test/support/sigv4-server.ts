import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  JsonService,
  QueryService,
  type QueryServiceOptions,
} from '../../functions/shared/adapters/aws-request.ts';

/**
 * A real HTTP server on loopback standing in for AWS JSON and Query services called through aws-request.ts
 * (no SDK client): it checks each request's SigV4 signature with its own, independent
 * implementation of the algorithm, records what arrived and answers as scripted.
 */

export const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
export const REGION = 'cn-north-1';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** What a verification requires: the caller's keys, and the headers that must be signed. */
export interface SigV4Expectations {
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  signed?: readonly string[];
}

/**
 * Recomputes the signature of a request as AWS does, from the request as it arrived. A payload
 * hash the client sent (x-amz-content-sha256, as S3 asks for) must be the body's.
 */
export const verifySigV4 = (
  req: IncomingMessage,
  body: Buffer,
  {
    credentials = CREDENTIALS,
    signed = ['host', 'x-amz-date', 'content-type', 'x-amz-security-token'],
  }: SigV4Expectations = {},
): { ok: boolean; service?: string; reason?: string } => {
  const auth = String(req.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match) return { ok: false, reason: `malformed Authorization: ${auth}` };
  const [, key, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (key !== credentials.accessKeyId || region !== REGION)
    return { ok: false, reason: 'wrong key or region' };
  if (credentials.sessionToken && req.headers['x-amz-security-token'] !== credentials.sessionToken)
    return { ok: false, reason: 'no session token' };
  const payloadHash = sha256(body);
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== payloadHash)
    return { ok: false, reason: 'payload hash does not match the body' };
  const names = (signedHeaders as string).split(';');
  for (const required of signed)
    if (!names.includes(required)) return { ok: false, reason: `${required} is not signed` };
  // An AWS JSON 1.x operation is named by its target header: signed, or another operation could be sent.
  if (req.headers['x-amz-target'] !== undefined && !names.includes('x-amz-target'))
    return { ok: false, reason: 'x-amz-target is not signed' };
  const canonical = [
    req.method,
    req.url,
    '',
    ...names.map((n) => `${n}:${String(req.headers[n]).trim()}`),
    '',
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, sha256(canonical)].join('\n');
  let signingKey = hmac(`AWS4${credentials.secretAccessKey}`, day as string);
  for (const part of [region as string, service as string, 'aws4_request'])
    signingKey = hmac(signingKey, part);
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return expected === signature
    ? { ok: true, service: service as string }
    : { ok: false, reason: 'signature does not match' };
};

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The body as JSON (AWS JSON and REST-JSON calls); undefined for a form. */
  json: unknown;
  /** The body's fields, decoded (AWS Query calls); undefined for JSON. */
  form?: Record<string, string>;
  verdict: ReturnType<typeof verifySigV4>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Sent as JSON; a string is sent as it is, as XML (AWS Query answers). */
  body: unknown;
}

export interface SigV4Server {
  port: number;
  /** Every request, in order of arrival. */
  received: Received[];
  /** Answers to give to correctly signed requests, in order; then `answer(received)`. */
  script: Answer[];
  /** The answer once the script is used up: by default 200 with `{}`. */
  answer: (request: Received) => Answer;
  /** Forgets what arrived and what was scripted. */
  reset(): void;
  /** A JsonService for one API that calls this server, with the test credentials and 1 ms backoffs. */
  service(api: { signingName: string; hostPrefix: string }): JsonService;
  /** The same for an AWS Query API (SNS). */
  queryService(api: Omit<QueryServiceOptions, 'region' | 'credentials'>): QueryService;
  close(): Promise<void>;
}

/** Where a service built for the tests calls: this server, with the test credentials and 1 ms backoffs. */
export const loopback = (port: number) => ({
  region: () => REGION,
  credentials: async () => CREDENTIALS,
  endpoint: { protocol: 'http:' as const, hostname: '127.0.0.1', port },
  backoffMs: () => 1,
});

/** Starts the server on a free loopback port. A request whose signature does not verify gets a 403. */
export const startSigV4Server = async (): Promise<SigV4Server> => {
  const fallback = (): Answer => ({ status: 200, body: {} });
  const state: Pick<SigV4Server, 'received' | 'script' | 'answer'> = {
    received: [],
    script: [],
    answer: fallback,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const verdict = verifySigV4(req, body);
      const text = body.toString('utf8');
      const isForm = String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded');
      const request: Received = {
        method: String(req.method),
        url: String(req.url),
        headers: req.headers,
        json: isForm ? undefined : JSON.parse(text),
        ...(isForm ? { form: Object.fromEntries(new URLSearchParams(text)) } : {}),
        verdict,
      };
      state.received.push(request);
      const answer = verdict.ok
        ? (state.script.shift() ?? state.answer(request))
        : { status: 403, body: verdict };
      const xml = typeof answer.body === 'string';
      res.writeHead(answer.status, {
        'content-type': xml ? 'text/xml' : 'application/json',
        ...answer.headers,
      });
      res.end(xml ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    port,
    reset() {
      state.received.length = 0;
      state.script = [];
      state.answer = fallback;
    },
    service: (api: { signingName: string; hostPrefix: string }) =>
      new JsonService({ ...api, ...loopback(port) }),
    queryService: (api: Omit<QueryServiceOptions, 'region' | 'credentials'>) =>
      new QueryService({ ...api, ...loopback(port) }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
};
