// The post-promotion bake: the candidate serves all traffic while the baseline waits at weight 0, so there is no
// second arm on the same traffic any more. The candidate is judged against its own earlier evidence instead: its
// error rates and latency during the bake against its own during the last live step (the reference), by the same
// always-valid normal-mixture bounds and verdict rules as every other guardrail (verdict.ts `judge`). What it
// catches is what appears only once the candidate takes everything: load (its fleet sized for a share), a dependency
// that breaks at full volume, traffic the steps never routed to it.
//
// The reference is fixed when the bake starts (the last live step's settled CloudWatch periods of the candidate), so
// its sampling error is an offset the bake's growing evidence never averages away, and the martingale argument behind
// the other bounds covers the bake's side only. The bound adds the reference's variance to the bake's,
// v = v_ref + v_bake,t; the mixture's radius at v is never below its radius at v_ref alone, itself wider than a
// fixed-sample bound on the offset. That makes it conservative in practice, not exact: the simulation in
// test/unit/analysis/bake.test.ts measures the false-fail rate of a bake looked at every interval under no change,
// below the guardrail's share of alpha.
//
// Error rates: two proportions (proportions.ts), the reference as the "baseline". Latency: the mean over periods of
// log(per-period mean ModelLatency), bake minus reference, with the variance s²_bake/n_bake + s²_ref/n_ref from each
// side's own spread (a Welch-type estimate; the per-period mean because CloudWatch has no percentile for statistic
// sets and the mean is what SageMaker documents, [DG-CW]), reported as a relative change like the A/B latency.
import type { Comparison } from './comparison';
import { notYet } from './comparison';
import { combine } from './guardrails';
import { judge } from './verdict';
import { MIN_PERIOD_SAMPLES, MIN_PERIODS } from './latency';
import { compareErrorRates } from './proportions';
import type { Evaluation, GuardrailConfig, GuardrailResult, LatencyPeriod } from './types';

/** One variant's CloudWatch evidence over a stretch of time: sums, and log latency per period (Welford). */
export interface BakeStream {
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  latency: { periods: number; mean: number; sumSquaredDeviations: number };
}

export const EMPTY_BAKE_STREAM: BakeStream = {
  invocations: 0,
  errors4xx: 0,
  errors5xx: 0,
  latency: { periods: 0, mean: 0, sumSquaredDeviations: 0 },
};

/** Folds one settled CloudWatch period; its latency counts when it has MIN_PERIOD_SAMPLES requests. Pure. */
export function foldBakePeriod(
  stream: BakeStream,
  period: { invocations: number; errors4xx: number; errors5xx: number; latency?: LatencyPeriod },
): BakeStream {
  let latency = stream.latency;
  const p = period.latency;
  if (p && p.sampleCount >= MIN_PERIOD_SAMPLES && p.average > 0 && Number.isFinite(p.average)) {
    const x = Math.log(p.average);
    const periods = latency.periods + 1;
    const delta = x - latency.mean;
    const mean = latency.mean + delta / periods;
    latency = { periods, mean, sumSquaredDeviations: latency.sumSquaredDeviations + delta * (x - mean) };
  }
  return {
    invocations: stream.invocations + period.invocations,
    errors4xx: stream.errors4xx + period.errors4xx,
    errors5xx: stream.errors5xx + period.errors5xx,
    latency,
  };
}

/** Bake latency against the reference's: the mean log per-period mean, bake − reference (positive = slower). */
export function compareBakeLatency(reference: BakeStream, bake: BakeStream, tolerance: number): Comparison {
  const r = reference.latency;
  const b = bake.latency;
  const base = {
    guardrail: 'latency' as const,
    baseline: r.periods > 0 ? Math.exp(r.mean) / 1000 : null,
    candidate: b.periods > 0 ? Math.exp(b.mean) / 1000 : null,
    samples: { baseline: r.periods, candidate: b.periods },
    statistic: 'per-period mean, bake vs the last live step',
    method:
      'difference of mean log per-period mean ModelLatency, bake against the last live step (each side its own ' +
      'spread), normal-mixture confidence sequence (Howard et al. 2021)',
    unit: 'relative' as const,
    tolerance: Math.log1p(tolerance),
    report: Math.expm1,
  };
  const fewer = Math.min(r.periods, b.periods);
  if (fewer < MIN_PERIODS) {
    const which = b.periods <= r.periods ? 'bake' : 'last live step';
    return notYet(
      base,
      `only ${fewer} CloudWatch periods of the ${which} with at least ${MIN_PERIOD_SAMPLES} requests (need ${MIN_PERIODS})`,
    );
  }
  const spread = (l: BakeStream['latency']) => l.sumSquaredDeviations / (l.periods - 1) / l.periods;
  return { ...base, estimate: b.mean - r.mean, variance: spread(b) + spread(r) };
}

export interface BakeInput {
  /** The candidate during the last live step (fixed once the bake starts). */
  reference: BakeStream;
  /** The candidate since the bake started. */
  bake: BakeStream;
  /** Error rates' and latency's settings (quality and the rest are not judged in a bake); `alpha` is the bake's. */
  config: Pick<GuardrailConfig, 'alpha' | 'errorRate5xx' | 'errorRate4xx' | 'latency'>;
  /** How the reference is named in reasons, e.g. "step 3". */
  referenceName: string;
}

/** Every enabled rate and latency guardrail judged at an equal share of the bake's alpha, and the verdict. */
export function evaluateBake(input: BakeInput): Evaluation {
  const { reference, bake, config } = input;
  const comparisons: Comparison[] = [];
  for (const kind of ['errorRate5xx', 'errorRate4xx'] as const) {
    if (!config[kind].enabled) continue;
    const errors = kind === 'errorRate5xx' ? 'errors5xx' : 'errors4xx';
    comparisons.push(
      compareErrorRates(
        kind,
        { errors: reference[errors], invocations: reference.invocations },
        { errors: bake[errors], invocations: bake.invocations },
        config[kind].tolerance,
      ),
    );
  }
  if (config.latency.enabled) comparisons.push(compareBakeLatency(reference, bake, config.latency.tolerance));
  const share = comparisons.length > 0 ? config.alpha / comparisons.length : 0;
  const results: GuardrailResult[] = comparisons.map((c) => {
    const tolerance = c.guardrail === 'latency' ? config.latency.tolerance : c.tolerance;
    const judged = judge(c, share, tolerance);
    const method = c.guardrail === 'latency' ? c.method : `${c.method}; the candidate's bake against its last step`;
    // "candidate X vs baseline Y" in the rules' words; here both are the candidate.
    const reason = judged.reason.replace(/: candidate (.*?) vs baseline /, `: baking $1 vs ${input.referenceName} `);
    return { ...judged, method, reason };
  });
  return { ...combine(results), results };
}
