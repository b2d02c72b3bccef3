// CloudWatch's evidence, folded once per period and only once the period has settled. SageMaker publishes each
// minute per instance, some time after it ends, and late samples keep growing a published minute ("after the alarm
// evaluation, CloudWatch can publish new samples", AWS Knowledge Center cloudwatch-trigger-metric; aws-behaviour.md
// #4). A period is judged only when it ended at least the spec's settle delay ago; it is then folded into running
// sums and never read again, so each evaluation reads only the newly settled periods and the evidence stays the
// same size however long the rollout runs. Pure functions of plain data: the workflow state carries it.
import { foldLatencyPeriod, type LatencyPeriod, type LatencyStatistics } from '../analysis';
import type { MetricPeriod, VariantMetrics } from '../activities';

export interface Counts {
  invocations: number;
  errors4xx: number;
  errors5xx: number;
}

/** A variant's latency over many periods, for people: sample-weighted means of the per-period statistics (µs). */
export interface LatencyAggregate {
  sampleCount: number;
  /** Σ statistic × samples over the periods that had it, and those periods' samples. */
  averageSum: number;
  p50Sum: number;
  p50Samples: number;
  p99Sum: number;
  p99Samples: number;
}

export interface CloudWatchEvidence {
  /** Periods starting before this (epoch ms) are folded; the next read starts here. */
  foldedUntil: number;
  /** Sums per variant since the candidate went live. */
  totals: Record<string, Counts>;
  /** Sums per variant over the periods wholly inside the current step (the sample-ratio check's live counts). */
  step: Record<string, Counts>;
  stepLatency: Record<string, LatencyAggregate>;
  /** Latency's paired periods since the candidate went live (analysis/latency.ts). */
  latency: LatencyStatistics;
}

const NO_COUNTS: Counts = { invocations: 0, errors4xx: 0, errors5xx: 0 };
const NO_LATENCY: LatencyAggregate = {
  sampleCount: 0,
  averageSum: 0,
  p50Sum: 0,
  p50Samples: 0,
  p99Sum: 0,
  p99Samples: 0,
};

/** The first period to read once the candidate goes live: the one holding that moment. */
export function startOfEvidence(candidateLiveAt: number, periodMs: number): number {
  return Math.floor(candidateLiveAt / periodMs) * periodMs;
}

/** Periods that start before the returned time (epoch ms) ended at least `settleMs` ago: they may be judged. */
export function settledBefore(now: number, settleMs: number, periodMs: number): number {
  return Math.floor((now - settleMs) / periodMs) * periodMs;
}

/**
 * Folds the periods in [evidence.foldedUntil, until) that CloudWatch returned (a period without traffic returns
 * nothing and adds nothing). `stepFrom` is the first period wholly inside the current step.
 */
export function foldSettledPeriods(
  evidence: CloudWatchEvidence,
  variants: readonly VariantMetrics[],
  names: { baseline: string | null; candidate: string },
  until: number,
  stepFrom: number,
): CloudWatchEvidence {
  if (until <= evidence.foldedUntil) return evidence;
  const inWindow = (p: MetricPeriod) => p.timestamp >= evidence.foldedUntil && p.timestamp < until;
  const totals = { ...evidence.totals };
  const step = { ...evidence.step };
  const stepLatency = { ...evidence.stepLatency };
  for (const v of variants) {
    for (const p of v.periods.filter(inWindow)) {
      totals[v.variantName] = add(totals[v.variantName] ?? NO_COUNTS, p);
      if (p.timestamp >= stepFrom) {
        step[v.variantName] = add(step[v.variantName] ?? NO_COUNTS, p);
        if (p.latency) stepLatency[v.variantName] = addLatency(stepLatency[v.variantName] ?? NO_LATENCY, p.latency);
      }
    }
  }
  let latency = evidence.latency;
  if (names.baseline) {
    const periodsOf = (name: string) =>
      new Map(
        (variants.find((v) => v.variantName === name)?.periods ?? [])
          .filter((p) => inWindow(p) && p.latency)
          .map((p) => [p.timestamp, p.latency!]),
      );
    const baseline = periodsOf(names.baseline);
    const candidate = periodsOf(names.candidate);
    for (const t of [...candidate.keys()].sort((a, b) => a - b)) {
      const b = baseline.get(t);
      if (b) latency = foldLatencyPeriod(latency, b, candidate.get(t)!);
    }
  }
  return { foldedUntil: until, totals, step, stepLatency, latency };
}

/** A new step: its counts start empty (and its first period is the first one wholly after the shift). */
export function startStep(evidence: CloudWatchEvidence): CloudWatchEvidence {
  return { ...evidence, step: {}, stepLatency: {} };
}

/** The first period wholly inside a step that started at `stepStartedAt`. */
export function firstPeriodOfStep(stepStartedAt: number, periodMs: number): number {
  return Math.ceil(stepStartedAt / periodMs) * periodMs;
}

/** A variant's step latency as one CloudWatch-like period (sample-weighted means), for the step's summary. */
export function aggregatePeriod(aggregate: LatencyAggregate | undefined): LatencyPeriod[] {
  if (!aggregate || aggregate.sampleCount === 0) return [];
  return [
    {
      timestamp: 0,
      sampleCount: aggregate.sampleCount,
      average: aggregate.averageSum / aggregate.sampleCount,
      ...(aggregate.p50Samples > 0 ? { p50: aggregate.p50Sum / aggregate.p50Samples } : {}),
      ...(aggregate.p99Samples > 0 ? { p99: aggregate.p99Sum / aggregate.p99Samples } : {}),
    },
  ];
}

function add(c: Counts, p: MetricPeriod): Counts {
  return {
    invocations: c.invocations + p.invocations,
    errors4xx: c.errors4xx + p.errors4xx,
    errors5xx: c.errors5xx + p.errors5xx,
  };
}

function addLatency(a: LatencyAggregate, p: LatencyPeriod): LatencyAggregate {
  const n = p.sampleCount;
  const finite = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
  return {
    sampleCount: a.sampleCount + n,
    averageSum: a.averageSum + (Number.isFinite(p.average) ? p.average * n : 0),
    p50Sum: a.p50Sum + (finite(p.p50) ? p.p50 * n : 0),
    p50Samples: a.p50Samples + (finite(p.p50) ? n : 0),
    p99Sum: a.p99Sum + (finite(p.p99) ? p.p99 * n : 0),
    p99Samples: a.p99Samples + (finite(p.p99) ? n : 0),
  };
}
