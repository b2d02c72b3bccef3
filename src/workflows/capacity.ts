// Capacity through a rollout: the candidate is sized like the baseline (its instance type, live instance count,
// variant timeouts and volume, its model's network), each variant's instance count follows its share of traffic where
// the endpoint is not autoscaled (an autoscaled baseline keeps its own scaling: baseline-scaling.ts)
// (aws-behaviour.md #2, #10, #11).
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { EndpointView, ProductionVariant } from '../activities';
import { instancesAt, instancesForShare, summarizeCapacityPlan } from '../schema/capacity';
import { bakePlan } from '../schema/phases';
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
    ...bakePlan(ctx.spec, n),
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

/** The failure type of a change SageMaker accepted and then failed (capacity or weights). */
export const UPDATE_FAILED = 'EndpointUpdateFailed';

/**
 * Guards what a rollout does when a change SageMaker accepted then failed (failedUpdate): runs recorded before it took
 * such a change for done, and replay down that path. Asked only when a change failed, so no other history changes.
 */
export const ACCEPTED_UPDATE_FAILURES = 'accepted-update-failures';

/**
 * The variants of `wanted` whose `read` value in `view` is not what was asked, when the endpoint says its last update
 * failed: SageMaker can accept UpdateEndpointWeightsAndCapacities and fail it later, leaving the endpoint InService on
 * what it had, with a FailureReason ([BC-SM] DescribeEndpoint FailureReason: "the status is InService but update
 * operation fails"; EndpointStatus RollingBack, for autoscaled endpoints). Null when the change took (or in runs
 * started before ACCEPTED_UPDATE_FAILURES). Call it right after the wait that returned `view` (docs/production.md).
 */
export function failedUpdate(
  view: EndpointView,
  wanted: Record<string, number>,
  read: (v: EndpointView['variants'][number]) => number | undefined,
): string | null {
  const failed = describeFailedUpdate(view, wanted, read);
  return failed !== null && patched(ACCEPTED_UPDATE_FAILURES) ? failed : null;
}

function describeFailedUpdate(
  view: EndpointView,
  wanted: Record<string, number>,
  read: (v: EndpointView['variants'][number]) => number | undefined,
): string | null {
  if (view.failureReason === undefined) return null;
  const all = [...view.variants, ...(view.shadowVariants ?? [])];
  const off = Object.entries(wanted).flatMap(([name, n]) => {
    const v = all.find((x) => x.variantName === name);
    const now = v ? read(v) : undefined;
    return now !== undefined && Math.abs(now - n) < 1e-9 ? [] : [`${name} ${now ?? '?'}`];
  });
  return off.length > 0 ? `SageMaker accepted it, then it failed (${view.failureReason}): ${off.join(', ')}` : null;
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
  const failed = failedUpdate(view, counts, (v) => v.instanceCount);
  if (failed) {
    throw ApplicationFailure.nonRetryable(`${why} (${listed} instances): ${failed} instances`, UPDATE_FAILED);
  }
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
  // Instances that could not be added fail the shift before any traffic moves (the rollout then rolls back): a
  // variant never takes traffic its instances cannot serve.
  if (grow && patched(CAPACITY_FOLLOWS_WEIGHTS)) {
    await setInstances(ctx, grow, `adding instances before shifting to ${candidateWeight}% candidate`);
  }
  await move();
  const shrink = changes(ctx, wanted, (n, now) => now !== undefined && n < now);
  if (shrink && patched(CAPACITY_FOLLOWS_WEIGHTS)) {
    try {
      await setInstances(ctx, shrink, `removing instances the ${candidateWeight}% candidate weights no longer need`);
    } catch (err) {
      // Instances that could not be removed serve on: the traffic has moved, only the cost is higher.
      if (!(err instanceof ApplicationFailure && err.type === UPDATE_FAILED)) throw err;
      ctx.decide('warning', 'model-rollout', `${err.message}; they serve on until the next change`);
    }
  }
}

/**
 * Guards the instances a rollback during the bake gives back to the baseline it had kept warm on one (bake.ts):
 * rollouts recorded before it replay without them.
 */
export const BAKE_RESTORES_BASELINE = 'bake-restores-baseline';

/**
 * After a rollback's restore: the baseline back at its full size. The restore keeps the live count (deploy's
 * RetainAllVariantProperties), which is short when the shift back to the baseline could not add its instances first,
 * or when the bake had kept it warm on one instance: then it gets back the count it had before the bake.
 */
export async function restoreBaselineInstances(ctx: RolloutContext, view: EndpointView): Promise<void> {
  const baseline = ctx.baselineName;
  const beforeBake = ctx.state.bake?.instancesBefore;
  if (!baseline || (!followsWeights(ctx) && beforeBake === undefined)) return;
  noteInstances(ctx, view);
  // Where capacity follows the weights the baseline's full size, which a bake's warm count may have grown it toward
  // from its one instance at 100% candidate; else the count it had before the bake.
  const full = Math.max(beforeBake ?? 0, followsWeights(ctx) ? ctx.state.capacity!.fullSize[baseline] : 0);
  const now = view.variants.find((v) => v.variantName === baseline)?.instanceCount;
  if (now !== undefined && now >= full) return;
  if (!patched(beforeBake !== undefined ? BAKE_RESTORES_BASELINE : CAPACITY_FOLLOWS_WEIGHTS)) return;
  try {
    await setInstances(ctx, { [baseline]: full }, `giving the restored baseline its ${full} instances back`);
  } catch (err) {
    ctx.cleanupWarnings.push(
      `the restored baseline ${baseline} runs ${now ?? '?'} instances, not its ${full}: adding them failed (${String(err)}); set its instance count by hand`,
    );
  }
}
