#!/usr/bin/env python3
"""Reference values for test/unit/analysis, computed once with scikit-learn / scipy / numpy and committed as
test/fixtures/analysis/reference.json. Re-run with `/usr/bin/python3 scripts/analysis-reference.py` (Debian's
python3-sklearn 1.2.1, python3-scipy, python3-numpy); the output is deterministic (fixed seeds).

What it holds:
- classification: accuracy/precision/recall/f1 (zero_division=0), roc_curve (drop_intermediate=True), roc_auc_score
  on fixed data sets: the roc_curve example of scikit-learn's documentation, scores with many ties, imbalanced
  classes, perfectly separated classes, and single-class data (where AUC is undefined: null);
- delong: AUC variance by DeLong et al. (1988) computed straight from its definition (the O(m*n) kernel matrix, not
  the fast midrank algorithm the TypeScript uses), cross-checked against a 4,000-resample bootstrap;
- normal: scipy.stats.norm cdf/logcdf/ppf;
- boundaries: the one-sided normal-mixture boundary (half-normal mixture, as confseq's OneSidedNormalMixture)
  solved with scipy's brentq on the mixture's log value, and the two-sided closed form, in the estimate's units.
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.optimize import brentq
from scipy.stats import norm
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
    }
    with open(target, "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
