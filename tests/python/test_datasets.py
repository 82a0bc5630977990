"""rt.datasets: the synthetic business (a Book with every table) and writing a Book to a folder.

Oracles: pandas recomputes every property from the generated tables (MRR stops and restarts
with churns and returns, seasonality, lead time); scikit-learn's roc_auc_score recomputes the
backtest's pooled AUC from the Book's labels.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import retain as rt
from retain.book import CONTRACT

sklearn_metrics = pytest.importorskip("sklearn.metrics")

TABLES = ["accounts", "mrr", "events", "surveys", "tickets", "milestones", "churns", "activities"]


@pytest.fixture(scope="module")
def timed_default():
    started = time.perf_counter()
    book = rt.datasets.synthetic_saas()
    return book, time.perf_counter() - started


@pytest.fixture(scope="module")
def book(timed_default):
    return timed_default[0]


@pytest.fixture(scope="module")
def small():
    return rt.datasets.synthetic_saas(accounts=300, months=14, random_state=3)


def paid_months(book) -> pd.Series:
    """Net MRR per (account, month), from the line items."""
    mrr = book.table("mrr")
    return mrr.groupby(["account_id", mrr["period"].array.asi8])["mrr"].sum()


# ------------------------------------------------------------------------------ the default size


def test_default_size_is_quick_and_holds_every_table(timed_default):
    book, seconds = timed_default
    print(f"synthetic_saas() at the default size: {seconds:.2f} s")
    assert seconds < 10
    assert isinstance(book, rt.Book)
    assert book.tz == "UTC"
    assert book.tables == TABLES
    assert book.n_accounts == 5_000
    mrr = book.table("mrr")
    assert mrr["period"].min() == pd.Period("2023-01", "M")
    assert mrr["period"].max() == pd.Period("2025-12", "M")
    assert 1_000_000 < len(book.table("events")) < 5_000_000
    for name in TABLES:
        required, _ = CONTRACT[name]
        assert set(required) <= set(book.table(name).columns), name


def test_accounts_table(book):
    acc = book.table("accounts")
    assert acc["account_id"].is_unique
    assert acc["account_id"].str.fullmatch(r"ACC-\d{5}").all()
    assert acc["account_id"].iloc[0] == "ACC-00001"
    for column in ["plan", "industry", "region", "seats", "owner", "tier", "parent"]:
        assert column in acc.columns
    assert set(acc["plan"]) == {"starter", "growth", "business", "enterprise"}
    # Owners are people, each working one tier.
    assert acc["owner"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()
    assert (acc.groupby("owner")["tier"].nunique() == 1).all()
    # A few groups: parents are accounts of the Book, and most accounts have none.
    parents = acc["parent"].dropna()
    assert 0 < len(parents) < 0.05 * len(acc)
    assert parents.isin(acc["account_id"]).all()
    assert parents.nunique() < len(parents)
    # A third were customers before the data starts.
    before = (acc["signed_at"] < "2023-01-01").mean()
    assert 0.28 < before < 0.38


def test_mrr_line_items_move_in_every_way(book):
    mrr = book.table("mrr")
    assert set(mrr["product"]) == {"core", "addon", "credit"}
    assert (mrr.loc[mrr["product"] != "credit", "mrr"] >= 0).all()
    credits = mrr[mrr["product"] == "credit"]
    assert 0 < len(credits) < 0.01 * len(mrr)
    assert (credits["mrr"] < 0).all()
    net = paid_months(book)
    assert (net >= 0).all()  # a credit note never exceeds its month's bill
    # Downgrades to zero: a free plan's 0 line, paying again later.
    assert ((mrr["mrr"] == 0) & (mrr["plan"] == "free")).sum() > 0
    # The movements, recomputed with pandas from the net MRR per account and month.
    wide = net.unstack(fill_value=0.0)
    wide = wide.reindex(columns=range(wide.columns.min(), wide.columns.max() + 1), fill_value=0.0)
    prev, cur = wide.iloc[:, :-1].to_numpy(), wide.iloc[:, 1:].to_numpy()
    ever = np.maximum.accumulate(wide.to_numpy() > 0, axis=1)[:, :-1]
    expansion = ((prev > 0) & (cur > prev)).sum()
    contraction = ((cur > 0) & (cur < prev)).sum()
    reactivation = ((prev == 0) & (cur > 0) & ever).sum()
    churned = ((prev > 0) & (cur == 0)).sum()
    assert min(expansion, contraction, reactivation) > 200
    assert churned > 1_000
    mv = rt.kpi.mrr_movements(book)
    assert mv["expansion_accounts"].iloc[1:].sum() == expansion
    assert mv["contraction_accounts"].iloc[1:].sum() == contraction
    assert mv["reactivated_accounts"].iloc[1:].sum() == reactivation
    assert mv["churned_accounts"].iloc[1:].sum() == churned
    np.testing.assert_allclose(mv["ending_mrr"].to_numpy(), wide.sum().to_numpy(), rtol=1e-12)


def test_churns_agree_with_the_mrr(book):
    churns = book.table("churns")
    net = paid_months(book)
    paying = set(net[net > 0].index)
    first = pd.Period("2023-01", "M").ordinal
    last = pd.Period("2025-12", "M").ordinal
    assert set(churns["reason"]) == {
        "price",
        "product_fit",
        "budget",
        "competitor",
        "payment_failed",
    }
    np.testing.assert_array_equal(
        churns["kind"] == "involuntary", churns["reason"] == "payment_failed"
    )
    assert 0.05 < (churns["kind"] == "involuntary").mean() < 0.4
    returned = churns["returned_at"].notna()
    assert 0.05 * len(churns) < returned.sum() < 0.6 * len(churns)
    for row in churns.itertuples():
        m = pd.Period(row.churned_at, "M").ordinal
        # It paid the month before; it stops in the churn month or the next.
        assert m - 1 < first or (row.account_id, m - 1) in paying
        if m + 1 <= last:
            assert (row.account_id, m + 1) not in paying
        if row.churned_at.day <= 14:
            assert (row.account_id, m) not in paying
        if pd.notna(row.returned_at):
            back = pd.Period(row.returned_at, "M").ordinal
            assert row.returned_at > row.churned_at
            assert (row.account_id, back) in paying  # the MRR restarts on return
            assert (row.account_id, back - 1) not in paying


def test_events_surveys_tickets_milestones_activities(book):
    acc = book.table("accounts").set_index("account_id")
    events = book.table("events")
    # Weekly seasonality: a weekend day sees well under half a weekday's events.
    per_day = events["timestamp"].dt.dayofweek.value_counts()
    assert per_day.loc[[5, 6]].mean() < 0.5 * per_day.loc[[0, 1, 2, 3, 4]].mean()
    # A feature mix per plan: the API is an enterprise habit, SSO absent on starter.
    plan = acc.loc[events["account_id"], "plan"].to_numpy()
    mix = pd.crosstab(plan, events["feature"].to_numpy(), normalize="index")
    assert mix.loc["enterprise", "api"] > 2 * mix.loc["starter", "api"]
    assert mix.loc["starter"].get("sso", 0.0) == 0.0
    assert events.groupby("account_id")["user_id"].nunique().max() > 10

    surveys = book.table("surveys")
    nps = surveys.loc[surveys["kind"] == "nps", "score"]
    csat = surveys.loc[surveys["kind"] == "csat", "score"]
    assert len(nps) > 1_000 and len(csat) > 1_000
    assert nps.between(0, 10).all() and (nps == nps.round()).all() and nps.nunique() == 11
    assert csat.between(1, 5).all() and (csat == csat.round()).all()

    tickets = book.table("tickets")
    closed = tickets["closed_at"].notna()
    assert (tickets.loc[closed, "closed_at"] > tickets.loc[closed, "opened_at"]).all()
    assert 0 < (~closed).sum() < 0.1 * len(tickets)  # some still open at the end

    ms = book.table("milestones")
    signed = acc.loc[ms["account_id"], "signed_at"].to_numpy()
    assert (ms["reached_at"].to_numpy() > signed).all()
    onboarded = set(ms.loc[ms["milestone"] == "onboarded", "account_id"])
    started = set(ms.loc[ms["milestone"] == "kickoff", "account_id"])
    assert onboarded < started
    assert 0.05 < 1 - len(onboarded) / len(started) < 0.5  # some never finish onboarding

    act = book.table("activities")
    assert set(act["type"]) == {"call", "email", "meeting", "qbr", "note"}
    np.testing.assert_array_equal(act["owner"], acc.loc[act["account_id"], "owner"])
    assert book.internal_activity_types == ["note"]
    per_account = (
        act.groupby(acc.loc[act["account_id"], "tier"].to_numpy()).size()
        / acc["tier"].value_counts()
    )
    assert per_account["strategic"] > per_account["scale"] > per_account["tech_touch"]


def test_usage_and_nps_fall_before_a_voluntary_churn(book):
    """The lead time: churners' usage drops over the months before they leave, and their NPS
    is below that of accounts that never churn."""
    churns = book.table("churns")
    events = book.table("events")
    month = events["timestamp"].dt.to_period("M").array.asi8
    counts = events.groupby(["account_id", month]).size()
    vol = churns[(churns["kind"] == "voluntary") & (churns["churned_at"] >= "2023-10-01")]
    ratios = []
    for row in vol.drop_duplicates("account_id").itertuples():
        m = pd.Period(row.churned_at, "M").ordinal
        early = counts.get((row.account_id, m - 7), 0) + counts.get((row.account_id, m - 6), 0)
        late = counts.get((row.account_id, m - 2), 0) + counts.get((row.account_id, m - 1), 0)
        if early > 0:
            ratios.append(late / early)
    assert len(ratios) > 300
    assert np.median(ratios) < 0.8

    surveys = book.table("surveys")
    nps = surveys[surveys["kind"] == "nps"]
    churner = nps["account_id"].isin(churns["account_id"])
    assert nps.loc[churner, "score"].mean() < nps.loc[~churner, "score"].mean() - 0.5


# ------------------------------------------------------------------------ health drives churn


def sensible_risk(f: pd.DataFrame) -> pd.Series:
    """Usage per simulated seat, NPS, open tickets, onboarding and CSM touch, by hand."""
    capacity = np.minimum(f["seats"], 25).clip(lower=1)
    health = (
        np.log1p(f["events_30d"] / capacity)
        + f["active_users_30d"] / capacity
        + 0.15 * (f["nps_score"].fillna(7.5) - 7.5)
        - 0.3 * f["open_tickets"]
        + 0.1 * f["milestones_reached"]
        - 0.002 * f["days_since_touch"].fillna(180)
    )
    return -health


AS_OF = pd.date_range("2024-12-01", periods=12, freq="MS")  # the last year, 90 days observed


@pytest.mark.parametrize(
    "risk, lo, hi",
    [
        (sensible_risk, 0.70, 0.90),
        (lambda f: -f["seats"].astype(float), 0.0, 0.62),
        (lambda f: f["seats"].astype(float), 0.0, 0.62),
        (lambda f: -f["tenure_days"].astype(float), 0.0, 0.62),
        (lambda f: f["tenure_days"].astype(float), 0.0, 0.62),
    ],
    ids=["sensible", "seats", "fewer_seats", "tenure", "new_accounts"],
)
def test_a_sensible_health_model_foresees_churn_and_a_poor_one_does_not(book, risk, lo, hi):
    result = rt.backtest(risk, book, as_of=AS_OF, horizon_days=90, observed_until="2025-12-31")
    auc = result.pooled["roc_auc"]
    print(f"pooled 90-day ROC AUC: {auc:.3f}")
    assert lo <= auc <= hi
    # The same AUC from scikit-learn on the Book's labels.
    labelled = book.labels(book.snapshots(AS_OF), 90, observed_until="2025-12-31").frame
    expected = sklearn_metrics.roc_auc_score(labelled["label"], risk(labelled))
    assert auc == pytest.approx(expected, abs=1e-9)
    assert int(result.pooled["churners"]) == labelled["label"].sum() > 500


# --------------------------------------------------------------------------- determinism, input


def test_the_same_arguments_give_identical_tables():
    a = rt.datasets.synthetic_saas(accounts=400, months=12, random_state=11, start="2022-05")
    b = rt.datasets.synthetic_saas(accounts=400, months=12, random_state=11, start="2022-05")
    c = rt.datasets.synthetic_saas(accounts=400, months=12, random_state=12, start="2022-05")
    for name in TABLES:
        pd.testing.assert_frame_equal(a.table(name), b.table(name))
    assert not a.table("events").equals(c.table("events"))
    assert a.table("mrr")["period"].min() == pd.Period("2022-05", "M")


def test_the_smallest_business():
    book = rt.datasets.synthetic_saas(accounts=1, months=2, random_state=4)
    assert book.n_accounts == 1
    assert book.table("accounts")["account_id"].tolist() == ["ACC-00001"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"accounts": 0}, "accounts"),
        ({"accounts": 2.5}, "accounts"),
        ({"months": 1}, "months"),
        ({"months": "12"}, "months"),
        ({"random_state": -1}, "random_state"),
        ({"random_state": 1.5}, "random_state"),
        ({"random_state": True}, "random_state"),
        ({"random_state": "seed"}, "random_state"),
        ({"start": "not a month"}, "start"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(rt.InputError, match=match):
        rt.datasets.synthetic_saas(**{"accounts": 10, "months": 3, **kwargs})


# ------------------------------------------------------------------------------------ write


def as_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain Python text (a read Book keeps text in Arrow, a made one in
    objects), so frames compare by value."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (
            pd.api.types.is_numeric_dtype(values.dtype)
            or pd.api.types.is_datetime64_any_dtype(values.dtype)
        ) or isinstance(values.dtype, pd.CategoricalDtype):
            out[column] = [None if pd.isna(v) else str(v) for v in values]
    return out


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_write_then_read_gives_the_same_book(small, tmp_path, format):
    folder = tmp_path / "exports"
    assert rt.datasets.write(small, folder, format=format) == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.{format}" for t in TABLES)
    raw = (
        pd.read_csv(folder / f"mrr.{format}")
        if format == "csv"
        else pd.read_parquet(folder / f"mrr.{format}")
    )
    assert list(raw.columns) == ["account_id", "period", "product", "plan", "mrr"]
    assert raw["period"].astype(str).iloc[0] == str(small.table("mrr")["period"].iloc[0])
    assert len(raw) == len(small.table("mrr"))

    back = rt.Book.read(folder, internal_activity_types=["note"])
    assert back.tables == small.tables
    pd.testing.assert_frame_equal(rt.kpi.mrr_movements(back), rt.kpi.mrr_movements(small))
    pd.testing.assert_frame_equal(rt.kpi.churn_reasons(back), rt.kpi.churn_reasons(small))
    dates = ["2023-04-01", "2023-09-15", "2023-12-31"]
    snaps, snaps_back = small.snapshots(dates), back.snapshots(dates)
    assert len(snaps) > 300
    pd.testing.assert_frame_equal(as_values(snaps_back), as_values(snaps))
    labels = small.labels(snaps, 90, observed_until="2024-02-29").frame
    labels_back = back.labels(snaps_back, 90, observed_until="2024-02-29").frame
    pd.testing.assert_frame_equal(as_values(labels_back), as_values(labels))
    assert labels["label"].sum() > 5
    for name in TABLES:
        assert len(back.table(name)) == len(small.table(name)), name


def test_write_refuses_to_overwrite_tables_and_leaves_nothing_half_written(
    small, tmp_path, monkeypatch
):
    folder = tmp_path / "exports"
    rt.datasets.write(small, folder)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    with pytest.raises(rt.InputError, match=r"folder: .* already holds .*overwrite=True"):
        rt.datasets.write(small, folder, format="parquet")
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before

    # overwrite=True replaces the tables, in another format too, and keeps other files.
    (folder / "notes.txt").write_text("mine")
    rt.datasets.write(small, folder, format="parquet", overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["notes.txt"]
    )

    # A failure midway leaves no folder and no staging files behind.
    import retain.datasets as datasets

    real = datasets._write_table

    def failing(frame, path, format):
        if path.stem == "events":
            raise OSError("disk full")
        real(frame, path, format)

    monkeypatch.setattr(datasets, "_write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        rt.datasets.write(small, tmp_path / "fresh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_write_bad_arguments(small, tmp_path):
    with pytest.raises(rt.InputError, match="format: must be 'csv' or 'parquet', got 'xlsx'"):
        rt.datasets.write(small, tmp_path / "x", format="xlsx")
    file = tmp_path / "a_file"
    file.write_text("")
    with pytest.raises(rt.InputError, match=r"folder: .* is a file"):
        rt.datasets.write(small, file)
    with pytest.raises(TypeError, match=r"retain\.Book"):
        rt.datasets.write(small.table("mrr"), tmp_path / "y")
    mixed = rt.Book(
        pd.DataFrame({"account_id": [1, 2], "signed_at": ["2024-01-01"] * 2, "note": [1, "one"]})
    )
    with pytest.raises(rt.InputError, match="table 'accounts': cannot write it"):
        rt.datasets.write(mixed, tmp_path / "z")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
