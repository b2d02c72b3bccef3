// Builders of seeded evidence for guardrail tests: CloudWatch-like sums and periods, labelled replay rows, and the
// sufficient statistics the guardrails take (labelled summaries, folded latency periods) built from them.
import {
  foldCompletePeriods,
  NO_LATENCY_PERIODS,
  summarizeLabelled,
  type LatencyPeriod,
  type LatencyStatistics,
  type ScoredRequest,
  type VariantEvidence,
} from '../../../src/analysis';
import type { GuardrailInput } from '../../../src/analysis/guardrails';
import { gaussian, seeded } from '../../../bench/random';

/** Per-period ModelLatency aggregates (µs) of lognormal requests: median `medianUs`, log-sd 0.5. */
export function latencyPeriods(
  count: number,
  medianUs: number,
  options: { seed?: number; sampleCount?: number; sigma?: number; start?: number } = {},
): LatencyPeriod[] {
  const z = gaussian(seeded(options.seed ?? 1));
  const n = options.sampleCount ?? 300;
  const sigma = options.sigma ?? 0.5;
  const noise = (1.2533 * sigma) / Math.sqrt(n); // sd of the log of a sample median
  return Array.from({ length: count }, (_, i) => {
    const p50 = medianUs * Math.exp(noise * z());
    return {
      timestamp: (options.start ?? 1_700_000_000_000) + i * 60_000,
      sampleCount: n,
      average: p50 * Math.exp((sigma * sigma) / 2),
      p50,
      p90: p50 * Math.exp(1.2816 * sigma),
      p99: p50 * Math.exp(2.3263 * sigma),
    };
  });
}

/** Labelled rows: `positiveRate` positives, scores label·separation + N(0,1) squashed to (0,1). */
export function labelledRows(
  count: number,
  options: { seed?: number; positiveRate?: number; separation?: number } = {},
): ScoredRequest[] {
  const random = seeded(options.seed ?? 2);
  const z = gaussian(random);
  const rate = options.positiveRate ?? 0.3;
  const separation = options.separation ?? 2;
  return Array.from({ length: count }, () => {
    const label = random() < rate ? 1 : 0;
    const x = label * separation - separation / 2 + z();
    return { label, score: 1 / (1 + Math.exp(-x)) };
  });
}

/** A variant's raw evidence: CloudWatch sums, its latency periods and its labelled rows. */
export interface RawVariant {
  variantName: string;
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  latency: LatencyPeriod[];
  labelled: ScoredRequest[];
}

export function variant(name: string, fields: Partial<RawVariant> = {}): RawVariant {
  return { variantName: name, invocations: 0, errors4xx: 0, errors5xx: 0, latency: [], labelled: [], ...fields };
}

/** Every period both variants report, folded (all of them complete). */
export function latencyStatistics(
  baseline: readonly LatencyPeriod[],
  candidate: readonly LatencyPeriod[],
): LatencyStatistics {
  return foldCompletePeriods(NO_LATENCY_PERIODS, baseline, candidate, Infinity);
}

/** A variant's evidence as the guardrails take it: its labelled rows summarised at `threshold` (null for none). */
export function evidenceOf(v: RawVariant, threshold: number): VariantEvidence {
  return {
    variantName: v.variantName,
    invocations: v.invocations,
    errors4xx: v.errors4xx,
    errors5xx: v.errors5xx,
    labelled: v.labelled.length > 0 ? summarizeLabelled(v.labelled, threshold) : null,
  };
}

/** evaluateGuardrails' input from raw evidence: summaries at the config's threshold, every period folded. */
export function guardrailInput(
  raw: Omit<GuardrailInput, 'baseline' | 'candidate' | 'latency'> & { baseline: RawVariant; candidate: RawVariant },
): GuardrailInput {
  const { baseline, candidate, ...rest } = raw;
  return {
    ...rest,
    baseline: evidenceOf(baseline, raw.config.threshold),
    candidate: evidenceOf(candidate, raw.config.threshold),
    latency: latencyStatistics(baseline.latency, candidate.latency),
  };
}

/** Every number in a value, recursively, for NaN/Infinity checks. */
export function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}
