// Paired probes as sufficient statistics: every labelled replay row scored by BOTH variants (InvokeEndpoint's
// TargetVariant), so the comparison is within rows and what the rows share (how hard each is) cancels. A
// PairedSummary is bounded whatever the number of rows:
//  - the joint confusion table: for each row the baseline's cell (tp, fp, fn, tn at the threshold) against the
//    candidate's, 16 counts, exact. Accuracy, precision, recall and F1 are each a ratio of per-row means a/b on either
//    variant (accuracy: correct / 1; precision: tp / predicted positive; recall: tp / actual positive; F1: 2tp /
//    (2tp + fp + fn)), so the difference of a metric between the variants has the delta-method variance
//    Σψ²/n² with ψ = (a_b − V_b·b_b)/b̄_b − (a_c − V_c·b_c)/b̄_c per row, a function of the row's two cells: exact from the
//    16 counts. For accuracy this is the variance of the paired difference of proportions behind McNemar's test
//    ((n10 + n01)/n − θ̂²)/n (Q. McNemar, Psychometrika 12, 1947). As Agresti & Min do for matched proportions
//    (A. Agresti & Y. Min, "Simple improved confidence intervals for comparing matched proportions", Statistics in
//    Medicine 24, 2005: add ½ to each of the 2×2 cells, two pseudo-rows in all), the variance is taken on the table with
//    two pseudo-rows spread over its 16 cells, so that a perfect or empty table does not look certain.
//  - ROC AUC by batches: rows are grouped as they arrive into batches of at most PAIRED_BATCH_ROWS, and each batch
//    gives both AUCs and DeLong's exact variance of their difference on its rows (paired-delong.ts; DeLong 1988 covers
//    correlated AUCs). Batches are independent, so the AUC over within-batch positive–negative pairs,
//    Σ w_k·A_k / Σ w_k with w_k = m_k·n_k (the batch's pairs), has variance Σ w_k²·V_k / (Σ w_k)²: four sums, exact.
//    What it gives up against the AUC of all rows is the pairs across batches; the U-statistic's leading variance term
//    is the same (for equal batches of N rows, K·N³/(K·N²)² = 1/(K·N) as for all K·N rows at once), so the loss is of
//    second order. (A joint histogram of the two variants' scores on a coarse grid was the alternative: its covariance
//    term is only approximate, off by up to the share of pairs that share a coarse cell, which is of the size of the
//    gain from pairing.)
//  - latency: both requests of a pair are sent at once; d = log(candidate's round trip / baseline's), folded with
//    Welford's update: its mean and spread. What the two share at that moment (network, the client, load) cancels.
import { pairedDelong, pairedDifferenceVariance } from './paired-delong';

/** Rows per AUC batch: large enough for DeLong's variance per batch, small enough to lose little on a crash. */
export const PAIRED_BATCH_ROWS = 500;

/** Confusion cells, in the order of the joint table's rows and columns. */
export const CELLS = ['tp', 'fp', 'fn', 'tn'] as const;
export type Cell = (typeof CELLS)[number];

export interface PairedSummary {
  /** Rows both variants scored with a finite score, and their positives. */
  rows: number;
  positives: number;
  /** Score at or above which a row counted as predicted positive in `joint`. */
  threshold: number;
  /** joint[4·i + j]: rows in cell CELLS[i] for the baseline and CELLS[j] for the candidate. */
  joint: number[];
  /** ROC AUC over within-batch pairs: Σ w_k, Σ w_k·A_b,k, Σ w_k·A_c,k, Σ w_k²·Var(A_b,k − A_c,k); w_k = m_k·n_k. */
  auc: { batches: number; pairs: number; baseline: number; candidate: number; varianceSum: number };
  /** Round trips of both requests of a pair (ms): d = log(candidate / baseline), Welford; log sums for geometric means. */
  latency: { pairs: number; mean: number; sumSquaredDeviations: number; logBaseline: number; logCandidate: number };
}

export function emptyPairedSummary(threshold: number): PairedSummary {
  return {
    rows: 0,
    positives: 0,
    threshold,
    joint: new Array<number>(16).fill(0),
    auc: { batches: 0, pairs: 0, baseline: 0, candidate: 0, varianceSum: 0 },
    latency: { pairs: 0, mean: 0, sumSquaredDeviations: 0, logBaseline: 0, logCandidate: 0 },
  };
}

/** The confusion cell of one prediction: its index in CELLS. */
export function cellOf(label: number, score: number, threshold: number): number {
  const predicted = score >= threshold;
  if (label === 1) return predicted ? 0 : 2;
  return predicted ? 1 : 3;
}

type Latency = PairedSummary['latency'];

/** Two Welford states of d combined (Chan, Golub & LeVeque's pairwise update). */
function mergeLatency(a: Latency, b: Latency): Latency {
  const n = a.pairs + b.pairs;
  if (n === 0) return { ...a };
  const delta = b.mean - a.mean;
  return {
    pairs: n,
    mean: a.mean + (delta * b.pairs) / n,
    sumSquaredDeviations: a.sumSquaredDeviations + b.sumSquaredDeviations + (delta * delta * a.pairs * b.pairs) / n,
    logBaseline: a.logBaseline + b.logBaseline,
    logCandidate: a.logCandidate + b.logCandidate,
  };
}

/** Both summaries' rows (same threshold; a RangeError otherwise). Commutative and associative, up to rounding. */
export function mergePaired(a: PairedSummary, b: PairedSummary): PairedSummary {
  if (a.threshold !== b.threshold) {
    throw new RangeError(`paired summaries at thresholds ${a.threshold} and ${b.threshold} cannot be merged`);
  }
  return {
    rows: a.rows + b.rows,
    positives: a.positives + b.positives,
    threshold: a.threshold,
    joint: a.joint.map((x, i) => x + b.joint[i]),
    auc: {
      batches: a.auc.batches + b.auc.batches,
      pairs: a.auc.pairs + b.auc.pairs,
      baseline: a.auc.baseline + b.auc.baseline,
      candidate: a.auc.candidate + b.auc.candidate,
      varianceSum: a.auc.varianceSum + b.auc.varianceSum,
    },
    latency: mergeLatency(a.latency, b.latency),
  };
}

/**
 * Builds a paired summary one row at a time, as the paired replay's answers arrive; resumes from an earlier summary
 * (a heartbeat's). Rows of the AUC batch still open when `summary()` is taken are in the confusion table but not yet
 * in the AUC sums; `close()` folds that batch (at the end of an interval).
 */
export class PairedSummaryBuilder {
  private state: PairedSummary;
  private labels: number[] = [];
  private baseline: number[] = [];
  private candidate: number[] = [];

  constructor(
    readonly threshold: number,
    from?: PairedSummary,
    private readonly batchRows = PAIRED_BATCH_ROWS,
  ) {
    this.state = from ? mergePaired(emptyPairedSummary(threshold), from) : emptyPairedSummary(threshold);
  }

  /**
   * Adds a row both variants scored; round trips in ms when both are known. A label or score that is not a finite
   * number leaves the row out (false).
   */
  add(
    label: number,
    baselineScore: number,
    candidateScore: number,
    latencyMs?: { baseline: number; candidate: number },
  ) {
    if (!Number.isFinite(label) || !Number.isFinite(baselineScore) || !Number.isFinite(candidateScore)) return false;
    const s = this.state;
    s.rows++;
    if (label === 1) s.positives++;
    s.joint[4 * cellOf(label, baselineScore, this.threshold) + cellOf(label, candidateScore, this.threshold)]++;
    if (latencyMs && latencyMs.baseline > 0 && latencyMs.candidate > 0) {
      const lb = Math.log(latencyMs.baseline);
      const lc = Math.log(latencyMs.candidate);
      s.latency = mergeLatency(s.latency, {
        pairs: 1,
        mean: lc - lb,
        sumSquaredDeviations: 0,
        logBaseline: lb,
        logCandidate: lc,
      });
    }
    this.labels.push(label === 1 ? 1 : 0);
    this.baseline.push(baselineScore);
    this.candidate.push(candidateScore);
    if (this.labels.length >= this.batchRows) this.close();
    return true;
  }

  /** Folds the open batch into the AUC sums; a batch without two rows of each class cannot give a variance and is dropped. */
  close(): this {
    const e = pairedDelong(this.labels, this.baseline, this.candidate);
    if (e && e.positives >= 2 && e.negatives >= 2) {
      const w = e.positives * e.negatives;
      const auc = this.state.auc;
      auc.batches++;
      auc.pairs += w;
      auc.baseline += w * e.aucA;
      auc.candidate += w * e.aucB;
      auc.varianceSum += w * w * pairedDifferenceVariance(e);
    }
    this.labels = [];
    this.baseline = [];
    this.candidate = [];
    return this;
  }

  summary(): PairedSummary {
    return mergePaired(emptyPairedSummary(this.threshold), this.state);
  }
}
