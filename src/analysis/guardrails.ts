// The verdict at one evaluation: every enabled guardrail compares candidate with baseline through an always-valid
// confidence sequence at its share of alpha, then the guardrails' verdicts combine into the step's verdict.
//
// Alpha sharing (Bonferroni, valid whatever the dependence between guardrails): the sample-ratio check gets
// alpha/1000 per step; 2% of alpha is set aside for it, which covers the spec's maximum of 20 steps (the workflow
// restarts the split count at every weight change, so each step runs its own sample-ratio test). The remaining
// 98% is split equally between the other enabled guardrails. Each guardrail's lower bound exceeds the true
// difference, at any evaluation of the whole rollout, with probability at most its share; so for a candidate
// that is not worse on any guardrail the chance of a false rollback is at most alpha in total.
import { compareRocAuc } from './delong';
import type { Confusion } from './classification';
import type { Comparison } from './comparison';
import { formatDifference, formatLevel, formatValue, groupThousands } from './format';
import { compareLatency, NO_LATENCY_PERIODS } from './latency';
import type { LabelledSummary } from './labelled-summary';
import { compareErrorRates, compareQualityProportion } from './proportions';
import { compareSampleRatio } from './sample-ratio';
import type { PairedSummary } from './paired';
import {
  comparePairedAuc,
  comparePairedLatency,
  comparePairedLatencyPairs,
  comparePairedQuality,
  poolComparisons,
} from './paired-comparison';
import { judgeScoreShift, type ScoreShiftStatistics } from './score-shift';
import { judgeAgreement, type AgreementStatistics } from './agreement';
import { judgeCopyRatio } from './copy-ratio';
import { groupSequentialDesign, groupSequentialMultiplier } from './group-sequential';
import { pocockSpending, powerSpending, spendingBoundaries, type Look, type Spending } from './error-spending';
import { normalQuantile } from './normal';
import { mixingScaleFor, oneSidedRadius, tMixtureMultiplier, twoSidedRadius } from './sequential';
import {
  GUARDRAIL_DESIGN,
  type GuardrailConfig,
  type GuardrailDesign,
  type GuardrailEvaluation,
  type GuardrailName,
  type GuardrailResult,
  type LatencyStatistics,
  type QualityMetricName,
  type SoakSchedule,
  type SpendingLook,
  type SplitEvidence,
  type VariantEvidence,
  type Verdict,
} from './types';

export const QUALITY_METRICS: readonly QualityMetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'];
/** The spec allows at most this many steps; the sample-ratio reserve covers one test per step. */
export const MAX_STEPS = 20;
export const SAMPLE_RATIO_SHARE = 1 / 1000;

/**
 * A regression is only declared when the estimate is at least this fraction of the tolerance, on top of the
 * lower bound being above 0. The spec's tolerance says a smaller slowdown is acceptable, so a real but tiny
 * difference (1e9 invocations make 0.01 pts "significant") must not roll back; the rule only removes failures,
 * so the false-rollback bound still holds.
 */
export const PRACTICAL_FRACTION = 0.5;

/**
 * Smallest radius the mixture is tuned for, per guardrail kind, for tolerances of 0 (or tiny): 0.1 pts of error
 * rate, 0.5 pts of a quality proportion, 2% of latency, 0.005 of AUC.
 */
const MIN_TARGET: Record<GuardrailName, number> = {
  errorRate5xx: 0.001,
  errorRate4xx: 0.001,
  latency: Math.log1p(0.02),
  accuracy: 0.005,
  precision: 0.005,
  recall: 0.005,
  f1: 0.005,
  rocAuc: 0.005,
  scoreShift: 0.05,
  agreement: 0.05,
  sampleRatio: 0.005,
  copyRatio: 0.005,
};

/**
 * The mixture is tuned to be sharpest where its radius is TARGET_FACTOR × the tolerance. A pass needs the radius
 * under the tolerance, a regression of 1.5–2 × the tolerance fails once the radius is under the regression; how 1.5
 * was chosen is in README.md, "The method".
 */
export const TARGET_FACTOR = 1.5;

/**
 * Precision c of the half-normal prior on the standardised effect δ = θ/σ of the scale-invariant t-mixture that
 * judges latency periods: δ ~ |N(0, 1/c)|. Like τ it is fixed before any data. The tolerance cannot set it (σ,
 * hence the tolerance in σ units, is unknown until the periods arrive), so it is set by WHEN the bound should be
 * sharpest: c = 0.5 minimises the bound's multiplier at 10 periods (twice MIN_PERIODS, ten minutes of 60 s
 * periods) for every alpha share from 0.001 to 0.05 (within 2% of the per-alpha optimum; README.md has the
 * benchmark's comparison).
 */
export const EFFECT_PRECISION = 0.5;

/**
 * Part of latency's alpha share given to the finite-horizon group-sequential t-test on the complete periods when the
 * rollout's horizon is known (group-sequential.ts); the rest stays with the always-valid t-mixture, which alone
 * judges beyond the horizon (union bound: fail or pass on either). Fixed in code, before any data, on a seed set
 * other than the one reported (README.md, "Within the rollout's horizon"): within the horizon the t-mixture adds
 * little, and 5% keeps it for periods beyond it.
 */
export const GROUP_SEQUENTIAL_SHARE = 0.95;

/**
 * Part of each rate or quality guardrail's alpha share given to the error-spending group-sequential test
 * (error-spending.ts) when the evaluation comes with its soak schedule; the rest stays with the always-valid normal
 * mixture, which alone judges after the planned soak (union bound, as for latency). Fixed in code, before any data.
 */
export const ERROR_SPENDING_SHARE = 0.95;

/**
 * The error-spending function over the soak fraction t: alpha·√t (Kim & DeMets's power family, rho = 0.5), which spends
 * early, where a regression that matters is caught: within the first step of the default spec (10 of its 75 minutes of
 * planned soak) it has spent 37% of its share, Lan & DeMets's Pocock type 21%. Chosen on a seed set other than the one
 * reported, against the Pocock type, rho = 0.25 and the mixture alone (README.md, "Within the planned soak").
 */
export const SPENDING = powerSpending(0.5);

/** Design 1's error-spending function (rollouts started before issue 21): Lan & DeMets's Pocock type. */
export const SPENDING_V1 = pocockSpending;

/**
 * The pass bound's mixture is tuned to be sharpest where its radius is the tolerance (TARGET_FACTOR × it for the fail
 * bound): an equal candidate passes once the radius is under the tolerance. Chosen on a seed set other than the one
 * reported (README.md, "The pass bound").
 */
export const PASS_TARGET_FACTOR = 1;

/** The power a design-3 (or later) information clock plans with when the config states none (the spec's default). */
export const PLAN_POWER = 0.8;

/**
 * The pass side's error of every guardrail: 1 − config.power when the spec states a power, else the guardrail's alpha
 * share (the fail side's). Not shared between guardrails: a regression passes only if the guardrail it regresses
 * passes, so each guardrail's pass error bounds the chance of promoting a candidate worse than its tolerance.
 */
export function passError(config: GuardrailConfig, share: number): number {
  // Design 1 (rollouts started before issue 21) had no power: its pass bound held at the alpha share.
  if ((config.design ?? GUARDRAIL_DESIGN) === 1) return share;
  return config.power !== undefined ? 1 - config.power : share;
}

/**
 * The most looks the error-spending test keeps: an evaluation is a look only when its soak fraction has advanced by at
 * least 1/MAX_SPENDING_LOOKS since the last look (and no look has reached the end of the planned soak yet), so a
 * rollout's look history stays under MAX_SPENDING_LOOKS entries however often it evaluates. Which evaluations are looks
 * then depends on soak time alone, never on the data, so the test's guarantee holds over the looks it keeps. 200 keeps
 * every evaluation of the default spec a look (75 minutes of maxSoak at 30 s: 150 evaluations, 1/150 apart).
 */
export const MAX_SPENDING_LOOKS = 200;

export interface AlphaShares {
  sampleRatio: number;
  /** Share of each enabled guardrail other than the sample ratio. */
  perGuardrail: number;
  guardrails: GuardrailName[];
}

export function enabledGuardrails(config: GuardrailConfig): GuardrailName[] {
  const names: GuardrailName[] = [];
  if (config.errorRate5xx.enabled) names.push('errorRate5xx');
  if (config.errorRate4xx.enabled) names.push('errorRate4xx');
  if (config.latency.enabled) names.push('latency');
  for (const metric of QUALITY_METRICS) if (config.quality[metric]) names.push(metric);
  if (config.scoreShift?.enabled) names.push('scoreShift');
  if (config.agreement?.enabled) names.push('agreement');
  return names;
}

export function alphaShares(config: GuardrailConfig): AlphaShares {
  const guardrails = enabledGuardrails(config);
  const sampleRatio = config.sampleRatio.enabled ? config.alpha * SAMPLE_RATIO_SHARE : 0;
  const rest = config.alpha - sampleRatio * MAX_STEPS;
  return { sampleRatio, perGuardrail: guardrails.length > 0 ? rest / guardrails.length : 0, guardrails };
}

/** Digits after the point of percentages in reasons: error rates are small, quality proportions are not. */
const digitsOf = (g: GuardrailName) => (g === 'errorRate5xx' || g === 'errorRate4xx' ? 2 : 1);

function describe(c: Comparison): string {
  const d = digitsOf(c.guardrail);
  const what = c.statistic ? ` (${c.statistic})` : '';
  return `${c.guardrail}${what}: candidate ${formatValue(c.candidate, c.unit, d)} vs baseline ${formatValue(c.baseline, c.unit, d)}`;
}

/**
 * Applies the verdict rules to one comparison: the lower (fail) bound at `alpha`, the upper (pass) bound at `passAlpha`
 * (1 − power; `alpha` when no power is stated), each one-sided. Design 1 (rollouts started before issue 21) tuned and
 * built the pass bound like the fail bound, error-spending part included, and spent by the Pocock type; design 4
 * gives the pass bound its own error-spending test again, with a latch that keeps it from flickering (judgeComparison).
 */
export function judge(
  c: Comparison,
  alpha: number,
  reportedTolerance: number,
  passAlpha: number = alpha,
  design: GuardrailDesign = GUARDRAIL_DESIGN,
): GuardrailResult {
  return judgeComparison(c, alpha, reportedTolerance, passAlpha, design).result;
}

/**
 * judge, and whether the guardrail crossed its error-spending pass boundary at this look (design 4; recorded in the
 * look, SpendingLook.passed).
 *
 * The pass side (design 4). A pass is a one-sided test of "worse by the tolerance" at `passAlpha`, so it is built
 * like the fail side: ERROR_SPENDING_SHARE of `passAlpha` to an error-spending test over the same looks and clock
 * (the statistic (tolerance − estimate)/se has, at a candidate worse by exactly the tolerance, the fail side's
 * canonical joint law), the rest to the always-valid mixture. A non-binding futility boundary designed with the
 * failure boundary (Jennison & Turnbull 2000 §7.2, β-spending): it spends 1 − power where the fail side spends alpha.
 * Between looks the spending test does not judge, and the mixture's small part alone would turn a pass at a look
 * into "continue" at the re-judgement after the settle wait (step.ts), which is no look: the step would flicker back
 * to soaking. So a guardrail that crossed its pass boundary at a look (`spending.passedAt`, its latest such look)
 * keeps passing wherever the estimate still clears that look's boundary. Validity: every pass that way implies a
 * crossing at that look, whose chance the spending test already paid for, so a candidate worse by the tolerance still
 * passes with probability at most passAlpha.
 */
function judgeComparison(
  c: Comparison,
  alpha: number,
  reportedTolerance: number,
  passAlpha: number,
  design: GuardrailDesign,
): { result: GuardrailResult; crossedPass: boolean } {
  const result = (r: GuardrailResult, crossedPass = false) => ({ result: r, crossedPass });
  const common = {
    guardrail: c.guardrail,
    baseline: c.baseline,
    candidate: c.candidate,
    tolerance: reportedTolerance,
    alpha,
    samples: c.samples,
    method: c.method,
    ...(c.statistic ? { statistic: c.statistic } : {}),
  };
  if (c.missing !== undefined || !Number.isFinite(c.estimate) || !(c.variance >= 0)) {
    return result({
      ...common,
      verdict: 'continue',
      difference: null,
      interval: null,
      reason: `${c.guardrail}: ${c.missing ?? 'not computable yet'}`,
    });
  }
  const target = Math.max(c.tolerance, MIN_TARGET[c.guardrail]);
  const tau = (a: number) => mixingScaleFor(TARGET_FACTOR * target, a);
  const tauPass = design === 1 ? tau : (a: number) => mixingScaleFor(PASS_TARGET_FACTOR * target, a);
  const spending = design === 1 ? SPENDING_V1 : SPENDING;
  // Each side is its own one-sided test: the lower bound at alpha (a false fail), the upper at passAlpha (a false pass).
  // The pass bound takes no error-spending part: the mixture holds at every evaluation, so a pass does not flicker off
  // between looks nor at the re-judgement after the settle wait, which are no looks (README.md, "The pass bound").
  // Design 4 spends the pass side's error too (judgeComparison's header), and latches a pass between looks.
  const lower = c.estimate - radiusOf(c, alpha, tau, spending);
  // The pass side's spending part is split off here (its boundaries serve the look and the latch alike), so the
  // mixture gets the rest, as radiusOf splits the fail side.
  const passSpendingAlpha = design >= 4 && c.spending ? ERROR_SPENDING_SHARE * passAlpha : 0;
  let upper = c.estimate + radiusOf(c, passAlpha - passSpendingAlpha, tauPass, design === 1 ? spending : null);
  let crossedPass = false;
  if (c.spending && passSpendingAlpha > 0) {
    const boundaries = spendingBoundaries(c.spending.looks, passSpendingAlpha, SPENDING);
    const se = Math.sqrt(Math.max(c.variance, Number.MIN_VALUE));
    const atLook = c.spending.atLook ? boundaries[boundaries.length - 1] : Infinity;
    crossedPass = c.estimate + atLook * se < c.tolerance;
    const b = Math.min(atLook, c.spending.passedAt !== undefined ? boundaries[c.spending.passedAt] : Infinity);
    if (Number.isFinite(b)) upper = Math.min(upper, c.estimate + b * se);
  }
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) {
    // So few observations (latency periods) that even the most extreme data could not reach 1/alpha yet: no
    // bound exists, and an infinite interval would not survive JSON (workflow state), so none is reported.
    return result({
      ...common,
      verdict: 'continue',
      difference: c.report(c.estimate),
      interval: null,
      reason:
        `${c.guardrail}: ${c.samples.candidate} ${c.guardrail === 'latency' ? 'periods are' : 'observations are'} ` +
        `too few for an always-valid bound at alpha ${Number(alpha.toPrecision(2))} yet`,
    });
  }
  const [min, max] = c.range ?? [-Infinity, Infinity];
  const lowerShown = c.report(Math.max(min, lower));
  const upperShown = c.report(Math.min(max, upper));
  const difference = c.report(c.estimate);
  const d = digitsOf(c.guardrail);
  const interval = `${formatLevel(alpha + passAlpha)} CS [${formatDifference(lowerShown, c.unit, d, false)}, ${formatDifference(upperShown, c.unit, d, false)}]`;
  // Quality differences are baseline − candidate, so say which way they point; rates and latency read as-is.
  const quality = QUALITY_METRICS.includes(c.guardrail as QualityMetricName);
  const shown = quality
    ? `${difference < 0 ? 'better' : 'worse'} by ${formatDifference(Math.abs(difference), c.unit, d).replace(/^\+/, '')}`
    : formatDifference(difference, c.unit, d);
  const summary = `${describe(c)} (${shown}, ${interval})`;
  const tol = formatDifference(reportedTolerance, c.unit, d);
  let verdict: Verdict;
  let reason: string;
  if (lower > 0 && difference >= PRACTICAL_FRACTION * reportedTolerance) {
    verdict = 'fail';
    reason = `${summary} exceeds 0`;
  } else if (upper < c.tolerance) {
    verdict = 'pass';
    reason = `${summary} is within the tolerance of ${tol}`;
  } else {
    verdict = 'continue';
    reason = `${summary}: not yet decided against 0 and the tolerance of ${tol}`;
  }
  return result({ ...common, verdict, difference, interval: [lowerShown, upperShown], reason }, crossedPass);
}

/**
 * The one-sided radius of a comparison's bound at `alpha`: for the mean of periods with their own variance (latency),
 * the t-mixture and, within the spec's horizon, the group-sequential t-test; for the rest the normal mixture and, with
 * `spending` at an error-spending look, the spending boundary (at ERROR_SPENDING_SHARE of alpha). Each is the tighter
 * of its two tests, whose shares of alpha were split before any data (union bound). Infinity when no bound exists yet.
 */
function radiusOf(c: Comparison, alpha: number, tau: (a: number) => number, spending: Spending | null): number {
  if (c.degreesOfFreedom !== undefined) {
    // A mean of df + 1 observations whose variance is estimated from themselves (latency periods).
    // The split of the share depends on the spec alone (its horizon and alpha), never on the data: union bound.
    const design = groupSequentialDesign(GROUP_SEQUENTIAL_SHARE * alpha, c.horizon);
    const mixtureAlpha = design ? alpha - design.alpha : alpha;
    const k = tMixtureMultiplier(c.degreesOfFreedom + 1, EFFECT_PRECISION, mixtureAlpha);
    let r = tRadius(k, c.variance, c.varianceFloor, tau(mixtureAlpha), mixtureAlpha);
    if (design) {
      // Within the horizon: the group-sequential t-test on the same (complete) periods (group-sequential.ts), at its
      // part of the share. The bound is the tighter of the two; both hold at once with probability ≥ 1 − alpha.
      const b = groupSequentialMultiplier(c.degreesOfFreedom + 1, design.alpha, design.horizon);
      r = Math.min(r, tRadius(b, c.variance, c.varianceFloor, tau(design.alpha), design.alpha));
    }
    return r;
  }
  // A zero variance (e.g. 0 errors of 1e9 on both) still gets a finite, tiny radius rather than NaN.
  const variance = Math.max(c.variance, Number.MIN_VALUE);
  // With a soak schedule the share is split before any data (union bound), as for latency above.
  const spendingAlpha = c.spending && spending !== null ? ERROR_SPENDING_SHARE * alpha : 0;
  const mixtureAlpha = alpha - spendingAlpha;
  let r = oneSidedRadius(variance, tau(mixtureAlpha), mixtureAlpha);
  if (c.spending?.atLook && spendingAlpha > 0) {
    // Within the planned soak, at a look: the error-spending test's boundary at this look (Infinity when it has nothing
    // left to spend, e.g. after the planned soak). At an evaluation that is no look the test must not judge: its alpha
    // is spent over its looks only, and a boundary applied between them would be a crossing chance it never paid for;
    // the mixture, valid at every evaluation, judges alone there at its part of the share, and the union bound keeps
    // the total at the guardrail's share.
    const boundaries = spendingBoundaries(c.spending.looks, spendingAlpha, spending!);
    const b = boundaries[boundaries.length - 1];
    if (Number.isFinite(b)) r = Math.min(r, b * Math.sqrt(variance));
  }
  return r;
}

/**
 * Radius k·sqrt(variance) of a t-type bound (k from the t-mixture or the group-sequential test; Infinity when it
 * does not judge yet). The model floor, when known, keeps the bound at least as wide as a known-variance normal
 * mixture at that variance (requiring both to agree only removes crossings, so validity holds). A spread of
 * exactly 0 (identical, e.g. quantised, values) makes k·s zero; without a floor that would be false certainty, so
 * it gives no bound.
 */
function tRadius(k: number, variance: number, floor: number | undefined, tau: number, alpha: number): number {
  if (!Number.isFinite(k)) return Infinity;
  const known = floor !== undefined && floor > 0 ? floor : null;
  let radius: number;
  if (variance > 0) radius = k * Math.sqrt(variance);
  else radius = known !== null ? 0 : Infinity;
  if (known !== null) radius = Math.max(radius, oneSidedRadius(known, tau, alpha));
  return radius;
}

function judgeSampleRatio(split: SplitEvidence, alpha: number): GuardrailResult {
  const c = compareSampleRatio(split);
  const common = {
    guardrail: 'sampleRatio' as const,
    baseline: c.baseline,
    candidate: c.candidate,
    tolerance: 0,
    alpha,
    samples: c.samples,
    method: c.method,
  };
  if (!c.applicable) {
    return { ...common, verdict: 'pass', difference: null, interval: null, reason: `sampleRatio: ${c.missing}` };
  }
  if (c.missing !== undefined) {
    return { ...common, verdict: 'continue', difference: null, interval: null, reason: `sampleRatio: ${c.missing}` };
  }
  const tau = mixingScaleFor(MIN_TARGET.sampleRatio, alpha);
  const radius = twoSidedRadius(c.variance, tau, alpha);
  const [min, max] = c.range!;
  const lower = Math.max(min, c.estimate - radius);
  const upper = Math.min(max, c.estimate + radius);
  const n = c.samples.baseline + c.samples.candidate;
  const served = `candidate served ${formatValue(c.candidate, 'points', 1)} of ${groupThousands(n)} requests, expected ${split.candidateWeight}%`;
  const cs = `${formatLevel(alpha)} CS for the difference [${formatDifference(lower, 'points', 1, false)}, ${formatDifference(upper, 'points', 1, false)}] pts`;
  const mismatch = lower > 0 || upper < 0;
  return {
    ...common,
    verdict: mismatch ? 'fail' : 'pass',
    difference: c.estimate,
    interval: [lower, upper],
    reason: mismatch
      ? `sample ratio mismatch: ${served} (${cs}); the comparison cannot be trusted`
      : `sampleRatio: ${served}, no mismatch (${cs})`,
  };
}

export interface GuardrailInput {
  baseline: VariantEvidence;
  candidate: VariantEvidence;
  /** The complete periods both variants served, folded (latency.ts); absent: none yet. */
  latency?: LatencyStatistics;
  split: SplitEvidence;
  config: GuardrailConfig;
  /**
   * Where this evaluation falls in the planned soak, and the earlier looks: enables the error-spending test of the
   * rate and quality guardrails. Without it they use the normal mixture alone.
   */
  schedule?: SoakSchedule;
  /** Paired probes (config.paired): the replay rows both variants scored, as a paired summary. */
  paired?: PairedSummary | null;
  /** The label-free early guard's folded statistics of captured live scores (config.scoreShift). */
  scoreShift?: ScoreShiftStatistics | null;
  /** Shadow steps: the paired answers' agreement (config.agreement). */
  agreement?: AgreementStatistics | null;
}

/** A guardrail's comparison with the tolerance as the spec states it (relative for latency). */
export interface ConfiguredComparison {
  comparison: Comparison;
  reportedTolerance: number;
}

/**
 * The comparisons behind a verdict, before judging: the sample-ratio result, then one comparison per enabled
 * guardrail, in a stable order. evaluateGuardrails judges exactly these; the benchmark also runs naive fixed-horizon
 * tests on the same numbers.
 */
export function compareGuardrails(input: GuardrailInput): {
  sampleRatio: GuardrailResult | null;
  comparisons: ConfiguredComparison[];
  shares: AlphaShares;
  /** This evaluation's error-spending look (see evaluateGuardrails). */
  spendingLook: SpendingLook | null;
} {
  const { baseline, candidate, split, config } = input;
  const shares = alphaShares(config);
  const comparisons: ConfiguredComparison[] = [];
  for (const kind of ['errorRate5xx', 'errorRate4xx'] as const) {
    if (!config[kind].enabled) continue;
    const errors = kind === 'errorRate5xx' ? 'errors5xx' : 'errors4xx';
    const comparison = compareErrorRates(
      kind,
      { errors: baseline[errors], invocations: baseline.invocations },
      { errors: candidate[errors], invocations: candidate.invocations },
      config[kind].tolerance,
    );
    comparisons.push({ comparison, reportedTolerance: config[kind].tolerance });
  }
  // A shadow step's labelled pairs are paired evidence too (its quality is judged on them alone: the baseline's own
  // labelled rows have no candidate counterpart), but its latency stays CloudWatch's, per variant.
  const paired = config.paired || config.shadow ? (input.paired ?? null) : undefined;
  const source = config.shadow ? 'shadow' : 'probes';
  if (config.latency.enabled) {
    comparisons.push({
      // Paired probes measure both variants on the same rows at the same moment: their round trips replace
      // CloudWatch's per-period medians (which would count the probes of both variants alike).
      comparison:
        paired !== undefined && !config.shadow
          ? (config.design ?? GUARDRAIL_DESIGN) === 1
            ? comparePairedLatencyPairs(paired, config.latency.tolerance)
            : comparePairedLatency(paired, config.latency.tolerance)
          : compareLatency(input.latency ?? NO_LATENCY_PERIODS, config.latency.tolerance, config.latency.horizon),
      reportedTolerance: config.latency.tolerance,
    });
  }
  const confusionB = confusionAt(baseline.labelled, config.threshold);
  const confusionC = confusionAt(candidate.labelled, config.threshold);
  for (const metric of QUALITY_METRICS) {
    const q = config.quality[metric];
    if (!q) continue;
    let comparison =
      metric === 'rocAuc'
        ? compareRocAuc(baseline.labelled, candidate.labelled, q.tolerance)
        : compareQualityProportion(metric, confusionB, confusionC, q.tolerance);
    if (paired !== undefined) {
      // Paired probes, pooled with the unpaired labelled evidence (live traffic's label-complete cohorts) if any.
      const pairedComparison =
        metric === 'rocAuc'
          ? comparePairedAuc(paired, q.tolerance, source)
          : comparePairedQuality(metric, paired, q.tolerance, source);
      const unpaired = (baseline.labelled?.rows ?? 0) > 0 || (candidate.labelled?.rows ?? 0) > 0;
      comparison = unpaired ? poolComparisons(pairedComparison, comparison) : pairedComparison;
    }
    const mismatch = metric === 'rocAuc' ? null : thresholdMismatch(input);
    if (mismatch) comparison = { ...comparison, missing: mismatch, estimate: NaN, variance: NaN };
    comparisons.push({ comparison, reportedTolerance: q.tolerance });
  }
  const spendingLook = input.schedule ? spendingLookAt(input.schedule) : null;
  if (input.schedule) {
    const design = config.design ?? GUARDRAIL_DESIGN;
    // Design 3 runs each guardrail's spending clock on its information as well as the soak (informationClock).
    const clock = design >= 3 ? informationClock(shares.perGuardrail, config.power ?? PLAN_POWER) : null;
    for (const c of comparisons) {
      const spending = spendingOf(c.comparison, input.schedule, spendingLook, clock);
      if (spending) {
        const method = `${c.comparison.method}; within the planned soak, an error-spending group-sequential test (Lan & DeMets 1983)`;
        c.comparison = { ...c.comparison, spending, method };
      }
    }
  }
  return {
    sampleRatio: !config.sampleRatio.enabled
      ? null
      : config.shadow
        ? judgeCopyRatio(split, shares.sampleRatio) // a shadow is not routed: its copies are checked instead
        : judgeSampleRatio(split, shares.sampleRatio),
    comparisons,
    shares,
    spendingLook,
  };
}

/** A variant's confusion counts, null without labelled rows. */
function confusionAt(labelled: LabelledSummary | null, threshold: number): Confusion | null {
  return labelled && labelled.rows > 0 && labelled.threshold === threshold ? labelled.confusion : null;
}

/**
 * The confusion counts were counted at the summary's threshold: a summary counted at another threshold than the
 * config's cannot judge accuracy, precision, recall or F1 (a caller's mistake, shown rather than thrown, so that a
 * rollout reports it instead of failing its workflow task).
 */
function thresholdMismatch({ baseline, candidate, config, paired }: GuardrailInput): string | null {
  if ((config.paired || config.shadow) && paired && paired.rows > 0 && paired.threshold !== config.threshold) {
    return `the paired summary counted predictions at threshold ${paired.threshold}, not the spec's ${config.threshold}`;
  }
  for (const v of [baseline, candidate]) {
    if (v.labelled && v.labelled.rows > 0 && v.labelled.threshold !== config.threshold) {
      return (
        `the ${v.variantName} labelled summary counted predictions at threshold ${v.labelled.threshold}, not the ` +
        `spec's ${config.threshold}`
      );
    }
  }
  return null;
}

/**
 * Statistical information of a comparison of two independent samples, up to a constant: 1/(1/n_b + 1/n_c). The
 * error-spending test only uses ratios of it between looks (the correlation of their z statistics), so the constant
 * (the per-request variance) cancels; counting requests rather than inverting the plug-in variance keeps the
 * information increasing and free of the outcomes being tested.
 */
function informationOf(samples: { baseline: number; candidate: number }): number {
  const { baseline: b, candidate: c } = samples;
  return b > 0 && c > 0 ? (b * c) / (b + c) : 0;
}

/**
 * This evaluation's look, when it is one: its soak fraction is at least 1/MAX_SPENDING_LOOKS past the last look's, and
 * no look has reached the end of the planned soak (after which the test has nothing left to spend). Soak time alone
 * decides, never the data. Its information is filled in by spendingOf, per judged guardrail.
 */
function spendingLookAt(schedule: SoakSchedule): SpendingLook | null {
  const last = schedule.looks.length > 0 ? schedule.looks[schedule.looks.length - 1].soakFraction : 0;
  if (!(last < 1)) return null;
  // A tiny slack so that evaluations exactly 1/MAX apart in soak time stay looks despite rounding of the fraction.
  if (!(schedule.soakFraction - last >= 1 / MAX_SPENDING_LOOKS - 1e-9)) return null;
  return { soakFraction: schedule.soakFraction, information: {} };
}

/**
 * The error-spending looks of a rate or quality comparison: every earlier look at which this guardrail was judged
 * (it had a difference), then this evaluation when it is a look (recording the guardrail's information in it, and with
 * design 3's `clock` its spending clock where that ran ahead of the soak fraction); and the latest earlier look at
 * which it crossed its pass boundary (design 4).
 * Latency has its own finite-horizon test; a comparison that cannot be judged yet is no look and not judged.
 */
function spendingOf(
  c: Comparison,
  schedule: SoakSchedule,
  look: SpendingLook | null,
  clock: ((c: Comparison) => number) | null,
): { looks: Look[]; atLook: boolean; passedAt?: number } | null {
  if (c.guardrail === 'latency' || c.degreesOfFreedom !== undefined || c.missing !== undefined) return null;
  const looks: Look[] = [];
  let passedAt: number | undefined;
  for (const earlier of schedule.looks) {
    const information = earlier.information[c.guardrail];
    const fraction = earlier.fraction?.[c.guardrail] ?? earlier.soakFraction;
    if (information === undefined) continue;
    if (earlier.passed?.includes(c.guardrail)) passedAt = looks.length;
    looks.push({ fraction, information });
  }
  // A guardrail whose clock reached the end (design 3: its information fraction can, before the soak does) has spent
  // its part of the share: it takes no more looks, and the mixture judges alone, as after the planned soak.
  const last = looks.length > 0 ? looks[looks.length - 1].fraction : 0;
  const spent = !(last < 1);
  if (look && !spent) {
    const information = informationOf(c.samples);
    look.information[c.guardrail] = information;
    let fraction = look.soakFraction;
    if (clock) {
      // The clock never goes back (the plug-in variance may grow between looks): a look that does not advance it is
      // no look, and its alpha rolls forward (error-spending.ts). Recorded only where it ran ahead of the soak, so a
      // guardrail on the soak clock keeps its looks as small as design 2's.
      fraction = Math.max(fraction, clock(c), last);
      if (fraction !== look.soakFraction) (look.fraction ??= {})[c.guardrail] = fraction;
    }
    looks.push({ fraction, information });
  }
  return { looks, atLook: look !== null && !spent, ...(passedAt !== undefined ? { passedAt } : {}) };
}

/**
 * Design 3's error-spending clock for one guardrail (README.md, "Within the planned soak"): the larger of the soak
 * fraction and the information fraction I/I_max, I = 1/v the comparison's statistical information (its estimate's
 * inverse variance) and I_max = ((q(1 − a) + q(power))/tolerance)² the information at which a fixed-horizon test at the
 * spending part a of the share detects the tolerance with the spec's power (the maximum-information design of Jennison
 * & Turnbull 2000, §7.2; Lan & DeMets 1983 define their clock as this information fraction). A regression is caught
 * when the information is a fraction of what the fixed horizon plans, long before the soak the steps may take, so the
 * test spends its share where it decides instead of over the whole planned soak. The information comes from the
 * plug-in variance, which depends on the data only through nuisance parameters (a pooled error rate, the score
 * distributions), not the difference tested: information-based monitoring (C. R. Mehta & A. A. Tsiatis, *Flexible
 * sample size considerations using information-based interim monitoring*, Drug Information Journal 2001). The bench's
 * A/A rows and a seeded Monte Carlo in guardrails-spending.test.ts measure what that costs in false rollbacks.
 */
export function informationClock(share: number, power: number): (c: Comparison) => number {
  const q = normalQuantile(1 - ERROR_SPENDING_SHARE * share) + normalQuantile(power);
  return (c) => {
    const target = Math.max(c.tolerance, MIN_TARGET[c.guardrail]);
    // The information that matters is what a candidate worse by the tolerance would give, and such a candidate's
    // proportion has per-unit variance at least target·(1 − target) (its rate is at least the tolerance, or its
    // accuracy at most 1 − the tolerance). Without the floor, two variants with no errors at all would have a plug-in
    // variance shrinking like 1/n² and end the clock after a few hundred requests.
    const n = c.samples.candidate;
    const floor = PROPORTIONS.has(c.guardrail) && n > 0 ? (target * (1 - target)) / n : 0;
    const variance = Math.max(c.variance, floor);
    return variance > 0 ? (target * target) / (q * q * variance) : 0;
  };
}

/** The guardrails whose estimate is a difference of proportions (the information clock's variance floor). */
const PROPORTIONS: ReadonlySet<GuardrailName> = new Set([
  'errorRate5xx',
  'errorRate4xx',
  'accuracy',
  'precision',
  'recall',
]);

/**
 * Every enabled guardrail's result, the step's verdict, and the error-spending look to append to the schedule's looks
 * (null when this evaluation is no look, or without a schedule). Pure and deterministic (runs in workflow code).
 */
export function evaluateGuardrails(input: GuardrailInput): GuardrailEvaluation {
  const { sampleRatio, comparisons, shares, spendingLook } = compareGuardrails(input);
  const results: GuardrailResult[] = sampleRatio ? [sampleRatio] : [];
  const pass = passError(input.config, shares.perGuardrail);
  const design = input.config.design ?? GUARDRAIL_DESIGN;
  for (const { comparison, reportedTolerance } of comparisons) {
    const { result, crossedPass } = judgeComparison(comparison, shares.perGuardrail, reportedTolerance, pass, design);
    results.push(result);
    if (crossedPass && spendingLook) (spendingLook.passed ??= []).push(comparison.guardrail);
  }
  const shift = input.config.scoreShift;
  if (shift?.enabled) {
    results.push(judgeScoreShift(input.scoreShift ?? null, shares.perGuardrail, shift.tolerance, pass, design));
  }
  const agreement = input.config.agreement;
  if (agreement?.enabled) {
    results.push(judgeAgreement(input.agreement ?? null, shares.perGuardrail, agreement.tolerance));
  }
  return { ...combine(results), results, spendingLook };
}

/** fail if any fails; pass if all pass; continue otherwise, saying what is still undecided. */
export function combine(results: GuardrailResult[]): { verdict: Verdict; reason: string } {
  const failed = results.filter((r) => r.verdict === 'fail');
  if (failed.length > 0) return { verdict: 'fail', reason: failed.map((r) => r.reason).join('; ') };
  const open = results.filter((r) => r.verdict === 'continue');
  if (open.length > 0) {
    return { verdict: 'continue', reason: `waiting for evidence: ${open.map((r) => r.reason).join('; ')}` };
  }
  // Nothing enabled is the user's choice not to judge: the soak time alone decides.
  if (results.length === 0) return { verdict: 'pass', reason: 'no guardrail is enabled: the soak time alone decides' };
  return {
    verdict: 'pass',
    reason: `all ${results.length} guardrails pass: ${results.map((r) => r.guardrail).join(', ')}`,
  };
}
