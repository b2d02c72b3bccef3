#!/usr/bin/env python3
"""Reference values for the Lan-DeMets error-spending boundaries of src/analysis/error-spending.ts.

Re-run with `/usr/bin/python3 scripts/error-spending-reference.py` (Debian's python3-numpy 1.24 and python3-scipy
1.10; about 30 seconds on 2 cores). Deterministic in a fresh process (a fixed PCG64 seed for the Monte Carlo;
scipy's Genz integrator draws from its own fixed-seed generator, in call order). It writes
test/fixtures/analysis/error-spending.json, which test/unit/analysis/error-spending.test.ts holds the TypeScript to.

The test: one-sided, reject at the first look k with Z_k >= c_k, where under H0 Z_k ~ N(0, 1) and
corr(Z_j, Z_k) = sqrt(I_j / I_k). c_k spends f(t_k) minus the alpha actually spent so far (K. K. G. Lan &
D. L. DeMets, Biometrika 70, 1983), with the TypeScript's rules for looks that are not looks (fraction or information
not past the previous valid look's, information growth under MIN_INFORMATION_GROWTH, non-finite or non-positive:
boundary Infinity, their alpha rolls forward) and for looks with less than MIN_SPEND left (Infinity).

Computed independently of the TypeScript, three ways:
1. `fine`: the same recursion (Armitage, McPherson & Rowe, JRSS A 1969; Jennison & Turnbull 2000 ch. 19) written
   afresh in numpy on a much finer grid (uniform spacing <= 0.01 and <= 1/8 of each step's kernel deviation, down to
   -10, full dense convolution, boundaries by brentq to 1e-14): converged far past the TypeScript's grid.
2. `exact` designs (at most 5 looks that cut): the crossing probability at every look of the fine boundaries by
   scipy's multivariate normal integral (Genz), abseps 1e-10; the script checks it against the spending target.
   The published Lan-DeMets O'Brien-Fleming-type boundaries for K = 5 equally spaced looks at one-sided 0.025
   (4.8769, 3.3569, 2.6803, 2.2898, 2.0310, as gsDesign's sfLDOF tabulates them to 4 decimals) are checked to
   2e-4 (the converged second boundary is 3.35701).
3. `long` designs (24, 48, 200 equally spaced looks, and 48 unequal ones with skipped early looks, repeated
   information and looks past the horizon): a seeded Monte Carlo of 2,000,000 null paths, the cumulative crossing
   rate of the fine boundaries at every look, with its standard error; the script checks it against the targets.
"""
import json
import math
import os

import numpy as np
from scipy import optimize
from scipy.stats import multivariate_normal, norm

SEED = 20261207
PATHS = 2_000_000
CHUNK = 100_000
MIN_SPEND = 1e-12  # = MIN_SPEND in error-spending.ts
MIN_INFORMATION_GROWTH = 1e-3  # = MIN_INFORMATION_GROWTH in error-spending.ts
FINE_SPACING = 0.01
FINE_KERNEL_RATIO = 8
FINE_FLOOR = 10.0

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "analysis", "error-spending.json")


def alpha_spent(spending, alpha, t):
    if not t > 0:
        return 0.0
    if t >= 1:
        return alpha
    kind = spending["kind"]
    if kind == "power":
        f = alpha * t ** spending["rho"]
    elif kind == "pocock":
        f = alpha * math.log1p((math.e - 1) * t)
    elif kind == "obrien-fleming":
        f = 2 * norm.cdf(norm.ppf(alpha / 2) / math.sqrt(t))
    else:
        raise ValueError(kind)
    return min(alpha, max(0.0, f))


def is_look(look, last):
    t, i = look["fraction"], look["information"]
    if not (math.isfinite(t) and math.isfinite(i) and t > 0 and i > 0):
        return False
    return last is None or (t > last["fraction"] and i > last["information"] * (1 + MIN_INFORMATION_GROWTH))


def simpson_grid(c, spacing):
    panels = max(1, math.ceil((c + FINE_FLOOR) / (2 * spacing)))
    n = 2 * panels + 1
    z = c - (n - 1 - np.arange(n)) * spacing
    w = np.full(n, 2.0)
    w[1::2] = 4.0
    w[0] = w[-1] = 1.0
    return z, w * spacing / 3


def fine_boundaries(looks, alpha, spending):
    """The recursion on a fine grid: boundaries (inf where none) and the alpha spent through each look."""
    z, g, info = np.zeros(1), np.ones(1), 0.0  # point mass at 0 before any look
    last, spent = None, 0.0
    bounds, cumulative = [], []
    for look in looks:
        if not is_look(look, last):
            bounds.append(math.inf)
            cumulative.append(spent)
            continue
        last = look
        target = alpha_spent(spending, alpha, look["fraction"]) - spent
        if not target >= MIN_SPEND:
            bounds.append(math.inf)
            cumulative.append(spent)
            continue
        i_new = look["information"]
        delta = i_new - info
        a, b = math.sqrt(i_new / delta), math.sqrt(info / delta)

        def cross(c):
            return float(np.sum(g * norm.sf(a * c - b * z)))

        c = optimize.brentq(lambda x: cross(x) - target, -12, 40, xtol=1e-14, rtol=1e-15, maxiter=500)
        p = cross(c)
        spacing = min(FINE_SPACING, 1 / (FINE_KERNEL_RATIO * a), 1 / (FINE_KERNEL_RATIO * max(b, 1e-300)))
        z_new, w_new = simpson_grid(c, spacing)
        d = a * z_new[:, None] - b * z[None, :]
        g = w_new * a * (np.exp(-0.5 * d * d) @ g) / math.sqrt(2 * math.pi)
        z, info = z_new, i_new
        spent += p
        bounds.append(c)
        cumulative.append(spent)
    return bounds, cumulative


def valid_cuts(looks, bounds):
    """Indices and information of the looks with a finite boundary."""
    idx = [k for k, c in enumerate(bounds) if math.isfinite(c)]
    return idx, np.array([looks[k]["information"] for k in idx])


def mvn_crossings(looks, bounds):
    """P0(first crossing at look k) for each look, by scipy's multivariate normal integral."""
    idx, info = valid_cuts(looks, bounds)
    out = [0.0] * len(looks)
    for n, k in enumerate(idx):
        dim = n + 1
        cov = np.sqrt(np.minimum.outer(info[:dim], info[:dim]) / np.maximum.outer(info[:dim], info[:dim]))
        upper = np.array([bounds[j] for j in idx[:dim]])
        if dim == 1:
            out[k] = float(norm.sf(upper[0]))
            continue
        lower = np.full(dim, -np.inf)
        lower[-1] = upper[-1]
        upper = upper.copy()
        upper[-1] = np.inf
        out[k] = float(
            multivariate_normal.cdf(
                upper, cov=cov, lower_limit=lower, abseps=1e-10, releps=1e-10, maxpts=2_000_000 * dim
            )
        )
    return out


def monte_carlo(looks, bounds, rng):
    """Cumulative null crossing rate at each look of the boundaries, from PATHS seeded paths."""
    idx, info = valid_cuts(looks, bounds)
    c = np.array([bounds[k] for k in idx])
    sd = np.sqrt(np.diff(np.concatenate([[0.0], info])))
    first = np.zeros(len(idx) + 1, dtype=np.int64)  # first crossing index histogram (last bin: never)
    for _ in range(PATHS // CHUNK):
        s = np.cumsum(rng.standard_normal((CHUNK, len(idx))) * sd, axis=1)
        crossed = s / np.sqrt(info) >= c
        any_cross = crossed.any(axis=1)
        where = np.where(any_cross, crossed.argmax(axis=1), len(idx))
        first += np.bincount(where, minlength=len(idx) + 1)
    cum = np.cumsum(first[:-1]) / PATHS
    rate, k_valid = [], 0
    for k in range(len(looks)):
        while k_valid < len(idx) and idx[k_valid] <= k:
            k_valid += 1
        rate.append(float(cum[k_valid - 1]) if k_valid > 0 else 0.0)
    return rate


def equal(k_looks, horizon=None):
    horizon = horizon or k_looks
    return [{"fraction": (k + 1) / horizon, "information": (k + 1) / horizon} for k in range(k_looks)]


def unequal_design(rng):
    """48 looks over a 40-look horizon: not judgeable for the first 6, jittered growth, repeats, a dip."""
    looks = []
    for k in range(48):
        t = (k + 1) / 40
        info = 0.0 if k < 6 else 250 * t**1.3 * (1 + 0.05 * rng.standard_normal())
        looks.append({"fraction": t, "information": round(float(info), 6)})
    looks[12]["information"] = looks[11]["information"]  # no new data
    looks[20]["information"] = looks[19]["information"] * 0.9  # a dip (data revised)
    looks[30]["information"] = looks[29]["information"] * (1 + 1e-4)  # too little new data
    return looks


def json_number(x):
    return None if not math.isfinite(x) else x


def design_record(name, looks, alpha, spending, bounds, spent, **checks):
    """One design as the fixture holds it: the inputs, the boundaries and alpha spent, then its own checks."""
    return {
        "name": name,
        "alpha": alpha,
        "spending": spending,
        "looks": looks,
        "boundaries": [json_number(round(c, 10)) for c in bounds],
        "spent": [round(s, 14) for s in spent],
        **checks,
    }


def main():
    rng = np.random.default_rng(SEED)
    p = lambda rho: {"kind": "power", "rho": rho}  # noqa: E731
    pocock = {"kind": "pocock"}
    obf = {"kind": "obrien-fleming"}
    exact_designs = [
        ("obf-5-published", equal(5), 0.025, obf),
        ("pocock-5", equal(5), 0.025, pocock),
        ("single-look-mid-horizon", [{"fraction": 0.5, "information": 3.0}], 0.05, p(1)),
        ("single-look-past-horizon", [{"fraction": 1.3, "information": 3.0}], 0.05, p(1)),
        ("unequal-3", [{"fraction": f, "information": i} for f, i in [(0.3, 2), (0.55, 3.1), (1.0, 7)]], 0.05, p(2)),
        ("pocock-4", equal(4), 0.05, pocock),
        (
            "skips-and-beyond",
            [
                {"fraction": f, "information": i}
                for f, i in [(0.2, 1), (0.4, 0.9), (0.6, 2.5), (0.8, 2.5), (1.0, 4), (1.2, 5)]
            ],
            0.05,
            p(1),
        ),
        (
            "late-start-obf",
            [{"fraction": f, "information": i} for f, i in [(0.3, 30), (0.45, 41), (0.7, 80), (0.95, 95)]],
            0.01,
            obf,
        ),
    ]
    long_designs = [
        ("equal-24", equal(24), 0.05, p(1)),
        ("equal-48-pocock", equal(48), 0.01, pocock),
        ("unequal-48", unequal_design(rng), 0.02, p(1.5)),
        ("equal-200", equal(200), 0.05, p(1)),
    ]
    published_obf = [4.8769, 3.3569, 2.6803, 2.2898, 2.0310]

    exact = []
    for name, looks, alpha, spending in exact_designs:
        bounds, spent = fine_boundaries(looks, alpha, spending)
        crossings = mvn_crossings(looks, bounds)
        # The integral's crossing probabilities must reproduce the spending targets.
        assert abs(sum(crossings) - spent[-1]) < 2e-8, (name, sum(crossings), spent[-1])
        assert spent[-1] <= alpha + 1e-12
        if name == "obf-5-published":
            assert max(abs(c - q) for c, q in zip(bounds, published_obf)) < 2e-4, bounds
        checks = {"crossings": [round(x, 13) for x in crossings]}
        exact.append(design_record(name, looks, alpha, spending, bounds, spent, **checks))
        print(name, [round(c, 5) for c in bounds], "spent", spent[-1], "mvn", sum(crossings))

    long = []
    for name, looks, alpha, spending in long_designs:
        bounds, spent = fine_boundaries(looks, alpha, spending)
        rate = monte_carlo(looks, bounds, rng)
        se = [math.sqrt(max(r * (1 - r), 1e-300) / PATHS) for r in rate]
        worst = max(abs(r - s) / max(e, 1 / PATHS) for r, s, e in zip(rate, spent, se))
        assert worst < 4.5, (name, worst)
        long.append(
            design_record(
                name,
                looks,
                alpha,
                spending,
                bounds,
                spent,
                monteCarlo=[round(r, 8) for r in rate],
                monteCarloSe=[round(e, 8) for e in se],
            )
        )
        print(name, "last boundaries", [round(c, 4) for c in bounds[-3:]], "mc", rate[-1], "worst |z|", round(worst, 2))

    with open(OUT, "w") as fh:
        json.dump(
            {
                "paths": PATHS,
                "publishedObf5": published_obf,
                "exact": exact,
                "long": long,
            },
            fh,
            indent=1,
        )
        fh.write("\n")
    print("wrote", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
