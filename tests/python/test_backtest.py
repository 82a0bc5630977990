"""rt.backtest, rt.walk_forward and rt.fit_weights: metrics per date against scikit-learn, the
scorers, and the no-look-ahead property of walk_forward (issue 5)."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as sklearn_metrics
from sklearn.linear_model import LogisticRegression

import retain as rt

DATES = pd.date_range("2023-01-01", periods=12, freq="MS")


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
    assert result.dropped["dates_skipped"] > 0
    assert 0.5 < result.pooled["roc_auc"] < 1


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
