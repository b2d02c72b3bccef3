// Turns a rollout's result (finished) or status (running) into the plain data the report's charts and tables
// draw. Pure: no I/O, so the numbers in the report are exactly the workflow's.
import type { GuardrailName, Verdict } from '../../analysis/types';
import type {
  Decision,
  EvaluationRecord,
  LiveQualityStatus,
  RolloutResult,
  RolloutStatus,
  StepRecord,
} from '../../workflows/shared';
import { guardrailUnit, type GuardrailUnit } from '../view/format';

export interface Point {
  /** Seconds since the rollout's first step started. */
  t: number;
  y: number;
}

export interface ReportData {
  endpointName: string;
  generatedAt: string;
  /** Where the numbers come from: the finished workflow's result, or a running workflow's status query. */
  source: 'result' | 'status';
  phase: string;
  outcome: string | null;
  reason: string | null;
  baselineVariant: string | null;
  candidateVariant: string;
  startedAt: string | null;
  roc: {
    step: number;
    curves: { variant: string; auc: number | null; n: number; fpr: number[]; tpr: number[] }[];
  } | null;
  stepTables: { variant: string; rows: StepRow[] }[];
  traffic: { variant: string; points: Point[] }[];
  /** Per variant: p50 and p99 where CloudWatch had percentiles, else the mean (in `p50`, with `statistic: 'mean'`). */
  latency: { variant: string; statistic: 'median' | 'mean'; p50: Point[]; p99: Point[] }[];
  guardrails: GuardrailSeries[];
  decisions: Decision[];
  /** Live traffic's predictions and labels (traffic.capture / traffic.groundTruth); null without. */
  liveQuality: LiveQualityStatus | null;
}

export interface StepRow {
  step: number;
  candidateWeight: number;
  variantWeight: number;
  soakedMs: number;
  invocations: number;
  errorRate5xx: number | null;
  errorRate4xx: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  rocAuc: number | null;
  verdict: Verdict | null;
  ended: string | null;
}

export interface GuardrailSeries {
  guardrail: GuardrailName;
  unit: GuardrailUnit;
  /** The boundary the difference must stay under; null for the sample-ratio check, which has none. */
  tolerance: number | null;
  points: { t: number; difference: number; low: number | null; high: number | null; verdict: Verdict }[];
}

export type ReportSource =
  | { kind: 'result'; result: RolloutResult }
  | {
      kind: 'status';
      status: RolloutStatus;
      baselineVariant: string | null;
      candidateVariant: string;
      /** Every evaluation so far (the `evaluations` query); without it, the latest one from status. */
      evaluations?: EvaluationRecord[];
    };

export function buildReportData(source: ReportSource, now: Date): ReportData {
  const steps = source.kind === 'result' ? source.result.steps : source.status.steps;
  const decisions = source.kind === 'result' ? source.result.decisions : source.status.decisions;
  const evaluations: EvaluationRecord[] =
    source.kind === 'result'
      ? source.result.evaluations
      : (source.evaluations ?? (source.status.lastEvaluation ? [source.status.lastEvaluation] : []));
  const baseline = source.kind === 'result' ? source.result.baselineVariant : source.baselineVariant;
  const candidate = source.kind === 'result' ? source.result.candidateVariant : source.candidateVariant;
  const outcome = source.kind === 'result' ? source.result.outcome : (source.status.outcome ?? null);
  const startedAt = steps[0]?.startedAt ?? decisions[0]?.at ?? null;
  const origin = startedAt ? Date.parse(startedAt) : now.getTime();
  const t = (iso: string) => (Date.parse(iso) - origin) / 1000;
  // A finished rollout ends at its last recorded moment; a running one holds its current weights until now.
  const endIso = outcome ? (lastEnd(steps, decisions) ?? now.toISOString()) : now.toISOString();
  const variants = [...(baseline ? [baseline] : []), candidate];

  return {
    endpointName: source.kind === 'result' ? source.result.endpointName : source.status.endpointName,
    generatedAt: now.toISOString(),
    source: source.kind,
    phase: source.kind === 'result' ? (outcome === 'promoted' ? 'promoted' : 'rolled-back') : source.status.phase,
    outcome,
    reason: source.kind === 'result' ? source.result.reason : (source.status.reason ?? null),
    baselineVariant: baseline,
    candidateVariant: candidate,
    startedAt,
    roc: rocOfLatestLabelledStep(steps),
    stepTables: variants.map((variant) => ({
      variant,
      rows: steps.map((s) => stepRow(s, variant, variant === candidate)),
    })),
    traffic: trafficSeries(steps, baseline, candidate, outcome, t, endIso),
    latency: variants.map((variant) => {
      const p50 = stepPoints(steps, variant, 'latencyP50Ms', t, endIso);
      const mean = p50.length === 0 ? stepPoints(steps, variant, 'latencyMeanMs', t, endIso) : [];
      return mean.length > 0
        ? { variant, statistic: 'mean' as const, p50: mean, p99: [] }
        : { variant, statistic: 'median' as const, p50, p99: stepPoints(steps, variant, 'latencyP99Ms', t, endIso) };
    }),
    guardrails: guardrailSeries(evaluations, t),
    decisions,
    liveQuality: (source.kind === 'result' ? source.result.liveQuality : source.status.liveQuality) ?? null,
  };
}

function lastEnd(steps: StepRecord[], decisions: Decision[]): string | null {
  const times = [...steps.map((s) => s.endedAt ?? s.startedAt), ...decisions.map((d) => d.at)];
  return times.length ? times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : null;
}

/** The latest step where every variant had labelled traffic (so both curves compare), else the latest with any. */
function rocOfLatestLabelledStep(steps: StepRecord[]): ReportData['roc'] {
  const withCurves = steps
    .map((step) => ({
      step: step.step,
      expected: step.variants.length,
      curves: step.variants
        .filter((v) => v.quality?.rocCurve)
        .map((v) => ({
          variant: v.variantName,
          auc: v.quality!.rocAuc,
          n: v.quality!.n,
          fpr: v.quality!.rocCurve!.fpr,
          tpr: v.quality!.rocCurve!.tpr,
        })),
    }))
    .filter((s) => s.curves.length > 0);
  const best = [...withCurves].reverse().find((s) => s.curves.length === s.expected) ?? withCurves.at(-1);
  return best ? { step: best.step, curves: best.curves } : null;
}

function stepRow(step: StepRecord, variant: string, isCandidate: boolean): StepRow {
  const v = step.variants.find((x) => x.variantName === variant);
  const q = v?.quality ?? null;
  return {
    step: step.step,
    candidateWeight: step.candidateWeight,
    variantWeight: isCandidate ? step.candidateWeight : 100 - step.candidateWeight,
    soakedMs: step.soakedMs,
    invocations: v?.invocations ?? 0,
    errorRate5xx: v?.errorRate5xx ?? null,
    errorRate4xx: v?.errorRate4xx ?? null,
    latencyP50Ms: v?.latencyP50Ms ?? null,
    latencyP99Ms: v?.latencyP99Ms ?? null,
    accuracy: q?.accuracy ?? null,
    precision: q?.precision ?? null,
    recall: q?.recall ?? null,
    f1: q?.f1 ?? null,
    rocAuc: q?.rocAuc ?? null,
    verdict: step.verdict ?? null,
    ended: step.ended ?? null,
  };
}

/** Weights as set over time: all on the baseline before step 1, each step's split, then the ending's. */
function trafficSeries(
  steps: StepRecord[],
  baseline: string | null,
  candidate: string,
  outcome: string | null,
  t: (iso: string) => number,
  endIso: string,
): ReportData['traffic'] {
  const candidatePoints: Point[] = [];
  for (const s of steps) candidatePoints.push({ t: t(s.startedAt), y: s.candidateWeight });
  if (outcome) candidatePoints.push({ t: t(endIso), y: outcome === 'promoted' ? 100 : 0 });
  else if (candidatePoints.length)
    candidatePoints.push({ t: t(endIso), y: candidatePoints[candidatePoints.length - 1].y });
  const series = [{ variant: candidate, points: candidatePoints }];
  if (baseline) series.unshift({ variant: baseline, points: candidatePoints.map((p) => ({ t: p.t, y: 100 - p.y })) });
  return series;
}

/** One point per step, at the moment its summary was taken (its end, or now for the step in progress). */
function stepPoints(
  steps: StepRecord[],
  variant: string,
  field: 'latencyP50Ms' | 'latencyP99Ms' | 'latencyMeanMs',
  t: (iso: string) => number,
  endIso: string,
): Point[] {
  const points: Point[] = [];
  for (const s of steps) {
    const value = s.variants.find((v) => v.variantName === variant)?.[field];
    if (value !== null && value !== undefined) points.push({ t: t(s.endedAt ?? endIso), y: value });
  }
  return points;
}

function guardrailSeries(evaluations: EvaluationRecord[], t: (iso: string) => number): GuardrailSeries[] {
  const byName = new Map<GuardrailName, GuardrailSeries>();
  for (const record of evaluations) {
    for (const r of record.evaluation.results) {
      if (r.difference === null || !Number.isFinite(r.difference)) continue;
      let series = byName.get(r.guardrail);
      if (!series) {
        series = {
          guardrail: r.guardrail,
          unit: guardrailUnit(r.guardrail),
          tolerance: r.guardrail === 'sampleRatio' ? null : r.tolerance,
          points: [],
        };
        byName.set(r.guardrail, series);
      }
      series.points.push({
        t: t(record.at),
        difference: r.difference,
        // An always-valid interval starts unbounded; JSON has no Infinity, and an endless band shows nothing.
        low: r.interval && Number.isFinite(r.interval[0]) ? r.interval[0] : null,
        high: r.interval && Number.isFinite(r.interval[1]) ? r.interval[1] : null,
        verdict: r.verdict,
      });
    }
  }
  return [...byName.values()];
}
