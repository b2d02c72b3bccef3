/**
 * Target tracking on SageMakerVariantInvocationsPerInstance, in the aws profile: once per (scaled) minute each
 * registered variant with such a policy gets a datapoint, the InvocationsPerInstance Sum over that minute ("the average
 * number of times per minute that each instance for a variant is invoked", SageMaker Developer Guide, define a scaling
 * policy) read from the AWS/SageMaker metrics the variant publishes.
 *
 * - Application Auto Scaling "scales out proportionally to the metric as fast as it can, but scales in more
 *   gradually" (Application Auto Scaling User Guide, target tracking): the alarms it creates are not documented; here
 *   a scale-out follows awsBehaviour.targetTracking.scaleOutDatapoints consecutive datapoints above the target (3) and
 *   a scale-in scaleInDatapoints consecutive ones below scaleInRatio × target (15, 0.9), as the TargetTracking-…
 *   AlarmHigh/AlarmLow alarms of such policies are set (moto's model of them uses the same 3 and 15 periods of 60 s).
 * - The new capacity is ceil(current × metric / target), within the target's [MinCapacity, MaxCapacity].
 * - With several policies the largest capacity wins, for scale-out and scale-in alike (PutScalingPolicy reference).
 * - Cooldowns: ScaleOutCooldown/ScaleInCooldown, default 300 s each ([DG-AS] prerequisites, cooldown period), from the
 *   end of the last activity of that direction; a scale-out is not held back by a scale-in cooldown.
 * - "automatic scaling is blocked while the update operation is in progress" ([DG-AS]): nothing scales while the
 *   endpoint is not InService. Zero traffic is a datapoint of 0 ("SageMaker emits metrics with a value of zero"), so
 *   an idle variant scales in to its minimum.
 * Scaling goes through UpdateEndpointWeightsAndCapacities, so the endpoint is Updating meanwhile and new instances take
 * their provisioning time; an instance quota can refuse it (the activity then fails).
 */
import { parseStat, sortDimensions } from '../metrics';
import { publishDueMetrics } from '../sagemaker-metrics';
import type { EmulatorContext, EndpointRecord, LiveVariant, RegionState } from '../state';
import {
  autoScaling,
  parseVariantResourceId,
  SAGEMAKER_DIMENSION,
  type ScalableTarget,
  type ScalingPolicy,
} from './registry';
import { scaleVariant } from './service';

const SUM = parseStat('Sum')!;
const DEFAULT_COOLDOWN_SECONDS = 300;

/** InvocationsPerInstance summed over everything the store holds for the variant: a counter to take deltas of. */
function invocationsPerInstanceTotal(region: RegionState, ep: EndpointRecord, v: LiveVariant): number {
  const series = region.metrics.find(
    'AWS/SageMaker',
    'InvocationsPerInstance',
    sortDimensions([
      { Name: 'EndpointName', Value: ep.name },
      { Name: 'VariantName', Value: v.name },
    ]),
  );
  const end = Math.floor(Date.now() / 1000) + 1;
  const points = region.metrics.query(series, 0, end, end, SUM);
  return points.reduce((sum, p) => sum + p.value, 0);
}

function trackingPolicies(region: RegionState, target: ScalableTarget): ScalingPolicy[] {
  return [...autoScaling(region).policies.values()].filter((p) => {
    if (p.namespace !== target.namespace || p.resourceId !== target.resourceId || p.dimension !== target.dimension) {
      return false;
    }
    const c = p.configuration.TargetTrackingScalingPolicyConfiguration as
      { PredefinedMetricSpecification?: { PredefinedMetricType?: string } } | undefined;
    return c?.PredefinedMetricSpecification?.PredefinedMetricType === 'SageMakerVariantInvocationsPerInstance';
  });
}

interface Tracking {
  TargetValue: number;
  ScaleOutCooldown?: number;
  ScaleInCooldown?: number;
  DisableScaleIn?: boolean;
}

function evaluateTarget(ctx: EmulatorContext, region: RegionState, target: ScalableTarget, minuteMs: number): void {
  const ids = parseVariantResourceId(target.resourceId);
  const ep = ids ? region.endpoints.get(ids.endpoint.toLowerCase()) : undefined;
  const v = ep?.byName.get(ids!.variant);
  const policies = trackingPolicies(region, target);
  const t = target.tracking;
  if (!ep || !v || policies.length === 0) {
    t.lastTotal = undefined;
    return;
  }
  const now = Date.now();
  const total = invocationsPerInstanceTotal(region, ep, v);
  if (t.lastTotal === undefined || t.lastAt === undefined || total < t.lastTotal) {
    t.lastTotal = total;
    t.lastAt = now;
    return;
  }
  // Per AWS minute: the time scale makes a scaled minute's traffic one minute's worth.
  const value = ((total - t.lastTotal) * minuteMs) / Math.max(1, now - t.lastAt);
  t.lastTotal = total;
  t.lastAt = now;
  const { scaleOutDatapoints, scaleInDatapoints, scaleInRatio } = ctx.config.awsBehaviour.targetTracking;
  const keep = Math.max(scaleOutDatapoints, scaleInDatapoints);
  for (const p of policies) {
    const list = t.datapoints.get(p.name) ?? [];
    list.push(value);
    if (list.length > keep) list.splice(0, list.length - keep);
    t.datapoints.set(p.name, list);
  }
  if (ep.status !== 'InService' || t.inFlight) return;

  const current = v.desiredInstanceCount;
  const floor = Math.max(1, target.minCapacity);
  const clamp = (n: number) => Math.min(target.maxCapacity, Math.max(floor, n));
  const outs: number[] = [];
  const ins: (number | undefined)[] = [];
  for (const p of policies) {
    const c = p.configuration.TargetTrackingScalingPolicyConfiguration as unknown as Tracking;
    const list = t.datapoints.get(p.name) ?? [];
    const latest = list[list.length - 1];
    const wanted = clamp(Math.ceil((current * latest) / c.TargetValue));
    const lastOut = list.slice(-scaleOutDatapoints);
    const lastIn = list.slice(-scaleInDatapoints);
    if (lastOut.length === scaleOutDatapoints && lastOut.every((x) => x > c.TargetValue) && wanted > current) {
      outs.push(wanted);
    }
    const below = lastIn.length === scaleInDatapoints && lastIn.every((x) => x < scaleInRatio * c.TargetValue);
    ins.push(below && !c.DisableScaleIn && wanted < current ? wanted : undefined);
  }
  const cooldown = (key: 'ScaleOutCooldown' | 'ScaleInCooldown') =>
    ctx.scaled(
      Math.max(
        ...policies.map(
          (p) =>
            (p.configuration.TargetTrackingScalingPolicyConfiguration as unknown as Tracking)[key] ??
            DEFAULT_COOLDOWN_SECONDS,
        ),
      ) * 1000,
    );
  let to: number | undefined;
  let direction: 'out' | 'in' | undefined;
  if (outs.length > 0 && !target.suspended.DynamicScalingOutSuspended && now >= t.scaleOutCooldownUntil) {
    to = Math.max(...outs);
    direction = 'out';
  } else if (
    // Scale in only when every policy would, to the largest capacity any of them wants.
    ins.every((n) => n !== undefined) &&
    !target.suspended.DynamicScalingInSuspended &&
    now >= t.scaleInCooldownUntil
  ) {
    to = Math.max(...(ins as number[]));
    direction = 'in';
  }
  if (to === undefined || direction === undefined || to === current) return;
  t.inFlight = true;
  const started = scaleVariant(
    ctx,
    region,
    target,
    to,
    `monitor alarm TargetTracking-${target.resourceId}-Alarm${direction === 'out' ? 'High' : 'Low'} in state ALARM ` +
      `triggered policy ${policies.map((p) => p.name).join(', ')}`,
    (ok) => {
      t.inFlight = false;
      if (!ok) return;
      const until = Date.now() + cooldown(direction === 'out' ? 'ScaleOutCooldown' : 'ScaleInCooldown');
      if (direction === 'out') t.scaleOutCooldownUntil = until;
      else t.scaleInCooldownUntil = until;
    },
  );
  if (!started) t.inFlight = false;
}

/** Evaluates every SageMaker scalable target once per scaled minute; returns the timer to clear on close. */
export function startTargetTracking(ctx: EmulatorContext): NodeJS.Timeout {
  const minuteMs = Math.max(20, ctx.scaled(60_000));
  const timer = setInterval(() => {
    // Target tracking reads CloudWatch, so it sees SageMaker's samples once they are published (sagemaker-metrics.ts).
    publishDueMetrics(ctx);
    for (const region of ctx.regions.values()) {
      for (const target of autoScaling(region).targets.values()) {
        if (target.namespace === 'sagemaker' && target.dimension === SAGEMAKER_DIMENSION) {
          evaluateTarget(ctx, region, target, minuteMs);
        }
      }
    }
  }, minuteMs);
  timer.unref();
  return timer;
}
