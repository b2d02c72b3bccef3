// Two ROC AUCs of the SAME labelled rows, scored by two models, with DeLong's covariance: E. R. DeLong, D. M. DeLong &
// D. L. Clarke-Pearson, "Comparing the areas under two or more correlated receiver operating characteristic curves: a
// nonparametric approach", Biometrics 44 (1988). Each positive i has a placement V10(i) per model (the share of
// negatives it outscores, ties ½) and each negative j a placement V01(j) (the share of positives above it); the AUC is
// the mean of either, and for the contrast AUC_a − AUC_b
//     Var = (S10_aa + S10_bb − 2·S10_ab)/m + (S01_aa + S01_bb − 2·S01_ab)/n,
// S10_xy the sample covariance (ddof 1) over positives of V10_x and V10_y, S01 the same over negatives. When both
// models rank the rows alike the covariances cancel most of the variance: that is what pairing buys. Placements come
// from sorted scores and binary search (the midrank idea of X. Sun & W. Xu, "Fast implementation of DeLong's algorithm
// for comparing the areas under correlated receiver operating characteristic curves", IEEE SPL 21, 2014): O(N log N).

export interface PairedAucEstimate {
  aucA: number;
  aucB: number;
  /** DeLong's variance of each AUC and their covariance. */
  varianceA: number;
  varianceB: number;
  covariance: number;
  positives: number;
  negatives: number;
}

/** Sorted copy of the scores of one class. */
function sortedScores(labels: ArrayLike<number>, scores: ArrayLike<number>, positive: boolean, size: number) {
  const out = new Float64Array(size);
  let k = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] === 1) === positive) out[k++] = scores[i];
  return out.sort();
}

/** Index of the first value ≥ x (strict: > x) in an ascending array. */
function bound(sorted: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? sorted[mid] <= x : sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** V10 of every positive and V01 of every negative, in row order (positives first, then negatives, as they come). */
function placementsInRowOrder(labels: ArrayLike<number>, scores: ArrayLike<number>, m: number, n: number) {
  const pos = sortedScores(labels, scores, true, m);
  const neg = sortedScores(labels, scores, false, n);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let p = 0;
  let q = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i];
    if (labels[i] === 1) {
      const below = bound(neg, s, false);
      v10[p++] = (below + (bound(neg, s, true) - below) / 2) / n;
    } else {
      const atOrBelow = bound(pos, s, true);
      const below = bound(pos, s, false);
      v01[q++] = (m - atOrBelow + (atOrBelow - below) / 2) / m;
    }
  }
  return { v10, v01 };
}

function covariance(x: Float64Array, y: Float64Array): number {
  const k = x.length;
  if (k < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < k; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= k;
  my /= k;
  let s = 0;
  for (let i = 0; i < k; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (k - 1);
}

const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;

/**
 * AUCs of scores `a` and `b` on the same rows (label 1 positive, anything else negative) with DeLong's variances and
 * covariance; null unless both classes are present. Rows must have finite scores (the caller drops the others).
 */
export function pairedDelong(
  labels: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): PairedAucEstimate | null {
  let m = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) m++;
  const n = labels.length - m;
  if (m === 0 || n === 0) return null;
  const pa = placementsInRowOrder(labels, a, m, n);
  const pb = placementsInRowOrder(labels, b, m, n);
  return {
    aucA: mean(pa.v10),
    aucB: mean(pb.v10),
    varianceA: covariance(pa.v10, pa.v10) / m + covariance(pa.v01, pa.v01) / n,
    varianceB: covariance(pb.v10, pb.v10) / m + covariance(pb.v01, pb.v01) / n,
    covariance: covariance(pa.v10, pb.v10) / m + covariance(pa.v01, pb.v01) / n,
    positives: m,
    negatives: n,
  };
}

/** DeLong's variance of AUC_a − AUC_b on the same rows. */
export function pairedDifferenceVariance(e: PairedAucEstimate): number {
  return Math.max(0, e.varianceA + e.varianceB - 2 * e.covariance);
}
