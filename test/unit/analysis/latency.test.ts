// Latency from complete CloudWatch periods folded one at a time (latency.ts): the comparison from the folded
// statistics, and the same comparison as the arrays of periods give (computed here from its definition).
import {
  compareLatency,
  foldCompletePeriods,
  foldLatencyBatch,
  foldRoundTrips,
  foldLatencyPeriod,
  mergeLatencyStatistics,
  MIN_PERIODS,
  NO_LATENCY_PERIODS,
} from '../../../src/analysis/latency';
import type { LatencyPeriod } from '../../../src/analysis';
import { latencyPeriods, latencyStatistics } from './evidence';
import { gaussian, seeded } from '../../../bench/random';

const period = (i: number, p50: number | undefined, fields: Partial<LatencyPeriod> = {}): LatencyPeriod => ({
  timestamp: i * 60_000,
  sampleCount: 100,
  average: (p50 ?? 10_000) * 1.1,
  ...(p50 === undefined ? {} : { p50, p90: p50 * 1.9 }),
  ...fields,
});

const compare = (b: LatencyPeriod[], c: LatencyPeriod[], tolerance: number, horizon?: number) =>
  compareLatency(latencyStatistics(b, c), tolerance, horizon);

describe('compareLatency', () => {
  it('is the mean log ratio of paired period medians, reported as a relative slowdown', () => {
    const b = [0, 1, 2, 3, 4, 5].map((i) => period(i, 10_000));
    const c = [0, 1, 2, 3, 4, 5].map((i) => period(i, i % 2 === 0 ? 11_000 : 13_000));
    const cmp = compare(b, c, 0.2);
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
    const cmp = compare(b, c, 0.2);
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
    const cmp = compare(b, c, 0.2);
    expect(cmp.samples).toEqual({ baseline: 5, candidate: 5 }); // 1, 3, 4, 5, 6
    expect(cmp.missing).toBeUndefined();
    const few = compare(b.slice(0, MIN_PERIODS - 1), c, 0.2);
    expect(few.missing).toMatch(/only \d CloudWatch periods? with at least 10 requests on both variants \(need 5\)/);
    expect(compare([], c, 0.2).missing).toMatch(/only 0 CloudWatch periods/);
  });

  it('falls back to the period Average when a percentile is missing, and ignores non-finite values', () => {
    const b = [0, 1, 2, 3, 4].map((i) => period(i, undefined, { average: 10_000 }));
    const c = [0, 1, 2, 3, 4].map((i) => period(i, undefined, { average: 15_000 }));
    c.push(period(5, undefined, { average: NaN }));
    b.push(period(5, undefined, { average: 10_000 }));
    const cmp = compare(b, c, 0.2);
    expect(cmp.samples.candidate).toBe(5);
    expect(cmp.report(cmp.estimate)).toBeCloseTo(0.5, 12);
    expect(Number.isFinite(cmp.variance)).toBe(true);
  });

  it('sees no change between two draws of the same distribution', () => {
    const cmp = compare(latencyPeriods(30, 20_000, { seed: 1 }), latencyPeriods(30, 20_000, { seed: 2 }), 0.2);
    expect(Math.abs(cmp.report(cmp.estimate))).toBeLessThan(0.02);
  });

  it('names the complete periods and, with a horizon, the group-sequential test in its method', () => {
    const b = [0, 1, 2, 3, 4].map((i) => period(i, 10_000));
    expect(compare(b, b, 0.2).method).toMatch(/paired by complete CloudWatch period/);
    expect(compare(b, b, 0.2).method).not.toMatch(/group-sequential/);
    expect(compare(b, b, 0.2, 24).method).toMatch(/within the spec's 24 periods a group-sequential t-test/);
    expect(compare(b, b, 0.2, 24).horizon).toBe(24);
  });
});

/** The comparison's numbers from the arrays of complete periods, by their definition (what the arrays gave). */
function fromArrays(baseline: LatencyPeriod[], candidate: LatencyPeriod[]) {
  const z90 = 1.2815515655446004;
  const usable = (p: LatencyPeriod, percentile: boolean) => {
    const v = percentile ? p.p50 : p.average;
    return p.sampleCount >= 10 && v !== undefined && v > 0 && Number.isFinite(v) ? v : null;
  };
  const model = (p: LatencyPeriod, percentile: boolean) => {
    if (p.p50 === undefined || p.p90 === undefined || !(p.p50 > 0) || !(p.p90 >= p.p50)) return null;
    const s = Math.log(p.p90 / p.p50) / z90;
    return percentile ? ((Math.PI / 2) * s * s) / p.sampleCount : Math.expm1(s * s) / p.sampleCount;
  };
  const d: number[] = [];
  const models: number[] = [];
  let logB = 0;
  let logC = 0;
  for (const c of candidate) {
    const b = baseline.find((x) => x.timestamp === c.timestamp);
    if (!b) continue;
    const percentile = (b.p50 ?? 0) > 0 && (c.p50 ?? 0) > 0;
    const vb = usable(b, percentile);
    const vc = usable(c, percentile);
    if (vb === null || vc === null) continue;
    d.push(Math.log(vc) - Math.log(vb));
    const mb = model(b, percentile);
    const mc = model(c, percentile);
    if (mb !== null && mc !== null) models.push(mb + mc);
    logB += Math.log(vb);
    logC += Math.log(vc);
  }
  const t = d.length;
  const mean = d.reduce((a, x) => a + x, 0) / t;
  const spread = d.reduce((a, x) => a + (x - mean) ** 2, 0) / (t - 1);
  return {
    t,
    estimate: mean,
    variance: spread / t,
    floor: models.length > 0 ? models.reduce((a, x) => a + x, 0) / models.length / t : 0,
    baseline: Math.exp(logB / t) / 1000,
    candidate: Math.exp(logC / t) / 1000,
  };
}

const closeTo = (actual: number, expected: number, relative = 1e-12) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(Math.abs(expected), 1e-300));

describe('folding complete periods one at a time', () => {
  it('gives the comparison the arrays of the same complete periods give (to 1e-12)', () => {
    const z = gaussian(seeded(12));
    for (const [count, scale] of [
      [7, 0.05],
      [60, 0.3],
      [1_000, 0.01],
      [20_160, 0.1], // 7 days of 30 s periods: Welford keeps the spread where the raw sums would cancel
    ]) {
      const b: LatencyPeriod[] = [];
      const c: LatencyPeriod[] = [];
      for (let i = 0; i < count; i++) {
        const withPercentiles = i % 7 !== 3; // some periods have only the Average
        const sb = 20_000 * Math.exp(0.2 * z());
        const sc = sb * Math.exp(0.15 + scale * z());
        const mk = (v: number, n: number): LatencyPeriod => ({
          timestamp: i * 30_000,
          sampleCount: n,
          average: v * 1.13,
          ...(withPercentiles ? { p50: v, p90: v * (1.5 + 0.3 * Math.abs(z())) } : {}),
        });
        b.push(mk(sb, i % 11 === 5 ? 4 : 300)); // a few periods with too few requests
        c.push(mk(sc, 280));
      }
      let stats = NO_LATENCY_PERIODS;
      for (let i = 0; i < count; i++) stats = foldLatencyPeriod(stats, b[i], c[i]);
      const cmp = compareLatency(stats, 0.2, 24);
      const ref = fromArrays(b, c);
      expect(cmp.samples.candidate).toBe(ref.t);
      expect(cmp.degreesOfFreedom).toBe(ref.t - 1);
      closeTo(cmp.estimate, ref.estimate);
      closeTo(cmp.variance, ref.variance);
      closeTo(cmp.varianceFloor!, ref.floor);
      closeTo(cmp.baseline!, ref.baseline);
      closeTo(cmp.candidate!, ref.candidate);
    }
  });

  it('folds each period once: an earlier or repeated period changes nothing', () => {
    const b = [0, 1, 2, 3, 4, 5].map((i) => period(i, 10_000));
    const c = [0, 1, 2, 3, 4, 5].map((i) => period(i, 10_000 * (1.1 + 0.01 * i)));
    const all = latencyStatistics(b, c);
    expect(all.through).toBe(5 * 60_000);
    expect(foldLatencyPeriod(all, b[3], c[3])).toBe(all);
    expect(foldCompletePeriods(all, b, c, Infinity)).toBe(all);
    // Folding in two batches is folding once.
    const first = foldCompletePeriods(NO_LATENCY_PERIODS, b, c, 3 * 60_000);
    expect(first.periods).toBe(3);
    expect(foldCompletePeriods(first, b, c, Infinity)).toEqual(all);
    // A period with too few requests is passed over, but counts as folded.
    const thin = foldLatencyPeriod(all, period(6, 10_000, { sampleCount: 2 }), period(6, 10_000));
    expect(thin.periods).toBe(all.periods);
    expect(thin.through).toBe(6 * 60_000);
    expect(() => foldLatencyPeriod(all, period(7, 10_000), period(8, 10_000))).toThrow(RangeError);
  });

  it('stays small and JSON-safe', () => {
    const stats = latencyStatistics(latencyPeriods(500, 20_000, { seed: 1 }), latencyPeriods(500, 21_000, { seed: 2 }));
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
    expect(JSON.stringify(stats).length).toBeLessThan(300);
  });
});

describe('batches of round trips (paired probes, replay traffic)', () => {
  it('folds batches one at a time, and merges folded statistics in any split to the same numbers', () => {
    const z = gaussian(seeded(11));
    const batches = Array.from({ length: 40 }, () => ({
      d: 0.1 + 0.05 * z(),
      modelVariance: 1e-4,
      logBaseline: Math.log(20_000) + 0.1 * z(),
      logCandidate: Math.log(22_000) + 0.1 * z(),
    }));
    const all = batches.reduce(foldLatencyBatch, NO_LATENCY_PERIODS);
    const ds = batches.map((b) => b.d);
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    expect(all.periods).toBe(40);
    expect(all.meanLogRatio).toBeCloseTo(mean, 12);
    expect(all.sumSquaredDeviations).toBeCloseTo(
      ds.reduce((a, d) => a + (d - mean) ** 2, 0),
      12,
    );
    expect(all.modelVarianceSum).toBeCloseTo(40e-4, 12);
    for (const cut of [0, 1, 17, 39, 40]) {
      const left = batches.slice(0, cut).reduce(foldLatencyBatch, NO_LATENCY_PERIODS);
      const right = batches.slice(cut).reduce(foldLatencyBatch, NO_LATENCY_PERIODS);
      for (const merged of [mergeLatencyStatistics(left, right), mergeLatencyStatistics(right, left)]) {
        expect(merged.periods).toBe(40);
        expect(merged.meanLogRatio).toBeCloseTo(all.meanLogRatio, 12);
        expect(merged.sumSquaredDeviations).toBeCloseTo(all.sumSquaredDeviations, 12);
        expect(merged.logCandidateSum).toBeCloseTo(all.logCandidateSum, 9);
      }
    }
    // A batch that is not a number changes nothing.
    expect(foldLatencyBatch(all, { ...batches[0], d: NaN })).toBe(all);
    // The comparison treats batches as it treats periods: their mean, with their spread, by the t-based tests.
    const cmp = compareLatency(all, 0.2);
    expect(cmp.estimate).toBeCloseTo(mean, 12);
    expect(cmp.degreesOfFreedom).toBe(39);
  });
});

describe('replay traffic round trips, a minute at a time (foldRoundTrips)', () => {
  const minute = (trips: number[]) => ({
    requests: trips.length,
    sumLog: trips.reduce((a, t) => a + Math.log(t), 0),
    sumSquaredLog: trips.reduce((a, t) => a + Math.log(t) ** 2, 0),
  });

  it('is the difference of the mean log round trips, its floor the two means own variances', () => {
    const z = gaussian(seeded(12));
    const b = Array.from({ length: 300 }, () => 20 * Math.exp(0.4 * z()));
    const c = Array.from({ length: 200 }, () => 24 * Math.exp(0.4 * z()));
    const stats = foldRoundTrips(NO_LATENCY_PERIODS, minute(b), minute(c));
    const logMean = (xs: number[]) => xs.reduce((a, t) => a + Math.log(t), 0) / xs.length;
    const logVar = (xs: number[]) => {
      const m = logMean(xs);
      return xs.reduce((a, t) => a + (Math.log(t) - m) ** 2, 0) / (xs.length - 1);
    };
    expect(stats.periods).toBe(1);
    expect(stats.meanLogRatio).toBeCloseTo(logMean(c) - logMean(b), 12);
    expect(stats.modelVarianceSum).toBeCloseTo(logVar(c) / 200 + logVar(b) / 300, 12);
    // Geometric means in ms, from log sums kept in µs as CloudWatch's.
    expect(Math.exp(stats.logBaselineSum) / 1000).toBeCloseTo(Math.exp(logMean(b)), 9);
    expect(stats.source).toBe('round trips');
  });

  it('passes over a minute with fewer than 10 answers on either variant, and names what it judges', () => {
    const few = minute([20, 21, 22]);
    expect(foldRoundTrips(NO_LATENCY_PERIODS, few, minute(Array(50).fill(20)))).toBe(NO_LATENCY_PERIODS);
    let stats = NO_LATENCY_PERIODS;
    const z = gaussian(seeded(13));
    for (let k = 0; k < 6; k++) {
      const b = Array.from({ length: 300 }, () => 20 * Math.exp(0.4 * z()));
      const c = Array.from({ length: 300 }, () => 20 * Math.exp(0.4 * z()));
      stats = foldRoundTrips(stats, minute(b), minute(c));
    }
    const cmp = compareLatency(stats, 0.2);
    expect(cmp.statistic).toBe('per-minute geometric mean of replay round trips');
    expect(cmp.method).toMatch(/^log ratio of the per-minute geometric means of replay round trips/);
    expect(cmp.degreesOfFreedom).toBe(5);
  });
});
