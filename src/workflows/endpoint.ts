// Waiting for the endpoint and shifting its weights: the two things every room does to the live endpoint.
import { ApplicationFailure } from '@temporalio/workflow';
import type { EndpointView } from '../activities';
import { quick, waits } from './activities';
import type { ChangeKind, RolloutContext } from './context';

/** Waits for InService; the status says what the rollout is waiting for meanwhile (updates take minutes). */
export async function waitForEndpoint(
  ctx: RolloutContext,
  why: string,
  change?: ChangeKind,
): Promise<EndpointView | null> {
  ctx.state.waiting = {
    what: `${why}: waiting for endpoint ${ctx.spec.endpointName} to be InService`,
    since: new Date().toISOString(),
  };
  try {
    // The same kind of change on the same endpoint takes about as long as the last one: sleep through most of
    // that instead of polling (fewer DescribeEndpoint calls: docs/performance.md).
    const expectedMs = change && ctx.settleMs[change];
    const view = await waits.waitForEndpoint({ ...ctx.where, ...(expectedMs !== undefined ? { expectedMs } : {}) });
    if (view && change) ctx.settleMs[change] = view.waitedMs;
    return view;
  } finally {
    ctx.state.waiting = null;
  }
}

/** Shifts traffic between baseline and candidate and waits until the endpoint serves the new weights. */
export async function setWeights(ctx: RolloutContext, candidateWeight: number): Promise<void> {
  const weights = { [ctx.baselineName!]: 100 - candidateWeight, [ctx.candidateName]: candidateWeight };
  await quick.setWeights({ ...ctx.where, weights });
  const view = await waitForEndpoint(ctx, `shifting weights to ${candidateWeight}% candidate`, 'weights');
  if (!view || view.status !== 'InService') {
    throw ApplicationFailure.nonRetryable(
      `setting weights failed: endpoint is ${view?.status ?? 'missing'} (${view?.failureReason ?? ''})`,
    );
  }
  ctx.state.weights = ctx.weightsOf(view);
}
