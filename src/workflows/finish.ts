// The endings: promote (the candidate alone in a new config), roll back (traffic back first, then the original
// config), and clean up what the rollout created and the endpoint no longer uses. Every ending leaves the endpoint
// serving 100% from one InService variant.
import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import type { EndpointView, PreflightResult } from '../activities';
import { quick } from './activities';
import type { Ending, RolloutContext } from './context';
import { handScalingToCandidate, releaseBaselineScaling, restoreBaselineScaling } from './baseline-scaling';
import { restoreBaselineInstances } from './capacity';
import { candidateVariant, originalSettings } from './ab-config';
import { moveTraffic, setWeights, waitForEndpoint } from './endpoint';
import { endpointConfigName } from './names';
import { formatDuration } from '../schema/duration';

export async function promote(ctx: RolloutContext): Promise<Ending> {
  ctx.setPhase('promoting');
  const spec = ctx.spec;
  const approved = ctx.state.decisions.some((d) => d.kind === 'approve') ? ' and were approved' : '';
  const baked = ctx.bake ? `; it baked ${formatDuration(ctx.bake.soakedMs)} at 100% with the baseline warm` : '';
  const reason = `all ${spec.steps.length} steps passed${approved}${baked}`;
  ctx.decide('promote', 'model-rollout', reason);
  if (!ctx.baselineName) return { outcome: 'promoted', reason };

  if (ctx.state.weights[ctx.candidateName] !== 100) await setWeights(ctx, 100);
  // Replace the two-variant config with one that holds the candidate alone: the baseline's instances go away.
  const finalConfig = endpointConfigName(ctx.endpointName, ctx.rolloutId, 'final');
  ctx.recordCreated('endpointConfig', finalConfig);
  await quick.createEndpointConfig({
    configName: finalConfig,
    variants: [candidateVariant(ctx, 100)],
    ...originalSettings(ctx),
    region: ctx.region,
  });
  let view: EndpointView | null = null;
  // An autoscaled baseline is deregistered first: SageMaker refuses to remove a variant that is a scalable target.
  let refused = (await releaseBaselineScaling(ctx)) ?? undefined;
  if (refused) view = await quick.describeEndpoint(ctx.endpointName, ctx.region);
  for (let attempt = 1; attempt <= 2 && !refused; attempt++) {
    try {
      await quick.updateEndpoint({ ...ctx.where, configName: finalConfig });
    } catch (err) {
      // The final config needs a new fleet for the candidate beside the serving one (about N + 2M instances,
      // aws-behaviour.md #3). Short of quota, the candidate keeps serving 100% beside an idle baseline.
      if (failureType(err) !== 'ResourceLimitExceeded') throw err;
      view = await quick.describeEndpoint(ctx.endpointName, ctx.region);
      refused = failureMessage(err);
      break;
    }
    view = await waitForEndpoint(ctx, 'replacing the two-variant config with the candidate alone', 'config');
    if (view?.status === 'InService' && view.configName === finalConfig) break;
  }
  await handScalingToCandidate(ctx); // it serves all the traffic either way
  if (view?.status === 'InService' && view.configName === finalConfig) {
    ctx.state.weights = ctx.weightsOf(view);
    ctx.setPhase('promoting');
    await cleanUp(ctx, [finalConfig], false);
    if (spec.cleanup.deleteReplacedEndpointConfig && ctx.preflight?.originalConfig) {
      await deleteConfig(ctx, ctx.preflight.originalConfig.configName);
    }
    return { outcome: 'promoted', reason };
  }
  // The candidate serves 100% already; only removing the idle baseline failed. Say so rather than roll back a
  // model that passed every guardrail.
  ctx.cleanupWarnings.push(
    `removing the baseline variant failed (${refused ?? view?.failureReason ?? view?.status ?? 'endpoint missing'}): it stays deployed at weight 0`,
  );
  await cleanUp(ctx, [view?.configName ?? '', ...(refused ? [] : [finalConfig])], false);
  return { outcome: 'promoted', reason: `${reason}; the baseline variant could not be removed (see cleanupWarnings)` };
}

/** @param identity the Temporal identity of the client whose request this rollback acts on, if a person asked */
export async function rollBack(ctx: RolloutContext, by: string, why: string, identity?: string): Promise<Ending> {
  ctx.setPhase('rolling-back');
  ctx.decide('rollback', by, why, identity);
  const reason = by === 'model-rollout' ? why : `rolled back by ${by}: ${why}`;

  if (!ctx.baselineName) {
    // First deployment: nothing served before us, so rolling back removes the endpoint we created.
    if (ctx.state.resources.endpoint) {
      // DeleteEndpoint is refused while the endpoint is Creating or Updating: wait for InService or Failed first, as
      // AWS's own controller does ([ACK] hooks.go customDeleteEndpoint).
      const current = await quick.describeEndpoint(ctx.endpointName, ctx.region);
      if (current && ['Creating', 'Updating', 'SystemUpdating', 'RollingBack'].includes(current.status)) {
        await waitForEndpoint(ctx, 'letting the new endpoint settle before deleting it');
      }
      await quick.deleteEndpoint({ ...ctx.where, ...ctx.createdWhen('endpoint', ctx.endpointName) });
      ctx.state.resources.deleted.push(`endpoint ${ctx.endpointName}`);
      // The endpoint stays Deleting on its config for a while, and AWS says not to delete a config an endpoint uses
      // (DeleteEndpointConfig API reference): gone first, then the cleanup.
      const left = await waitForEndpoint(ctx, 'deleting the endpoint this rollout created');
      if (left) ctx.cleanupWarnings.push(`endpoint ${ctx.endpointName} was not deleted: it is ${left.status}`);
    }
    await cleanUp(ctx, [], true);
    return { outcome: 'rolled_back', reason };
  }

  const original = ctx.preflight!.originalConfig!;
  const inUse = [original.configName];
  const current = await quick.describeEndpoint(ctx.endpointName, ctx.region);
  if (current && current.configName !== original.configName) {
    if (current.status === 'InService' && current.variants.some((v) => v.variantName === ctx.candidateName)) {
      // Traffic first: weights change in seconds, a config update takes minutes.
      try {
        if (ctx.bake) await moveTraffic(ctx, 0);
        else await setWeights(ctx, 0);
      } catch (err) {
        ctx.cleanupWarnings.push(`shifting traffic back first failed: ${String(err)}; restoring the config instead`);
      }
    }
    const restored = await restoreOriginal(ctx, original);
    // The endpoint now runs on the re-created original: the cleanup keeps it.
    if (restored !== original.configName) inUse.push(restored);
  } else if (current && current.status !== 'InService') {
    await waitForEndpoint(ctx, 'letting an update in progress finish before rolling back');
  }
  await restoreBaselineScaling(ctx);
  await cleanUp(ctx, inUse, true);
  return { outcome: 'rolled_back', reason };
}

/** Puts the endpoint back on the config it had before the rollout (re-created if someone deleted it); returns it. */
async function restoreOriginal(
  ctx: RolloutContext,
  original: NonNullable<PreflightResult['originalConfig']>,
): Promise<string> {
  let target = original.configName;
  if (!(await quick.describeEndpointConfig({ configName: target, region: ctx.region }))) {
    target = endpointConfigName(ctx.endpointName, ctx.rolloutId, 'restore');
    ctx.recordCreated('endpointConfig', target);
    await quick.createEndpointConfig({ ...original, configName: target, region: ctx.region });
  }
  for (let attempt = 1; attempt <= 3; attempt++) {
    await quick.updateEndpoint({ ...ctx.where, configName: target });
    const view = await waitForEndpoint(ctx, `restoring the original config ${target}`, 'config');
    if (view?.status === 'InService' && view.configName === target) {
      ctx.state.weights = ctx.weightsOf(view);
      await restoreBaselineInstances(ctx, view);
      return target;
    }
    ctx.cleanupWarnings.push(`restoring ${target} failed (attempt ${attempt}): ${view?.failureReason ?? view?.status}`);
    await sleep('5 seconds');
  }
  throw ApplicationFailure.nonRetryable(
    `could not restore endpoint ${ctx.endpointName} to ${target}; the baseline still serves ${ctx.state.weights[ctx.baselineName!] ?? '?'}%`,
  );
}

/** Deletes what the rollout created and the endpoint no longer uses. */
async function cleanUp(ctx: RolloutContext, inUse: string[], candidateLost: boolean): Promise<void> {
  for (const config of ctx.state.resources.endpointConfigs) {
    if (!inUse.includes(config)) await deleteConfig(ctx, config);
  }
  if (candidateLost && ctx.spec.cleanup.deleteCandidateModel) {
    for (const model of ctx.state.resources.models) {
      try {
        await quick.deleteModel({ modelName: model, ...ctx.createdWhen('model', model), ...ctx.inRegion });
        ctx.state.resources.deleted.push(`model ${model}`);
      } catch (err) {
        ctx.cleanupWarnings.push(`deleting model ${model} failed: ${String(err)}`);
      }
    }
  }
  ctx.decide('cleanup', 'model-rollout', `deleted ${ctx.state.resources.deleted.join(', ') || 'nothing'}`);
}

async function deleteConfig(ctx: RolloutContext, configName: string): Promise<void> {
  if (ctx.state.resources.deleted.includes(`endpoint config ${configName}`)) return;
  try {
    await quick.deleteEndpointConfig({ configName, ...ctx.createdWhen('endpointConfig', configName), ...ctx.inRegion });
    ctx.state.resources.deleted.push(`endpoint config ${configName}`);
  } catch (err) {
    ctx.cleanupWarnings.push(`deleting endpoint config ${configName} failed: ${String(err)}`);
  }
}

/**
 * The type of the ApplicationFailure an activity failed with (e.g. "ResourceLimitExceeded"), if any. An ordinary
 * activity's failure reaches the workflow as an ActivityFailure whose cause is the activity's ApplicationFailure; a
 * local activity's (`quick`) as the ApplicationFailure itself (@temporalio/workflow 1.24; the bake's quota test in
 * test/e2e/workflows/bake.test.ts goes through both kinds).
 */
export function failureType(err: unknown): string | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined;
}

/** The innermost message of a failure: what AWS or the activity said, not "Activity task failed". */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
