// Capacity through a rollout: the candidate is sized like the baseline (its instance type, live instance count,
// variant timeouts and volume, its model's network), each variant's instance count follows its share of traffic where
// the endpoint is not autoscaled, and an autoscaled baseline keeps its scaling: scale-in held while the weights move,
// handed to the candidate at promotion, back as it was after a rollback (aws-behaviour.md #2, #10, #11).
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { EndpointView, ProductionVariant } from '../activities';
import { instancesAt, instancesForShare, summarizeCapacityPlan } from '../schema/capacity';
import { quick } from './activities';
import type { RolloutContext } from './context';
import { waitForEndpoint } from './wait';

/**
 * Guards the commands capacity following the weights adds (UpdateEndpointWeightsAndCapacities with instance counts,
 * and their waits): rollouts recorded before it replay down the old path (docs/production.md, upgrading the worker).
 */
export const CAPACITY_FOLLOWS_WEIGHTS = 'capacity-follows-weights';

/** The size and settings a first deployment's candidate gets when the spec names none (the schema's old defaults). */
const FIRST_DEPLOYMENT = { instanceType: 'ml.m5.large', instanceCount: 1 };

/** The candidate's variant settings besides its name, model, weight and count: the spec's, else the baseline's. */
export interface CandidateSize {
  instanceType: string;
  /** Its full size: the instances it runs at 100% of the traffic. */
  instances: number;
  variant: Pick<
    ProductionVariant,
    'ContainerStartupHealthCheckTimeoutInSeconds' | 'ModelDataDownloadTimeoutInSeconds' | 'VolumeSizeInGB'
  >;
}

export function candidateSize(ctx: RolloutContext): CandidateSize {
  const c = ctx.spec.candidate;
  const baseline = ctx.preflight?.baselineVariant;
  const pick = <T>(own: T | undefined, inherited: T | undefined) => own ?? inherited;
  const variant = {
    ContainerStartupHealthCheckTimeoutInSeconds: pick(
      c.containerStartupHealthCheckTimeoutInSeconds,
      baseline?.ContainerStartupHealthCheckTimeoutInSeconds,
    ),
    ModelDataDownloadTimeoutInSeconds: pick(
      c.modelDataDownloadTimeoutInSeconds,
      baseline?.ModelDataDownloadTimeoutInSeconds,
    ),
    VolumeSizeInGB: pick(c.volumeSizeInGB, baseline?.VolumeSizeInGB),
  };
  return {
    instanceType: c.instanceType ?? baseline?.InstanceType ?? FIRST_DEPLOYMENT.instanceType,
    instances: c.instanceCount ?? ctx.preflight?.baselineInstances ?? FIRST_DEPLOYMENT.instanceCount,
    variant: Object.fromEntries(Object.entries(variant).filter(([, v]) => v !== undefined)),
  };
}

/** The candidate model's network: the spec's, else the baseline model's (only for a model the rollout creates). */
export function candidateNetwork(ctx: RolloutContext): {
  vpcConfig?: NonNullable<NonNullable<typeof ctx.preflight>['baselineModel']>['vpcConfig'];
  enableNetworkIsolation?: boolean;
} {
  const c = ctx.spec.candidate;
  const baseline = ctx.preflight?.baselineModel ?? {};
  const vpcConfig = c.vpcConfig
    ? { SecurityGroupIds: c.vpcConfig.securityGroupIds, Subnets: c.vpcConfig.subnets }
    : baseline.vpcConfig;
  const isolation = c.enableNetworkIsolation ?? baseline.enableNetworkIsolation;
  return {
    ...(vpcConfig ? { vpcConfig } : {}),
    ...(isolation !== undefined ? { enableNetworkIsolation: isolation } : {}),
  };
}

/** Whether the variants' instance counts follow the weights in this rollout. */
export function followsWeights(ctx: RolloutContext): boolean {
  return ctx.state.capacity?.followWeights === true;
}

/** The instances the candidate runs at `weight`: its share of its full size when capacity follows the weights. */
export function candidateInstances(ctx: RolloutContext, weight: number): number {
  const full = candidateSize(ctx).instances;
  return followsWeights(ctx) ? instancesForShare(full, weight) : full;
}

/**
 * Decides how the rollout sizes the variants, once, before the deploy: records it in the status and as a decision
 * with the plan's totals, and a warning when the candidate runs on other hardware or another count than the
 * baseline. Rollouts started before the preflight read the baseline's capacity keep the spec's sizes and fixed counts.
 */
export function planCapacity(ctx: RolloutContext): void {
  const pre = ctx.preflight;
  const baselineName = ctx.baselineName;
  if (!pre || !baselineName || pre.baselineInstances === undefined || ctx.state.capacity) return;
  const size = candidateSize(ctx);
  const autoscaled = pre.baselineScaling !== undefined;
  const followWeights = ctx.spec.capacity.followWeights ?? !autoscaled;
  const n = pre.baselineInstances;
  ctx.state.capacity = {
    followWeights,
    fullSize: { [baselineName]: n, [ctx.candidateName]: size.instances },
    instances: { [baselineName]: n },
    ...(autoscaled ? { autoscaling: 'as-found' as const } : {}),
  };
  const c = ctx.spec.candidate;
  const baselineType = pre.baselineVariant?.InstanceType;
  const sized =
    `${ctx.candidateName} runs ${size.instances} × ${size.instanceType}` +
    (c.instanceType || c.instanceCount
      ? ` (${c.instanceType ? 'instance type' : ''}${c.instanceType && c.instanceCount ? ' and ' : ''}` +
        `${c.instanceCount ? 'count' : ''} from the spec; the baseline ${baselineName} runs ${n} × ${baselineType ?? '?'})`
      : ` like the baseline ${baselineName} (${n} × ${baselineType ?? '?'}, its live count)`);
  const how = followWeights
    ? 'each variant’s instance count follows its share of traffic, added before the traffic moves and removed after'
    : autoscaled
      ? `the baseline is autoscaled (min ${pre.baselineScaling!.minCapacity}, max ${pre.baselineScaling!.maxCapacity}): ` +
        'its scaling keeps its instances, scale-in held until the rollout ends; the candidate runs at full size'
      : 'both variants run at full size throughout (capacity.followWeights false)';
  const plan = summarizeCapacityPlan({
    baselineInstances: n,
    candidateInstances: size.instances,
    followWeights,
    steps: ctx.spec.steps,
  });
  ctx.decide('capacity', 'model-rollout', `${sized}; ${how}; ${plan}`);
  const differs: string[] = [];
  if (baselineType && size.instanceType !== baselineType) {
    differs.push(`instance type ${size.instanceType}, the baseline's ${baselineType}`);
  }
  if (size.instances !== n) differs.push(`${size.instances} instances, the baseline's ${n}`);
  if (differs.length > 0) {
    ctx.decide(
      'warning',
      'model-rollout',
      `the candidate runs on other hardware than the baseline (${differs.join('; ')}): latency, 5XX and errors then ` +
        'compare hardware and load per instance as well as the models; leave candidate.instanceType and ' +
        'candidate.instanceCount out to size it like the baseline',
    );
  }
}

/** Records each variant's serving instances from a view of the endpoint (CurrentInstanceCount). */
export function noteInstances(ctx: RolloutContext, view: EndpointView): void {
  const capacity = ctx.state.capacity;
  if (!capacity) return;
  capacity.instances = Object.fromEntries(
    view.variants.filter((v) => v.instanceCount !== undefined).map((v) => [v.variantName, v.instanceCount!]),
  );
}

/** Each variant's instances at `candidateWeight` (its share of its full size). */
function instancesFor(ctx: RolloutContext, candidateWeight: number): Record<string, number> {
  const full = ctx.state.capacity!.fullSize;
  const baseline = ctx.baselineName!;
  const at = instancesAt({ baseline: full[baseline], candidate: full[ctx.candidateName] }, candidateWeight, true);
  return { [baseline]: at.baseline, [ctx.candidateName]: at.candidate };
}

/** The variants whose instances `pick` says should change, with their new counts. */
function changes(
  ctx: RolloutContext,
  wanted: Record<string, number>,
  pick: (wanted: number, now: number | undefined) => boolean,
): Record<string, number> | null {
  const now = ctx.state.capacity!.instances;
  const out = Object.fromEntries(Object.entries(wanted).filter(([name, n]) => pick(n, now[name])));
  return Object.keys(out).length > 0 ? out : null;
}

/** Sets instance counts (UpdateEndpointWeightsAndCapacities) and waits until they serve. */
async function setInstances(ctx: RolloutContext, counts: Record<string, number>, why: string): Promise<void> {
  await quick.setWeights({ ...ctx.where, instanceCounts: counts });
  const listed = Object.entries(counts)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const view = await waitForEndpoint(ctx, `${why} (${listed} instances)`, 'capacity');
  if (!view || view.status !== 'InService') {
    throw ApplicationFailure.nonRetryable(
      `setting instance counts failed: endpoint is ${view?.status ?? 'missing'} (${view?.failureReason ?? ''})`,
    );
  }
  noteInstances(ctx, view);
}

/**
 * Moves the traffic to `candidateWeight` (`move`) with the variants' instances following it, where they do: the
 * instances the new weights need are added first and waited for (a variant never takes traffic its instances cannot
 * serve; new instances take minutes to provision), those they free are removed after the traffic has moved. A
 * rollback (candidate weight 0) so brings the baseline back to its full size before its traffic returns, and the
 * candidate down to one instance before the restore, which then needs the fewest new instances (aws-behaviour.md #3).
 */
export async function shiftWithCapacity(
  ctx: RolloutContext,
  candidateWeight: number,
  move: () => Promise<void>,
): Promise<void> {
  if (!followsWeights(ctx) || !ctx.baselineName) return await move();
  const wanted = instancesFor(ctx, candidateWeight);
  const grow = changes(ctx, wanted, (n, now) => now === undefined || n > now);
  if (grow && patched(CAPACITY_FOLLOWS_WEIGHTS)) {
    await setInstances(ctx, grow, `adding instances before shifting to ${candidateWeight}% candidate`);
  }
  await move();
  const shrink = changes(ctx, wanted, (n, now) => now !== undefined && n < now);
  if (shrink && patched(CAPACITY_FOLLOWS_WEIGHTS)) {
    await setInstances(ctx, shrink, `removing instances the ${candidateWeight}% candidate weights no longer need`);
  }
}

/**
 * After a rollback's restore: the baseline back at its full size. The restore keeps the live count (deploy's
 * RetainAllVariantProperties), which is short when the shift back to the baseline could not add its instances first.
 */
export async function restoreBaselineInstances(ctx: RolloutContext, view: EndpointView): Promise<void> {
  if (!followsWeights(ctx) || !ctx.baselineName) return;
  noteInstances(ctx, view);
  const full = ctx.state.capacity!.fullSize[ctx.baselineName];
  const now = ctx.state.capacity!.instances[ctx.baselineName];
  if (now !== undefined && now >= full) return;
  if (!patched(CAPACITY_FOLLOWS_WEIGHTS)) return;
  try {
    await setInstances(ctx, { [ctx.baselineName]: full }, `giving the restored baseline its ${full} instances back`);
  } catch (err) {
    ctx.cleanupWarnings.push(
      `the restored baseline ${ctx.baselineName} runs ${now ?? '?'} instances, not its ${full}: adding them failed (${String(err)}); set its instance count by hand`,
    );
  }
}

/**
 * Guards the Application Auto Scaling commands an autoscaled baseline adds (suspending its scale-in, handing its
 * scaling to the candidate at promotion, restoring it after a rollback).
 */
export const AUTOSCALED_BASELINE = 'autoscaled-baseline';

/** The baseline's scaling as preflight found it, when the rollout manages it. */
function foundScaling(ctx: RolloutContext) {
  const scaling = ctx.preflight?.baselineScaling;
  return scaling && ctx.state.capacity?.autoscaling && ctx.baselineName ? scaling : undefined;
}

const resourceId = (ctx: RolloutContext, variant: string) => `endpoint/${ctx.endpointName}/variant/${variant}`;

/**
 * Before the A/B update: the baseline's scale-in is suspended until the rollout ends. As its share of traffic falls,
 * target tracking would scale it in, and a rollback would hand all the traffic back to too few instances (scaling out
 * again takes minutes). Scale-out stays on. ([DG-AS]: "automatic scaling is blocked while the update operation is in
 * progress"; SuspendedState.DynamicScalingInSuspended: "Set the value to true if you don't want Application Auto
 * Scaling to remove capacity when a scaling policy is triggered", Application Auto Scaling API reference.)
 */
export async function holdBaselineScaleIn(ctx: RolloutContext): Promise<void> {
  const scaling = foundScaling(ctx);
  if (!scaling || ctx.state.capacity!.autoscaling !== 'as-found' || !patched(AUTOSCALED_BASELINE)) return;
  if (!scaling.suspended.dynamicScalingIn) {
    await quick.registerVariantScaling({
      ...ctx.where,
      variantName: ctx.baselineName!,
      scaling: { ...scaling, suspended: { ...scaling.suspended, dynamicScalingIn: true } },
    });
  }
  ctx.state.capacity!.autoscaling = 'suspended';
  ctx.decide(
    'capacity',
    'model-rollout',
    `scale-in of ${ctx.baselineName} suspended until the rollout ends (${resourceId(ctx, ctx.baselineName!)}, ` +
      `min ${scaling.minCapacity}, max ${scaling.maxCapacity}): its instances stay while its traffic moves, ready for a rollback`,
  );
}

/**
 * Before promotion's update removes the baseline: its scalable target is deregistered, which [DG-AS] requires before
 * "Removing a production variant that has automatic scaling configured" (the update fails otherwise). Returns why it
 * could not be, or null.
 */
export async function releaseBaselineScaling(ctx: RolloutContext): Promise<string | null> {
  const scaling = foundScaling(ctx);
  if (!scaling || !patched(AUTOSCALED_BASELINE)) return null;
  try {
    await quick.deregisterVariantScaling({ ...ctx.where, variantName: ctx.baselineName! });
  } catch (err) {
    return `deregistering the baseline's scalable target failed (${String(err)}), and SageMaker refuses to remove an autoscaled variant`;
  }
  ctx.state.capacity!.autoscaling = 'moved';
  return null;
}

/**
 * Once the candidate serves all the traffic: it gets the baseline's scalable target (min, max, and the suspended state
 * the baseline had before the rollout) and its policies, the same settings under the same names (a customized
 * metric naming the baseline's VariantName now names the candidate's). Never fails the promotion: what could not be
 * done is a cleanup warning saying what to register by hand.
 */
export async function handScalingToCandidate(ctx: RolloutContext): Promise<void> {
  const scaling = foundScaling(ctx);
  if (!scaling || !patched(AUTOSCALED_BASELINE)) return;
  const baseline = ctx.baselineName!;
  if (ctx.state.capacity!.autoscaling !== 'moved') {
    // The baseline's target is still registered (deregistering it failed): give it back its own state.
    await restoreBaselineScaling(ctx);
  }
  const policies = scaling.policies.map((p) => p.policyName);
  try {
    const arns = await quick.registerVariantScaling({
      ...ctx.where,
      variantName: ctx.candidateName,
      scaling,
      policies: scaling.policies,
      policiesFrom: baseline,
    });
    ctx.decide(
      'capacity',
      'model-rollout',
      `${ctx.candidateName} has ${baseline}'s scaling: ${resourceId(ctx, ctx.candidateName)} min ${scaling.minCapacity}, ` +
        `max ${scaling.maxCapacity}, ${policies.length} ${policies.length === 1 ? 'policy' : 'policies'} (${policies.join(', ') || 'none'})`,
    );
    const stepped = scaling.policies.filter((p) => p.policyType === 'StepScaling');
    if (stepped.length > 0) {
      ctx.decide(
        'warning',
        'model-rollout',
        `step scaling ${stepped.length === 1 ? 'policy' : 'policies'} ${stepped.map((p) => p.policyName).join(', ')} ` +
          `now on ${ctx.candidateName} (${stepped.map((p) => arns[scaling.policies.indexOf(p)]).join(', ')}): the CloudWatch ` +
          'alarms that triggered them still name the old policy ARN; point their actions at the new one',
      );
    }
  } catch (err) {
    ctx.cleanupWarnings.push(
      `${ctx.candidateName} serves without autoscaling: registering ${resourceId(ctx, ctx.candidateName)} (min ` +
        `${scaling.minCapacity}, max ${scaling.maxCapacity}) with ${baseline}'s policies ${policies.join(', ')} failed ` +
        `(${String(err)}); register it by hand`,
    );
  }
}

/**
 * After a rollback: the baseline's scaling as it was before the rollout (its suspended state; its target and
 * policies again if promotion had already deregistered them). Never fails the rollback: the endpoint is safe either
 * way.
 */
export async function restoreBaselineScaling(ctx: RolloutContext): Promise<void> {
  const scaling = foundScaling(ctx);
  const state = ctx.state.capacity?.autoscaling;
  if (!scaling || state === 'as-found' || state === 'restored' || !patched(AUTOSCALED_BASELINE)) return;
  const deregistered = state === 'moved';
  try {
    await quick.registerVariantScaling({
      ...ctx.where,
      variantName: ctx.baselineName!,
      scaling,
      ...(deregistered ? { policies: scaling.policies } : {}),
    });
    ctx.state.capacity!.autoscaling = 'restored';
    ctx.decide(
      'capacity',
      'model-rollout',
      `${ctx.baselineName}'s scaling is as it was (${resourceId(ctx, ctx.baselineName!)}, scale-in ` +
        `${scaling.suspended.dynamicScalingIn ? 'suspended, as found' : 'on again'}${deregistered ? ', its policies put back' : ''})`,
    );
  } catch (err) {
    ctx.cleanupWarnings.push(
      `restoring ${ctx.baselineName}'s scaling failed (${String(err)}): check ${resourceId(ctx, ctx.baselineName!)} ` +
        `(min ${scaling.minCapacity}, max ${scaling.maxCapacity}, scale-in suspended: ${scaling.suspended.dynamicScalingIn})`,
    );
  }
}
