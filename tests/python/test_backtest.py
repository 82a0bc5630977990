"""rt.backtest, rt.walk_forward and rt.fit_weights: metrics per date against scikit-learn, the
scorers, and the no-look-ahead property of walk_forward (issue 5)."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as sklearn_metrics
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import retain as rt

DATES = pd.date_range("2023-01-01", periods=12, freq="MS")
DAY = pd.Timedelta(days=1)


def panel(n_accounts=1500, seed=0, leak_from=None):
    """Monthly snapshots of accounts with a latent risk: `usage` and `nps` carry it, `noise` does
    not; churns fall at random days, likelier for risky accounts. With `leak_from`, a column
    `leak` is filled in later (see test_walk_forward_does_not_profit_from_future_labels)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n_accounts)
    ids = np.arange(n_accounts)
    snaps = pd.DataFrame(
        {"account_id": np.repeat(ids, len(DATES)), "as_of": np.tile(DATES, n_accounts)}
    )
    a = snaps["account_id"].to_numpy()
    snaps["usage"] = -latent[a] + rng.normal(size=len(snaps))
    snaps["nps"] = np.clip(8 - 2 * latent[a] + rng.normal(size=len(snaps)), 0, 10).round()
    snaps["noise"] = rng.normal(size=len(snaps))
    churned = ids[rng.random(n_accounts) < 1 / (1 + np.exp(-(latent - 1.0)))]
    days = rng.integers(20, 500, len(churned))
    churns = pd.DataFrame(
        {"account_id": churned, "churned_at": DATES[0] + pd.to_timedelta(days, unit="D")}
    )
    return snaps, churns


MODEL = rt.HealthModel(
    {
        "version": 1,
        "groups": [{"name": "usage"}, {"name": "satisfaction"}],
        "measures": [
            {"name": "usage", "group": "usage", "transform": {"kind": "linear", "lo": -3, "hi": 3}},
            {
                "name": "nps",
                "group": "satisfaction",
                "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
            },
        ],
    }
)


def test_backtest_metrics_equal_scikit_learn_per_date_and_pooled():
    snaps, churns = panel()
    result = rt.backtest(MODEL, snaps, churns, horizon_days=90)
    labels = rt.label_churn(snaps, churns, horizon_days=90).frame
    risk = 100 - MODEL.score(labels)["score"].to_numpy()
    scores = result.scores
    np.testing.assert_allclose(scores["risk"], risk)
    assert scores["label"].tolist() == labels["label"].tolist()
    for as_of, row in result.per_date.iterrows():
        part = (labels["as_of"] == as_of).to_numpy()
        y = labels["label"].to_numpy()[part]
        assert row["n"] == part.sum() and row["churners"] == y.sum()
        assert row["roc_auc"] == pytest.approx(
            sklearn_metrics.roc_auc_score(y, risk[part]), abs=1e-12
        )
        ap = sklearn_metrics.average_precision_score(y, risk[part])
        assert row["pr_auc"] == pytest.approx(ap, abs=1e-12)
    y = labels["label"].to_numpy()
    pooled = result.pooled
    assert pooled["roc_auc"] == pytest.approx(sklearn_metrics.roc_auc_score(y, risk), abs=1e-12)
    # The top 10 % of rows by risk: rows tied at the cut count in proportion to the room left.
    k = 0.1 * len(y)
    cut = np.sort(risk)[::-1][int(np.ceil(k)) - 1]
    above, tied = risk > cut, risk == cut
    share = (k - above.sum()) / tied.sum()
    precision = (y[above].sum() + share * y[tied].sum()) / k
    assert pooled["precision_top10"] == pytest.approx(precision, abs=1e-12)
    assert pooled["lift_top10"] == pytest.approx(precision / y.mean(), abs=1e-12)
    assert "brier" not in result.per_date.columns  # a health score is not a probability
    assert "ROC AUC" in result.summary()


def test_probability_scorer_adds_brier_and_log_loss():
    snaps, churns = panel(seed=1)
    labels = rt.label_churn(snaps, churns, horizon_days=60).frame
    fitted = rt.LogisticChurnModel().fit(labels[["usage", "nps", "noise"]], labels["label"])
    result = rt.backtest(fitted, snaps, churns, horizon_days=60)
    p = fitted.predict_proba(labels[["usage", "nps", "noise"]])[:, 1]
    y = labels["label"].to_numpy()
    assert result.pooled["brier"] == pytest.approx(
        sklearn_metrics.brier_score_loss(y, p), abs=1e-12
    )
    assert result.pooled["log_loss"] == pytest.approx(sklearn_metrics.log_loss(y, p), abs=1e-12)
    # A callable and a column of precomputed risk give the same rankings.
    # (The labelled rows end earlier than the snapshots: give the same observed_until.)
    until = snaps["as_of"].max()
    by_column = rt.backtest("risk", labels.drop(columns="label").assign(risk=p), churns, 60, until)
    by_callable = rt.backtest(
        lambda f: fitted.predict_proba(f[["usage", "nps", "noise"]])[:, 1], snaps, churns, 60
    )
    assert by_column.pooled["roc_auc"] == pytest.approx(result.pooled["roc_auc"], abs=1e-12)
    assert by_callable.pooled["roc_auc"] == pytest.approx(result.pooled["roc_auc"], abs=1e-12)


def test_a_date_with_one_class_is_nan_with_a_reason_and_bootstrap_interval():
    snaps, churns = panel(n_accounts=400, seed=2)
    # Nobody churns in the first months: those dates have one class only.
    late = churns[churns["churned_at"] >= DATES[6]]
    result = rt.backtest("usage", snaps, late, horizon_days=30, n_boot=50, random_state=3)
    first = result.per_date.iloc[0]
    assert np.isnan(first["roc_auc"]) and first["reason"] == "no churner"
    p = result.pooled
    assert p["roc_auc_lower"] <= p["roc_auc"] <= p["roc_auc_upper"]
    again = rt.backtest("usage", snaps, late, horizon_days=30, n_boot=50, random_state=3)
    assert again.pooled["roc_auc_lower"] == p["roc_auc_lower"]  # the seed fixes the draws
    assert callable(rt.backtest) and rt.backtest.backtest is not None


def test_walk_forward_does_not_profit_from_future_labels():
    """A feature equal to the label from DATES[6] on, noise before. Fitting at t only on rows
    whose labels were known at t (as_of + 90 days <= t) never sees the leak at t = DATES[7] or
    DATES[8]; a fit on every earlier row (the look-ahead bug) does, and scores almost perfectly."""
    snaps, churns = panel(n_accounts=1500, seed=4)
    until = DATES[-1] + pd.Timedelta(days=120)
    labels = rt.label_churn(snaps, churns, 90, observed_until=until).frame
    leak = np.where(
        labels["as_of"] >= DATES[6], labels["label"], np.random.default_rng(5).random(len(labels))
    )
    snaps = labels.drop(columns="label").assign(leak=leak)

    result = rt.walk_forward(rt.LogisticChurnModel, snaps, churns, 90, observed_until=until)
    honest = result.per_date.loc[[DATES[7], DATES[8]], "roc_auc"]
    assert (honest < 0.85).all()

    # The same loop with the bug: train on every row before t.
    y = labels["label"].to_numpy()
    features = ["usage", "nps", "noise", "leak"]
    for t in (DATES[7], DATES[8]):
        before = (snaps["as_of"] < t).to_numpy()
        now = (snaps["as_of"] == t).to_numpy()
        cheat = LogisticRegression().fit(snaps.loc[before, features], y[before])
        risk = cheat.predict_proba(snaps.loc[now, features])[:, 1]
        assert sklearn_metrics.roc_auc_score(y[now], risk) > 0.95
    # Every scored date had at least 3 earlier dates with known labels.
    assert result.per_date.index.min() >= DATES[0] + pd.Timedelta(days=90)
    # And every number is that of the honest loop written with scikit-learn.
    expected = sklearn_walk_forward(
        pandas_labels(snaps, churns, 90, until), ["usage", "nps", "noise", "leak"], 90
    )
    assert_walk_forward_equal(result, expected)
    assert result.dropped["dates_skipped"] == expected["skipped"] > 0


def pandas_labels(snaps, churns, horizon, until):
    """label_churn's rules for accounts that churn at most once (as in panel()), by a map of each
    row's account to its churn day: gone at t when churned on or before t (dropped), unresolved
    when t + horizon is after ``until`` (dropped), else 1 when the churn is in (t, t + horizon]."""
    churn_day = snaps["account_id"].map(churns.set_index("account_id")["churned_at"].dt.floor("D"))
    t = snaps["as_of"].dt.floor("D")
    keep = ~(churn_day <= t) & (t + horizon * DAY <= pd.Timestamp(until))
    labelled = snaps[keep].copy()
    labelled["label"] = ((churn_day > t) & (churn_day <= t + horizon * DAY))[keep].astype(np.int8)
    return labelled


def sklearn_walk_forward(labelled, features, horizon, min_train_dates=3):
    """Walk-forward by its definition with scikit-learn: at each as-of date t, a fresh
    StandardScaler + LogisticRegression (LogisticChurnModel's defaults: C=1, standardized) fitted
    on the rows with as_of + horizon <= t, when they span min_train_dates dates and both classes;
    it scores the rows of t. Per-date metrics by scikit-learn."""
    per_date, parts, skipped = {}, [], 0
    for t in sorted(labelled["as_of"].unique()):
        train = labelled[labelled["as_of"] + horizon * DAY <= t]
        if train["as_of"].nunique() < min_train_dates or train["label"].nunique() < 2:
            skipped += 1
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=10_000))
        model.fit(train[features], train["label"])
        now = labelled[labelled["as_of"] == t]
        risk = model.predict_proba(now[features])[:, 1]
        y = now["label"].to_numpy()
        per_date[t] = {
            "n": len(y),
            "churners": int(y.sum()),
            "roc_auc": sklearn_metrics.roc_auc_score(y, risk),
            "pr_auc": sklearn_metrics.average_precision_score(y, risk),
            "brier": sklearn_metrics.brier_score_loss(y, risk),
            "log_loss": sklearn_metrics.log_loss(y, risk),
        }
        parts.append(
            pd.DataFrame({"account_id": now["account_id"], "as_of": t, "risk": risk, "y": y})
        )
    scores = pd.concat(parts, ignore_index=True)
    return {
        "per_date": pd.DataFrame.from_dict(per_date, orient="index"),
        "scores": scores,
        "pooled_roc_auc": sklearn_metrics.roc_auc_score(scores["y"], scores["risk"]),
        "skipped": skipped,
    }


def assert_walk_forward_equal(result, expected):
    want = expected["per_date"]
    got = result.per_date
    assert got.index.tolist() == want.index.tolist()
    assert got["n"].tolist() == want["n"].tolist()
    assert got["churners"].tolist() == want["churners"].tolist()
    for metric in ("roc_auc", "pr_auc", "brier", "log_loss"):
        np.testing.assert_allclose(got[metric], want[metric], rtol=1e-6, err_msg=metric)
    key = ["as_of", "account_id"]
    ours = result.scores.sort_values(key).reset_index(drop=True)
    theirs = expected["scores"].sort_values(key).reset_index(drop=True)
    assert ours[key].equals(theirs[key])
    np.testing.assert_array_equal(ours["label"], theirs["y"])
    # (LogisticChurnModel stops at its tol=1e-8, scikit-learn here at 1e-10: 1e-5 relative, as in
    # test_logistic.py.)
    np.testing.assert_allclose(ours["risk"], theirs["risk"], rtol=1e-5)
    assert result.pooled["roc_auc"] == pytest.approx(expected["pooled_roc_auc"], abs=1e-6)


# By hand, with the last as-of date Dec 1 as observed_until (2023: Feb has 28 days):
# - horizon 61: rows up to Oct 1 are resolved (Oct 1 + 61 = Dec 1, kept). t trains on as_of + 61
#   <= t: Apr 1 has only Jan 1 (Feb 1 + 61 = Apr 3), May 1 has Jan, Feb and Mar 1 (+ 61 = May 1,
#   on t itself): with 3 dates needed, Jan-Apr are skipped and May-Oct scored;
# - horizon 30: rows up to Nov 1 are resolved (+ 30 = Dec 1). May 1 trains on Jan-Apr (Apr 1 + 30
#   = May 1), 4 dates; Jun 1 on Jan-May, 5: with 5 needed, Jan-May are skipped, Jun-Nov scored.
SCORED = {61: DATES[4:10], 30: DATES[5:11]}


@pytest.mark.parametrize(("horizon", "min_train_dates"), [(61, 3), (30, 5)])
def test_walk_forward_equals_a_per_date_scikit_learn_loop(horizon, min_train_dates):
    snaps, churns = panel(n_accounts=400, seed=10)
    result = rt.walk_forward(
        rt.LogisticChurnModel, snaps, churns, horizon, min_train_dates=min_train_dates
    )
    labelled = pandas_labels(snaps, churns, horizon, DATES[-1])
    expected = sklearn_walk_forward(labelled, ["usage", "nps", "noise"], horizon, min_train_dates)
    assert expected["per_date"].index.tolist() == list(SCORED[horizon])
    assert expected["skipped"] == SCORED[horizon][0].month - 1  # every resolved date before
    assert_walk_forward_equal(result, expected)
    assert result.dropped["dates_skipped"] == expected["skipped"]


# A weighted ROC AUC (ties count half), the bootstrap oracle's own: checked against scikit-learn
# in the test below.
def weighted_roc_auc(y, risk, weight):
    values, code = np.unique(risk, return_inverse=True)
    neg = np.bincount(code, weights=weight * (1 - y), minlength=len(values))
    pos = np.bincount(code, weights=weight * y, minlength=len(values))
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def bootstrap_aucs(scores, n_boot, seed, unit="account_id"):
    """ROC AUCs of n_boot bootstrap replicates that draw ``unit``s (accounts, or rows with
    unit=None) with replacement, each drawn row counted as often as it is drawn; replicates
    with one class are skipped."""
    y, risk = scores["label"].to_numpy(float), scores["risk"].to_numpy(float)
    codes = pd.factorize(scores[unit])[0] if unit else np.arange(len(y))
    n = codes.max() + 1
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(n_boot):
        weight = np.bincount(rng.choice(n, n), minlength=n)[codes].astype(float)
        if 0 < weight @ y < weight.sum():
            aucs.append(weighted_roc_auc(y, risk, weight))
    return np.array(aucs)


def test_bootstrap_interval_is_the_percentile_interval_of_resampled_accounts():
    """Besides the exact check of the documented draws, the interval as a distribution: the
    2.5 % and 97.5 % quantiles of an account bootstrap with other draws, to within Monte Carlo
    error. Each account's rows share one risk (the mean of its usage) and it has up to 9 of
    them, so a bootstrap of rows instead of accounts gives a much narrower interval and fails."""
    snaps, churns = panel(n_accounts=300, seed=2)
    snaps["risk"] = -snaps.groupby("account_id")["usage"].transform("mean")
    n_boot = 2000
    result = rt.backtest("risk", snaps, churns, horizon_days=90, n_boot=n_boot, random_state=7)
    scores = result.scores
    y, risk = scores["label"].to_numpy(float), scores["risk"].to_numpy(float)
    weight = np.random.default_rng(0).integers(0, 4, len(y)).astype(float)
    assert weighted_roc_auc(y, risk, weight) == pytest.approx(
        sklearn_metrics.roc_auc_score(y, risk, sample_weight=weight), abs=1e-12
    )
    lower, upper = result.pooled["roc_auc_lower"], result.pooled["roc_auc_upper"]
    accounts = bootstrap_aucs(scores, n_boot, seed=123)
    rows = bootstrap_aucs(scores, n_boot, seed=123, unit=None)
    # A quantile of B replicates errs by about 2.7 sd / sqrt(B) (sd: of the replicate AUCs) at
    # 2.5 %: 0.06 sd for B = 2000, 0.085 sd for the difference of two such estimates. Allow 5x.
    sd = accounts.std()
    tolerance = 0.45 * sd
    want_lower, want_upper = np.quantile(accounts, [0.025, 0.975])
    assert abs(lower - want_lower) < tolerance, (lower, want_lower, tolerance)
    assert abs(upper - want_upper) < tolerance, (upper, want_upper, tolerance)
    assert 0.85 < (upper - lower) / (want_upper - want_lower) < 1.15
    assert lower < result.pooled["roc_auc"] < upper
    # The rows' bootstrap is what the check tells apart: its ends are further off than the
    # tolerance, its interval under 3/4 as wide.
    row_lower, row_upper = np.quantile(rows, [0.025, 0.975])
    assert abs(row_lower - want_lower) > tolerance and abs(row_upper - want_upper) > tolerance
    assert (row_upper - row_lower) < 0.75 * (want_upper - want_lower)
    # Another seed: other draws, the same interval to within the same error.
    other = rt.backtest("risk", snaps, churns, horizon_days=90, n_boot=n_boot, random_state=8)
    assert other.pooled["roc_auc_lower"] != lower
    assert abs(other.pooled["roc_auc_lower"] - lower) < tolerance
    assert abs(other.pooled["roc_auc_upper"] - upper) < tolerance


def test_bootstrap_bounds_follow_the_documented_draws_exactly():
    # The draws as rt.backtest documents them, written here with numpy, and each replicate's AUC
    # by scikit-learn with the draws as row weights: the bounds agree to rounding.
    snaps, churns = panel(n_accounts=120, seed=4)
    snaps["risk"] = -snaps["usage"]
    result = rt.backtest("risk", snaps, churns, horizon_days=90, n_boot=200, random_state=11)
    scores = result.scores
    codes, uniques = pd.factorize(scores["account_id"])
    y, risk = scores["label"].to_numpy(float), scores["risk"].to_numpy(float)
    rng = np.random.default_rng(11)
    aucs = []
    for _ in range(200):
        drawn = np.bincount(rng.integers(0, len(uniques), len(uniques)), minlength=len(uniques))
        w = drawn[codes].astype(float)
        if 0 < w @ y < w.sum():
            aucs.append(sklearn_metrics.roc_auc_score(y, risk, sample_weight=w))
    lower, upper = np.quantile(aucs, [0.025, 0.975])
    assert result.pooled["roc_auc_lower"] == pytest.approx(lower, abs=1e-12)
    assert result.pooled["roc_auc_upper"] == pytest.approx(upper, abs=1e-12)


def test_fit_weights_follows_the_regression_and_zeroes_the_wrong_way():
    snaps, churns = panel(seed=6)
    model = rt.HealthModel(
        {
            "version": 1,
            "groups": [{"name": "usage", "weight": 0.5}, {"name": "other", "weight": 0.5}],
            "measures": [
                {
                    "name": "usage",
                    "group": "usage",
                    "transform": {"kind": "linear", "lo": -3, "hi": 3},
                },
                {
                    "name": "nps",
                    "group": "other",
                    "transform": {"kind": "linear", "lo": 0, "hi": 10},
                },
                # Backwards on purpose: a higher measure score here means lower usage.
                {
                    "name": "usage_inverted",
                    "column": "usage",
                    "group": "other",
                    "transform": {"kind": "linear", "lo": 3, "hi": -3},
                },
            ],
        }
    )
    with pytest.warns(rt.RetainWarning, match="usage_inverted"):
        fitted = rt.fit_weights(model, snaps, churns, horizon_days=90, C=1.0, holdout=0.3)
    report = fitted.fit_report
    weights = {m["name"]: m["weight"] for m in fitted.to_dict()["measures"]}
    assert report.wrong_way == ["usage_inverted"]
    assert weights["usage_inverted"] == 0 and weights["usage"] > 0 and weights["nps"] > 0
    # Oracle: scikit-learn on the same training rows and measure scores.
    labels = rt.label_churn(snaps, churns, 90).frame
    train = (labels["as_of"] + pd.Timedelta(days=90) <= report.holdout_dates[0]).to_numpy()
    x = model.explain(labels)["measure_score"].fillna(50).to_numpy()[train]
    y = labels["label"].to_numpy()[train]
    scaler_mean, scaler_std = x.mean(axis=0), x.std(axis=0)
    sk = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(
        (x - scaler_mean) / scaler_std, y
    )
    coef = sk.coef_[0] / scaler_std
    np.testing.assert_allclose(report.coefficients, coef, rtol=1e-4)
    expected = np.clip(-coef, 0, None)
    got = np.array([weights[m] for m in model.measures])
    np.testing.assert_allclose(got / got.sum(), expected / expected.sum(), rtol=1e-4)
    assert set(report.comparison.columns) == {"before", "after"}
    assert (
        report.comparison.loc["pooled", "after"] >= report.comparison.loc["pooled", "before"] - 0.01
    )


def test_plot_draws_roc_lift_and_calibration():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    snaps, churns = panel(n_accounts=300, seed=7)
    labels = rt.label_churn(snaps, churns, 60).frame
    fitted = rt.LogisticChurnModel().fit(labels[["usage", "nps", "noise"]], labels["label"])
    fig = rt.backtest(fitted, snaps, churns, 60).plot()
    assert len(fig.axes) == 3
    assert len(rt.backtest("usage", snaps, churns, 60).plot().axes) == 2


def test_bad_scorers_and_arguments():
    snaps, churns = panel(n_accounts=100, seed=8)
    with pytest.raises(TypeError, match="scorer must be"):
        rt.backtest(42, snaps, churns)
    with pytest.raises(rt.InputError, match="returned"):
        rt.backtest(lambda f: np.zeros(3), snaps, churns)
    with pytest.raises(rt.ColumnError, match="risk"):
        rt.backtest("risk", snaps, churns)
    with pytest.raises(rt.InputError, match="n_boot"):
        rt.backtest("usage", snaps, churns, n_boot=-1)
    with pytest.raises(rt.InputError, match="walk_forward: no as-of date"):
        rt.walk_forward(rt.LogisticChurnModel, snaps, churns, 90, min_train_dates=50)
    with pytest.raises(TypeError, match="must be a HealthModel"):
        rt.fit_weights("model", snaps, churns)
    with pytest.raises(rt.InputError, match="holdout"):
        rt.fit_weights(MODEL, snaps, churns, holdout=1.5)


def test_thread_count_does_not_change_a_backtest():
    snaps, churns = panel(n_accounts=800, seed=9)
    one = rt.backtest(MODEL, snaps, churns, 60, n_threads=1)
    two = rt.backtest(MODEL, snaps, churns, 60, n_threads=2)
    pd.testing.assert_frame_equal(one.per_date, two.per_date)
    pd.testing.assert_series_equal(one.pooled, two.pooled)
