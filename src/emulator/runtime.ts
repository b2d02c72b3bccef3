/**
 * SageMaker Runtime InvokeEndpoint (restJson1, `POST /endpoints/{EndpointName}/invocations`): weighted routing by the
 * variants' CurrentWeight (or `X-Amzn-SageMaker-Target-Variant`), real XGBoost inference, the body the SageMaker
 * XGBoost container writes, and the per-variant AWS/SageMaker metrics SageMaker publishes for every request.
 *
 * What counts where (as SageMaker documents its metrics): every request routed to a variant is one Invocations
 * datapoint and one Invocation4XXErrors / Invocation5XXErrors datapoint (0 or 1); a model error is ModelError (HTTP
 * 424) to the caller with the container's status as OriginalStatusCode; ModelLatency and OverheadLatency are in
 * microseconds. Requests refused before routing (unknown endpoint, operation-level faults) reach no variant and
 * publish nothing.
 *
 * Shadow variants (an endpoint config's ShadowProductionVariants): "Only the responses of the production variant are
 * returned to the calling application" (SageMaker Developer Guide, shadow-tests.md); a sampled copy of each request
 * routed to the production variant is served by the shadow, which publishes its own metrics and capture, and whatever
 * it answers is dropped.
 */
import { dataCapture } from './capture';
import { AwsError } from './errors';
import { decodeRows, encodePredictions, PayloadError } from './payload';
import { sortDimensions } from './metrics';
import { metricsPublisher } from './sagemaker-metrics';
import { shadowSamplingShare } from './shadow';
import type { EmulatorContext, EndpointRecord, LiveVariant, RegionState, VariantSeries } from './state';

export interface InvokeRequest {
  endpointName: string;
  body: Buffer;
  contentType: string;
  accept: string;
  targetVariant?: string;
  customAttributes?: string;
  /** X-Amzn-SageMaker-Inference-Id: kept in the captured data ([BC-RT] InferenceId). */
  inferenceId?: string;
  /** Hears of each copy of this request sent to a shadow variant (settled once the shadow has answered). */
  onShadowCopy?: (copy: Promise<ShadowCopy>) => void;
}

export interface InvokeResponse {
  body: string;
  contentType: string;
  variant: string;
  customAttributes?: string;
}

function variantSeries(region: RegionState, ep: EndpointRecord, v: LiveVariant): VariantSeries {
  const metrics = region.metrics;
  if (v.series && v.series.epoch === metrics.epoch) return v.series;
  const dims = sortDimensions([
    { Name: 'EndpointName', Value: ep.name },
    { Name: 'VariantName', Value: v.name },
  ]);
  const get = (metric: string, unit: string) => metrics.get('AWS/SageMaker', metric, dims, unit);
  v.series = {
    epoch: metrics.epoch,
    invocations: get('Invocations', 'None'),
    errors4xx: get('Invocation4XXErrors', 'None'),
    errors5xx: get('Invocation5XXErrors', 'None'),
    modelLatency: get('ModelLatency', 'Microseconds'),
    overheadLatency: get('OverheadLatency', 'Microseconds'),
    perInstance: get('InvocationsPerInstance', 'None'),
  };
  return v.series;
}

function record(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  v: LiveVariant,
  outcome: { e4: 0 | 1; e5: 0 | 1; modelLatencyUs?: number; overheadUs: number },
): void {
  if (ctx.aws) {
    // AWS's way: per instance, per minute, after a publish lag, with late samples (sagemaker-metrics.ts).
    const perInstance = 1 / Math.max(1, v.currentInstanceCount);
    const modelUs = outcome.modelLatencyUs === undefined ? undefined : Math.round(outcome.modelLatencyUs);
    metricsPublisher(ctx).record(
      region.name,
      region.metrics,
      sortDimensions([
        { Name: 'EndpointName', Value: ep.name },
        { Name: 'VariantName', Value: v.name },
      ]),
      `${ep.name}\u0000${v.name}`,
      v.currentInstanceCount,
      Date.now(),
      [1, outcome.e4, outcome.e5, modelUs, Math.round(outcome.overheadUs), perInstance],
    );
    return;
  }
  const s = variantSeries(region, ep, v);
  const second = Math.floor(Date.now() / 1000);
  s.invocations.add(second, 1);
  s.errors4xx.add(second, outcome.e4);
  s.errors5xx.add(second, outcome.e5);
  s.perInstance.add(second, 1 / Math.max(1, v.currentInstanceCount));
  s.overheadLatency.add(second, Math.round(outcome.overheadUs));
  if (outcome.modelLatencyUs !== undefined) s.modelLatency.add(second, Math.round(outcome.modelLatencyUs));
}

function pickVariant(ctx: EmulatorContext, ep: EndpointRecord): LiveVariant | undefined {
  if (ep.totalWeight <= 0) return undefined;
  const r = ctx.rng.next() * ep.totalWeight;
  const cum = ep.cumulative;
  for (let i = 0; i < cum.length; i++) if (r < cum[i]) return ep.variants[i];
  return ep.variants[ep.variants.length - 1];
}

function modelError(
  ctx: EmulatorContext,
  ep: EndpointRecord,
  variant: LiveVariant,
  status: number,
  message: string,
): AwsError {
  const kind = status >= 500 ? 'server' : 'client';
  const logGroup = `/aws/sagemaker/Endpoints/${ep.name}`;
  return new AwsError(
    'ModelError',
    `Received ${kind} error (${status}) from primary with message "${message}". See ` +
      `https://${ep.region}.console.aws.amazon.com/cloudwatch/home?region=${ep.region}#logEventViewer:group=` +
      `${logGroup} in account ${ctx.config.accountId} for more information.`,
    424,
    {
      OriginalStatusCode: status,
      OriginalMessage: message,
      LogStreamArn: `arn:aws:logs:${ep.region}:${ctx.config.accountId}:log-group:${logGroup}`,
      ErrorCode: kind === 'server' ? 'SERVER_ERROR_FROM_MODEL' : 'CLIENT_ERROR_FROM_MODEL',
    },
  );
}

// [BC-RT] InvokeEndpointInput.InferenceId: length 1–64, pattern \A\S[\p{Print}]*\z (Java regex: a first character that
// is not whitespace, then printable ASCII).
const INFERENCE_ID_PATTERN = '\\A\\S[\\p{Print}]*\\z';
const INFERENCE_ID = /^[^ \t\n\v\f\r][\x20-\x7e]*$/;

/** A bad InferenceId is refused before anything else, in the words of AWS's input validation. */
function checkInferenceId(id: string): void {
  const why =
    id.length > 64
      ? 'Member must have length less than or equal to 64'
      : id.length < 1
        ? 'Member must have length greater than or equal to 1'
        : INFERENCE_ID.test(id)
          ? undefined
          : `Member must satisfy regular expression pattern: ${INFERENCE_ID_PATTERN}`;
  if (why !== undefined) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${id}' at 'inferenceId' failed to satisfy constraint: ${why}`,
    );
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Served = { ok: true; response: InvokeResponse } | { ok: false; error: AwsError };

/**
 * One variant serves one request, as SageMaker hosts it: the variant's faults (throttle, 5XX, 4XX, latency), real
 * inference, its AWS/SageMaker metrics under its own VariantName, and data capture into its own variant folder.
 * `handlingUs` is the time the request spent in the emulator before it reached the variant (OverheadLatency).
 */
async function serve(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  variant: LiveVariant,
  req: InvokeRequest,
  handlingUs: () => number,
): Promise<Served> {
  const faults = ctx.faults.variant(ep.name, variant.name);
  // SageMaker's overhead is the time outside the container; here: our own request handling before inference plus
  // a small sampled baseline for the network hop a real endpoint has.
  const overhead = handlingUs() + ctx.rng.lognormal(ctx.config.latency.overheadMedianMs, 0.3) * 1000;

  if (ctx.rng.chance(faults?.throttleRate)) {
    record(ctx, region, ep, variant, { e4: 1, e5: 0, overheadUs: overhead });
    return { ok: false, error: new AwsError('ThrottlingException', 'Rate exceeded', 400, { variant: variant.name }) };
  }

  const medianMs = faults?.latencyMedianMs ?? ctx.config.latency.medianMs;
  const sigma = faults?.latencySigma ?? ctx.config.latency.sigma;
  const sampledMs = ctx.rng.lognormal(medianMs, sigma);
  const shouldSleep =
    ctx.config.sleep === 'all' || (ctx.config.sleep === 'injected' && faults?.latencyMedianMs !== undefined);

  const computeStart = process.hrtime.bigint();
  let failure: AwsError | undefined;
  let response: InvokeResponse | undefined;
  let e4: 0 | 1 = 0;
  let e5: 0 | 1 = 0;
  if (ctx.rng.chance(faults?.errorRate5xx)) {
    e5 = 1;
    failure = modelError(ctx, ep, variant, 500, 'Internal Server Error (injected fault)');
  } else if (ctx.rng.chance(faults?.errorRate4xx)) {
    e4 = 1;
    failure = modelError(ctx, ep, variant, 400, 'Bad Request (injected fault)');
  } else {
    try {
      const rows = decodeRows(req.body, req.contentType);
      if (rows.length === 0) {
        // The container answers 204 to an empty body; SageMaker passes an empty 200 on.
        response = { body: '', contentType: req.accept || 'text/csv', variant: variant.name };
      } else {
        const preds = variant.model.predict(rows);
        const encoded = encodePredictions(preds, req.accept);
        response = { body: encoded.body, contentType: encoded.contentType, variant: variant.name };
      }
    } catch (err) {
      e4 = 1;
      const status = err instanceof PayloadError ? err.statusCode : 415;
      failure = modelError(ctx, ep, variant, status, (err as Error).message);
    }
  }
  const computeUs = Number(process.hrtime.bigint() - computeStart) / 1000;
  if (shouldSleep && sampledMs >= 1) await sleep(sampledMs);
  record(ctx, region, ep, variant, { e4, e5, modelLatencyUs: sampledMs * 1000 + computeUs, overheadUs: overhead });
  if (failure) {
    failure.fields.variant = variant.name;
    return { ok: false, error: failure };
  }
  if (req.customAttributes !== undefined) response!.customAttributes = req.customAttributes;
  dataCapture(ctx).record(region, ep, variant, {
    body: req.body,
    contentType: req.contentType,
    inferenceId: req.inferenceId,
    output: response!.body,
    outputContentType: response!.contentType,
    atMs: Date.now(),
  });
  return { ok: true, response: response! };
}

/** A request's copy to a shadow variant, as the request log records it once the shadow has answered. */
export interface ShadowCopy {
  variant: string;
  startedAtMs: number;
  durationMs: number;
  status: number;
  errorCode?: string;
}

/**
 * Sends the request's copy to the shadow: its own faults, latency, metrics and capture; its answer, error or not, goes
 * nowhere but the returned summary. It runs on its own, so a slow shadow does not hold the caller's answer.
 */
async function copyToShadow(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  shadow: LiveVariant,
  req: InvokeRequest,
): Promise<ShadowCopy> {
  const startedAtMs = Date.now();
  const served = await serve(ctx, region, ep, shadow, req, () => 0).catch((err: unknown): Served => ({
    ok: false,
    error: new AwsError('InternalFailure', String(err), 500),
  }));
  return {
    variant: shadow.name,
    startedAtMs,
    durationMs: Date.now() - startedAtMs,
    status: served.ok ? 200 : served.error.status,
    ...(served.ok ? {} : { errorCode: served.error.code }),
  };
}

/** TargetVariant: a production variant, or the shadow where the shadow setting lets callers reach it. */
function targetedVariant(ctx: EmulatorContext, ep: EndpointRecord, name: string): LiveVariant {
  const variant = ep.byName.get(name);
  // [BC-RT] TargetVariant names "the production variant to send the inference request to": a shadow is none.
  if (!variant || (variant.shadow && ctx.config.shadow.targetVariant === 'reject')) {
    throw new AwsError(
      'ValidationError',
      `The variant "${name}" is not present in endpoint "${ep.name}" (variants: ` +
        `${ep.variants.map((v) => v.name).join(', ')}).`,
    );
  }
  return variant;
}

/**
 * Serves one InvokeEndpoint. Throws AwsError for every error answer; `variant` is set on the error's fields when the
 * request reached one, so the server can still send the invoked-variant header. A request routed to the production
 * variant of an endpoint with a shadow is copied to the shadow with the sampling share (shadow.ts); the copy is handed
 * to `req.onShadowCopy` and its answer never reaches the caller.
 */
export async function invokeEndpoint(
  ctx: EmulatorContext,
  region: RegionState,
  req: InvokeRequest,
  receivedAt: bigint,
): Promise<InvokeResponse> {
  if (ctx.aws && req.inferenceId !== undefined) checkInferenceId(req.inferenceId);
  const ep = region.endpoints.get(req.endpointName.toLowerCase());
  if (!ep) {
    throw new AwsError('ValidationError', `Endpoint ${req.endpointName} of account ${ctx.config.accountId} not found.`);
  }
  // UpdateRollbackFailed: "Your endpoint is in service with a mix of the old and new endpoint configurations" ([BC-SM]).
  // RollingBack: whether it serves is not documented; it is on its way back to a configuration that served ([BC-SM]
  // EndpointStatus "rolling back to its previous configuration"), so the emulator keeps serving, as while Updating.
  if (!['InService', 'Updating', 'RollingBack', 'UpdateRollbackFailed'].includes(ep.status)) {
    throw new AwsError(
      'ValidationError',
      `Endpoint ${ep.name} of account ${ctx.config.accountId} is not in service (status: ${ep.status}).`,
    );
  }
  let variant: LiveVariant | undefined;
  if (req.targetVariant !== undefined && req.targetVariant !== '') {
    // TargetVariant reaches a variant even at weight 0: that is how a canary variant is probed.
    variant = targetedVariant(ctx, ep, req.targetVariant);
  } else {
    variant = pickVariant(ctx, ep);
    if (!variant) {
      throw new AwsError('ValidationError', `Endpoint ${ep.name} has no production variant with a weight above 0.`);
    }
  }
  const served = await serve(ctx, region, ep, variant, req, () => Number(process.hrtime.bigint() - receivedAt) / 1000);
  if (!variant.shadow) {
    for (const shadow of ep.shadows) {
      const sampled = ctx.rng.next() < shadowSamplingShare(variant.currentWeight, shadow.currentWeight);
      if (sampled && (served.ok || ctx.config.shadow.copies === 'routed')) {
        const copy = copyToShadow(ctx, region, ep, shadow, req);
        req.onShadowCopy?.(copy);
      }
    }
  }
  if (!served.ok) throw served.error;
  return served.response;
}
