// One step: shift the weights, soak while the guardrails are evaluated every interval, then pass the step's gate.
// The soak is a minimum (always watched that long) and maxSoak a maximum (then the inconclusive policy decides).
//
// The step is a small state machine (ctx.progress: soaking, or at one of its gates) so that a run that continues
// as new (continue-as-new.ts) picks it up exactly where the last run left it: same soak time, same pending approval.
import { durationMs, formatDuration, maxSoakMs } from '../schema/duration';
import { continueAsNewIfDue } from './continue-as-new';
import type { RollbackNow, RolloutContext, StepProgress } from './context';
import { isShadowStep } from '../schema/phases';
import type { Evaluation } from '../analysis';
import { startOfEvidence, startStep } from './cloudwatch-evidence';
import { evaluate, metricPeriodMs } from './evaluation';
import { awaitApproval, onInconclusive, waitWhilePaused } from './gates';
import { notify } from './notify';
import { shiftForStep } from './shadow';
import type { StepRecord } from './shared';
import { sleepUnlessRolledBack, soakFor } from './soak';

/** Runs step `index` from its start, or from where a continued run left it (ctx.progress). */
export async function runStep(ctx: RolloutContext, index: number): Promise<RollbackNow | void> {
  if (ctx.progress?.index !== index) {
    const early = await enterStep(ctx, index);
    if (early) return early;
  }
  const progress = ctx.progress!;
  const step = ctx.spec.steps[index];
  const record = ctx.state.steps[index];
  const soakMs = durationMs(step.soak);
  const maxMs = maxSoakMs(step);
  const intervalMs = durationMs(ctx.spec.evaluation.interval);
  const settleMs = durationMs(ctx.spec.evaluation.settleDelay);

  for (;;) {
    await continueAsNewIfDue(ctx);
    if (progress.stage === 'soaking') {
      const paused = await waitWhilePaused(ctx);
      if (paused) return closeStep(ctx, record, progress, paused);
      const slice = Math.min(intervalMs, Math.max(1_000, maxMs - progress.soakedMs));
      const interrupted = await soakFor(ctx, slice);
      progress.soakedMs += slice;
      record.soakedMs = progress.soakedMs;
      if (interrupted) return closeStep(ctx, record, progress, interrupted);
      const last = await evaluate(ctx, record);
      progress.last = last;
      if (last.verdict === 'fail') {
        const rollback = guardrailFailed(ctx, index, last);
        if (rollback) return closeStep(ctx, record, progress, rollback);
        progress.stage = 'failure-gate';
      } else if (progress.soakedMs < soakMs) {
        continue; // the soak is a minimum: always watch this long
      } else if (last.verdict === 'pass') {
        progress.stage = settleMs > 0 ? 'settling' : 'step-gate';
      } else if (progress.soakedMs >= maxMs) {
        const inconclusive = onInconclusive(ctx, inconclusiveWhy(progress));
        if (inconclusive) return closeStep(ctx, record, progress, inconclusive);
        progress.stage = ctx.spec.evaluation.onInconclusive === 'ask' ? 'inconclusive-gate' : 'step-gate';
      }
      continue;
    }
    if (progress.stage === 'settling') {
      // The step passed on the periods that had settled; its last minutes are still being published. Wait them out
      // and judge once more, so no step advances (and no rollout promotes) on evidence that misses its end.
      const interrupted = await sleepUnlessRolledBack(ctx, settleMs);
      if (interrupted) return closeStep(ctx, record, progress, interrupted);
      const last = await evaluate(ctx, record);
      progress.last = last;
      if (last.verdict === 'fail') {
        const rollback = guardrailFailed(ctx, index, last);
        if (rollback) return closeStep(ctx, record, progress, rollback);
        progress.stage = 'failure-gate';
      } else {
        // Undecided again on the fuller evidence: keep soaking (maxSoak still bounds the step).
        progress.stage = last.verdict === 'pass' ? 'step-gate' : 'soaking';
      }
      continue;
    }
    if (progress.stage === 'failure-gate') {
      const reason = `guardrail failed: ${progress.last?.reason}. Approve to keep soaking, or roll back`;
      const answer = await awaitApproval(ctx, 'failure', reason);
      if (answer) return closeStep(ctx, record, progress, answer);
      progress.stage = 'soaking'; // a human chose to keep soaking
      continue;
    }
    if (progress.stage === 'inconclusive-gate') {
      const reason = `${inconclusiveWhy(progress)}. Approve to advance, or roll back`;
      const answer = await awaitApproval(ctx, 'inconclusive', reason);
      if (answer) return closeStep(ctx, record, progress, answer);
      progress.stage = 'step-gate';
      continue;
    }
    // The step gate.
    if (step.approval === 'required') {
      const what = isShadowStep(step)
        ? `${step.candidateWeight}% mirrored to the shadow`
        : `${step.candidateWeight}% candidate`;
      const why = `step ${index + 1} (${what}) needs approval`;
      const answer = await awaitApproval(ctx, 'step', why);
      if (answer) return closeStep(ctx, record, progress, answer);
    }
    closeStep(ctx, record, progress);
    ctx.decide('advance', 'model-rollout', `step ${index + 1} passed: ${progress.last?.reason ?? 'soak complete'}`);
    return;
  }
}

/** Records the step, shifts the weights, and starts its soak; returns a rollback asked for before it began. */
async function enterStep(ctx: RolloutContext, index: number): Promise<RollbackNow | null> {
  const step = ctx.spec.steps[index];
  ctx.state.step = index + 1;
  const record: StepRecord = {
    step: index + 1,
    candidateWeight: step.candidateWeight,
    ...(isShadowStep(step) ? { shadow: true as const } : {}),
    startedAt: new Date().toISOString(),
    soakedMs: 0,
    evaluations: 0,
    variants: [],
  };
  ctx.state.steps.push(record);
  ctx.progress = { index, stage: 'soaking', soakedMs: 0, last: null };

  const early = ctx.pendingRollback();
  if (early) return early;
  if (ctx.baselineName) {
    ctx.setPhase('shifting');
    const failed = await shiftForStep(ctx, index); // weights, or a shadow's share (shadow.ts)
    if (failed) return failed;
  }
  const evidence = ctx.evidence;
  evidence.stepStartedAt = Date.now();
  if (!evidence.candidateLiveAt) {
    evidence.candidateLiveAt = evidence.stepStartedAt;
    const foldedUntil = startOfEvidence(evidence.candidateLiveAt, metricPeriodMs(ctx));
    evidence.cloudwatch = { ...evidence.cloudwatch, foldedUntil };
  }
  evidence.cloudwatch = startStep(evidence.cloudwatch);
  ctx.evidence.stepLabelled = {};
  ctx.evidence.stepRequests = {};
  ctx.setPhase('soaking');
  const soakStarted = Date.now();
  ctx.state.soak = {
    startedAt: new Date(soakStarted).toISOString(),
    minEndsAt: new Date(soakStarted + durationMs(step.soak)).toISOString(),
    maxEndsAt: new Date(soakStarted + maxSoakMs(step)).toISOString(),
  };
  return null;
}

/** A failed guardrail: says so to the webhooks, and rolls back unless the spec asks a human (onFailure "pause"). */
function guardrailFailed(ctx: RolloutContext, index: number, last: Evaluation): RollbackNow | null {
  notify(ctx, 'guardrail-failed', `step ${index + 1}: ${last.reason}; onFailure: ${ctx.spec.onFailure}`);
  return ctx.spec.onFailure === 'rollback' ? ctx.rollbackNow(`guardrail failed: ${last.reason}`) : null;
}

/** Why the step's maxSoak passed undecided: built from the progress, so a continued run asks the same question. */
function inconclusiveWhy(progress: StepProgress): string {
  return `guardrails still inconclusive after ${formatDuration(progress.soakedMs)} (maxSoak): ${progress.last?.reason}`;
}

function closeStep(
  ctx: RolloutContext,
  record: StepRecord,
  progress: StepProgress,
  rollback?: RollbackNow,
): RollbackNow | undefined {
  record.endedAt = new Date().toISOString();
  record.ended = rollback ? 'rolled-back' : 'advanced';
  if (progress.last) record.verdict = progress.last.verdict;
  ctx.state.soak = null;
  ctx.progress = null;
  return rollback;
}
