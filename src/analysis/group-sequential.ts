// Finite-horizon group-sequential t-test for latency: a sharper bound than the always-valid t-mixture while the
// rollout is within the number of periods its spec allows.
//
// The rollout can only look at as many CloudWatch periods as its steps can soak (the sum of every step's maxSoak
// over the metric period, src/schema/duration.ts `soakPeriods`). Over such a known horizon an always-valid test
// (which must hold for ALL T) pays for looks that will never happen. The classical answer is a group-sequential
// test: Pocock's repeated significance test at a constant nominal level (S. J. Pocock, "Group sequential methods in
// the design and analysis of clinical trials", Biometrika 64, 1977), here with the one-sample t statistic because
// the per-period variance is unknown (C. Jennison & B. W. Turnbull, "Group Sequential Methods with Applications to
// Clinical Trials", Chapman & Hall/CRC 2000, ch. 11, "Tests for normal data with unknown variance"): after T
// complete periods (MIN_PERIODS ≤ T ≤ Tmax) reject "mean ≤ θ₀" when the t statistic of d₁…d_T exceeds
// b_T = the upper p* quantile of Student's t with T − 1 degrees of freedom.
//
// Why it is exact whatever σ is: under mean θ₀ and Gaussian d's, every t_T is a function of (d − θ₀)/σ, so the joint
// law of the path (t_MIN, …, t_Tmax) does not depend on σ, and p*(α, Tmax) with P(∃T ≤ Tmax: t_T ≥ b_T) ≤ α is
// a property of that one law. It is computed offline by scripts/group-sequential-t.py (4,000,000 seeded Gaussian
// paths, the order statistic at 99% confidence, rounded down) into group-sequential-table.ts; here the table is
// only read, conservatively: alpha rounds DOWN and the horizon UP to the grid (a test valid at a smaller alpha or
// over a longer horizon is valid at the larger alpha or shorter horizon: its rejection region only shrinks).
// The table stops at a horizon of 60 periods, where the gain vanishes: over 60 periods the boundary at 95% of a share
// is still at or under the t-mixture's at the whole share at EVERY look, for shares from 0.0002 to 0.2 (worst ratio
// 1.000 at share 0.049 and 5 periods; 0.984 at the default 0.0098), over 24 periods it is 6–21% under. A longer
// horizon gets no design (latency keeps the t-mixture alone, at its whole share), so rollouts that may soak longer
// lose nothing to it.
//
// The bound for θ: {θ₀ : t_T(θ₀) < b_T} on the side below the mean is (x̄ − b_T·s/√T, x̄], so the test inverts into
// x̄ ± b_T·s/√T, exactly like the t-mixture's x̄ ± k(T)·s/√T (verdict.ts takes the tighter of the two, each at
// its part of latency's alpha share, and both hold at once with probability ≥ 1 − share by the union bound).
import { regularizedBeta } from './student';
import {
  TABLE_ALPHA_COUNT,
  TABLE_ALPHA_MAX,
  TABLE_ALPHA_STEPS,
  TABLE_HORIZONS,
  TABLE_LEVELS,
  TABLE_MIN_PERIODS,
} from './group-sequential-table';

/** Fewest periods the group-sequential test looks at (the table's, equal to latency's MIN_PERIODS). */
export const GROUP_SEQUENTIAL_MIN_PERIODS = TABLE_MIN_PERIODS;
/** Largest horizon of the table: a rollout that may soak longer is judged by the t-mixture alone. */
export const GROUP_SEQUENTIAL_MAX_HORIZON = TABLE_HORIZONS[TABLE_HORIZONS.length - 1];

/** The table's j-th alpha: TABLE_ALPHA_MAX · 2^(−j/TABLE_ALPHA_STEPS), as the generating script computes it. */
export function tableAlpha(j: number): number {
  return TABLE_ALPHA_MAX * 2 ** (-j / TABLE_ALPHA_STEPS);
}

/** Index of the largest table alpha ≤ alpha, or −1 when alpha is below the table (or not a number). */
function alphaIndex(alpha: number): number {
  if (!(alpha > 0)) return -1;
  let j = Math.max(0, Math.floor(TABLE_ALPHA_STEPS * Math.log2(TABLE_ALPHA_MAX / alpha)) - 1);
  while (j < TABLE_ALPHA_COUNT && tableAlpha(j) > alpha) j++;
  return j < TABLE_ALPHA_COUNT ? j : -1;
}

export interface GroupSequentialDesign {
  /** The test looks at T = GROUP_SEQUENTIAL_MIN_PERIODS … horizon complete periods. */
  horizon: number;
  /** Nominal one-sided level p* of each look. */
  level: number;
  /** The table alpha the level holds at (≤ the alpha asked for). */
  alpha: number;
}

/**
 * The design of a one-sided level-alpha group-sequential t-test over `horizon` periods, or null when there is none:
 * a horizon under GROUP_SEQUENTIAL_MIN_PERIODS (no look at all) or over GROUP_SEQUENTIAL_MAX_HORIZON (no gain), or an
 * alpha below the table (about 1e-4).
 */
export function groupSequentialDesign(alpha: number, horizon: number | undefined): GroupSequentialDesign | null {
  if (horizon === undefined || !(horizon >= GROUP_SEQUENTIAL_MIN_PERIODS)) return null;
  if (horizon > GROUP_SEQUENTIAL_MAX_HORIZON) return null;
  const h = Math.floor(horizon);
  const j = alphaIndex(alpha);
  if (j < 0) return null;
  const i = TABLE_HORIZONS.findIndex((x) => x >= h);
  return { horizon: h, level: TABLE_LEVELS[j][i], alpha: tableAlpha(j) };
}

/**
 * The upper `p` quantile of Student's t with `nu` degrees of freedom (P(T > x) = p, 0 < p < ½), by bisection on
 * u = nu/(nu + x²), where P(T > x) = ½·I_u(nu/2, ½) increases with u. Rounded up (the side where the tail is ≤ p).
 */
export function studentUpperQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 0.5) || !(nu > 0)) return NaN;
  const key = `${p}|${nu}`;
  const known = quantiles.get(key);
  if (known !== undefined) return known;
  const x = solveStudentUpper(p, nu);
  if (quantiles.size >= 10_000) quantiles.clear();
  quantiles.set(key, x);
  return x;
}

/**
 * Quantiles already computed: a rollout asks for the same few (one table level, one per period count) at every
 * evaluation. A deterministic cache of a pure function, so the workflow's replay is unaffected.
 */
const quantiles = new Map<string, number>();

function solveStudentUpper(p: number, nu: number): number {
  const target = 2 * p;
  // Bisection on log u over [log 1e-300, 0]: 80 halvings leave about 1e-21 of relative error in u.
  let lo = Math.log(1e-300);
  let hi = 0;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedBeta(Math.exp(mid), nu / 2, 0.5) <= target) lo = mid;
    else hi = mid;
  }
  const u = Math.exp(lo); // tail ≤ p here: the larger x, the conservative side
  return Math.sqrt((nu * (1 - u)) / u);
}

/**
 * The multiplier b of the bounds x̄ ± b·s/√n after n complete periods, for a one-sided level-alpha test over
 * `horizon` periods; Infinity when the test does not look at n periods (fewer than the minimum, beyond the
 * horizon, or no design).
 */
export function groupSequentialMultiplier(n: number, alpha: number, horizon: number | undefined): number {
  const design = groupSequentialDesign(alpha, horizon);
  if (!design || !(n >= GROUP_SEQUENTIAL_MIN_PERIODS) || n > design.horizon || !Number.isInteger(n)) return Infinity;
  return studentUpperQuantile(design.level, n - 1);
}
