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
import { regularizedBeta } from './student';

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

// ---------------------------------------------------------------- unknown variance: the scale-invariant t-mixture
//
// When the estimate is the mean of n i.i.d. observations x₁…xₙ whose variance σ² is unknown and must be estimated
// from the same few observations (latency: one log ratio per CloudWatch period), the plug-in normal mixture above
// is too optimistic at small n and widening it by t/z quantiles is crude. The exact answer for Gaussian
// observations is Lai's scale-invariant mixture (T. L. Lai, "On confidence sequences", Annals of Statistics 4
// (1976); Pérez-Ortiz, Lardy, de Heide & Grünwald, "E-statistics, group invariance and anytime-valid testing",
// Annals of Statistics 52 (2024)): for a hypothesised mean θ₀ put the right-Haar prior dσ/σ on σ and a prior on the
// standardised effect δ = (θ − θ₀)/σ. The ratio of the integrated likelihoods is then the likelihood ratio of the
// maximal invariant under rescaling (x ↦ λx), so under θ = θ₀ it is a nonnegative martingale with mean 1 WHATEVER σ
// is, and Ville's inequality applies as above. With S = Σ(xᵢ − θ₀), Q = Σ(xᵢ − θ₀)², r = S²/((n + c)·Q) and a
// half-normal prior on δ ≥ 0 with precision c (δ ~ |N(0, 1/c)|):
//     E(θ₀) = 2·sqrt(c/(n+c)) · (1 − r)^(−n/2) · F_n(sign(S)·sqrt(n·r/(1 − r))),
// F_n the Student t distribution function with n degrees of freedom (the u-integral over 1/σ is an expectation of
// Φ(b·χₙ/√A), i.e. a t probability). Derived by hand and checked against two-dimensional numerical integration in
// scripts/analysis-reference.py. E depends on the data only through g = n·(x̄ − θ₀)²/Σ(xᵢ − x̄)² and the sign of
// x̄ − θ₀, and grows with g on each side, so {θ₀ : E(θ₀) < 1/α} on the side below x̄ is (x̄ − k·s/√n, x̄] with a
// multiplier k(n, c, α) that depends on n alone: a "sequential t quantile". The upper bound (half-normal prior on
// δ ≤ 0) mirrors it with the same k.

/** log E as a function of r = S²/((n + c)·Q) for S ≥ 0 (see above); increasing in r on [0, n/(n + c)). */
function logTMixtureOfR(r: number, n: number, precision: number): number {
  // F_n(sqrt(n·r/(1 − r))) = 1 − ½·I_{1−r}(n/2, ½): the argument's n/(n + x²) is exactly 1 − r.
  const upperTail = 0.5 * regularizedBeta(1 - r, n / 2, 0.5);
  return Math.LN2 + 0.5 * Math.log(precision / (n + precision)) - (n / 2) * Math.log1p(-r) + Math.log1p(-upperTail);
}

/**
 * log of the one-sided scale-invariant mixture E(θ₀) for the alternative mean > θ₀, from S = Σ(xᵢ − θ₀),
 * Q = Σ(xᵢ − θ₀)² over n observations, with precision c of the half-normal prior on δ = (θ − θ₀)/σ.
 */
export function logTMixture(sum: number, sumSquares: number, n: number, precision: number): number {
  if (!(n >= 1) || !(sumSquares > 0) || !(precision > 0)) return 0;
  const r = Math.min((sum * sum) / ((n + precision) * sumSquares), n / (n + precision));
  const upperTail = 0.5 * regularizedBeta(1 - r, n / 2, 0.5); // P(T_n > |argument|)
  const logF = sum >= 0 ? Math.log1p(-upperTail) : Math.log(upperTail);
  return Math.LN2 + 0.5 * Math.log(precision / (n + precision)) - (n / 2) * Math.log1p(-r) + logF;
}

/**
 * The multiplier k of the one-sided always-valid bounds x̄ − k·s/√n and x̄ + k·s/√n for the mean of n Gaussian
 * observations with unknown variance (s² their sample variance): each side is crossed at ANY look with probability
 * at most alpha. Infinity when n observations cannot reach 1/alpha at all (E is bounded for fixed n).
 */
export function tMixtureMultiplier(n: number, precision: number, alpha: number): number {
  if (!(n >= 2) || !(precision > 0) || !(alpha > 0 && alpha < 0.5)) return Infinity;
  const key = `${n}|${precision}|${alpha}`;
  const known = multipliers.get(key);
  if (known !== undefined) return known;
  const k = solveTMixtureMultiplier(n, precision, alpha);
  if (multipliers.size >= 10_000) multipliers.clear();
  multipliers.set(key, k);
  return k;
}

/**
 * Multipliers already computed: every evaluation of a rollout asks for the same alpha at a growing n. A cache of a
 * pure function, deterministic, so the workflow's replay is unaffected.
 */
const multipliers = new Map<string, number>();

function solveTMixtureMultiplier(n: number, precision: number, alpha: number): number {
  const target = Math.log(1 / alpha);
  const rMax = n / (n + precision); // r when every observation lies on the same side, far from θ₀
  if (!(logTMixtureOfR(rMax * (1 - 1e-15), n, precision) >= target)) return Infinity;
  // Bisection on u = r/rMax ∈ [0, 1): deterministic, and k = f(u) is steep only near u = 1, where bisection's
  // absolute precision in u still resolves it.
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-16; i++) {
    const mid = (lo + hi) / 2;
    if (logTMixtureOfR(mid * rMax, n, precision) < target) lo = mid;
    else hi = mid;
  }
  const r = ((lo + hi) / 2) * rMax;
  // From r = n²m²/((n + c)(W + n·m²)) with W = Σ(xᵢ − x̄)² = (n − 1)s²: m = k·s/√n for this k.
  return Math.sqrt(((n - 1) * r * (n + precision)) / (n - r * (n + precision)));
}
