// Agreement of predictions in a shadow step: SageMaker mirrors a sampled share of the baseline's requests to the
// candidate (a shadow variant), and data capture records both answers under the caller's InferenceId, so each mirrored
// request gives a pair of scores for the same input. The guard's statistic is the share of pairs whose predicted class
// (score at or above the quality threshold) differs: a broken candidate (inverted scores, a wrong feature order, a
// constant answer) flips a large share at once, long before any label arrives.
//
// Its null is the spec's tolerance, as the score-shift guard's: the candidate flips at most `tolerance` of the
// baseline's predictions. A better model flips some too (the demo's better challenger flips 17% of its champion's on
// the holdout set, the worse one 14%), so this is a guard against broken models, not a test of small regressions;
// quality on labelled pairs is that test (paired-comparison.ts).
//
// Each pair's disagreement is a Bernoulli draw whose mean may drift with the traffic; the running share minus the
// running mean of those means is a martingale, so the share with its plug-in variance (one disagreement and one
// agreement added, Agresti & Caffo 2000, so that 0 of 150 does not look certain) has an always-valid normal-mixture
// confidence sequence (Howard et al. 2021; Waudby-Smith et al. 2024): it fails when its lower bound exceeds the
// tolerance and passes when its upper bound is under it.
import { formatLevel, groupThousands } from './format';
import { adjustedVariance } from './proportions';
import { mixingScaleFor, oneSidedRadius } from './sequential';
import type { GuardrailResult } from './types';

/** Pairs before the share is judged (the normal approximation needs them). */
export const MIN_AGREEMENT_PAIRS = 100;

export interface AgreementStatistics {
  /** Mirrored requests both variants answered with a score, paired by InferenceId. */
  pairs: number;
  /** Pairs whose predicted class differs. */
  disagreements: number;
  /** Pairs each variant predicted positive (score ≥ threshold), for people. */
  baselinePositive: number;
  candidatePositive: number;
}

export const emptyAgreement = (): AgreementStatistics => ({
  pairs: 0,
  disagreements: 0,
  baselinePositive: 0,
  candidatePositive: 0,
});

export function mergeAgreement(a: AgreementStatistics, b: AgreementStatistics): AgreementStatistics {
  return {
    pairs: a.pairs + b.pairs,
    disagreements: a.disagreements + b.disagreements,
    baselinePositive: a.baselinePositive + b.baselinePositive,
    candidatePositive: a.candidatePositive + b.candidatePositive,
  };
}

/** Counts one pair of scores at the threshold. */
export function countPair(into: AgreementStatistics, baseline: number, candidate: number, threshold: number): void {
  const b = baseline >= threshold;
  const c = candidate >= threshold;
  into.pairs++;
  if (b !== c) into.disagreements++;
  if (b) into.baselinePositive++;
  if (c) into.candidatePositive++;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The guard's verdict at its share of alpha (see the header). */
export function judgeAgreement(stats: AgreementStatistics | null, alpha: number, tolerance: number): GuardrailResult {
  const s = stats ?? emptyAgreement();
  const n = s.pairs;
  const common = {
    guardrail: 'agreement' as const,
    baseline: n > 0 ? s.baselinePositive / n : null,
    candidate: n > 0 ? s.candidatePositive / n : null,
    tolerance,
    alpha,
    samples: { baseline: n, candidate: n },
    method:
      'share of mirrored requests whose predicted class differs, both answers paired by InferenceId; normal-mixture ' +
      'confidence sequence (Howard et al. 2021) against the tolerance',
  };
  if (n < MIN_AGREEMENT_PAIRS) {
    return {
      ...common,
      verdict: 'continue',
      difference: null,
      interval: null,
      reason: `agreement: only ${n} paired answers of mirrored requests so far (need ${MIN_AGREEMENT_PAIRS})`,
    };
  }
  const share = s.disagreements / n;
  // Sharpest where the radius is half the tolerance, as the score-shift guard: a broken model (flipping 50% or more
  // at the default 0.3) fails once the radius is under a few tenths.
  const radius = oneSidedRadius(adjustedVariance(s.disagreements, n), mixingScaleFor(tolerance / 2, alpha), alpha);
  const lower = Math.max(0, share - radius);
  const upper = Math.min(1, share + radius);
  const summary =
    `agreement: the candidate's prediction differs from the baseline's on ${pct(share)} of ${groupThousands(n)} ` +
    `mirrored requests (${formatLevel(2 * alpha)} CS [${pct(lower)}, ${pct(upper)}])`;
  const verdict = lower > tolerance ? 'fail' : upper < tolerance ? 'pass' : 'continue';
  return {
    ...common,
    verdict,
    difference: share,
    interval: [lower, upper],
    reason:
      verdict === 'fail'
        ? `${summary} exceeds the tolerance of ${pct(tolerance)}: the candidate does not answer like a working model`
        : verdict === 'pass'
          ? `${summary} is within the tolerance of ${pct(tolerance)}`
          : `${summary}: not yet decided against the tolerance of ${pct(tolerance)}`,
  };
}
