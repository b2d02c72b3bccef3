// Writes each request the server answers into the request log: the operation, the resource it named, its status and
// whether it changed state, and the copies a request sent to shadow variants.
import type { RequestLog } from '../request-log';
import type { ShadowCopy } from '../runtime';
import type { OpResult } from '../sagemaker';
import type { Json } from '../state';
import type { ServiceName } from '../types';

export interface LogDraft {
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

export function resourceFrom(input: Json): { endpointName?: string; resourceName?: string } {
  const endpointName = typeof input.EndpointName === 'string' ? input.EndpointName : endpointDimension(input);
  for (const key of NAME_FIELDS) {
    if (typeof input[key] === 'string') return { endpointName, resourceName: input[key] as string };
  }
  return { endpointName };
}

export type Recorder = ReturnType<typeof createRecorder>;

export function createRecorder(log: RequestLog) {
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

  return { record, recordShadowCopies };
}
