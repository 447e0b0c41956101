import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

/**
 * One SigV4-signed AWS call over Node's https, signed by the SDK's own signer, for the few
 * operations the functions call: DynamoDB's item operations (dynamodb-calls.ts), S3 PutObject and
 * GetObject, SES SendEmail, Secrets Manager GetSecretValue, Step Functions StartExecution and
 * StopExecution, SNS Publish. Each SDK client would add its whole service model and protocol code
 * to the bundle: DynamoDB's alone is about 190 KB, most of a function's cold-start import (issue 7).
 */

/** SHA-256 and HMAC-SHA-256 for the signer, from Node's own crypto. */
export class NodeSha256 implements Checksum {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not resettable');
  }
}

const toBytes = (data: SourceData): Uint8Array =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : data instanceof Uint8Array
      ? data
      : new Uint8Array(ArrayBuffer.isView(data) ? data.buffer : data);

/** Another endpoint than the service's own (tests: a loopback server). */
export interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
}

/** A regional endpoint's host: `amazonaws.com`, or `amazonaws.com.cn` in the China regions. */
export const regionalHost = (prefix: string, region: string): string =>
  `${prefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;

export interface HttpAnswer {
  code: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Sends one request and reads the whole answer; a request that takes over `timeoutMs` fails with a TimeoutError. */
export const send = (
  protocol: Endpoint['protocol'],
  target: {
    method: string;
    hostname: string;
    port?: number;
    path: string;
    headers: Record<string, string>;
  },
  body: Buffer,
  timeoutMs = 10_000,
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    // Plain http is for tests' loopback servers only, and is not imported: an ESM import of
    // node:http builds its export facade, which reads the lazy WebSocket getters and so loads
    // undici, about 10 ms of every cold start (the SDK's handler imports it lazily for that reason).
    const request = (protocol === 'https:' ? httpsRequest : process.getBuiltinModule('node:http').request)(
      { ...target, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            code: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => {
      const error = new Error(`${target.method} ${target.hostname} timed out after ${timeoutMs / 1000} s`);
      error.name = 'TimeoutError';
      request.destroy(error);
    });
    request.on('error', reject);
    request.end(body);
  });

/** An error answer of an AWS service, named by its error code as the SDK names its exceptions. */
export class AwsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** The code of an AWS JSON error answer: the x-amzn-errortype header, else `__type` or `code` (after any namespace). */
const jsonErrorOf = (answer: HttpAnswer): AwsServiceError => {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status is all there is.
  }
  const header = answer.headers['x-amzn-errortype'];
  const raw = (typeof header === 'string' ? header : undefined) ?? body.__type ?? body.code;
  const name = typeof raw === 'string' && raw ? (raw.split(':')[0]?.split('#').at(-1) ?? raw) : '';
  const { __type, code, message: lower, Message: upper, ...fields } = body;
  const message = lower ?? upper;
  const error = new AwsServiceError(
    name || `HTTP${answer.code}`,
    typeof message === 'string' ? message : `HTTP ${answer.code}`,
    answer.code,
  );
  // The answer's other fields (DynamoDB's CancellationReasons) on the error, as the SDK's exceptions carry them.
  return Object.assign(error, fields);
};

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first `<name>` element of an AWS Query answer, entities decoded; undefined when absent. */
export const xmlText = (xml: string, name: string): string | undefined => {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(\w+));/g, (entity, hex, dec, named) =>
    hex
      ? String.fromCodePoint(Number.parseInt(hex, 16))
      : dec
        ? String.fromCodePoint(Number(dec))
        : (XML_ENTITIES[named] ?? entity),
  );
};

/** The code of an XML error answer (Query's `<ErrorResponse><Error><Code>`, S3's `<Error><Code>`), as the service names it. */
const xmlErrorOf = (answer: HttpAnswer): AwsServiceError =>
  new AwsServiceError(
    xmlText(answer.text, 'Code') || `HTTP${answer.code}`,
    xmlText(answer.text, 'Message') ?? `HTTP ${answer.code}`,
    answer.code,
  );

/** What the SDK's standard retry mode retries, by the SDK's own classification. */
const retryable = (error: unknown): boolean => {
  const e = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
};

export interface SignedServiceOptions {
  /** The service's SigV4 signing name, e.g. `ses`. */
  signingName: string;
  /** The first label of its regional host, e.g. `email` for email.<region>.amazonaws.com. */
  hostPrefix: string;
  /** A function when it is read from the environment: resolved at the first call, not at load. */
  region: string | (() => string);
  credentials: AwsCredentialIdentityProvider;
  endpoint?: Endpoint;
  /** The service's own codes for a failure that clears, retried besides those the SDK classifies (SNS: `Throttled`). */
  retriedCodes?: readonly string[];
  /** Attempts for a transient failure, as the SDK's standard retry mode (3). */
  maxAttempts?: number;
  /** Backoff before attempt n+1: the SDK's full jitter, up to 100 ms × 2ⁿ. */
  backoffMs?: (attempt: number) => number;
  /** S3 signs the path as sent, without the second escaping other services expect. */
  uriEscapePath?: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** Signs, sends and retries requests to one service; the protocols below say how bodies and errors read. */
class SignedService {
  private readonly signer: SignatureV4;

  constructor(
    protected readonly options: SignedServiceOptions,
    private readonly errorOf: (answer: HttpAnswer) => AwsServiceError,
  ) {
    this.signer = new SignatureV4({
      service: options.signingName,
      region: async () => this.region(),
      credentials: options.credentials,
      sha256: NodeSha256,
      uriEscapePath: options.uriEscapePath ?? true,
    });
  }

  private region(): string {
    const { region } = this.options;
    return typeof region === 'function' ? region() : region;
  }

  /**
   * The answer, once a 2xx or a status in `accepted` (S3's 404 for a missing object); any other
   * answer is thrown as the protocol's AwsServiceError, after the retries a transient one gets.
   */
  async request(
    method: HttpMethod,
    path: string,
    body: Buffer,
    headers: Record<string, string>,
    accepted: readonly number[] = [],
  ): Promise<HttpAnswer> {
    const { endpoint, hostPrefix, maxAttempts = 3 } = this.options;
    const backoffMs =
      this.options.backoffMs ?? ((n: number) => Math.random() * Math.min(20_000, 100 * 2 ** n));
    const hostname = endpoint?.hostname ?? regionalHost(hostPrefix, this.region());
    const protocol = endpoint?.protocol ?? 'https:';
    for (let attempt = 1; ; attempt++) {
      try {
        // Signed again for each attempt: the signature carries the time.
        const signed = await this.signer.sign({
          method,
          protocol,
          hostname,
          port: endpoint?.port,
          path,
          query: {},
          headers: {
            host: endpoint?.port ? `${hostname}:${endpoint.port}` : hostname,
            'content-length': String(body.byteLength),
            ...headers,
          },
          body,
        });
        const answer = await send(
          protocol,
          { method, hostname, port: endpoint?.port, path, headers: signed.headers },
          body,
        );
        if ((answer.code < 200 || answer.code >= 300) && !accepted.includes(answer.code))
          throw this.errorOf(answer);
        return answer;
      } catch (error) {
        const again = retryable(error) || this.options.retriedCodes?.includes((error as Error).name);
        if (attempt >= maxAttempts || !again) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      }
    }
  }
}

/** A JSON API (REST-JSON or AWS JSON 1.x) called with signed POSTs; answers parsed, errors thrown as AwsServiceError. */
export class JsonService extends SignedService {
  constructor(options: SignedServiceOptions) {
    super(options, jsonErrorOf);
  }

  async post(
    path: string,
    payload: unknown,
    headers: Record<string, string> & { 'content-type': string },
  ): Promise<unknown> {
    const { text } = await this.request('POST', path, Buffer.from(JSON.stringify(payload), 'utf8'), headers);
    return text ? JSON.parse(text) : {};
  }
}

export interface QueryServiceOptions extends SignedServiceOptions {
  /** The API version every call names, e.g. `2010-03-31` for SNS. */
  version: string;
}

/** Form encoding as the SDK's Query serializer writes it: RFC 3986, with !'()* escaped too. */
const formEncode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** An AWS Query API (form-encoded POSTs, XML answers), as SNS speaks it; errors thrown as AwsServiceError by their code. */
export class QueryService extends SignedService {
  private readonly version: string;

  constructor(options: QueryServiceOptions) {
    super(options, xmlErrorOf);
    this.version = options.version;
  }

  /** Calls `action` with flattened parameters (`MessageAttributes.entry.1.Name` …); the answer's XML. */
  async call(action: string, params: Record<string, string>): Promise<string> {
    const form = Object.entries({ Action: action, Version: this.version, ...params })
      .map(([key, value]) => `${formEncode(key)}=${formEncode(value)}`)
      .join('&');
    const answer = await this.request('POST', '/', Buffer.from(form, 'utf8'), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    return answer.text;
  }
}

/** A REST API with XML errors, as S3 speaks it: signed requests of any method, the whole answer back. */
export class RestXmlService extends SignedService {
  constructor(options: SignedServiceOptions) {
    super(options, xmlErrorOf);
  }
}
