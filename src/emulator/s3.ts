/**
 * Minimal S3 over the data dir, path-style: GetObject/HeadObject (`GET|HEAD /<bucket>/<key>` serves
 * `<data-dir>/<bucket>/<key>`), PutObject (`PUT /<bucket>/<key>`) and ListObjectsV2 (`GET /<bucket>?list-type=2`),
 * so `s3://` replay data sets, model artifacts and data capture files work through @aws-sdk/client-s3 with
 * `forcePathStyle`. A bucket is a directory of the data dir. Errors are S3's XML documents (NoSuchKey, NoSuchBucket).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/** `/bucket` or `/bucket/` (a request on the bucket itself, e.g. ListObjectsV2). */
export function parseBucketPath(pathname: string): string | undefined {
  const m = /^\/([^/]+)\/?$/.exec(pathname);
  if (!m || pathname.startsWith('/_emulator') || m[1] === 'health') return undefined;
  try {
    return decodeURIComponent(m[1]);
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
    etag: `"${md5Hex(body)}"`,
    lastModified: info.mtime,
    contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
  };
}

/**
 * A body sent with `Content-Encoding: aws-chunked` (SDKs stream uploads so, with a trailing checksum): chunks of
 * `<hex size>[;chunk-signature=…]\r\n<data>\r\n`, ended by a zero-size chunk and optional trailer headers.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) throw new S3Error('IncompleteBody', 'The request body ends inside a chunk header.', 400, {});
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size)) throw new S3Error('InvalidRequest', 'A chunk header is not a hex size.', 400, {});
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

async function bucketDir(dataDir: string, bucket: string): Promise<string> {
  const dir = resolve(dataDir, bucket);
  const info = await stat(dir).catch(() => undefined);
  if (bucket.startsWith('.') || bucket.includes('/') || !info?.isDirectory()) {
    throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
  }
  return dir;
}

/** PutObject (path-style `PUT /<bucket>/<key>`): the object becomes `<data-dir>/<bucket>/<key>`; answers its ETag. */
export async function putObject(dataDir: string, bucket: string, key: string, body: Buffer): Promise<{ etag: string }> {
  await bucketDir(dataDir, bucket);
  let path: string;
  try {
    path = safeJoin(dataDir, bucket, key);
  } catch (e) {
    if (e instanceof DeployError) throw new S3Error('AccessDenied', 'Access Denied', 403, { Key: key });
    throw e;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
  return { etag: `"${md5Hex(body)}"` };
}

export interface ListObjectsV2Params {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  continuationToken?: string;
  startAfter?: string;
  encodingType?: string;
}

async function walk(dir: string, rel: string, out: { key: string; path: string }[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return []; // no key under this prefix
    throw err;
  });
  for (const entry of entries) {
    const key = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, key, out);
    else if (entry.isFile()) out.push({ key, path });
  }
}

/** A single-part object's ETag: the MD5 of its bytes, in hex (quoted where it is sent). */
const md5Hex = (bytes: Buffer | Uint8Array) => createHash('md5').update(bytes).digest('hex');

/**
 * ETags by file, while the file's size and mtime stay the same: a listing otherwise reads every object it lists to
 * hash it, which made a page of capture files cost seconds (bounded: the oldest entries go first).
 */
const etags = new Map<string, { mtimeMs: number; size: number; etag: string }>();
const MAX_ETAGS = 50_000;

async function etagOf(path: string, info: { mtimeMs: number; size: number }): Promise<string> {
  const known = etags.get(path);
  if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known.etag;
  const etag = md5Hex(await readFile(path));
  etags.delete(path);
  etags.set(path, { mtimeMs: info.mtimeMs, size: info.size, etag });
  if (etags.size > MAX_ETAGS) etags.delete(etags.keys().next().value!);
  return etag;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * ListObjectsV2 (`GET /<bucket>?list-type=2`) as the S3 API reference describes it: keys in UTF-8 binary order,
 * `prefix`, `delimiter` (keys sharing the part up to the next delimiter roll up into CommonPrefixes, which count
 * toward `max-keys`, default and most 1000), `start-after`, an opaque `continuation-token`, and with
 * `encoding-type=url` the keys and prefixes URL-encoded (boto3 asks for it and decodes them).
 */
export async function listObjectsV2(dataDir: string, bucket: string, p: ListObjectsV2Params): Promise<string> {
  const root = await bucketDir(dataDir, bucket);
  // Only the folder the prefix names can hold its keys ("a/b" → "a/", which holds "a/b/…" and "a/bc").
  const folder = p.prefix.slice(0, p.prefix.lastIndexOf('/') + 1);
  const found: { key: string; path: string }[] = [];
  // Keys are the files' paths, so none has an empty, "." or ".." part: a prefix folder with one names no key.
  const parts = folder.split('/').slice(0, -1);
  if (!parts.some((x) => x === '' || x === '.' || x === '..')) await walk(join(root, folder), parts.join('/'), found);
  const files = found
    .filter((f) => f.key.startsWith(p.prefix))
    .map((f) => ({ ...f, bytes: Buffer.from(f.key) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  let after = p.startAfter ?? '';
  if (p.continuationToken !== undefined) {
    const decoded = Buffer.from(p.continuationToken, 'base64url').toString('utf8');
    if (!decoded.startsWith('k:')) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', 400, {
        ArgumentName: 'continuation-token',
      });
    }
    after = decoded.slice(2);
  }
  const enc = (s: string) => (p.encodingType === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : xmlEscape(s));
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = '';
  let truncated = false;
  const afterBytes = Buffer.from(after);
  for (const f of files) {
    if (Buffer.compare(f.bytes, afterBytes) <= 0) continue;
    let rollup: string | undefined;
    if (p.delimiter) {
      const cut = f.key.indexOf(p.delimiter, p.prefix.length);
      if (cut !== -1) rollup = f.key.slice(0, cut + p.delimiter.length);
    }
    if (rollup !== undefined && rollup === prefixes.at(-1)) {
      last = f.key;
      continue;
    }
    if (contents.length + prefixes.length >= p.maxKeys) {
      truncated = true;
      break;
    }
    if (rollup !== undefined) {
      prefixes.push(rollup);
    } else {
      const info = await stat(f.path);
      const etag = await etagOf(f.path, info);
      contents.push(
        `<Contents><Key>${enc(f.key)}</Key><LastModified>${info.mtime.toISOString()}</LastModified>` +
          `<ETag>&quot;${etag}&quot;</ETag><Size>${info.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
    }
    last = f.key;
  }
  const tag = (name: string, value: string | undefined) => (value === undefined ? '' : `<${name}>${value}</${name}>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>${xmlEscape(bucket)}</Name><Prefix>${enc(p.prefix)}</Prefix>` +
    `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${p.maxKeys}</MaxKeys>` +
    tag('Delimiter', p.delimiter === undefined ? undefined : enc(p.delimiter)) +
    `<IsTruncated>${truncated}</IsTruncated>` +
    contents.join('') +
    prefixes.map((x) => `<CommonPrefixes><Prefix>${enc(x)}</Prefix></CommonPrefixes>`).join('') +
    tag('ContinuationToken', p.continuationToken === undefined ? undefined : xmlEscape(p.continuationToken)) +
    tag('NextContinuationToken', truncated ? Buffer.from(`k:${last}`).toString('base64url') : undefined) +
    tag('StartAfter', p.startAfter === undefined ? undefined : enc(p.startAfter)) +
    tag('EncodingType', p.encodingType) +
    '</ListBucketResult>'
  );
}
