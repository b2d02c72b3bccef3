// One guardrail's verdict from its comparison: the lower (fail) bound at the guardrail's share of alpha, the upper
// (pass) bound at its pass error, each the tighter of an always-valid mixture and, where the rollout plans them, a
// group-sequential test; then the verdict rules and the reason the user reads.
import type { Comparison } from './comparison';
import { spendingBoundaries, type Spending } from './error-spending';
import { formatDifference, formatLevel, formatValue } from './format';
import { groupSequentialDesign, groupSequentialMultiplier } from './group-sequential';
import {
  EFFECT_PRECISION,
  ERROR_SPENDING_SHARE,
  GROUP_SEQUENTIAL_SHARE,
  MIN_TARGET,
  PASS_TARGET_FACTOR,
  PRACTICAL_FRACTION,
  SPENDING,
  SPENDING_V1,
  TARGET_FACTOR,
} from './guardrail-design';
import { mixingScaleFor, oneSidedRadius, tMixtureMultiplier } from './sequential';
import {
  GUARDRAIL_DESIGN,
  QUALITY_METRICS,
  type GuardrailDesign,
  type GuardrailName,
  type GuardrailResult,
  type QualityMetricName,
  type Verdict,
} from './types';

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
export function judgeComparison(
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
