// Waiting for the endpoint to be InService after a change: every room that changes the live endpoint waits here.
import type { EndpointView } from '../activities';
import { waits } from './activities';
import type { ChangeKind, RolloutContext } from './context';

/** Waits for InService; the status says what the rollout is waiting for meanwhile (updates take minutes). */
export async function waitForEndpoint(
  ctx: RolloutContext,
  why: string,
  change?: ChangeKind,
  timeoutMs?: number,
): Promise<EndpointView | null> {
  ctx.state.waiting = {
    what: `${why}: waiting for endpoint ${ctx.endpointName} to be InService`,
    since: new Date().toISOString(),
  };
  try {
    // The same kind of change on the same endpoint takes about as long as the last one: sleep through most of
    // that instead of polling (fewer DescribeEndpoint calls: docs/performance.md).
    const expectedMs = change && ctx.settleMs[change];
    const view = await waits.waitForEndpoint({
      ...ctx.where,
      what: why,
      ...(expectedMs !== undefined ? { expectedMs } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    if (view && change) ctx.settleMs[change] = view.waitedMs;
    return view;
  } finally {
    ctx.state.waiting = null;
  }
}
