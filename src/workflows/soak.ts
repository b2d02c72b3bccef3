// One evaluation interval of soak: replay labelled traffic through the endpoint (its results are evidence), or
// just wait while live traffic flows. A rollback signal cuts either short.
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import { mergeLabelled } from '../analysis';
import { soaks } from './activities';
import type { RollbackNow, RolloutContext } from './context';
import { metricPeriodMs } from './evaluation';
import { foldPairedReplay } from './live-quality';
import { inShadowStep } from './shadow-evidence';

export async function soakFor(ctx: RolloutContext, ms: number): Promise<RollbackNow | null> {
  return ctx.spec.traffic.replay ? await replayFor(ctx, ms) : await sleepUnlessRolledBack(ctx, ms);
}

/** Waits `ms` while live traffic flows (or CloudWatch settles); a rollback signal ends the wait at once. */
export async function sleepUnlessRolledBack(ctx: RolloutContext, ms: number): Promise<RollbackNow | null> {
  // A plain timer that the rollback signal cancels, not condition(fn, ms): the SDK keeps a stack trace of every
  // pending promise of a cached rollout (over a quarter of its heap: docs/production.md), and condition's race
  // holds about ten promises through the whole soak; a timer in a scope holds two or three.
  if (ctx.rollbackRequest) return ctx.pendingRollback();
  const soak = new CancellationScope();
  ctx.cancelSoak = () => soak.cancel();
  try {
    await soak.run(() => sleep(ms));
  } catch (err) {
    // Only our own cancel ends the soak quietly; a cancelled workflow still unwinds to the story's rollback.
    if (!(isCancellation(err) && ctx.rollbackRequest)) throw err;
  } finally {
    ctx.cancelSoak = null;
  }
  return ctx.pendingRollback();
}

async function replayFor(ctx: RolloutContext, ms: number): Promise<RollbackNow | null> {
  const replay = ctx.spec.traffic.replay!;
  // A shadow step's replay is routed like any caller's and mirrored: TargetVariant cannot reach a shadow ([BC-RT]),
  // and the pairing comes from data capture instead (shadow-evidence.ts).
  const paired = replay.paired && !inShadowStep(ctx);
  const scope = new CancellationScope();
  const traffic = scope.run(() =>
    soaks.replayTraffic({
      ...ctx.where,
      dataUrl: replay.dataUrl,
      ...(replay.format ? { format: replay.format } : {}),
      ratePerSecond: replay.ratePerSecond,
      rowsPerRequest: replay.rowsPerRequest,
      startRow: ctx.evidence.replayRow,
      durationMs: ms,
      threshold: ctx.qualityThreshold,
      ...(paired
        ? {
            paired: {
              baseline: ctx.baselineName!,
              candidate: ctx.candidateName,
              // Designs 2 and 3 batch paired latency by metric period; design 1's input stays as its histories
              // recorded it.
              ...(ctx.guardrailDesign >= 2 ? { latencyBatchMs: metricPeriodMs(ctx) } : {}),
            },
          }
        : {}),
    }),
  );
  const stopped = condition(() => ctx.rollbackRequest !== null);
  await Promise.race([traffic.catch(() => undefined), stopped]);
  if (ctx.rollbackRequest) {
    scope.cancel();
    await traffic.catch(() => undefined);
    return ctx.pendingRollback();
  }
  const result = await traffic;
  ctx.evidence.replayRow = result.nextRow;
  if (paired) {
    foldPairedReplay(ctx, result); // paired probes: live-quality.ts
    return null;
  }
  const evidence = ctx.evidence;
  for (const [variant, replayed] of Object.entries(result.byVariant)) {
    for (const into of [evidence.labelled, evidence.stepLabelled]) {
      into[variant] = into[variant] ? mergeLabelled(into[variant], replayed.labelled) : replayed.labelled;
    }
    // Failed requests a variant answered count too: routing, not success, is what the sample-ratio check tests.
    evidence.stepRequests[variant] = (evidence.stepRequests[variant] ?? 0) + replayed.requests;
  }
  return null;
}
