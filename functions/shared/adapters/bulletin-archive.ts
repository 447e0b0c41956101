import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BulletinArchive } from '../domain/ports.ts';

/** Document names are ours (bulletins/<period>.<ext>); refuse anything that could leave the folder. */
const safeName = (name: string): string => {
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').includes('..')) {
    throw new Error(`archive document name "${name}" is not a plain relative path`);
  }
  return name;
};

/** On AWS: one object per document under the campaign's prefix, encrypted by the bucket's key. */
export class S3BulletinArchive implements BulletinArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(document: {
    campaignId: string;
    name: string;
    contentType: string;
    body: string;
  }): Promise<string> {
    const key = `${document.campaignId}/${safeName(document.name)}`;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: document.body,
        ContentType: `${document.contentType}; charset=utf-8`,
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }
}

/** Locally: files under the campaign's out/ folder, where the local run's other results are. */
export class FileBulletinArchive implements BulletinArchive {
  constructor(private readonly root: string) {}

  async put(document: {
    campaignId: string;
    name: string;
    contentType: string;
    body: string;
  }): Promise<string> {
    const path = resolve(join(this.root, safeName(document.name)));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, document.body, 'utf8');
    return path;
  }
}
