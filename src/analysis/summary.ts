// Per-variant figures for people (status, watch, the report). The guardrails judge the evidence, not these.
import { classificationMetricsOf } from './labelled-summary';
import type { LatencyPeriod, VariantFigures, VariantSummary } from './types';

/** Points kept of the ROC curve in a summary: summaries ride in workflow state and in every status query. */
export const SUMMARY_CURVE_POINTS = 101;

/** Sample-count-weighted mean of a per-period statistic, µs → ms; null when no period has it. */
function weightedPercentileMs(periods: readonly LatencyPeriod[], key: 'p50' | 'p99' | 'average'): number | null {
  let weighted = 0;
  let count = 0;
  for (const p of periods) {
    const value = p[key];
    if (value === undefined || !Number.isFinite(value) || !(p.sampleCount > 0)) continue;
    weighted += value * p.sampleCount;
    count += p.sampleCount;
  }
  return count > 0 ? weighted / count / 1000 : null;
}

/** Rates, p50/p99 of the window's latency periods, and quality of the labelled summary (at its own threshold). */
export function summarizeVariant(v: VariantFigures & { invocationsByPeriod?: unknown }): VariantSummary {
  const rate = (errors: number) => (v.invocations > 0 ? Math.min(1, Math.max(0, errors) / v.invocations) : null);
  return {
    variantName: v.variantName,
    invocations: v.invocations,
    errorRate5xx: rate(v.errors5xx),
    errorRate4xx: rate(v.errors4xx),
    latencyP50Ms: weightedPercentileMs(v.latency, 'p50'),
    latencyP99Ms: weightedPercentileMs(v.latency, 'p99'),
    // CloudWatch computes no percentile of SageMaker's statistic sets ([DG-CW]: ModelLatency's statistics are Average,
    // Sum, Min, Max, SampleCount), so on AWS the mean is often all there is.
    latencyMeanMs: weightedPercentileMs(v.latency, 'average'),
    quality: classificationMetricsOf(v.labelled, { maxCurvePoints: SUMMARY_CURVE_POINTS }),
  };
}
