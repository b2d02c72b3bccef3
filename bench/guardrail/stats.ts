// Summaries of simulated samples with their Monte Carlo noise: means and medians with 95% confidence intervals, and
// binomial proportions with exact (Clopper–Pearson) bounds.
import { normalQuantile } from '../../src/analysis/normal';

export interface Estimate {
  value: number;
  lo: number;
  hi: number;
}

const Z95 = normalQuantile(0.975);

export function meanOf(xs: readonly number[]): Estimate {
  const n = xs.length;
  if (n === 0) return { value: NaN, lo: NaN, hi: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const half = (Z95 * sd) / Math.sqrt(n);
  return { value: mean, lo: mean - half, hi: mean + half };
}

/** The median with the distribution-free interval of order statistics (ranks n/2 ± 1.96·√n/2). */
export function medianOf(xs: readonly number[]): Estimate {
  const n = xs.length;
  if (n === 0) return { value: NaN, lo: NaN, hi: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(n - 1, Math.max(0, q))];
  const half = (Z95 * Math.sqrt(n)) / 2;
  return { value: at(Math.floor((n - 1) / 2)), lo: at(Math.floor(n / 2 - half) - 1), hi: at(Math.ceil(n / 2 + half)) };
}

/** x / y for independent estimates: the interval from the ends (conservative). */
export function ratioOf(x: Estimate, y: Estimate | number): Estimate {
  const d = typeof y === 'number' ? { value: y, lo: y, hi: y } : y;
  return { value: x.value / d.value, lo: x.lo / d.hi, hi: x.hi / d.lo };
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let total = 0;
  let logTerm = n * Math.log1p(-p);
  for (let i = 0; i <= k; i++) {
    total += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return total;
}

/** One-sided upper bound of a binomial proportion at `level` (Clopper–Pearson, by bisection). */
export function upperBound(k: number, n: number, level = 0.95): number {
  if (k >= n) return 1;
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(k, n, mid) > 1 - level) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** One-sided lower bound at `level`: 1 − the upper bound of the misses. */
export const lowerBound = (k: number, n: number, level = 0.95) => 1 - upperBound(n - k, n, level);

/** A proportion with its two-sided 95% interval (each side at 97.5%). */
export function proportionOf(k: number, n: number): Estimate {
  return { value: k / n, lo: k === 0 ? 0 : lowerBound(k, n, 0.975), hi: upperBound(k, n, 0.975) };
}
