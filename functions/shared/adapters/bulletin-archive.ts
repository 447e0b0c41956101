import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ArchiveDocument, BulletinArchive } from '../domain/ports.ts';
import { type Endpoint, type HttpAnswer, NodeSha256, regionalHost, send } from './aws-request.ts';

/** Document names are ours (bulletins/<period>.<ext>); refuse anything that could leave the folder. */
const safeName = (name: string): string => {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').includes('..')) {
    throw new Error(`archive document name "${name}" is not a plain relative path`);
  }
  return name;
};

export interface S3ArchiveOptions {
  bucket: string;
  /** A function when it is read from the environment: resolved at the first put, not at load. */
  region: string | (() => string);
  credentials: AwsCredentialIdentityProvider;
  /** Another endpoint (tests: a loopback server); by default the bucket's regional virtual host. */
  endpoint?: Endpoint;
}

/**
 * On AWS: one object per document under the campaign's prefix, encrypted by the bucket's default.
 * A single signed PutObject over HTTPS, signed by the SDK's own SigV4 signer, instead of the S3
 * client: that client would add about 180 KB to the collect-reports bundle (the 400 KB budget of
 * issue 7) for one call whose request fits in a few lines (see aws-request.ts).
 */
export class S3BulletinArchive implements BulletinArchive {
  private readonly signer: SignatureV4;

  constructor(private readonly options: S3ArchiveOptions) {
    this.signer = new SignatureV4({
      service: 's3',
      region: async () => this.region(),
      credentials: options.credentials,
      sha256: NodeSha256,
      // S3 signs the path as sent, without the second escaping other services expect.
      uriEscapePath: false,
      applyChecksum: true,
    });
  }

  private region(): string {
    const { region } = this.options;
    return typeof region === 'function' ? region() : region;
  }

  /** Where a document lives: host, path and key, the same for its PUT and its GET. */
  private target(campaignId: string, name: string) {
    const { bucket, endpoint } = this.options;
    const key = `${campaignId}/${safeName(name)}`;
    const hostname = endpoint?.hostname ?? regionalHost(`${bucket}.s3`, this.region());
    return {
      key,
      protocol: endpoint?.protocol ?? 'https:',
      hostname,
      port: endpoint?.port,
      host: endpoint?.port ? `${hostname}:${endpoint.port}` : hostname,
      path: `${endpoint ? `/${bucket}` : ''}/${key.split('/').map(encodeURIComponent).join('/')}`,
    } as const;
  }

  /** One SigV4-signed request of S3's, sent over Node's http(s). */
  private async signedRequest(
    method: 'GET' | 'PUT',
    target: ReturnType<S3BulletinArchive['target']>,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<HttpAnswer> {
    const payload = body ?? Buffer.alloc(0);
    const signed = await this.signer.sign({
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      query: {},
      // The signer adds the payload's hash (x-amz-content-sha256) that S3 asks for: applyChecksum.
      headers: { host: target.host, ...headers },
      body: payload,
    });
    return send(
      target.protocol,
      { method, hostname: target.hostname, port: target.port, path: target.path, headers: signed.headers },
      payload,
    );
  }

  async put(document: ArchiveDocument): Promise<string> {
    const { bucket } = this.options;
    const target = this.target(document.campaignId, document.name);
    const body = Buffer.from(document.body, 'utf8');
    const status = await this.signedRequest(
      'PUT',
      target,
      {
        'content-type': `${document.contentType}; charset=utf-8`,
        'content-length': String(body.byteLength),
      },
      body,
    );
    if (status.code < 200 || status.code >= 300) {
      throw new Error(
        `S3 PutObject s3://${bucket}/${target.key} failed with HTTP ${status.code}: ${status.text.slice(0, 500)}`,
      );
    }
    return `s3://${bucket}/${target.key}`;
  }

  /** A signed GetObject; null when there is no such document (404 NoSuchKey). */
  async get(campaignId: string, name: string): Promise<ArchiveDocument | null> {
    const { bucket } = this.options;
    const target = this.target(campaignId, name);
    const answer = await this.signedRequest('GET', target, {});
    if (answer.code === 404) return null;
    if (answer.code < 200 || answer.code >= 300) {
      throw new Error(
        `S3 GetObject s3://${bucket}/${target.key} failed with HTTP ${answer.code}: ${answer.text.slice(0, 500)}`,
      );
    }
    const contentType = answer.headers['content-type'];
    return {
      campaignId,
      name,
      contentType:
        (typeof contentType === 'string' ? contentType : contentTypeOf(name)).split(';')[0]?.trim() ||
        contentTypeOf(name),
      body: answer.text,
    };
  }
}

/** The archive's documents by extension, for stores that keep no content type of their own. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const contentTypeOf = (name: string): string => CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';

/**
 * Locally: files under the campaign's out/ folder, where the local run's other results are. `root`
 * is that folder, or, where one runtime serves several campaigns (`zhili serve`), a function that
 * gives each campaign's.
 */
export class FileBulletinArchive implements BulletinArchive {
  constructor(private readonly root: string | ((campaignId: string) => string)) {}

  private path(campaignId: string, name: string): string {
    const root = typeof this.root === 'function' ? this.root(campaignId) : this.root;
    return resolve(join(root, safeName(name)));
  }

  async put(document: ArchiveDocument): Promise<string> {
    const path = this.path(document.campaignId, document.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, document.body, 'utf8');
    return path;
  }

  async get(campaignId: string, name: string): Promise<ArchiveDocument | null> {
    const body = await readFile(this.path(campaignId, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return body === null ? null : { campaignId, name, contentType: contentTypeOf(name), body };
  }
}
