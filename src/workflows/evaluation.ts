// One evaluation: gather the evidence (the CloudWatch periods that settled since the last look, alarm states,
// labelled replay results), hand it to the pure guardrails of src/analysis, and record the verdict where status,
// watch and the report read it.
import { evaluateGuardrails, summarizeVariant, type Evaluation, type VariantEvidence } from '../analysis';
import { durationMs, latencyHorizon, totalMaxSoakMs } from '../schema/duration';
import { toGuardrailConfig } from '../schema/guardrail-config';
import { quick } from './activities';
import {
  aggregatePeriod,
  firstPeriodOfStep,
  foldSettledPeriods,
  settledBefore,
  type Counts,
} from './cloudwatch-evidence';
import type { RolloutContext } from './context';
import { appendEvaluation } from './evaluation-log';
import { gatherLiveQuality, guardrailTraffic, liveGuardrailEvidence, routedSplit } from './live-quality';
import {
  copySplit,
  gatherShadowPairs,
  inShadowStep,
  shadowGuardrailConfig,
  shadowGuardrailEvidence,
} from './shadow-evidence';
import { phaseCount, phaseStepsOf } from '../schema/phases';
import type { EvaluationRecord, StepRecord } from './shared';

/** Verdicts kept in status (most recent last). */
const MAX_VERDICTS = 200;

export function metricPeriodMs(ctx: RolloutContext): number {
  return Math.max(1, Math.round(durationMs(ctx.spec.evaluation.metricPeriod) / 1000)) * 1000;
}

/** The variants' CloudWatch periods starting in [from, until), or null when none has settled since the last read. */
export function readPeriods(ctx: RolloutContext, variantNames: string[], from: number, until: number) {
  if (until <= from) return Promise.resolve(null);
  return quick.fetchVariantMetrics({
    ...ctx.where,
    variantNames,
    startTime: from,
    endTime: until,
    periodSeconds: metricPeriodMs(ctx) / 1000,
  });
}

/** The states of the spec's CloudWatch alarms (guardrails.alarms); none named, none read. */
export function readAlarms(ctx: RolloutContext) {
  const alarmNames = ctx.spec.guardrails.alarms;
  return alarmNames.length > 0 ? quick.alarmStates({ alarmNames, ...ctx.inRegion }) : Promise.resolve([]);
}

export async function evaluate(ctx: RolloutContext, record: StepRecord): Promise<Evaluation> {
  const now = Date.now();
  const spec = ctx.spec;
  const shadow = inShadowStep(ctx);
  const periodMs = metricPeriodMs(ctx);
  const names = { baseline: ctx.baselineName, candidate: ctx.candidateName };
  const variantNames = ctx.baselineName ? [ctx.baselineName, ctx.candidateName] : [ctx.candidateName];
  // Only periods that ended a settle delay ago, and only those not read before: CloudWatch is read once per period.
  const until = settledBefore(now, durationMs(spec.evaluation.settleDelay), periodMs);
  const from = ctx.evidence.cloudwatch.foldedUntil;
  const [metrics, alarms] = await Promise.all([
    readPeriods(ctx, variantNames, from, until),
    readAlarms(ctx),
    // Live traffic's captures and label-complete cohorts, or a shadow step's paired answers, folded into ctx.evidence.
    shadow ? gatherShadowPairs(ctx, now) : gatherLiveQuality(ctx, now),
  ]);
  if (metrics) {
    const stepFrom = firstPeriodOfStep(ctx.evidence.stepStartedAt, periodMs);
    ctx.evidence.cloudwatch = foldSettledPeriods(ctx.evidence.cloudwatch, metrics.variants, names, until, stepFrom);
  }
  const cloudwatch = ctx.evidence.cloudwatch;
  const evidenceOf = (name: string): VariantEvidence => ({
    variantName: name,
    ...(cloudwatch.totals[name] ?? NO_COUNTS),
    // A shadow step judges quality on labelled pairs only: the baseline's replay rows have no candidate counterpart.
    labelled: shadow ? null : (ctx.evidence.labelled[name] ?? null),
  });

  // Soak time is the error-spending test's clock: fixed by the spec, unlike time spent shifting weights or waiting.
  // The shadow steps and the live steps are tests of their own (src/schema/phases.ts): each has its own steps' clock,
  // horizon and share of alpha; a spec without shadow steps has one phase, all its steps.
  const phaseSteps = phaseStepsOf(spec.steps, ctx.state.step - 1);
  const soaked = ctx.state.steps
    .filter((step) => (step.shadow === true) === shadow)
    .reduce((sum, step) => sum + step.soakedMs, 0);
  const soakFraction = soaked / totalMaxSoakMs(phaseSteps);
  let evaluation: Evaluation;
  if (ctx.baselineName) {
    const horizon = latencyHorizon({ steps: phaseSteps, evaluation: spec.evaluation }, ctx.guardrailDesign);
    const config = toGuardrailConfig(
      spec.guardrails,
      ctx.qualityThreshold,
      horizon,
      guardrailTraffic(spec),
      ctx.guardrailDesign,
    );
    config.alpha = spec.guardrails.alpha / phaseCount(spec);
    const candidateWeight = spec.steps[ctx.state.step - 1].candidateWeight;
    const { spendingLook, ...judged } = evaluateGuardrails({
      baseline: evidenceOf(ctx.baselineName),
      candidate: evidenceOf(ctx.candidateName),
      latency: cloudwatch.latency,
      split: { candidateWeight, ...(shadow ? copySplit(ctx) : stepInvocations(ctx)) },
      config: shadow ? shadowGuardrailConfig(ctx, config) : config,
      schedule: { soakFraction, looks: ctx.evidence.looks },
      ...(shadow ? shadowGuardrailEvidence(ctx) : liveGuardrailEvidence(ctx)),
    });
    if (spendingLook) ctx.evidence.looks.push(spendingLook);
    evaluation = judged;
  } else {
    const served = (cloudwatch.totals[ctx.candidateName]?.invocations ?? 0) > 0;
    evaluation = {
      verdict: served || spec.traffic.replay === undefined ? 'pass' : 'continue',
      reason: 'first deployment: no baseline to compare with; alarms only',
      results: [],
    };
  }
  evaluation = recordEvaluation(ctx, now, evaluation, alarms, cloudwatch.foldedUntil, soakFraction);
  record.evaluations++;
  record.variants = variantNames.map((name) =>
    summarizeVariant({
      variantName: name,
      ...(cloudwatch.step[name] ?? NO_COUNTS),
      latency: aggregatePeriod(cloudwatch.stepLatency[name]),
      labelled: ctx.evidence.stepLabelled[name] ?? null,
    }),
  );
  return evaluation;
}

const NO_COUNTS: Counts = { invocations: 0, errors4xx: 0, errors5xx: 0 };

/**
 * A firing alarm fails the evaluation; then it is recorded where status, watch and the report read it (the log, the
 * latest, the verdicts). Returns the evaluation as recorded.
 */
export function recordEvaluation(
  ctx: RolloutContext,
  now: number,
  judged: Evaluation,
  alarms: { name: string; state: string }[],
  settledUntil: number,
  soakFraction?: number,
  extra: Partial<EvaluationRecord> = {},
): Evaluation {
  let evaluation = judged;
  const firing = alarms.filter((a) => a.state === 'ALARM');
  if (firing.length > 0) {
    evaluation = {
      ...evaluation,
      verdict: 'fail',
      reason: `CloudWatch alarm ${firing.map((a) => a.name).join(', ')} is in ALARM`,
    };
  }
  const evalRecord: EvaluationRecord = {
    at: new Date(now).toISOString(),
    step: ctx.state.step,
    ...(soakFraction !== undefined ? { soakFraction } : {}),
    /** CloudWatch periods judged: those that started before this moment. */
    settledUntil: new Date(settledUntil).toISOString(),
    ...extra,
    evaluation,
    alarms: alarms.map((a) => ({ name: a.name, state: a.state })),
  };
  appendEvaluation(ctx.evaluations, evalRecord);
  ctx.state.lastEvaluation = evalRecord;
  ctx.state.verdicts.push({
    at: evalRecord.at,
    step: ctx.state.step,
    verdict: evaluation.verdict,
    reason: evaluation.reason,
  });
  if (ctx.state.verdicts.length > MAX_VERDICTS) ctx.state.verdicts.shift();
  return evaluation;
}

/**
 * Invocations per variant since the current weights took effect, for the sample-ratio check. Replay traffic knows
 * exactly who answered; live traffic counts the settled CloudWatch periods wholly inside the step.
 */
function stepInvocations(ctx: RolloutContext) {
  const b = ctx.baselineName!;
  const c = ctx.candidateName;
  if (ctx.spec.traffic.replay?.paired) return routedSplit(ctx); // probes name their variant: only routed traffic counts
  if (ctx.spec.traffic.replay) {
    const requests = ctx.evidence.stepRequests;
    return { baselineInvocations: requests[b] ?? 0, candidateInvocations: requests[c] ?? 0 };
  }
  const step = ctx.evidence.cloudwatch.step;
  return { baselineInvocations: step[b]?.invocations ?? 0, candidateInvocations: step[c]?.invocations ?? 0 };
}
