// Always-valid (anytime) confidence bounds from a normal mixture: the mixture sequential probability ratio test
// (mSPRT) of Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests" (KDD 2017; Operations Research 2022) written
// as a confidence sequence, with the one-sided (half-normal) mixture boundary of Howard, Ramdas, McAuliffe &
// Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49 (2021),
// section 3.2 and Proposition 6. The estimators fed in (differences of proportions, of log-latencies, of AUCs) are
// asymptotically normal with a consistently estimated variance, which is the setting of the asymptotic confidence
// sequences of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic
// confidence sequences", Annals of Statistics (2024; arXiv 2103.06476), Theorem 2.2.
//
// Model: at each look the estimate θ̂ of the difference θ has variance v, and v only shrinks as data arrives (both
// variants' counts only grow). Then S = (θ̂ − θ)/v is a Gaussian process with independent increments in the
// information time I = 1/v (the "canonical joint distribution" of group-sequential testing), and for every θ the
// half-normal mixture over alternatives above θ,
//     M(θ) = ∫₀^∞ exp(λS − λ²I/2) · 2·N(λ; 0, τ²) dλ = 2·sqrt(ρ/(I+ρ)) · exp(S²/(2(I+ρ))) · Φ(S/sqrt(I+ρ)),  ρ = 1/τ²,
// is a nonnegative martingale with M₀ = 1. By Ville's inequality P(∃ look: M(θ) ≥ 1/α) ≤ α, so the lower bound
// L = sup{θ: M(θ) ≥ 1/α} exceeds the true θ at ANY look with probability at most α, however often one looks.
// The upper bound mirrors it. The reference implementation of the same boundary is `OneSidedNormalMixture` in
// confseq (Howard, Waudby-Smith & Ramdas, github.com/gostevehoward/confseq, uniform_boundaries.h).
//
// τ (the mixing scale) says at which precision the bound is sharpest. confseq's `best_rho` tunes it for a chosen
// variance v*: τ² = v*·(2·log(1/(2α)) + log(1 + 2·log(1/(2α)))). We choose v* as the variance at which the bound's
// radius equals the guardrail's tolerance — the precision at which pass/fail decisions are made — so τ is fixed
// by the spec before any data is seen, as the martingale argument requires.
import { logNormalCdf, normalPdf, normalCdf } from './normal';

/**
 * The solution x > 0 of x²/2 + log Φ(x) = k. The left side increases (its derivative x + φ(x)/Φ(x) is positive),
 * and −log 2 ≤ log Φ(x) ≤ 0 for x ≥ 0 brackets the root in [sqrt(2k), sqrt(2k + 2 log 2)].
 */
function solveHalfNormalBoundary(k: number): number {
  let lo = Math.sqrt(Math.max(0, 2 * k));
  let hi = Math.sqrt(Math.max(0, 2 * k + 2 * Math.LN2));
  let x = (lo + hi) / 2;
  for (let i = 0; i < 100; i++) {
    const g = (x * x) / 2 + logNormalCdf(x) - k;
    if (Math.abs(g) < 1e-13) break;
    if (g > 0) hi = x;
    else lo = x;
    // Newton step when it stays inside the bracket, bisection otherwise: deterministic and always converging.
    const next = x - g / (x + normalPdf(x) / normalCdf(x));
    x = next > lo && next < hi ? next : (lo + hi) / 2;
    if (hi - lo < 1e-15 * hi) break;
  }
  return x;
}

/**
 * Half-width r of the one-sided always-valid bound: P(∃ look: θ̂ − r > θ) ≤ alpha, for an estimate with variance
 * `variance` and mixing scale `tau` (both in the estimate's units).
 */
export function oneSidedRadius(variance: number, tau: number, alpha: number): number {
  if (!(variance > 0) || !(tau > 0) || !(alpha > 0 && alpha < 0.5)) return Infinity;
  const ratio = (tau * tau) / variance; // ρ/I inverted: (I + ρ)/ρ = 1 + τ²/v
  const k = Math.log(1 / (2 * alpha)) + 0.5 * Math.log1p(ratio);
  const x = solveHalfNormalBoundary(k);
  // u/I with u = x·sqrt(I+ρ): x·sqrt(v + v²/τ²)
  return x * Math.sqrt(variance + (variance * variance) / (tau * tau));
}

/**
 * Half-width of the two-sided always-valid interval (symmetric normal mixture, Howard et al. 2021 eq. (14);
 * Johari et al. 2017 eq. (11) inverted): P(∃ look: |θ̂ − θ| > r) ≤ alpha.
 */
export function twoSidedRadius(variance: number, tau: number, alpha: number): number {
  if (!(variance > 0) || !(tau > 0) || !(alpha > 0 && alpha < 1)) return Infinity;
  const withMix = variance + (variance * variance) / (tau * tau);
  return Math.sqrt(withMix * (Math.log1p((tau * tau) / variance) + 2 * Math.log(1 / alpha)));
}

/** The tuning constant L of confseq's one-sided `best_rho`: τ² = v*·L makes the bound sharpest at variance v*. */
function bestRatio(alpha: number): number {
  const l = 2 * Math.log(1 / (2 * alpha));
  return l + Math.log1p(l);
}

/**
 * The mixing scale τ that makes the one-sided bound sharpest when its radius is `targetRadius` (e.g. the
 * tolerance). With τ² = L·v* the radius at v* is c·sqrt(v*) for a constant c, so v* = (target/c)².
 */
export function mixingScaleFor(targetRadius: number, alpha: number): number {
  const ratio = bestRatio(alpha);
  const c = oneSidedRadius(1, Math.sqrt(ratio), alpha); // radius at v* = 1
  const vStar = (targetRadius / c) ** 2;
  return Math.sqrt(ratio * vStar);
}

export interface Bounds {
  lower: number;
  upper: number;
}

/**
 * Always-valid bounds for θ from an estimate and its variance: each side holds at level alpha on its own
 * (P(ever lower > θ) ≤ alpha and P(ever upper < θ) ≤ alpha), so [lower, upper] covers θ at every look with
 * probability at least 1 − 2·alpha.
 */
export function alwaysValidBounds(estimate: number, variance: number, tau: number, alpha: number): Bounds {
  const r = oneSidedRadius(variance, tau, alpha);
  return { lower: estimate - r, upper: estimate + r };
}
