import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import { REGION, verifySigV4 } from '../support/sigv4-server.ts';

/**
 * The S3 archive against a real HTTP server on loopback that checks each PutObject's and
 * GetObject's SigV4 signature with its own, independent implementation of the algorithm, keeps
 * what was put, and can be told to fail.
 */

/** S3 clients sign without a session token here; the S3 signer also signs the payload hash. */
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

/** The shared SigV4 check (test/support/sigv4-server.ts), with what S3 requires signed, for s3 only. */
const verifyS3 = (req: IncomingMessage, body: Buffer): { ok: boolean; reason?: string } => {
  const verdict = verifySigV4(req, body, {
    credentials: CREDENTIALS,
    signed: ['host', 'x-amz-date', 'x-amz-content-sha256', ...(req.method === 'PUT' ? ['content-type'] : [])],
  });
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  return verdict.service === 's3' ? { ok: true } : { ok: false, reason: `signed for ${verdict.service}` };
};

describe('S3BulletinArchive against a loopback server that checks SigV4', () => {
  let server: Server;
  let port: number;
  const received: {
    url: string;
    contentType: string;
    body: string;
    verdict: { ok: boolean; reason?: string };
  }[] = [];
  /** The answers to give instead of the next requests' own. */
  let failures: { status: number; code: string }[] = [];
  const objects = new Map<string, { contentType: string; body: Buffer }>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verdict = verifyS3(req, body);
        received.push({
          url: String(req.url),
          contentType: String(req.headers['content-type']),
          body: body.toString('utf8'),
          verdict,
        });
        const url = String(req.url);
        const failure = failures.shift();
        if (failure) {
          res
            .writeHead(failure.status)
            .end(`<Error><Code>${failure.code}</Code><Message>${failure.code} here</Message></Error>`);
        } else if (!verdict.ok) res.writeHead(403).end(verdict.reason ?? '');
        else if (req.method === 'PUT') {
          objects.set(url, { contentType: String(req.headers['content-type']), body });
          res.writeHead(200).end();
        } else {
          const object = objects.get(url);
          if (object) res.writeHead(200, { 'content-type': object.contentType }).end(object.body);
          else res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const archive = () =>
    new S3BulletinArchive({
      bucket: 'zhili-bulletins',
      region: REGION,
      credentials: async () => CREDENTIALS,
      endpoint: { protocol: 'http:', hostname: '127.0.0.1', port },
      backoffMs: () => 0,
    });

  it('puts a document with a valid signature, its content type and its UTF-8 body', async () => {
    // Act
    const address = await archive().put({
      campaignId: 'safety-2027',
      name: 'bulletins/2027-06-14.html',
      contentType: 'text/html',
      body: '<h1>工作情况通报</h1>',
    });

    // Assess
    expect(address).toBe('s3://zhili-bulletins/safety-2027/bulletins/2027-06-14.html');
    const last = received.at(-1);
    expect(last?.verdict).toEqual({ ok: true });
    expect(last?.url).toBe('/zhili-bulletins/safety-2027/bulletins/2027-06-14.html');
    expect(last?.contentType).toBe('text/html; charset=utf-8');
    expect(last?.body).toBe('<h1>工作情况通报</h1>');
  });

  it('gets a document it put with a valid signature, and null for one that is not there', async () => {
    // Prepare
    await archive().put({
      campaignId: 'safety-2027',
      name: 'bulletins/2027-06-21.md',
      contentType: 'text/markdown',
      body: '## 第2期 通报',
    });

    // Act
    const found = await archive().get('safety-2027', 'bulletins/2027-06-21.md');
    const missing = await archive().get('safety-2027', 'bulletins/2027-06-28.md');

    // Assess
    expect(found).toEqual({
      campaignId: 'safety-2027',
      name: 'bulletins/2027-06-21.md',
      contentType: 'text/markdown',
      body: '## 第2期 通报',
    });
    expect(missing).toBeNull();
    const gets = received.filter((r) => r.url.endsWith('.md') && r.body === '');
    expect(gets.map((g) => g.verdict)).toEqual([{ ok: true }, { ok: true }]);
  });

  it('retries a 503 SlowDown as the SDK does, and the document lands, signed again', async () => {
    // Prepare
    failures = [{ status: 503, code: 'SlowDown' }];
    const before = received.length;

    // Act
    const address = await archive().put({
      campaignId: 'c',
      name: 'bulletins/retried.md',
      contentType: 'text/markdown',
      body: '第3期',
    });

    // Assess
    expect(address).toBe('s3://zhili-bulletins/c/bulletins/retried.md');
    const sent = received.slice(before);
    expect(sent.map((r) => [r.url, r.verdict.ok])).toEqual([
      ['/zhili-bulletins/c/bulletins/retried.md', true],
      ['/zhili-bulletins/c/bulletins/retried.md', true],
    ]);
    expect(await archive().get('c', 'bulletins/retried.md')).toMatchObject({ body: '第3期' });
  });

  it('throws with the status and S3’s code after 3 attempts, so the step fails and is retried', async () => {
    // Prepare
    failures = [503, 503, 503].map((status) => ({ status, code: 'SlowDown' }));
    const before = received.length;

    // Act
    const act = archive().put({
      campaignId: 'c',
      name: 'bulletins/p.md',
      contentType: 'text/markdown',
      body: 'x',
    });

    // Assess
    await expect(act).rejects.toThrow(
      'S3 PutObject s3://zhili-bulletins/c/bulletins/p.md failed with HTTP 503 SlowDown: SlowDown here',
    );
    expect(received.length - before).toBe(3);
  });

  it('throws at once on a refused GET other than a missing object, naming the code', async () => {
    // Prepare
    failures = [{ status: 403, code: 'AccessDenied' }];
    const before = received.length;

    // Act
    const act = archive().get('c', 'bulletins/any.md');

    // Assess: a 403 is not retried, and is not taken for a missing document.
    await expect(act).rejects.toThrow(
      'S3 GetObject s3://zhili-bulletins/c/bulletins/any.md failed with HTTP 403 AccessDenied: AccessDenied here',
    );
    expect(received.length - before).toBe(1);
  });

  it('refuses a document name that could leave the campaign prefix, sending nothing', async () => {
    // Prepare
    const before = received.length;

    // Act
    const act = archive().put({
      campaignId: 'c',
      name: '../other/x.html',
      contentType: 'text/html',
      body: 'x',
    });

    // Assess
    await expect(act).rejects.toThrow(/not a plain relative path/);
    expect(received.length).toBe(before);
  });
});
