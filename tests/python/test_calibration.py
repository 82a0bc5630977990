"""rt.calibrate_risk and rt.kpi.mrr_at_risk (issue 11), checked against independent oracles:
labels worked out with plain pandas from the raw tables, scikit-learn's IsotonicRegression,
LogisticRegression (C=inf, which is penalty=None) and brier_score_loss fitted and computed on
the same rows, and a pandas groupby for MRR at risk."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

import retain as rt
from retain.calibration import calibrate_risk, mrr_at_risk

AS_OF = pd.date_range("2023-07-31", periods=12, freq="ME")
HORIZON = 60
MODEL = {
    "version": 1,
    "groups": [{"name": "usage"}, {"name": "customer"}],
    "measures": [
        {"name": "events_30d", "group": "usage", "transform": {"kind": "percentile"}},
        {
            "name": "active_users_30d",
            "group": "usage",
            "transform": {"kind": "linear", "lo": 0, "hi": 5},
        },
        {
            "name": "tenure_days",
            "group": "customer",
            "transform": {"kind": "linear", "lo": 0, "hi": 700},
        },
    ],
}


def tables(n=600, seed=0):
    """A small business: accounts signed over 2022-23; a latent health drives both usage (events
    per week) and churn (at most once, never returning); MRR every month from signing through
    the churn month (or July 2024)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"acct{k:04d}" for k in range(n)])
    signed = pd.Timestamp("2022-06-01") + pd.to_timedelta(rng.integers(0, 400, n), "D")
    health = rng.normal(size=n)
    amount = np.round(rng.lognormal(5, 0.8, n), 2)
    churned = rng.random(n) < 1 / (1 + np.exp(1.0 + 1.8 * health))
    churn_day = pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 395, n), "D")
    churn_day = churn_day.where(churned & (churn_day > signed))
    accounts = pd.DataFrame(
        {"account_id": ids, "signed_at": signed, "segment": rng.choice(["smb", "mid", "ent"], n)}
    )
    gone = churn_day.notna()
    churns = pd.DataFrame({"account_id": ids[gone], "churned_at": churn_day[gone]})
    last = churn_day.fillna(pd.Timestamp("2024-07-31"))
    mrr, events = [], []
    for i in range(n):
        months = pd.period_range(signed[i], last[i], freq="M")
        mrr.append(pd.DataFrame({"account_id": ids[i], "period": months, "mrr": amount[i]}))
        span = (last[i] - signed[i]).days
        k = rng.poisson(span / 7 * 2.0 * np.exp(0.9 * health[i]))
        events.append(
            pd.DataFrame(
                {
                    "account_id": ids[i],
                    "user_id": rng.integers(0, 5, k),
                    "timestamp": signed[i] + pd.to_timedelta(rng.integers(0, span * 24, k), "h"),
                }
            )
        )
    return accounts, pd.concat(mrr, ignore_index=True), pd.concat(events, ignore_index=True), churns


@pytest.fixture(scope="module")
def business():
    accounts, mrr, events, churns = tables()
    book = rt.Book(accounts, mrr=mrr, events=events, churns=churns)
    return book, accounts, churns


def oracle_rows(book, accounts, churns, model):
    """(account_id, as_of, score, label) the plain way: at each as-of date t, the accounts signed
    by t and not churned by t, scored by the model on that date's snapshot alone; label 1 when
    the churn falls in (t, t + HORIZON]; dates whose horizon ends after the last as-of date
    dropped (unknown outcome)."""
    churn_at = accounts["account_id"].map(churns.set_index("account_id")["churned_at"])
    churn_at.index = accounts["account_id"]
    parts = []
    for t in AS_OF:
        if t + pd.Timedelta(days=HORIZON) > AS_OF[-1]:
            continue
        snap = book.snapshots([t])
        gone = churn_at.reindex(snap["account_id"]).to_numpy()
        alive = ~(gone <= t)  # NaT compares False: never churned
        label = (gone > t) & (gone <= t + pd.Timedelta(days=HORIZON))
        parts.append(
            pd.DataFrame(
                {
                    "account_id": snap["account_id"].to_numpy()[alive],
                    "as_of": t,
                    "score": model.score(snap)["score"].to_numpy()[alive],
                    "label": label[alive].astype(int),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def split_dates(holdout):
    """The rule by hand: the last ceil(holdout * n) labelled dates held out; fit dates those
    whose horizon ends on or before the first held-out date; the rest purged."""
    labelled = [t for t in AS_OF if t + pd.Timedelta(days=HORIZON) <= AS_OF[-1]]
    n_hold = math.ceil(holdout * len(labelled))
    held = labelled[-n_hold:]
    fit = [t for t in labelled if t + pd.Timedelta(days=HORIZON) <= held[0]]
    purged = [t for t in labelled if t not in fit and t not in held]
    return fit, purged, held


def test_dates_are_split_and_purged_by_the_rule(business):
    book, _, _ = business
    cal = calibrate_risk(rt.HealthModel(MODEL), book, as_of=AS_OF, horizon_days=HORIZON)
    fit, purged, held = split_dates(0.25)
    # 10 labelled month ends (July 2023 - April 2024); 3 held out from 2024-02-29. 2023-12-31's
    # 60-day horizon ends exactly on 2024-02-29, so it is fitted on; 2024-01-31's does not.
    assert held == list(pd.to_datetime(["2024-02-29", "2024-03-31", "2024-04-30"]))
    assert fit[-1] == pd.Timestamp("2023-12-31") and purged == [pd.Timestamp("2024-01-31")]
    assert cal.fit_dates == fit
    assert cal.purged_dates == purged
    assert cal.holdout_dates == held
    assert cal.horizon_days == HORIZON and cal.method == "isotonic"


def test_isotonic_equals_sklearn_on_the_same_fit_rows(business):
    book, accounts, churns = business
    model = rt.HealthModel(MODEL)
    cal = calibrate_risk(model, book, as_of=AS_OF, horizon_days=HORIZON, holdout=0.25)
    rows = oracle_rows(book, accounts, churns, model)
    fit, _, held = split_dates(0.25)
    train = rows[rows["as_of"].isin(fit)]
    test = rows[rows["as_of"].isin(held)]
    assert 0 < train["label"].mean() < 1
    # The same labelled rows as the plain way.
    got = cal.scores
    assert got["account_id"].tolist() == rows["account_id"].tolist()
    assert got["label"].tolist() == rows["label"].tolist()
    assert cal.n_fit == len(train) and cal.n_holdout == len(test)

    iso = IsotonicRegression(increasing=False, out_of_bounds="clip")
    iso.fit(train["score"], train["label"])
    for t in [AS_OF[0], held[0], AS_OF[-1]]:  # a fit date, a held-out date, an unlabelled one
        snap = book.snapshots([t])
        want = iso.predict(model.score(snap)["score"].to_numpy())
        got_p = cal.churn_probability(snap)
        assert got_p.name == "p_churn" and got_p.index.equals(snap.index)
        np.testing.assert_allclose(got_p.to_numpy(), want, rtol=0, atol=1e-9)
    # Beyond the fitted scores the probabilities are clipped, between them interpolated.
    grid = pd.DataFrame({"as_of": AS_OF[0], "score": np.linspace(-20, 120, 281)})
    np.testing.assert_allclose(
        cal._map.predict(100.0 - grid["score"].to_numpy()),
        iso.predict(grid["score"]),
        rtol=0,
        atol=1e-9,
    )

    p_held = iso.predict(test["score"])
    assert cal.brier == pytest.approx(brier_score_loss(test["label"], p_held), abs=1e-12)
    base = train["label"].mean()
    assert cal.base_rate == pytest.approx(base, abs=1e-15)
    assert cal.brier_base_rate == pytest.approx(
        brier_score_loss(test["label"], np.full(len(test), base)), abs=1e-12
    )
    prob_true, prob_pred = calibration_curve(test["label"], p_held, n_bins=10)
    table = cal.reliability[cal.reliability["count"] > 0]
    np.testing.assert_allclose(table["observed"], prob_true, atol=1e-9)
    np.testing.assert_allclose(table["mean_predicted"], prob_pred, atol=1e-9)
    # The score predicts churn here: calibrated beats the base rate on the held-out dates.
    assert cal.brier < cal.brier_base_rate
    assert "isotonic calibration of churn within 60 days" in repr(cal)


def test_logistic_equals_sklearn_on_the_same_fit_rows(business):
    book, accounts, churns = business
    model = rt.HealthModel(MODEL)
    cal = calibrate_risk(model, book, as_of=AS_OF, horizon_days=HORIZON, method="logistic")
    rows = oracle_rows(book, accounts, churns, model)
    fit, _, held = split_dates(0.25)
    train = rows[rows["as_of"].isin(fit)]
    test = rows[rows["as_of"].isin(held)]
    # C=inf is penalty=None (scikit-learn 1.8 deprecates the spelling penalty=None).
    lr = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    lr.fit(train[["score"]], train["label"])
    snap = book.snapshots([held[1]])
    want = lr.predict_proba(model.score(snap)[["score"]])[:, 1]
    np.testing.assert_allclose(cal.churn_probability(snap), want, rtol=0, atol=1e-6)
    proba = cal.predict_proba(snap)
    assert proba.shape == (len(snap), 2)
    np.testing.assert_allclose(proba[:, 1], want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-15)
    # Fitted on risk = 100 - score: the same sigmoid, slope of the other sign.
    assert cal.slope == pytest.approx(-lr.coef_[0, 0], rel=1e-6)
    assert cal.intercept == pytest.approx(lr.intercept_[0] + 100 * lr.coef_[0, 0], rel=1e-6)
    p_held = lr.predict_proba(test[["score"]])[:, 1]
    assert cal.brier == pytest.approx(brier_score_loss(test["label"], p_held), abs=1e-9)
    assert cal.thresholds is None


def test_thread_count_and_pickling_change_nothing(business):
    book, _, _ = business
    model = rt.HealthModel(MODEL)
    one = calibrate_risk(model, book, as_of=AS_OF, horizon_days=HORIZON, n_threads=1)
    every = calibrate_risk(model, book, as_of=AS_OF, horizon_days=HORIZON)
    pd.testing.assert_frame_equal(one.thresholds, every.thresholds)
    assert one.brier == every.brier
    snap = book.snapshots(AS_OF[-2:])
    p = every.churn_probability(snap, n_threads=3)
    pd.testing.assert_series_equal(one.churn_probability(snap, n_threads=1), p)
    copy = pickle.loads(pickle.dumps(every._map))
    risk = np.linspace(-10, 110, 50)
    np.testing.assert_array_equal(copy.predict(risk), every._map.predict(risk))


def test_health_model_scores_each_as_of_date_alone(business):
    """A percentile measure ranks an account among its own date's accounts: the probabilities of
    two dates scored together equal those of each date scored alone, and a frame without an
    as_of column is one date."""
    book, _, _ = business
    cal = calibrate_risk(rt.HealthModel(MODEL), book, as_of=AS_OF, horizon_days=HORIZON)
    both = book.snapshots(AS_OF[-2:])
    together = cal.churn_probability(both)
    for t in AS_OF[-2:]:
        alone = book.snapshots([t])
        part = together[both["as_of"] == t].to_numpy()
        np.testing.assert_array_equal(part, cal.churn_probability(alone).to_numpy())
        no_date = alone.drop(columns="as_of")
        np.testing.assert_array_equal(part, cal.churn_probability(no_date).to_numpy())


def simple_history(n_accounts=200, seed=3):
    """Snapshots (monthly, a risk column) and churns as DataFrames: the risk is the churn
    chance of the month ahead, so labels of both classes appear at every date."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=10, freq="MS")
    risk = rng.random(n_accounts)
    rows, churn_rows = [], []
    gone = {}
    for t in dates:
        for a in range(n_accounts):
            if a in gone and gone[a] <= t:
                continue
            rows.append((a, t, risk[a] + rng.normal(0, 0.05)))
            if a not in gone and rng.random() < 0.15 * risk[a]:
                gone[a] = t + pd.Timedelta(days=int(rng.integers(1, 31)))
                churn_rows.append((a, gone[a]))
    snaps = pd.DataFrame(rows, columns=["account_id", "as_of", "risk"])
    churns = pd.DataFrame(churn_rows, columns=["account_id", "churned_at"])
    return snaps, churns


def test_purged_labels_never_reach_the_fit():
    """What happens after the first held-out date cannot change the map: dropping every churn
    dated after it changes held-out labels, not one fitted threshold."""
    snaps, churns = simple_history()
    cal = calibrate_risk("risk", snaps, churns, horizon_days=45, holdout=0.3)
    # Ten month starts to 2024-10-01; the 45 days of September and October end after it: eight
    # labelled, ceil(0.3 * 8) = 3 held out from 2024-06-01. Fit dates end their 45 days by then
    # (April: 2024-05-16); May's reach into June and are purged.
    first_held = pd.Timestamp("2024-06-01")
    assert cal.holdout_dates == list(pd.date_range(first_held, periods=3, freq="MS"))
    assert cal.fit_dates == list(pd.date_range("2024-01-01", "2024-04-01", freq="MS"))
    assert cal.purged_dates == [pd.Timestamp("2024-05-01")]
    fitted = cal.scores[cal.scores["part"] == "fit"]
    assert (fitted["as_of"] + pd.Timedelta(days=45) <= first_held).all()

    early = churns[churns["churned_at"] <= first_held]
    again = calibrate_risk("risk", snaps, early, horizon_days=45, holdout=0.3)
    assert len(early) < len(churns)
    pd.testing.assert_frame_equal(cal.thresholds, again.thresholds)
    assert cal.brier != again.brier  # the held-out labels did change

    # Equal to scikit-learn fitted on the fit rows (increasing in a risk).
    iso = IsotonicRegression(out_of_bounds="clip").fit(fitted["risk"], fitted["label"])
    np.testing.assert_allclose(
        cal.churn_probability(snaps), iso.predict(snaps["risk"]), rtol=0, atol=1e-9
    )


def test_other_scorers_give_the_same_map():
    """A callable and a risk column give the same rows and map."""
    snaps, churns = simple_history()
    by_column = calibrate_risk("risk", snaps, churns, horizon_days=45, method="logistic")
    by_callable = calibrate_risk(
        lambda f: f["risk"].to_numpy(), snaps, churns, horizon_days=45, method="logistic"
    )
    assert by_column.intercept == by_callable.intercept
    assert by_column.slope == by_callable.slope
    fitted = by_column.scores[by_column.scores["part"] == "fit"]
    lr = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    lr.fit(fitted[["risk"]], fitted["label"])
    np.testing.assert_allclose(
        by_column.predict_proba(snaps), lr.predict_proba(snaps[["risk"]]), rtol=0, atol=1e-6
    )


def test_a_fitted_estimator_is_calibrated_on_its_probabilities():
    snaps, churns = simple_history()
    labelled = rt.label_churn(snaps, churns, horizon_days=45).frame
    estimator = LogisticRegression().fit(labelled[["risk"]], labelled["label"])
    cal = calibrate_risk(estimator, snaps, churns, horizon_days=45, features=["risk"])
    fitted = cal.scores[cal.scores["part"] == "fit"]
    iso = IsotonicRegression(out_of_bounds="clip").fit(fitted["risk"], fitted["label"])
    want = iso.predict(estimator.predict_proba(snaps[["risk"]])[:, 1])
    np.testing.assert_allclose(cal.churn_probability(snaps), want, rtol=0, atol=1e-9)
    with pytest.raises(rt.ColumnError, match="'risk'"):
        cal.churn_probability(snaps.drop(columns="risk"))


def test_bad_calibration_inputs(business):
    book, _, _ = business
    model = rt.HealthModel(MODEL)
    with pytest.raises(rt.InputError, match=r"method: must be one of \['isotonic', 'logistic'\]"):
        calibrate_risk(model, book, as_of=AS_OF, method="platt")
    for bad in (0, 1, 0.0, 1.0, 1.5, -0.1, True, "0.2"):
        with pytest.raises(rt.InputError, match="holdout"):
            calibrate_risk(model, book, as_of=AS_OF, holdout=bad)
    with pytest.raises(rt.InputError, match="at least two labelled as-of dates"):
        calibrate_risk(model, book, as_of=AS_OF[:1], horizon_days=HORIZON)
    # 2023-07-31, 08-31 and 11-30: the first two labelled (60 days end by 11-30), 08-31 held
    # out; 07-31's horizon ends on 09-29, past it, so nothing is left to fit.
    with pytest.raises(rt.InputError, match="no as-of date's 60-day horizon ends on or before"):
        calibrate_risk(model, book, as_of=AS_OF[[0, 1, 4]], horizon_days=HORIZON, holdout=0.5)
    with pytest.raises(rt.InputError, match="leaving none to fit"):
        calibrate_risk(model, book, as_of=AS_OF[:4], horizon_days=30, holdout=0.9)
    with pytest.raises(rt.InputError, match="as_of: give the as-of dates"):
        calibrate_risk(model, book)
    with pytest.raises(rt.InputError, match="churns come from the Book"):
        calibrate_risk(model, book, pd.DataFrame(), as_of=AS_OF)

    snaps, churns = simple_history()
    with pytest.raises(rt.InputError, match="one class only"):
        calibrate_risk("risk", snaps, churns.iloc[:0], horizon_days=45)
    with pytest.raises(rt.InputError, match="separates the classes completely"):
        # A scorer that knows the outcome (the labelled rows carry it) separates perfectly.
        calibrate_risk(
            lambda f: f["label"].to_numpy(dtype=float),
            snaps,
            churns,
            horizon_days=45,
            method="logistic",
        )
    infinite = snaps.assign(risk=snaps["risk"].where(snaps.index != 7, np.inf))
    with pytest.raises(rt.InputError, match="infinite risk at row 7"):
        calibrate_risk("risk", infinite, churns, horizon_days=45)


# ----------------------------------------------------------------------------------- mrr_at_risk


def mrr_oracle(p, mrr, keys, share):
    """The plain pandas way: expected loss = p x MRR, grouped; top accounts by cumulative loss
    in decreasing order (ties by the order of p) until share of the group total is reached."""
    frame = pd.DataFrame({"p": p, "mrr": mrr.reindex(p.index)})
    frame["loss"] = frame["p"] * frame["mrr"]
    frame["position"] = np.arange(len(frame))
    for name, key in keys.items():
        frame[name] = key.reindex(p.index)
    names = list(keys)
    if not names:
        groups = [("all", frame)]
    else:
        groups = frame.groupby(names if len(names) > 1 else names[0], sort=True)
    rows = {}
    for name, part in groups:
        ranked = part[part["loss"] > 0].sort_values(["loss", "position"], ascending=[False, True])
        total = part["loss"].sum()
        cum = ranked["loss"].cumsum().to_numpy()
        n_top = int(np.argmax(cum >= share * cum[-1])) + 1 if len(ranked) else 0
        rows[name] = {
            "accounts": len(part),
            "mrr": part["mrr"].sum(),
            "expected_mrr_lost": total,
            "share_of_mrr": total / part["mrr"].sum(),
            "top_accounts": list(ranked.index[:n_top]),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.mark.parametrize("share", [0.8, 0.5, 1.0])
def test_mrr_at_risk_equals_a_pandas_groupby(share):
    rng = np.random.default_rng(7)
    ids = [f"c{k:03d}" for k in range(300)]
    p = pd.Series(rng.random(300).round(3), index=ids, name="p_churn")
    p.iloc[::17] = 0.0
    mrr = pd.Series(rng.lognormal(6, 1, 300).round(2), index=ids).sample(frac=1, random_state=1)
    segment = pd.Series(rng.choice(["smb", "mid", "ent"], 300), index=ids, name="segment")
    owner = pd.Series(rng.choice(["ana", "bo"], 300), index=ids, name="owner").iloc[::-1]
    for by, keys in [
        (None, {}),
        (segment, {"segment": segment}),
        ([segment, owner], {"segment": segment, "owner": owner}),
    ]:
        got = mrr_at_risk(p, mrr, by=by, share=share)
        want = mrr_oracle(p, mrr, keys, share)
        want = want.sort_values("expected_mrr_lost", ascending=False, kind="stable")
        assert list(got.index) == list(want.index)
        assert got.columns.tolist() == [
            "accounts",
            "mrr",
            "expected_mrr_lost",
            "share_of_mrr",
            "top_accounts",
        ]
        assert got["accounts"].tolist() == want["accounts"].tolist()
        for column in ("mrr", "expected_mrr_lost", "share_of_mrr"):
            np.testing.assert_allclose(got[column], want[column].astype(float), rtol=1e-12)
        assert got["top_accounts"].tolist() == want["top_accounts"].tolist()
    if by is not None:
        assert got.index.names == ["segment", "owner"]


def test_mrr_at_risk_by_hand():
    p = pd.Series({"a": 0.5, "b": 0.1, "c": 0.9, "d": 0.0})
    mrr = pd.Series({"d": 10.0, "c": 50.0, "b": 1000.0, "a": 100.0})
    got = mrr_at_risk(p, mrr)
    assert got.index.tolist() == ["all"]
    row = got.loc["all"]
    # 50 + 100 + 45 + 0 = 195 of 1160; 80 % (156) needs b (100), a (150), c (195).
    assert row["accounts"] == 4 and row["mrr"] == 1160.0 and row["expected_mrr_lost"] == 195.0
    assert row["share_of_mrr"] == pytest.approx(195 / 1160)
    assert row["top_accounts"] == ["b", "a", "c"]
    assert mrr_at_risk(p, mrr, share=0.5).loc["all", "top_accounts"] == ["b"]
    # A group without MRR: share NaN (nothing to lose), no top account.
    none = mrr_at_risk(pd.Series({"x": 0.4}), pd.Series({"x": 0.0}))
    assert none.loc["all", "expected_mrr_lost"] == 0.0 and np.isnan(none.loc["all", "share_of_mrr"])
    assert none.loc["all", "top_accounts"] == []


def test_bad_mrr_at_risk_inputs():
    p = pd.Series({"a": 0.5, "b": 0.1})
    mrr = pd.Series({"a": 100.0, "b": 200.0})
    with pytest.raises(rt.InputError, match=r"probabilities: account 'b': must be a probability"):
        mrr_at_risk(pd.Series({"a": 0.5, "b": 1.2}), mrr)
    with pytest.raises(rt.InputError, match=r"probabilities: account 'a': must be a probability"):
        mrr_at_risk(pd.Series({"a": np.nan, "b": 0.2}), mrr)
    with pytest.raises(rt.InputError, match=r"mrr: account 'b': must be a finite amount >= 0"):
        mrr_at_risk(p, pd.Series({"a": 100.0, "b": -5.0}))
    with pytest.raises(rt.InputError, match=r"mrr: account 'z' is not in probabilities"):
        mrr_at_risk(p, pd.Series({"a": 100.0, "b": 200.0, "z": 1.0}))
    with pytest.raises(rt.InputError, match=r"mrr: has no value for account 'b'"):
        mrr_at_risk(p, pd.Series({"a": 100.0}))
    with pytest.raises(rt.InputError, match=r"account 'a' appears more than once"):
        mrr_at_risk(pd.Series([0.1, 0.2], index=["a", "a"]), mrr)
    with pytest.raises(rt.InputError, match=r"by \(segment\): account 'b' has no group"):
        mrr_at_risk(p, mrr, by=pd.Series({"a": "smb", "b": None}, name="segment"))
    with pytest.raises(rt.InputError, match=r"by \(segment\): has no value for account 'b'"):
        mrr_at_risk(p, mrr, by=pd.Series({"a": "smb"}, name="segment"))
    for share in (0, 1.5, -0.2):
        with pytest.raises(rt.InputError, match="share: must be in"):
            mrr_at_risk(p, mrr, share=share)
    with pytest.raises(rt.InputError, match="share"):
        mrr_at_risk(p, mrr, share="half")
    with pytest.raises(TypeError, match="probabilities must be a pandas Series"):
        mrr_at_risk([0.5, 0.1], mrr)
    with pytest.raises(rt.InputError, match="mrr: must be numeric"):
        mrr_at_risk(p, pd.Series({"a": "100", "b": "200"}))
