"""Backtests are point in time without exception (issue 9): a percentile measure ranks an account
among the accounts of its own as-of date, in rt.backtest, rt.fit_weights and rt.walk_forward, so
one date's risks do not depend on which other dates are backtested with it; and walk_forward's
errors name rows of the user's frame. Oracles: scipy's percentileofscore within each date,
scikit-learn's LogisticRegression, and plain pandas."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as sklearn_metrics
from scipy.stats import percentileofscore
from sklearn.linear_model import LogisticRegression

import retain as rt

DATES = pd.date_range("2023-01-01", periods=8, freq="MS")

PERCENTILE_MODEL = {
    "version": 1,
    "groups": [{"name": "usage"}, {"name": "satisfaction"}],
    "measures": [
        {"name": "usage", "group": "usage", "transform": {"kind": "percentile"}},
        {
            "name": "nps",
            "group": "satisfaction",
            "transform": {"kind": "linear", "lo": 0, "hi": 10},
        },
    ],
}


def drifting_panel(n_accounts=400, seed=0):
    """Monthly snapshots whose `usage` drifts upwards date after date (so a percentile pooled
    over dates would rank every early row low), and churns likelier for low-usage accounts."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n_accounts)
    ids = np.arange(n_accounts)
    snaps = pd.DataFrame(
        {"account_id": np.repeat(ids, len(DATES)), "as_of": np.tile(DATES, n_accounts)}
    )
    a = snaps["account_id"].to_numpy()
    date_no = np.tile(np.arange(len(DATES)), n_accounts)
    snaps["usage"] = (-latent[a] + 0.5 * rng.normal(size=len(snaps))).round(1) + 3.0 * date_no
    snaps["nps"] = np.clip(7 - latent[a] + 2 * rng.normal(size=len(snaps)), 0, 10).round()
    churned = ids[rng.random(n_accounts) < 1 / (1 + np.exp(-(latent - 0.5)))]
    days = rng.integers(10, 330, len(churned))
    churns = pd.DataFrame(
        {"account_id": churned, "churned_at": DATES[0] + pd.to_timedelta(days, unit="D")}
    )
    return snaps, churns


def pandas_labels(snaps, churns, horizon, until):
    """label_churn's rules the plain way (one churn per account, no returns): rows of accounts
    gone by their as-of date and rows whose horizon ends after `until` are dropped."""
    churn_at = snaps["account_id"].map(churns.set_index("account_id")["churned_at"])
    gone = (churn_at <= snaps["as_of"]).to_numpy()
    resolved = (snaps["as_of"] + pd.Timedelta(days=horizon) <= until).to_numpy()
    keep = ~gone & resolved
    frame = snaps[keep].copy()
    within = churn_at[keep] <= frame["as_of"] + pd.Timedelta(days=horizon)
    frame["label"] = within.to_numpy().astype(np.int8)
    return frame


def per_date_percentile_risk(frame):
    """100 - the model's score with usage ranked by scipy within each as-of date (mean kind)."""
    usage = np.empty(len(frame))
    for _, rows in frame.groupby("as_of").indices.items():
        values = frame["usage"].to_numpy()[rows]
        usage[rows] = [percentileofscore(values, v, kind="mean") for v in values]
    nps = 100 * np.clip(frame["nps"].to_numpy() / 10, 0, 1)
    return 100 - (usage + nps) / 2


def test_one_dates_risks_do_not_depend_on_the_other_dates_backtested():
    snaps, churns = drifting_panel()
    model = rt.HealthModel(PERCENTILE_MODEL)
    until = DATES[-1] + pd.Timedelta(days=60)
    together = rt.backtest(model, snaps, churns, 60, until)
    # The oracle: labels by pandas, usage ranked by scipy within each date.
    expected = pandas_labels(snaps, churns, 60, until)
    risk = per_date_percentile_risk(expected)
    np.testing.assert_allclose(together.scores["risk"].to_numpy(), risk, rtol=1e-12, atol=1e-12)
    assert together.scores["label"].tolist() == expected["label"].tolist()
    for date in DATES[[0, 3, 7]]:
        alone = rt.backtest(model, snaps[snaps["as_of"] == date], churns, 60, until)
        mine = together.scores[together.scores["as_of"] == date]
        np.testing.assert_array_equal(alone.scores["risk"].to_numpy(), mine["risk"].to_numpy())
        assert alone.per_date.loc[date, "roc_auc"] == together.per_date.loc[date, "roc_auc"]
        part = (expected["as_of"] == date).to_numpy()
        auc = sklearn_metrics.roc_auc_score(expected["label"].to_numpy()[part], risk[part])
        assert together.per_date.loc[date, "roc_auc"] == pytest.approx(auc, abs=1e-12)
    # The same holds whatever the row order: dates interleaved, not grouped.
    shuffled = snaps.sample(frac=1, random_state=3)
    mixed = rt.backtest(model, shuffled, churns, 60, until).scores
    by_row = pd.DataFrame({"a": mixed["account_id"], "d": mixed["as_of"], "r": mixed["risk"]})
    want = pd.DataFrame({"a": expected["account_id"], "d": expected["as_of"], "r": risk})
    merged = by_row.merge(want, on=["a", "d"], validate="one_to_one")
    assert len(merged) == len(expected)
    np.testing.assert_allclose(merged["r_x"], merged["r_y"], rtol=1e-12, atol=1e-12)


def test_a_model_set_ranks_within_each_date_too():
    snaps, churns = drifting_panel(n_accounts=300, seed=1)
    snaps["stage"] = np.where(snaps["account_id"] % 2 == 0, "a", "b")
    model = rt.HealthModel(PERCENTILE_MODEL)
    models = rt.ModelSet({"a": model, "b": model}, by="stage")
    until = DATES[-1] + pd.Timedelta(days=60)
    together = rt.backtest(models, snaps, churns, 60, until).scores
    alone = rt.backtest(models, snaps[snaps["as_of"] == DATES[2]], churns, 60, until).scores
    mine = together[together["as_of"] == DATES[2]]
    np.testing.assert_array_equal(alone["risk"].to_numpy(), mine["risk"].to_numpy())
    # Oracle: each stage's rows ranked by scipy within their date.
    expected = pandas_labels(snaps, churns, 60, until)
    risk = np.empty(len(expected))
    for _, rows in expected.groupby(["as_of", "stage"]).indices.items():
        risk[rows] = per_date_percentile_risk(expected.iloc[rows])
    np.testing.assert_allclose(together["risk"].to_numpy(), risk, rtol=1e-12, atol=1e-12)


def test_fit_weights_fits_on_measure_scores_ranked_within_each_date():
    snaps, churns = drifting_panel(n_accounts=800, seed=2)
    model = rt.HealthModel(PERCENTILE_MODEL)
    until = DATES[-1] + pd.Timedelta(days=60)
    fitted = rt.fit_weights(model, snaps, churns, 60, C=1.0, holdout=0.25, observed_until=until)
    report = fitted.fit_report
    # Oracle: scikit-learn on the per-date measure scores of the rows known before the holdout.
    labels = pandas_labels(snaps, churns, 60, until)
    usage = np.empty(len(labels))
    for _, rows in labels.groupby("as_of").indices.items():
        values = labels["usage"].to_numpy()[rows]
        usage[rows] = [percentileofscore(values, v, kind="mean") for v in values]
    x = np.column_stack([usage, 10 * labels["nps"].to_numpy()])
    train = (labels["as_of"] + pd.Timedelta(days=60) <= report.holdout_dates[0]).to_numpy()
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    sk = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000)
    sk.fit((x[train] - mean) / std, labels["label"].to_numpy()[train])
    np.testing.assert_allclose(report.coefficients, sk.coef_[0] / std, rtol=1e-4)
    # The comparison scores each held-out date on its own as well.
    held = labels["as_of"] == report.holdout_dates[-1]
    y = labels["label"].to_numpy()[held.to_numpy()]
    before = per_date_percentile_risk(labels[held])
    assert report.comparison.loc[report.holdout_dates[-1], "before"] == pytest.approx(
        sklearn_metrics.roc_auc_score(y, before), abs=1e-12
    )


def test_walk_forward_names_the_row_of_the_users_frame():
    snaps, churns = drifting_panel(n_accounts=300, seed=4)
    # The first snapshot of an account that never churns, among the later accounts: row
    # account * 8 of the frame (accounts in order, eight dates each). It is labelled and lands
    # in the first training set, where its position is not its row in the frame.
    stayer = sorted(set(range(200, 300)) - set(churns["account_id"]))[0]
    row = stayer * len(DATES)
    assert snaps.iloc[row]["as_of"] == DATES[0] and snaps.iloc[row]["account_id"] == stayer
    snaps.iloc[row, snaps.columns.get_loc("usage")] = np.nan
    with pytest.raises(rt.InputError, match=rf"column 'usage', row {row}\b"):
        rt.walk_forward(rt.LogisticChurnModel, snaps, churns, 60, min_train_dates=2)
    # A non-default index: still the 0-based position in the user's frame.
    relabelled = snaps.set_axis([f"r{k}" for k in range(len(snaps))])
    with pytest.raises(rt.InputError, match=rf"row {row}\b"):
        rt.walk_forward(rt.LogisticChurnModel, relabelled, churns, 60, min_train_dates=2)


def test_backtest_errors_name_the_row_of_the_users_frame():
    snaps, churns = drifting_panel(n_accounts=100, seed=5)
    strict = rt.HealthModel({**PERCENTILE_MODEL, "missing": "error"})
    stayer = sorted(set(range(50, 100)) - set(churns["account_id"]))[0]
    row = stayer * len(DATES) + 3
    snaps.iloc[row, snaps.columns.get_loc("nps")] = np.nan
    with pytest.raises(rt.InputError, match=rf"column 'nps', row {row}\b"):
        rt.backtest(strict, snaps, churns, 30, DATES[-1] + pd.Timedelta(days=30))
