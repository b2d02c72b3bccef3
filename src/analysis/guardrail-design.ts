// The guardrails' design constants: how each guardrail's share of alpha is split between its tests, where the
// mixtures are tuned, the error-spending function, and the pass side's error. Every one is fixed in code before any
// data; README.md beside this file says how each was chosen, on which seeds.
import { pocockSpending, powerSpending } from './error-spending';
import { GUARDRAIL_DESIGN, type GuardrailConfig, type GuardrailName } from './types';

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
export const MIN_TARGET: Record<GuardrailName, number> = {
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
