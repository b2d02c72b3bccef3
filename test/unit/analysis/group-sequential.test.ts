// Latency's finite-horizon group-sequential t-test (src/analysis/group-sequential.ts): the committed table against
// the script that generated it, the lookup's conservative rounding, Student quantiles against scipy, edge cases, and
// a seeded Monte Carlo of the promise (null crossing rate over the horizon ≤ alpha, for any sigma).
import fixture from '../../fixtures/analysis/group-sequential-t.json';
import {
  GROUP_SEQUENTIAL_MAX_HORIZON,
  GROUP_SEQUENTIAL_MIN_PERIODS,
  groupSequentialDesign,
  groupSequentialMultiplier,
  studentUpperQuantile,
  tableAlpha,
} from '../../../src/analysis/group-sequential';
import {
  TABLE_ALPHA_COUNT,
  TABLE_HORIZONS,
  TABLE_LEVELS,
  TABLE_MIN_PERIODS,
} from '../../../src/analysis/group-sequential-table';
import { EFFECT_PRECISION, GROUP_SEQUENTIAL_SHARE } from '../../../src/analysis/guardrail-design';
import { judge } from '../../../src/analysis/verdict';
import {
  compareLatency as compareFolded,
  foldLatencyPeriod,
  MIN_PERIODS,
  NO_LATENCY_PERIODS,
} from '../../../src/analysis/latency';
import { tMixtureMultiplier } from '../../../src/analysis/sequential';
import type { LatencyPeriod } from '../../../src/analysis';
import { gaussian, seeded } from '../../../bench/random';
import { latencyStatistics } from './evidence';

/** The comparison of arrays of complete periods, all folded. */
const compareLatency = (b: LatencyPeriod[], c: LatencyPeriod[], tolerance: number, horizon?: number) =>
  compareFolded(latencyStatistics(b, c), tolerance, horizon);

describe('the table (scripts/group-sequential-t.py → group-sequential-table.ts)', () => {
  it('is exactly what the script wrote to test/fixtures/analysis/group-sequential-t.json', () => {
    expect(fixture.paths).toBeGreaterThanOrEqual(1_000_000);
    expect(TABLE_MIN_PERIODS).toBe(fixture.minPeriods);
    expect(TABLE_MIN_PERIODS).toBe(MIN_PERIODS); // latency is never judged on fewer periods
    expect([...TABLE_HORIZONS]).toEqual(fixture.horizons);
    expect(TABLE_LEVELS.map((row) => [...row])).toEqual(fixture.levels);
    expect(TABLE_ALPHA_COUNT).toBe(fixture.alphas.length);
    fixture.alphas.forEach((a, j) => expect(Math.abs(tableAlpha(j) - a)).toBeLessThan(1e-15 * a));
  });

  it('holds its levels under alpha in the generating Monte Carlo, slightly under the plain quantile', () => {
    for (const c of fixture.checks) {
      expect(c.crossingRate).toBeLessThanOrEqual(c.alpha);
      expect(c.level).toBeLessThanOrEqual(c.pointEstimate);
      expect(c.level).toBeGreaterThan(0.9 * c.pointEstimate);
    }
  });

  it('is monotone: a longer horizon or a smaller alpha only lowers the nominal level', () => {
    for (let j = 0; j < TABLE_LEVELS.length; j++) {
      for (let i = 1; i < TABLE_HORIZONS.length; i++)
        expect(TABLE_LEVELS[j][i]).toBeLessThanOrEqual(TABLE_LEVELS[j][i - 1]);
      if (j > 0) TABLE_LEVELS[j].forEach((p, i) => expect(p).toBeLessThanOrEqual(TABLE_LEVELS[j - 1][i]));
    }
    // With one look (horizon = MIN_PERIODS) the test is a single t-test: its level is alpha itself.
    expect(TABLE_LEVELS[0][0]).toBeCloseTo(0.2, 2);
  });
});

describe('groupSequentialDesign', () => {
  it('rounds alpha down and the horizon up to the table', () => {
    const d = groupSequentialDesign(0.00784, 24)!;
    expect(d.horizon).toBe(24);
    expect(d.alpha).toBeLessThanOrEqual(0.00784);
    expect(d.alpha * 2 ** (1 / 16)).toBeGreaterThan(0.00784);
    const j = Array.from({ length: TABLE_ALPHA_COUNT }, (_, k) => tableAlpha(k)).indexOf(d.alpha);
    expect(d.level).toBe(TABLE_LEVELS[j][TABLE_HORIZONS.indexOf(24)]);
    // 33 periods: looks up to 33, at the level computed for 36.
    const e = groupSequentialDesign(0.00784, 33)!;
    expect(e.horizon).toBe(33);
    expect(e.level).toBe(TABLE_LEVELS[j][TABLE_HORIZONS.indexOf(36)]);
    // A grid alpha itself is its own row.
    expect(groupSequentialDesign(tableAlpha(40), 10)!.alpha).toBe(tableAlpha(40));
    expect(groupSequentialDesign(0.2, 10)!.alpha).toBe(0.2);
  });

  it('has none beyond the table’s horizon, where it would gain nothing over the t-mixture', () => {
    expect(groupSequentialDesign(0.01, GROUP_SEQUENTIAL_MAX_HORIZON)!.horizon).toBe(GROUP_SEQUENTIAL_MAX_HORIZON);
    expect(groupSequentialDesign(0.01, GROUP_SEQUENTIAL_MAX_HORIZON + 1)).toBeNull();
    expect(groupSequentialDesign(0.01, 1_000)).toBeNull();
    // Over the table's last horizon the boundary is still at or under the t-mixture's at the whole share, at every look.
    for (const share of [0.0002, 0.001, 0.0098, 0.049, 0.196]) {
      for (let n = MIN_PERIODS; n <= GROUP_SEQUENTIAL_MAX_HORIZON; n++) {
        const b = groupSequentialMultiplier(n, GROUP_SEQUENTIAL_SHARE * share, GROUP_SEQUENTIAL_MAX_HORIZON);
        expect(b).toBeLessThanOrEqual(tMixtureMultiplier(n, EFFECT_PRECISION, share) * 1.001);
      }
    }
  });

  it('has no design below MIN_PERIODS periods, without a horizon, or below the table’s alpha', () => {
    expect(groupSequentialDesign(0.01, GROUP_SEQUENTIAL_MIN_PERIODS - 1)).toBeNull();
    expect(groupSequentialDesign(0.01, 0)).toBeNull();
    expect(groupSequentialDesign(0.01, undefined)).toBeNull();
    expect(groupSequentialDesign(0.01, NaN)).toBeNull();
    expect(groupSequentialDesign(5e-5, 24)).toBeNull();
    expect(groupSequentialDesign(0, 24)).toBeNull();
  });
});

describe('studentUpperQuantile against scipy (t.isf)', () => {
  it.each([
    [0.025, 4, 2.7764451051977996],
    [0.005, 9, 3.24983554401537],
    [0.001, 23, 3.4849643748048935],
    [1e-5, 4, 23.332182652595716],
    [0.3, 1, 0.7265425280172028],
  ])('p = %p, %p degrees of freedom', (p, nu, expected) => {
    // Within the incomplete beta function's accuracy (about 1e-9 relative here).
    expect(Math.abs(studentUpperQuantile(p, nu) / expected - 1)).toBeLessThan(1e-8);
  });
});

describe('groupSequentialMultiplier', () => {
  it('looks only at MIN_PERIODS … horizon periods, with a boundary that falls as periods accrue', () => {
    expect(groupSequentialMultiplier(MIN_PERIODS - 1, 0.01, 24)).toBe(Infinity);
    expect(groupSequentialMultiplier(25, 0.01, 24)).toBe(Infinity);
    expect(groupSequentialMultiplier(7, 0.01, 6)).toBe(Infinity);
    expect(groupSequentialMultiplier(10, 0.01, 3)).toBe(Infinity);
    let previous = Infinity;
    for (let n = MIN_PERIODS; n <= 24; n++) {
      const b = groupSequentialMultiplier(n, 0.01, 24);
      expect(b).toBeLessThan(previous);
      previous = b;
    }
  });

  it('is well under the always-valid t-mixture where latency decisions are made', () => {
    // At the default share (0.0098, 80% of it here) over the bench's 24 periods, against the t-mixture at the full share.
    const alpha = 0.0098;
    for (const n of [8, 10, 12, 16, 24]) {
      expect(groupSequentialMultiplier(n, GROUP_SEQUENTIAL_SHARE * alpha, 24)).toBeLessThan(
        tMixtureMultiplier(n, EFFECT_PRECISION, alpha),
      );
    }
  });
});

/** Share of null Gaussian paths (mean 0, sd sigma) whose t statistic crosses the boundary at some look. */
function crossingRate(paths: number, horizon: number, alpha: number, sigma: number, seed: number, naive = false) {
  const z = gaussian(seeded(seed));
  const bounds = Array.from({ length: horizon + 1 }, (_, n) =>
    naive ? studentUpperQuantile(alpha, n - 1) : groupSequentialMultiplier(n, alpha, horizon),
  );
  let crossed = 0;
  for (let p = 0; p < paths; p++) {
    let s = 0;
    let q = 0;
    for (let n = 1; n <= horizon; n++) {
      const x = sigma * z();
      s += x;
      q += x * x;
      if (n < MIN_PERIODS) continue;
      const mean = s / n;
      const spread = (q - n * mean * mean) / (n - 1);
      if (mean / Math.sqrt(spread / n) >= bounds[n]) {
        crossed++;
        break;
      }
    }
  }
  return crossed / paths;
}

describe('the group-sequential promise (seeded Monte Carlo)', () => {
  // The test runs at its part of a guardrail's share, as judge() runs it.
  const alpha = 0.05;
  const part = GROUP_SEQUENTIAL_SHARE * alpha;
  it.each([
    [8, 1e-3],
    [24, 1],
    [60, 1e3],
    [24, 1e4],
  ])('over a horizon of %p periods, sigma %p: the null crossing rate stays ≤ alpha', (horizon, sigma) => {
    const rate = crossingRate(4_000, horizon, part, sigma, 17 + horizon);
    expect(rate).toBeLessThanOrEqual(alpha);
    expect(rate).toBeGreaterThan(part / 2); // and it is not a vacuous bound
  });

  it('while a t-test repeated at every period at the same level exceeds alpha several times', () => {
    expect(crossingRate(2_000, 24, alpha, 1, 5, true)).toBeGreaterThan(3 * alpha);
  });
});

// -------------------------------------------------------------------------------- through compareLatency and judge

const period = (i: number, p50: number, n = 100, p90 = true): LatencyPeriod => ({
  timestamp: i * 60_000,
  sampleCount: n,
  average: p50 * 1.1,
  p50,
  ...(p90 ? { p90: p50 * 1.9 } : {}),
});

describe('latency with a horizon', () => {
  it('judges the folded periods, every one complete, by both tests: each bound is the tighter of the two', () => {
    // The caller folds only complete periods, so the group-sequential test sees every folded period, the newest too
    // (it used to leave out the newest reported period, which could still be partial). No p90: no model floor.
    const b = [0, 1, 2, 3, 4, 5, 6].map((i) => period(i, 10_000, 100, false));
    const c = [0, 1, 2, 3, 4, 5, 6].map((i) => period(i, 10_000 * (1.1 + 0.01 * i), 100, false));
    const alpha = 0.0098;
    const cmp = compareLatency(b, c, 0.2, 24);
    expect(cmp.horizon).toBe(24);
    expect(cmp.samples.candidate).toBe(7);
    const design = groupSequentialDesign(GROUP_SEQUENTIAL_SHARE * alpha, 24)!;
    const gs = groupSequentialMultiplier(7, design.alpha, design.horizon);
    const mixture = tMixtureMultiplier(7, EFFECT_PRECISION, alpha - design.alpha);
    expect(gs).toBeLessThan(mixture);
    const r = judge(cmp, alpha, 0.2);
    expect(Math.log1p(r.interval![0])).toBeCloseTo(cmp.estimate - gs * Math.sqrt(cmp.variance), 12);
    // Without a horizon: the t-mixture alone, at the whole share.
    const none = compareLatency(b, c, 0.2);
    expect(none.horizon).toBeUndefined();
    expect(none.method).not.toMatch(/group-sequential/);
    expect(cmp.method).toMatch(/group-sequential t-test .*Pocock 1977/);
    const alone = judge(none, alpha, 0.2);
    const k = tMixtureMultiplier(7, EFFECT_PRECISION, alpha);
    expect(Math.log1p(alone.interval![0])).toBeCloseTo(none.estimate - k * Math.sqrt(none.variance), 12);
  });

  it('is the t-mixture alone, at the whole share, when the horizon is under MIN_PERIODS or over the table', () => {
    const b = Array.from({ length: 12 }, (_, i) => period(i, 10_000));
    const c = Array.from({ length: 12 }, (_, i) => period(i, 10_000 * (1.15 + 0.02 * Math.sin(i))));
    const alone = judge(compareLatency(b, c, 0.2), 0.0098, 0.2);
    for (const horizon of [MIN_PERIODS - 1, GROUP_SEQUENTIAL_MAX_HORIZON + 1]) {
      const r = judge(compareLatency(b, c, 0.2, horizon), 0.0098, 0.2);
      expect(r.interval).toEqual(alone.interval);
      expect(r.verdict).toBe(alone.verdict);
    }
  });

  it('beyond the horizon keeps only the t-mixture, at its part of the share', () => {
    // No p90: no model floor, so the bounds are the t-type bounds alone.
    const b = Array.from({ length: 12 }, (_, i) => period(i, 10_000, 100, false));
    const c = Array.from({ length: 12 }, (_, i) => period(i, 10_000 * (1.15 + 0.02 * Math.sin(i)), 100, false));
    const alpha = 0.0098;
    const cmp = compareLatency(b, c, 0.2, 6); // 11 complete periods > 6
    const r = judge(cmp, alpha, 0.2);
    // The mixture keeps (1 − share)·alpha, plus what rounding the design's alpha down to the table leaves
    // (under 1 − 2^(−1/16) of it).
    const rest = (1 - GROUP_SEQUENTIAL_SHARE) * alpha;
    const k = tMixtureMultiplier(12, EFFECT_PRECISION, rest);
    const kLoose = tMixtureMultiplier(12, EFFECT_PRECISION, rest + 0.05 * GROUP_SEQUENTIAL_SHARE * alpha);
    const lower = Math.log1p(r.interval![0]);
    expect(cmp.estimate - lower).toBeLessThanOrEqual(k * Math.sqrt(cmp.variance) + 1e-12);
    expect(cmp.estimate - lower).toBeGreaterThanOrEqual(kLoose * Math.sqrt(cmp.variance) - 1e-12);
    // Within the horizon, the same data get the tighter group-sequential bound.
    const within = judge(compareLatency(b, c, 0.2, 24), alpha, 0.2);
    expect(within.interval![0]).toBeGreaterThan(r.interval![0]);
  });

  it('gives no bound for identical log ratios without a model floor, and a finite one with it', () => {
    const b = Array.from({ length: 10 }, (_, i) => period(i, 10_000, 100, false));
    const c = Array.from({ length: 10 }, (_, i) => period(i, 12_000, 100, false));
    const r = judge(compareLatency(b, c, 0.2, 24), 0.0098, 0.2);
    expect(r.verdict).toBe('continue');
    expect(r.interval).toBeNull();
    const withFloor = judge(
      compareLatency(
        b.map((p) => ({ ...p, p90: p.p50! * 1.9 })),
        c.map((p) => ({ ...p, p90: p.p50! * 1.9 })),
        0.2,
        24,
      ),
      0.0098,
      0.2,
    );
    expect(withFloor.interval).not.toBeNull();
    expect(withFloor.interval![0]).toBeLessThan(0.2);
  });

  it('keeps the chance of ever failing an equal candidate ≤ alpha, looking twice per period (Monte Carlo)', () => {
    // Null log ratios of two scales, a look every half period as in the workflow: a period is folded at the look after
    // it completes, and the look in between sees the same folded periods (a partial period is never folded, so its
    // revision, which the test's boundary does not cover, cannot reach it). A false failure needs the lower bound
    // above 0.
    const alpha = 0.05;
    const horizon = 24;
    for (const [sigma, seed] of [
      [0.05, 3],
      [2, 4],
    ]) {
      const z = gaussian(seeded(seed));
      const paths = 1_000;
      let crossed = 0;
      for (let p = 0; p < paths; p++) {
        let stats = NO_LATENCY_PERIODS;
        const lowerAboveZero = () => {
          const r = judge(compareFolded(stats, 0, horizon), alpha, 0);
          return r.interval !== null && r.interval[0] > 0;
        };
        for (let i = 0; i < horizon; i++) {
          if (lowerAboveZero()) {
            crossed++;
            break;
          }
          stats = foldLatencyPeriod(
            stats,
            period(i, 10_000, 100, false),
            period(i, 10_000 * Math.exp(sigma * z()), 100, false),
          );
          if (lowerAboveZero()) {
            crossed++;
            break;
          }
        }
      }
      // Now that the test sees every period as soon as it is complete, it uses nearly all of its alpha (the table is
      // built for a look at every period): the rate is held to alpha within three Monte Carlo standard errors.
      expect(crossed / paths).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / paths));
      expect(crossed / paths).toBeGreaterThan(alpha / 4); // and the bound is not vacuous
    }
  });
});
