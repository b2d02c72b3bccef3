// The standard normal distribution: Φ, log Φ, φ and Φ⁻¹, in plain arithmetic so the workflow sandbox can run them.

const SQRT_2PI = 2.5066282746310002;

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/**
 * Upper tail Q(x) = 1 − Φ(x) for x ≥ 0, by Hart's double-precision rational approximation (algorithm 5666) as
 * given by G. West, "Better approximations to cumulative normal functions", Wilmott (2005); accurate to about 1e-15
 * relative, which keeps tiny tail probabilities meaningful (1 − Φ(x) would lose them to rounding).
 */
function upperTail(x: number): number {
  if (x > 37) return 0;
  const e = Math.exp(-0.5 * x * x);
  if (x < 7.07106781186547) {
    let num = 3.52624965998911e-2 * x + 0.700383064443688;
    num = num * x + 6.37396220353165;
    num = num * x + 33.912866078383;
    num = num * x + 112.079291497871;
    num = num * x + 221.213596169931;
    num = num * x + 220.206867912376;
    let den = 8.83883476483184e-2 * x + 1.75566716318264;
    den = den * x + 16.064177579207;
    den = den * x + 86.7807322029461;
    den = den * x + 296.564248779674;
    den = den * x + 637.333633378831;
    den = den * x + 793.826512519948;
    den = den * x + 440.413735824752;
    return (e * num) / den;
  }
  // Continued fraction for the far tail.
  let cf = x + 0.65;
  cf = x + 4 / cf;
  cf = x + 3 / cf;
  cf = x + 2 / cf;
  cf = x + 1 / cf;
  return e / cf / SQRT_2PI;
}

/** Standard normal distribution function Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? 1 - upperTail(x) : upperTail(-x);
}

/** log Φ(x), accurate in both tails. */
export function logNormalCdf(x: number): number {
  if (x >= 0) return Math.log1p(-upperTail(x));
  if (x > -37) return Math.log(upperTail(-x));
  // Φ(x) ≈ φ(x)/|x| · (1 − 1/x² + 3/x⁴) far in the lower tail, where upperTail underflows.
  const x2 = x * x;
  return -0.5 * x2 - Math.log(-x * SQRT_2PI) + Math.log1p(-1 / x2 + 3 / (x2 * x2));
}

// P. J. Acklam's rational approximation of Φ⁻¹ (relative error 1.15e-9), then one Halley step on Φ above, which
// brings it to full double precision.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Standard normal quantile Φ⁻¹(p); ±Infinity at 0 and 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley refinement; in the upper tail work on the upper-tail probability to keep precision.
  const e = p > 0.5 && x > 0 ? 1 - p - upperTail(x) : normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Student-t quantile with `nu` degrees of freedom at the probability where the standard normal quantile is `z`,
 * by the Cornish–Fisher expansion of Abramowitz & Stegun 26.7.5 (four terms: within 0.1% of the exact quantile for
 * nu ≥ 10, within 2.5% for nu ≥ 4 up to z = 3.5, checked against scipy in the tests).
 */
export function studentFromNormal(z: number, nu: number): number {
  if (!(nu > 0) || !Number.isFinite(nu)) return z;
  const z2 = z * z;
  const g1 = (z2 * z + z) / 4;
  const g2 = (5 * z2 * z2 * z + 16 * z2 * z + 3 * z) / 96;
  const g3 = (3 * z2 * z2 * z2 * z + 19 * z2 * z2 * z + 17 * z2 * z - 15 * z) / 384;
  const g4 = (79 * z2 ** 4 * z + 776 * z2 ** 3 * z + 1482 * z2 * z2 * z - 1920 * z2 * z - 945 * z) / 92160;
  return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4;
}
