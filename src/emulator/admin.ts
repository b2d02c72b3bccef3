/**
 * The admin API under /_emulator/: state, faults (GET / PUT replaces / PATCH merges), the request log, reset.
 * Plain JSON, no AWS protocol: tests and the demo drive it with fetch (see admin-client.ts).
 */
import { FaultError } from './faults';
import type { RequestLog } from './request-log';
import type { EmulatorContext, Json, LiveVariant } from './state';
import type { EmulatorStateView, ServiceName, VariantView } from './types';

export interface AdminAnswer {
  status: number;
  body: unknown;
}

function variantView(v: LiveVariant): VariantView {
  return {
    variantName: v.name,
    modelName: v.modelName,
    currentWeight: v.currentWeight,
    desiredWeight: v.desiredWeight,
    currentInstanceCount: v.currentInstanceCount,
    desiredInstanceCount: v.desiredInstanceCount,
    ...(v.instanceType ? { instanceType: v.instanceType } : {}),
    image: v.image,
    modelDataUrl: v.modelDataUrl,
  };
}

const nameAndModel = (v: Json) => ({ variantName: String(v.VariantName), modelName: String(v.ModelName) });

export function stateView(ctx: EmulatorContext): EmulatorStateView {
  const view: EmulatorStateView = { models: [], endpointConfigs: [], endpoints: [], alarms: [], modelPackages: [] };
  for (const region of ctx.regions.values()) {
    for (const m of region.models.values()) {
      view.models.push({
        region: region.name,
        modelName: m.name,
        image: m.image,
        modelDataUrl: m.modelDataUrl,
        ...(m.modelPackageArn ? { modelPackageArn: m.modelPackageArn } : {}),
      });
    }
    for (const c of region.configs.values()) {
      view.endpointConfigs.push({
        region: region.name,
        configName: c.name,
        variants: c.variants.map(nameAndModel),
        shadowVariants: c.shadowVariants.map(nameAndModel),
      });
    }
    for (const e of region.endpoints.values()) {
      view.endpoints.push({
        region: region.name,
        endpointName: e.name,
        endpointArn: e.arn,
        status: e.status,
        configName: e.configName,
        ...(e.failureReason !== undefined ? { failureReason: e.failureReason } : {}),
        ...(e.pending ? { pendingConfigName: e.pending.configName } : {}),
        variants: e.variants.map(variantView),
        shadowVariants: e.shadows.map(variantView),
      });
    }
    for (const a of region.alarms.values())
      view.alarms.push({ region: region.name, alarmName: a.name, state: a.state });
    for (const p of region.modelPackages.values()) {
      view.modelPackages.push({
        region: region.name,
        modelPackageArn: p.arn,
        ...(p.group !== undefined ? { modelPackageGroupName: p.group, modelPackageVersion: p.version } : {}),
        ...(p.approvalStatus !== undefined ? { modelApprovalStatus: p.approvalStatus } : {}),
      });
    }
  }
  return view;
}

const SERVICES: ServiceName[] = ['SageMaker', 'Runtime', 'CloudWatch', 'S3', 'ApplicationAutoScaling'];

export function handleAdmin(
  ctx: EmulatorContext,
  log: RequestLog,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
  reset: () => void,
): AdminAnswer {
  try {
    if (path === '/_emulator/state' && method === 'GET') return { status: 200, body: stateView(ctx) };
    if (path === '/_emulator/faults') {
      if (method === 'GET') return { status: 200, body: ctx.faults.get() };
      if (method === 'PUT') return { status: 200, body: ctx.faults.replace(body ?? {}) };
      if (method === 'PATCH') return { status: 200, body: ctx.faults.merge(body ?? {}) };
    }
    if (path === '/_emulator/requests') {
      if (method === 'GET') {
        const service = query.get('service') ?? undefined;
        if (service !== undefined && !SERVICES.includes(service as ServiceName)) {
          return { status: 400, body: { error: `service must be one of ${SERVICES.join(', ')}` } };
        }
        const since = query.get('since');
        const mutating = query.get('mutating');
        return {
          status: 200,
          body: log.list({
            ...(service ? { service: service as ServiceName } : {}),
            ...(since !== null ? { since: Number(since) } : {}),
            ...(mutating !== null ? { mutating: mutating === 'true' } : {}),
          }),
        };
      }
      if (method === 'DELETE') {
        log.clear();
        return { status: 200, body: { cleared: true } };
      }
    }
    if (path === '/_emulator/reset' && method === 'POST') {
      reset();
      return { status: 200, body: { reset: true } };
    }
    return { status: 404, body: { error: `no admin route ${method} ${path}` } };
  } catch (err) {
    if (err instanceof FaultError) return { status: 400, body: { error: err.message } };
    throw err;
  }
}
