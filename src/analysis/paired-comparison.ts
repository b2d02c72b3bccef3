// The guardrails' comparisons of paired evidence (paired.ts): the same shape as the unpaired ones (an asymptotically
// normal estimate of how much worse the candidate is, its plug-in variance), so they go through the same always-valid
// bounds, error spending and verdict rules at the same alpha shares. And the pooling of a paired with an unpaired
// comparison of the same guardrail (paired probes beside labelled live traffic).
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import { MIN_AUC_CLASS, MIN_AUC_ROWS } from './delong';
import { compareLatency, MIN_PERIODS, NO_LATENCY_PERIODS } from './latency';
import { CELLS, pairedLatencyBatches, type PairedSummary } from './paired';
import { MIN_DENOMINATOR, MIN_LABELLED } from './proportions';
import type { QualityMetricName } from './types';

/** Pseudo-rows spread evenly over the joint table's 16 cells for the variance (Agresti & Min's two, see paired.ts). */
const PSEUDO_ROWS = 2;

/** a and b of a metric for one prediction's cell: the metric of a variant is Σa/Σb over its rows. */
function ratioTerms(metric: Exclude<QualityMetricName, 'rocAuc'>, cell: number): [number, number] {
  const c = CELLS[cell];
  const tp = c === 'tp' ? 1 : 0;
  if (metric === 'accuracy') return [c === 'tp' || c === 'tn' ? 1 : 0, 1];
  if (metric === 'precision') return [tp, c === 'tp' || c === 'fp' ? 1 : 0];
  if (metric === 'recall') return [tp, c === 'tp' || c === 'fn' ? 1 : 0];
  return [2 * tp, 2 * tp + (c === 'fp' || c === 'fn' ? 1 : 0)];
}

export interface RatioFit {
  n: number;
  baseline: number;
  candidate: number;
  /** Σb over the rows, per variant: the metric's denominator (rows, predicted or actual positives). */
  denominators: [number, number];
  variance: number;
}

/** Both variants' metric on a joint table, and the delta-method variance of their difference (see paired.ts). */
export function pairedRatio(metric: Exclude<QualityMetricName, 'rocAuc'>, joint: readonly number[]): RatioFit {
  let n = 0;
  const sums = [0, 0, 0, 0]; // Σa_b, Σb_b, Σa_c, Σb_c
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const count = joint[4 * i + j];
      const [ab, bb] = ratioTerms(metric, i);
      const [ac, bc] = ratioTerms(metric, j);
      n += count;
      sums[0] += count * ab;
      sums[1] += count * bb;
      sums[2] += count * ac;
      sums[3] += count * bc;
    }
  }
  const baseline = sums[1] > 0 ? sums[0] / sums[1] : 0;
  const candidate = sums[3] > 0 ? sums[2] / sums[3] : 0;
  let squares = 0;
  const meanB = sums[1] / n;
  const meanC = sums[3] / n;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const [ab, bb] = ratioTerms(metric, i);
      const [ac, bc] = ratioTerms(metric, j);
      const psi = (meanB > 0 ? (ab - baseline * bb) / meanB : 0) - (meanC > 0 ? (ac - candidate * bc) / meanC : 0);
      squares += joint[4 * i + j] * psi * psi;
    }
  }
  return { n, baseline, candidate, denominators: [sums[1], sums[3]], variance: n > 0 ? squares / (n * n) : NaN };
}

/**
 * Where the paired rows come from: paired probes (each replay row sent to both variants), or a shadow step (the
 * baseline's labelled requests and the candidate's answers to their mirrored copies, paired by InferenceId). The
 * statistics are the same; the words say which.
 */
export type PairedSource = 'probes' | 'shadow';

const SOURCE = {
  probes: {
    method: 'paired probes',
    none: 'no paired probe rows yet (each replay row goes to both variants)',
    noAuc: 'no paired probe batch with both classes yet',
  },
  shadow: {
    method: 'shadow: labelled requests and their mirrored copies paired by InferenceId',
    none: 'no labelled pairs yet (mirrored requests with a label: a replay row, or a live label in its window)',
    noAuc: 'no batch of labelled pairs with both classes yet',
  },
};

const DENOMINATOR_NAME = { precision: 'predicted positives', recall: 'actual positives', f1: 'actual positives' };

/** Accuracy, precision, recall or F1 of paired rows: baseline − candidate (positive = candidate worse). */
export function comparePairedQuality(
  metric: Exclude<QualityMetricName, 'rocAuc'>,
  paired: PairedSummary | null,
  tolerance: number,
  source: PairedSource = 'probes',
): Comparison {
  const exact = paired && paired.rows > 0 ? pairedRatio(metric, paired.joint) : null;
  const n = paired?.rows ?? 0;
  const base = {
    guardrail: metric,
    baseline: exact ? exact.baseline : null,
    candidate: exact ? exact.candidate : null,
    samples: { baseline: n, candidate: n },
    method:
      metric === 'accuracy'
        ? `${SOURCE[source].method}: difference of matched proportions (McNemar 1947; Agresti & Min 2005), normal-mixture confidence sequence`
        : `${SOURCE[source].method}: delta-method difference of a ratio on the same rows, normal-mixture confidence sequence`,
    unit: 'points' as const,
    tolerance,
    range: [-1, 1] as [number, number],
  };
  if (!exact) return notYet(base, SOURCE[source].none);
  if (n < MIN_LABELLED) return notYet(base, `only ${n} paired rows so far (need ${MIN_LABELLED})`);
  if (metric !== 'accuracy') {
    const smaller = Math.min(...exact.denominators);
    if (smaller < MIN_DENOMINATOR) {
      return notYet(base, `only ${smaller} ${DENOMINATOR_NAME[metric]} in the paired rows (need ${MIN_DENOMINATOR})`);
    }
  }
  const padded = paired!.joint.map((x) => x + PSEUDO_ROWS / 16);
  return {
    ...base,
    report: (x) => x,
    estimate: exact.baseline - exact.candidate,
    variance: pairedRatio(metric, padded).variance,
  };
}

/** ROC AUC of paired rows, over within-batch pairs (paired.ts): baseline − candidate. */
export function comparePairedAuc(
  paired: PairedSummary | null,
  tolerance: number,
  source: PairedSource = 'probes',
): Comparison {
  const auc = paired?.auc;
  const have = auc && auc.pairs > 0;
  const n = paired?.rows ?? 0;
  const base = {
    guardrail: 'rocAuc' as const,
    baseline: have ? auc.baseline / auc.pairs : null,
    candidate: have ? auc.candidate / auc.pairs : null,
    samples: { baseline: n, candidate: n },
    method:
      `${SOURCE[source].method}: ROC AUC with DeLong covariance of correlated AUCs (DeLong et al. 1988) per batch of ` +
      'rows, normal-mixture confidence sequence',
    unit: 'score' as const,
    tolerance,
    range: [-1, 1] as [number, number],
  };
  if (!paired || !have) return notYet(base, SOURCE[source].noAuc);
  if (n < MIN_AUC_ROWS) return notYet(base, `only ${n} paired rows so far (need ${MIN_AUC_ROWS})`);
  const negatives = paired.rows - paired.positives;
  if (Math.min(paired.positives, negatives) < MIN_AUC_CLASS) {
    return notYet(
      base,
      `the paired rows have ${paired.positives} positives and ${negatives} negatives: ROC AUC needs at least ` +
        `${MIN_AUC_CLASS} of each class`,
    );
  }
  // DeLong's variance is zero when both variants separate every batch perfectly; floored at two misordered pairs'
  // worth, as the unpaired comparison floors each variant at one.
  const floor = 2 / (paired.positives * negatives);
  return {
    ...base,
    report: (x) => x,
    estimate: (auc.baseline - auc.candidate) / auc.pairs,
    variance: Math.max(auc.varianceSum / (auc.pairs * auc.pairs), floor),
  };
}

/** Paired latency observations before design 1 judges latency on them. */
export const MIN_LATENCY_PAIRS = 100;

/**
 * Design 1's latency of paired probes (rollouts started before issue 21): the mean log ratio of round trips over the
 * pairs as if independent, normal mixture. It understates the variance (pairs of one minute share each instance's
 * hiccups), hence design 2's batches below; kept unchanged so that those rollouts replay.
 */
export function comparePairedLatencyPairs(paired: PairedSummary | null, tolerance: number): Comparison {
  const l = paired?.latency;
  const n = l?.pairs ?? 0;
  const base = {
    guardrail: 'latency' as const,
    baseline: n > 0 ? Math.exp(l!.logBaseline / n) : null,
    candidate: n > 0 ? Math.exp(l!.logCandidate / n) : null,
    samples: { baseline: n, candidate: n },
    method:
      'paired probes: mean log ratio of the two round trips of each row (geometric means), normal-mixture confidence ' +
      'sequence',
    unit: 'relative' as const,
    statistic: 'paired round trips, geometric mean',
    tolerance: Math.log1p(tolerance),
    report: Math.expm1,
  };
  if (n < MIN_LATENCY_PAIRS) return notYet(base, `only ${n} paired round trips so far (need ${MIN_LATENCY_PAIRS})`);
  return { ...base, estimate: l!.mean, variance: l!.sumSquaredDeviations / (n - 1) / n };
}

/**
 * Latency of paired probes: the mean log ratio of the two round trips, reported as a relative change (0.1 = 10% slower),
 * judged on the intervals' means (paired.ts, `latencyBatches`) by the t-based tests of CloudWatch's periods: their
 * spread across intervals carries what each variant's instance does over time, which the pairs of one interval share.
 */
export function comparePairedLatency(paired: PairedSummary | null, tolerance: number): Comparison {
  const batches = paired ? pairedLatencyBatches(paired) : NO_LATENCY_PERIODS;
  const c = compareLatency(batches, tolerance);
  const k = batches.periods;
  const base = {
    ...c,
    // Geometric means of the round trips, ms (the batches' log sums are in µs).
    baseline: k > 0 ? Math.exp(batches.logBaselineSum / k) / 1000 : null,
    candidate: k > 0 ? Math.exp(batches.logCandidateSum / k) / 1000 : null,
    samples: { baseline: paired?.latency.pairs ?? 0, candidate: paired?.latency.pairs ?? 0 },
    method:
      'paired probes: mean log ratio of the two round trips of each row, per minute (or replay interval); ' +
      'scale-invariant t-mixture confidence sequence over those batches (Lai 1976; Pérez-Ortiz et al. 2024)',
    statistic: 'paired round trips, geometric mean',
  };
  if (c.missing !== undefined) {
    return {
      ...base,
      missing: `only ${k} complete minute${k === 1 ? '' : 's'} (or intervals) of paired round trips so far (need ${MIN_PERIODS})`,
    };
  }
  return base;
}

/**
 * One comparison from a paired and an unpaired one of the same guardrail on different rows (paired probes, and
 * labelled live traffic): the inverse-variance weighted mean of the two estimates, whose variance is
 * 1/(1/v_a + 1/v_b) as the samples are independent. Either alone when the other cannot be judged yet.
 */
export function poolComparisons(a: Comparison, b: Comparison): Comparison {
  if (b.missing !== undefined) return a.missing !== undefined ? { ...a, missing: `${a.missing}; ${b.missing}` } : a;
  if (a.missing !== undefined) return b;
  const wa = 1 / Math.max(a.variance, Number.MIN_VALUE);
  const wb = 1 / Math.max(b.variance, Number.MIN_VALUE);
  const mix = (x: number | null, y: number | null) =>
    x === null || y === null ? (x ?? y) : (wa * x + wb * y) / (wa + wb);
  return {
    ...a,
    baseline: mix(a.baseline, b.baseline),
    candidate: mix(a.candidate, b.candidate),
    samples: {
      baseline: a.samples.baseline + b.samples.baseline,
      candidate: a.samples.candidate + b.samples.candidate,
    },
    method: `${a.method}, pooled (inverse-variance) with ${b.method}`,
    estimate: (wa * a.estimate + wb * b.estimate) / (wa + wb),
    variance: 1 / (wa + wb),
  };
}
