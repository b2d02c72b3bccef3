// The post-promotion bake (promotion.bake): after the last step passes, the candidate serves 100% while the baseline
// stays deployed at weight 0 on its warm instances (promotion.warmInstances, one by default), and the guardrails keep
// watching. A failure, or a rollback signal, during the bake shifts traffic back to the baseline
// (UpdateEndpointWeightsAndCapacities: seconds, onto instances that are up) and then restores its config and the
// instances it had before the bake (finish.ts rollBack, capacity.ts restoreBaselineInstances); after the bake the
// baseline goes, as at any promotion.
//
// What the bake judges: the candidate against its own earlier evidence, since the baseline serves nothing any more:
// its error rates and per-period latency since the bake began against its own during the last live step (the
// reference, read from CloudWatch once when the bake starts), by the same always-valid bounds (src/analysis/bake.ts),
// at the bake's share of alpha (src/schema/phases.ts); and the spec's alarms, as in every step. A regression that
// appears only at full traffic (load, a dependency at volume) shows as a difference from the last step.
import { durationMs } from '../schema/duration';
import { bakeOf, phaseCount, warmInstancesOf } from '../schema/phases';
import { EMPTY_BAKE_STREAM, evaluateBake, foldBakePeriod } from '../analysis';
import { quick } from './activities';
import { failedUpdate, noteInstances } from './capacity';
import { firstPeriodOfStep, settledBefore } from './cloudwatch-evidence';
import type { BakeState } from './carried-state';
import { continueAsNewIfDue } from './continue-as-new';
import type { Ending, RollbackNow, RolloutContext } from './context';
import { setWeights, waitForEndpoint } from './endpoint';
import { metricPeriodMs, readAlarms, readPeriods, recordEvaluation } from './evaluation';
import { failureMessage, failureType, promote, rollBack } from './finish';
import { awaitApproval, waitWhilePaused } from './gates';
import { notify } from './notify';
import { sleepUnlessRolledBack, soakFor } from './soak';

/** Bakes (or goes on baking, in a continued run), then promotes; or rolls back on a failure or a rollback signal. */
export async function bakeThenPromote(ctx: RolloutContext): Promise<Ending> {
  const early = ctx.bake ? null : await startBake(ctx);
  const rollback = early ?? (await runBake(ctx));
  if (rollback) return await rollBack(ctx, rollback.by, rollback.why, rollback.identity);
  return await promote(ctx);
}

async function startBake(ctx: RolloutContext): Promise<RollbackNow | null> {
  const early = ctx.pendingRollback();
  if (early) return early;
  const bake = bakeOf(ctx.spec)!;
  const baseline = ctx.baselineName!;
  ctx.setPhase('baking');
  if (ctx.state.weights[ctx.candidateName] !== 100) await setWeights(ctx, 100);
  // "all" is the baseline's full size (capacity.ts planCapacity); only rollouts older workers started plan none, and
  // their specs have no warmInstances, so 1.
  let warm = warmInstancesOf(ctx.spec, ctx.state.capacity?.fullSize[baseline] ?? 1);
  let before: number | null = null;
  // Warm instances the baseline could not get: the candidate that passed every step still bakes, beside the baseline
  // as it is, and the decision says why and what it runs.
  const shortOfWarm = (why: string) => {
    const has = ctx.state.capacity?.instances[baseline];
    ctx.decide(
      'warning',
      'model-rollout',
      `the bake could not give ${baseline} ${warm} warm instances (${why}): it bakes with ${baseline} as it is` +
        `${has !== undefined ? ` (${has})` : ''}`,
    );
  };
  try {
    before = await quick.setVariantInstanceCount({ ...ctx.where, variantName: baseline, instanceCount: warm });
  } catch (err) {
    // More warm instances than the baseline runs at 100% candidate (capacity follows the weights) are new instances,
    // refused at once short of quota ([BC-SM] ResourceLimitExceeded).
    if (failureType(err) !== 'ResourceLimitExceeded') throw err;
    shortOfWarm(failureMessage(err));
    warm = ctx.state.capacity?.instances[baseline] ?? warm;
  }
  const warmText = (n: number) => `${n} warm instance${n === 1 ? '' : 's'}`;
  if (before !== null) {
    // New instances take minutes to provision (a capacity change); fewer go at once (a weights change).
    const view = await waitForEndpoint(
      ctx,
      `keeping ${baseline} warm on ${warmText(warm)}`,
      warm > before ? 'capacity' : 'weights',
    );
    if (view) noteInstances(ctx, view);
    // An update SageMaker accepted can still fail and keep the old count.
    const failed = view ? failedUpdate(view, { [baseline]: warm }, (v) => v.instanceCount) : null;
    if (failed) shortOfWarm(`${failed} instances`);
    warm = ctx.state.capacity?.instances[baseline] ?? warm;
  }

  // The reference: the candidate's settled periods of the last live step, the ones its guardrails last judged.
  const periodMs = metricPeriodMs(ctx);
  const from = firstPeriodOfStep(ctx.evidence.stepStartedAt, periodMs);
  const until = ctx.evidence.cloudwatch.foldedUntil;
  let reference = EMPTY_BAKE_STREAM;
  const metrics = await readPeriods(ctx, [ctx.candidateName], from, until);
  for (const p of metrics?.variants[0]?.periods ?? []) reference = foldBakePeriod(reference, p);
  const now = Date.now();
  ctx.bake = {
    stage: 'baking',
    soakedMs: 0,
    reference,
    referenceStep: ctx.state.step,
    bake: EMPTY_BAKE_STREAM,
    foldedUntil: firstPeriodOfStep(now, periodMs),
    last: null,
  };
  ctx.state.bake = {
    startedAt: new Date(now).toISOString(),
    endsAt: new Date(now + durationMs(bake)).toISOString(),
    soakedMs: 0,
    referenceStep: ctx.state.step,
    warmInstances: warm,
    ...(before !== null ? { instancesBefore: before } : {}),
  };
  ctx.decide(
    'bake',
    'model-rollout',
    `baking ${bake}: ${ctx.candidateName} serves 100%, ${baseline} stays at weight 0 on ${warmText(warm)}` +
      `${before !== null ? ` (from ${before})` : ''}; judged against its own step ${ctx.state.step}`,
  );
  return null;
}

/** The bake's soak: evaluate every interval until its time is up, then once more after the settle delay. */
async function runBake(ctx: RolloutContext): Promise<RollbackNow | null> {
  const b = ctx.bake!;
  const bakeMs = durationMs(bakeOf(ctx.spec)!);
  const intervalMs = durationMs(ctx.spec.evaluation.interval);
  const settleMs = durationMs(ctx.spec.evaluation.settleDelay);
  for (;;) {
    await continueAsNewIfDue(ctx);
    if (b.stage === 'failure-gate') {
      const answer = await awaitApproval(
        ctx,
        'failure',
        `the bake failed: ${b.last?.reason}. Approve to keep baking, or roll back`,
      );
      if (answer) return answer;
      ctx.setPhase('baking');
      b.stage = 'baking';
      continue;
    }
    if (b.stage === 'settling') {
      // The bake's last minutes are still being published: wait them out and judge once more.
      const interrupted = await sleepUnlessRolledBack(ctx, settleMs);
      if (interrupted) return interrupted;
      const failed = await judgeBake(ctx, b);
      if (failed) return failed;
      if (b.stage === 'settling') return null;
      continue;
    }
    if (ctx.state.paused) {
      const paused = await waitWhilePaused(ctx);
      if (paused) return paused;
      ctx.setPhase('baking');
    }
    const slice = Math.min(intervalMs, Math.max(1_000, bakeMs - b.soakedMs));
    const interrupted = await soakFor(ctx, slice);
    b.soakedMs += slice;
    ctx.state.bake!.soakedMs = b.soakedMs;
    if (interrupted) return interrupted;
    const failed = await judgeBake(ctx, b);
    if (failed) return failed;
    if (b.stage === 'baking' && b.soakedMs >= bakeMs) {
      if (settleMs === 0) return null;
      b.stage = 'settling';
    }
  }
}

/** One evaluation of the bake; a rollback on failure (or the failure gate under onFailure "pause"). */
async function judgeBake(ctx: RolloutContext, b: BakeState): Promise<RollbackNow | null> {
  const spec = ctx.spec;
  const now = Date.now();
  const periodMs = metricPeriodMs(ctx);
  const until = settledBefore(now, durationMs(spec.evaluation.settleDelay), periodMs);
  const [metrics, alarms] = await Promise.all([
    readPeriods(ctx, [ctx.candidateName], b.foldedUntil, until),
    readAlarms(ctx),
  ]);
  if (metrics) {
    const inWindow = (t: number) => t >= b.foldedUntil && t < until;
    for (const p of metrics.variants[0]?.periods ?? []) if (inWindow(p.timestamp)) b.bake = foldBakePeriod(b.bake, p);
    b.foldedUntil = until;
  }
  const g = spec.guardrails;
  const judged = evaluateBake({
    reference: b.reference,
    bake: b.bake,
    config: {
      alpha: g.alpha / phaseCount(spec),
      errorRate5xx: g.errorRate5xx,
      errorRate4xx: g.errorRate4xx,
      latency: g.latency,
    },
    referenceName: `step ${b.referenceStep}`,
  });
  b.last = recordEvaluation(ctx, now, judged, alarms, b.foldedUntil, undefined, { bake: true });
  if (b.last.verdict !== 'fail') return null;
  notify(ctx, 'guardrail-failed', `the bake: ${b.last.reason}; onFailure: ${spec.onFailure}`);
  if (spec.onFailure === 'rollback') return ctx.rollbackNow(`the bake failed: ${b.last.reason}`);
  b.stage = 'failure-gate';
  return null;
}
