// One-sided group-sequential boundaries by error spending, for looks whose number and timing are not fixed in advance.
//
// The statistic at look k is Z_k = θ̂_k·√I_k, with I_k the statistical information (any positive scale: only ratios
// matter). Under θ = 0 the path has the canonical joint law (Jennison & Turnbull, "Group Sequential Methods with
// Applications to Clinical Trials", Chapman & Hall/CRC 2000, §3.1): Z_k ~ N(0, 1), corr(Z_j, Z_k) = √(I_j/I_k), i.e.
// the score S_k = Z_k·√I_k has independent Gaussian increments of variance I_k − I_{k−1}. The test rejects at the
// first look with Z_k ≥ c_k.
//
// Error spending (K. K. G. Lan & D. L. DeMets, "Discrete sequential boundaries for clinical trials", Biometrika 70,
// 1983): a non-decreasing f with f(0) = 0 and f(t) = alpha for t ≥ 1 says how much type I error may have been used
// by calendar fraction t of the planned horizon; c_k is the boundary with
//   P0(Z_1 < c_1, …, Z_{k−1} < c_{k−1}, Z_k ≥ c_k) = f(t_k) − (alpha actually spent at looks 1 … k−1).
// Each c_k depends only on the looks so far, so the looks need not be planned: a guardrail first judgeable at
// fraction 0.3 spends f(0.3) at once, and whatever the looks, the total never exceeds alpha.
//
// The probabilities come from the recursive numerical integration of P. Armitage, C. K. McPherson & B. C. Rowe
// ("Repeated significance tests on accumulating data", JRSS A 132, 1969) as laid out by Jennison & Turnbull ch. 19:
// the sub-density of Z_k on {no crossing so far} is carried on a grid cut at c_k (c_k a grid point), integrated by
// Simpson's rule; one step is a Gaussian convolution with the independent score increment. One departure from J&T's
// grid (6r − 1 points, even within ±3, log-spaced out to ±(3 + 4 log r)): its tail spacing (up to 4 log 2 ≈ 2.8)
// does not resolve the narrow kernels of many small steps, and the tail mass then grows by a factor at every step
// (at r = 16: 1e8 spurious mass after 100 equally spaced looks, NaN by 1,000). Here the grid is uniform on
// [−8.5, c_k] with J&T's central spacing (0.05) or finer, at least 2–3 points per kernel deviation; with the
// kernel's reach cut at 9 deviations a step costs O(m · points per kernel). Against a converged reference the
// boundaries agree to ~2e-7 for a few looks and ~2e-5 at 200 equally spaced looks.
//
// Looks that are not looks: a look whose fraction does not exceed the previous valid look's, whose information does
// not exceed it by MIN_INFORMATION_GROWTH (0.1%), or with a value not finite and positive, carries no new evidence (e.g. a metric with no new data) and gets boundary Infinity.
// It spends nothing; since each valid look spends f(t_k) minus what was actually spent, the alpha it would have
// spent rolls into the next valid look. A look with less than MIN_SPEND left to spend (every look once f reached
// alpha, i.e. beyond the horizon) is also Infinity rather than a boundary at 7+ sigma. Boundaries are rounded up
// (the side that spends at most the target), so the total spent never exceeds alpha.
//
// Cost: callers re-evaluate at every look with the whole history, so the state after the last look of the latest
// histories (grid, sub-density, alpha spent) is cached, keyed by the exact looks (alpha, spending, then each look's
// numbers); a call that extends a cached history by one look costs one recursion step. The cache only saves work:
// an entry holds what a cold computation of its history gives, so results never depend on it (safe in Temporal's
// workflow sandbox).
import { normalCdf, normalQuantile } from './normal';

// Module-level bindings: inside a vm context (Temporal's workflow sandbox, jest) each `Math.exp` is a lookup through
// the sandbox's global, ~30x slower than the call itself in the O(m²) loop below.
const { exp, sqrt, log1p, min, max, abs, ceil } = Math;

/** One look: the calendar fraction of the planned horizon elapsed (> 1 past it) and the information so far. */
export interface Look {
  fraction: number;
  information: number;
}

/**
 * Which spending function, as plain data (JSON-safe, and its identity for the cache):
 * - power: alpha·t^rho (Kim & DeMets 1987; Jennison & Turnbull §7.3's rho family; rho = 1 spends evenly, 3 is
 *   close to O'Brien-Fleming);
 * - pocock: alpha·log(1 + (e − 1)·t) (Lan & DeMets 1983's Pocock type: nearly constant boundaries);
 * - obrien-fleming: 2·(1 − Φ(Φ⁻¹(1 − alpha/2)/√t)) (Lan & DeMets 1983's O'Brien-Fleming type: spends almost nothing
 *   early).
 */
export type Spending =
  { readonly kind: 'power'; readonly rho: number } | { readonly kind: 'pocock' } | { readonly kind: 'obrien-fleming' };

export const powerSpending = (rho: number): Spending => ({ kind: 'power', rho });
export const pocockSpending: Spending = { kind: 'pocock' };
export const obrienFlemingSpending: Spending = { kind: 'obrien-fleming' };

/** Less than this left to spend at a look: no boundary (Infinity). Above the rounding leftover (≤ 0.4·1e-12). */
export const MIN_SPEND = 1e-12;
/**
 * A look must add at least this share of the previous valid look's information, else it is not a look (boundary
 * Infinity, its alpha rolls forward): it brings next to no evidence, and the grid needed to integrate over so small
 * an increment would grow without bound. 1e-3 still lets 1,000 equally spaced looks all count.
 */
export const MIN_INFORMATION_GROWTH = 1e-3;
/** Boundaries are solved to this absolute accuracy on the Z scale, then taken on the side that spends ≤ target. */
const BOUNDARY_TOLERANCE = 1e-12;
/**
 * Grid spacing on the Z scale (Simpson points, midpoints included): about J&T's r = 16 central spacing
 * (3/(4r) ≈ 0.047), finer when the steps' Gaussian kernels are narrower (see stepTo and spacingAfter).
 */
const GRID_STEP = 0.05;
/** The grid starts at −GRID_FLOOR: the mass dropped below it is under Φ(−8.5) ≈ 1e-17. */
const GRID_FLOOR = 8.5;
/** Kernel terms exp(−x²/2) with |x| beyond this (< 3e-18 of the peak) are skipped. */
const KERNEL_CUTOFF = 9;
/**
 * Histories the cache keeps: each side (fail and pass) of a rollout's rate and quality guardrails extends its own at
 * every evaluation, at most 14 (two error rates and five quality metrics; guardrails-spending.test.ts holds the count
 * to this). Past it, histories would evict each other and every look would be computed from its first again.
 */
export const CACHE_ENTRIES = 16;

/** f(t): alpha spent by fraction t; 0 for t ≤ 0 (or NaN), alpha for t ≥ 1, within [0, alpha] in between. */
export function alphaSpent(spending: Spending, alpha: number, t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return alpha;
  let f: number;
  switch (spending.kind) {
    case 'power':
      f = alpha * t ** spending.rho;
      break;
    case 'pocock':
      f = alpha * log1p((Math.E - 1) * t);
      break;
    case 'obrien-fleming':
      f = 2 * normalCdf(normalQuantile(alpha / 2) / sqrt(t));
      break;
  }
  return min(alpha, max(0, f));
}

/** The cache identity of a spending function; throws on a malformed one. */
function spendingKey(spending: Spending): string {
  switch (spending.kind) {
    case 'power':
      if (!(spending.rho > 0 && Number.isFinite(spending.rho))) throw new RangeError(`bad rho ${spending.rho}`);
      return `power:${spending.rho}`;
    case 'pocock':
    case 'obrien-fleming':
      return spending.kind;
    default:
      throw new RangeError(`unknown spending ${JSON.stringify(spending)}`);
  }
}

/**
 * The sub-density of Z_k on {no crossing so far} after the last look that cut it: g = Simpson weight × density at the
 * grid points z_i = cut − (m − 1 − i)·spacing (uniform, ascending, ending at the cut; computed, not stored, which
 * halves what a cached history holds), that look's information, and the state it was propagated from, so that it can
 * be rebuilt on a finer grid when a later step needs one.
 */
interface State {
  g: Float64Array;
  information: number;
  spacing: number;
  cut: number;
  parent: State | null;
}

/** Before any look: all the mass at Z = 0 with information 0, so the first step is exactly Z_1 ~ N(0, 1). */
const START: State = {
  g: Float64Array.of(1),
  information: 0,
  spacing: 0,
  cut: 0, // its one point: z_0 = 0
  parent: null,
};

/** The i-th grid point of a state (the same expression that placed it, so the same double). */
const pointOf = (cut: number, spacing: number, m: number, i: number) => cut - (m - 1 - i) * spacing;

const INV_SQRT_2PI = 0.3989422804014327;

/** One step to information I: given Z_prev = z_i, a·Z_k − b·z_i ~ N(0, 1), a = √(I/Δ), b = √(I_prev/Δ). */
interface Step {
  from: State;
  information: number;
  a: number;
  b: number;
}

/**
 * The step from `state` to `information`, on a grid of `state` fine enough for it: the kernel has standard deviation
 * 1/b on the previous Z scale, and Simpson's rule on a Gaussian is accurate to ~1e-9 when the grid spacing is at most
 * half of that (the trapezoid aliasing error 2·exp(−2π²σ²/h²) at the doubled step). A state built for a wider kernel
 * is rebuilt from its parent at the spacing this step needs (its parent was fine enough for the original step).
 */
function stepTo(state: State, information: number): Step {
  const delta = information - state.information;
  const b = sqrt(state.information / delta);
  const needed = 1 / (2 * b);
  let from = state;
  if (state.parent !== null && state.spacing > needed * (1 + 1e-9))
    from = cutAndPropagate(stepTo(state.parent, state.information), state.cut, needed);
  return { from, information, a: sqrt(information / delta), b };
}

/** P(no crossing before, Z_k ≥ c) and its derivative in c. */
function crossing({ from, a, b }: Step, c: number): { p: number; dp: number } {
  const { g, cut, spacing } = from;
  const m = g.length;
  let p = 0;
  let d = 0;
  for (let i = 0; i < m; i++) {
    const x = a * c - b * pointOf(cut, spacing, m, i);
    if (x > KERNEL_CUTOFF) continue; // Q(x) < 1e-19
    p += g[i] * normalCdf(-x);
    d += g[i] * exp(-0.5 * x * x);
  }
  return { p, dp: -a * INV_SQRT_2PI * d };
}

/**
 * The smallest c (to BOUNDARY_TOLERANCE) with P(no crossing before, Z_k ≥ c) ≤ target, and that probability:
 * safeguarded Newton inside a bracket, returning the bracket's upper (conservative) end.
 */
function solveBoundary(step: Step, target: number): { c: number; p: number } {
  // One look alone would cross with Q(c) ≥ the joint probability, so its boundary is an upper bracket.
  let hi = -normalQuantile(target);
  let pHi = crossing(step, hi).p;
  for (let n = 0; pHi > target && n < 100; n++) pHi = crossing(step, (hi += 0.25)).p;
  let lo = hi - 1;
  for (let n = 0; crossing(step, lo).p <= target && n < 100; n++) lo -= 1;
  let x = hi;
  for (let n = 0; n < 200 && hi - lo > BOUNDARY_TOLERANCE; n++) {
    const { p, dp } = crossing(step, x);
    if (p > target) lo = x;
    else {
      hi = x;
      pHi = p;
    }
    let next = x - (p - target) / dp;
    if (abs(next - x) < BOUNDARY_TOLERANCE / 4) {
      // Newton has converged: pin the bracket just around its root.
      const up = min(hi, next + BOUNDARY_TOLERANCE / 2);
      const pUp = crossing(step, up).p;
      if (pUp <= target) {
        hi = up;
        pHi = pUp;
      } else lo = up;
      const down = max(lo, next - BOUNDARY_TOLERANCE / 2);
      if (crossing(step, down).p > target) lo = down;
      next = (lo + hi) / 2;
    }
    x = next > lo && next < hi ? next : (lo + hi) / 2;
  }
  return { c: hi, p: pHi };
}

/**
 * The sub-density of Z_k on {no crossing at or before k}: the previous sub-density convolved with the Gaussian
 * increment (J&T (19.5)), evaluated on a uniform grid from −GRID_FLOOR up to the cut c (c itself a grid point, so
 * Simpson's rule sees no kink) with the given spacing. Terms farther than KERNEL_CUTOFF kernel deviations apart are
 * skipped, so a narrow kernel costs O(m) per point rather than O(m²) overall.
 */
function cutAndPropagate({ from, information, a, b }: Step, c: number, spacing: number): State {
  const panels = max(1, ceil((c + GRID_FLOOR) / (2 * spacing)));
  const n = 2 * panels + 1;
  const g = new Float64Array(n);
  const og = from.g;
  const om = og.length;
  const oz = (i: number) => pointOf(from.cut, from.spacing, om, i);
  let lo = 0;
  let hi = 0;
  for (let j = 0; j < n; j++) {
    const az = a * pointOf(c, spacing, n, j);
    // The old points within KERNEL_CUTOFF of this one: a window that only moves up as z_j does.
    if (b === 0) hi = om;
    else {
      while (lo < om && b * oz(lo) < az - KERNEL_CUTOFF) lo++;
      if (hi < lo) hi = lo;
      while (hi < om && b * oz(hi) <= az + KERNEL_CUTOFF) hi++;
    }
    let s = 0;
    for (let i = lo; i < hi; i++) {
      const d = az - b * oz(i);
      s += og[i] * exp(-0.5 * d * d);
    }
    const simpson = j === 0 || j === n - 1 ? 1 : j % 2 === 1 ? 4 : 2;
    g[j] = ((simpson * spacing) / 3) * a * INV_SQRT_2PI * s;
  }
  // Only the parent is kept (a rebuild needs it, never its own parent): a history of many looks holds two grids, not
  // one per look (the typed arrays are shared, not copied).
  return { g, information, spacing, cut: c, parent: from.parent === null ? from : { ...from, parent: null } };
}

/**
 * The spacing a new state gets: GRID_STEP, or a third of the kernel deviation of a next step like this one (finer
 * than the half stepTo requires: at 200 equally spaced looks that takes the boundaries from 1e-4 to 2e-5 of the
 * converged ones, at the same cost), so that equally spaced looks never need a rebuild.
 */
function spacingAfter(step: Step): number {
  return min(GRID_STEP, 1 / (3 * step.a));
}

/** What the looks so far leave behind: the last look's boundary, alpha spent, state, and the last valid look. */
interface Progress {
  boundary: number;
  spent: number;
  state: State;
  last: Look | null;
}

/**
 * A valid look: finite, positive, and past the previous valid look in fraction and in information (by at least
 * MIN_INFORMATION_GROWTH).
 */
function isLook(look: Look, last: Look | null): boolean {
  const { fraction: t, information: i } = look;
  if (!(t > 0 && i > 0 && Number.isFinite(t) && Number.isFinite(i))) return false;
  return last === null || (t > last.fraction && i > last.information * (1 + MIN_INFORMATION_GROWTH));
}

function advance(prev: Progress, look: Look, alpha: number, spending: Spending): Progress {
  if (!isLook(look, prev.last)) return { ...prev, boundary: Infinity };
  const last = { fraction: look.fraction, information: look.information };
  // What f allows by now minus what was actually spent: alpha skipped by earlier non-looks rolls in here.
  const target = alphaSpent(spending, alpha, look.fraction) - prev.spent;
  if (!(target >= MIN_SPEND)) return { boundary: Infinity, spent: prev.spent, state: prev.state, last };
  const step = stepTo(prev.state, look.information);
  const { c, p } = solveBoundary(step, target);
  return { boundary: c, spent: prev.spent + p, state: cutAndPropagate(step, c, spacingAfter(step)), last };
}

/**
 * The cache: the latest histories seen, each with what its looks left behind. A caller that re-evaluates with one
 * more look (every evaluation of a rollout, per guardrail) finds its history as a prefix and pays one step. Only the
 * last state of a history is kept (two grids of a few hundred points) besides its looks and boundaries: a guardrail
 * holds a few KB in its rollout's workflow sandbox (docs/production.md has the figures), not a grid per look.
 */
interface Entry {
  key: string;
  /** The looks of the history: fraction and information, interleaved. */
  looks: Float64Array;
  boundaries: number[];
  spent: number[];
  progress: Progress;
}
const entries: Entry[] = [];

/** Empties the cache (results never depend on it; for tests and benchmarks). */
export function clearErrorSpendingCache(): void {
  entries.length = 0;
}

/** How many leading looks of `looks` the entry's history shares (its whole history, or 0 when it is not a prefix). */
function sharedPrefix(entry: Entry, key: string, looks: readonly Look[]): number {
  const n = entry.looks.length / 2;
  if (entry.key !== key || n > looks.length) return 0;
  for (let k = 0; k < n; k++) {
    if (entry.looks[2 * k] !== looks[k].fraction || entry.looks[2 * k + 1] !== looks[k].information) return 0;
  }
  return n;
}

export interface ErrorSpending {
  /** c_k on the Z scale (reject at the first look with Z_k ≥ c_k); Infinity where the look spends nothing. */
  boundaries: number[];
  /** Alpha actually spent through each look (cumulative crossing probability under H0, as integrated). */
  spent: number[];
}

/**
 * Lan-DeMets error-spending boundaries of a one-sided level-alpha test over these looks (see the header). Throws a
 * RangeError on an alpha outside (0, 0.5] or a malformed spending function.
 */
export function errorSpending(looks: readonly Look[], alpha: number, spending: Spending): ErrorSpending {
  if (!(alpha > 0 && alpha <= 0.5)) throw new RangeError(`alpha must be in (0, 0.5], got ${alpha}`);
  const key = `${alpha}|${spendingKey(spending)}`;
  let best: Entry | null = null;
  let shared = 0;
  for (const entry of entries) {
    const n = sharedPrefix(entry, key, looks);
    if (n > shared) {
      best = entry;
      shared = n;
    }
  }
  const boundaries = best ? best.boundaries.slice(0, shared) : [];
  const spent = best ? best.spent.slice(0, shared) : [];
  let progress: Progress = best ? best.progress : { boundary: NaN, spent: 0, state: START, last: null };
  for (let k = shared; k < looks.length; k++) {
    progress = advance(progress, looks[k], alpha, spending);
    boundaries.push(progress.boundary);
    spent.push(progress.spent);
  }
  if (looks.length > shared) {
    // The extended history replaces the one it extends; the least recently stored goes first.
    if (best) entries.splice(entries.indexOf(best), 1);
    const flat = new Float64Array(2 * looks.length);
    looks.forEach((l, k) => {
      flat[2 * k] = l.fraction;
      flat[2 * k + 1] = l.information;
    });
    entries.push({ key, looks: flat, boundaries: [...boundaries], spent: [...spent], progress });
    if (entries.length > CACHE_ENTRIES) entries.shift();
  }
  return { boundaries, spent };
}

/** c_1 … c_K: errorSpending(looks, alpha, spending).boundaries. */
export function spendingBoundaries(looks: readonly Look[], alpha: number, spending: Spending): number[] {
  return errorSpending(looks, alpha, spending).boundaries;
}

/**
 * P0(first crossing at look k) for given boundaries, by the same recursion (no cache): 0 at looks that are not
 * looks (see the header; their boundary is ignored) and where the boundary is Infinity.
 */
export function crossingProbability(looks: readonly Look[], boundaries: readonly number[]): number[] {
  let state = START;
  let last: Look | null = null;
  return looks.map((look, k) => {
    const c = boundaries[k];
    if (!isLook(look, last)) return 0;
    last = look;
    if (c === Infinity) return 0;
    const step = stepTo(state, look.information);
    state = cutAndPropagate(step, c, spacingAfter(step));
    return crossing(step, c).p;
  });
}
