import { compareLatency, MIN_PERIODS } from '../../../src/analysis/latency';
import type { LatencyPeriod } from '../../../src/analysis';
import { latencyPeriods } from './evidence';

const period = (i: number, p50: number | undefined, fields: Partial<LatencyPeriod> = {}): LatencyPeriod => ({
  timestamp: i * 60_000,
  sampleCount: 100,
  average: (p50 ?? 10_000) * 1.1,
  ...(p50 === undefined ? {} : { p50, p90: p50 * 1.9 }),
  ...fields,
});

describe('compareLatency', () => {
  it('is the mean log ratio of paired period medians, reported as a relative slowdown', () => {
    const b = [0, 1, 2, 3, 4, 5].map((i) => period(i, 10_000));
    const c = [0, 1, 2, 3, 4, 5].map((i) => period(i, i % 2 === 0 ? 11_000 : 13_000));
    const cmp = compareLatency(b, c, 0.2);
    expect(cmp.missing).toBeUndefined();
    const expected = (Math.log(1.1) + Math.log(1.3)) / 2;
    expect(cmp.estimate).toBeCloseTo(expected, 14);
    expect(cmp.report(cmp.estimate)).toBeCloseTo(Math.sqrt(1.1 * 1.3) - 1, 14);
    expect(cmp.baseline).toBeCloseTo(10, 12); // ms
    expect(cmp.candidate).toBeCloseTo(10 * Math.sqrt(1.1 * 1.3), 10);
    expect(cmp.tolerance).toBeCloseTo(Math.log(1.2), 15);
    // The variance is the spread of the six log ratios (alternating ±(log1.3 − log1.1)/2) over 6 periods, an
    // estimate with 5 degrees of freedom: the bound will be the scale-invariant t-mixture of 6 observations.
    const half = (Math.log(1.3) - Math.log(1.1)) / 2;
    expect(cmp.variance).toBeCloseTo((6 * half * half) / 5 / 6, 14);
    expect(cmp.degreesOfFreedom).toBe(5);
  });

  it('floors the variance by what per-period medians carry (lognormal model) when the periods agree too well', () => {
    const b = [0, 1, 2, 3, 4].map((i) => period(i, 10_000));
    const c = [0, 1, 2, 3, 4].map((i) => period(i, 12_000));
    const cmp = compareLatency(b, c, 0.2);
    const sigma = Math.log(1.9) / 1.2815515655446004;
    const perPeriod = (2 * ((Math.PI / 2) * sigma * sigma)) / 100;
    expect(cmp.variance).toBe(0); // five identical log ratios: no spread at all
    expect(cmp.degreesOfFreedom).toBe(4);
    // The lognormal model's floor travels separately: the bound is never narrower than a known-variance bound at it.
    expect(cmp.varianceFloor).toBeCloseTo(perPeriod / 5, 14);
  });

  it('pairs only periods both variants served, with enough requests, and waits for MIN_PERIODS of them', () => {
    const b = [0, 1, 2, 3, 4, 5, 6].map((i) => period(i, 10_000, i === 2 ? { sampleCount: 3 } : {}));
    const c = [1, 2, 3, 4, 5, 6, 7].map((i) => period(i, 10_500));
    const cmp = compareLatency(b, c, 0.2);
    expect(cmp.samples).toEqual({ baseline: 5, candidate: 5 }); // 1, 3, 4, 5, 6
    expect(cmp.missing).toBeUndefined();
    const few = compareLatency(b.slice(0, MIN_PERIODS - 1), c, 0.2);
    expect(few.missing).toMatch(/only \d CloudWatch periods? with at least 10 requests on both variants \(need 5\)/);
    expect(compareLatency([], c, 0.2).missing).toMatch(/only 0 CloudWatch periods/);
  });

  it('falls back to the period Average when a percentile is missing, and ignores non-finite values', () => {
    const b = [0, 1, 2, 3, 4].map((i) => period(i, undefined, { average: 10_000 }));
    const c = [0, 1, 2, 3, 4].map((i) => period(i, undefined, { average: 15_000 }));
    c.push(period(5, undefined, { average: NaN }));
    b.push(period(5, undefined, { average: 10_000 }));
    const cmp = compareLatency(b, c, 0.2);
    expect(cmp.samples.candidate).toBe(5);
    expect(cmp.report(cmp.estimate)).toBeCloseTo(0.5, 12);
    expect(Number.isFinite(cmp.variance)).toBe(true);
  });

  it('sees no change between two draws of the same distribution', () => {
    const cmp = compareLatency(latencyPeriods(30, 20_000, { seed: 1 }), latencyPeriods(30, 20_000, { seed: 2 }), 0.2);
    expect(Math.abs(cmp.report(cmp.estimate))).toBeLessThan(0.02);
  });
});
