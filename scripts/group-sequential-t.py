#!/usr/bin/env python3
"""Constants of the finite-horizon group-sequential t-test that judges latency (src/analysis/group-sequential.ts).

Re-run with `/usr/bin/python3 scripts/group-sequential-t.py` (Debian's python3-numpy 1.24 and python3-scipy 1.10;
about two minutes and 3 GB of memory on 2 cores). Deterministic (a fixed PCG64 seed). It writes
  src/analysis/group-sequential-table.ts        the table the TypeScript reads, and
  test/fixtures/analysis/group-sequential-t.json the same numbers plus the Monte Carlo's own checks, which
                                                 test/unit/analysis/group-sequential.test.ts holds the table to.

The test: one look after each of T = TMIN, ..., Tmax periods at the one-sample t statistic t_T of the first T per-period
log ratios d_1..d_T, rejecting "mean <= 0" when t_T >= b_T. Under the null (mean 0, Gaussian d's) the joint law of
(t_TMIN, ..., t_Tmax) does not depend on sigma (t is scale-invariant), so a boundary with
P0(exists T <= Tmax: t_T >= b_T) <= alpha is an exact level-alpha sequential test over that horizon, whatever sigma
is: the group-sequential t-test with a Pocock-type boundary at a constant nominal significance level
(Pocock, "Group sequential methods in the design and analysis of clinical trials", Biometrika 64, 1977; Jennison &
Turnbull, "Group Sequential Methods with Applications to Clinical Trials", Chapman & Hall 2000, ch. 11: "repeated
significance tests" with unknown variance): b_T = the upper p* quantile of Student's t with T - 1 degrees of freedom.
The test rejects at some T <= Tmax exactly when the path's smallest nominal p-value, min_T P(t_{T-1} >= t_T), is
<= p*; so p*(alpha, Tmax) is the alpha quantile of that minimum under the null, estimated here from N seeded
Gaussian paths (sigma = 1: any sigma gives the same t's).

Conservative at every step (a smaller p* only removes rejections):
- the alpha quantile is taken as the order statistic whose level is >= alpha with probability <= 1% (the k-th
  smallest of N has level ~ Beta(k, N - k + 1): the largest k with P(Binomial(N, alpha) <= k - 1) <= 0.01);
- p* is rounded DOWN to 4 significant digits;
- the TypeScript rounds alpha down and Tmax up to the grid below (a test valid at a smaller alpha, or over a longer
  horizon, is valid at the larger alpha / shorter horizon: its rejection region only shrinks).
"""
import json
import math
import os

import numpy as np
from scipy import special
from scipy.stats import binom

SEED = 20261125
PATHS = 4_000_000
CHUNK = 200_000
TMIN = 5  # = MIN_PERIODS in src/analysis/latency.ts: latency is not judged on fewer periods
TMAX_GRID = list(range(5, 31)) + [32, 36, 40, 44, 48, 52, 56, 60]
CAP = TMAX_GRID[-1]
# alpha_j = 0.2 * 2^(-j/16), j = 0..175: 0.2 down to 1.0e-4 (the spec allows alpha <= 0.2)
ALPHA_STEPS = 16
ALPHA_GRID = [0.2 * 2 ** (-j / ALPHA_STEPS) for j in range(176)]
CONFIDENCE = 0.01


def floor_sig(x, digits=4):
    e = math.floor(math.log10(x)) - (digits - 1)
    m = math.floor(x / 10**e)
    while float(f"{m}e{e}") > x:  # guard against the division rounding up
        m -= 1
    return float(f"{m}e{e}")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rng = np.random.Generator(np.random.PCG64(SEED))
    cols = {tm: i for i, tm in enumerate(TMAX_GRID)}
    minp = np.empty((len(TMAX_GRID), PATHS), dtype=np.float64)
    for start in range(0, PATHS, CHUNK):
        x = rng.standard_normal((CHUNK, CAP))
        s = np.cumsum(x, axis=1)
        q = np.cumsum(x * x, axis=1)
        running = np.ones(CHUNK)
        for t in range(TMIN, CAP + 1):
            st = s[:, t - 1]
            spread = (q[:, t - 1] - st * st / t) / (t - 1)
            tstat = (st / t) / np.sqrt(spread / t)
            running = np.minimum(running, special.stdtr(t - 1, -tstat))  # P(t_{T-1} >= t_T)
            if t in cols:
                minp[cols[t], start : start + CHUNK] = running
    minp.sort(axis=1)
    table = []
    checks = []
    for a in ALPHA_GRID:
        k = int(binom.ppf(CONFIDENCE, PATHS, a))
        while k > 1 and binom.cdf(k - 1, PATHS, a) > CONFIDENCE:
            k -= 1
        row = []
        for i, tm in enumerate(TMAX_GRID):
            p = floor_sig(float(minp[i, k - 1]))
            row.append(p)
        table.append(row)
    # Checks the tests read back: the Monte Carlo crossing rate at the stored level (≤ alpha by construction), and
    # the point estimate of p* (the plain alpha quantile) beside the conservative one, at a few alphas.
    for a in (0.05, 0.0098 * 0.9, 0.001):
        j = min(i for i, g in enumerate(ALPHA_GRID) if g <= a)
        for tm in (5, 10, 24, 60):
            i = cols[tm]
            level = table[j][i]
            rate = float(np.searchsorted(minp[i], level, side="right")) / PATHS
            checks.append(
                {"alpha": ALPHA_GRID[j], "horizon": tm, "level": level, "crossingRate": rate,
                 "pointEstimate": float(minp[i, int(PATHS * ALPHA_GRID[j]) - 1])}
            )
    out = {
        "seed": SEED, "paths": PATHS, "minPeriods": TMIN, "confidence": CONFIDENCE,
        "alphas": ALPHA_GRID, "horizons": TMAX_GRID, "levels": table, "checks": checks,
    }
    with open(os.path.join(root, "test/fixtures/analysis/group-sequential-t.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    lines = [
        "// GENERATED by scripts/group-sequential-t.py (do not edit; re-run it: /usr/bin/python3 scripts/group-sequential-t.py).",
        f"// Nominal one-sided significance levels p*(alpha, Tmax) of the Pocock-type group-sequential t-test over periods",
        f"// {TMIN}..Tmax: P0(exists T <= Tmax: P(t_(T-1) >= t_T) <= p*) <= alpha, from {PATHS:,} seeded Gaussian paths (seed {SEED}),",
        f"// the order statistic at {int(CONFIDENCE * 100)}% confidence, rounded down. See group-sequential.ts.",
        "",
        f"/** Fewest periods the table's test looks at (latency's MIN_PERIODS). */",
        f"export const TABLE_MIN_PERIODS = {TMIN};",
        f"/** alpha_j = {ALPHA_GRID[0]} · 2^(−j/{ALPHA_STEPS}), j = 0..{len(ALPHA_GRID) - 1}. */",
        f"export const TABLE_ALPHA_MAX = {ALPHA_GRID[0]};",
        f"export const TABLE_ALPHA_STEPS = {ALPHA_STEPS};",
        f"export const TABLE_ALPHA_COUNT = {len(ALPHA_GRID)};",
        f"/** Horizons (largest period count looked at) the table covers. */",
        f"export const TABLE_HORIZONS: readonly number[] = {json.dumps(TMAX_GRID)};",
        f"/** TABLE_LEVELS[j][i]: p* for alpha_j and TABLE_HORIZONS[i]. */",
        "export const TABLE_LEVELS: readonly (readonly number[])[] = [",
    ]
    for row in table:
        lines.append("  [" + ", ".join(repr(v) for v in row) + "],")
    lines.append("];")
    with open(os.path.join(root, "src/analysis/group-sequential-table.ts"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for c in checks:
        print(c)


if __name__ == "__main__":
    main()
