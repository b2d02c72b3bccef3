// Where the story waits for people: a step that needs approval, a failed guardrail under onFailure "pause",
// evidence still inconclusive at maxSoak, and a pause. A rollback signal ends every wait. A long wait can outlive a
// run's history (every signal is an event): when Temporal suggests it, the run continues as new, carrying the
// pending approval and its deadline, or the pause.
import { condition } from '@temporalio/workflow';
import { durationMs } from '../schema/duration';
import { continueAsNewIfDue, continueAsNewSuggested } from './continue-as-new';
import type { RollbackNow, RolloutContext } from './context';
import { notify } from './notify';
import type { PendingApproval } from './shared';

/** Records that the step's maxSoak passed undecided; returns a rollback under the "fail" policy. */
export function onInconclusive(ctx: RolloutContext, why: string): RollbackNow | null {
  const policy = ctx.spec.evaluation.onInconclusive;
  ctx.decide('inconclusive', 'model-rollout', `${why}; policy: ${policy}`);
  return policy === 'fail' ? ctx.rollbackNow(why) : null;
}

/**
 * Holds until someone approves, rolls back, or the approval times out (then the spec's policy decides). A continued
 * run finds the same approval pending and waits for it until the same deadline.
 */
export async function awaitApproval(
  ctx: RolloutContext,
  cause: PendingApproval['cause'],
  reason: string,
): Promise<RollbackNow | null> {
  const carried = ctx.state.pendingApproval;
  if (!(carried && carried.cause === cause && carried.step === ctx.state.step)) {
    ctx.approval = null;
    ctx.state.pendingApproval = {
      step: ctx.state.step,
      cause,
      since: new Date().toISOString(),
      timeoutAt: new Date(Date.now() + durationMs(ctx.spec.approval.timeout)).toISOString(),
      reason,
      ...(ctx.spec.approval.approvers ? { approvers: ctx.spec.approval.approvers } : {}),
    };
    ctx.setPhase('awaiting-approval');
    ctx.decide('approval-requested', 'model-rollout', reason);
    notify(ctx, 'approval-requested', reason); // here only: a carried-over request was announced by its first run
  }
  const deadline = Date.parse(ctx.state.pendingApproval!.timeoutAt);
  const answered = () => ctx.approval !== null || ctx.rollbackRequest !== null;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || answered()) break;
    await condition(() => answered() || continueAsNewSuggested(), remaining);
    await continueAsNewIfDue(ctx);
  }
  ctx.state.pendingApproval = null;
  ctx.setPhase('soaking');
  if (ctx.rollbackRequest) return ctx.pendingRollback();
  const approval = ctx.approval;
  if (approval) {
    ctx.approval = null;
    ctx.decide('approve', approval.by, approval.reason ?? reason, approval.identity);
    return null;
  }
  const policy = ctx.spec.approval.onTimeout;
  ctx.decide('approval-timeout', 'model-rollout', `no approval within ${ctx.spec.approval.timeout}; policy: ${policy}`);
  return policy === 'approve' ? null : ctx.rollbackNow(`no approval within ${ctx.spec.approval.timeout}`);
}

/** While paused, holds (phase "paused") until resumed or rolled back; returns a pending rollback, if any. */
export async function waitWhilePaused(ctx: RolloutContext): Promise<RollbackNow | null> {
  if (ctx.state.paused) {
    ctx.setPhase('paused');
    for (;;) {
      await condition(() => !ctx.state.paused || ctx.rollbackRequest !== null || continueAsNewSuggested());
      if (!ctx.state.paused || ctx.rollbackRequest !== null) break;
      await continueAsNewIfDue(ctx);
    }
    ctx.setPhase('soaking');
  }
  return ctx.pendingRollback();
}
