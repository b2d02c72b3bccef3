#!/usr/bin/python3
"""Make the demo churn data set, the three demo models and the xgboost parity fixtures.

Run with Debian's python (it has xgboost 1.7.4, scikit-learn 1.2.1, numpy):

    /usr/bin/python3 scripts/train-demo-models.py

Everything is seeded, so a re-run rewrites the same numbers (xgboost's hist builder is deterministic with
nthread=1). Outputs:

  examples/churn/holdout.csv                 label first, then the 8 features, no header (SageMaker convention)
  examples/churn/features.json               feature names in column order
  examples/churn/{champion,challenger,worse}/model.tar.gz   holding `xgboost-model` (JSON format)
  examples/churn/{champion,challenger,worse}/metrics.json   holdout AUC / accuracy / F1 (sklearn)
  test/fixtures/xgboost/*.json               model JSON + input rows (NaN as null) + xgboost's own predict()

Tests never run this script: they read the committed outputs.
"""
import io
import json
import os
import tarfile

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
CHURN_DIR = os.path.join(ROOT, 'examples', 'churn')
FIXTURE_DIR = os.path.join(ROOT, 'test', 'fixtures', 'xgboost')
SEED = 20261125

FEATURES = [
    'tenure_months',
    'monthly_charges',
    'contract_type',  # 0 month-to-month, 1 one-year, 2 two-year
    'support_calls_90d',
    'late_payments_12m',
    'num_products',
    'avg_daily_usage_min',
    'satisfaction_score',  # 1..10 survey answer
]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_churn(n, rng):
    """A churn-like population: short tenure, month-to-month contracts, many support calls, late payments,
    low usage and low satisfaction raise churn; an unobserved per-customer term keeps it from being separable."""
    tenure = np.clip(np.round(rng.gamma(1.6, 16.0, n)), 1, 72)
    contract = rng.choice([0, 1, 2], size=n, p=[0.55, 0.25, 0.20])
    monthly = np.round(np.clip(rng.normal(65 + 8 * (contract == 0), 22, n), 18, 120), 2)
    num_products = np.clip(rng.poisson(1.2, n) + 1, 1, 5)
    usage = np.round(rng.gamma(2.2, 25.0, n), 1)
    support = rng.poisson(0.8 + 1.2 * (usage < 25), n)
    late = rng.poisson(0.35 + 0.4 * (monthly > 90), n)
    satisfaction = np.clip(np.round(rng.normal(7.2 - 0.6 * support, 1.8, n)), 1, 10)

    z = (
        -0.6
        - 0.06 * tenure
        + 0.025 * (monthly - 65)
        - 1.3 * (contract == 1)
        - 2.6 * (contract == 2)
        + 0.5 * support
        + 0.4 * support * (monthly > 80)
        + 0.7 * late
        - 0.35 * (num_products - 1)
        + 1.3 * (usage < 20)
        + 1.4 * (satisfaction <= 3)
        - 0.15 * (satisfaction - 7)
        + rng.normal(0, 0.4, n)
    )
    label = (rng.random(n) < sigmoid(z)).astype(np.int32)
    X = np.column_stack([tenure, monthly, contract, support, late, num_products, usage, satisfaction]).astype(np.float64)
    return X, label


def train_booster(params, X, y, rounds):
    p = {'nthread': 1, 'seed': SEED, 'tree_method': 'hist', **params}
    return xgb.train(p, xgb.DMatrix(X, label=y), num_boost_round=rounds)


def holdout_metrics(scores, y):
    pred = (scores >= 0.5).astype(int)
    return {
        'auc': round(float(roc_auc_score(y, scores)), 6),
        'accuracy': round(float(accuracy_score(y, pred)), 6),
        'f1': round(float(f1_score(y, pred)), 6),
        'holdout_rows': int(len(y)),
        'positive_rate': round(float(np.mean(y)), 6),
    }


def model_json_text(booster):
    # save_raw('json') is the same text booster.save_model('xgboost-model.json') writes.
    return booster.save_raw(raw_format='json').decode('utf-8')


def write_model_tarball(path, json_text):
    """model.tar.gz with one member `xgboost-model`, the file name SageMaker's XGBoost container writes."""
    data = json_text.encode('utf-8')
    buf = io.BytesIO()
    # mtime 0 and fixed owner so the tarball bytes only change when the model does.
    with tarfile.open(fileobj=buf, mode='w:gz', format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo('xgboost-model')
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        info.uname = info.gname = 'root'
        tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    # gzip header carries a timestamp: zero it (bytes 4..7) for reproducible output.
    raw = raw[:4] + b'\x00\x00\x00\x00' + raw[8:]
    with open(path, 'wb') as f:
        f.write(raw)
    return len(raw)


def demo_models(X_train, y_train, X_hold, y_hold):
    specs = {
        # Few, shallow trees on three account features: a plausible but weak incumbent.
        'champion': dict(
            params={'objective': 'binary:logistic', 'max_depth': 2, 'eta': 0.3, 'eval_metric': 'auc'},
            rounds=12,
            features=[0, 1, 2],
        ),
        # All eight features, deeper trees, more rounds with a smaller learning rate.
        'challenger': dict(
            params={
                'objective': 'binary:logistic',
                'max_depth': 4,
                'eta': 0.08,
                'subsample': 0.8,
                'colsample_bytree': 0.9,
                'min_child_weight': 4,
                'eval_metric': 'auc',
            },
            rounds=150,
            features=None,
        ),
        # Only weakly related usage/product features: the model a rollout must roll back.
        'worse': dict(
            params={'objective': 'binary:logistic', 'max_depth': 3, 'eta': 0.2, 'eval_metric': 'auc'},
            rounds=30,
            features=[5, 6],
        ),
    }
    summary = {}
    for name, spec in specs.items():
        cols = spec['features']
        # Every demo model takes all eight columns (the replay sends all of them). A model meant to use only a
        # subset is trained on the full matrix with the other columns blanked to NaN: its splits use only its
        # subset, yet it accepts the same 8-column rows as the other variants, like real variants sharing a schema.
        X_fit = X_train
        if cols is not None:
            X_fit = np.full_like(X_train, np.nan)
            X_fit[:, cols] = X_train[:, cols]
        bst = train_booster(spec['params'], X_fit, y_train, spec['rounds'])
        scores = bst.predict(xgb.DMatrix(X_hold))
        metrics = holdout_metrics(scores, y_hold)
        metrics.update(
            {
                'model': name,
                'objective': spec['params']['objective'],
                'rounds': spec['rounds'],
                'max_depth': spec['params']['max_depth'],
                'features_used': [FEATURES[i] for i in (cols if cols is not None else range(len(FEATURES)))],
                'xgboost_version': xgb.__version__,
                'sklearn_version': sklearn.__version__,
            }
        )
        out_dir = os.path.join(CHURN_DIR, name)
        os.makedirs(out_dir, exist_ok=True)
        size = write_model_tarball(os.path.join(out_dir, 'model.tar.gz'), model_json_text(bst))
        with open(os.path.join(out_dir, 'metrics.json'), 'w') as f:
            json.dump(metrics, f, indent=2)
            f.write('\n')
        summary[name] = {'auc': metrics['auc'], 'accuracy': metrics['accuracy'], 'f1': metrics['f1'], 'bytes': size}
    return summary


def fmt_value(v):
    """CSV text of a feature value; repr keeps full precision, integers stay short."""
    if float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def write_holdout(X_hold, y_hold):
    lines = [','.join([str(int(y))] + [fmt_value(v) for v in row]) for row, y in zip(X_hold, y_hold)]
    with open(os.path.join(CHURN_DIR, 'holdout.csv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(CHURN_DIR, 'features.json'), 'w') as f:
        json.dump({'label': 'churned', 'features': FEATURES}, f, indent=2)
        f.write('\n')


# ---------------------------------------------------------------------------------------------------------------
# Parity fixtures: small models of every supported kind, input rows with NaNs, and xgboost's own predictions.
# ---------------------------------------------------------------------------------------------------------------


def with_missing(X, rng, rate):
    X = X.copy()
    X[rng.random(X.shape) < rate] = np.nan
    return X


def to_json_rows(X):
    return [[None if np.isnan(v) else float(v) for v in row] for row in X]


def write_fixture(name, description, booster, X_in, extra=None, dmatrix_kwargs=None):
    dm = xgb.DMatrix(X_in, **(dmatrix_kwargs or {}))
    pred = booster.predict(dm)
    pred = pred.reshape(len(X_in), -1)
    margin = booster.predict(dm, output_margin=True).reshape(len(X_in), -1)
    doc = {
        'name': name,
        'description': description,
        'xgboost_version': xgb.__version__,
        # The exact text xgboost wrote, kept as a string: it is not always strict JSON (categorical splits are
        # saved with a bare NaN split condition), and the loader must cope with that.
        'model_text': model_json_text(booster),
        'rows': to_json_rows(X_in),
        # float32 outputs widened to float64 exactly: repr round-trips them bit for bit.
        'expected': [[float(v) for v in row] for row in pred],
        'expected_margin': [[float(v) for v in row] for row in margin],
    }
    if extra:
        doc.update(extra)
    with open(os.path.join(FIXTURE_DIR, name + '.json'), 'w') as f:
        json.dump(doc, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    return os.path.getsize(os.path.join(FIXTURE_DIR, name + '.json'))


def parity_fixtures(X, y, rng):
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    n_rows = 200
    X_fit = with_missing(X[:3000], rng, 0.08)
    y_fit = y[:3000]
    X_in = with_missing(X[3000 : 3000 + n_rows], rng, 0.12)
    # A few rows that stress the edges: all missing, exact split-like values, huge and negative values.
    X_in[0, :] = np.nan
    X_in[1, :] = [0, 0, 0, 0, 0, 0, 0, 0]
    X_in[2, :] = [1e9, -1e9, 5, 1e-30, -3, 100, 1e6, -1]
    sizes = {}
    small = {'nthread': 1, 'seed': SEED, 'tree_method': 'hist', 'max_depth': 3, 'eta': 0.3}

    def fit(params, label, rounds, data=X_fit):
        return xgb.train({**small, **params}, xgb.DMatrix(data, label=label), num_boost_round=rounds)

    sizes['binary_logistic_missing'] = write_fixture(
        'binary_logistic_missing',
        'gbtree binary:logistic trained and scored with NaNs (default_left paths)',
        fit({'objective': 'binary:logistic'}, y_fit, 20),
        X_in,
    )
    sizes['binary_logistic_base_score'] = write_fixture(
        'binary_logistic_base_score',
        'binary:logistic with base_score=0.2 (margin starts at logit(0.2))',
        fit({'objective': 'binary:logistic', 'base_score': 0.2}, y_fit, 10),
        X_in,
    )
    sizes['binary_logitraw'] = write_fixture(
        'binary_logitraw', 'binary:logitraw: raw margin output', fit({'objective': 'binary:logitraw'}, y_fit, 10), X_in
    )
    # Regression target: a noisy "expected monthly spend next quarter".
    y_reg = X[:3000, 1] * 3 + X[:3000, 3] * 10 - X[:3000, 0] * 0.5 + rng.normal(0, 5, 3000)
    sizes['reg_squarederror'] = write_fixture(
        'reg_squarederror',
        'reg:squarederror, default base_score 0.5',
        fit({'objective': 'reg:squarederror'}, y_reg, 20),
        X_in,
    )
    sizes['reg_squarederror_base_score'] = write_fixture(
        'reg_squarederror_base_score',
        'reg:squarederror with base_score=150 (identity link)',
        fit({'objective': 'reg:squarederror', 'base_score': 150.0}, y_reg, 15),
        X_in,
    )
    # reg:logistic wants a label in [0, 1]: a churn probability-like score.
    y_prob = sigmoid((X[:3000, 3] - 1.5) * 0.8 - X[:3000, 0] * 0.03)
    sizes['reg_logistic'] = write_fixture(
        'reg_logistic', 'reg:logistic on a [0,1] target', fit({'objective': 'reg:logistic'}, y_prob, 20), X_in
    )
    y_count = rng.poisson(np.exp(0.3 * X[:3000, 3] + 0.2 * X[:3000, 4] - 0.5))
    sizes['count_poisson'] = write_fixture(
        'count_poisson', 'count:poisson (log link)', fit({'objective': 'count:poisson'}, y_count, 15), X_in
    )
    # Three classes: stay / downgrade / churn, from the churn score and usage.
    y_multi = np.where(y_fit == 1, 2, np.where(X[:3000, 6] < 40, 1, 0))
    sizes['multi_softprob'] = write_fixture(
        'multi_softprob',
        'multi:softprob with 3 classes (tree_info groups)',
        fit({'objective': 'multi:softprob', 'num_class': 3}, y_multi, 10),
        X_in,
    )
    sizes['multi_softmax'] = write_fixture(
        'multi_softmax',
        'multi:softmax with 3 classes (predicted class index)',
        fit({'objective': 'multi:softmax', 'num_class': 3}, y_multi, 10),
        X_in,
    )
    sizes['dart_binary_logistic'] = write_fixture(
        'dart_binary_logistic',
        'dart booster (weight_drop per tree), binary:logistic',
        fit(
            {'booster': 'dart', 'objective': 'binary:logistic', 'rate_drop': 0.3, 'skip_drop': 0.0, 'sample_type': 'weighted'},
            y_fit,
            15,
        ),
        X_in,
    )
    sizes['gblinear_reg'] = write_fixture(
        'gblinear_reg',
        'gblinear reg:squarederror (missing features contribute nothing)',
        xgb.train(
            {'booster': 'gblinear', 'objective': 'reg:squarederror', 'nthread': 1, 'seed': SEED, 'eta': 0.5},
            xgb.DMatrix(X_fit, label=y_reg),
            num_boost_round=20,
        ),
        X_in,
    )
    sizes['gblinear_binary'] = write_fixture(
        'gblinear_binary',
        'gblinear binary:logistic',
        xgb.train(
            {'booster': 'gblinear', 'objective': 'binary:logistic', 'nthread': 1, 'seed': SEED, 'eta': 0.5},
            xgb.DMatrix(X_fit, label=y_fit),
            num_boost_round=20,
        ),
        X_in,
    )
    # Categorical splits: contract_type (3 values) and a synthetic 12-valued "region" feature; partition splits
    # (max_cat_to_onehot=1) put a set of categories on the right.
    region = rng.integers(0, 12, size=X.shape[0]).astype(np.float64)
    Xc = np.column_stack([X[:, :8], region])
    yc = np.where((np.isin(region[:3000], [1, 4, 7, 9])) | (y_fit == 1), 1, 0)
    ft = ['q', 'q', 'c', 'q', 'q', 'q', 'q', 'q', 'c']
    Xc_fit = with_missing(Xc[:3000], rng, 0.05)
    cat_booster = xgb.train(
        {**small, 'objective': 'binary:logistic', 'max_cat_to_onehot': 1, 'max_depth': 4},
        xgb.DMatrix(Xc_fit, label=yc, feature_types=ft, enable_categorical=True),
        num_boost_round=15,
    )
    Xc_in = with_missing(Xc[3000 : 3000 + n_rows], rng, 0.1)
    Xc_in[3, 8] = 40  # a category never seen in training goes left (xgboost's rule for unknown categories)
    Xc_in[4, 8] = -1  # a negative category is invalid: also left
    sizes['categorical_binary'] = write_fixture(
        'categorical_binary',
        'categorical splits (split_type=1, categories sets), binary:logistic',
        cat_booster,
        Xc_in,
        dmatrix_kwargs={'feature_types': ft, 'enable_categorical': True},
    )
    return sizes


def artifact_fixtures(X, y):
    """Model archives packed the ways real tools pack them, for the artifact reader's tests."""
    out = os.path.join(FIXTURE_DIR, 'artifacts')
    os.makedirs(out, exist_ok=True)
    bst = xgb.train(
        {'objective': 'binary:logistic', 'max_depth': 2, 'nthread': 1, 'seed': SEED, 'tree_method': 'hist'},
        xgb.DMatrix(X[:500], label=y[:500]),
        num_boost_round=3,
    )
    text = model_json_text(bst).encode('utf-8')
    rows = X[500:505]
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump({'rows': to_json_rows(rows), 'expected': [float(v) for v in bst.predict(xgb.DMatrix(rows))]}, f)
        f.write('\n')

    def member(tar, name, data, kind=tarfile.REGTYPE):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    def archive(name, mode, fmt, members):
        path = os.path.join(out, name)
        with tarfile.open(path, mode, format=fmt) as tar:
            for m in members:
                member(tar, *m)
        if mode.endswith('gz'):
            with open(path, 'rb') as f:
                raw = f.read()
            with open(path, 'wb') as f:
                f.write(raw[:4] + b'\x00\x00\x00\x00' + raw[8:])

    # `tar -czf model.tar.gz -C model .` style, with macOS AppleDouble junk next to the model.
    archive(
        'dot-slash.tar.gz',
        'w:gz',
        tarfile.GNU_FORMAT,
        [('.', b'', tarfile.DIRTYPE), ('./._xgboost-model', b'\x00\x05\x16\x07junk'), ('./xgboost-model', text)],
    )
    # pax headers and a directory path longer than the 100-byte ustar name field.
    deep = 'opt/ml/model/' + 'nested-directory-name/' * 6
    archive('pax-long-path.tar.gz', 'w:gz', tarfile.PAX_FORMAT, [(deep + 'xgboost-model', text)])
    # Uncompressed tar whose single file has another name: the container loads whatever single file it finds.
    archive('single-other-name.tar', 'w', tarfile.USTAR_FORMAT, [('model.json', text)])
    archive('no-model.tar.gz', 'w:gz', tarfile.USTAR_FORMAT, [('notes.txt', b'hello'), ('metrics.json', b'{}')])
    archive('ubj-model.tar.gz', 'w:gz', tarfile.USTAR_FORMAT, [('xgboost-model', bytes(bst.save_raw(raw_format='ubj')))])
    archive(
        'legacy-binary-model.tar.gz',
        'w:gz',
        tarfile.USTAR_FORMAT,
        [('xgboost-model', bytes(bst.save_raw(raw_format='deprecated')))],
    )
    with open(os.path.join(out, 'bare-model.json'), 'wb') as f:
        f.write(text)


def main():
    rng = np.random.default_rng(SEED)
    X, y = make_churn(10000, rng)
    X_train, y_train = X[:8000], y[:8000]
    X_hold, y_hold = X[8000:], y[8000:]
    os.makedirs(CHURN_DIR, exist_ok=True)
    write_holdout(X_hold, y_hold)
    summary = demo_models(X_train, y_train, X_hold, y_hold)
    fixtures = parity_fixtures(X_train, y_train, np.random.default_rng(SEED + 1))
    artifact_fixtures(X_train, y_train)
    print(json.dumps({'positive_rate_train': float(np.mean(y_train)), 'models': summary, 'fixtures': fixtures}, indent=2))


if __name__ == '__main__':
    main()
