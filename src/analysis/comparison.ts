// The common shape every guardrail's comparison reduces to before a verdict: an asymptotically normal estimate of
// how much worse the candidate is, its variance, and the tolerance, all on the scale the test runs on.
import type { Look } from './error-spending';
import type { GuardrailName } from './types';

export type Unit = 'points' | 'relative' | 'score';

export interface Comparison {
  guardrail: GuardrailName;
  /** The metric on each variant, in the reported unit (rate, ms or score). */
  baseline: number | null;
  candidate: number | null;
  samples: { baseline: number; candidate: number };
  method: string;
  /** What the metric is, where the name alone does not say (latency: "per-period mean" or "per-period median"). */
  statistic?: string;
  unit: Unit;
  /** Set when there is too little data to judge yet; says what is missing. */
  missing?: string;
  /** How much worse the candidate is, on the test scale (log ratio for latency). */
  estimate: number;
  variance: number;
  /** The non-inferiority margin on the test scale. */
  tolerance: number;
  /**
   * Set when the estimate is the mean of degreesOfFreedom + 1 i.i.d. observations (latency periods) and
   * `variance` is their sample variance / count: the bound is then the scale-invariant t-mixture (exact for Gaussian
   * observations of unknown variance) instead of the normal mixture with a plug-in variance.
   */
  degreesOfFreedom?: number;
  /** A variance the estimate has at least (a model's floor): the bound is never narrower than at this variance. */
  varianceFloor?: number;
  /** Latency: the most periods the rollout can soak (from its spec), the group-sequential t-test's horizon. */
  horizon?: number;
  /**
   * Rates and quality with a soak schedule: the error-spending test (error-spending.ts) has this guardrail's share
   * split off. `looks` are its looks so far, oldest first, and `atLook` says whether the last one is this evaluation;
   * at an evaluation that is no look the test does not judge (the normal mixture's part of the share alone does).
   * `passedAt` (design 4): the latest of `looks` at which the guardrail crossed its pass boundary.
   */
  spending?: { looks: Look[]; atLook: boolean; passedAt?: number };
  /** Where the difference can lie at all (test scale); bounds outside it are clipped, which keeps coverage. */
  range?: [number, number];
  /** Maps a test-scale value to the reported `difference` scale (identity except latency: exp(x) − 1). */
  report: (x: number) => number;
}

export const identity = (x: number) => x;

/** A comparison that cannot be judged yet. */
export function notYet(
  base: Omit<Comparison, 'missing' | 'estimate' | 'variance' | 'report'> & { report?: (x: number) => number },
  missing: string,
): Comparison {
  return { report: identity, ...base, missing, estimate: NaN, variance: NaN };
}
