// Classification metrics of labelled requests with scikit-learn's definitions (accuracy_score, precision_score,
// recall_score and f1_score with zero_division=0, roc_curve with drop_intermediate=True, roc_auc_score), so a
// number here can be checked against sklearn on the same rows (test/fixtures/analysis/reference.json).
//
// A row counts as positive when its label is 1 (sklearn's pos_label=1) and as predicted positive when its score is
// at or above the threshold. Rows whose label or score is not a finite number are left out: one bad row from a
// model must not turn every metric into NaN.
import type { ClassificationMetrics, Confusion, RocCurve, ScoredRequest } from './types';

/** Labels (1 = positive) and scores of the usable rows, as typed arrays for fast sorting. */
export interface LabelledArrays {
  labels: Uint8Array;
  scores: Float64Array;
  positives: number;
}

export function toArrays(rows: readonly ScoredRequest[]): LabelledArrays {
  const labels = new Uint8Array(rows.length);
  const scores = new Float64Array(rows.length);
  let n = 0;
  let positives = 0;
  for (const row of rows) {
    if (!Number.isFinite(row.label) || !Number.isFinite(row.score)) continue;
    const positive = row.label === 1 ? 1 : 0;
    labels[n] = positive;
    scores[n] = row.score;
    positives += positive;
    n++;
  }
  return { labels: labels.subarray(0, n), scores: scores.subarray(0, n), positives };
}

export function confusionOf(data: LabelledArrays, threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const { labels, scores } = data;
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** Accuracy, precision, recall and F1 from confusion counts, each 0 where sklearn's zero_division=0 gives 0. */
export function ratesOf(c: Confusion): { accuracy: number; precision: number; recall: number; f1: number } {
  const n = c.tp + c.fp + c.fn + c.tn;
  const f1Denominator = 2 * c.tp + c.fp + c.fn;
  return {
    accuracy: n > 0 ? (c.tp + c.tn) / n : 0,
    precision: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0,
    recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0,
    f1: f1Denominator > 0 ? (2 * c.tp) / f1Denominator : 0,
  };
}

/** Row indices ordered by score, highest first. */
function byScoreDescending(scores: Float64Array): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  return order;
}

const EMPTY_CURVE: RocCurve = { fpr: [], tpr: [], thresholds: [] };

function curveOf(data: LabelledArrays): RocCurve {
  const { labels, scores, positives } = data;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return EMPTY_CURVE;
  const order = byScoreDescending(scores);
  // sklearn's _binary_clf_curve: cumulative true/false positives at the last row of each distinct score.
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    tp += labels[order[k]];
    const score = scores[order[k]];
    if (k === order.length - 1 || scores[order[k + 1]] !== score) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      thresholds.push(score);
    }
  }
  return curveFromSteps(tps, fps, thresholds);
}

/**
 * The ROC curve of sklearn's roc_curve from its _binary_clf_curve: cumulative true and false positives at each
 * distinct score, highest score first (both classes present). Shared by the raw rows here and the binned scores of a
 * labelled summary (labelled-summary.ts), so both follow sklearn 1.2 the same way.
 */
export function curveFromSteps(
  tps: readonly number[],
  fps: readonly number[],
  thresholds: readonly number[],
): RocCurve {
  const positives = tps[tps.length - 1];
  const negatives = fps[fps.length - 1];
  // drop_intermediate=True: keep the ends and every point where the curve bends (a nonzero second difference).
  const keep: number[] = [];
  for (let i = 0; i < tps.length; i++) {
    const end = i === 0 || i === tps.length - 1;
    if (tps.length <= 2 || end) {
      keep.push(i);
      continue;
    }
    const bendF = fps[i + 1] - 2 * fps[i] + fps[i - 1];
    const bendT = tps[i + 1] - 2 * tps[i] + tps[i - 1];
    if (bendF !== 0 || bendT !== 0) keep.push(i);
  }
  // sklearn 1.2 starts the curve at (0, 0) with threshold max(score) + 1.
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [thresholds[0] + 1] };
  for (const i of keep) {
    curve.fpr.push(fps[i] / negatives);
    curve.tpr.push(tps[i] / positives);
    curve.thresholds.push(thresholds[i]);
  }
  return curve;
}

/**
 * sklearn.metrics.roc_curve(drop_intermediate=True) (scikit-learn 1.2: the first threshold is max(score) + 1).
 * Empty arrays when only one class is present, where sklearn would return NaN rates.
 */
export function rocCurve(rows: readonly ScoredRequest[]): RocCurve {
  return curveOf(toArrays(rows));
}

/**
 * Placement values of the Mann–Whitney form of the AUC, in O(n log n) as in Sun & Xu (2014): for each positive
 * the share of negatives scored below it (ties count one half), and for each negative the share of positives
 * scored above it. The AUC is the mean of either set; DeLong's variance is built from their spreads.
 */
export function placements(data: LabelledArrays): { positive: Float64Array; negative: Float64Array } | null {
  const { labels, scores, positives } = data;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  pos.sort();
  neg.sort();
  const positive = new Float64Array(positives);
  const negative = new Float64Array(negatives);
  // Walk both sorted lists once: for each distinct score, how many of the other class are below and equal.
  let j = 0; // negatives strictly below pos[i]
  let i = 0;
  while (i < positives) {
    const x = pos[i];
    while (j < negatives && neg[j] < x) j++;
    let equal = 0;
    while (j + equal < negatives && neg[j + equal] === x) equal++;
    const v = (j + equal / 2) / negatives;
    while (i < positives && pos[i] === x) positive[i++] = v;
  }
  let k = 0; // positives at or below neg[l]
  let l = 0;
  while (l < negatives) {
    const y = neg[l];
    while (k < positives && pos[k] < y) k++;
    let equal = 0;
    while (k + equal < positives && pos[k + equal] === y) equal++;
    const v = (positives - k - equal + equal / 2) / positives;
    while (l < negatives && neg[l] === y) negative[l++] = v;
  }
  return { positive, negative };
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** roc_auc_score: area under the ROC curve, ties counted one half; null when only one class is present. */
export function rocAuc(rows: readonly ScoredRequest[]): number | null {
  const p = placements(toArrays(rows));
  return p ? mean(p.positive) : null;
}

/** The curve thinned to at most maxPoints (both ends and evenly spaced points kept), to keep workflow state small. */
export function thinCurve(curve: RocCurve, maxPoints: number): RocCurve {
  const n = curve.fpr.length;
  if (n <= maxPoints) return curve;
  const out: RocCurve = { fpr: [], tpr: [], thresholds: [] };
  const push = (i: number) => {
    out.fpr.push(curve.fpr[i]);
    out.tpr.push(curve.tpr[i]);
    out.thresholds.push(curve.thresholds[i]);
  };
  const cells = maxPoints - 2;
  let lastCell = -1;
  push(0);
  for (let i = 1; i < n - 1; i++) {
    const cell = Math.floor((i / (n - 1)) * cells);
    if (cell !== lastCell) {
      push(i);
      lastCell = cell;
    }
  }
  push(n - 1);
  return out;
}

/**
 * sklearn-compatible metrics at a threshold; null when there are no usable rows. `maxCurvePoints` thins the ROC
 * curve for summaries that ride in workflow state (the full curve has one point per distinct score).
 */
export function classificationMetrics(
  rows: readonly ScoredRequest[],
  threshold: number,
  options: { maxCurvePoints?: number } = {},
): ClassificationMetrics | null {
  const data = toArrays(rows);
  const n = data.labels.length;
  if (n === 0) return null;
  const rates = ratesOf(confusionOf(data, threshold));
  const p = placements(data);
  const full = p ? curveOf(data) : null;
  const maxPoints = options.maxCurvePoints;
  return {
    n,
    positives: data.positives,
    threshold,
    ...rates,
    rocAuc: p ? mean(p.positive) : null,
    rocCurve: full && maxPoints !== undefined ? thinCurve(full, Math.max(2, maxPoints)) : full,
  };
}
