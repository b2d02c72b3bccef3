/**
 * One node:http server for every emulated service, told apart the way AWS endpoints would be:
 * - `POST /` with `X-Amz-Target: SageMaker.<Op>` → SageMaker (awsJson1_1)
 * - `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.<Op>` → CloudWatch (awsJson1_0, query-compatible)
 * - `POST /endpoints/{name}/invocations` → SageMaker Runtime (restJson1)
 * - `GET|HEAD /<bucket>/<key>` → S3 (path-style)
 * - `GET /health`, `/_emulator/*` → health and the admin API
 * The region is read from the SigV4 credential scope (signatures are not checked), so state is kept per region.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { handleAdmin } from './admin';
import { handleApplicationAutoScaling } from './autoscaling/service';
import { CloudWatchError, handleCloudWatch } from './cloudwatch';
import { AwsError } from './errors';
import { accessKeyIdOf, authorize, isAllowed } from './iam/authorize';
import { RequestLog } from './request-log';
import { invokeEndpoint } from './runtime';
import { getObject, parseObjectPath, S3Error } from './s3';
import { handleSageMaker, type OpResult } from './sagemaker';
import type { EmulatorContext, Json } from './state';
import type { ServiceName } from './types';

const gunzipAsync = promisify(gunzip);

// Request ids: a random per-process prefix and a counter (a UUID per request costs more than the inference).
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
function requestId(): string {
  return `${ID_PREFIX}-${(++idCounter).toString(16).padStart(8, '0')}`;
}

const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801.';
const SAGEMAKER_TARGET = 'SageMaker.';
const AUTOSCALING_TARGET = 'AnyScaleFrontendService.';

/** The awsJson service an X-Amz-Target addresses, and the length of its prefix. */
function jsonService(
  target: string,
): { service: 'SageMaker' | 'CloudWatch' | 'ApplicationAutoScaling'; prefix: number } | undefined {
  if (target.startsWith(SAGEMAKER_TARGET)) return { service: 'SageMaker', prefix: SAGEMAKER_TARGET.length };
  if (target.startsWith(CLOUDWATCH_TARGET)) return { service: 'CloudWatch', prefix: CLOUDWATCH_TARGET.length };
  if (target.startsWith(AUTOSCALING_TARGET)) {
    return { service: 'ApplicationAutoScaling', prefix: AUTOSCALING_TARGET.length };
  }
  return undefined;
}
const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;
// SageMaker Runtime's payload limit is 6 MB; other services get a generous cap so a bad client cannot exhaust memory.
const RUNTIME_MAX_BYTES = 6 * 1024 * 1024;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge(`request body over ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function regionOf(req: IncomingMessage, fallback: string): string {
  const auth = header(req, 'authorization');
  const m = auth ? CREDENTIAL_SCOPE.exec(auth) : null;
  return m ? m[1] : fallback;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

interface LogDraft {
  service: ServiceName;
  operation: string;
  region: string;
  endpointName?: string;
  resourceName?: string;
}

const NAME_FIELDS = ['EndpointName', 'EndpointConfigName', 'ModelName', 'AlarmName', 'Namespace'];

/** The EndpointName dimension of a CloudWatch query (GetMetricData's first query, or GetMetricStatistics). */
function endpointDimension(input: Json): string | undefined {
  const queries = Array.isArray(input.MetricDataQueries) ? (input.MetricDataQueries as Json[]) : [];
  const stat = queries[0]?.MetricStat as Json | undefined;
  const dims = ((stat?.Metric as Json | undefined)?.Dimensions ?? input.Dimensions) as Json[] | undefined;
  const dim = Array.isArray(dims) ? dims.find((d) => d?.Name === 'EndpointName') : undefined;
  return typeof dim?.Value === 'string' ? dim.Value : undefined;
}

function resourceFrom(input: Json): { endpointName?: string; resourceName?: string } {
  const endpointName = typeof input.EndpointName === 'string' ? input.EndpointName : endpointDimension(input);
  for (const key of NAME_FIELDS) {
    if (typeof input[key] === 'string') return { endpointName, resourceName: input[key] as string };
  }
  return { endpointName };
}

export interface EmulatorServer {
  server: Server;
  log: RequestLog;
}

export function createEmulatorServer(ctx: EmulatorContext, onReset: () => void): EmulatorServer {
  const log = new RequestLog(ctx.config.requestLogLimit);

  function record(
    draft: LogDraft,
    startedAt: number,
    status: number,
    outcome: { errorCode?: string; changed: boolean; result?: OpResult; mutating?: boolean },
  ): void {
    const entry: Parameters<RequestLog['add']>[0] = {
      atMs: startedAt,
      service: draft.service,
      operation: draft.operation,
      region: draft.region,
      status,
      changedState: outcome.changed,
      durationMs: Date.now() - startedAt,
      ...(outcome.mutating !== undefined ? { mutating: outcome.mutating } : {}),
    };
    const endpointName = outcome.result?.endpointName ?? draft.endpointName;
    const resourceName = outcome.result?.resourceName ?? draft.resourceName;
    if (endpointName !== undefined) entry.endpointName = endpointName;
    if (resourceName !== undefined) entry.resourceName = resourceName;
    if (outcome.result?.detail !== undefined) entry.detail = outcome.result.detail;
    if (outcome.errorCode !== undefined) entry.errorCode = outcome.errorCode;
    log.add(entry);
  }

  /** The fault an operation draws before it runs, as the error that service would send. */
  function operationFault(service: ServiceName, operation: string): AwsError | undefined {
    const outcome = ctx.faults.operation(`${service}.${operation}`);
    if (outcome === 'ok') return undefined;
    const throttle = outcome === 'throttle';
    switch (service) {
      case 'CloudWatch':
        return throttle
          ? new CloudWatchError('Throttling', 'Rate exceeded')
          : new CloudWatchError('InternalServiceFault', 'Internal service error (injected fault)');
      case 'S3':
        return throttle
          ? new S3Error('SlowDown', 'Please reduce your request rate.', 503, {})
          : new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500, {});
      default:
        return throttle
          ? new AwsError('ThrottlingException', 'Rate exceeded', 400)
          : new AwsError('ServiceUnavailable', 'Service Unavailable (injected fault)', 503);
    }
  }

  async function jsonRpc(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    startedAt: number,
    region: string,
  ): Promise<void> {
    const { service, prefix } = jsonService(target)!;
    const isCloudWatch = service === 'CloudWatch';
    const operation = target.slice(prefix);
    const contentType = isCloudWatch ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    const reqId = requestId();
    const draft: LogDraft = { service, operation, region };
    try {
      let raw = await readBody(req, MAX_BODY_BYTES);
      // The CloudWatch client gzips large PutMetricData bodies (request compression trait).
      if (header(req, 'content-encoding') === 'gzip') raw = await gunzipAsync(raw);
      let input: Json;
      try {
        input = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Json);
      } catch {
        throw new AwsError('SerializationException', 'The request body is not valid JSON.');
      }
      Object.assign(draft, resourceFrom(input));
      const r = region === '' ? ctx.config.defaultRegion : region;
      authorize(ctx, r, accessKeyIdOf(req), { service, operation, input });
      const fault = operationFault(service, operation);
      if (fault) throw fault;
      const result = isCloudWatch
        ? handleCloudWatch(ctx, ctx.region(r), operation, input)
        : service === 'ApplicationAutoScaling'
          ? handleApplicationAutoScaling(ctx, ctx.region(r), operation, input)
          : handleSageMaker(ctx, ctx.region(r), operation, input);
      const text = JSON.stringify(result.body);
      const hold = ctx.faults.responseDelayMs(`${service}.${operation}`);
      if (hold > 0) {
        // Logged when the change happened; the caller hears of it only after the hold.
        record(draft, startedAt, 200, { changed: result.changed, result });
        await new Promise((r) => setTimeout(r, hold));
      }
      res.writeHead(200, {
        'Content-Type': contentType,
        'Content-Length': Buffer.byteLength(text),
        'x-amzn-RequestId': reqId,
      });
      res.end(text);
      if (hold === 0) record(draft, startedAt, 200, { changed: result.changed, result });
    } catch (err) {
      const e =
        err instanceof AwsError
          ? err
          : err instanceof BodyTooLarge
            ? new AwsError('ValidationException', err.message, 413)
            : new AwsError(isCloudWatch ? 'InternalServiceFault' : 'InternalFailure', (err as Error).message, 500);
      const headers: Record<string, string> = {
        'Content-Type': contentType,
        'x-amzn-RequestId': reqId,
      };
      if (isCloudWatch)
        headers['x-amzn-query-error'] = e instanceof CloudWatchError ? e.queryError : `${e.code};Sender`;
      const text = JSON.stringify({ __type: e.code, message: e.message, ...e.fields });
      headers['Content-Length'] = String(Buffer.byteLength(text));
      res.writeHead(e.status, headers);
      res.end(text);
      record(draft, startedAt, e.status, { errorCode: e.code, changed: false });
    }
  }

  async function runtime(
    req: IncomingMessage,
    res: ServerResponse,
    rawName: string,
    startedAt: number,
    receivedAt: bigint,
    region: string,
  ): Promise<void> {
    let endpointName = rawName;
    try {
      endpointName = decodeURIComponent(rawName);
    } catch {
      // keep the raw name; the lookup will say it does not exist
    }
    const draft: LogDraft = { service: 'Runtime', operation: 'InvokeEndpoint', region, endpointName };
    const reqId = requestId();
    try {
      const body = await readBody(req, RUNTIME_MAX_BYTES).catch((err: unknown) => {
        if (err instanceof BodyTooLarge) {
          throw new AwsError('ValidationError', 'Request payload size exceeds the 6 MB limit of InvokeEndpoint.', 413);
        }
        throw err;
      });
      authorize(ctx, region, accessKeyIdOf(req), { service: 'Runtime', operation: 'InvokeEndpoint', endpointName });
      const fault = operationFault('Runtime', 'InvokeEndpoint');
      if (fault) throw fault;
      const out = await invokeEndpoint(
        ctx,
        ctx.region(region),
        {
          endpointName,
          body,
          contentType: header(req, 'content-type') ?? 'text/csv',
          accept: header(req, 'accept') ?? '',
          targetVariant: header(req, 'x-amzn-sagemaker-target-variant'),
          customAttributes: header(req, 'x-amzn-sagemaker-custom-attributes'),
        },
        receivedAt,
      );
      const headers: Record<string, string> = {
        'Content-Type': out.contentType,
        'Content-Length': String(Buffer.byteLength(out.body)),
        'x-Amzn-Invoked-Production-Variant': out.variant,
        'x-amzn-RequestId': reqId,
      };
      if (out.customAttributes !== undefined) headers['X-Amzn-SageMaker-Custom-Attributes'] = out.customAttributes;
      res.writeHead(200, headers);
      res.end(out.body);
      record(draft, startedAt, 200, { changed: false, mutating: false });
    } catch (err) {
      const e = err instanceof AwsError ? err : new AwsError('InternalFailure', (err as Error).message, 500);
      const { variant, ...fields } = e.fields;
      const text = JSON.stringify({ message: e.message, Message: e.message, ...fields });
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(text)),
        'x-amzn-errortype': e.code,
        'x-amzn-RequestId': reqId,
      };
      if (typeof variant === 'string') headers['x-Amzn-Invoked-Production-Variant'] = variant;
      res.writeHead(e.status, headers);
      res.end(text);
      record(draft, startedAt, e.status, { errorCode: e.code, changed: false, mutating: false });
    }
  }

  async function s3(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
    startedAt: number,
    region: string,
  ): Promise<void> {
    const operation = req.method === 'HEAD' ? 'HeadObject' : 'GetObject';
    const draft: LogDraft = { service: 'S3', operation, region, resourceName: `${bucket}/${key}` };
    const reqId = requestId().toUpperCase();
    const caller = accessKeyIdOf(req);
    try {
      authorize(ctx, region, caller, { service: 'S3', operation, bucket, key });
      const fault = operationFault('S3', operation);
      if (fault) throw fault;
      const obj = await getObject(ctx.dataDir, bucket, key).catch((err: unknown) => {
        throw hiddenWithoutListBucket(err, bucket, caller);
      });
      res.writeHead(200, {
        'Content-Type': obj.contentType,
        'Content-Length': String(obj.body.length),
        ETag: obj.etag,
        'Last-Modified': obj.lastModified.toUTCString(),
        'Accept-Ranges': 'bytes',
        'x-amz-request-id': reqId,
      });
      res.end(req.method === 'HEAD' ? undefined : obj.body);
      record(draft, startedAt, 200, { changed: false });
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error('InternalError', (err as Error).message, 500, {});
      const text = req.method === 'HEAD' ? '' : e.xml(reqId);
      res.writeHead(e.status, {
        'Content-Type': 'application/xml',
        'Content-Length': String(Buffer.byteLength(text)),
        'x-amz-request-id': reqId,
      });
      res.end(text);
      record(draft, startedAt, e.status, { errorCode: e.code, changed: false });
    }
  }

  /**
   * A missing key is 404 NoSuchKey only to a caller allowed s3:ListBucket on the bucket; anyone else gets 403
   * AccessDenied, so objects cannot be probed for (S3 API reference, GetObject and HeadObject: "If you don't have the
   * s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 Access Denied error").
   */
  function hiddenWithoutListBucket(err: unknown, bucket: string, caller: string | undefined): unknown {
    if (!(err instanceof S3Error) || err.code !== 'NoSuchKey') return err;
    const listBucket = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
    if (isAllowed(ctx, caller, [listBucket])) return err;
    return new S3Error('AccessDenied', 'Access Denied', 403, {});
  }

  async function admin(req: IncomingMessage, res: ServerResponse, pathname: string, search: string): Promise<void> {
    let body: unknown;
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(res, 400, { error: 'the admin API takes JSON bodies' });
        return;
      }
    }
    const answer = handleAdmin(ctx, log, req.method ?? 'GET', pathname, new URLSearchParams(search), body, onReset);
    sendJson(res, answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    const receivedAt = process.hrtime.bigint();
    const startedAt = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const region = regionOf(req, ctx.config.defaultRegion);
    const fail = (err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: (err as Error).message });
      else res.destroy();
    };

    if (method === 'POST') {
      const invocation = INVOCATIONS.exec(pathname);
      if (invocation) {
        runtime(req, res, invocation[1], startedAt, receivedAt, region).catch(fail);
        return;
      }
      const target = header(req, 'x-amz-target');
      if (pathname === '/' && target && jsonService(target)) {
        jsonRpc(req, res, target, startedAt, region).catch(fail);
        return;
      }
    }
    if (pathname === '/health' && method === 'GET') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (pathname.startsWith('/_emulator/')) {
      admin(req, res, pathname, search).catch(fail);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      const object = parseObjectPath(pathname);
      if (object) {
        req.resume();
        s3(req, res, object.bucket, object.key, startedAt, region).catch(fail);
        return;
      }
    }
    req.resume();
    const target = header(req, 'x-amz-target');
    sendJson(
      res,
      400,
      {
        __type: 'UnknownOperationException',
        message: `The emulator does not serve ${method} ${pathname}${target ? ` (X-Amz-Target ${target})` : ''}.`,
      },
      { 'x-amzn-errortype': 'UnknownOperationException' },
    );
  });
  server.keepAliveTimeout = 65_000;
  return { server, log };
}
