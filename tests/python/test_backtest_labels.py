"""rt.label_churn, rt.snapshots and rt.backtest.time_splits: against plain pandas loops on random
data (churn-return-churn histories included), the no-look-ahead guarantee (rows planted after
every cutoff change nothing), cross-validation with scikit-learn, and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt

# rt.snapshots (loose DataFrames) is deprecated in favour of Book.snapshots; its behaviour is
# still tested here until it goes.
pytestmark = pytest.mark.filterwarnings("ignore:rt.snapshots is deprecated:FutureWarning")

DAY = pd.Timedelta(days=1)


# ----------------------------------------------------------------------------- random histories


def random_history(seed: int, n_accounts: int = 60, n_dates: int = 14):
    """Monthly snapshots of every account, and churn histories where an account may churn,
    return and churn again (returns sometimes on the churn day itself)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-01", periods=n_dates, freq="MS")
    snaps = pd.DataFrame(
        {
            "account_id": np.repeat(np.arange(n_accounts) * 7 + 3, n_dates),
            "as_of": np.tile(dates.to_numpy(), n_accounts),
        }
    )
    snaps["x"] = rng.normal(size=len(snaps))
    snaps = snaps.sample(frac=1, random_state=seed).reset_index(drop=True)
    snaps.index = snaps.index * 2 + 5  # a non-default index, to check it is kept
    rows = []
    start = dates[0] - pd.Timedelta(days=60)
    span = (dates[-1] - start).days + 60
    for acc in np.arange(n_accounts) * 7 + 3:
        day = int(rng.integers(0, span))
        while day < span and rng.random() < 0.7:
            churn = start + pd.Timedelta(days=day)
            if rng.random() < 0.6:
                back = int(rng.integers(0, 90))
                rows.append((acc, churn, churn + pd.Timedelta(days=back)))
                day += back + int(rng.integers(1, 200))
            else:
                rows.append((acc, churn, pd.NaT))
                break
    churns = pd.DataFrame(rows, columns=["account_id", "churned_at", "returned_at"])
    # Times of day must not matter: churns happen at some hour of their day.
    churns["churned_at"] += pd.to_timedelta(rng.integers(0, 86_400, len(churns)), "s")
    churns = churns.sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    return snaps, churns


def pandas_labels(snaps, churns, horizon, until):
    """The rules of label_churn, one row at a time."""
    c = churns.copy()
    c["cd"] = c["churned_at"].dt.floor("D")
    c["rd"] = c["returned_at"].dt.floor("D") if "returned_at" in c else pd.NaT
    labels, inactive, unresolved = {}, 0, 0
    for idx, row in snaps.iterrows():
        t = row["as_of"].floor("D")
        mine = c[c["account_id"] == row["account_id"]]
        gone = ((mine["cd"] <= t) & ~(mine["rd"] <= t)).any()
        if gone:
            inactive += 1
        elif t + horizon * DAY > until:
            unresolved += 1
        else:
            labels[idx] = int(((mine["cd"] > t) & (mine["cd"] <= t + horizon * DAY)).any())
    frame = snaps.loc[list(labels)].copy()
    frame["label"] = np.array(list(labels.values()), dtype=np.int8)
    return frame, {"inactive": inactive, "unresolved": unresolved}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("horizon", [30, 90])
def test_labels_match_pandas_on_churn_return_churn_histories(seed, horizon):
    snaps, churns = random_history(seed)
    assert churns.groupby("account_id").size().max() >= 2  # some accounts churn twice
    until = pd.Timestamp("2023-11-15")
    got = rt.label_churn(snaps, churns, horizon_days=horizon, observed_until=until)
    frame, dropped = pandas_labels(snaps, churns, horizon, until)
    pd.testing.assert_frame_equal(got.frame, frame)
    assert got.dropped == dropped
    assert got.frame["label"].sum() > 0
    assert got.horizon_days == horizon and got.observed_until == until


def test_observed_until_defaults_to_the_last_as_of_and_tz_aware_dates_are_utc_days():
    snaps, churns = random_history(5)
    got = rt.label_churn(snaps, churns, horizon_days=60)
    last = snaps["as_of"].max()
    frame, dropped = pandas_labels(snaps, churns, 60, last)
    pd.testing.assert_frame_equal(got.frame, frame)
    assert got.dropped == dropped and got.observed_until == last
    # The same instants in New York time: still the same UTC days.
    snaps_tz = snaps.assign(
        as_of=snaps["as_of"].dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    )
    churns_tz = churns.assign(
        churned_at=churns["churned_at"].dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    )
    tz = rt.label_churn(snaps_tz, churns_tz, horizon_days=60)
    np.testing.assert_array_equal(tz.frame["label"].to_numpy(), got.frame["label"].to_numpy())
    assert tz.dropped == got.dropped


def test_labels_worked_by_hand():
    snaps = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "b"],
            "as_of": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01", "2024-03-01"]
            ),
            "health": [80.0, 40.0, 60.0, 90.0, 85.0],
        }
    )
    churns = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            # a churns on Jan 20, comes back on Feb 15, churns again on Mar 10.
            "churned_at": pd.to_datetime(["2024-01-20", "2024-03-10"]),
            "returned_at": pd.to_datetime(["2024-02-15", None]),
        }
    )
    got = rt.label_churn(snaps, churns, horizon_days=30, observed_until="2024-04-15")
    # a on Jan 1: churns Jan 20 -> 1. a on Feb 1: gone (back only Feb 15) -> inactive.
    # a on Mar 1: churns Mar 10 -> 1. b on Jan 1 -> 0. b on Mar 1: Mar 31 <= Apr 15 -> 0.
    assert got.frame.index.tolist() == [0, 2, 3, 4]
    assert got.frame["label"].tolist() == [1, 1, 0, 0]
    assert got.frame["label"].dtype == np.int8
    assert got.frame.columns.tolist() == ["account_id", "as_of", "health", "label"]
    assert got.dropped == {"inactive": 1, "unresolved": 0}
    assert repr(got) == (
        "ChurnLabels(rows=4, churned=2, churn_rate=0.5, horizon_days=30, "
        "observed_until=2024-04-15, dropped={'inactive': 1, 'unresolved': 0})"
    )
    # Observed only until Mar 20: the Mar 1 rows (horizon to Mar 31) are unresolved, even a's
    # whose churn on Mar 10 is already known.
    late = rt.label_churn(snaps, churns, horizon_days=30, observed_until="2024-03-20")
    assert late.frame.index.tolist() == [0, 3]
    assert late.dropped == {"inactive": 1, "unresolved": 2}
    # Without a returned_at column, a's first churn is for good.
    forever = rt.label_churn(
        snaps, churns.drop(columns="returned_at"), horizon_days=30, observed_until="2024-04-15"
    )
    assert forever.frame.index.tolist() == [0, 3, 4]
    assert forever.dropped == {"inactive": 2, "unresolved": 0}


def test_custom_column_names_and_an_empty_churn_table():
    snaps = pd.DataFrame({"acc": [1, 2], "as_of": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    churns = pd.DataFrame(
        {"acc": [2], "gone": pd.to_datetime(["2024-01-05"]), "back": pd.to_datetime([None])}
    )
    got = rt.label_churn(
        snaps, churns, 10, "2024-02-01", account="acc", churned_at="gone", returned_at="back"
    )
    assert got.frame["label"].tolist() == [0, 1]
    none = rt.label_churn(
        snaps,
        churns.iloc[:0],
        10,
        "2024-02-01",
        account="acc",
        churned_at="gone",
        returned_at="back",
    )
    assert none.frame["label"].tolist() == [0, 0]
    # as_of always means dates: the snapshot date column is "as_of", no keyword renames it.
    with pytest.raises(TypeError, match="as_of"):
        rt.label_churn(snaps, churns, 10, account="acc", as_of="day", churned_at="gone")
    with pytest.raises(TypeError, match="as_of"):
        rt.backtest.time_splits(snaps, as_of="day")
    with pytest.raises(rt.ColumnError, match="'as_of'"):
        rt.label_churn(
            snaps.rename(columns={"as_of": "day"}), churns, 10, account="acc", churned_at="gone"
        )


def bad_label_inputs():
    snaps = pd.DataFrame(
        {
            "account_id": [1, 2, 1],
            "as_of": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01"]),
        }
    )
    churns = pd.DataFrame(
        {
            "account_id": [1, 2],
            "churned_at": pd.to_datetime(["2024-03-01", "2024-01-10"]),
            "returned_at": pd.to_datetime([None, "2024-01-20"]),
        }
    )
    return snaps, churns


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            lambda s, c: (s.drop(columns="as_of"), c),
            rt.ColumnError,
            "the snapshots table has no column 'as_of'",
        ),
        (
            lambda s, c: (s, c.drop(columns="churned_at")),
            rt.ColumnError,
            "the churns table has no column 'churned_at'",
        ),
        (
            lambda s, c: (s.assign(as_of=s["as_of"].where(s.index != 2)), c),
            rt.InputError,
            "column 'as_of', row 2: missing date (NaT)",
        ),
        (
            lambda s, c: (s, c.assign(churned_at=c["churned_at"].where(c.index != 1))),
            rt.InputError,
            "column 'churned_at', row 1: missing date (NaT)",
        ),
        (
            lambda s, c: (s, c.assign(returned_at=pd.to_datetime([None, "2024-01-09"]))),
            rt.InputError,
            "column 'returned_at', row 1: returned on 2024-01-09, before churning on 2024-01-10",
        ),
        (
            lambda s, c: (
                s.assign(
                    as_of=pd.to_datetime(
                        ["2024-01-01 09:00", "2024-01-01 00:00", "2024-01-01 00:00"]
                    )
                ),
                c,
            ),
            rt.InputError,
            "column 'as_of', row 2: the account already has a snapshot on 2024-01-01 (row 0)",
        ),
        (
            lambda s, c: (s.assign(account_id=[1, None, 1]), c),
            rt.InputError,
            "column 'account_id', row 1: missing account id",
        ),
        (lambda s, c: (s.assign(label=1), c), rt.InputError, "already has a column 'label'"),
    ],
)
def test_bad_label_inputs_name_the_column_and_row(change, error, message):
    snaps, churns = change(*bad_label_inputs())
    with pytest.raises(error, match=pytest_escape(message)):
        rt.label_churn(snaps, churns, horizon_days=30)


@pytest.mark.parametrize("horizon", [-5, 0, 2.5, True])
def test_bad_horizons(horizon):
    snaps, churns = bad_label_inputs()
    with pytest.raises(rt.InputError, match="horizon_days: must be a whole number"):
        rt.label_churn(snaps, churns, horizon_days=horizon)


def pytest_escape(text: str) -> str:
    import re

    return re.escape(text)


# ------------------------------------------------------------------------------------ snapshots

AS_OF = pd.to_datetime(["2024-02-01", "2024-03-15", "2024-04-30"])


def random_tables(seed: int, n: int = 25):
    rng = np.random.default_rng(seed)
    ids = [f"acc{i}" for i in range(n)]
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "signed_at": pd.Timestamp("2023-10-01")
            + pd.to_timedelta(rng.integers(0, 200, n), "D")
            + pd.to_timedelta(rng.integers(0, 86_400, n), "s"),
        }
    )
    months = pd.period_range("2023-10", "2024-06", freq="M")
    mrr = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 300),
            "month": rng.choice(months, 300),
        }
    )
    mrr["mrr"] = rng.integers(0, 5, len(mrr)) * 100.0
    mrr["plan"] = mrr["account_id"].map(
        dict(zip(ids, rng.choice(["basic", "pro"], n), strict=True))
    )
    start = pd.Timestamp("2023-10-01")
    events = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 2000),
            "user_id": rng.integers(0, 60, 2000),
            "timestamp": start + pd.to_timedelta(rng.integers(0, 270 * 86_400, 2000), "s"),
            "feature": rng.choice(["reports", "alerts", "api"], 2000),
        }
    )
    surveys = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 80),
            "answered_at": start + pd.to_timedelta(rng.integers(0, 270 * 24, 80), "h"),
            "score": rng.integers(0, 11, 80),
        }
    )
    opened = start + pd.to_timedelta(rng.integers(0, 270, 150), "D")
    closed = opened + pd.to_timedelta(rng.integers(0, 40, 150), "D")
    tickets = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 150),
            "opened_at": opened,
            "closed_at": closed.where(rng.random(150) < 0.8),
        }
    )
    milestones = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 70),
            "milestone": rng.choice(["setup", "invite", "first_report"], 70),
            "reached_at": start + pd.to_timedelta(rng.integers(0, 270, 70), "D"),
        }
    )
    return dict(
        accounts=accounts,
        mrr=mrr,
        events=events,
        surveys=surveys,
        tickets=tickets,
        milestones=milestones,
    )


def pandas_snapshots(as_of, tables, lead_days=0, windows=(7, 30, 90)):
    """Each feature by its definition, one (account, date) at a time."""
    acc = tables["accounts"]
    out = []
    for q in sorted(pd.to_datetime(as_of)):
        cut = q.floor("D") - lead_days * DAY
        for _, a in acc.iterrows():
            signed = a["signed_at"].floor("D")
            if signed > cut:
                continue
            row = {"account_id": a["account_id"], "as_of": q, "tenure_days": (cut - signed).days}
            key = a["account_id"]
            row.update(pandas_usage(tables["events"], key, cut, windows))
            m = tables["mrr"]
            this = m[(m["account_id"] == key) & (m["month"] == cut.to_period("M"))]
            row["mrr"] = float(this["mrr"].sum())
            row["plan"] = this["plan"].iloc[0] if len(this) else np.nan
            s = tables["surveys"]
            s = s[(s["account_id"] == key) & (s["answered_at"].dt.floor("D") <= cut)]
            if len(s):
                last = s.sort_values(["answered_at", "score"]).iloc[-1]
                row["nps_score"] = float(last["score"])
                row["nps_age_days"] = float((cut - last["answered_at"].floor("D")).days)
            else:
                row["nps_score"] = row["nps_age_days"] = np.nan
            t = tables["tickets"]
            t = t[t["account_id"] == key]
            still_open = (t["opened_at"] <= cut) & ~(t["closed_at"] <= cut)
            row["open_tickets"] = int(still_open.sum())
            ms = tables["milestones"]
            ms = ms[(ms["account_id"] == key) & (ms["reached_at"] <= cut)]
            names = sorted(tables["milestones"]["milestone"].unique())
            row["milestones_reached"] = ms["milestone"].nunique()
            for name in names:
                row[f"reached_{name}"] = bool((ms["milestone"] == name).any())
            out.append(row)
    return pd.DataFrame(out)


def pandas_usage(events, key, cut, windows):
    """The usage columns of one account at one cutoff, by their definition (the docstring of
    rt.engagement.usage_features), with plain masks: the window of w days is the UTC days in
    (cut - w days, cut]; its trend divides by the count of the w days before it; recency is from
    the last event day on or before the cutoff."""
    mine = events[events["account_id"] == key]
    day = mine["timestamp"].dt.floor("D").to_numpy()
    user, feature = mine["user_id"].to_numpy(), mine["feature"].to_numpy()
    cut = cut.to_datetime64()
    row = {}
    for w in windows:
        width = np.timedelta64(w, "D")
        inside = (day > cut - width) & (day <= cut)
        earlier = int(((day > cut - 2 * width) & (day <= cut - width)).sum())
        row[f"events_{w}d"] = int(inside.sum())
        row[f"active_users_{w}d"] = len(set(user[inside]))
        row[f"active_days_{w}d"] = len(set(day[inside]))
        row[f"distinct_features_{w}d"] = len(set(feature[inside]))
        # NaN without events in the earlier window; 0 when only that one has events.
        row[f"trend_{w}d"] = inside.sum() / earlier if earlier else np.nan
    seen = day[day <= cut]
    row["days_since_last_event"] = float((cut - seen.max()) // DAY) if len(seen) else np.nan
    return row


def compare(got, expected):
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("lead_days", [0, 10])
def test_snapshots_match_pandas(seed, lead_days):
    tables = random_tables(seed)
    got = rt.snapshots(AS_OF[::-1], lead_days=lead_days, **tables)
    expected = pandas_snapshots(AS_OF, tables, lead_days)
    compare(got, expected)
    assert got["as_of"].is_monotonic_increasing
    assert got["plan"].notna().any() and got["nps_score"].notna().any()
    assert got["open_tickets"].sum() > 0 and got["milestones_reached"].sum() > 0
    # The usage cases are there: days with several events, weeks with no events before them.
    assert (got["active_days_90d"] < got["events_90d"]).any() and got["trend_7d"].isna().any()


def test_no_feature_moves_when_rows_are_planted_after_every_cutoff():
    tables = random_tables(3)
    before = rt.snapshots(AS_OF, **tables)
    after_last = AS_OF.max() + DAY  # the day after the last cutoff
    ids = tables["accounts"]["account_id"].tolist()
    rng = np.random.default_rng(9)
    later = after_last + pd.to_timedelta(rng.integers(0, 100 * 86_400, len(ids)), "s")
    planted = {
        # A new account signing later, and late rows for every existing account in every table.
        "accounts": pd.DataFrame({"account_id": ["late"], "signed_at": [after_last]}),
        "mrr": pd.DataFrame(
            {
                "account_id": ids,
                "month": pd.Period(after_last, "M") + 2,
                "mrr": 9_999.0,
                "plan": "enterprise",
            }
        ),
        "events": pd.DataFrame(
            {"account_id": ids, "user_id": 999, "timestamp": later, "feature": "new_feature"}
        ),
        "surveys": pd.DataFrame({"account_id": ids, "answered_at": later, "score": 0}),
        "tickets": pd.DataFrame({"account_id": ids, "opened_at": later, "closed_at": pd.NaT}),
        "milestones": pd.DataFrame({"account_id": ids, "milestone": "setup", "reached_at": later}),
    }
    mixed = {
        name: pd.concat([planted[name], table], ignore_index=True).sample(frac=1, random_state=4)
        for name, table in tables.items()
    }
    after = rt.snapshots(AS_OF, **mixed)
    # Same rows (the late account has none), same values; only the row order within a date
    # follows the accounts table, which was shuffled.
    key = ["as_of", "account_id"]
    compare(after.sort_values(key), before.sort_values(key))
    # A late row dated on the cutoff itself is read: the planting was what made no difference.
    on_cutoff = dict(
        tables,
        surveys=pd.concat(
            [
                tables["surveys"],
                pd.DataFrame(
                    {
                        "account_id": [ids[0]],
                        "answered_at": [AS_OF.max() + pd.Timedelta(hours=23)],
                        "score": [0],
                    }
                ),
            ],
            ignore_index=True,
        ),
    )
    moved = rt.snapshots(AS_OF, **on_cutoff)
    row = (moved["account_id"] == ids[0]) & (moved["as_of"] == AS_OF.max())
    if row.any():
        assert moved.loc[row, "nps_score"].item() == 0.0
        assert moved.loc[row, "nps_age_days"].item() == 0.0


def test_lead_days_shifts_the_cutoff():
    tables = random_tables(4)
    lead = rt.snapshots(AS_OF, lead_days=17, **tables)
    shifted = rt.snapshots(AS_OF - 17 * DAY, **tables)
    assert (lead["as_of"] - shifted["as_of"] == 17 * DAY).all()
    compare(lead.drop(columns="as_of"), shifted.drop(columns="as_of"))
    # And it does change things: the data of the last 17 days is not read.
    plain = rt.snapshots(AS_OF, **tables)
    assert not plain.drop(columns="as_of").equals(lead.drop(columns="as_of"))


def test_snapshots_worked_by_hand():
    accounts = pd.DataFrame(
        {"id": ["a", "b", "c"], "since": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-05-01"])}
    )
    mrr = pd.DataFrame(
        {
            "id": ["a", "a", "a", "b"],
            "m": ["2024-02", "2024-02", "2024-03", "2024-02"],
            "amount": [100.0, 50.0, 0.0, 80.0],
            "tier": ["pro", "pro", "pro", "basic"],
        }
    )
    surveys = pd.DataFrame(
        {
            "id": ["a", "a", "a"],
            "at": pd.to_datetime(["2024-01-15 10:00", "2024-01-20 09:00", "2024-01-20 09:00"]),
            "nps": [3, 9, 7],
        }
    )
    tickets = pd.DataFrame(
        {
            "id": ["a", "a", "b"],
            "opened": pd.to_datetime(["2024-01-05", "2024-02-20", "2024-02-25"]),
            "closed": pd.to_datetime(["2024-02-01", None, "2024-03-01"]),
        }
    )
    milestones = pd.DataFrame(
        {
            "id": ["a", "a", "b"],
            "name": ["setup", "setup", "setup"],
            "when": pd.to_datetime(["2024-01-10", "2024-01-12", "2024-03-05"]),
        }
    )
    got = rt.snapshots(
        ["2024-03-01", "2024-02-01"],
        accounts,
        mrr=mrr,
        surveys=surveys,
        tickets=tickets,
        milestones=milestones,
        account="id",
        signed_at="since",
        month="m",
        mrr_col="amount",
        plan="tier",
        answered_at="at",
        score="nps",
        opened_at="opened",
        closed_at="closed",
        milestone="name",
        reached_at="when",
    )
    assert got["id"].tolist() == ["a", "a", "b"]  # b signs on Feb 10, c after every date
    assert got["as_of"].tolist() == list(pd.to_datetime(["2024-02-01", "2024-03-01", "2024-03-01"]))
    assert got["tenure_days"].tolist() == [31, 60, 20]
    assert got["mrr"].tolist() == [150.0, 0.0, 0.0]  # Feb: two line items; Mar: 0; b: none in Mar
    assert got["plan"].iloc[:2].tolist() == ["pro", "pro"]  # a's March row says pro, at MRR 0
    assert got["plan"].isna().tolist() == [False, False, True]
    assert got["nps_score"].iloc[:2].tolist() == [9.0, 9.0]  # the same instant: the higher score
    assert got["nps_age_days"].iloc[:2].tolist() == [12.0, 41.0]  # Jan 20 to Feb 1, to Mar 1
    assert got[["nps_score", "nps_age_days"]].iloc[2].isna().all()
    # a on Feb 1: the Jan 5 ticket closed that day -> 0 open; Mar 1: the Feb 20 one -> 1.
    # b on Mar 1: opened Feb 25, closed Mar 1 -> 0.
    assert got["open_tickets"].tolist() == [0, 1, 0]
    assert got["milestones_reached"].tolist() == [1, 1, 0]
    assert got["reached_setup"].tolist() == [True, True, False]
    assert got.columns.tolist() == [
        "id",
        "as_of",
        "tenure_days",
        "mrr",
        "plan",
        "nps_score",
        "nps_age_days",
        "open_tickets",
        "milestones_reached",
        "reached_setup",
    ]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            lambda t: t.update(accounts=t["accounts"].drop(columns="signed_at")),
            rt.ColumnError,
            "the accounts table has no column 'signed_at'",
        ),
        (
            lambda t: t.update(tickets=t["tickets"].drop(columns="opened_at")),
            rt.ColumnError,
            "the ticket table has no column 'opened_at'",
        ),
        (
            lambda t: t.update(
                accounts=t["accounts"].assign(
                    signed_at=t["accounts"]["signed_at"].where(t["accounts"].index != 4)
                )
            ),
            rt.InputError,
            "column 'signed_at', row 4: missing date",
        ),
        (
            lambda t: t.update(
                tickets=t["tickets"].assign(
                    closed_at=t["tickets"]["opened_at"] - DAY * (t["tickets"].index == 7)
                )
            ),
            rt.InputError,
            "column 'closed_at', row 7: closed before it was opened",
        ),
        (
            lambda t: t.update(surveys=t["surveys"].assign(score=t["surveys"]["score"] + 0.5)),
            rt.InputError,
            "column 'score', row 0: an NPS answer must be a whole number 0-10",
        ),
        (
            lambda t: t.update(mrr=t["mrr"].assign(mrr=-t["mrr"]["mrr"] - 1)),
            rt.InputError,
            "column 'mrr', row 0: MRR must be a finite number >= 0",
        ),
    ],
)
def test_bad_snapshot_inputs(change, error, message):
    tables = random_tables(0)
    change(tables)
    with pytest.raises(error, match=pytest_escape(message)):
        rt.snapshots(AS_OF, **tables)


def test_snapshot_argument_errors():
    tables = random_tables(0)
    with pytest.raises(rt.InputError, match="as_of: the date 2024-02-01 is given twice"):
        rt.snapshots([AS_OF[0], AS_OF[1], AS_OF[0]], tables["accounts"])
    with pytest.raises(rt.InputError, match="lead_days: must be a whole number of days >= 0"):
        rt.snapshots(AS_OF, tables["accounts"], lead_days=-1)
    mrr = pd.DataFrame(
        {
            "account_id": ["acc1", "acc1"],
            "month": ["2024-02", "2024-02"],
            "mrr": [1.0, 2.0],
            "plan": ["basic", "pro"],
        }
    )
    with pytest.raises(
        rt.InputError,
        match=pytest_escape("column 'plan', row 1: account 'acc1' has two plans in month 2024-02"),
    ):
        rt.snapshots(AS_OF, tables["accounts"], mrr=mrr)


# --------------------------------------------------------------------------------------- splits


def panel(n_accounts=40, n_dates=12, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-01", periods=n_dates, freq="MS")
    frame = pd.DataFrame(
        {
            "account_id": np.repeat([f"acc{i}" for i in range(n_accounts)], n_dates),
            "as_of": np.tile(dates.to_numpy(), n_accounts),
        }
    )
    frame["x1"] = rng.normal(size=len(frame))
    frame["x2"] = rng.normal(size=len(frame))
    frame["label"] = (frame["x1"] + rng.normal(size=len(frame)) > 1).astype(np.int8)
    return frame


# Twelve month starts, Jan-Dec 2023; 12 // (3 + 1) = 3 dates per test block, the last three
# blocks oldest first: Apr-Jun, Jul-Sep, Oct-Dec. A fold trains on rows with as_of + gap_days <=
# its first test date d (2023 is no leap year: Feb 1 + 59 days = Apr 1):
# - gap 0: every date before d: up to Mar 1, Jun 1, Sep 1;
# - gap 45: Mar 1 + 45 = Apr 15 > Apr 1, Feb 1 + 45 = Mar 18 -> up to Feb 1; Jun 1 + 45 =
#   Jul 16 > Jul 1, May 1 + 45 = Jun 15 -> May 1; Sep 1 + 45 = Oct 16 > Oct 1, Aug 1 + 45 =
#   Sep 15 -> Aug 1;
# - gap 59: Feb 1 + 59 = Apr 1, on d itself, is kept -> Feb 1; May 1 + 59 = Jun 29 -> May 1;
#   Aug 1 + 59 = Sep 29 -> Aug 1;
# - gap 60: Feb 1 + 60 = Apr 2 > Apr 1 -> Jan 1; May 1 + 60 = Jun 30 -> May 1; Aug 1 + 60 =
#   Sep 30 -> Aug 1.
TEST_BLOCKS = [
    ("2023-04-01", "2023-06-01"),
    ("2023-07-01", "2023-09-01"),
    ("2023-10-01", "2023-12-01"),
]
LAST_TRAIN_DATE = {
    0: ["2023-03-01", "2023-06-01", "2023-09-01"],
    45: ["2023-02-01", "2023-05-01", "2023-08-01"],
    59: ["2023-02-01", "2023-05-01", "2023-08-01"],
    60: ["2023-01-01", "2023-05-01", "2023-08-01"],
}


def expected_folds(frame, gap_days, accounts, test_accounts=None):
    """The folds by the definition, from the dates above: (train, test) positions per fold.
    ``test_accounts[k]`` are the accounts of group k (``accounts="groups"``)."""
    folds = []
    for k, (lo, hi) in enumerate(TEST_BLOCKS):
        in_block = frame["as_of"].between(pd.Timestamp(lo), pd.Timestamp(hi))
        earlier = frame["as_of"] <= pd.Timestamp(LAST_TRAIN_DATE[gap_days][k])
        if accounts == "groups":
            mine = frame["account_id"].isin(test_accounts[k])
            test, train = in_block & mine, earlier & ~mine
        else:
            tested = frame["account_id"].isin(frame.loc[in_block, "account_id"])
            test, train = in_block, earlier & ~tested
        folds.append((np.flatnonzero(train.to_numpy()), np.flatnonzero(test.to_numpy())))
    return folds


@pytest.mark.parametrize("accounts", ["groups", "all"])
@pytest.mark.parametrize("gap_days", [0, 45, 59, 60])
def test_time_splits_are_the_folds_of_the_definition(accounts, gap_days):
    frame = panel()
    if accounts == "all":  # accounts that come and go: each is seen on 3 consecutive dates
        number = frame["account_id"].str[3:].astype(int)
        position = frame.groupby("account_id").cumcount()
        frame = frame[(position - number % 10).between(0, 2)].reset_index(drop=True)
    cv = rt.backtest.time_splits(frame, n_splits=3, gap_days=gap_days, accounts=accounts)
    assert cv.get_n_splits() == 3
    folds = list(cv.split(frame))
    groups = None
    if accounts == "groups":
        # The deal of accounts into groups is a seeded draw; read it off the test sets and check
        # that it is a deal: every account of the panel in exactly one group, the 40 accounts as
        # a permutation dealt into 3 groups gives them (14, 13, 13).
        groups = [set(frame.iloc[test]["account_id"]) for _, test in folds]
        assert sorted(map(len, groups), reverse=True) == [14, 13, 13]
        assert set().union(*groups) == set(frame["account_id"])
        assert sum(map(len, groups)) == frame["account_id"].nunique()
    expected = expected_folds(frame, gap_days, accounts, groups)
    for (train, test), (want_train, want_test) in zip(folds, expected, strict=True):
        assert train.dtype.kind == "i" and test.dtype.kind == "i"
        np.testing.assert_array_equal(np.sort(test), want_test)
        np.testing.assert_array_equal(np.sort(train), want_train)
    if accounts == "all":
        # Fold 0 by hand (test Apr-Jun = months 3-5, counting Jan as 0): accN is seen on months
        # s..s+2 with s = N % 10, four accounts per s. Tested: s in 1..5, with 1, 2, 3, 2 and 1
        # rows in Apr-Jun -> 4 x 9 = 36 test rows. Trained: untested accounts with rows by Mar 1,
        # only s = 0 (acc0, acc10, acc20, acc30, seen Jan-Mar), on the train months above.
        train, test = folds[0]
        assert len(test) == 36
        months = {0: 3, 45: 2, 59: 2, 60: 1}[gap_days]
        assert len(train) == 4 * months
        assert sorted(frame.iloc[train]["account_id"].unique()) == [
            "acc0",
            "acc10",
            "acc20",
            "acc30",
        ]


def test_time_splits_do_not_depend_on_row_order():
    frame = panel()
    shuffled = frame.sample(frac=1, random_state=1)
    a = rt.backtest.time_splits(frame)
    b = rt.backtest.time_splits(shuffled)
    for (tr_a, te_a), (tr_b, te_b) in zip(a.split(frame), b.split(shuffled), strict=True):
        pairs = lambda f, idx: set(map(tuple, f.iloc[idx][["account_id", "as_of"]].to_numpy()))  # noqa: E731
        assert pairs(frame, tr_a) == pairs(shuffled, tr_b)
        assert pairs(frame, te_a) == pairs(shuffled, te_b)


def test_time_splits_work_with_cross_val_score():
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_score

    assert sklearn.__version__
    frame = panel(n_accounts=120)
    cv = rt.backtest.time_splits(frame, n_splits=4, gap_days=30)
    X, y = frame[["x1", "x2"]], frame["label"]
    scores = cross_val_score(LogisticRegression(), X, y, cv=cv, scoring="roc_auc")
    # The same folds by hand: fit on the train positions, rank the test positions.
    by_hand = []
    for train, test in cv.split(frame):
        fitted = LogisticRegression().fit(X.iloc[train], y.iloc[train])
        by_hand.append(roc_auc_score(y.iloc[test], fitted.predict_proba(X.iloc[test])[:, 1]))
    np.testing.assert_allclose(scores, by_hand, rtol=1e-12)


def test_time_split_errors():
    frame = panel(n_dates=3)
    with pytest.raises(rt.InputError, match="3 splits need at least 4 distinct as-of dates, got 3"):
        rt.backtest.time_splits(frame, n_splits=3)
    with pytest.raises(rt.InputError, match="n_splits: must be a whole number >= 2"):
        rt.backtest.time_splits(frame, n_splits=1)
    with pytest.raises(rt.ColumnError, match="has no column 'as_of'"):
        rt.backtest.time_splits(frame.drop(columns="as_of"))
    cv = rt.backtest.time_splits(frame, n_splits=2, gap_days=400)
    with pytest.raises(rt.InputError, match=r"fold 0 .* has an empty train set"):
        list(cv.split(frame))
    with pytest.raises(rt.InputError, match="X: has 5 rows"):
        list(rt.backtest.time_splits(frame, n_splits=2).split(frame.iloc[:5]))
    assert repr(cv).startswith("TimeSplits(n_splits=2, gap_days=400")


@pytest.mark.filterwarnings("default")
def test_rt_snapshots_is_deprecated_for_book_snapshots():
    accounts = pd.DataFrame({"account_id": ["a"], "signed_at": pd.to_datetime(["2024-01-01"])})
    with pytest.warns(FutureWarning, match=r"book\.snapshots"):
        old = rt.snapshots(["2024-02-01"], accounts)
    new = rt.Book(accounts).snapshots(["2024-02-01"])
    assert old["tenure_days"].tolist() == new["tenure_days"].tolist() == [31]
