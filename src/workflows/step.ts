// One step: shift the weights, soak while the guardrails are evaluated every interval, then pass the step's gate.
// The soak is a minimum (always watched that long) and maxSoak a maximum (then the inconclusive policy decides).
import type { Evaluation } from '../analysis';
import { durationMs, maxSoakMs } from '../schema/duration';
import type { RolloutContext, RollbackNow } from './context';
import { setWeights } from './endpoint';
import { evaluate } from './evaluation';
import { awaitApproval, onFailure, onInconclusive, waitWhilePaused } from './gates';
import type { StepRecord } from './shared';
import { soakFor } from './soak';

export async function runStep(ctx: RolloutContext, index: number): Promise<RollbackNow | void> {
  const step = ctx.spec.steps[index];
  ctx.state.step = index + 1;
  const record: StepRecord = {
    step: index + 1,
    candidateWeight: step.candidateWeight,
    startedAt: new Date().toISOString(),
    soakedMs: 0,
    evaluations: 0,
    variants: [],
  };
  ctx.state.steps.push(record);

  const early = ctx.pendingRollback();
  if (early) return early;
  if (ctx.baselineName) {
    ctx.setPhase('shifting');
    await setWeights(ctx, step.candidateWeight);
  }
  ctx.stepStartedAt = Date.now();
  if (!ctx.candidateLiveAt) ctx.candidateLiveAt = ctx.stepStartedAt;
  ctx.stepLabelled = {};
  ctx.stepRequests = {};

  const soakMs = durationMs(step.soak);
  const maxMs = maxSoakMs(step);
  const intervalMs = durationMs(ctx.spec.evaluation.interval);
  let soakedMs = 0;
  let last: Evaluation | null = null;
  ctx.setPhase('soaking');
  const soakStarted = Date.now();
  ctx.state.soak = {
    startedAt: new Date(soakStarted).toISOString(),
    minEndsAt: new Date(soakStarted + soakMs).toISOString(),
    maxEndsAt: new Date(soakStarted + maxMs).toISOString(),
  };

  for (;;) {
    const paused = await waitWhilePaused(ctx);
    if (paused) return closeStep(ctx, record, last, paused);
    const slice = Math.min(intervalMs, Math.max(1_000, maxMs - soakedMs));
    const interrupted = await soakFor(ctx, slice);
    soakedMs += slice;
    record.soakedMs = soakedMs;
    if (interrupted) return closeStep(ctx, record, last, interrupted);

    last = await evaluate(ctx, record);
    if (last.verdict === 'fail') {
      const failed = await onFailure(ctx, last);
      if (failed) return closeStep(ctx, record, last, failed);
      continue; // a human chose to keep soaking
    }
    if (soakedMs < soakMs) continue; // the soak is a minimum: always watch this long
    if (last.verdict === 'pass') break;
    if (soakedMs >= maxMs) {
      const inconclusive = await onInconclusive(ctx, last, soakedMs);
      if (inconclusive) return closeStep(ctx, record, last, inconclusive);
      break;
    }
  }

  if (step.approval === 'required') {
    const why = `step ${index + 1} (${step.candidateWeight}% candidate) needs approval`;
    const gate = await awaitApproval(ctx, 'step', why);
    if (gate) return closeStep(ctx, record, last, gate);
  }
  closeStep(ctx, record, last);
  ctx.decide('advance', 'model-rollout', `step ${index + 1} passed: ${last?.reason ?? 'soak complete'}`);
}

function closeStep(
  ctx: RolloutContext,
  record: StepRecord,
  last: Evaluation | null,
  rollback?: RollbackNow,
): RollbackNow | undefined {
  record.endedAt = new Date().toISOString();
  record.ended = rollback ? 'rolled-back' : 'advanced';
  if (last) record.verdict = last.verdict;
  ctx.state.soak = null;
  return rollback;
}
