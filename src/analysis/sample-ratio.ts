// Sample ratio mismatch (SRM): does the split actually served match the weight set? Replay and live traffic are
// routed by SageMaker at random by weight, so the candidate's count is Binomial(N, w) when routing works. A
// mismatch means something other than the model decides who serves what (a variant failing health checks, a
// client pinning TargetVariant, a stale weight), and then no comparison of the two variants can be trusted.
//
// Test: the candidate's served share minus w, with its variance under the hypothesis of correct routing,
// w(1 − w)/N, against a two-sided normal-mixture confidence sequence (Howard et al. 2021); this is the Gaussian
// version of the sequential SRM test of Lindon & Malek, "Anytime-valid inference for multinomial count data"
// (NeurIPS 2022), and remains valid when checked at every evaluation.
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import type { SplitEvidence } from './types';

/** Requests since the weights took effect before the split is judged. */
export const MIN_SPLIT_REQUESTS = 100;

export function compareSampleRatio(split: SplitEvidence): Comparison & { applicable: boolean } {
  const b = Math.max(0, split.baselineInvocations);
  const c = Math.max(0, split.candidateInvocations);
  const n = b + c;
  const w = split.candidateWeight / 100;
  const applicable = w > 0 && w < 1;
  const base = {
    guardrail: 'sampleRatio' as const,
    baseline: n > 0 ? b / n : null,
    candidate: n > 0 ? c / n : null,
    samples: { baseline: b, candidate: c },
    method: 'sequential sample-ratio test, two-sided normal-mixture confidence sequence (Lindon & Malek 2022)',
    unit: 'points' as const,
    tolerance: 0,
    range: [-w, 1 - w] as [number, number],
    applicable,
  };
  if (!applicable) {
    return { ...notYet(base, `not applicable at candidate weight ${split.candidateWeight}%`), applicable };
  }
  if (n < MIN_SPLIT_REQUESTS) {
    return {
      ...notYet(base, `only ${n} requests since the weights were set (need ${MIN_SPLIT_REQUESTS})`),
      applicable,
    };
  }
  return { ...base, report: (x) => x, estimate: c / n - w, variance: (w * (1 - w)) / n };
}
