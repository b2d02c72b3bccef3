// ROC AUC with DeLong's variance: DeLong, DeLong & Clarke-Pearson, "Comparing the areas under two or more
// correlated receiver operating characteristic curves: a nonparametric approach", Biometrics 44 (1988), computed
// with the O(n log n) midrank algorithm of Sun & Xu, "Fast implementation of DeLong's algorithm for comparing the
// areas under correlated receiver operating characteristic curves", IEEE Signal Processing Letters 21 (2014).
// Baseline and candidate score different requests (each request goes to one variant), so the two AUCs are
// independent and the variance of their difference is the sum of their variances.
import { placements, toArrays, type LabelledArrays } from './classification';
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import { binnedAuc } from './labelled-summary';
import type { AucEstimate, LabelledSummary, ScoredRequest } from './types';

function meanAndVariance(values: Float64Array): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: values.length > 1 ? squares / (values.length - 1) : 0 };
}

/** AUC and DeLong variance of one variant's labelled requests; null when only one class is present. */
export function delongAuc(rows: readonly ScoredRequest[]): AucEstimate | null {
  return delongOf(toArrays(rows));
}

function delongOf(data: LabelledArrays): AucEstimate | null {
  const p = placements(data);
  if (!p) return null;
  const ten = meanAndVariance(p.positive); // V10: per positive, share of negatives below it
  const one = meanAndVariance(p.negative); // V01: per negative, share of positives above it
  const m = p.positive.length;
  const n = p.negative.length;
  return { auc: ten.mean, variance: ten.variance / m + one.variance / n, positives: m, negatives: n };
}

export interface AucComparison {
  baseline: AucEstimate;
  candidate: AucEstimate;
  /** baseline − candidate: positive when the candidate ranks worse. */
  difference: number;
  /** Variance of the difference of two independent AUCs. */
  variance: number;
}

/** DeLong comparison of two independent samples (baseline and candidate requests); null if either has one class. */
export function compareAuc(
  baseline: readonly ScoredRequest[],
  candidate: readonly ScoredRequest[],
): AucComparison | null {
  const b = delongAuc(baseline);
  const c = delongAuc(candidate);
  if (!b || !c) return null;
  return { baseline: b, candidate: c, difference: b.auc - c.auc, variance: b.variance + c.variance };
}

/** Labelled requests and requests of each class each variant needs before ROC AUC is judged. */
export const MIN_AUC_ROWS = 100;
export const MIN_AUC_CLASS = 30;

/**
 * ROC AUC guardrail: baseline − candidate (positive = the candidate ranks worse), from each variant's labelled summary
 * (AUC and DeLong variance exact for the binned scores: labelled-summary.ts). DeLong's variance is zero when a
 * variant's scores separate the classes perfectly; it is floored at 1/(m·n), one misordered pair's worth, so a small
 * perfect sample cannot look infinitely precise.
 */
export function compareRocAuc(
  baseline: LabelledSummary | null,
  candidate: LabelledSummary | null,
  tolerance: number,
): Comparison {
  const b = baseline ? binnedAuc(baseline) : null;
  const c = candidate ? binnedAuc(candidate) : null;
  const nB = baseline?.rows ?? 0;
  const nC = candidate?.rows ?? 0;
  const base = {
    guardrail: 'rocAuc' as const,
    baseline: b ? b.auc : null,
    candidate: c ? c.auc : null,
    samples: { baseline: nB, candidate: nC },
    method:
      'ROC AUC of scores binned to 0.001 with DeLong variance (Sun & Xu 2014), normal-mixture confidence sequence ' +
      '(Waudby-Smith et al. 2024)',
    unit: 'score' as const,
    tolerance,
    range: [-1, 1] as [number, number],
  };
  if (nB === 0 || nC === 0) {
    return notYet(
      base,
      `no labelled requests on the ${nC === 0 ? 'candidate' : 'baseline'} (replay traffic with ` +
        'labels is needed to judge quality; leave guardrails.quality empty to not judge it)',
    );
  }
  if (nB < MIN_AUC_ROWS || nC < MIN_AUC_ROWS) {
    const which = nC < MIN_AUC_ROWS ? `${nC} candidate` : `${nB} baseline`;
    return notYet(base, `only ${which} labelled requests so far (need ${MIN_AUC_ROWS} on each variant)`);
  }
  for (const [name, data] of [
    ['baseline', baseline!],
    ['candidate', candidate!],
  ] as const) {
    const negatives = data.rows - data.positives;
    if (Math.min(data.positives, negatives) < MIN_AUC_CLASS) {
      return notYet(
        base,
        `the ${name}'s labelled requests have ${data.positives} positives and ${negatives} negatives: ` +
          `ROC AUC needs at least ${MIN_AUC_CLASS} of each class`,
      );
    }
  }
  const floor = (e: AucEstimate) => Math.max(e.variance, 1 / (e.positives * e.negatives));
  return { ...base, report: (x) => x, estimate: b!.auc - c!.auc, variance: floor(b!) + floor(c!) };
}
