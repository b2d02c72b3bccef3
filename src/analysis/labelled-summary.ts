// Labelled replay results as sufficient statistics: what the quality guardrails need of a variant's labelled rows,
// in a size that does not grow with the rows, so that evidence reaches the workflow bounded however long it runs.
//
// A LabelledSummary holds
//  - the row and positive counts and the confusion counts at the spec's threshold, exact (counted from the raw rows
//    by whoever has them: the replay activity), so accuracy, precision, recall and F1 are exactly today's;
//  - per class, a sparse histogram of the scores on a fixed grid: bin k holds the scores that round to k/1000
//    (k = floor(1000·score + 0.5), 1,001 bins over [0, 1]). Scores below 0 or above 1 (a model that answers margins,
//    not probabilities) are counted in bin 0 or 1,000 and in `clamped`; rows with a label or score that is not a
//    finite number are left out, as classification.ts does. Sparse: the non-empty bins only, as (bin, rows) pairs kept
//    in two parallel arrays: with all 1,001 bins of both classes filled, 16 KB of JSON and about 32 KB of heap (two
//    packed arrays of small integers per class; an array per pair took 144 KB).
// ROC AUC with ties counted one half (the Mann–Whitney form) and DeLong's placement-based variance depend on the
// scores only through the ranks of the two classes, so on the binned scores both are exact from the histogram: every
// positive in bin k has placement (negatives below k + ½·negatives in k)/n, every negative in bin k has
// (positives above k + ½·positives in k)/m (DeLong, DeLong & Clarke-Pearson, Biometrics 1988; the midrank form of
// Sun & Xu, IEEE SPL 2014).
//
// Binning only turns a pair (positive, negative) whose different scores share a bin into a tie, which counts ½
// instead of 0 or 1; binning is monotone, so every other pair keeps its order. Hence, exactly,
//   |AUC(raw scores) − AUC(binned scores)| ≤ ½ · Σ_k P_k·N_k / (m·n)
// with P_k, N_k the positives and negatives in bin k (`aucBinningBound`): half the share of cross-class pairs that
// share a bin, about ½ · 0.001 · ∫ f₊f₋ for score densities f₊, f₋ on [0, 1]: 2.2e-4 on 2,000 rows of the bench's
// scores (test/fixtures/analysis/binned.json, case "continuous"; the AUC moved by 1.2e-6), against the rocAuc
// guardrail's default tolerance of 0.02. Scores that crowd into few bins (coarse or clamped ones) loosen it.
//
// Summaries merge by adding counts (commutative and associative), so an interval's summary folds into a step's and a
// rollout's, and a retried activity resumes from the summary on its last heartbeat.
import { curveFromSteps, ratesOf, thinCurve } from './classification';
import type {
  AucEstimate,
  ClassificationMetrics,
  Confusion,
  LabelledSummary,
  RocCurve,
  ScoreHistogram,
  ScoredRequest,
} from './types';

/** Bins per unit of score: bin k holds the scores that round to k / SCORE_RESOLUTION. */
export const SCORE_RESOLUTION = 1000;

/** The bin of a finite score: the nearest multiple of 1/resolution, clamped to [0, 1]. */
export function scoreBin(score: number, resolution = SCORE_RESOLUTION): number {
  return Math.min(resolution, Math.max(0, Math.floor(score * resolution + 0.5)));
}

/**
 * Builds a summary one row at a time (the replay activity adds rows as answers arrive): dense counts of 1,001 bins per
 * class, turned into a sparse summary on demand.
 */
export class LabelledSummaryBuilder {
  private readonly positive: Float64Array;
  private readonly negative: Float64Array;
  private readonly confusion: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  private rows = 0;
  private positives = 0;
  private clamped = 0;

  constructor(
    readonly threshold: number,
    readonly resolution = SCORE_RESOLUTION,
  ) {
    if (!(Number.isInteger(resolution) && resolution > 0)) throw new RangeError(`bad resolution ${resolution}`);
    this.positive = new Float64Array(resolution + 1);
    this.negative = new Float64Array(resolution + 1);
  }

  /** Adds one labelled row; a label or score that is not a finite number leaves it out (false). */
  add(label: number, score: number): boolean {
    if (!Number.isFinite(label) || !Number.isFinite(score)) return false;
    const isPositive = label === 1;
    const predicted = score >= this.threshold;
    const c = this.confusion;
    if (isPositive) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
    if (score < 0 || score > 1) this.clamped++;
    (isPositive ? this.positive : this.negative)[scoreBin(score, this.resolution)]++;
    this.rows++;
    if (isPositive) this.positives++;
    return true;
  }

  /** Adds every row of another summary at the same threshold and resolution. */
  addSummary(s: LabelledSummary): this {
    assertMergeable(this, s);
    const add = (dense: Float64Array, h: ScoreHistogram) => h.bins.forEach((bin, i) => (dense[bin] += h.counts[i]));
    add(this.positive, s.histogram.positive);
    add(this.negative, s.histogram.negative);
    this.confusion.tp += s.confusion.tp;
    this.confusion.fp += s.confusion.fp;
    this.confusion.fn += s.confusion.fn;
    this.confusion.tn += s.confusion.tn;
    this.rows += s.rows;
    this.positives += s.positives;
    this.clamped += s.clamped;
    return this;
  }

  summary(): LabelledSummary {
    const sparse = (dense: Float64Array): ScoreHistogram => {
      const out: ScoreHistogram = { bins: [], counts: [] };
      for (let k = 0; k < dense.length; k++) {
        if (dense[k] > 0) {
          out.bins.push(k);
          out.counts.push(dense[k]);
        }
      }
      return out;
    };
    return {
      rows: this.rows,
      positives: this.positives,
      threshold: this.threshold,
      confusion: { ...this.confusion },
      resolution: this.resolution,
      clamped: this.clamped,
      histogram: { positive: sparse(this.positive), negative: sparse(this.negative) },
    };
  }
}

function assertMergeable(a: { threshold: number; resolution: number }, b: LabelledSummary): void {
  if (a.threshold !== b.threshold || a.resolution !== b.resolution) {
    throw new RangeError(
      `labelled summaries at threshold ${a.threshold} / resolution ${a.resolution} and threshold ${b.threshold} / ` +
        `resolution ${b.resolution} cannot be merged`,
    );
  }
}

/** The summary of labelled rows at a threshold. */
export function summarizeLabelled(rows: readonly ScoredRequest[], threshold: number): LabelledSummary {
  const builder = new LabelledSummaryBuilder(threshold);
  for (const row of rows) builder.add(row.label, row.score);
  return builder.summary();
}

/** A summary of no rows. */
export function emptyLabelledSummary(threshold: number, resolution = SCORE_RESOLUTION): LabelledSummary {
  return new LabelledSummaryBuilder(threshold, resolution).summary();
}

/** Two sparse histograms added bin by bin (both ascending). */
function addHistograms(a: ScoreHistogram, b: ScoreHistogram): ScoreHistogram {
  const out: ScoreHistogram = { bins: [], counts: [] };
  const n = a.bins.length;
  const m = b.bins.length;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const k = j >= m || (i < n && a.bins[i] < b.bins[j]) ? a.bins[i] : b.bins[j];
    out.bins.push(k);
    out.counts.push((i < n && a.bins[i] === k ? a.counts[i++] : 0) + (j < m && b.bins[j] === k ? b.counts[j++] : 0));
  }
  return out;
}

/** The summary of both summaries' rows (same threshold and resolution; a RangeError otherwise). */
export function mergeLabelled(a: LabelledSummary, b: LabelledSummary): LabelledSummary {
  assertMergeable(a, b);
  return {
    rows: a.rows + b.rows,
    positives: a.positives + b.positives,
    threshold: a.threshold,
    confusion: {
      tp: a.confusion.tp + b.confusion.tp,
      fp: a.confusion.fp + b.confusion.fp,
      fn: a.confusion.fn + b.confusion.fn,
      tn: a.confusion.tn + b.confusion.tn,
    },
    resolution: a.resolution,
    clamped: a.clamped + b.clamped,
    histogram: {
      positive: addHistograms(a.histogram.positive, b.histogram.positive),
      negative: addHistograms(a.histogram.negative, b.histogram.negative),
    },
  };
}

/** Both classes' counts in every bin that has a row, ascending: P_k and N_k. */
function binsOf(s: LabelledSummary): { positive: number[]; negative: number[]; bin: number[] } {
  const pos = s.histogram.positive;
  const neg = s.histogram.negative;
  const out = { positive: [] as number[], negative: [] as number[], bin: [] as number[] };
  const n = pos.bins.length;
  const m = neg.bins.length;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const k = j >= m || (i < n && pos.bins[i] < neg.bins[j]) ? pos.bins[i] : neg.bins[j];
    out.bin.push(k);
    out.positive.push(i < n && pos.bins[i] === k ? pos.counts[i++] : 0);
    out.negative.push(j < m && neg.bins[j] === k ? neg.counts[j++] : 0);
  }
  return out;
}

/**
 * ROC AUC of the binned scores (ties count ½) with DeLong's variance S10/m + S01/n, both exact for the binned scores;
 * null when only one class is present.
 */
export function binnedAuc(s: LabelledSummary): AucEstimate | null {
  const { positive, negative } = binsOf(s);
  let m = 0;
  let n = 0;
  for (let k = 0; k < positive.length; k++) {
    m += positive[k];
    n += negative[k];
  }
  if (m === 0 || n === 0) return null;
  // Placements per bin: v10 of a positive in bin k, v01 of a negative in bin k.
  const v10 = new Float64Array(positive.length);
  const v01 = new Float64Array(positive.length);
  let negativesBelow = 0;
  let positivesBelow = 0;
  for (let k = 0; k < positive.length; k++) {
    v10[k] = (negativesBelow + negative[k] / 2) / n;
    v01[k] = (m - positivesBelow - positive[k] + positive[k] / 2) / m;
    negativesBelow += negative[k];
    positivesBelow += positive[k];
  }
  let sum = 0;
  for (let k = 0; k < positive.length; k++) sum += positive[k] * v10[k];
  const auc = sum / m;
  // Spreads around the mean, in a second pass (the AUC is the mean of either set of placements).
  let s10 = 0;
  let s01 = 0;
  for (let k = 0; k < positive.length; k++) {
    s10 += positive[k] * (v10[k] - auc) ** 2;
    s01 += negative[k] * (v01[k] - auc) ** 2;
  }
  const ten = m > 1 ? s10 / (m - 1) : 0;
  const one = n > 1 ? s01 / (n - 1) : 0;
  return { auc, variance: ten / m + one / n, positives: m, negatives: n };
}

/**
 * The most the binned AUC can differ from the AUC of the raw scores: ½ · Σ_k P_k·N_k / (m·n), the share of
 * cross-class pairs that share a bin, halved (see the header); null with one class.
 */
export function aucBinningBound(s: LabelledSummary): number | null {
  const { positive, negative } = binsOf(s);
  let m = 0;
  let n = 0;
  let shared = 0;
  for (let k = 0; k < positive.length; k++) {
    m += positive[k];
    n += negative[k];
    shared += positive[k] * negative[k];
  }
  return m > 0 && n > 0 ? shared / (2 * m * n) : null;
}

/**
 * sklearn.metrics.roc_curve(drop_intermediate=True) of the binned scores (k / resolution): empty arrays when only one
 * class is present.
 */
export function binnedRocCurve(s: LabelledSummary): RocCurve {
  const { positive, negative, bin } = binsOf(s);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = bin.length - 1; k >= 0; k--) {
    tp += positive[k];
    fp += negative[k];
    tps.push(tp);
    fps.push(fp);
    thresholds.push(bin[k] / s.resolution);
  }
  if (tp === 0 || fp === 0) return { fpr: [], tpr: [], thresholds: [] };
  return curveFromSteps(tps, fps, thresholds);
}

/**
 * The metrics of classificationMetrics from a summary: accuracy, precision, recall and F1 exact at the summary's
 * threshold, ROC AUC and the ROC curve of the binned scores; null when it holds no rows. `maxCurvePoints` thins the
 * curve for what rides in workflow state.
 */
export function classificationMetricsOf(
  s: LabelledSummary | null,
  options: { maxCurvePoints?: number } = {},
): ClassificationMetrics | null {
  if (!s || s.rows === 0) return null;
  const auc = binnedAuc(s);
  const curve = auc ? binnedRocCurve(s) : null;
  const maxPoints = options.maxCurvePoints;
  return {
    n: s.rows,
    positives: s.positives,
    threshold: s.threshold,
    ...ratesOf(s.confusion),
    rocAuc: auc ? auc.auc : null,
    rocCurve: curve && maxPoints !== undefined ? thinCurve(curve, Math.max(2, maxPoints)) : curve,
  };
}
