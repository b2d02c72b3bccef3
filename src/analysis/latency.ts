// ModelLatency from CloudWatch per-period aggregates (no per-request samples exist there).
//
// Statistic consumed: for every period in which BOTH variants served at least MIN_PERIOD_SAMPLES requests, the
// log of the candidate's period median over the baseline's, d = log(p50_c / p50_b) (the period Average when a
// percentile is missing on either side). Why this stays valid:
//  - The period median of n requests is asymptotically normal on the log scale whatever the skew of the latency
//    distribution, and a log ratio of medians is the "typical latency" change the tolerance speaks about.
//  - Pairing by period cancels what both variants share in that minute (load, instance warm-up, network), so
//    the d's are close to independent draws around the true log ratio; their mean is estimated with a variance
//    from their own spread (batch means, as in Waudby-Smith et al. 2024's asymptotic confidence sequences for
//    means of i.i.d. observations).
//  - With few periods the spread of the d's is itself noisy and, by chance, often too small, so the bound must
//    not treat it as known: judge() uses the scale-invariant t-mixture of sequential.ts, an always-valid test of
//    the mean of Gaussian observations that is exact whatever their variance (degreesOfFreedom = T − 1 says the
//    variance is the d's own). Under A/A the d's are symmetric whatever the hiccups' distribution (the two variants
//    are exchangeable), where the t-mixture stays under its alpha even for heavy tails (tests).
//  - The bound is also never narrower than a known-variance bound at what the per-period medians alone must carry
//    (`varianceFloor`): under a lognormal model σ = (log p90 − log p50)/z₀.₉ and the sample median of n requests
//    has variance (π/2)·σ²/n on the log scale (Average: (exp(σ²) − 1)/n by the delta method). It stops identical
//    (e.g. quantised) period values from looking infinitely precise.
//  - Within the rollout's horizon (the periods its spec lets it soak), the periods are also judged by the
//    finite-horizon group-sequential t-test of group-sequential.ts, which is exact over that horizon and sharper. Its
//    boundary is computed for the t statistics of periods that never change, so only complete periods are folded:
//    the caller folds a period once it has ended, its late data has settled and both variants report it, and never
//    folds it again (`through`). The t-mixture judges the same folded periods.
//  - Sufficient statistics (LatencyStatistics): the count of folded periods, the mean of the d's and their sum of
//    squared deviations (updated one period at a time by Welford's method, which stays accurate over tens of
//    thousands of periods where Σd² − (Σd)²/T would cancel), the model floor's sum and count, and the sums of the
//    log period values for the geometric means: a few numbers however long the rollout soaks.
// `difference` is the relative slowdown exp(mean d) − 1; the tolerance is compared on the same scale.
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import type { LatencyPeriod, LatencyStatistics } from './types';

/** Requests a variant must serve in a period for that period's median to count. */
export const MIN_PERIOD_SAMPLES = 10;
/** Paired periods needed before latency is judged: fewer leave the spread of the d's too uncertain. */
export const MIN_PERIODS = 5;
const Z90 = 1.2815515655446004;

interface PeriodStat {
  logValue: number;
  /** Sampling variance of logValue under the lognormal model, when p90 and p50 are known. */
  modelVariance: number | null;
}

function periodStat(p: LatencyPeriod, usePercentile: boolean): PeriodStat | null {
  const n = p.sampleCount;
  if (!(n >= MIN_PERIOD_SAMPLES)) return null;
  const value = usePercentile ? p.p50 : p.average;
  if (value === undefined || !(value > 0) || !Number.isFinite(value)) return null;
  let modelVariance: number | null = null;
  if (p.p50 !== undefined && p.p90 !== undefined && p.p50 > 0 && p.p90 >= p.p50 && Number.isFinite(p.p90)) {
    const sigma = Math.log(p.p90 / p.p50) / Z90;
    modelVariance = usePercentile ? ((Math.PI / 2) * sigma * sigma) / n : Math.expm1(sigma * sigma) / n;
  }
  return { logValue: Math.log(value), modelVariance };
}

/** Statistics of no periods. */
export const NO_LATENCY_PERIODS: LatencyStatistics = {
  periods: 0,
  meanLogRatio: 0,
  sumSquaredDeviations: 0,
  modelVarianceSum: 0,
  modelVariancePeriods: 0,
  logBaselineSum: 0,
  logCandidateSum: 0,
};

/**
 * Folds one complete period, the same CloudWatch period of both variants: a period in which either served fewer than
 * MIN_PERIOD_SAMPLES requests (or has no usable value) is passed over. A period at or before `through` was folded
 * already and changes nothing. Pure: returns new statistics.
 */
export function foldLatencyPeriod(
  stats: LatencyStatistics,
  baseline: LatencyPeriod,
  candidate: LatencyPeriod,
): LatencyStatistics {
  if (baseline.timestamp !== candidate.timestamp) {
    throw new RangeError(`periods ${baseline.timestamp} and ${candidate.timestamp} are not the same period`);
  }
  const at = candidate.timestamp;
  if (stats.through !== undefined && !(at > stats.through)) return stats;
  const usePercentile = (baseline.p50 ?? 0) > 0 && (candidate.p50 ?? 0) > 0;
  const sb = periodStat(baseline, usePercentile);
  const sc = periodStat(candidate, usePercentile);
  if (!sb || !sc) return { ...stats, through: at };
  const d = sc.logValue - sb.logValue;
  const periods = stats.periods + 1;
  // Welford: the mean and the sum of squared deviations from it, one observation at a time.
  const delta = d - stats.meanLogRatio;
  const meanLogRatio = stats.meanLogRatio + delta / periods;
  const model = sb.modelVariance !== null && sc.modelVariance !== null ? sb.modelVariance + sc.modelVariance : null;
  return {
    periods,
    meanLogRatio,
    sumSquaredDeviations: stats.sumSquaredDeviations + delta * (d - meanLogRatio),
    modelVarianceSum: stats.modelVarianceSum + (model ?? 0),
    modelVariancePeriods: stats.modelVariancePeriods + (model === null ? 0 : 1),
    logBaselineSum: stats.logBaselineSum + sb.logValue,
    logCandidateSum: stats.logCandidateSum + sc.logValue,
    through: at,
    medianPeriods: (stats.medianPeriods ?? 0) + (usePercentile ? 1 : 0),
  };
}

/**
 * Folds one batch of round trips both variants served in the same stretch of time (paired probes' or replay traffic's,
 * measured by the client): d = the batch's mean log ratio, whose variance is at least `modelVariance` (the batch's own
 * spread over its size, what d would vary by if the requests in it were independent). A batch is folded once, when it is
 * complete; `logBaseline` and `logCandidate` are the batch's mean log round trips in µs (for the geometric means).
 */
export function foldLatencyBatch(
  stats: LatencyStatistics,
  batch: { d: number; modelVariance: number; logBaseline: number; logCandidate: number },
): LatencyStatistics {
  if (!Number.isFinite(batch.d) || !Number.isFinite(batch.logBaseline) || !Number.isFinite(batch.logCandidate)) {
    return stats;
  }
  const periods = stats.periods + 1;
  const delta = batch.d - stats.meanLogRatio;
  const meanLogRatio = stats.meanLogRatio + delta / periods;
  const model = Number.isFinite(batch.modelVariance) && batch.modelVariance > 0 ? batch.modelVariance : null;
  return {
    ...stats,
    periods,
    meanLogRatio,
    sumSquaredDeviations: stats.sumSquaredDeviations + delta * (batch.d - meanLogRatio),
    modelVarianceSum: stats.modelVarianceSum + (model ?? 0),
    modelVariancePeriods: stats.modelVariancePeriods + (model === null ? 0 : 1),
    logBaselineSum: stats.logBaselineSum + batch.logBaseline,
    logCandidateSum: stats.logCandidateSum + batch.logCandidate,
  };
}

/** One variant's round trips of replay traffic in one minute, as the client measured them (ms). */
export interface RoundTrips {
  requests: number;
  /** Σ log(round trip in ms) and Σ log² over the requests. */
  sumLog: number;
  sumSquaredLog: number;
}

/**
 * Folds one complete minute of replay traffic's round trips of both variants (the per-request latency CloudWatch does
 * not give): d = the difference of the variants' mean log round trips, its variance at least the two means' own
 * (s²/n each). A minute, not a request, is the unit for the same reason as CloudWatch's periods: what one instance does
 * over the minute moves all its requests alike. Unlike CloudWatch's periods it needs no settle delay (the replay activity
 * returns the round trips with its interval), and each is a mean of logs, exact for the geometric mean. A minute in which
 * either variant answered fewer than MIN_PERIOD_SAMPLES requests is passed over.
 */
export function foldRoundTrips(
  stats: LatencyStatistics,
  baseline: RoundTrips,
  candidate: RoundTrips,
): LatencyStatistics {
  if (!(baseline.requests >= MIN_PERIOD_SAMPLES) || !(candidate.requests >= MIN_PERIOD_SAMPLES)) return stats;
  const mean = (r: RoundTrips) => r.sumLog / r.requests;
  const spread = (r: RoundTrips) => Math.max(0, (r.sumSquaredLog - r.requests * mean(r) ** 2) / (r.requests - 1));
  const ms = Math.log(1000); // log sums in µs, as CloudWatch's ModelLatency
  const out = foldLatencyBatch(stats, {
    d: mean(candidate) - mean(baseline),
    modelVariance: spread(candidate) / candidate.requests + spread(baseline) / baseline.requests,
    logBaseline: mean(baseline) + ms,
    logCandidate: mean(candidate) + ms,
  });
  return out === stats ? stats : { ...out, source: 'round trips' };
}

/**
 * The statistics of both sets of periods (or batches) at once, in any order (Chan, Golub & LeVeque's pairwise update of
 * the mean and the sum of squared deviations). `through` is the later of the two.
 */
export function mergeLatencyStatistics(a: LatencyStatistics, b: LatencyStatistics): LatencyStatistics {
  const n = a.periods + b.periods;
  const through =
    a.through === undefined ? b.through : b.through === undefined ? a.through : Math.max(a.through, b.through);
  const delta = b.meanLogRatio - a.meanLogRatio;
  return {
    periods: n,
    meanLogRatio: n > 0 ? a.meanLogRatio + (delta * b.periods) / n : 0,
    sumSquaredDeviations:
      a.sumSquaredDeviations + b.sumSquaredDeviations + (n > 0 ? (delta * delta * a.periods * b.periods) / n : 0),
    modelVarianceSum: a.modelVarianceSum + b.modelVarianceSum,
    modelVariancePeriods: a.modelVariancePeriods + b.modelVariancePeriods,
    logBaselineSum: a.logBaselineSum + b.logBaselineSum,
    logCandidateSum: a.logCandidateSum + b.logCandidateSum,
    ...(through !== undefined ? { through } : {}),
    ...(a.medianPeriods !== undefined || b.medianPeriods !== undefined
      ? { medianPeriods: (a.medianPeriods ?? a.periods) + (b.medianPeriods ?? b.periods) }
      : {}),
    ...((a.source ?? b.source) ? { source: a.source ?? b.source } : {}),
  };
}

/**
 * Folds, oldest first, every period both variants report that starts after `stats.through` and before
 * `completeBefore` (epoch ms): the caller says which periods are complete.
 */
export function foldCompletePeriods(
  stats: LatencyStatistics,
  baseline: readonly LatencyPeriod[],
  candidate: readonly LatencyPeriod[],
  completeBefore: number,
): LatencyStatistics {
  const byTime = new Map<number, LatencyPeriod>();
  for (const p of baseline) byTime.set(p.timestamp, p);
  const pairs = candidate
    .filter((c) => c.timestamp < completeBefore && (stats.through === undefined || c.timestamp > stats.through))
    .filter((c) => byTime.has(c.timestamp))
    .sort((a, b) => a.timestamp - b.timestamp);
  let out = stats;
  for (const c of pairs) out = foldLatencyPeriod(out, byTime.get(c.timestamp)!, c);
  return out;
}

/**
 * Which statistic the folded periods were judged by: SageMaker documents only Average, Sum, Min, Max and SampleCount
 * for ModelLatency ([DG-CW]), and CloudWatch computes no percentile from statistic sets, so on AWS it is usually the
 * mean; the text must say so rather than claim a median.
 */
function latencyStatistic(stats: LatencyStatistics): string {
  if (stats.source === 'round trips') return 'geometric mean of replay round trips';
  const medians = stats.medianPeriods ?? stats.periods;
  if (medians === stats.periods) return 'median';
  return medians === 0 ? 'mean' : 'median (mean where CloudWatch had no percentile)';
}

/**
 * @param horizon the most periods the rollout can soak (its spec's); enables the group-sequential t-test. Without it
 *   latency is judged by the t-mixture alone.
 */
export function compareLatency(stats: LatencyStatistics, tolerance: number, horizon?: number): Comparison {
  const t = stats.periods;
  const statistic = latencyStatistic(stats);
  const base = {
    guardrail: 'latency' as const,
    // Geometric means over the paired periods, in ms, so candidate/baseline − 1 is exactly `difference`.
    baseline: t > 0 ? Math.exp(stats.logBaselineSum / t) / 1000 : null,
    candidate: t > 0 ? Math.exp(stats.logCandidateSum / t) / 1000 : null,
    samples: { baseline: t, candidate: t },
    statistic: stats.source === 'round trips' ? `per-minute ${statistic}` : `per-period ${statistic}`,
    method:
      (stats.source === 'round trips'
        ? 'log ratio of the per-minute geometric means of replay round trips; scale-invariant '
        : `log ratio of per-period ${statistic} ModelLatency, paired by complete CloudWatch period; scale-invariant `) +
      't-mixture confidence sequence for a mean with unknown variance (Lai 1976; Pérez-Ortiz et al. 2024)' +
      (horizon !== undefined
        ? `, and within the spec's ${horizon} periods a group-sequential t-test ` +
          '(Pocock 1977; Jennison & Turnbull 2000, ch. 11)'
        : ''),
    unit: 'relative' as const,
    tolerance: Math.log1p(tolerance),
    report: Math.expm1,
  };
  if (t < MIN_PERIODS) {
    return notYet(
      base,
      `only ${t} CloudWatch period${t === 1 ? '' : 's'} with at least ${MIN_PERIOD_SAMPLES} requests on both ` +
        `variants (need ${MIN_PERIODS})`,
    );
  }
  // The model floor averages over the periods that have percentiles, scaled to all t periods.
  const modelVariance = stats.modelVariancePeriods > 0 ? stats.modelVarianceSum / stats.modelVariancePeriods / t : 0;
  return {
    ...base,
    estimate: stats.meanLogRatio,
    variance: stats.sumSquaredDeviations / (t - 1) / t,
    degreesOfFreedom: t - 1,
    ...(modelVariance > 0 ? { varianceFloor: modelVariance } : {}),
    ...(horizon !== undefined ? { horizon } : {}),
  };
}
