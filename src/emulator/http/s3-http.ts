// S3 on the wire, path-style (`GET|HEAD|PUT /<bucket>/<key>`, `GET /<bucket>?list-type=2`): the operation a request
// names, its access checks, and S3's headers and XML errors around the object store of ../s3.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../errors';
import { accessKeyIdOf, authorize, isAllowed } from '../iam/authorize';
import { decodeAwsChunked, getObject, listObjectsV2, putObject, S3Error } from '../s3';
import type { EmulatorContext } from '../state';
import { operationFault } from './operation-fault';
import type { LogDraft, Recorder } from './recorder';
import { header, MAX_BODY_BYTES, readBody, requestId } from './request';

export async function s3(
  ctx: EmulatorContext,
  recorder: Recorder,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string | undefined,
  search: string,
  startedAt: number,
  region: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const query = new URLSearchParams(search);
  const operation =
    key === undefined
      ? 'ListObjectsV2'
      : method === 'PUT'
        ? 'PutObject'
        : method === 'HEAD'
          ? 'HeadObject'
          : 'GetObject';
  const draft: LogDraft = {
    service: 'S3',
    operation,
    region,
    resourceName: key === undefined ? bucket : `${bucket}/${key}`,
  };
  const reqId = requestId().toUpperCase();
  const caller = accessKeyIdOf(req);
  try {
    if (operation === 'PutObject') {
      let body = await readBody(req, MAX_BODY_BYTES);
      if ((header(req, 'content-encoding') ?? '').includes('aws-chunked')) body = decodeAwsChunked(body);
      authorize(ctx, region, caller, { service: 'S3', operation, bucket, key });
      const fault = operationFault(ctx, 'S3', operation);
      if (fault) throw fault;
      const { etag } = await putObject(ctx.dataDir, bucket, key!, body);
      res.writeHead(200, { ETag: etag, 'Content-Length': '0', 'x-amz-request-id': reqId });
      res.end();
      recorder.record(draft, startedAt, 200, { changed: true, mutating: true });
      return;
    }
    req.resume();
    authorize(ctx, region, caller, { service: 'S3', operation, bucket, ...(key === undefined ? {} : { key }) });
    const fault = operationFault(ctx, 'S3', operation);
    if (fault) throw fault;
    if (operation === 'ListObjectsV2') {
      if (query.get('list-type') !== '2') {
        throw new S3Error(
          'NotImplemented',
          'The emulator lists objects with ListObjectsV2 (list-type=2) only.',
          501,
          {},
        );
      }
      const maxKeys = query.has('max-keys') ? Number(query.get('max-keys')) : 1000;
      if (!Number.isInteger(maxKeys) || maxKeys < 0) {
        throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400, {
          ArgumentName: 'max-keys',
        });
      }
      const text = await listObjectsV2(ctx.dataDir, bucket, {
        prefix: query.get('prefix') ?? '',
        maxKeys: Math.min(maxKeys, 1000),
        ...(query.has('delimiter') ? { delimiter: query.get('delimiter')! } : {}),
        ...(query.has('continuation-token') ? { continuationToken: query.get('continuation-token')! } : {}),
        ...(query.has('start-after') ? { startAfter: query.get('start-after')! } : {}),
        ...(query.has('encoding-type') ? { encodingType: query.get('encoding-type')! } : {}),
      });
      res.writeHead(200, {
        'Content-Type': 'application/xml',
        'Content-Length': String(Buffer.byteLength(text)),
        'x-amz-request-id': reqId,
      });
      res.end(text);
      recorder.record(draft, startedAt, 200, { changed: false });
      return;
    }
    const obj = await getObject(ctx.dataDir, bucket, key!).catch((err: unknown) => {
      throw hiddenWithoutListBucket(ctx, err, bucket, caller);
    });
    res.writeHead(200, {
      'Content-Type': obj.contentType,
      'Content-Length': String(obj.body.length),
      ETag: obj.etag,
      'Last-Modified': obj.lastModified.toUTCString(),
      'Accept-Ranges': 'bytes',
      'x-amz-request-id': reqId,
    });
    res.end(method === 'HEAD' ? undefined : obj.body);
    recorder.record(draft, startedAt, 200, { changed: false });
  } catch (err) {
    const e = err instanceof AwsError ? err : new S3Error('InternalError', (err as Error).message, 500, {});
    const text =
      method === 'HEAD'
        ? ''
        : e instanceof S3Error
          ? e.xml(reqId)
          : new S3Error(e.code, e.message, e.status, {}).xml(reqId);
    res.writeHead(e.status, {
      'Content-Type': 'application/xml',
      'Content-Length': String(Buffer.byteLength(text)),
      'x-amz-request-id': reqId,
    });
    res.end(text);
    recorder.record(draft, startedAt, e.status, { errorCode: e.code, changed: false });
  }
}

/**
 * A missing key is 404 NoSuchKey only to a caller allowed s3:ListBucket on the bucket; anyone else gets 403
 * AccessDenied, so objects cannot be probed for (S3 API reference, GetObject and HeadObject: "If you don't have the
 * s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 Access Denied error").
 */
function hiddenWithoutListBucket(
  ctx: EmulatorContext,
  err: unknown,
  bucket: string,
  caller: string | undefined,
): unknown {
  if (!(err instanceof S3Error) || err.code !== 'NoSuchKey') return err;
  const listBucket = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
  if (isAllowed(ctx, caller, [listBucket])) return err;
  return new S3Error('AccessDenied', 'Access Denied', 403, {});
}
