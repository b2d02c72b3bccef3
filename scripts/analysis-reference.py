#!/usr/bin/env python3
"""Reference values for test/unit/analysis, computed once with scikit-learn / scipy / numpy and committed as
test/fixtures/analysis/reference.json and binned.json. Re-run with `/usr/bin/python3 scripts/analysis-reference.py` (Debian's
python3-sklearn 1.2.1, python3-scipy, python3-numpy); the output is deterministic (fixed seeds).

What it holds:
- classification: accuracy/precision/recall/f1 (zero_division=0), roc_curve (drop_intermediate=True), roc_auc_score
  on fixed data sets: the roc_curve example of scikit-learn's documentation, scores with many ties, imbalanced
  classes, perfectly separated classes, and single-class data (where AUC is undefined: null);
- delong: AUC variance by DeLong et al. (1988) computed straight from its definition (the O(m*n) kernel matrix, not
  the fast midrank algorithm the TypeScript uses), cross-checked against a 4,000-resample bootstrap;
- normal: scipy.stats.norm cdf/logcdf/ppf;
- boundaries: the one-sided normal-mixture boundary (half-normal mixture, as confseq's OneSidedNormalMixture)
  solved with scipy's brentq on the mixture's log value, and the two-sided closed form, in the estimate's units;
- tMixture: the scale-invariant (t) mixture of Lai (1976) / Perez-Ortiz et al. (2024) for a mean with unknown
  variance: its closed form (with scipy's Student t cdf) checked against the defining two-dimensional integral
  (scipy dblquad over the standardised effect and the right-Haar prior on sigma), and the multiplier k(n, c, alpha)
  of its always-valid bounds solved with brentq on seeded data; scipy's t cdf and gammaln for the special functions;
- binned.json: labelled summaries (src/analysis/labelled-summary.ts) on seeded data: each score's bin on the 0.001 grid
  (floor(1000*s + 0.5), clamped to [0, 1000]), roc_auc_score and roc_curve of the binned scores k/1000, DeLong's
  variance of the binned scores from its O(m*n) definition, the raw scores' roc_auc_score and the bound
  1/2 * sum_k P_k*N_k / (m*n) on the difference, asserted here to hold.
- paired.json: paired probes (src/analysis/paired*.ts) on seeded data where both models score the same rows: both AUCs,
  DeLong's variances and covariance of correlated AUCs from the O(m*n) definition (DeLong et al. 1988), the variance of
  the difference cross-checked by a 4,000-resample paired bootstrap; per batch of 100 rows the same, and the sums the
  batched AUC keeps; accuracy, precision, recall and F1 of both models at 0.5 with the delta-method variance of their
  difference computed per row (for accuracy also McNemar's ((n10 + n01)/n - d^2)/n), with and without two pseudo-rows
  spread over the 16 joint cells, and a paired bootstrap; and the label-free score-shift statistics (sums of the
  inverse-propensity weighted indicators per threshold) over weight periods, request by request.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy import integrate, special
from scipy.optimize import brentq
from scipy.stats import norm, t as student
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score, roc_curve


def datasets():
    rng = np.random.default_rng(20261125)
    out = {}
    # scikit-learn's roc_curve docstring example (labels 1/2 there, pos_label=2; here 0/1).
    out["sklearn_doc"] = ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    # Many ties: scores on a 0.1 grid.
    y = (rng.random(200) < 0.4).astype(int)
    s = np.clip(np.round(0.35 + 0.3 * y + rng.normal(0, 0.25, 200), 1), 0, 1)
    out["ties"] = (y.tolist(), s.tolist())
    # Imbalanced: 5% positives, scores rounded to 3 decimals (some ties).
    y = (rng.random(600) < 0.05).astype(int)
    s = np.round(1 / (1 + np.exp(-(-1.5 + 2.0 * y + rng.normal(0, 1, 600)))), 3)
    out["imbalanced"] = (y.tolist(), s.tolist())
    # Perfectly separated.
    y = np.array([0] * 30 + [1] * 20)
    s = np.concatenate([rng.uniform(0, 0.45, 30), rng.uniform(0.55, 1, 20)]).round(4)
    out["separated"] = (y.tolist(), s.tolist())
    # Predictions all below the threshold: precision's zero division.
    y = (rng.random(50) < 0.5).astype(int)
    s = np.round(rng.uniform(0, 0.4, 50), 2)
    out["no_predicted_positive"] = (y.tolist(), s.tolist())
    # One class only.
    out["all_positive"] = ([1] * 12, np.round(rng.uniform(0, 1, 12), 2).tolist())
    out["all_negative"] = ([0] * 12, np.round(rng.uniform(0, 1, 12), 2).tolist())
    return out


def delong_variance_by_definition(y, s):
    """DeLong (1988): V10_i = mean_j psi(X_i, Y_j), V01_j = mean_i psi(X_i, Y_j), var = S10/m + S01/n."""
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    x_pos = s[y == 1]
    y_neg = s[y == 0]
    psi = (x_pos[:, None] > y_neg[None, :]).astype(float) + 0.5 * (x_pos[:, None] == y_neg[None, :])
    auc = psi.mean()
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    return auc, v10.var(ddof=1) / len(x_pos) + v01.var(ddof=1) / len(y_neg)


def bootstrap_variance(y, s, rng, resamples=4000):
    """Stratified bootstrap (positives and negatives resampled separately, as the two samples of DeLong)."""
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pos = s[y == 1]
    neg = s[y == 0]
    aucs = []
    for _ in range(resamples):
        p = rng.choice(pos, len(pos))
        n = rng.choice(neg, len(neg))
        psi = (p[:, None] > n[None, :]) + 0.5 * (p[:, None] == n[None, :])
        aucs.append(psi.mean())
    return float(np.var(aucs, ddof=1))


def classification_reference():
    cases = []
    rng = np.random.default_rng(7)
    for name, (y, s) in datasets().items():
        for threshold in (0.5, 0.3):
            pred = [1 if v >= threshold else 0 for v in s]
            case = {
                "name": name,
                "labels": y,
                "scores": s,
                "threshold": threshold,
                "accuracy": accuracy_score(y, pred),
                "precision": precision_score(y, pred, zero_division=0),
                "recall": recall_score(y, pred, zero_division=0),
                "f1": f1_score(y, pred, zero_division=0),
            }
            two_classes = 0 < sum(y) < len(y)
            if two_classes:
                fpr, tpr, thr = roc_curve(y, s, drop_intermediate=True)
                case["rocCurve"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()}
                case["rocAuc"] = roc_auc_score(y, s)
                if threshold == 0.5 and min(sum(y), len(y) - sum(y)) >= 2:
                    auc, var = delong_variance_by_definition(y, s)
                    assert abs(auc - case["rocAuc"]) < 1e-12
                    case["delongVariance"] = var
                    if min(sum(y), len(y) - sum(y)) >= 20 and var > 0:
                        # The bootstrap is an independent estimate of the same variance: with 20+ of each class
                        # it agrees within resampling noise and small-sample bias (~(n-1)/n), or the definition
                        # above is wrong.
                        boot = bootstrap_variance(y, s, rng)
                        assert abs(boot / var - 1) < 0.15, (name, var, boot)
                        case["bootstrapVariance"] = boot
            else:
                case["rocCurve"] = None
                case["rocAuc"] = None
            cases.append(case)
    return cases


RESOLUTION = 1000


def score_bin(s):
    """The summary's bin: the nearest multiple of 1/1000 (halves up), clamped to [0, 1]; same doubles as the TS."""
    return min(RESOLUTION, max(0, math.floor(s * RESOLUTION + 0.5)))


def binned_reference():
    rng = np.random.default_rng(20261205)
    sets = {}
    # The bench's scores: 30% positives, logit = +-1 + N(0, 1), squashed.
    y = (rng.random(2000) < 0.3).astype(int)
    sets["continuous"] = (y, 1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, 2000)))))
    # Imbalanced, weaker model.
    y = (rng.random(2000) < 0.05).astype(int)
    sets["imbalanced"] = (y, 1 / (1 + np.exp(-(-2 + 1.2 * y + rng.normal(0, 1, 2000)))))
    # Scores already on a 0.01 grid: binning changes nothing, so the binned AUC is the raw one.
    y = (rng.random(1000) < 0.4).astype(int)
    sets["coarse"] = (y, np.clip(np.round(0.4 + 0.2 * y + rng.normal(0, 0.2, 1000), 2), 0, 1))
    # Raw margins, partly outside [0, 1]: counted in the end bins.
    y = (rng.random(800) < 0.5).astype(int)
    sets["margins"] = (y, 0.5 + 0.6 * (y - 0.5) + rng.normal(0, 0.5, 800))
    # Scores on the bins' edges (k + 1/2)/1000: where rounding must agree between Python and TypeScript.
    y = (rng.random(1000) < 0.35).astype(int)
    k = np.clip(np.round(400 + 200 * y + rng.normal(0, 150, 1000)), 0, 999)
    sets["edges"] = (y, (k + 0.5) / 1000)
    # Perfectly separated.
    y = np.array([0] * 180 + [1] * 120)
    sets["separated"] = (y, np.concatenate([rng.uniform(0, 0.45, 180), rng.uniform(0.55, 1, 120)]))
    cases = []
    for name, (y, s) in sets.items():
        y = [int(v) for v in y]
        s = [float(v) for v in s]
        bins = [score_bin(v) for v in s]
        binned = [b / RESOLUTION for b in bins]
        threshold = 0.5
        pred = [1 if v >= threshold else 0 for v in s]
        fpr, tpr, thr = roc_curve(y, binned, drop_intermediate=True)
        auc_binned, var_binned = delong_variance_by_definition(y, binned)
        assert abs(auc_binned - roc_auc_score(y, binned)) < 1e-12
        raw = roc_auc_score(y, s)
        yy = np.asarray(y)
        bb = np.asarray(bins)
        shared = sum(int(((bb == k) & (yy == 1)).sum()) * int(((bb == k) & (yy == 0)).sum()) for k in set(bins))
        m = sum(y)
        bound = shared / (2 * m * (len(y) - m))
        assert abs(raw - auc_binned) <= bound + 1e-15, (name, raw, auc_binned, bound)
        cases.append({
            "name": name,
            "labels": y,
            "scores": s,
            "bins": bins,
            "threshold": threshold,
            "accuracy": accuracy_score(y, pred),
            "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0),
            "f1": f1_score(y, pred, zero_division=0),
            "binnedAuc": roc_auc_score(y, binned),
            "binnedDelongVariance": var_binned,
            "binnedRocCurve": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr.tolist()},
            "rawAuc": raw,
            "bound": bound,
        })
    return cases


def one_sided_radius(variance, tau, alpha):
    """Radius r with log M = log(1/alpha) at S = r*I, M the half-normal mixture (confseq OneSidedNormalMixture)."""
    info = 1 / variance
    rho = 1 / tau**2

    def log_mixture(s):
        return 0.5 * math.log(4 * rho / (info + rho)) + s * s / (2 * (info + rho)) + norm.logcdf(s / math.sqrt(info + rho))

    hi = 1.0
    while log_mixture(hi) < math.log(1 / alpha):
        hi *= 2
    s = brentq(lambda v: log_mixture(v) - math.log(1 / alpha), 0, hi, xtol=1e-14 * hi, rtol=1e-15, maxiter=500)
    return s / info


def two_sided_radius(variance, tau, alpha):
    info = 1 / variance
    rho = 1 / tau**2
    return math.sqrt((info + rho) * (math.log(1 + info / rho) + 2 * math.log(1 / alpha))) / info


def boundary_reference():
    out = []
    for variance in (1e-2, 1e-4, 2.5e-6, 1e-9):
        for tau in (0.005, 0.02, 0.2):
            for alpha in (0.0098, 0.05):
                out.append(
                    {
                        "variance": variance,
                        "tau": tau,
                        "alpha": alpha,
                        "oneSided": one_sided_radius(variance, tau, alpha),
                        "twoSided": two_sided_radius(variance, tau, alpha),
                    }
                )
    return out


def normal_reference():
    xs = [-38.0, -12.0, -5.0, -1.96, -0.5, 0.0, 0.3, 1.6448536269514722, 3.0, 8.0]
    ps = [1e-12, 1e-6, 0.001, 0.01, 0.025, 0.3, 0.5, 0.8, 0.95, 0.99, 0.999999]
    return {
        "cdf": [{"x": x, "cdf": float(norm.cdf(x)), "logcdf": float(norm.logcdf(x))} for x in xs],
        "ppf": [{"p": p, "ppf": float(norm.ppf(p))} for p in ps],
    }


def log_t_mixture(x, theta0, c):
    """Closed form of the one-sided (half-normal prior on delta >= 0) scale-invariant mixture, in logs."""
    x = np.asarray(x, dtype=float) - theta0
    n = len(x)
    s, q = x.sum(), (x * x).sum()
    a = q - s * s / (n + c)
    return (math.log(2) + 0.5 * math.log(c / (n + c)) + n / 2 * math.log(q / a)
            + student.logcdf(s / math.sqrt(n + c) * math.sqrt(n / a), n))


def t_mixture_by_integration(x, theta0, c):
    """The definition: int int prod N(x_i; theta0 + delta*sigma, sigma^2) 2 N(delta; 0, 1/c) d delta d sigma/sigma
    over delta >= 0, divided by int prod N(x_i; theta0, sigma^2) d sigma/sigma (the right-Haar prior on sigma)."""
    x = np.asarray(x, dtype=float) - theta0
    scale = math.sqrt((x * x).mean())  # rescale (the ratio is scale-invariant) to keep the integrands tame
    x = x / scale

    def lik(mu, sigma):
        return float(np.exp(norm.logpdf(x, mu, sigma).sum()))

    den = integrate.quad(lambda sg: lik(0, sg) / sg, 0, np.inf, limit=400)[0]
    num = integrate.dblquad(lambda d, sg: lik(d * sg, sg) / sg * 2 * norm.pdf(d, 0, 1 / math.sqrt(c)),
                            0, np.inf, 0, np.inf, epsabs=1e-13, epsrel=1e-10)[0]
    return math.log(num / den)


def t_mixture_reference():
    rng = np.random.default_rng(1976)
    values = []
    for n, c, mu, theta0 in [(3, 1.0, 0.5, 0.0), (6, 0.5, 0.3, 0.0), (6, 0.5, 0.3, 0.5), (10, 2.0, -0.2, 0.1),
                             (25, 0.5, 0.8, 0.0)]:
        x = rng.normal(mu, 0.7, n).round(6)
        closed = log_t_mixture(x, theta0, c)
        numeric = t_mixture_by_integration(x, theta0, c)
        # dblquad reaches about 1e-6 relative on the sharply peaked n = 25 integrand
        assert abs(closed - numeric) < 1e-5 * max(1, abs(closed)), (n, c, closed, numeric)
        values.append({"x": x.tolist(), "theta0": theta0, "precision": c, "logE": closed})
    multipliers = []
    for n in (2, 3, 5, 6, 8, 10, 24, 100, 1000):
        for c in (0.5, 2.0):
            for alpha in (0.0098, 0.05):
                x = rng.normal(0, 1, n)
                x = x - x.mean()
                se = x.std(ddof=1) / math.sqrt(n) if n > 1 else 0
                target = math.log(1 / alpha)
                # The lower bound: theta0 = -m below the mean where the evidence reaches 1/alpha; none if the
                # evidence stays below it for every theta0 (E is bounded at fixed n).
                far = log_t_mixture(x, -1e6 * se, c)
                if far < target:
                    k = None
                else:
                    hi = se
                    while log_t_mixture(x, -hi, c) < target:
                        hi *= 2
                    m = brentq(lambda v: log_t_mixture(x, -v, c) - target, 0, hi, xtol=1e-15 * hi, rtol=1e-14,
                               maxiter=500)
                    k = m / se
                multipliers.append({"n": n, "precision": c, "alpha": alpha, "k": k})
    special_values = {
        "studentCdf": [{"x": x, "nu": nu, "cdf": float(student.cdf(x, nu))}
                       for x, nu in [(-3.0, 5), (2.0, 1000), (-8.0, 3), (0.4, 1), (-0.7, 24), (12.0, 2), (-40.0, 10)]],
        "logGamma": [{"x": x, "value": float(special.gammaln(x))} for x in (0.1, 0.5, 1, 2.5, 10, 100, 5000.5)],
    }
    return {"values": values, "multipliers": multipliers, "special": special_values}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def delong_placements(y, s):
    """V10 per positive and V01 per negative, in row order, from the O(m*n) kernel."""
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pos = s[y == 1]
    neg = s[y == 0]
    psi = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def paired_delong_by_definition(y, a, b):
    v10a, v01a = delong_placements(y, a)
    v10b, v01b = delong_placements(y, b)
    m, n = len(v10a), len(v01a)
    s10 = np.cov(np.vstack([v10a, v10b]), ddof=1) if m > 1 else np.zeros((2, 2))
    s01 = np.cov(np.vstack([v01a, v01b]), ddof=1) if n > 1 else np.zeros((2, 2))
    cov = s10 / m + s01 / n
    return {"aucA": float(v10a.mean()), "aucB": float(v10b.mean()), "varianceA": float(cov[0, 0]),
            "varianceB": float(cov[1, 1]), "covariance": float(cov[0, 1]), "positives": m, "negatives": n}


CELL_NAMES = ["tp", "fp", "fn", "tn"]


def cells(y, s, threshold=0.5):
    pred = np.asarray(s) >= threshold
    y = np.asarray(y) == 1
    return np.where(y & pred, 0, np.where(~y & pred, 1, np.where(y & ~pred, 2, 3)))


def ratio_terms(metric, cell):
    tp = (cell == 0).astype(float)
    if metric == "accuracy":
        return ((cell == 0) | (cell == 3)).astype(float), np.ones(len(cell))
    if metric == "precision":
        return tp, ((cell == 0) | (cell == 1)).astype(float)
    if metric == "recall":
        return tp, ((cell == 0) | (cell == 2)).astype(float)
    return 2 * tp, 2 * tp + ((cell == 1) | (cell == 2)).astype(float)


def paired_ratio(metric, cb, cc, weights):
    """Both models' metric and the delta-method variance of baseline - candidate over weighted rows."""
    ab, bb = ratio_terms(metric, cb)
    ac, bc = ratio_terms(metric, cc)
    n = weights.sum()
    vb = (weights * ab).sum() / (weights * bb).sum()
    vc = (weights * ac).sum() / (weights * bc).sum()
    psi = (ab - vb * bb) / ((weights * bb).sum() / n) - (ac - vc * bc) / ((weights * bc).sum() / n)
    return vb, vc, float((weights * psi ** 2).sum() / n ** 2)


def paired_reference():
    rng = np.random.default_rng(20261206)
    cases = []
    n = 600
    y = (rng.random(n) < 0.3).astype(int)
    shared = rng.normal(0, 1, n)
    sb = np.round(sigmoid(1.8 * y - 1.2 + 0.9 * shared + 0.4 * rng.normal(0, 1, n)), 3)
    sc = np.round(sigmoid(1.4 * y - 1.0 + 0.9 * shared + 0.4 * rng.normal(0, 1, n)), 3)
    cases.append(("correlated", y, sb, sc))
    y2 = (rng.random(300) < 0.4).astype(int)
    s2 = np.round(np.clip(0.35 + 0.3 * y2 + rng.normal(0, 0.25, 300), 0, 1), 1)
    s2c = np.round(np.clip(s2 + rng.normal(0, 0.1, 300), 0, 1), 1)
    cases.append(("ties", y2, s2, s2c))
    y3 = (rng.random(400) < 0.25).astype(int)
    cases.append(("independent", y3, np.round(sigmoid(1.5 * y3 - 1 + rng.normal(0, 1, 400)), 4),
                  np.round(sigmoid(1.5 * y3 - 1 + rng.normal(0, 1, 400)), 4)))
    out = []
    for name, y, a, b in cases:
        d = paired_delong_by_definition(y, a, b)
        boot = []
        pos = np.flatnonzero(y == 1)
        neg = np.flatnonzero(y == 0)
        for _ in range(4000):
            idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
            boot.append(roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx]))
        variance = d["varianceA"] + d["varianceB"] - 2 * d["covariance"]
        assert abs(d["aucA"] - roc_auc_score(y, a)) < 1e-12 and abs(d["aucB"] - roc_auc_score(y, b)) < 1e-12
        batches = []
        sums = {"batches": 0, "pairs": 0.0, "baseline": 0.0, "candidate": 0.0, "varianceSum": 0.0}
        for start in range(0, len(y), 100):
            yb, ab, bb = y[start:start + 100], a[start:start + 100], b[start:start + 100]
            if min(yb.sum(), len(yb) - yb.sum()) < 2:
                continue
            e = paired_delong_by_definition(yb, ab, bb)
            w = e["positives"] * e["negatives"]
            v = max(0.0, e["varianceA"] + e["varianceB"] - 2 * e["covariance"])
            batches.append(e)
            sums["batches"] += 1
            sums["pairs"] += w
            sums["baseline"] += w * e["aucA"]
            sums["candidate"] += w * e["aucB"]
            sums["varianceSum"] += w * w * v
        cb, cc = cells(y, a), cells(y, b)
        joint = np.zeros(16)
        for i, j in zip(cb, cc):
            joint[4 * i + j] += 1
        ones = np.ones(len(y))
        # The same rows plus one pseudo-row per joint cell weighing 2/16: two pseudo-rows in all.
        grid = np.array([(i, j) for i in range(4) for j in range(4)])
        padded_b = np.concatenate([cb, grid[:, 0]])
        padded_c = np.concatenate([cc, grid[:, 1]])
        padded_w = np.concatenate([ones, np.full(16, 2 / 16)])
        metrics = {}
        for metric in ["accuracy", "precision", "recall", "f1"]:
            vb, vc, var = paired_ratio(metric, cb, cc, ones)
            _, _, var_padded = paired_ratio(metric, padded_b, padded_c, padded_w)
            reps = []
            for _ in range(2000):
                idx = rng.integers(0, len(y), len(y))
                rb, rc, _ = paired_ratio(metric, cb[idx], cc[idx], ones)
                reps.append(rb - rc)
            entry = {"baseline": vb, "candidate": vc, "variance": var, "paddedVariance": var_padded,
                     "bootstrapVariance": float(np.var(reps, ddof=1))}
            if metric == "accuracy":
                correct_b = (cb == 0) | (cb == 3)
                correct_c = (cc == 0) | (cc == 3)
                n10 = float((correct_b & ~correct_c).sum())
                n01 = float((~correct_b & correct_c).sum())
                diff = (n10 - n01) / len(y)
                mcnemar = ((n10 + n01) / len(y) - diff ** 2) / len(y)
                assert abs(mcnemar - var) < 1e-15, (mcnemar, var)
                entry["mcnemarVariance"] = mcnemar
            metrics[metric] = entry
        out.append({"name": name, "labels": y.tolist(), "baseline": a.tolist(), "candidate": b.tolist(),
                    "delong": d, "differenceVariance": variance, "bootstrapVariance": float(np.var(boot, ddof=1)),
                    "batchRows": 100, "batches": sums, "joint": joint.tolist(), "metrics": metrics})
    return out


SCORE_SHIFT_THRESHOLDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]


def score_shift_reference():
    """Requests one by one over three weight periods; inputs drift between them; the candidate's scores are shifted.

    The sums are of the weighted indicators centred on m, each threshold's mean of the two variants' shares at or below
    it over the periods folded before (0 before any): Y_i = (1{candidate} - w)/(w(1 - w)) * (1{score_i <= x} - m)."""
    rng = np.random.default_rng(20261207)
    periods = []
    sums = np.zeros(len(SCORE_SHIFT_THRESHOLDS))
    squares = np.zeros(len(SCORE_SHIFT_THRESHOLDS))
    seen = {"baseline": np.zeros(len(SCORE_SHIFT_THRESHOLDS)), "candidate": np.zeros(len(SCORE_SHIFT_THRESHOLDS))}
    seen_n = {"baseline": 0, "candidate": 0}
    requests = 0
    for weight, drift, count in [(50, 0.0, 500), (75, 0.5, 700), (100, 1.0, 200)]:
        w = weight / 100
        x = rng.normal(drift, 1, count)
        to_candidate = rng.random(count) < w
        score = np.round(sigmoid(np.where(to_candidate, x + 0.7, x) - 1), 4)
        counts = {}
        for variant, mask in [("baseline", ~to_candidate), ("candidate", to_candidate)]:
            counts[variant] = {"predictions": int(mask.sum()),
                               "atOrBelow": [int((score[mask] <= t).sum()) for t in SCORE_SHIFT_THRESHOLDS]}
        periods.append({"candidateWeight": weight, "scores": score.tolist(), "toCandidate": to_candidate.tolist(),
                        **counts})
        if 0 < w < 1:
            requests += count
            shares = [seen[v] / seen_n[v] if seen_n[v] > 0 else None for v in ("baseline", "candidate")]
            known = [x for x in shares if x is not None]
            m = sum(known) / len(known) if known else np.zeros(len(SCORE_SHIFT_THRESHOLDS))
            for j, t in enumerate(SCORE_SHIFT_THRESHOLDS):
                yi = (to_candidate.astype(float) - w) / (w * (1 - w)) * ((score <= t) - m[j])
                sums[j] += yi.sum()
                squares[j] += (yi ** 2).sum()
            for v in ("baseline", "candidate"):
                seen[v] += np.array(counts[v]["atOrBelow"])
                seen_n[v] += counts[v]["predictions"]
    return {"periods": periods, "requests": requests, "sums": sums.tolist(), "squares": squares.tolist()}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.path.join(root, "test", "fixtures", "analysis", "reference.json")
    reference = {
        "generatedBy": "scripts/analysis-reference.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__},
        "classification": classification_reference(),
        "boundaries": boundary_reference(),
        "normal": normal_reference(),
        "tMixture": t_mixture_reference(),
    }
    with open(target, "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {target}")
    # The binned cases hold thousands of rows each: one compact line per case.
    binned_target = os.path.join(root, "test", "fixtures", "analysis", "binned.json")
    with open(binned_target, "w") as f:
        f.write('{"generatedBy": "scripts/analysis-reference.py", "versions": ')
        f.write(json.dumps(reference["versions"]))
        f.write(', "cases": [\n')
        f.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in binned_reference()))
        f.write("\n]}\n")
    print(f"wrote {binned_target}")
    paired_target = os.path.join(root, "test", "fixtures", "analysis", "paired.json")
    with open(paired_target, "w") as f:
        f.write('{"generatedBy": "scripts/analysis-reference.py", "versions": ')
        f.write(json.dumps(reference["versions"]))
        f.write(', "cases": [\n')
        f.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in paired_reference()))
        f.write('\n], "scoreShift": ')
        f.write(json.dumps(score_shift_reference(), separators=(",", ":")))
        f.write("}\n")
    print(f"wrote {paired_target}")


if __name__ == "__main__":
    main()
