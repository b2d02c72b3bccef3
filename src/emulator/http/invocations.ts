// SageMaker Runtime's InvokeEndpoint on the wire (restJson1, `POST /endpoints/{name}/invocations`): the request's
// body and headers in, the variant's answer or SageMaker Runtime's error out, and the request log entries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../errors';
import { accessKeyIdOf, authorize } from '../iam/authorize';
import { invokeEndpoint, type ShadowCopy } from '../runtime';
import type { EmulatorContext } from '../state';
import { operationFault } from './operation-fault';
import type { LogDraft, Recorder } from './recorder';
import { BodyTooLarge, header, oversize, readBody, requestId, RUNTIME_MAX_BYTES, utf8Header } from './request';

export async function invocations(
  ctx: EmulatorContext,
  recorder: Recorder,
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
    const fault = operationFault(ctx, 'Runtime', 'InvokeEndpoint');
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
    const seq = recorder.record(draft, startedAt, 200, { changed: false, mutating: false, variantName: out.variant });
    recorder.recordShadowCopies(draft, shadowCopies, seq);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      oversize(res, reqId);
      recorder.record(draft, startedAt, 413, { errorCode: '413', changed: false, mutating: false });
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
    const seq = recorder.record(draft, startedAt, e.status, {
      errorCode: e.code,
      changed: false,
      mutating: false,
      ...(typeof variant === 'string' ? { variantName: variant } : {}),
    });
    recorder.recordShadowCopies(draft, shadowCopies, seq);
  }
}
