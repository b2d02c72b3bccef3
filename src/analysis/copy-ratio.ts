// What replaces the sample-ratio check in a shadow step. A shadow is not routed: every caller is answered by the
// production variant, and SageMaker copies a sampled share of its requests to the shadow (the shadow's weight over the
// production variant's: AWS's shadow example, aws/amazon-sagemaker-examples archived/shadow-console/Shadow_variant.ipynb,
// weights 1 and 0.5 "to sample and send 50% of the production variant requests to the shadow variant"). So there is no
// split to test; what can go wrong instead is that the shadow sees fewer (or more) copies than the share, e.g. copies
// lost on the way. Its error rate and latency would then describe a subset of production traffic chosen by something
// other than chance, and the comparison could not be trusted.
//
// Test: the shadow's Invocations over the production variant's in the same settled CloudWatch periods of the step,
// C/B, against the share s. Sampling each request with probability s makes C ~ Binomial(B, s), so C/B − s has
// variance s(1 − s)/B; the same two-sided normal-mixture confidence sequence as the sample-ratio check (Howard et al.
// 2021; Lindon & Malek 2022) at the same alpha reserve. The variance is floored at 0.01/B: at s = 1 it would be 0,
// yet CloudWatch may count a copy in the period after its original's (the shadow answers it later), so a copy ratio
// within about a percent of the share is no mismatch.
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import { formatLevel, groupThousands } from './format';
import { mixingScaleFor, twoSidedRadius } from './sequential';
import type { GuardrailResult, SplitEvidence } from './types';

/** Production variant requests in the step before the copy ratio is judged. */
export const MIN_COPY_REQUESTS = 100;
/** The smallest per-request variance of the copy ratio (see the header). */
const VARIANCE_FLOOR = 0.01;
/** The mixture is tuned to be sharpest at a radius of half a point, as the sample-ratio check's. */
const TARGET_RADIUS = 0.005;

/** `split.candidateWeight`: the mirrored share in percent; baseline and candidate invocations as CloudWatch counted. */
export function compareCopyRatio(split: SplitEvidence): Comparison {
  const b = Math.max(0, split.baselineInvocations);
  const c = Math.max(0, split.candidateInvocations);
  const s = split.candidateWeight / 100;
  const base = {
    guardrail: 'copyRatio' as const,
    baseline: b > 0 ? 1 : null,
    candidate: b > 0 ? c / b : null,
    samples: { baseline: b, candidate: c },
    method:
      "shadow's invocations over the production variant's against the mirrored share, two-sided normal-mixture " +
      'confidence sequence (Lindon & Malek 2022)',
    unit: 'points' as const,
    tolerance: 0,
    range: [-s, Infinity] as [number, number],
  };
  if (b < MIN_COPY_REQUESTS) {
    return notYet(base, `only ${b} production requests since the share was set (need ${MIN_COPY_REQUESTS})`);
  }
  return { ...base, report: (x) => x, estimate: c / b - s, variance: Math.max(s * (1 - s), VARIANCE_FLOOR) / b };
}

export function judgeCopyRatio(split: SplitEvidence, alpha: number): GuardrailResult {
  const c = compareCopyRatio(split);
  const common = {
    guardrail: 'copyRatio' as const,
    baseline: c.baseline,
    candidate: c.candidate,
    tolerance: 0,
    alpha,
    samples: c.samples,
    method: c.method,
  };
  if (c.missing !== undefined) {
    return { ...common, verdict: 'continue', difference: null, interval: null, reason: `copyRatio: ${c.missing}` };
  }
  const radius = twoSidedRadius(c.variance, mixingScaleFor(TARGET_RADIUS, alpha), alpha);
  const lower = Math.max(c.range![0], c.estimate - radius);
  const upper = c.estimate + radius;
  const p = (x: number) => (100 * x).toFixed(1);
  const got =
    `the shadow got ${p(c.candidate!)}% copies of ${groupThousands(c.samples.baseline)} production requests, ` +
    `expected ${split.candidateWeight}%`;
  const cs = `${formatLevel(alpha)} CS for the difference [${p(lower)}, ${p(upper)}] pts`;
  const mismatch = lower > 0 || upper < 0;
  return {
    ...common,
    verdict: mismatch ? 'fail' : 'pass',
    difference: c.estimate,
    interval: [lower, upper],
    reason: mismatch
      ? `copy ratio mismatch: ${got} (${cs}); the shadow did not see a random sample of production traffic, so the ` +
        'comparison cannot be trusted'
      : `copyRatio: ${got}, no mismatch (${cs})`,
  };
}
