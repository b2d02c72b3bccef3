import reference from '../../fixtures/analysis/reference.json';
import { normalCdf, normalQuantile } from '../../../src/analysis';
import { logNormalCdf, studentFromNormal } from '../../../src/analysis/normal';
import { alwaysValidBounds, mixingScaleFor, oneSidedRadius, twoSidedRadius } from '../../../src/analysis/sequential';
import { gaussian, seeded } from './random';

describe('normal distribution against scipy', () => {
  it.each(reference.normal.cdf.map((r) => [r.x, r] as const))('Φ(%d)', (_x, r) => {
    const cdf = normalCdf(r.x);
    if (r.cdf < 1e-300) expect(cdf).toBe(0);
    else expect(Math.abs(cdf - r.cdf) / r.cdf).toBeLessThan(1e-9);
    expect(Math.abs(logNormalCdf(r.x) - r.logcdf)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(r.logcdf)));
  });

  it.each(reference.normal.ppf.map((r) => [r.p, r] as const))('Φ⁻¹(%d)', (_p, r) => {
    expect(normalQuantile(r.p)).toBeCloseTo(r.ppf, 9);
  });

  it('handles the ends', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalCdf(NaN)).toBeNaN();
  });
});

describe('normal-mixture boundaries against the scipy root-finder (reference.json)', () => {
  it.each(reference.boundaries.map((b) => [b.variance, b.tau, b.alpha, b] as const))(
    'v=%d τ=%d α=%d',
    (_v, _t, _a, b) => {
      expect(oneSidedRadius(b.variance, b.tau, b.alpha) / b.oneSided).toBeCloseTo(1, 9);
      expect(twoSidedRadius(b.variance, b.tau, b.alpha) / b.twoSided).toBeCloseTo(1, 12);
    },
  );

  it('is infinite, not NaN, without information', () => {
    expect(oneSidedRadius(0, 0.01, 0.05)).toBe(Infinity);
    expect(oneSidedRadius(NaN, 0.01, 0.05)).toBe(Infinity);
    expect(twoSidedRadius(0, 0.01, 0.05)).toBe(Infinity);
  });

  it('shrinks as information grows and stays wider than the fixed-horizon z bound', () => {
    let previous = Infinity;
    for (const v of [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-12]) {
      const r = oneSidedRadius(v, 0.01, 0.01);
      expect(r).toBeLessThan(previous);
      expect(r).toBeGreaterThan(normalQuantile(0.99) * Math.sqrt(v));
      previous = r;
    }
  });

  it('mixingScaleFor puts the tightest bound (relative to sqrt(v)) where the radius equals the target', () => {
    const alpha = 0.0098;
    const tau = mixingScaleFor(0.005, alpha);
    // Find v where radius = 0.005, then check that τ minimises radius/sqrt(v) there among nearby τ.
    let lo = 1e-12;
    let hi = 1;
    for (let i = 0; i < 200; i++) {
      const mid = Math.sqrt(lo * hi);
      if (oneSidedRadius(mid, tau, alpha) > 0.005) hi = mid;
      else lo = mid;
    }
    const v = lo;
    const at = (t: number) => oneSidedRadius(v, t, alpha);
    expect(at(tau)).toBeCloseTo(0.005, 6);
    expect(at(tau)).toBeLessThanOrEqual(at(tau * 1.3));
    expect(at(tau)).toBeLessThanOrEqual(at(tau / 1.3));
  });
});

describe('the always-valid promise (seeded Monte Carlo)', () => {
  // A Gaussian random walk observed at 400 looks: the estimate after n steps has variance 1/n. The one-sided
  // bound must cross the truth at ANY look in at most α of the paths; a fixed-horizon z bound checked at every
  // look crosses far more often (the peeking problem the sequential bound exists to fix).
  const alpha = 0.05;
  const paths = 4000;
  const looks = 400;
  const random = seeded(2026);
  const z = gaussian(random);
  let sequentialCrossed = 0;
  let naiveCrossed = 0;
  const tau = mixingScaleFor(0.2, alpha);
  const zFixed = normalQuantile(1 - alpha);
  for (let p = 0; p < paths; p++) {
    let sum = 0;
    let seq = false;
    let naive = false;
    for (let n = 1; n <= looks; n++) {
      sum += z();
      const estimate = sum / n;
      const variance = 1 / n;
      if (!seq && alwaysValidBounds(estimate, variance, tau, alpha).lower > 0) seq = true;
      if (!naive && estimate - zFixed * Math.sqrt(variance) > 0) naive = true;
      if (seq && naive) break;
    }
    if (seq) sequentialCrossed++;
    if (naive) naiveCrossed++;
  }

  it('keeps the chance of ever excluding the truth at or below α', () => {
    // Upper end of a 99.9% binomial interval around α would be ~0.061: ask for the bound itself.
    expect(sequentialCrossed / paths).toBeLessThanOrEqual(alpha);
  });

  it('while naive repeated z-tests exceed α several times over', () => {
    expect(naiveCrossed / paths).toBeGreaterThan(3 * alpha);
  });
});

describe("Student's t from the normal quantile (Cornish–Fisher)", () => {
  // scipy: t.ppf(norm.cdf(z), nu)
  const exact: [number, number, number][] = [
    [4, 2.5, 4.323],
    [4, 3.5, 10.499],
    [7, 3.0, 4.53],
    [10, 3.5, 5.098],
    [20, 4.0, 5.036],
  ];
  it.each(exact)('nu=%d z=%d', (nu, z, t) => {
    expect(Math.abs(studentFromNormal(z, nu) / t - 1)).toBeLessThan(0.025);
  });

  it('is the normal quantile without a finite number of degrees of freedom', () => {
    expect(studentFromNormal(2.1, Infinity)).toBe(2.1);
  });
});
