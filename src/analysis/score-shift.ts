// The label-free early guard: do the candidate's live scores follow the baseline's, on the same traffic? A broken
// model (constant scores, inverted scores, a wrong feature order) shows in its score distribution at once, long before
// a label arrives.
//
// Against what: the baseline's scores on the same randomized traffic, never the training data. SageMaker routes each
// request to a variant at random by the weights, so both arms see the same inputs at every moment; a difference between
// the arms' scores is the models' doing. A comparison with the training data's scores would measure how live inputs
// drifted since training (both variants would show it, and a good candidate would be judged for the world changing),
// not whether the candidate is worse than what it replaces.
//
// The estimate (design-based, from the randomization alone): request i goes to the candidate with the known probability
// w_i (its step's weight), and for a fixed score threshold x
//     Y_i(x) = (1{candidate} − w_i) / (w_i·(1 − w_i)) · 1{score_i ≤ x}
// has conditional mean F_c,i(x) − F_b,i(x), the difference of the two models' distribution functions at x on the inputs
// of that moment, whatever the inputs are and however they drift (inverse-propensity weighting; Horvitz & Thompson
// 1952), and across weight changes between steps. So Σ Y_i − Σ (F_c,i − F_b,i) is a martingale, and the mean Ȳ(x) with
// its plug-in variance has an always-valid normal-mixture confidence sequence (the asymptotic confidence sequences of
// Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, Ann. Statist. 2024, which treat exactly such inverse-propensity
// estimates in randomized experiments; sequential.ts). The guard's statistic is the largest |Ȳ(x)| over a grid of
// thresholds fixed in code, a Kolmogorov–Smirnov distance on the grid; the 2·K one-sided bounds (both signs at each of
// the K thresholds) share the guard's alpha (Bonferroni), so the bounds on the grid distance hold at every look.
//
// Its null is the spec's tolerance: the candidate's distribution function is within `tolerance` of the baseline's at
// every threshold of the grid. It fails when the lower bound of the distance exceeds the tolerance, passes when the upper
// bound is under it. A better model also moves its scores (the demo's challenger by 0.29 from its champion), so the
// tolerance must exceed what a legitimate new model does; a guard without a tolerance (any difference) would roll back
// every improvement sooner or later.
//
// Sufficient statistics: per threshold Σ Y and Σ Y², and the request count, folded from each weight period's counts
// of captured scores at or below each threshold, per variant: a few hundred numbers whatever the traffic.
//
// In a shadow step the same guard is paired: each mirrored request has both variants' scores for the same input
// (captured under the caller's InferenceId), so Y_i(x) = 1{candidate's score ≤ x} − 1{baseline's score ≤ x} has mean
// F_c,i(x) − F_b,i(x) with no weighting at all, and the same sums, bounds and verdict apply (Y_i ∈ {−1, 0, 1}: Σ Y is
// the pairs where only the candidate's score is at or below x minus those where only the baseline's is, Σ Y² their
// sum). What the pair shares (the input) cancels, so it needs far fewer requests than the routed guard.
import { GUARDRAIL_DESIGN, type GuardrailDesign, type GuardrailResult } from './types';
import { formatLevel, groupThousands } from './format';
import { mixingScaleFor, oneSidedRadius } from './sequential';

/** The thresholds of the grid, fixed before any data: dense where calibrated models of rare events put their scores. */
export const SCORE_SHIFT_THRESHOLDS: readonly number[] = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99,
];
/** Captured predictions each variant needs before the guard judges. */
export const MIN_SCORE_SHIFT_PREDICTIONS = 100;

/** One variant's captured predictions in one stable-weight period: how many, and how many at or below each threshold. */
export interface ScoreCounts {
  predictions: number;
  atOrBelow: number[];
}

/** One stable-weight period's captured predictions of both variants. */
export interface ScoreShiftPeriod {
  /** Percent of traffic routed to the candidate throughout the period. */
  candidateWeight: number;
  baseline: ScoreCounts;
  candidate: ScoreCounts;
}

export interface ScoreShiftStatistics {
  /** Requests of both variants folded (periods with both variants routed: 0 < weight < 100); pairs when `paired`. */
  requests: number;
  /** Folded from pairs of answers to the same mirrored requests (a shadow step), not from routed traffic. */
  paired?: true;
  /** Per threshold: Σ Y and Σ Y² over the requests. */
  sums: number[];
  squares: number[];
  /** The variants' own counts, for people: predictions and how many at or below each threshold. */
  baseline: ScoreCounts;
  candidate: ScoreCounts;
}

export const emptyScoreCounts = (): ScoreCounts => ({
  predictions: 0,
  atOrBelow: SCORE_SHIFT_THRESHOLDS.map(() => 0),
});

export function emptyScoreShift(): ScoreShiftStatistics {
  return {
    requests: 0,
    sums: SCORE_SHIFT_THRESHOLDS.map(() => 0),
    squares: SCORE_SHIFT_THRESHOLDS.map(() => 0),
    baseline: emptyScoreCounts(),
    candidate: emptyScoreCounts(),
  };
}

/** Counts one score into a variant's counts. */
export function countScore(into: ScoreCounts, score: number): void {
  into.predictions++;
  SCORE_SHIFT_THRESHOLDS.forEach((x, j) => {
    if (score <= x) into.atOrBelow[j]++;
  });
}

const addCounts = (a: ScoreCounts, b: ScoreCounts): ScoreCounts => ({
  predictions: a.predictions + b.predictions,
  atOrBelow: a.atOrBelow.map((x, j) => x + b.atOrBelow[j]),
});

/**
 * The centre of a threshold's indicators for the next period: the mean of the two variants' shares at or below it over
 * the periods folded so far (0 before any). Known before the period's predictions are, so it keeps the estimate's mean.
 */
function centreOf(stats: ScoreShiftStatistics, j: number): number {
  const share = (c: ScoreCounts) => (c.predictions > 0 ? c.atOrBelow[j] / c.predictions : null);
  const b = share(stats.baseline);
  const c = share(stats.candidate);
  return b === null ? (c ?? 0) : c === null ? b : (b + c) / 2;
}

/**
 * Folds one period's counts. Periods at weight 0 or 100 have no randomization between the variants and add nothing;
 * each period is folded once (its counts are the predictions read for the first time). The indicators are centred on
 * what the earlier periods showed (centreOf): Y_i = (1{candidate} − w)/(w(1 − w))·(1{score_i ≤ x} − m), whose
 * conditional mean is still F_c − F_b (the assignment's weight has mean 0 whatever m is, and m is fixed before the
 * period), and whose variance per request, E[(I − m)² | candidate]/w + E[(I − m)² | baseline]/(1 − w) − (F_c − F_b)², is
 * 4F(1 − F) at w = ½ and m = F instead of 4F: at a threshold where both variants put 99% of their scores, 100 times
 * smaller. A control variate from the variants' own
 * earlier periods (CUPED-like: Deng, Xu, Kohavi & Walker, WSDM 2013).
 */
export function foldScoreShift(
  stats: ScoreShiftStatistics,
  period: ScoreShiftPeriod,
  design: GuardrailDesign = GUARDRAIL_DESIGN,
): ScoreShiftStatistics {
  const w = period.candidateWeight / 100;
  if (!(w > 0 && w < 1)) return stats;
  const { baseline: b, candidate: c } = period;
  // Design 1 (rollouts started before issue 21) folded the indicators uncentred (m = 0): its sums must stay as they were.
  const m = SCORE_SHIFT_THRESHOLDS.map((_, j) => (design === 1 ? 0 : centreOf(stats, j)));
  // Σ over the candidate's requests of (1{s ≤ x} − m)/w, minus the baseline's over 1 − w; (I − m)² = I(1 − 2m) + m².
  const centred = (k: ScoreCounts, j: number) => k.atOrBelow[j] - m[j] * k.predictions;
  const squared = (k: ScoreCounts, j: number) => k.atOrBelow[j] * (1 - 2 * m[j]) + k.predictions * m[j] * m[j];
  return {
    requests: stats.requests + b.predictions + c.predictions,
    sums: stats.sums.map((s, j) => s + centred(c, j) / w - centred(b, j) / (1 - w)),
    squares: stats.squares.map((s, j) => s + squared(c, j) / (w * w) + squared(b, j) / ((1 - w) * (1 - w))),
    baseline: addCounts(stats.baseline, b),
    candidate: addCounts(stats.candidate, c),
  };
}

/** A slice of paired answers (a shadow step): per threshold, the pairs where only one variant's score is at or below it. */
export interface PairedScoreCounts {
  pairs: number;
  candidateOnly: number[];
  baselineOnly: number[];
  /** Each variant's scores of the pairs, for people. */
  baseline: ScoreCounts;
  candidate: ScoreCounts;
}

export const emptyPairedScoreCounts = (): PairedScoreCounts => ({
  pairs: 0,
  candidateOnly: SCORE_SHIFT_THRESHOLDS.map(() => 0),
  baselineOnly: SCORE_SHIFT_THRESHOLDS.map(() => 0),
  baseline: emptyScoreCounts(),
  candidate: emptyScoreCounts(),
});

/** Counts one pair of scores (the baseline's and the candidate's answer to the same request). */
export function countScorePair(into: PairedScoreCounts, baseline: number, candidate: number): void {
  into.pairs++;
  countScore(into.baseline, baseline);
  countScore(into.candidate, candidate);
  SCORE_SHIFT_THRESHOLDS.forEach((x, j) => {
    if (candidate <= x && !(baseline <= x)) into.candidateOnly[j]++;
    if (baseline <= x && !(candidate <= x)) into.baselineOnly[j]++;
  });
}

/** Folds a slice of pairs (see the header): Y_i ∈ {−1, 0, 1}, so Σ Y = candidateOnly − baselineOnly, Σ Y² their sum. */
export function foldPairedScoreShift(stats: ScoreShiftStatistics, counts: PairedScoreCounts): ScoreShiftStatistics {
  return {
    requests: stats.requests + counts.pairs,
    paired: true,
    sums: stats.sums.map((s, j) => s + counts.candidateOnly[j] - counts.baselineOnly[j]),
    squares: stats.squares.map((s, j) => s + counts.candidateOnly[j] + counts.baselineOnly[j]),
    baseline: addCounts(stats.baseline, counts.baseline),
    candidate: addCounts(stats.candidate, counts.candidate),
  };
}

/**
 * The grid distance's estimate and bounds. The lower bound (fail) is the largest of each threshold's |Ȳ| − its one-sided
 * radius at alpha / (2K): a false fail needs any of the 2K one-sided tests wrong (Bonferroni). The upper bound (pass)
 * is the largest |Ȳ| + radius at `passAlpha` itself: a false pass needs the upper bound under the tolerance at a threshold
 * where the distance is at least the tolerance, and there one one-sided test is wrong (|Ȳ| + r < tol forces Ȳ below
 * μ − r when μ ≥ tol, above μ + r when μ ≤ −tol), so the pass side needs no share of its error per threshold.
 */
export function scoreShiftBounds(
  stats: ScoreShiftStatistics,
  alpha: number,
  tolerance: number,
  passAlpha: number = alpha,
  design: GuardrailDesign = GUARDRAIL_DESIGN,
): { estimate: number; lower: number; upper: number; at: number } {
  const k = SCORE_SHIFT_THRESHOLDS.length;
  const each = alpha / (2 * k);
  // Design 1 (rollouts started before issue 21) held the pass side at alpha / (2K) per threshold too, and floored the
  // variance at Number.MIN_VALUE (a threshold no score fell under then never passes): kept so those rollouts replay.
  const v1 = design === 1;
  const passEach = v1 ? each : passAlpha;
  // Tuned to be sharpest where the radius is half the tolerance: a broken model (distance 0.6–0.9 at the default 0.5)
  // fails once the radius is under a few tenths, and an equal one passes once it is under half the tolerance.
  const tau = mixingScaleFor(tolerance / 2, each);
  const tauPass = mixingScaleFor(tolerance / 2, passEach);
  const n = stats.requests;
  // A threshold no score of either variant fell at or below (a calibrated model with no score under 0.01) has a
  // plug-in variance of 0, and the mixture's radius at a variance of 0 overflows to infinity: it could never pass. One
  // pseudo request's worth (1/n²) keeps it finite and tiny.
  const floor = v1 ? Number.MIN_VALUE : 1 / (n * n);
  let estimate = 0;
  let lower = 0;
  let upper = 0;
  let at = 0;
  SCORE_SHIFT_THRESHOLDS.forEach((_, j) => {
    const mean = stats.sums[j] / n;
    // Pairs of identical answers give Y = 0 throughout, a zero spread that would look certain: paired statistics get
    // two pseudo-pairs, one each way (sums unchanged, Σ Y² + 2), as Agresti & Caffo add pseudo-observations.
    const pseudo = stats.paired ? 2 : 0;
    const second = (stats.squares[j] + pseudo) / (n + pseudo);
    const variance = Math.max((second - mean * mean) / n, floor);
    if (Math.abs(mean) > estimate) {
      estimate = Math.abs(mean);
      at = j;
    }
    lower = Math.max(lower, Math.abs(mean) - oneSidedRadius(variance, tau, each));
    upper = Math.max(upper, Math.abs(mean) + oneSidedRadius(variance, tauPass, passEach));
  });
  return { estimate, lower, upper: Math.min(1, upper), at };
}

const pct = (x: number, n: number) => (n > 0 ? `${((100 * x) / n).toFixed(1)}%` : 'n/a');

/** The guard's verdict at its share of alpha (see the header). */
export function judgeScoreShift(
  stats: ScoreShiftStatistics | null,
  alpha: number,
  tolerance: number,
  passAlpha: number = alpha,
  design: GuardrailDesign = GUARDRAIL_DESIGN,
): GuardrailResult {
  const s = stats ?? emptyScoreShift();
  const half = SCORE_SHIFT_THRESHOLDS.indexOf(0.5);
  const share = (c: ScoreCounts, j: number) => (c.predictions > 0 ? c.atOrBelow[j] / c.predictions : null);
  const common = {
    guardrail: 'scoreShift' as const,
    baseline: share(s.baseline, half),
    candidate: share(s.candidate, half),
    tolerance,
    alpha,
    samples: { baseline: s.baseline.predictions, candidate: s.candidate.predictions },
    method: s.paired
      ? 'label-free: largest difference of the score distribution functions on a fixed grid, each mirrored request ' +
        'scored by both variants (paired by InferenceId), normal-mixture confidence sequences (Howard et al. 2021), ' +
        'Bonferroni over the grid'
      : 'label-free: largest difference of the live score distribution functions on a fixed grid, inverse-propensity ' +
        'weighted by the routing weights, normal-mixture confidence sequences (Waudby-Smith et al. 2024), Bonferroni ' +
        'over the grid',
  };
  const what = s.paired ? 'paired answers of mirrored requests' : 'randomized live traffic';
  const fewer = Math.min(s.baseline.predictions, s.candidate.predictions);
  if (fewer < MIN_SCORE_SHIFT_PREDICTIONS) {
    const which = s.candidate.predictions <= s.baseline.predictions ? 'candidate' : 'baseline';
    return {
      ...common,
      verdict: 'continue',
      difference: null,
      interval: null,
      reason:
        `scoreShift: only ${fewer} captured ${which} predictions of ${what} so far (need ` +
        `${MIN_SCORE_SHIFT_PREDICTIONS} on each variant)`,
    };
  }
  const { estimate, lower, upper, at } = scoreShiftBounds(s, alpha, tolerance, passAlpha, design);
  const x = SCORE_SHIFT_THRESHOLDS[at];
  const summary =
    `scoreShift: live scores at or below ${x}: candidate ${pct(s.candidate.atOrBelow[at], s.candidate.predictions)} ` +
    `vs baseline ${pct(s.baseline.atOrBelow[at], s.baseline.predictions)} (largest difference ${estimate.toFixed(3)} ` +
    `over ${groupThousands(s.requests)} requests, ${formatLevel(alpha + passAlpha)} CS [${lower.toFixed(3)}, ${upper.toFixed(3)}])`;
  if (lower > tolerance) {
    return {
      ...common,
      verdict: 'fail',
      difference: estimate,
      interval: [lower, upper],
      reason: `${summary} exceeds the tolerance of ${tolerance}: the candidate's scores do not behave like a working model's`,
    };
  }
  const verdict = upper < tolerance ? 'pass' : 'continue';
  return {
    ...common,
    verdict,
    difference: estimate,
    interval: [lower, upper],
    reason:
      verdict === 'pass'
        ? `${summary} is within the tolerance of ${tolerance}`
        : `${summary}: not yet decided against the tolerance of ${tolerance}`,
  };
}
