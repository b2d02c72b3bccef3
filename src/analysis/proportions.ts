// Differences of two independent proportions: error rates from CloudWatch sums, and accuracy, precision, recall
// and F1 from labelled requests. Each is an asymptotically normal estimate with a plug-in variance, fed to the
// always-valid bounds of sequential.ts.
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import type { Confusion, GuardrailName, QualityMetricName } from './types';

/** Requests each variant must have served before an error rate is judged (the normal approximation needs them). */
export const MIN_INVOCATIONS = 100;
/** Labelled requests each variant needs before any quality metric is judged. */
export const MIN_LABELLED = 100;
/** Requests in a metric's denominator (predicted or actual positives) each variant needs. */
export const MIN_DENOMINATOR = 30;

/**
 * Variance of a proportion from Agresti & Caffo ("Simple and effective confidence intervals for proportions and
 * differences of proportions result from adding two successes and two failures", American Statistician 54, 2000):
 * one success and one failure added per variant, so a variant with no errors yet still has a non-zero variance
 * and 0 errors of 150 does not look like a certain 0%.
 */
export function adjustedVariance(successes: number, trials: number): number {
  const p = (successes + 1) / (trials + 2);
  return (p * (1 - p)) / (trials + 2);
}

const rate = (x: number, n: number) => (n > 0 ? x / n : null);

/** Error rate comparison: candidate − baseline (positive = more errors). */
export function compareErrorRates(
  guardrail: 'errorRate5xx' | 'errorRate4xx',
  baseline: { errors: number; invocations: number },
  candidate: { errors: number; invocations: number },
  tolerance: number,
): Comparison {
  // CloudWatch sums can disagree by a few in the current period; an error count above the invocations is clamped.
  const nB = Math.max(0, baseline.invocations);
  const nC = Math.max(0, candidate.invocations);
  const xB = Math.min(Math.max(0, baseline.errors), nB);
  const xC = Math.min(Math.max(0, candidate.errors), nC);
  const base = {
    guardrail,
    baseline: rate(xB, nB),
    candidate: rate(xC, nC),
    samples: { baseline: nB, candidate: nC },
    method: 'two proportions, normal-mixture confidence sequence (mSPRT, Johari et al. 2017; Howard et al. 2021)',
    unit: 'points' as const,
    tolerance,
    range: [-1, 1] as [number, number],
  };
  if (nC < MIN_INVOCATIONS || nB < MIN_INVOCATIONS) {
    const which = nC < MIN_INVOCATIONS ? `${nC} candidate` : `${nB} baseline`;
    return notYet(base, `only ${which} invocations so far (need ${MIN_INVOCATIONS} on each variant)`);
  }
  return {
    ...base,
    report: (x) => x,
    estimate: xC / nC - xB / nB,
    variance: adjustedVariance(xC, nC) + adjustedVariance(xB, nB),
  };
}

/** Successes and trials of a proportion-type quality metric, from a variant's confusion counts. */
function proportionOf(metric: 'accuracy' | 'precision' | 'recall', c: Confusion): { x: number; n: number } {
  if (metric === 'accuracy') return { x: c.tp + c.tn, n: c.tp + c.fp + c.fn + c.tn };
  if (metric === 'precision') return { x: c.tp, n: c.tp + c.fp };
  return { x: c.tp, n: c.tp + c.fn };
}

const DENOMINATOR_NAME = { precision: 'predicted positives', recall: 'actual positives', f1: 'actual positives' };

/**
 * F1 = 2TP / (2TP + FP + FN) is a ratio of two per-request means, so by the delta method
 * Var(F1) ≈ E[(a − F·b)²] / (n·E[b]²) with a = 2·tp, b = 2·tp + fp + fn per request, i.e.
 * [4·p_tp·(1 − F)² + (p_fp + p_fn)·F²] / (n·(2·p_tp + p_fp + p_fn)²). The counts get one pseudo-request per
 * confusion cell (as Agresti–Caffo do for proportions) so a perfect or empty cell does not give zero variance.
 */
export function f1Variance(c: Confusion): number {
  const tp = c.tp + 1;
  const fp = c.fp + 1;
  const fn = c.fn + 1;
  const n = tp + fp + fn + c.tn + 1;
  const f = (2 * tp) / (2 * tp + fp + fn);
  const b = (2 * tp + fp + fn) / n;
  return (4 * tp * (1 - f) ** 2 + (fp + fn) * f * f) / n / (n * b * b);
}

function f1Of(c: Confusion): number {
  const d = 2 * c.tp + c.fp + c.fn;
  return d > 0 ? (2 * c.tp) / d : 0;
}

/** Quality comparison for accuracy, precision, recall or F1: baseline − candidate (positive = worse model). */
export function compareQualityProportion(
  metric: Exclude<QualityMetricName, 'rocAuc'>,
  baseline: Confusion | null,
  candidate: Confusion | null,
  tolerance: number,
): Comparison {
  const guardrail: GuardrailName = metric;
  const nB = baseline ? baseline.tp + baseline.fp + baseline.fn + baseline.tn : 0;
  const nC = candidate ? candidate.tp + candidate.fp + candidate.fn + candidate.tn : 0;
  const value = (c: Confusion | null) => {
    if (!c) return null;
    if (metric === 'f1') return f1Of(c);
    const { x, n } = proportionOf(metric, c);
    return n > 0 ? x / n : 0;
  };
  const base = {
    guardrail,
    baseline: value(baseline),
    candidate: value(candidate),
    samples: { baseline: nB, candidate: nC },
    method:
      metric === 'f1'
        ? 'F1 with delta-method variance, normal-mixture confidence sequence (Waudby-Smith et al. 2024)'
        : 'two proportions, normal-mixture confidence sequence (mSPRT, Johari et al. 2017; Howard et al. 2021)',
    unit: 'points' as const,
    tolerance,
    range: [-1, 1] as [number, number],
  };
  if (!baseline || !candidate || nB === 0 || nC === 0) {
    return notYet(
      base,
      `no labelled requests on the ${nC === 0 ? 'candidate' : 'baseline'} (replay traffic with labels is needed ` +
        'to judge quality; leave guardrails.quality empty to not judge it)',
    );
  }
  if (nB < MIN_LABELLED || nC < MIN_LABELLED) {
    const which = nC < MIN_LABELLED ? `${nC} candidate` : `${nB} baseline`;
    return notYet(base, `only ${which} labelled requests so far (need ${MIN_LABELLED} on each variant)`);
  }
  if (metric === 'f1' || metric === 'precision' || metric === 'recall') {
    const denominator = (c: Confusion) => (metric === 'precision' ? c.tp + c.fp : c.tp + c.fn);
    const dB = denominator(baseline);
    const dC = denominator(candidate);
    if (dB < MIN_DENOMINATOR || dC < MIN_DENOMINATOR) {
      const which = dC < MIN_DENOMINATOR ? `${dC} candidate` : `${dB} baseline`;
      return notYet(base, `only ${which} ${DENOMINATOR_NAME[metric]} so far (need ${MIN_DENOMINATOR} on each variant)`);
    }
  }
  if (metric === 'f1') {
    return {
      ...base,
      report: (x) => x,
      estimate: f1Of(baseline) - f1Of(candidate),
      variance: f1Variance(baseline) + f1Variance(candidate),
    };
  }
  const b = proportionOf(metric, baseline);
  const c = proportionOf(metric, candidate);
  return {
    ...base,
    report: (x) => x,
    estimate: b.x / b.n - c.x / c.n,
    variance: adjustedVariance(b.x, b.n) + adjustedVariance(c.x, c.n),
  };
}
