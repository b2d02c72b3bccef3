// One evaluation: gather the evidence (CloudWatch metrics, alarm states, labelled replay results), hand it to the
// pure guardrails of src/analysis, and record the verdict where status, watch and the report read it.
import type { MetricsOutput } from '../activities';
import { evaluateGuardrails, foldCompletePeriods, summarizeVariant, type Evaluation } from '../analysis';
import { toGuardrailConfig } from '../schema/guardrail-config';
import { durationMs, soakPeriods, totalMaxSoakMs } from '../schema/duration';
import { quick } from './activities';
import { appendEvaluation } from './evaluation-log';
import type { RolloutContext } from './context';
import { gatherLiveQuality, guardrailTraffic, liveGuardrailEvidence, routedSplit } from './live-quality';
import type { EvaluationRecord, StepRecord } from './shared';

/** Verdicts kept in status (most recent last). */
const MAX_VERDICTS = 200;

export async function evaluate(ctx: RolloutContext, record: StepRecord): Promise<Evaluation> {
  const now = Date.now();
  const spec = ctx.spec;
  const variants = ctx.baselineName ? [ctx.baselineName, ctx.candidateName] : [ctx.candidateName];
  const periodSeconds = Math.max(1, Math.round(durationMs(spec.evaluation.metricPeriod) / 1000));
  const [metrics, alarms] = await Promise.all([
    quick.fetchVariantMetrics({
      ...ctx.where,
      variantNames: variants,
      startTime: ctx.evidence.candidateLiveAt,
      endTime: now,
      periodSeconds,
    }),
    spec.guardrails.alarms.length > 0
      ? quick.alarmStates({ alarmNames: spec.guardrails.alarms, ...ctx.inRegion })
      : Promise.resolve([]),
    gatherLiveQuality(ctx, now), // live traffic's captures and label-complete cohorts, folded into ctx.evidence
  ]);
  const byName = (name: string) => metrics.variants.find((v) => v.variantName === name)!;
  const candidate = byName(ctx.candidateName);
  const baseline = ctx.baselineName ? byName(ctx.baselineName) : null;

  // Soak time is the error-spending test's clock: fixed by the spec, unlike time spent shifting weights or waiting.
  const soaked = ctx.state.steps.reduce((sum, step) => sum + step.soakedMs, 0);
  const soakFraction = soaked / totalMaxSoakMs(spec.steps);
  let evaluation: Evaluation;
  if (baseline) {
    // Complete periods are folded once: every period both variants report except the newest either reports (the
    // current, partial one).
    const newest = Math.max(...[...baseline.latency, ...candidate.latency].map((p) => p.timestamp));
    ctx.evidence.latency = foldCompletePeriods(ctx.evidence.latency, baseline.latency, candidate.latency, newest);
    const { spendingLook, ...judged } = evaluateGuardrails({
      baseline: { ...baseline, labelled: ctx.evidence.labelled[baseline.variantName] ?? null },
      candidate: { ...candidate, labelled: ctx.evidence.labelled[candidate.variantName] ?? null },
      latency: ctx.evidence.latency,
      split: {
        candidateWeight: spec.steps[ctx.state.step - 1].candidateWeight,
        ...stepInvocations(ctx, metrics, periodSeconds),
      },
      config: toGuardrailConfig(spec.guardrails, ctx.qualityThreshold, soakPeriods(spec), guardrailTraffic(spec)),
      schedule: { soakFraction, looks: ctx.evidence.looks },
      ...liveGuardrailEvidence(ctx),
    });
    if (spendingLook) ctx.evidence.looks.push(spendingLook);
    evaluation = judged;
  } else {
    evaluation = {
      verdict: candidate.invocations > 0 || spec.traffic.replay === undefined ? 'pass' : 'continue',
      reason: 'first deployment: no baseline to compare with; alarms only',
      results: [],
    };
  }
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
    soakFraction,
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
  record.evaluations++;
  record.variants = metrics.variants.map((v) =>
    summarizeVariant({ ...v, labelled: ctx.evidence.stepLabelled[v.variantName] ?? null }),
  );
  return evaluation;
}

/**
 * Invocations per variant since the current weights took effect, for the sample-ratio check. Replay traffic
 * knows exactly who answered; live traffic uses the CloudWatch periods that started after the shift.
 */
function stepInvocations(ctx: RolloutContext, metrics: MetricsOutput, periodSeconds: number) {
  const b = ctx.baselineName!;
  const c = ctx.candidateName;
  if (ctx.spec.traffic.replay?.paired) return routedSplit(ctx); // probes name their variant: only routed traffic counts
  if (ctx.spec.traffic.replay) {
    return {
      baselineInvocations: ctx.evidence.stepRequests[b] ?? 0,
      candidateInvocations: ctx.evidence.stepRequests[c] ?? 0,
    };
  }
  const from = Math.ceil(ctx.evidence.stepStartedAt / (periodSeconds * 1000)) * periodSeconds * 1000;
  const count = (name: string) =>
    metrics.variants
      .find((v) => v.variantName === name)!
      .invocationsByPeriod.filter((p) => p.timestamp >= from)
      .reduce((sum, p) => sum + p.count, 0);
  return { baselineInvocations: count(b), candidateInvocations: count(c) };
}
