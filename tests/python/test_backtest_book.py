"""rt.backtest, rt.walk_forward and rt.fit_weights on a Book (issue 9): `as_of=` is the list of
as-of dates, the rows are the Book's snapshots (with `lead_days`) and the labels come from its
churns. Checked against labels and features worked out with plain pandas from the raw tables,
and scikit-learn's metrics."""

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as sklearn_metrics

import retain as rt

AS_OF = pd.date_range("2024-01-31", periods=6, freq="ME")


def tables(n_accounts=300, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"acct{k:03d}" for k in range(n_accounts)]
    signed = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n_accounts), "D")
    seats = rng.integers(1, 50, n_accounts).astype(float)
    accounts = pd.DataFrame({"account_id": ids, "signed_at": signed, "seats": seats})
    # Small accounts churn more; each churns at most once, never returns.
    churned = rng.random(n_accounts) < 0.6 * np.exp(-seats / 15)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n_accounts), "D")
    churns = pd.DataFrame({"account_id": np.array(ids)[churned], "churned_at": day[churned]})
    return accounts, churns


def oracle(accounts, churns, horizon, lead_days=0):
    """Rows (account, as_of, tenure_days, seats, label) the plain way: an account has a row at t
    when signed by the cutoff t - lead_days and not churned by the cutoff; label 1 when it
    churns in (t, t + horizon]; rows with t + horizon after the last as-of date are dropped."""
    churn_at = accounts["account_id"].map(churns.set_index("account_id")["churned_at"])
    rows = []
    for t in AS_OF:
        cutoff = t - pd.Timedelta(days=lead_days)
        here = (accounts["signed_at"] <= cutoff) & ~(churn_at <= cutoff)
        part = accounts[here]
        gone = churn_at[here]
        rows.append(
            pd.DataFrame(
                {
                    "account_id": part["account_id"].to_numpy(),
                    "as_of": t,
                    "tenure_days": (cutoff - part["signed_at"]).dt.days.to_numpy(),
                    "seats": part["seats"].to_numpy(),
                    "label": ((gone > t) & (gone <= t + pd.Timedelta(days=horizon))).to_numpy(),
                    "active_at_t": ~(gone <= t).to_numpy(),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame = frame[frame["active_at_t"] & (frame["as_of"] + pd.Timedelta(days=horizon) <= AS_OF[-1])]
    return frame.drop(columns="active_at_t").reset_index(drop=True)


def test_backtest_of_a_book_equals_the_plain_way():
    accounts, churns = tables()
    book = rt.Book(accounts, churns=churns)
    result = rt.backtest(lambda f: -f["seats"].to_numpy(), book, as_of=AS_OF, horizon_days=60)
    want = oracle(accounts, churns, 60)
    got = result.scores
    assert got["account_id"].tolist() == want["account_id"].tolist()
    assert got["label"].tolist() == want["label"].astype(int).tolist()
    np.testing.assert_array_equal(got["risk"].to_numpy(), -want["seats"].to_numpy())
    for t, row in result.per_date.iterrows():
        part = want[want["as_of"] == t]
        assert row["n"] == len(part) and row["churners"] == part["label"].sum()
        assert row["roc_auc"] == pytest.approx(
            sklearn_metrics.roc_auc_score(part["label"], -part["seats"]), abs=1e-12
        )


def test_lead_days_moves_the_cutoff_not_the_label():
    accounts, churns = tables(seed=1)
    book = rt.Book(accounts, churns=churns)
    result = rt.backtest(
        lambda f: f["tenure_days"].to_numpy(dtype=float),
        book,
        as_of=AS_OF,
        horizon_days=30,
        lead_days=10,
    )
    want = oracle(accounts, churns, 30, lead_days=10)
    assert result.scores["label"].tolist() == want["label"].astype(int).tolist()
    np.testing.assert_array_equal(result.scores["risk"].to_numpy(), want["tenure_days"])


def test_walk_forward_and_fit_weights_take_a_book():
    accounts, churns = tables(n_accounts=600, seed=2)
    book = rt.Book(accounts, churns=churns)
    want = oracle(accounts, churns, 30)
    walked = rt.walk_forward(
        rt.LogisticChurnModel, book, as_of=AS_OF, horizon_days=30, min_train_dates=2
    )
    scored = want[want["as_of"].isin(walked.per_date.index)]
    assert walked.scores["label"].tolist() == scored["label"].astype(int).tolist()
    assert walked.per_date.index.min() >= AS_OF[0] + pd.Timedelta(days=30)
    model = rt.HealthModel(
        {
            "version": 1,
            "groups": [{"name": "size"}],
            "measures": [
                {"name": "seats", "group": "size", "transform": {"kind": "percentile"}},
                {
                    "name": "tenure_days",
                    "group": "size",
                    "transform": {"kind": "linear", "lo": 0, "hi": 800},
                },
            ],
        }
    )
    fitted = rt.fit_weights(model, book, as_of=AS_OF, horizon_days=30, holdout=0.4)
    # Five labelled dates (June's horizon ends after the last as-of date): two held out.
    assert fitted.fit_report.holdout_dates == list(AS_OF[-3:-1])
    weights = {m["name"]: m["weight"] for m in fitted.to_dict()["measures"]}
    assert weights["seats"] > 0  # more seats, less churn: the right way


def test_book_arguments_are_checked():
    accounts, churns = tables(n_accounts=50)
    book = rt.Book(accounts, churns=churns)
    snaps = book.snapshots(AS_OF)
    with pytest.raises(rt.InputError, match="as_of: give the as-of dates"):
        rt.backtest("seats", book)
    with pytest.raises(rt.InputError, match="churns come from the Book"):
        rt.backtest("seats", book, churns, as_of=AS_OF)
    with pytest.raises(rt.InputError, match="account="):
        rt.backtest("seats", book, as_of=AS_OF, account="acct")
    with pytest.raises(rt.InputError, match="no churns table"):
        rt.backtest("seats", rt.Book(accounts), as_of=AS_OF)
    with pytest.raises(rt.InputError, match="as_of= gives the dates"):
        rt.backtest("seats", snaps, churns, as_of="as_of")
    with pytest.raises(rt.InputError, match="lead_days"):
        rt.walk_forward(rt.LogisticChurnModel, snaps, churns, lead_days=7)
    with pytest.raises(TypeError, match="churns"):
        rt.fit_weights(
            rt.HealthModel(
                {
                    "version": 1,
                    "groups": [{"name": "g"}],
                    "measures": [
                        {"name": "seats", "group": "g", "transform": {"kind": "percentile"}}
                    ],
                }
            ),
            snaps,
        )
