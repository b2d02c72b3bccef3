// The awsJson services behind `POST /` with an `X-Amz-Target`: SageMaker (awsJson1_1), CloudWatch (awsJson1_0,
// query-compatible errors) and Application Auto Scaling (awsJson1_1).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { handleApplicationAutoScaling } from '../autoscaling/service';
import { CloudWatchError, handleCloudWatch } from '../cloudwatch';
import { AwsError } from '../errors';
import { accessKeyIdOf, authorize } from '../iam/authorize';
import { SAGEMAKER_FLOAT_PATHS, toWireJson } from '../json-wire';
import { handleSageMaker } from '../sagemaker';
import type { EmulatorContext, Json } from '../state';
import { operationFault } from './operation-fault';
import { type LogDraft, type Recorder, resourceFrom } from './recorder';
import { BodyTooLarge, header, MAX_BODY_BYTES, readBody, requestId } from './request';

const gunzipAsync = promisify(gunzip);

const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801.';
const SAGEMAKER_TARGET = 'SageMaker.';
const AUTOSCALING_TARGET = 'AnyScaleFrontendService.';

/** The awsJson service an X-Amz-Target addresses, and the length of its prefix. */
export function jsonService(
  target: string,
): { service: 'SageMaker' | 'CloudWatch' | 'ApplicationAutoScaling'; prefix: number } | undefined {
  if (target.startsWith(SAGEMAKER_TARGET)) return { service: 'SageMaker', prefix: SAGEMAKER_TARGET.length };
  if (target.startsWith(CLOUDWATCH_TARGET)) return { service: 'CloudWatch', prefix: CLOUDWATCH_TARGET.length };
  if (target.startsWith(AUTOSCALING_TARGET)) {
    return { service: 'ApplicationAutoScaling', prefix: AUTOSCALING_TARGET.length };
  }
  return undefined;
}

export async function jsonRpc(
  ctx: EmulatorContext,
  recorder: Recorder,
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
    const fault = operationFault(ctx, service, operation);
    if (fault) throw fault;
    const result = isCloudWatch
      ? handleCloudWatch(ctx, ctx.region(r), operation, input)
      : service === 'ApplicationAutoScaling'
        ? handleApplicationAutoScaling(ctx, ctx.region(r), operation, input)
        : handleSageMaker(ctx, ctx.region(r), operation, input);
    const text =
      service === 'SageMaker' ? toWireJson(result.body, SAGEMAKER_FLOAT_PATHS[operation]) : JSON.stringify(result.body);
    const hold = ctx.faults.responseDelayMs(`${service}.${operation}`);
    if (hold > 0) {
      // Logged when the change happened; the caller hears of it only after the hold.
      recorder.record(draft, startedAt, 200, { changed: result.changed, result });
      await new Promise((r) => setTimeout(r, hold));
    }
    res.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': reqId,
    });
    res.end(text);
    if (hold === 0) recorder.record(draft, startedAt, 200, { changed: result.changed, result });
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
    if (isCloudWatch) headers['x-amzn-query-error'] = e instanceof CloudWatchError ? e.queryError : `${e.code};Sender`;
    const text = JSON.stringify({ __type: e.code, message: e.message, ...e.fields });
    headers['Content-Length'] = String(Buffer.byteLength(text));
    res.writeHead(e.status, headers);
    res.end(text);
    recorder.record(draft, startedAt, e.status, { errorCode: e.code, changed: false });
  }
}
