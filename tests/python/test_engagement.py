"""retain.engagement against straightforward pandas implementations on seeded random, unsorted
logs, the point-in-time guarantee (planted future events change nothing), and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt

FEATURES = ["search", "export", "share", "report", "api", "admin"]


def random_log(seed: int, n: int = 1500, n_accounts: int = 12, features: bool = True):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01").value
    span = 200 * 86_400 * 10**9
    stamps = start + rng.integers(0, span, n)
    log = pd.DataFrame(
        {
            "account_id": [f"acc{k}" for k in rng.integers(0, n_accounts, n)],
            "user_id": rng.integers(0, 40, n),
            "timestamp": pd.to_datetime(stamps),
        }
    )
    if features:
        log["feature"] = rng.choice(FEATURES, n)
    return log


def pandas_usage_features(events, as_of, windows, accounts):
    """Filter per as-of date and window, then count, nunique: the idiomatic way."""
    ev = events.assign(day=events["timestamp"].dt.floor("D"))
    has_feature = "feature" in events.columns
    rows = []
    for a in accounts:
        mine = ev[ev["account_id"] == a]
        for q in as_of:
            q = pd.Timestamp(q)
            upto = mine[mine["day"] <= q]
            row = {"account_id": a, "as_of": q}
            for w in windows:
                win = upto[upto["day"] > q - pd.Timedelta(days=w)]
                before = upto[
                    (upto["day"] > q - pd.Timedelta(days=2 * w))
                    & (upto["day"] <= q - pd.Timedelta(days=w))
                ]
                row[f"events_{w}d"] = len(win)
                row[f"active_users_{w}d"] = win["user_id"].nunique()
                row[f"active_days_{w}d"] = win["day"].nunique()
                if has_feature:
                    row[f"distinct_features_{w}d"] = win["feature"].nunique()
                row[f"trend_{w}d"] = len(win) / len(before) if len(before) else np.nan
            row["days_since_last_event"] = (
                float((q - upto["day"].max()).days) if len(upto) else np.nan
            )
            rows.append(row)
    return pd.DataFrame(rows)


AS_OF = ["2024-02-15", "2024-01-03", "2024-05-31", "2024-07-20", "2023-12-01"]


@pytest.mark.parametrize("seed", range(5))
def test_usage_features_equal_pandas(seed):
    log = random_log(seed, features=seed % 2 == 0)
    windows = (7, 30, 90) if seed < 3 else (1, 14)
    got = rt.engagement.usage_features(log, as_of=AS_OF, windows=windows)
    accounts = pd.unique(log["account_id"])
    expected = pandas_usage_features(log, AS_OF, windows, accounts)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["as_of"].dtype == np.dtype("datetime64[ns]")
    assert got["events_" + str(windows[0]) + "d"].dtype == np.int64


def test_the_as_of_day_includes_all_its_events_and_a_time_of_day_is_dropped():
    log = pd.DataFrame(
        {
            "account_id": ["a", "a", "a"],
            "user_id": [1, 2, 1],
            "timestamp": pd.to_datetime(
                ["2024-03-31 23:59:59", "2024-03-31 00:00:00", "2024-04-01 00:00:00"]
            ),
        }
    )
    for as_of in ["2024-03-31", "2024-03-31 08:00"]:
        f = rt.engagement.usage_features(log, as_of=as_of, windows=[1])
        assert f.loc[0, "events_1d"] == 2
        assert f.loc[0, "active_users_1d"] == 2
        assert f.loc[0, "days_since_last_event"] == 0.0
        assert f.loc[0, "as_of"] == pd.Timestamp("2024-03-31")


def test_future_events_never_change_a_row():
    log = random_log(7)
    as_of = ["2024-03-01", "2024-04-15"]
    before = rt.engagement.usage_features(log, as_of=as_of)
    rng = np.random.default_rng(1)
    n = 3000
    # Future events for every account, new users and features, from the day after each as-of
    # date on: the rows of that date must not move.
    for q in as_of:
        day_after = pd.Timestamp(q) + pd.Timedelta(days=1)
        future = pd.DataFrame(
            {
                "account_id": rng.choice(log["account_id"].unique(), n),
                "user_id": rng.integers(1000, 2000, n),
                "timestamp": day_after + pd.to_timedelta(rng.integers(0, 400 * 86_400, n), "s"),
                "feature": rng.choice(["new1", "new2"], n),
            }
        )
        mixed = pd.concat([future, log], ignore_index=True).sample(frac=1, random_state=3)
        after = rt.engagement.usage_features(mixed, as_of=as_of)
        key = ["account_id", "as_of"]
        rows = before["as_of"] == pd.Timestamp(q)
        pd.testing.assert_frame_equal(
            after[after["as_of"] == pd.Timestamp(q)].sort_values(key).reset_index(drop=True),
            before[rows].sort_values(key).reset_index(drop=True),
        )


def test_accounts_fix_the_rows_and_their_order():
    log = random_log(3)
    accounts = ["acc5", "nobody", "acc1"]
    got = rt.engagement.usage_features(log, as_of=AS_OF[:2], windows=[30], accounts=accounts)
    assert got["account_id"].tolist() == [a for a in accounts for _ in range(2)]
    expected = pandas_usage_features(log, AS_OF[:2], [30], accounts)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    frame = pd.DataFrame({"account_id": accounts})
    same = rt.engagement.usage_features(log, as_of=AS_OF[:2], windows=[30], accounts=frame)
    pd.testing.assert_frame_equal(same, got)
    assert np.isnan(got.loc[2, "days_since_last_event"])  # "nobody" has no events


def test_column_names_ints_and_tz_aware_timestamps_in_utc():
    log = random_log(4).rename(
        columns={"account_id": "acct", "user_id": "who", "timestamp": "ts", "feature": "f"}
    )
    log["acct"] = log["acct"].str[3:].astype(int)
    naive = rt.engagement.usage_features(
        log, as_of=AS_OF, account="acct", user="who", timestamp="ts", feature="f"
    )
    assert naive.columns[0] == "acct"
    aware = log.assign(ts=log["ts"].dt.tz_localize("UTC").dt.tz_convert("America/New_York"))
    got = rt.engagement.usage_features(
        aware, as_of=AS_OF, account="acct", user="who", timestamp="ts", feature="f"
    )
    pd.testing.assert_frame_equal(got, naive)
    seconds = log.assign(ts=log["ts"].astype("datetime64[s]"))
    got = rt.engagement.usage_features(
        seconds, as_of=AS_OF, account="acct", user="who", timestamp="ts", feature="f"
    )
    pd.testing.assert_frame_equal(got, naive)


def test_an_empty_log_gives_documented_results():
    empty = random_log(0).iloc[:0]
    f = rt.engagement.usage_features(empty, as_of="2024-01-31")
    assert len(f) == 0
    assert "events_7d" in f.columns
    f = rt.engagement.usage_features(empty, as_of="2024-01-31", accounts=["a"])
    assert f.loc[0, "events_30d"] == 0
    assert np.isnan(f.loc[0, "trend_30d"])
    assert np.isnan(f.loc[0, "days_since_last_event"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(timestamp=d["timestamp"].mask(d.index == 4)), "'timestamp', row 4"),
        (lambda d: d.assign(user_id=d["user_id"].astype(float).mask(d.index == 2)), "row 2"),
        (lambda d: d.assign(account_id=d["account_id"].mask(d.index == 6)), "'account_id', row 6"),
        (lambda d: d.assign(feature=d["feature"].mask(d.index == 3)), "'feature', row 3"),
        (
            lambda d: d.assign(timestamp=d["timestamp"].astype(str).mask(d.index == 2, "31/02/24")),
            "column 'timestamp', row 2: cannot read '31/02/24' as a date",
        ),
    ],
    ids=["NaT", "missing-user", "missing-account", "missing-feature", "unreadable-text"],
)
def test_bad_rows_are_named(change, message):
    with pytest.raises(rt.InputError, match=message):
        rt.engagement.usage_features(change(random_log(1)), as_of="2024-03-01")


@pytest.mark.parametrize("windows", [[0], [-7], [7, 7], [1.5], [], ["7"]])
def test_bad_windows(windows):
    with pytest.raises(rt.InputError, match="window"):
        rt.engagement.usage_features(random_log(1), as_of="2024-03-01", windows=windows)


def test_bad_arguments():
    log = random_log(1)
    with pytest.raises(rt.InputError, match="as_of"):
        rt.engagement.usage_features(log, as_of=["2024-03-01", None])
    with pytest.raises(rt.ColumnError, match="'who'"):
        rt.engagement.usage_features(log, as_of="2024-03-01", user="who")
    with pytest.raises(rt.ColumnError, match="'kind'"):
        rt.engagement.usage_features(log, as_of="2024-03-01", feature="kind")
    with pytest.raises(rt.InputError, match="listed twice"):
        rt.engagement.usage_features(log, as_of="2024-03-01", accounts=["acc1", "acc1"])
    with pytest.raises(TypeError, match="DataFrame"):
        rt.engagement.usage_features(log.to_numpy(), as_of="2024-03-01")


# ---------------------------------------------------------------------------------------------
# active users, stickiness


def pandas_active_users(log, freq, by_account=False):
    day = log["timestamp"].dt.floor("D")
    if freq == "D":
        period = day
    elif freq == "W":
        period = day - pd.to_timedelta(day.dt.weekday, unit="D")
    else:
        period = log["timestamp"].dt.to_period("M")
    keys = [log["account_id"], period.rename("period")] if by_account else [period.rename("period")]
    counts = log.groupby(keys, sort=True)["user_id"].nunique()
    if by_account:
        return counts
    if freq == "M":
        full = pd.period_range(counts.index.min(), counts.index.max(), freq="M", name="period")
    else:
        step = "7D" if freq == "W" else "D"
        full = pd.date_range(counts.index.min(), counts.index.max(), freq=step, name="period")
    return counts.reindex(full, fill_value=0)


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("seed", range(3))
def test_active_users_equal_pandas(seed, freq):
    log = random_log(seed, n=800)
    got = rt.engagement.active_users(log, freq=freq)
    expected = pandas_active_users(log, freq)
    pd.testing.assert_series_equal(
        got, expected.rename("active_users"), check_dtype=False, check_freq=False
    )
    if freq == "W":
        assert (got.index.weekday == 0).all()  # labelled by Mondays
    by = rt.engagement.active_users(log, freq=freq, by_account=True)
    expected = pandas_active_users(log, freq, by_account=True).rename("active_users")
    pd.testing.assert_series_equal(by.sort_index(), expected, check_dtype=False)


def test_active_users_count_a_user_once_across_accounts():
    log = pd.DataFrame(
        {
            "account_id": ["a", "b", "a"],
            "user_id": [7, 7, 8],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-03 00:00"]
            ),
        }
    )
    dau = rt.engagement.active_users(log)
    assert dau.tolist() == [1, 0, 1]
    assert dau.index[0] == pd.Timestamp("2024-01-01")
    assert rt.engagement.active_users(log, freq="M").tolist() == [2]
    assert rt.engagement.active_users(log, by_account=True).tolist() == [1, 1, 1]
    with pytest.raises(rt.InputError, match="freq"):
        rt.engagement.active_users(log, freq="Q")
    assert len(rt.engagement.active_users(log.iloc[:0])) == 0


def pandas_stickiness(log):
    day = log["timestamp"].dt.floor("D")
    month = log["timestamp"].dt.to_period("M")
    dau = log.groupby(day)["user_id"].nunique()
    months = pd.period_range(month.min(), month.max(), freq="M", name="period")
    dau_sum = dau.groupby(dau.index.to_period("M")).sum().reindex(months, fill_value=0)
    mean_dau = dau_sum / months.days_in_month
    mau = log.groupby(month)["user_id"].nunique().reindex(months, fill_value=0)
    return pd.DataFrame(
        {"mean_dau": mean_dau, "mau": mau, "stickiness": (mean_dau / mau).where(mau > 0)},
        index=months,
    )


@pytest.mark.parametrize("seed", range(3))
def test_stickiness_equals_pandas(seed):
    log = random_log(seed, n=600)
    log = log[log["timestamp"].dt.month != 3]  # a month without events in the middle: NaN
    got = rt.engagement.stickiness(log)
    pd.testing.assert_frame_equal(got, pandas_stickiness(log), check_dtype=False)
    assert np.isnan(got.loc[pd.Period("2024-03", "M"), "stickiness"])


def test_stickiness_by_hand():
    # February 2024 (29 days): user 1 on the 1st and 2nd, user 2 on the 2nd: DAU 1 + 2 = 3.
    log = pd.DataFrame(
        {
            "account_id": ["a"] * 3,
            "user_id": [1, 1, 2],
            "timestamp": pd.to_datetime(
                ["2024-02-01 00:00", "2024-02-02 00:00", "2024-02-02 23:00"]
            ),
        }
    )
    got = rt.engagement.stickiness(log)
    assert got["stickiness"].tolist() == pytest.approx([3 / 29 / 2])


def pandas_stickiness_by_account(log):
    """Per (account, month): distinct (day, user) pairs over the month's days, over distinct
    users; only pairs with events, sorted by account id then month."""
    frame = log.assign(
        day=log["timestamp"].dt.floor("D"), period=log["timestamp"].dt.to_period("M")
    )
    keys = ["account_id", "period"]
    dau_sum = frame.groupby([*keys, "day"])["user_id"].nunique().groupby(level=keys).sum()
    mau = frame.groupby(keys)["user_id"].nunique()
    days = mau.index.get_level_values("period").days_in_month.to_numpy()
    mean_dau = dau_sum / days
    return pd.DataFrame({"mean_dau": mean_dau, "mau": mau, "stickiness": mean_dau / mau})


@pytest.mark.parametrize("seed", range(3))
def test_stickiness_by_account_equals_pandas(seed):
    log = random_log(seed, n=600)
    log = log[log["timestamp"].dt.month != 3]
    got = rt.engagement.stickiness(log, by_account=True)
    assert got.index.names == ["account_id", "period"]
    # Accounts in order of first appearance, then months.
    first_seen = {a: k for k, a in enumerate(pd.unique(log["account_id"]))}
    order = [(first_seen[a], p) for a, p in got.index]
    assert order == sorted(order)
    expected = pandas_stickiness_by_account(log)
    pd.testing.assert_frame_equal(got.sort_index(), expected, check_dtype=False)
    assert ((got["stickiness"] > 0) & (got["stickiness"] <= 1)).all()


def test_stickiness_counts_a_user_once_a_day_across_accounts_but_in_each_account():
    # User 7 in accounts a and b on 2024-01-01: overall DAU 1 that day, 1 in each account.
    log = pd.DataFrame(
        {
            "account_id": ["a", "b", "a", "a"],
            "user_id": [7, 7, 8, 8],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-03 00:00", "2024-01-03 12:00"]
            ),
        }
    )
    overall = rt.engagement.stickiness(log)
    assert overall["mean_dau"].tolist() == pytest.approx([2 / 31])
    assert overall["mau"].tolist() == [2]
    by = rt.engagement.stickiness(log, by_account=True)
    assert by.index.tolist() == [("a", pd.Period("2024-01", "M")), ("b", pd.Period("2024-01", "M"))]
    assert by["mean_dau"].tolist() == pytest.approx([2 / 31, 1 / 31])
    assert by["mau"].tolist() == [2, 1]
    assert by["stickiness"].tolist() == pytest.approx([1 / 31, 1 / 31])
    assert len(rt.engagement.stickiness(log.iloc[:0])) == 0
    assert len(rt.engagement.stickiness(log.iloc[:0], by_account=True)) == 0


# ---------------------------------------------------------------------------------------------
# feature adoption, seat utilization


def pandas_feature_adoption(log, as_of, window, level):
    q = pd.Timestamp(as_of)
    day = log["timestamp"].dt.floor("D")
    win = log[(day <= q) & (day > q - pd.Timedelta(days=window))]
    unit = "account_id" if level == "account" else "user_id"
    adopters = win.groupby("feature")[unit].nunique()
    features = pd.Index(pd.unique(log["feature"]), name="feature")
    adopters = adopters.reindex(features, fill_value=0)
    active = win[unit].nunique()
    return pd.DataFrame(
        {
            "adopters": adopters,
            "active": active,
            "adoption": adopters / active if active else np.nan,
        },
        index=features,
    )


@pytest.mark.parametrize("level", ["account", "user"])
@pytest.mark.parametrize("seed", range(3))
def test_feature_adoption_equals_pandas(seed, level):
    log = random_log(seed, n=400)
    for as_of, window in [("2024-03-15", 30), ("2024-06-01", 7), ("2023-12-31", 30)]:
        got = rt.engagement.feature_adoption(log, as_of=as_of, window_days=window, level=level)
        expected = pandas_feature_adoption(log, as_of, window, level)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_feature_adoption_bad_inputs():
    log = random_log(1)
    with pytest.raises(rt.ColumnError, match="'feature'"):
        rt.engagement.feature_adoption(log.drop(columns="feature"), as_of="2024-03-01")
    with pytest.raises(rt.InputError, match="window_days"):
        rt.engagement.feature_adoption(log, as_of="2024-03-01", window_days=0)
    with pytest.raises(rt.InputError, match="level"):
        rt.engagement.feature_adoption(log, as_of="2024-03-01", level="team")
    with pytest.raises(rt.InputError, match="one date"):
        rt.engagement.feature_adoption(log, as_of=["2024-03-01", "2024-04-01"])
    empty = rt.engagement.feature_adoption(log.iloc[:0], as_of="2024-03-01")
    assert len(empty) == 0


def test_seat_utilization_equals_pandas_and_takes_a_series():
    log = random_log(2)
    seats = pd.DataFrame({"account_id": [f"acc{k}" for k in range(12)] + ["new"], "seats": 20})
    seats.loc[3, "seats"] = 5
    got = rt.engagement.seat_utilization(log, seats, as_of="2024-04-30", window_days=30)
    q = pd.Timestamp("2024-04-30")
    day = log["timestamp"].dt.floor("D")
    win = log[(day <= q) & (day > q - pd.Timedelta(days=30))]
    active = win.groupby("account_id")["user_id"].nunique()
    active = active.reindex(seats["account_id"], fill_value=0).to_numpy()
    assert got["account_id"].tolist() == seats["account_id"].tolist()
    assert got["active_users"].tolist() == active.tolist()
    np.testing.assert_allclose(got["utilization"], active / seats["seats"].to_numpy())
    assert got.loc[12, "active_users"] == 0  # an account without events
    series = seats.set_index("account_id")["seats"]
    same = rt.engagement.seat_utilization(log, series, as_of="2024-04-30", window_days=30)
    pd.testing.assert_frame_equal(same, got)
    # Accounts left out of the seats table are left out of the result, whatever their events.
    some = seats.iloc[[5, 3, 12]].reset_index(drop=True)
    part = rt.engagement.seat_utilization(log, some, as_of="2024-04-30", window_days=30)
    pd.testing.assert_frame_equal(part, got.iloc[[5, 3, 12]].reset_index(drop=True))


@pytest.mark.parametrize(
    ("value", "message"),
    [(0, "row 1: seats must be a finite number > 0, got 0"), (np.nan, "row 1: missing seats")],
)
def test_seat_utilization_rejects_zero_or_missing_seats(value, message):
    seats = pd.DataFrame({"account_id": ["acc0", "acc1"], "seats": [3.0, value]})
    with pytest.raises(rt.InputError, match=f"column 'seats', {message}"):
        rt.engagement.seat_utilization(random_log(1), seats, as_of="2024-03-01")


def test_seat_utilization_rejects_missing_or_repeated_accounts():
    log = random_log(1)
    seats = pd.DataFrame({"account_id": ["acc0", "acc1", "acc0"], "seats": [3, 4, 5]})
    with pytest.raises(rt.InputError, match="column 'account_id', row 2: listed twice"):
        rt.engagement.seat_utilization(log, seats, as_of="2024-03-01")
    series = pd.Series([3.0, 4.0], index=["acc0", None])
    with pytest.raises(rt.InputError, match="seats index, row 1: missing account id"):
        rt.engagement.seat_utilization(log, series, as_of="2024-03-01")


def test_iso_text_timestamps_read_like_every_other_date():
    # Offsets are instants (taken in UTC): 2024-03-31T23:30-02:00 is April 1 in UTC.
    events = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "user_id": [1, 2, 3],
            "timestamp": ["2024-03-30T10:00:00+09:00", "2024-03-31T23:30:00-02:00", "2024-03-31"],
        }
    )
    as_text = rt.engagement.usage_features(events, "2024-03-31", windows=(1,))
    as_datetimes = rt.engagement.usage_features(
        events.assign(timestamp=pd.to_datetime(events["timestamp"], utc=True, format="ISO8601")),
        "2024-03-31",
        windows=(1,),
    )
    pd.testing.assert_frame_equal(as_text, as_datetimes)
    assert as_text["events_1d"].tolist() == [0, 1]  # a's second event falls on April 1 (UTC)


def test_text_timestamps_mixing_offsets_and_none_are_read_row_by_row():
    # pandas' to_datetime(utc=True) gives a row without an offset the first row's offset, so the
    # answer changed with row order. By the Book's rule: -08:00 is an instant (Mar 2, 04:00 UTC);
    # no offset is UTC wall time (Mar 31, 20:00).
    ev = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "user_id": ["u1", "u2"],
            "timestamp": ["2024-03-01T20:00:00-08:00", "2024-03-31T20:00:00"],
        }
    )
    for frame in (ev, ev.iloc[::-1]):
        daily = rt.engagement.active_users(frame, freq="D")
        assert daily.index[0] == pd.Timestamp("2024-03-02")
        assert daily.index[-1] == pd.Timestamp("2024-03-31")
        assert daily.sum() == 2 and daily.iloc[0] == 1 and daily.iloc[-1] == 1
    with pytest.raises(rt.InputError, match=r"^column 'timestamp', row 1: cannot read 'junk'"):
        rt.engagement.active_users(ev.assign(timestamp=["2024-03-01", "junk"]), freq="D")
