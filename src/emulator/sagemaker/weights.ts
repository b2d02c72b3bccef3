// UpdateEndpointWeightsAndCapacities, and the capacity change Application Auto Scaling makes through it.
import { scalableVariantsOf } from '../autoscaling/registry';
import { provisioningSeconds } from '../aws-behaviour';
import { validation } from '../errors';
import { checkInstanceQuotas } from '../fleet';
import { type EmulatorContext, type EndpointRecord, type Json, type RegionState } from '../state';
import { getEndpoint, inProgress, requireName, type Handler, type OpResult } from './common';
import { rebuildRouting } from './deploy';

/** The weights after a change, for the request log: production variants, then shadows (their sampling weight). */
const weightsDetail = (ep: EndpointRecord) =>
  `weights ${[...ep.variants, ...ep.shadows].map((v) => `${v.name}=${v.desiredWeight}`).join(',')}`;

/** The answer to an accepted change: the endpoint's ARN, and the weights asked for in the request log. */
const accepted = (ep: EndpointRecord): OpResult => ({
  body: { EndpointArn: ep.arn },
  changed: true,
  endpointName: ep.name,
  resourceName: ep.name,
  detail: weightsDetail(ep),
});

export const updateEndpointWeightsAndCapacities: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const ep = getEndpoint(ctx, region, name);
  const desired = input.DesiredWeightsAndCapacities;
  if (!Array.isArray(desired) || desired.length === 0) {
    throw validation(
      "1 validation error detected: Value '[]' at 'desiredWeightsAndCapacities' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
  }
  if (ep.status === 'Failed') {
    throw validation(`Cannot update endpoint "${ep.arn}" because it is in Failed state.`);
  }
  if (ep.status !== 'InService') throw inProgress(ep);
  const missing = desired.map((d) => String((d as Json).VariantName)).filter((v) => !ep.byName.has(v));
  if (missing.length > 0) {
    throw validation(
      `The variant name(s) "[${missing.join(', ')}]" is/are not present within endpoint configuration ` +
        `"${ep.configName}".`,
    );
  }
  desired.forEach((raw, i) => {
    const d = raw as Json;
    const member = `desiredWeightsAndCapacities.${i + 1}.member`;
    if (
      d.DesiredWeight === undefined &&
      d.DesiredInstanceCount === undefined &&
      d.ServerlessUpdateConfig === undefined
    ) {
      throw validation(`Either DesiredWeight or DesiredInstanceCount must be specified for variant ${d.VariantName}.`);
    }
    if (d.DesiredWeight !== undefined && !(typeof d.DesiredWeight === 'number' && d.DesiredWeight >= 0)) {
      throw validation(
        `1 validation error detected: Value '${d.DesiredWeight}' at '${member}.desiredWeight' failed to satisfy ` +
          'constraint: Member must have value greater than or equal to 0',
      );
    }
    if (
      d.DesiredInstanceCount !== undefined &&
      !(
        typeof d.DesiredInstanceCount === 'number' &&
        Number.isInteger(d.DesiredInstanceCount) &&
        d.DesiredInstanceCount >= 1
      )
    ) {
      throw validation(
        `1 validation error detected: Value '${d.DesiredInstanceCount}' at '${member}.desiredInstanceCount' failed ` +
          'to satisfy constraint: Member must have value greater than or equal to 1',
      );
    }
  });
  if (ctx.aws) {
    changeWeightsAndCapacities(
      ctx,
      region,
      ep,
      desired.map((raw) => {
        const d = raw as Json;
        return {
          variant: String(d.VariantName),
          ...(typeof d.DesiredWeight === 'number' ? { weight: d.DesiredWeight } : {}),
          ...(typeof d.DesiredInstanceCount === 'number' ? { instanceCount: d.DesiredInstanceCount } : {}),
        };
      }),
      undefined,
      () => ctx.faults.takeCapacityUpdateFailure(ep.name),
    );
    return accepted(ep);
  }
  const failureReason = ctx.faults.takeCapacityUpdateFailure(ep.name);
  for (const raw of desired) {
    const d = raw as Json;
    const v = ep.byName.get(String(d.VariantName))!;
    if (typeof d.DesiredWeight === 'number') v.desiredWeight = d.DesiredWeight;
    if (typeof d.DesiredInstanceCount === 'number') v.desiredInstanceCount = d.DesiredInstanceCount;
  }
  ep.status = 'Updating';
  ep.failureReason = undefined;
  ep.modifiedAt = Date.now();
  const token = ++ep.token;
  const delay = ctx.faults.endpoint(ep.name)?.updateDelayMs ?? ctx.delays().updateMs;
  ctx.timers.after(delay, () => {
    if (ep.token !== token || region.endpoints.get(ep.name.toLowerCase()) !== ep) return;
    if (failureReason !== undefined) return failCapacityUpdate(ep, failureReason);
    for (const v of ep.byName.values()) {
      v.currentWeight = v.desiredWeight;
      v.currentInstanceCount = v.desiredInstanceCount;
    }
    ep.status = 'InService';
    ep.modifiedAt = Date.now();
    rebuildRouting(ep);
  });
  return accepted(ep);
};

export interface CapacityChange {
  variant: string;
  weight?: number;
  instanceCount?: number;
}

/**
 * An accepted UpdateEndpointWeightsAndCapacities that failed (the capacityUpdateFails fault): nothing of it took effect,
 * and the endpoint is InService on what it had, with the FailureReason until the next update ([BC-SM] DescribeEndpoint
 * FailureReason: "If the status of the endpoint is Failed, or the status is InService but update operation fails, this
 * provides the reason why it failed"; aws-controllers-k8s/sagemaker-controller#7: "If an update fails, the endpoint
 * goes back to InService state with a FailureReason about the error").
 */
function failCapacityUpdate(ep: EndpointRecord, reason: string): void {
  for (const v of ep.byName.values()) {
    v.desiredWeight = v.currentWeight;
    v.desiredInstanceCount = v.currentInstanceCount;
  }
  ep.status = 'InService';
  ep.failureReason = reason;
  ep.modifiedAt = Date.now();
}

/**
 * The aws profile's UpdateEndpointWeightsAndCapacities (also how Application Auto Scaling scales a variant): checked
 * against the instance quotas at once, then the endpoint is Updating while each part takes its time ([BC-SM]
 * EndpointStatus "Updating: UpdateEndpoint or UpdateEndpointWeightsAndCapacities is executing"): new instances take
 * their type's provisioning time, removing instances awsBehaviour.scaleInSeconds, a weight change
 * awsBehaviour.weightChangeSeconds. InService again when all parts are done; `onDone` hears of it. Once the update
 * is accepted (within the quotas), `takeFailure` says whether it is to fail (the capacityUpdateFails fault): then no
 * part takes effect, and when the last would have, an autoscaled endpoint is RollingBack (for a weight change's time:
 * AWS gives no duration)
 * ([BC-SM] EndpointStatus: "RollingBack: Endpoint fails to scale up or down or change its variant weight and is in
 * the process of rolling back to its previous configuration … only applies to an endpoint that has autoscaling
 * enabled"), then the update has failed (failCapacityUpdate).
 */
export function changeWeightsAndCapacities(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  changes: CapacityChange[],
  onDone?: () => void,
  takeFailure: () => string | undefined = () => undefined,
): void {
  const delta = new Map<string, number>();
  for (const c of changes) {
    const v = ep.byName.get(c.variant);
    if (!v || c.instanceCount === undefined || !v.instanceType) continue;
    const more = c.instanceCount - Math.max(v.currentInstanceCount, v.desiredInstanceCount);
    if (more > 0) delta.set(v.instanceType, (delta.get(v.instanceType) ?? 0) + more);
  }
  checkInstanceQuotas(ctx, region, delta);
  const failureReason = takeFailure();
  const behaviour = ctx.config.awsBehaviour;
  const override = ctx.faults.endpoint(ep.name)?.updateDelayMs;
  const parts: { afterMs: number; apply: () => void }[] = [];
  for (const c of changes) {
    const v = ep.byName.get(c.variant)!;
    if (c.weight !== undefined) {
      v.desiredWeight = c.weight;
      parts.push({
        afterMs: ctx.scaled(behaviour.weightChangeSeconds * 1000),
        apply: () => (v.currentWeight = v.desiredWeight),
      });
    }
    if (c.instanceCount !== undefined) {
      const growing = c.instanceCount > v.currentInstanceCount;
      v.desiredInstanceCount = c.instanceCount;
      const seconds = growing ? provisioningSeconds(behaviour, v.instanceType) : behaviour.scaleInSeconds;
      parts.push({
        afterMs: ctx.scaled(seconds * 1000),
        apply: () => (v.currentInstanceCount = v.desiredInstanceCount),
      });
    }
  }
  ep.status = 'Updating';
  ep.failureReason = undefined;
  ep.modifiedAt = Date.now();
  const token = ++ep.token;
  const current = () => ep.token === token && region.endpoints.get(ep.name.toLowerCase()) === ep; // not deleted meanwhile
  let left = parts.length;
  const finish = () => {
    ep.status = 'InService';
    ep.modifiedAt = Date.now();
    rebuildRouting(ep);
    onDone?.();
  };
  const fail = (reason: string) => {
    if (scalableVariantsOf(region, ep.name).length === 0) return failCapacityUpdate(ep, reason);
    ep.status = 'RollingBack';
    ep.modifiedAt = Date.now();
    ctx.timers.after(ctx.scaled(behaviour.weightChangeSeconds * 1000), () => {
      if (current()) failCapacityUpdate(ep, reason);
    });
  };
  if (left === 0) {
    ctx.timers.after(ctx.scaled(behaviour.weightChangeSeconds * 1000), () => {
      if (current()) finish();
    });
    return;
  }
  for (const part of parts) {
    ctx.timers.after(override ?? part.afterMs, () => {
      if (!current()) return;
      if (failureReason === undefined) {
        part.apply();
        rebuildRouting(ep);
      }
      if (--left > 0) return;
      if (failureReason === undefined) finish();
      else fail(failureReason);
    });
  }
}
