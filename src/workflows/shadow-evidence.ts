// A shadow step's evidence and how its guardrails judge it. The candidate answers no caller: SageMaker mirrors a
// sampled share of the baseline's requests to it, so the two variants are compared on the same requests:
//  - error rates and latency from CloudWatch, each variant under its own VariantName (the shadow publishes its own
//    metrics: the emulator's README, shadow variants; AWS's shadow example reads both by VariantName), folded as in any
//    step (cloudwatch-evidence.ts). The shadow's error rate is over its copies, a random sample of the baseline's
//    requests; comparing it as an independent sample is conservative, since the two share their inputs.
//  - agreement of predictions, the paired score-shift guard, and quality on labelled pairs, from data capture of both
//    variants paired by InferenceId (src/activities/shadow-pairs.ts), read once per slice of inference time;
//  - instead of the sample-ratio check (nothing is routed), the copy ratio: the shadow's invocations against the
//    mirrored share of the baseline's (src/analysis/copy-ratio.ts).
// What stays in workflow state is bounded: two timestamps, a few hundred counts and a paired summary.
import { proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities, ShadowPairsOutput } from '../activities';
import {
  emptyAgreement,
  emptyScoreShift,
  foldPairedScoreShift,
  mergeAgreement,
  mergePaired,
  type GuardrailConfig,
  type PairedSummary,
} from '../analysis';
import { cohortSliceMs, durationMs } from '../schema/duration';
import { isShadowStep } from '../schema/phases';
import type { ShadowEvidence } from './carried-state';
import type { RolloutContext } from './context';

// Reading captures may take minutes on a busy endpoint: an ordinary activity that heartbeats per object.
const reads = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** activities/shadow-pairs.ts COPY_SKEW_MS: a slice is paired once its copies, answered later, have settled too. */
const COPY_SKEW_MS = 2_000;

/** Whether the current step is a shadow step. */
export function inShadowStep(ctx: RolloutContext): boolean {
  const step = ctx.spec.steps[ctx.state.step - 1];
  return step !== undefined && isShadowStep(step);
}

/** Where the shadow config's captures land: the spec's traffic.capture, else the endpoint's own capture. */
export function shadowCaptureUri(ctx: RolloutContext): string | undefined {
  return (
    ctx.spec.traffic.capture?.s3Uri ?? ctx.preflight?.originalConfig?.settings?.DataCaptureConfig?.DestinationS3Uri
  );
}

/** Whether the shadow steps have labels to judge quality on: one-row replay requests, or live ground truth. */
export function shadowHasLabels(ctx: RolloutContext): boolean {
  const replay = ctx.spec.traffic.replay;
  return (replay !== undefined && replay.rowsPerRequest === 1) || ctx.spec.traffic.groundTruth !== undefined;
}

/**
 * Reads the slices whose captures have settled since the last evaluation (and, with ground truth, the slices whose
 * label window has closed) and folds them into ctx.evidence.shadow.
 */
export async function gatherShadowPairs(ctx: RolloutContext, now: number): Promise<void> {
  const captureUri = shadowCaptureUri(ctx);
  if (!captureUri || !ctx.baselineName || !ctx.evidence.candidateLiveAt) return;
  const liveFrom = Math.ceil(ctx.evidence.candidateLiveAt / 1000) * 1000;
  const shadow = (ctx.evidence.shadow ??= {
    pairedThrough: liveFrom,
    labelledThrough: liveFrom,
    agreement: emptyAgreement(),
    scoreShift: emptyScoreShift(),
    paired: null,
    baselineOnly: 0,
    unlabelled: 0,
    late: 0,
  });
  // The settle delay covers capture's delivery to S3 as it covers CloudWatch's publishing.
  const settled = now - durationMs(ctx.spec.evaluation.settleDelay) - COPY_SKEW_MS;
  const pairsTo = Math.floor(settled / 1000) * 1000;
  const gt = ctx.spec.traffic.groundTruth;
  let cohorts;
  if (gt) {
    const sliceMs = cohortSliceMs(ctx.spec);
    const maxLabelDelayMs = durationMs(gt.maxLabelDelay);
    // Slices whose every label window has closed, and whose captures have settled.
    const closable = Math.min(now - 1_000 - maxLabelDelayMs, settled);
    const slices = Math.floor((closable - shadow.labelledThrough) / sliceMs);
    if (slices > 0) {
      const to = shadow.labelledThrough + slices * sliceMs;
      cohorts = { groundTruthUri: gt.s3Uri, from: shadow.labelledThrough, to, sliceMs, maxLabelDelayMs };
    }
  }
  if (pairsTo <= shadow.pairedThrough && !cohorts) return;
  const out = await reads.readShadowPairs({
    ...ctx.where,
    captureUri,
    baselineName: ctx.baselineName,
    candidateName: ctx.candidateName,
    threshold: ctx.qualityThreshold,
    liveFrom,
    ...(pairsTo > shadow.pairedThrough ? { pairs: { from: shadow.pairedThrough, to: pairsTo } } : {}),
    ...(cohorts ? { cohorts } : {}),
  });
  foldShadowPairs(shadow, out);
  const step = ctx.spec.steps[ctx.state.step - 1];
  ctx.state.shadow = {
    variantName: ctx.candidateName,
    mirroredPercent: step.candidateWeight,
    pairs: shadow.agreement.pairs,
    labelledPairs: shadow.paired?.rows ?? 0,
    baselineOnly: shadow.baselineOnly,
    pairedThrough: shadow.pairedThrough > liveFrom ? new Date(shadow.pairedThrough).toISOString() : null,
  };
}

function foldShadowPairs(shadow: ShadowEvidence, out: ShadowPairsOutput): void {
  const addPaired = (s: PairedSummary) => {
    if (s.rows === 0) return;
    shadow.paired = shadow.paired ? mergePaired(shadow.paired, s) : s;
  };
  if (out.pairs) {
    shadow.pairedThrough = out.pairs.through;
    shadow.agreement = mergeAgreement(shadow.agreement, out.pairs.agreement);
    shadow.scoreShift = foldPairedScoreShift(shadow.scoreShift, out.pairs.scores);
    shadow.baselineOnly += out.pairs.baselineOnly;
    addPaired(out.pairs.replayLabelled);
  }
  if (out.cohorts) {
    shadow.labelledThrough = out.cohorts.through;
    shadow.unlabelled += out.cohorts.unlabelled;
    shadow.late += out.cohorts.late;
    addPaired(out.cohorts.labelled);
  }
}

/**
 * The guardrails of a shadow step from the spec's: copies checked instead of the split, quality on labelled pairs
 * (none without labels: the shadow steps then judge errors, latency, agreement and scores), the paired score-shift
 * guard and agreement on (unless the spec turns them off), and no paired probes (TargetVariant cannot reach a shadow:
 * [BC-RT] TargetVariant names "the production variant").
 */
export function shadowGuardrailConfig(ctx: RolloutContext, config: GuardrailConfig): GuardrailConfig {
  const g = ctx.spec.guardrails;
  const { paired: _probes, ...rest } = config;
  return {
    ...rest,
    shadow: true,
    // The copy ratio needs no capture (CloudWatch counts the copies), unlike the routed split of paired probes.
    sampleRatio: { enabled: g.sampleRatio.enabled },
    quality: shadowHasLabels(ctx) ? config.quality : {},
    scoreShift: { enabled: g.scoreShift?.enabled ?? true, tolerance: g.scoreShift?.tolerance ?? 0.5 },
    agreement: { enabled: g.agreement?.enabled ?? true, tolerance: g.agreement?.tolerance ?? 0.3 },
  };
}

/** What evaluateGuardrails takes of a shadow step's paired evidence. */
export function shadowGuardrailEvidence(ctx: RolloutContext) {
  const s = ctx.evidence.shadow;
  return { paired: s?.paired ?? null, scoreShift: s?.scoreShift ?? null, agreement: s?.agreement ?? null };
}

/** The copy ratio's counts: CloudWatch's invocations of both variants in the step's settled periods. */
export function copySplit(ctx: RolloutContext) {
  const step = ctx.evidence.cloudwatch.step;
  return {
    baselineInvocations: step[ctx.baselineName!]?.invocations ?? 0,
    candidateInvocations: step[ctx.candidateName]?.invocations ?? 0,
  };
}
