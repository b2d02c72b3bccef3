// Live-traffic quality in the rollout: data capture on the A/B config, and at each evaluation the evidence live traffic
// gives (src/activities/live-quality.ts reads it from S3): the label-free early guard's counts of new captures, the
// routed split for paired probes, and the label-complete cohorts of labelled live predictions, folded into the
// rollout's evidence. Also the folding of paired probes. What stays in workflow state is bounded (a cursor per
// variant, one timestamp, the stable-weight periods of at most 20 steps, a few hundred numbers): never predictions.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { EndpointConfigToCreate, LiveQualityOutput, ReplayResult, RolloutActivities } from '../activities';
import { emptyScoreShift, foldScoreShift, mergeLabelled, mergePaired } from '../analysis';
import type { RolloutSpec } from '../schema';
import { cohortSliceMs, durationMs } from '../schema/duration';
import type { LiveQualityEvidence, LiveVariantCounts } from './carried-state';
import type { RolloutContext } from './context';
import type { LiveQualityStatus } from './shared';

// Reading captures and labels may take minutes on a busy endpoint: an ordinary activity that heartbeats per object.
const reads = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

type DataCaptureConfig = NonNullable<NonNullable<EndpointConfigToCreate['settings']>['DataCaptureConfig']>;

/** Whether the rollout reads captured live traffic: for delayed labels, or when the spec turns capture on. */
export function readsLiveTraffic(spec: RolloutSpec): boolean {
  return spec.traffic.capture !== undefined || spec.traffic.groundTruth !== undefined;
}

/** What toGuardrailConfig needs to know of the traffic. */
export function guardrailTraffic(spec: RolloutSpec): { liveCapture: boolean; paired: boolean } {
  return { liveCapture: readsLiveTraffic(spec), paired: spec.traffic.replay?.paired ?? false };
}

/** Where the A/B config's captures land: the spec's, else the endpoint's own capture. */
function captureUriOf(ctx: RolloutContext): string | undefined {
  return (
    ctx.spec.traffic.capture?.s3Uri ?? ctx.preflight?.originalConfig?.settings?.DataCaptureConfig?.DestinationS3Uri
  );
}

/**
 * The DataCaptureConfig of the A/B config: the spec's traffic.capture ([BC-SM] DataCaptureConfig: Input and Output, CSV
 * and JSON captured as text, the replaced config's KMS key kept), else the replaced config's own. A rollout that must
 * read live predictions and has no capture that records them stops here, before any change.
 */
export function abDataCapture(ctx: RolloutContext): DataCaptureConfig | undefined {
  const original = ctx.preflight?.originalConfig?.settings?.DataCaptureConfig;
  const wanted = ctx.spec.traffic.capture;
  if (wanted) {
    return {
      EnableCapture: true,
      InitialSamplingPercentage: wanted.samplingPercent,
      DestinationS3Uri: wanted.s3Uri,
      ...(original?.KmsKeyId ? { KmsKeyId: original.KmsKeyId } : {}),
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'], JsonContentTypes: ['application/json'] },
    };
  }
  if (readsLiveTraffic(ctx.spec)) {
    const modes = (original?.CaptureOptions ?? []).map((o) => o.CaptureMode);
    const recordsOutput = modes.includes('Output') || modes.includes('InputAndOutput');
    if (!original || original.EnableCapture === false || !recordsOutput) {
      throw ApplicationFailure.nonRetryable(
        `traffic.groundTruth: the endpoint's config ${original ? 'does not capture model output' : 'has no data capture'}, ` +
          'so there are no live predictions to join labels with: add traffic.capture { "s3Uri": … } to the spec',
        'InvalidRollout',
      );
    }
  }
  return original;
}

/**
 * Live predictions count from the first whole second after the candidate went live: capture's inferenceTime is whole
 * seconds, so a prediction stamped at or after it was surely made after, and cohort slices start on whole seconds.
 */
function liveFrom(ctx: RolloutContext): number {
  return Math.ceil(ctx.evidence.candidateLiveAt / 1000) * 1000;
}

function initialLiveQuality(ctx: RolloutContext): LiveQualityEvidence {
  const counts = (): LiveVariantCounts => ({ captured: 0, closed: 0, labelled: 0, unlabelled: 0, late: 0 });
  return {
    cursors: {},
    periods: [],
    scoreShift: emptyScoreShift(),
    closedThrough: liveFrom(ctx),
    variants: { [ctx.baselineName!]: counts(), [ctx.candidateName]: counts() },
  };
}

/**
 * Keeps the stable-weight periods current: the current step's from when its weights took effect; the previous one ends
 * where its step ended (before the next shift began). Predictions made while weights shift are in no period.
 */
function trackPeriods(ctx: RolloutContext, live: LiveQualityEvidence): void {
  const from = ctx.evidence.stepStartedAt;
  const last = live.periods[live.periods.length - 1];
  if (last?.from === from) return;
  if (last && last.to === undefined) {
    const ended = ctx.state.steps[ctx.state.step - 2]?.endedAt;
    last.to = ended ? Date.parse(ended) : from;
  }
  const candidateWeight = ctx.spec.steps[ctx.state.step - 1].candidateWeight;
  live.periods.push({ from, candidateWeight, baseline: 0, candidate: 0 });
}

/**
 * Reads what live traffic brought since the last evaluation and folds it into the evidence: new captures into the
 * label-free guard and the routed split, and every cohort whose label window has closed by `now` into the labelled
 * summaries the quality guardrails judge (and the step's, for people).
 */
export async function gatherLiveQuality(ctx: RolloutContext, now: number): Promise<void> {
  const captureUri = captureUriOf(ctx);
  if (!readsLiveTraffic(ctx.spec) || !captureUri || !ctx.baselineName || !ctx.evidence.candidateLiveAt) return;
  const live = (ctx.evidence.live ??= initialLiveQuality(ctx));
  trackPeriods(ctx, live);
  const gt = ctx.spec.traffic.groundTruth;
  let cohorts;
  if (gt) {
    // Slices of prediction time whose every label window has closed: b + 1 s (inferenceTime's whole seconds) +
    // maxLabelDelay ≤ now. Nothing later is read, so a label that is still allowed to come cannot be missing.
    const sliceMs = cohortSliceMs(ctx.spec);
    const maxLabelDelayMs = durationMs(gt.maxLabelDelay);
    const slices = Math.floor((now - 1_000 - maxLabelDelayMs - live.closedThrough) / sliceMs);
    if (slices > 0) {
      cohorts = {
        groundTruthUri: gt.s3Uri,
        from: live.closedThrough,
        to: live.closedThrough + slices * sliceMs,
        sliceMs,
        maxLabelDelayMs,
        threshold: ctx.qualityThreshold,
      };
    }
  }
  const out = await reads.readLiveQuality({
    ...ctx.where,
    captureUri,
    baselineName: ctx.baselineName,
    candidateName: ctx.candidateName,
    liveFrom: liveFrom(ctx),
    periods: live.periods.map(({ from, to, candidateWeight }) => ({ from, candidateWeight, ...(to ? { to } : {}) })),
    cursors: live.cursors,
    ...(cohorts ? { cohorts } : {}),
  });
  foldLiveQuality(ctx, live, out);
  ctx.state.liveQuality = liveQualityStatus(ctx, live, now);
}

function foldLiveQuality(ctx: RolloutContext, live: LiveQualityEvidence, out: LiveQualityOutput): void {
  live.cursors = out.cursors;
  for (const p of out.periods) {
    const period = live.periods[p.index];
    live.scoreShift = foldScoreShift(
      live.scoreShift,
      { candidateWeight: period.candidateWeight, baseline: p.baseline, candidate: p.candidate },
      ctx.guardrailDesign,
    );
    period.baseline += p.baseline.predictions;
    period.candidate += p.candidate.predictions;
  }
  for (const [variant, n] of Object.entries(out.captured)) live.variants[variant].captured += n;
  if (!out.cohorts) return;
  for (const [variant, c] of Object.entries(out.cohorts.byVariant)) {
    const counts = live.variants[variant];
    counts.closed += c.predictions;
    counts.labelled += c.labelled.rows;
    counts.unlabelled += c.unlabelled;
    counts.late += c.late;
    if (c.labelled.rows === 0) continue;
    for (const into of [ctx.evidence.labelled, ctx.evidence.stepLabelled]) {
      into[variant] = into[variant] ? mergeLabelled(into[variant], c.labelled) : c.labelled;
    }
  }
  live.closedThrough = out.cohorts.closedThrough;
}

function liveQualityStatus(ctx: RolloutContext, live: LiveQualityEvidence, now: number): LiveQualityStatus {
  const gt = ctx.spec.traffic.groundTruth;
  const variants: LiveQualityStatus['variants'] = {};
  for (const [name, c] of Object.entries(live.variants)) {
    variants[name] = {
      captured: c.captured,
      labelled: c.labelled,
      unlabelled: c.unlabelled,
      lateLabels: c.late,
      waiting: gt ? Math.max(0, c.captured - c.closed) : 0,
    };
  }
  let nextCohortAt: string | null = null;
  if (gt) {
    const sliceMs = cohortSliceMs(ctx.spec);
    const closes = live.closedThrough + sliceMs + 1_000 + durationMs(gt.maxLabelDelay);
    nextCohortAt = new Date(Math.max(closes, now)).toISOString();
  }
  return {
    variants,
    labelledThrough: gt && live.closedThrough > liveFrom(ctx) ? new Date(live.closedThrough).toISOString() : null,
    nextCohortAt,
    ...(gt ? { labelDelay: gt.labelDelay, maxLabelDelay: gt.maxLabelDelay } : {}),
  };
}

/**
 * The split of routed traffic for the sample-ratio check when replay probes are paired (they name their variant, so
 * CloudWatch's counts are no evidence of routing): the live predictions each variant served since the current weights
 * took effect, as captured. Zero without capture (the check is then off: toGuardrailConfig).
 */
export function routedSplit(ctx: RolloutContext): { baselineInvocations: number; candidateInvocations: number } {
  const periods = ctx.evidence.live?.periods ?? [];
  const current = periods[periods.length - 1];
  if (!current || current.from !== ctx.evidence.stepStartedAt)
    return { baselineInvocations: 0, candidateInvocations: 0 };
  return { baselineInvocations: current.baseline, candidateInvocations: current.candidate };
}

/** What evaluateGuardrails takes of the paired probes and the label-free guard. */
export function liveGuardrailEvidence(ctx: RolloutContext) {
  return { paired: ctx.evidence.paired ?? null, scoreShift: ctx.evidence.live?.scoreShift ?? null };
}

/**
 * Folds one interval of paired probes: the paired summary into the evidence the guardrails judge; each variant's own
 * answers into the step's summaries only (for people: they are the same rows, so they are no unpaired evidence), and
 * none into the split (the probes are not routed).
 */
export function foldPairedReplay(ctx: RolloutContext, result: ReplayResult): void {
  for (const [variant, replayed] of Object.entries(result.byVariant)) {
    const step = ctx.evidence.stepLabelled;
    step[variant] = step[variant] ? mergeLabelled(step[variant], replayed.labelled) : replayed.labelled;
  }
  if (result.paired) {
    ctx.evidence.paired = ctx.evidence.paired ? mergePaired(ctx.evidence.paired, result.paired) : result.paired;
  }
}
