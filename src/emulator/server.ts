/**
 * One node:http server for every emulated service, told apart the way AWS endpoints would be:
 * - `POST /` with `X-Amz-Target: SageMaker.<Op>` → SageMaker (awsJson1_1)
 * - `POST /` with `X-Amz-Target: GraniteServiceVersion20100801.<Op>` → CloudWatch (awsJson1_0, query-compatible)
 * - `POST /` form-encoded `Action=<Op>&Version=2010-08-01` → CloudWatch (query protocol, XML answers)
 * - `POST /endpoints/{name}/invocations` → SageMaker Runtime (restJson1)
 * - `GET|HEAD|PUT /<bucket>/<key>`, `GET /<bucket>?list-type=2` → S3 (path-style)
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
import { CLOUDWATCH_QUERY_OPERATIONS, CLOUDWATCH_SHAPES, CLOUDWATCH_XML_NAMESPACE } from './cloudwatch-shapes';
import { AwsError } from './errors';
import { accessKeyIdOf, authorize, isAllowed } from './iam/authorize';
import { RequestLog } from './request-log';
import { invokeEndpoint, type ShadowCopy } from './runtime';
import { SAGEMAKER_FLOAT_PATHS, toWireJson } from './json-wire';
import { parseQueryInput, QueryInputError, queryErrorXml, queryResponseXml } from './query-protocol';
import { decodeAwsChunked, getObject, listObjectsV2, parseBucketPath, parseObjectPath, putObject, S3Error } from './s3';
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
const FORM = 'application/x-www-form-urlencoded';
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
// SageMaker Runtime's payload limit ([BC-RT] InvokeEndpoint Body max 6291456); other services get a generous cap so a
// bad client cannot exhaust memory.
const RUNTIME_MAX_BYTES = 6291456;
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

/** A header value as the client wrote it in UTF-8 (node reads header bytes as latin1). */
function utf8Header(req: IncomingMessage, name: string): string | undefined {
  const v = header(req, name);
  return v === undefined ? undefined : Buffer.from(v, 'latin1').toString('utf8');
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

/**
 * A body over InvokeEndpoint's limit ([BC-RT] Body max 6291456 bytes) is refused before SageMaker's API layer, as
 * SageMaker answered it: HTTP 413 with the plain-text message "HTTP content length exceeded <limit> bytes." and no
 * error type, which botocore reports as error code "413" (aws/sagemaker-python-sdk#171, when the limit was 5 MB).
 */
function oversize(res: ServerResponse, reqId: string): void {
  const text = `HTTP content length exceeded ${RUNTIME_MAX_BYTES} bytes.`;
  res.writeHead(413, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': reqId,
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

const NAME_FIELDS = [
  'EndpointName',
  'EndpointConfigName',
  'ModelName',
  'ModelPackageGroupName',
  'ModelPackageName',
  'ModelPackageArn',
  'AlarmName',
  'Namespace',
];

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
    outcome: { errorCode?: string; changed: boolean; result?: OpResult; mutating?: boolean; variantName?: string },
  ): number {
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
    if (outcome.variantName !== undefined) entry.variantName = outcome.variantName;
    return log.add(entry);
  }

  /**
   * Logs a request's copies to shadow variants once each has answered: internal calls (their answers reached no
   * caller), each naming the caller's entry it copies.
   */
  function recordShadowCopies(draft: LogDraft, copies: Promise<ShadowCopy>[], copyOf: number): void {
    for (const copy of copies) {
      void copy.then((c) =>
        log.add({
          atMs: c.startedAtMs,
          service: 'Runtime',
          operation: 'InvokeEndpoint',
          region: draft.region,
          status: c.status,
          changedState: false,
          mutating: false,
          durationMs: c.durationMs,
          ...(draft.endpointName !== undefined ? { endpointName: draft.endpointName } : {}),
          ...(c.errorCode !== undefined ? { errorCode: c.errorCode } : {}),
          variantName: c.variant,
          internal: true,
          copyOf,
        }),
      );
    }
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
      const text =
        service === 'SageMaker'
          ? toWireJson(result.body, SAGEMAKER_FLOAT_PATHS[operation])
          : JSON.stringify(result.body);
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

  /** CloudWatch over the query protocol (form-encoded `Action=<Op>&Version=2010-08-01`, XML answers). */
  async function queryRpc(
    req: IncomingMessage,
    res: ServerResponse,
    form: string,
    startedAt: number,
    region: string,
  ): Promise<void> {
    const reqId = requestId();
    const params = new URLSearchParams(form);
    const operation = params.get('Action') ?? '';
    const draft: LogDraft = { service: 'CloudWatch', operation, region };
    const send = (status: number, text: string) => {
      res.writeHead(status, {
        'Content-Type': 'text/xml',
        'Content-Length': Buffer.byteLength(text),
        'x-amzn-RequestId': reqId,
      });
      res.end(text);
    };
    try {
      const op = CLOUDWATCH_QUERY_OPERATIONS[operation];
      if (!op || params.get('Version') !== '2010-08-01') {
        throw new AwsError('InvalidAction', `The action ${operation} is not valid for this web service.`);
      }
      let input: Json;
      try {
        input = parseQueryInput(params, op.input, CLOUDWATCH_SHAPES);
      } catch (e) {
        if (e instanceof QueryInputError) throw new CloudWatchError('InvalidParameterValueException', e.message);
        throw e;
      }
      Object.assign(draft, resourceFrom(input));
      authorize(ctx, region, accessKeyIdOf(req), { service: 'CloudWatch', operation, input });
      const fault = operationFault('CloudWatch', operation);
      if (fault) throw fault;
      const result = handleCloudWatch(ctx, ctx.region(region), operation, input);
      const text = queryResponseXml(
        operation,
        CLOUDWATCH_XML_NAMESPACE,
        reqId,
        { shape: op.output, resultWrapper: op.resultWrapper, body: result.body },
        CLOUDWATCH_SHAPES,
      );
      send(200, text);
      record(draft, startedAt, 200, { changed: result.changed, result });
    } catch (err) {
      const e = err instanceof AwsError ? err : new CloudWatchError('InternalServiceFault', (err as Error).message);
      const [code, type] = e instanceof CloudWatchError ? e.queryError.split(';') : [e.code, 'Sender'];
      send(
        e.status,
        queryErrorXml(CLOUDWATCH_XML_NAMESPACE, reqId, {
          type: type === 'Receiver' ? 'Receiver' : 'Sender',
          code,
          message: e.message,
        }),
      );
      record(draft, startedAt, e.status, { errorCode: code, changed: false });
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
    const shadowCopies: Promise<ShadowCopy>[] = [];
    try {
      const body = await readBody(req, RUNTIME_MAX_BYTES);
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
          inferenceId: utf8Header(req, 'x-amzn-sagemaker-inference-id'),
          onShadowCopy: (copy) => shadowCopies.push(copy),
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
      const seq = record(draft, startedAt, 200, { changed: false, mutating: false, variantName: out.variant });
      recordShadowCopies(draft, shadowCopies, seq);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        oversize(res, reqId);
        record(draft, startedAt, 413, { errorCode: '413', changed: false, mutating: false });
        return;
      }
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
      const seq = record(draft, startedAt, e.status, {
        errorCode: e.code,
        changed: false,
        mutating: false,
        ...(typeof variant === 'string' ? { variantName: variant } : {}),
      });
      recordShadowCopies(draft, shadowCopies, seq);
    }
  }

  async function s3(
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
        const fault = operationFault('S3', operation);
        if (fault) throw fault;
        const { etag } = await putObject(ctx.dataDir, bucket, key!, body);
        res.writeHead(200, { ETag: etag, 'Content-Length': '0', 'x-amz-request-id': reqId });
        res.end();
        record(draft, startedAt, 200, { changed: true, mutating: true });
        return;
      }
      req.resume();
      authorize(ctx, region, caller, { service: 'S3', operation, bucket, ...(key === undefined ? {} : { key }) });
      const fault = operationFault('S3', operation);
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
        record(draft, startedAt, 200, { changed: false });
        return;
      }
      const obj = await getObject(ctx.dataDir, bucket, key!).catch((err: unknown) => {
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
      res.end(method === 'HEAD' ? undefined : obj.body);
      record(draft, startedAt, 200, { changed: false });
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
      if (pathname === '/' && !target && (header(req, 'content-type') ?? '').startsWith(FORM)) {
        readBody(req, MAX_BODY_BYTES)
          .then((body) => queryRpc(req, res, body.toString('utf8'), startedAt, region))
          .catch(fail);
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
    if (method === 'GET' || method === 'HEAD' || method === 'PUT') {
      const object = parseObjectPath(pathname);
      if (object) {
        s3(req, res, object.bucket, object.key, search, startedAt, region).catch(fail);
        return;
      }
      const bucket = method === 'GET' ? parseBucketPath(pathname) : undefined;
      if (bucket !== undefined) {
        s3(req, res, bucket, undefined, search, startedAt, region).catch(fail);
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
