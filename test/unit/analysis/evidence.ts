// Builders of seeded evidence for guardrail tests: CloudWatch-like sums and periods, labelled replay rows.
import type { LatencyPeriod, ScoredRequest, VariantEvidence } from '../../../src/analysis';
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

export function variant(name: string, fields: Partial<VariantEvidence> = {}): VariantEvidence {
  return { variantName: name, invocations: 0, errors4xx: 0, errors5xx: 0, latency: [], labelled: [], ...fields };
}

/** Every number in a value, recursively, for NaN/Infinity checks. */
export function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}
