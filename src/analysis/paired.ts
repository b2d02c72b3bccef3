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
//    Welford's update: its mean and spread. What the two share at that moment (network, the client, load) cancels;
//    what each variant's instance does over seconds to minutes (a GC pause, a noisy neighbour, a cold cache) does not,
//    and it moves every pair of that stretch alike, so the pairs are not independent and their spread understates the
//    mean's variance (in bench:guardrail's world, where each instance has its own minute-long hiccups, treating the
//    pairs as independent rolled back 40% of equal candidates). So the pairs are also grouped into batches by time, and
//    latency is judged on the batches' mean log ratios (`latencyBatches`, LatencyStatistics with one entry per batch) by
//    the same t-based tests as CloudWatch's periods: their spread is estimated across batches, where the hiccups show.
//    A batch is the wall-clock minute of the pair when the caller gives its time (`at`), as CloudWatch's periods; else
//    the replay interval (closed by `close()`). Minutes are the safer unit: adjacent 30 s intervals share a minute-long
//    hiccup and so look more alike than independent batches would (the bench's equal candidates were rolled back on
//    latency 5% of the time with 30 s batches, at a share of 1%). Open minutes are carried in the summary (at most the
//    two newest after a merge: older ones are complete, as replay runs continuously while a step soaks, and are folded).
import { foldLatencyBatch, mergeLatencyStatistics, NO_LATENCY_PERIODS } from './latency';
import { pairedDelong, pairedDifferenceVariance } from './paired-delong';
import type { LatencyStatistics } from './types';

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
  latency: Latency;
  /**
   * The round trips per interval: one entry per closed interval, d its pairs' mean log ratio (log sums in µs, as
   * CloudWatch's). Absent in summaries built before intervals were kept.
   */
  latencyBatches?: LatencyStatistics;
  /** The pairs without a time of the interval not closed yet (a heartbeat's summary carries them to a resumed attempt). */
  latencyOpen?: Latency;
  /** Pairs with a time, per wall-clock minute (epoch ms of its start), oldest first: the minutes not yet folded. */
  latencyMinutes?: { minute: number; pairs: Latency }[];
  /**
   * The length of those "minutes" (ms): the spec's metric period, as CloudWatch's periods (60 s on AWS; a time-scaled
   * test's spec has 1 s). Absent: 60 s.
   */
  latencyBatchMs?: number;
}

/** A minute of timed pairs is folded once a pair of a minute this much later has come (the newest two stay open). */
const MINUTE_MS = 60_000;

type Latency = { pairs: number; mean: number; sumSquaredDeviations: number; logBaseline: number; logCandidate: number };

const NO_PAIRS: Latency = { pairs: 0, mean: 0, sumSquaredDeviations: 0, logBaseline: 0, logCandidate: 0 };

export function emptyPairedSummary(threshold: number): PairedSummary {
  return {
    rows: 0,
    positives: 0,
    threshold,
    joint: new Array<number>(16).fill(0),
    auc: { batches: 0, pairs: 0, baseline: 0, candidate: 0, varianceSum: 0 },
    latency: { ...NO_PAIRS },
    latencyBatches: NO_LATENCY_PERIODS,
    latencyOpen: { ...NO_PAIRS },
    latencyMinutes: [],
  };
}

/** One batch of pairs as an entry of the latency statistics (log sums in µs, as CloudWatch's ModelLatency). */
function foldPairs(stats: LatencyStatistics, open: Latency): LatencyStatistics {
  if (open.pairs < 2) return stats;
  const ms = Math.log(1000);
  return foldLatencyBatch(stats, {
    d: open.mean,
    modelVariance: open.sumSquaredDeviations / (open.pairs - 1) / open.pairs,
    logBaseline: open.logBaseline / open.pairs + ms,
    logCandidate: open.logCandidate / open.pairs + ms,
  });
}

/** Both lists of open minutes, merged by minute (oldest first). */
function mergeMinutes(a: { minute: number; pairs: Latency }[], b: { minute: number; pairs: Latency }[]) {
  const byMinute = new Map<number, Latency>();
  for (const { minute, pairs } of [...a, ...b])
    byMinute.set(minute, mergeLatency(byMinute.get(minute) ?? NO_PAIRS, pairs));
  return [...byMinute].sort((x, y) => x[0] - y[0]).map(([minute, pairs]) => ({ minute, pairs }));
}

/** Folds the minutes older than `before` into the batches; returns the batches and the minutes left open. */
function foldMinutesBefore(
  batches: LatencyStatistics,
  minutes: { minute: number; pairs: Latency }[],
  before: number,
): { batches: LatencyStatistics; open: { minute: number; pairs: Latency }[] } {
  let out = batches;
  for (const m of minutes) if (m.minute < before) out = foldPairs(out, m.pairs);
  return { batches: out, open: minutes.filter((m) => m.minute >= before) };
}

/** Keeps the newest two minutes open and folds the rest. */
function settleMinutes(s: PairedSummary): void {
  const minutes = s.latencyMinutes ?? [];
  if (minutes.length <= 2) return;
  const newest = minutes[minutes.length - 1].minute;
  const length = s.latencyBatchMs ?? MINUTE_MS;
  const { batches, open } = foldMinutesBefore(s.latencyBatches ?? NO_LATENCY_PERIODS, minutes, newest - length);
  s.latencyBatches = batches;
  s.latencyMinutes = open;
}

/**
 * The batches latency is judged on: those folded, and every open minute but the newest (replay runs on while a step
 * soaks, so only the newest minute may still get pairs; at worst a minute cut short by a settle wait counts with the
 * pairs it has).
 */
export function pairedLatencyBatches(s: PairedSummary): LatencyStatistics {
  const minutes = s.latencyMinutes ?? [];
  const batches = s.latencyBatches ?? NO_LATENCY_PERIODS;
  if (minutes.length < 2) return batches;
  return foldMinutesBefore(batches, minutes, minutes[minutes.length - 1].minute).batches;
}

/** The confusion cell of one prediction: its index in CELLS. */
export function cellOf(label: number, score: number, threshold: number): number {
  const predicted = score >= threshold;
  if (label === 1) return predicted ? 0 : 2;
  return predicted ? 1 : 3;
}

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

/**
 * Both summaries' rows (same threshold; a RangeError otherwise). Commutative and associative, up to rounding, but for
 * timed round trips of a minute more than a minute older than the newest: that minute is folded when the merge sees a
 * later one, which merging in time order (the workflow's) never does before the minute's last pair.
 */
export function mergePaired(a: PairedSummary, b: PairedSummary): PairedSummary {
  const out = combine(a, b);
  settleMinutes(out);
  return out;
}

/** Both summaries' rows, timed minutes all kept open (a builder's copy: its interval's minutes fold in a merge). */
function combine(a: PairedSummary, b: PairedSummary): PairedSummary {
  if (a.threshold !== b.threshold) {
    throw new RangeError(`paired summaries at thresholds ${a.threshold} and ${b.threshold} cannot be merged`);
  }
  const out: PairedSummary = {
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
    latencyBatches: mergeLatencyStatistics(
      a.latencyBatches ?? NO_LATENCY_PERIODS,
      b.latencyBatches ?? NO_LATENCY_PERIODS,
    ),
    latencyOpen: mergeLatency(a.latencyOpen ?? NO_PAIRS, b.latencyOpen ?? NO_PAIRS),
    latencyMinutes: mergeMinutes(a.latencyMinutes ?? [], b.latencyMinutes ?? []),
    ...((a.latencyBatchMs ?? b.latencyBatchMs) !== undefined
      ? { latencyBatchMs: a.latencyBatchMs ?? b.latencyBatchMs }
      : {}),
  };
  return out;
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
    latencyBatchMs?: number,
  ) {
    this.state = from ? combine(emptyPairedSummary(threshold), from) : emptyPairedSummary(threshold);
    if (latencyBatchMs !== undefined && latencyBatchMs > 0) this.state.latencyBatchMs = latencyBatchMs;
  }

  /**
   * Adds a row both variants scored; round trips in ms when both are known, and when the pair was sent (`at`, epoch
   * ms: its minute is its latency batch). A label or score that is not a finite number leaves the row out (false).
   */
  add(
    label: number,
    baselineScore: number,
    candidateScore: number,
    latencyMs?: { baseline: number; candidate: number; at?: number },
  ) {
    if (!Number.isFinite(label) || !Number.isFinite(baselineScore) || !Number.isFinite(candidateScore)) return false;
    const s = this.state;
    s.rows++;
    if (label === 1) s.positives++;
    s.joint[4 * cellOf(label, baselineScore, this.threshold) + cellOf(label, candidateScore, this.threshold)]++;
    if (latencyMs && latencyMs.baseline > 0 && latencyMs.candidate > 0) {
      const lb = Math.log(latencyMs.baseline);
      const lc = Math.log(latencyMs.candidate);
      const pair = { pairs: 1, mean: lc - lb, sumSquaredDeviations: 0, logBaseline: lb, logCandidate: lc };
      s.latency = mergeLatency(s.latency, pair);
      if (latencyMs.at !== undefined && Number.isFinite(latencyMs.at)) {
        const length = s.latencyBatchMs ?? MINUTE_MS;
        const minute = Math.floor(latencyMs.at / length) * length;
        // Folded only when merged into the rollout's evidence: this interval's first minute may have pairs there.
        // Pairs come in time order, so the pair is nearly always the newest minute's: merged in place, not by a
        // rebuild of every open minute per pair (the bench's paired rollouts spent a fifth of their time there).
        const minutes = (s.latencyMinutes ??= []);
        const last = minutes[minutes.length - 1];
        if (last !== undefined && last.minute === minute) last.pairs = mergeLatency(last.pairs, pair);
        else if (last === undefined || last.minute < minute) minutes.push({ minute, pairs: pair });
        else s.latencyMinutes = mergeMinutes(minutes, [{ minute, pairs: pair }]);
      } else s.latencyOpen = mergeLatency(s.latencyOpen ?? NO_PAIRS, pair);
    }
    this.labels.push(label === 1 ? 1 : 0);
    this.baseline.push(baselineScore);
    this.candidate.push(candidateScore);
    if (this.labels.length >= this.batchRows) this.closeAucBatch();
    return true;
  }

  /**
   * Ends an interval (the replay activity calls it at the end of each): folds the open AUC batch, and the interval's
   * untimed round trips as one entry of `latencyBatches` (timed ones are batched by minute).
   */
  close(): this {
    this.closeAucBatch();
    this.state.latencyBatches = foldPairs(
      this.state.latencyBatches ?? NO_LATENCY_PERIODS,
      this.state.latencyOpen ?? NO_PAIRS,
    );
    this.state.latencyOpen = { ...NO_PAIRS };
    return this;
  }

  /** Folds the open batch into the AUC sums; a batch without two rows of each class cannot give a variance and is dropped. */
  private closeAucBatch(): void {
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
  }

  summary(): PairedSummary {
    return combine(emptyPairedSummary(this.threshold), this.state);
  }
}
