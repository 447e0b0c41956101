import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ArchiveDocument, BulletinArchive } from '../domain/ports.ts';
import { type Endpoint, NodeSha256, regionalHost, send } from './aws-request.ts';

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

  async put(document: ArchiveDocument): Promise<string> {
    const { bucket, endpoint } = this.options;
    const region = this.region();
    const key = `${document.campaignId}/${safeName(document.name)}`;
    const body = Buffer.from(document.body, 'utf8');
    const hostname = endpoint?.hostname ?? regionalHost(`${bucket}.s3`, region);
    const host = endpoint?.port ? `${hostname}:${endpoint.port}` : hostname;
    const path = `${endpoint ? `/${bucket}` : ''}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const signed = await this.signer.sign({
      method: 'PUT',
      protocol: endpoint?.protocol ?? 'https:',
      hostname,
      port: endpoint?.port,
      path,
      query: {},
      headers: {
        host,
        'content-type': `${document.contentType}; charset=utf-8`,
        'content-length': String(body.byteLength),
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
      },
      body,
    });
    const status = await send(
      endpoint?.protocol ?? 'https:',
      { method: 'PUT', hostname, port: endpoint?.port, path, headers: signed.headers },
      body,
    );
    if (status.code < 200 || status.code >= 300) {
      throw new Error(
        `S3 PutObject s3://${bucket}/${key} failed with HTTP ${status.code}: ${status.text.slice(0, 500)}`,
      );
    }
    return `s3://${bucket}/${key}`;
  }
}

/** Locally: files under the campaign's out/ folder, where the local run's other results are. */
export class FileBulletinArchive implements BulletinArchive {
  constructor(private readonly root: string) {}

  async put(document: ArchiveDocument): Promise<string> {
    const path = resolve(join(this.root, safeName(document.name)));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, document.body, 'utf8');
    return path;
  }
}
