import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ArchiveDocument, BulletinArchive } from '../domain/ports.ts';
import { AwsServiceError, type Endpoint, RestXmlService } from './aws-request.ts';

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
  /** Backoff before attempt n+1 (tests: none); by default the SDK's full jitter. */
  backoffMs?: (attempt: number) => number;
}

/** S3 errors name what went wrong in their code (SlowDown, AccessDenied); the status says how. */
const described = (operation: string, address: string, error: unknown): Error => {
  if (!(error instanceof AwsServiceError)) return error as Error;
  return new Error(
    `S3 ${operation} ${address} failed with HTTP ${error.$metadata.httpStatusCode} ${error.name}: ${error.message}`,
    { cause: error },
  );
};

/**
 * On AWS: one object per document under the campaign's prefix, encrypted by the bucket's default.
 * A signed PutObject or GetObject over HTTPS on aws-request.ts's REST-XML service, signed by the
 * SDK's own SigV4 signer and retried as its standard mode retries (5xx, SlowDown: 3 attempts),
 * instead of the S3 client: that client would add about 180 KB to each bundle that archives, for
 * two calls whose requests fit in a few lines.
 */
export class S3BulletinArchive implements BulletinArchive {
  private readonly s3: RestXmlService;

  constructor(private readonly options: S3ArchiveOptions) {
    this.s3 = new RestXmlService({
      signingName: 's3',
      // The bucket's virtual host: <bucket>.s3.<region>.amazonaws.com.
      hostPrefix: `${options.bucket}.s3`,
      region: options.region,
      credentials: options.credentials,
      endpoint: options.endpoint,
      backoffMs: options.backoffMs,
      // S3 signs the path as sent, without the second escaping other services expect.
      uriEscapePath: false,
    });
  }

  /** Where a document lives: the key, and its path (path-style on another endpoint). */
  private target(campaignId: string, name: string) {
    const { bucket, endpoint } = this.options;
    const key = `${campaignId}/${safeName(name)}`;
    return {
      key,
      address: `s3://${bucket}/${key}`,
      path: `${endpoint ? `/${bucket}` : ''}/${key.split('/').map(encodeURIComponent).join('/')}`,
    } as const;
  }

  async put(document: ArchiveDocument): Promise<string> {
    const target = this.target(document.campaignId, document.name);
    await this.s3
      .request('PUT', target.path, Buffer.from(document.body, 'utf8'), {
        'content-type': `${document.contentType}; charset=utf-8`,
      })
      .catch((error: unknown) => {
        throw described('PutObject', target.address, error);
      });
    return target.address;
  }

  /** A signed GetObject; null when there is no such document (404 NoSuchKey). */
  async get(campaignId: string, name: string): Promise<ArchiveDocument | null> {
    const target = this.target(campaignId, name);
    const answer = await this.s3
      .request('GET', target.path, Buffer.alloc(0), {}, [404])
      .catch((error: unknown) => {
        throw described('GetObject', target.address, error);
      });
    if (answer.code === 404) return null;
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
