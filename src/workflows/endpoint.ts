// Waiting for the endpoint and shifting its weights: the two things every room does to the live endpoint.
import { ApplicationFailure } from '@temporalio/workflow';
import { quick } from './activities';
import { failedUpdate, shiftWithCapacity, UPDATE_FAILED } from './capacity';
import type { RolloutContext } from './context';
import { waitForEndpoint } from './wait';

export { waitForEndpoint };

/**
 * Shifts traffic between baseline and candidate and waits until the endpoint serves the new weights; where capacity
 * follows the weights, the instances the shift needs come first and those it frees go after (capacity.ts).
 */
export async function setWeights(ctx: RolloutContext, candidateWeight: number): Promise<void> {
  await shiftWithCapacity(ctx, candidateWeight, () => moveTraffic(ctx, candidateWeight));
}

/**
 * Shifts traffic at once, whatever the instances: the bake's rollback onto its warm baseline, whose instances come
 * back after (finish.ts). Waiting for them first would keep a failing candidate serving everything for the minutes
 * new instances take, which is what the bake exists to avoid.
 */
export async function moveTraffic(ctx: RolloutContext, candidateWeight: number): Promise<void> {
  const weights = { [ctx.baselineName!]: 100 - candidateWeight, [ctx.candidateName]: candidateWeight };
  await quick.setWeights({ ...ctx.where, weights });
  const view = await waitForEndpoint(ctx, `shifting weights to ${candidateWeight}% candidate`, 'weights');
  if (!view || view.status !== 'InService') {
    throw ApplicationFailure.nonRetryable(
      `setting weights failed: endpoint is ${view?.status ?? 'missing'} (${view?.failureReason ?? ''})`,
    );
  }
  ctx.state.weights = ctx.weightsOf(view);
  // Weights are asked in percent and SageMaker keeps them as given, so the served weights must be these.
  const failed = failedUpdate(view, weights, (v) => v.currentWeight);
  if (failed) {
    throw ApplicationFailure.nonRetryable(
      `shifting weights to ${candidateWeight}% candidate: ${failed} (weights)`,
      UPDATE_FAILED,
    );
  }
}
