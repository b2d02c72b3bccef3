/**
 * Minimal S3 (path-style GetObject/HeadObject) over the data dir: `GET /<bucket>/<key>` serves
 * `<data-dir>/<bucket>/<key>`, so `s3://` replay data sets and model artifacts work through @aws-sdk/client-s3 with
 * `forcePathStyle`. Errors are S3's XML documents (NoSuchKey, NoSuchBucket).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AwsError } from './errors';
import { DeployError, safeJoin } from './model-loader';

export interface S3Object {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly resource: Record<string, string>,
  ) {
    super(code, message, status);
  }

  xml(requestId: string): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const extra = Object.entries(this.resource)
      .map(([k, v]) => `<${k}>${esc(v)}</${k}>`)
      .join('');
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${this.code}</Code><Message>${esc(this.message)}</Message>${extra}` +
      `<RequestId>${requestId}</RequestId></Error>`
    );
  }
}

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  jsonl: 'application/jsonlines',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
};

/** Decodes `/bucket/some/key` into bucket and key (URL-decoded per segment, as the SDK encodes them). */
export function parseObjectPath(pathname: string): { bucket: string; key: string } | undefined {
  const m = /^\/([^/]+)\/(.+)$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { bucket: decodeURIComponent(m[1]), key: m[2].split('/').map(decodeURIComponent).join('/') };
  } catch {
    return undefined;
  }
}

export async function getObject(dataDir: string, bucket: string, key: string): Promise<S3Object> {
  let path: string;
  try {
    path = safeJoin(dataDir, bucket, key);
  } catch (e) {
    if (e instanceof DeployError) throw new S3Error('AccessDenied', 'Access Denied', 403, { Key: key });
    throw e;
  }
  const bucketInfo = await stat(resolve(dataDir, bucket)).catch(() => undefined);
  if (!bucketInfo?.isDirectory()) {
    throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
  const body = await readFile(path);
  const ext = key.split('.').pop()?.toLowerCase() ?? '';
  return {
    body,
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    lastModified: info.mtime,
    contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
  };
}
