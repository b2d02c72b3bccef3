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
//  - Within the rollout's horizon (the periods its spec lets it soak), the complete periods are also judged by the
//    finite-horizon group-sequential t-test of group-sequential.ts, which is exact over that horizon and sharper.
//    Complete means every paired period except the newest one CloudWatch reported (on either variant): the newest
//    is the current, partial period, and its value is replaced at the next evaluation, which a group-sequential
//    test's looks must not see (its boundary is computed for the t statistics of periods that never change). A
//    period that is already complete but still the newest waits one evaluation; that only delays, never inflates.
// `difference` is the relative slowdown exp(mean d) − 1; the tolerance is compared on the same scale.
import type { Comparison, CompletePeriods } from './comparison';
import { notYet } from './comparison';
import type { LatencyPeriod } from './types';

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

/** Mean, variance of the mean and model floor of paired log ratios (null below MIN_PERIODS). */
function meanOf(diffs: readonly number[], models: readonly (number | null)[]) {
  const t = diffs.length;
  if (t < MIN_PERIODS) return null;
  const mean = diffs.reduce((a, b) => a + b, 0) / t;
  const spread = diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (t - 1);
  // The model floor averages over the periods that have percentiles, scaled to all t periods.
  const known = models.filter((m): m is number => m !== null);
  const modelVariance = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length / t : 0;
  return { mean, variance: spread / t, modelVariance };
}

/**
 * @param horizon the most periods the rollout can soak (its spec's); enables the group-sequential test on the
 *   complete periods. Without it latency is judged by the t-mixture alone.
 */
export function compareLatency(
  baseline: readonly LatencyPeriod[],
  candidate: readonly LatencyPeriod[],
  tolerance: number,
  horizon?: number,
): Comparison {
  const byTime = new Map<number, LatencyPeriod>();
  let newest = -Infinity;
  for (const p of baseline) {
    byTime.set(p.timestamp, p);
    newest = Math.max(newest, p.timestamp);
  }
  for (const p of candidate) newest = Math.max(newest, p.timestamp);
  const diffs: number[] = [];
  const models: (number | null)[] = [];
  const completeDiffs: number[] = [];
  const completeModels: (number | null)[] = [];
  let logB = 0;
  let logC = 0;
  for (const c of candidate) {
    const b = byTime.get(c.timestamp);
    if (!b) continue;
    const usePercentile = (b.p50 ?? 0) > 0 && (c.p50 ?? 0) > 0;
    const sb = periodStat(b, usePercentile);
    const sc = periodStat(c, usePercentile);
    if (!sb || !sc) continue;
    const d = sc.logValue - sb.logValue;
    const model = sb.modelVariance !== null && sc.modelVariance !== null ? sb.modelVariance + sc.modelVariance : null;
    diffs.push(d);
    models.push(model);
    if (c.timestamp < newest) {
      completeDiffs.push(d);
      completeModels.push(model);
    }
    logB += sb.logValue;
    logC += sc.logValue;
  }
  const t = diffs.length;
  const base = {
    guardrail: 'latency' as const,
    // Geometric means over the paired periods, in ms, so candidate/baseline − 1 is exactly `difference`.
    baseline: t > 0 ? Math.exp(logB / t) / 1000 : null,
    candidate: t > 0 ? Math.exp(logC / t) / 1000 : null,
    samples: { baseline: t, candidate: t },
    method:
      'log ratio of per-period median ModelLatency, paired by CloudWatch period; scale-invariant t-mixture ' +
      'confidence sequence for a mean with unknown variance (Lai 1976; Pérez-Ortiz et al. 2024)' +
      (horizon !== undefined
        ? `, and within the spec's ${horizon} periods a group-sequential t-test on the complete periods ` +
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
  const all = meanOf(diffs, models)!;
  const complete = horizon !== undefined ? meanOf(completeDiffs, completeModels) : null;
  const completePeriods: CompletePeriods | null = complete
    ? {
        count: completeDiffs.length,
        estimate: complete.mean,
        variance: complete.variance,
        ...(complete.modelVariance > 0 ? { varianceFloor: complete.modelVariance } : {}),
      }
    : null;
  return {
    ...base,
    estimate: all.mean,
    variance: all.variance,
    degreesOfFreedom: t - 1,
    ...(all.modelVariance > 0 ? { varianceFloor: all.modelVariance } : {}),
    ...(horizon !== undefined ? { horizon } : {}),
    ...(completePeriods ? { completePeriods } : {}),
  };
}
