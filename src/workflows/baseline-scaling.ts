// An autoscaled baseline through a rollout: its scale-in held while the weights move, its scaling handed to the
// candidate at promotion, back as it was after a rollback (aws-behaviour.md #2; [DG-AS] the developer guide's
// "Automatic scaling of Amazon SageMaker AI models").
import { patched } from '@temporalio/workflow';
import { quick } from './activities';
import type { RolloutContext } from './context';

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
