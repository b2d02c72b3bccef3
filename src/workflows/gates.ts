// Where the story waits for people: a step that needs approval, a failed guardrail under onFailure "pause",
// evidence still inconclusive at maxSoak, and a pause. A rollback signal ends every wait.
import { condition } from '@temporalio/workflow';
import type { Evaluation } from '../analysis';
import { durationMs, formatDuration } from '../schema/duration';
import { RollbackNow, type RolloutContext } from './context';
import type { PendingApproval } from './shared';

export async function onFailure(ctx: RolloutContext, evaluation: Evaluation): Promise<RollbackNow | null> {
  if (ctx.spec.onFailure === 'rollback') {
    return new RollbackNow('model-rollout', `guardrail failed: ${evaluation.reason}`);
  }
  return await awaitApproval(
    ctx,
    'failure',
    `guardrail failed: ${evaluation.reason}. Approve to keep soaking, or roll back`,
  );
}

export async function onInconclusive(
  ctx: RolloutContext,
  evaluation: Evaluation,
  soakedMs: number,
): Promise<RollbackNow | null> {
  const why = `guardrails still inconclusive after ${formatDuration(soakedMs)} (maxSoak): ${evaluation.reason}`;
  const policy = ctx.spec.evaluation.onInconclusive;
  ctx.decide('inconclusive', 'model-rollout', `${why}; policy: ${policy}`);
  if (policy === 'pass') return null;
  if (policy === 'fail') return new RollbackNow('model-rollout', why);
  return await awaitApproval(ctx, 'inconclusive', `${why}. Approve to advance, or roll back`);
}

/** Holds until someone approves, rolls back, or the approval times out (then the spec's policy decides). */
export async function awaitApproval(
  ctx: RolloutContext,
  cause: PendingApproval['cause'],
  reason: string,
): Promise<RollbackNow | null> {
  const timeoutMs = durationMs(ctx.spec.approval.timeout);
  const before = ctx.state.phase;
  ctx.approval = null;
  ctx.state.pendingApproval = {
    step: ctx.state.step,
    cause,
    since: new Date().toISOString(),
    timeoutAt: new Date(Date.now() + timeoutMs).toISOString(),
    reason,
  };
  ctx.setPhase('awaiting-approval');
  ctx.decide('approval-requested', 'model-rollout', reason);
  const answered = await condition(() => ctx.approval !== null || ctx.rollbackRequest !== null, timeoutMs);
  ctx.state.pendingApproval = null;
  ctx.setPhase(before);
  if (ctx.rollbackRequest) return ctx.pendingRollback();
  // Read through a cast: TypeScript narrowed `approval` to null above and cannot see the signal handler set it.
  const approval = ctx.approval as { by: string; reason?: string } | null;
  if (answered && approval) {
    ctx.decide('approve', approval.by, approval.reason ?? reason);
    return null;
  }
  const policy = ctx.spec.approval.onTimeout;
  ctx.decide('approval-timeout', 'model-rollout', `no approval within ${ctx.spec.approval.timeout}; policy: ${policy}`);
  return policy === 'approve'
    ? null
    : new RollbackNow('model-rollout', `no approval within ${ctx.spec.approval.timeout}`);
}

/** While paused, holds (phase "paused") until resumed or rolled back; returns a pending rollback, if any. */
export async function waitWhilePaused(ctx: RolloutContext): Promise<RollbackNow | null> {
  if (ctx.state.paused) {
    const before = ctx.state.phase;
    ctx.setPhase('paused');
    await condition(() => !ctx.state.paused || ctx.rollbackRequest !== null);
    ctx.setPhase(before);
  }
  return ctx.pendingRollback();
}
