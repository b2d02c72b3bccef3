// Lan-DeMets error-spending boundaries (src/analysis/error-spending.ts): against the references of
// scripts/error-spending-reference.py (a converged recursion, scipy's multivariate normal integral, a 2M-path Monte
// Carlo, the published K = 5 O'Brien-Fleming-type values), the rules for looks that are not looks, the cache, and a
// seeded Monte Carlo of the promise (null crossing rate ≤ alpha).
import fixture from '../../fixtures/analysis/error-spending.json';
import {
  alphaSpent,
  clearErrorSpendingCache,
  crossingProbability,
  errorSpending,
  MIN_INFORMATION_GROWTH,
  obrienFlemingSpending,
  pocockSpending,
  powerSpending,
  spendingBoundaries,
  type Look,
  type Spending,
} from '../../../src/analysis/error-spending';
import { normalQuantile } from '../../../src/analysis/normal';
import { gaussian, seeded } from '../../../bench/random';

interface Design {
  name: string;
  alpha: number;
  spending: Spending;
  looks: Look[];
  boundaries: (number | null)[];
  spent: number[];
}

const exact = fixture.exact as unknown as (Design & { crossings: number[] })[];
const long = fixture.long as unknown as (Design & { monteCarlo: number[]; monteCarloSe: number[] })[];
const reference = (d: Design) => d.boundaries.map((c) => c ?? Infinity);
const equal = (k: number, horizon = k): Look[] =>
  Array.from({ length: k }, (_, i) => ({ fraction: (i + 1) / horizon, information: (i + 1) / horizon }));
const cumulative = (p: number[]) => p.map((_, k) => p.slice(0, k + 1).reduce((s, x) => s + x, 0));

function expectBoundariesClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.map(Number.isFinite)).toEqual(expected.map(Number.isFinite));
  actual.forEach((c, k) => {
    if (Number.isFinite(c)) expect(Math.abs(c - expected[k])).toBeLessThan(tolerance);
  });
}

describe('against scipy (scripts/error-spending-reference.py → test/fixtures/analysis/error-spending.json)', () => {
  it('reproduces the published Lan-DeMets O’Brien-Fleming-type boundaries (K = 5, one-sided 0.025)', () => {
    const c = spendingBoundaries(equal(5), 0.025, obrienFlemingSpending);
    c.forEach((x, k) => expect(Math.abs(x - fixture.publishedObf5[k])).toBeLessThan(2e-4));
  });

  it.each(exact.map((d) => [d.name, d] as const))('%s: boundaries and crossing probabilities', (_n, d) => {
    const { boundaries, spent } = errorSpending(d.looks, d.alpha, d.spending);
    expectBoundariesClose(boundaries, reference(d), 1e-6);
    spent.forEach((s, k) => expect(Math.abs(s - d.spent[k])).toBeLessThan(1e-8));
    // The recursion's crossing probabilities of the reference boundaries against the multivariate normal integral.
    crossingProbability(d.looks, reference(d)).forEach((p, k) =>
      expect(Math.abs(p - d.crossings[k])).toBeLessThan(1e-8),
    );
  });

  it.each(long.map((d) => [d.name, d] as const))('%s: boundaries, and the Monte Carlo crossing rate', (_n, d) => {
    const { boundaries, spent } = errorSpending(d.looks, d.alpha, d.spending);
    expectBoundariesClose(boundaries, reference(d), 1e-4);
    spent.forEach((s, k) => expect(Math.abs(s - d.spent[k])).toBeLessThan(1e-5 * d.alpha));
    cumulative(crossingProbability(d.looks, boundaries)).forEach((p, k) =>
      expect(Math.abs(p - d.monteCarlo[k])).toBeLessThan(4.5 * d.monteCarloSe[k] + 1e-6),
    );
  });
});

describe('spending', () => {
  it('is a single z-test with one look: the normal quantile of what it may spend', () => {
    for (const alpha of [0.2, 0.05, 0.01, 1e-4]) {
      // At or past the horizon: all of alpha at once.
      for (const fraction of [1, 1.7]) {
        const [c] = spendingBoundaries([{ fraction, information: 3 }], alpha, pocockSpending);
        expect(c).toBeGreaterThanOrEqual(-normalQuantile(alpha)); // rounded up
        expect(c - -normalQuantile(alpha)).toBeLessThan(1e-10);
      }
      // First judgeable at 0.3 of the horizon: f(0.3) at once.
      const [c] = spendingBoundaries([{ fraction: 0.3, information: 5 }], alpha, powerSpending(1));
      expect(Math.abs(c + normalQuantile(0.3 * alpha))).toBeLessThan(1e-10);
    }
  });

  it('never spends more than f(t), nor alpha in all, whatever the looks', () => {
    const random = seeded(11);
    const spendings = [powerSpending(1), powerSpending(3), powerSpending(0.5), pocockSpending, obrienFlemingSpending];
    for (let n = 0; n < 40; n++) {
      const alpha = [0.05, 0.01, 0.001][n % 3];
      const spending = spendings[n % spendings.length];
      let fraction = 0;
      let information = 0;
      const looks = Array.from({ length: 5 + Math.floor(random() * 30) }, () => {
        fraction += random() * 0.1;
        information += random() < 0.1 ? -random() : random() * 3; // some looks lose information
        return { fraction, information };
      });
      const { boundaries, spent } = errorSpending(looks, alpha, spending);
      spent.forEach((s, k) => expect(s).toBeLessThanOrEqual(alphaSpent(spending, alpha, looks[k].fraction) + 1e-16));
      const total = crossingProbability(looks, boundaries).reduce((s, p) => s + p, 0);
      expect(total).toBeLessThanOrEqual(alpha);
      expect(total).toBeCloseTo(spent[spent.length - 1], 15);
    }
  });

  it('treats looks that add nothing as no looks: Infinity, and their alpha rolls into the next valid look', () => {
    const alpha = 0.05;
    const clean = spendingBoundaries(
      [
        { fraction: 0.2, information: 1 },
        { fraction: 0.6, information: 3 },
      ],
      alpha,
      powerSpending(1),
    );
    const bad = [
      { fraction: 0.3, information: 1 }, // no new information
      { fraction: 0.35, information: 0.5 }, // less information
      { fraction: 0.4, information: 1 * (1 + MIN_INFORMATION_GROWTH / 2) }, // too little new information
      { fraction: 0.2, information: 2 }, // fraction does not move
      { fraction: 0.45, information: NaN },
      { fraction: 0.5, information: Infinity },
      { fraction: NaN, information: 2 },
      { fraction: 0.55, information: -1 },
    ];
    const withBad = spendingBoundaries(
      [{ fraction: 0.2, information: 1 }, ...bad, { fraction: 0.6, information: 3 }],
      alpha,
      powerSpending(1),
    );
    expect(withBad).toEqual([clean[0], ...bad.map(() => Infinity), clean[1]]);
    // A guardrail not judgeable at first (information 0) spends everything so far at its first real look.
    const late = errorSpending(
      [
        { fraction: 0.1, information: 0 },
        { fraction: 0.2, information: 0 },
        { fraction: 0.4, information: 2 },
      ],
      alpha,
      powerSpending(1),
    );
    expect(late.boundaries.slice(0, 2)).toEqual([Infinity, Infinity]);
    expect(Math.abs(late.boundaries[2] + normalQuantile(0.4 * alpha))).toBeLessThan(1e-10);
    expect(late.spent).toEqual([0, 0, late.spent[2]]);
  });

  it('has no boundary where there is next to nothing to spend: beyond the horizon, or a tiny increment', () => {
    const looks = equal(12, 8); // 4 looks past the horizon
    const { boundaries, spent } = errorSpending(looks, 0.05, powerSpending(1));
    expect(boundaries.slice(0, 8).every(Number.isFinite)).toBe(true);
    expect(boundaries.slice(8)).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(spent[11]).toBe(spent[7]);
    expect(spent[7]).toBeLessThanOrEqual(0.05);
    expect(spent[7]).toBeGreaterThan(0.05 - 1e-12);
    // t³ at t = 1e-5 is 1e-15 of alpha: no look at 8 sigma, the rest rolls on.
    const tiny = spendingBoundaries(
      [
        { fraction: 1e-5, information: 1e-5 },
        { fraction: 0.5, information: 0.5 },
      ],
      0.05,
      powerSpending(3),
    );
    expect(tiny[0]).toBe(Infinity);
    expect(Math.abs(tiny[1] + normalQuantile(0.05 * 0.125))).toBeLessThan(1e-10);
  });

  it('rejects a bad alpha or spending function', () => {
    expect(() => spendingBoundaries(equal(2), 0, pocockSpending)).toThrow(RangeError);
    expect(() => spendingBoundaries(equal(2), 0.7, pocockSpending)).toThrow(RangeError);
    expect(() => spendingBoundaries(equal(2), NaN, pocockSpending)).toThrow(RangeError);
    expect(() => spendingBoundaries(equal(2), 0.05, powerSpending(0))).toThrow(RangeError);
    expect(() => spendingBoundaries(equal(2), 0.05, { kind: 'nope' } as unknown as Spending)).toThrow(RangeError);
  });
});

describe('the cache', () => {
  it('gives exactly the numbers of a cold computation, one look at a time or all at once', () => {
    const d = long.find((x) => x.name === 'unequal-48')!;
    clearErrorSpendingCache();
    const cold = errorSpending(d.looks, d.alpha, d.spending);
    clearErrorSpendingCache();
    for (let k = 1; k <= d.looks.length; k++) {
      const warm = errorSpending(d.looks.slice(0, k), d.alpha, d.spending);
      expect(warm.boundaries).toEqual(cold.boundaries.slice(0, k));
      expect(warm.spent).toEqual(cold.spent.slice(0, k));
    }
    // Other histories, alphas and spending functions in between, more than the cache keeps (it drops the oldest).
    for (let n = 0; n < 60; n++) errorSpending(equal(40 + n), 0.01 + n * 1e-4, powerSpending(1 + n / 10));
    expect(errorSpending(d.looks, d.alpha, d.spending)).toEqual(cold);
    clearErrorSpendingCache();
    expect(errorSpending(d.looks, d.alpha, d.spending)).toEqual(cold);
  });
});

describe('seeded Monte Carlo of the promise', () => {
  it.each([
    ['48 equal looks, rho = 1', equal(48), powerSpending(1)],
    ['60 looks, 48 to the horizon, Pocock type', equal(60, 48), pocockSpending],
  ] as const)('%s: the null crossing rate stays under alpha', (_n, looks, spending) => {
    const alpha = 0.05;
    const c = spendingBoundaries(looks, alpha, spending);
    const normal = gaussian(seeded(7));
    const paths = 20_000;
    let crossed = 0;
    for (let n = 0; n < paths; n++) {
      let score = 0;
      let previous = 0;
      for (let k = 0; k < looks.length; k++) {
        const i = looks[k].information;
        score += Math.sqrt(i - previous) * normal();
        previous = i;
        if (score / Math.sqrt(i) >= c[k]) {
          crossed++;
          break;
        }
      }
    }
    const rate = crossed / paths;
    expect(rate).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / paths));
    expect(rate).toBeGreaterThan(alpha - 4 * Math.sqrt((alpha * (1 - alpha)) / paths)); // and it does spend it
  });
});
