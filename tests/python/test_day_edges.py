"""Day edges: events, signings, churns and MRR periods one minute before and one minute after
local midnight, in zones west and east of UTC (New York -05:00, Kolkata +05:30, Auckland
+13:00) and in UTC, given as ISO text with the zone's offset or with Z, tz-aware timestamps of
UTC and of another zone, naive wall time and wall-time text. Every area must put one instant on
one day: in a Book, the day of the Book's zone (snapshots, labels, KPI months, tenure); in the
functions that take DataFrames, the UTC day (usage_features, label_churn, mrr_movements).
Expected days are worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt

# The zones' UTC offsets from Jan 31 to Mar 1 2024, by hand: New York is on EST until Mar 10,
# Auckland on NZDT until Apr 7, Kolkata has no daylight saving time.
OFFSET = {
    "UTC": "+00:00",
    "America/New_York": "-05:00",
    "Asia/Kolkata": "+05:30",
    "Pacific/Auckland": "+13:00",
}
ZONES = list(OFFSET)
FORMS = ["offset text", "Z text", "aware in UTC", "aware in Tokyo", "naive wall time", "wall text"]

# Local wall times of the two accounts' rows: "late" acts one minute before midnight, "early"
# one minute after, so they fall on consecutive local days and months.
SIGNED = {"late": "2024-01-31 23:59", "early": "2024-02-01 00:01"}
EVENT = SIGNED  # each account's one event is at its signing instant
CHURNED = {"late": "2024-02-07 23:59", "early": "2024-02-08 00:01"}
# MRR line items dated by an instant: its month is the month of its day.
MRR_ROWS = [
    ("late", "2024-01-31 23:59", 100.0),  # January
    ("late", "2024-02-29 23:59", 150.0),  # February (2024 is a leap year)
    ("early", "2024-02-01 00:01", 200.0),  # February
    ("early", "2024-03-01 00:01", 250.0),  # March
]


def offset_text(wall: str, zone: str) -> str:
    """'2024-01-31 23:59' in New York -> '2024-01-31T23:59:00-05:00', from the table above."""
    return wall.replace(" ", "T") + ":00" + OFFSET[zone]


def test_the_offsets_above_are_the_zones_own():
    for zone in ZONES:
        for wall in [*SIGNED.values(), *CHURNED.values(), *(r[1] for r in MRR_ROWS)]:
            assert pd.Timestamp(offset_text(wall, zone)) == pd.Timestamp(wall, tz=zone)


def column(walls: list[str], zone: str, form: str) -> pd.Series:
    """Local wall times of ``zone`` spelled in one way a user's export may have them."""
    if form == "offset text":
        return pd.Series([offset_text(w, zone) for w in walls], dtype=object)
    if form == "wall text":
        return pd.Series(walls, dtype=object)
    if form == "naive wall time":
        return pd.Series(pd.to_datetime(walls))
    instants = pd.Series([pd.Timestamp(offset_text(w, zone)) for w in walls])
    if form == "Z text":  # the same instants in UTC, '2024-02-01T04:59:00Z' for New York's late
        return instants.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object)
    return instants.dt.tz_convert("UTC" if form == "aware in UTC" else "Asia/Tokyo")


def book_tables(zone: str, form: str) -> dict:
    ids = list(SIGNED)
    accounts = pd.DataFrame(
        {"account_id": ids, "signed_at": column(list(SIGNED.values()), zone, form)}
    )
    events = pd.DataFrame(
        {
            "account_id": ids,
            "user_id": ["u1", "u2"],
            "timestamp": column(list(EVENT.values()), zone, form),
        }
    )
    churns = pd.DataFrame(
        {"account_id": ids, "churned_at": column(list(CHURNED.values()), zone, form)}
    )
    mrr = pd.DataFrame(
        {
            "account_id": [r[0] for r in MRR_ROWS],
            "period": column([r[1] for r in MRR_ROWS], zone, form),
            "mrr": [r[2] for r in MRR_ROWS],
        }
    )
    return {"accounts": accounts, "events": events, "churns": churns, "mrr": mrr}


AS_OF = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-06", "2024-02-07", "2024-02-08"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("zone", ZONES)
def test_a_book_puts_every_instant_on_its_local_day(zone, form):
    book = rt.Book(**book_tables(zone, form), tz=zone)
    # The event log's last day is early's Feb 1 (local): a cutoff after it is warned about.
    with pytest.warns(rt.RetainWarning, match=r"the events table ends on 2024-02-01\b"):
        snaps = book.snapshots(AS_OF, windows=(1, 7), active_only=False)

    # Rows: "late" signs on Jan 31, "early" on Feb 1 (local days): nobody on Jan 30.
    late = snaps[snaps["account_id"] == "late"].set_index("as_of")
    early = snaps[snaps["account_id"] == "early"].set_index("as_of")
    assert late.index.strftime("%m-%d").tolist() == ["01-31", "02-01", "02-06", "02-07", "02-08"]
    assert early.index.strftime("%m-%d").tolist() == ["02-01", "02-06", "02-07", "02-08"]
    assert late["tenure_days"].tolist() == [0, 1, 6, 7, 8]
    assert early["tenure_days"].tolist() == [0, 5, 6, 7]
    # The event on Jan 31 (late) is in the 1-day window of Jan 31 only, and in the 7-day windows
    # up to Feb 6 (Jan 31..Feb 6), not Feb 7 (Feb 1..Feb 7); the one on Feb 1 (early) in the
    # 1-day window of Feb 1 and the 7-day windows up to Feb 7, not Feb 8 (Feb 2..Feb 8).
    assert late["events_1d"].tolist() == [1, 0, 0, 0, 0]
    assert late["events_7d"].tolist() == [1, 1, 1, 0, 0]
    assert late["days_since_last_event"].tolist() == [0, 1, 6, 7, 8]
    assert early["events_1d"].tolist() == [1, 0, 0, 0]
    assert early["events_7d"].tolist() == [1, 1, 1, 0]
    assert early["days_since_last_event"].tolist() == [0, 5, 6, 7]
    # MRR of the cutoff's month: late pays 100 in January, 150 in February; early 200 in
    # February. Churned late on Feb 7, early on Feb 8: not active from those days on.
    assert late["mrr"].tolist() == [100.0, 150.0, 150.0, 150.0, 150.0]
    assert early["mrr"].tolist() == [200.0] * 4
    assert late["active"].tolist() == [True, True, True, False, False]
    assert early["active"].tolist() == [True, True, True, False]

    # Labels with a 1-day horizon: a row at t is 1 when the churn day is t + 1. late churns on
    # Feb 7 -> its Feb 6 row is 1, Feb 7 and 8 inactive; early churns on Feb 8 -> Feb 7 is 1,
    # Feb 8 inactive.
    labels = book.labels(snaps, horizon_days=1, observed_until="2024-02-09")
    got = {
        (row.account_id, row.as_of.strftime("%m-%d")): row.label
        for row in labels.frame.itertuples()
    }
    assert got == {
        ("late", "01-31"): 0,
        ("late", "02-01"): 0,
        ("late", "02-06"): 1,
        ("early", "02-01"): 0,
        ("early", "02-06"): 0,
        ("early", "02-07"): 1,
    }
    assert labels.dropped == {"inactive": 3, "unresolved": 0}

    # KPI months: Jan: late new 100. Feb: early new 200, late +50. Mar: late churns 150 (no
    # March row), early +50.
    mv = rt.kpi.mrr_movements(book)
    assert mv.index.astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert mv["new"].tolist() == [100.0, 200.0, 0.0]
    assert mv["expansion"].tolist() == [0.0, 50.0, 50.0]
    assert mv["churned"].tolist() == [0.0, 0.0, 150.0]
    assert mv["ending_mrr"].tolist() == [100.0, 350.0, 250.0]

    # Tenure: signed Jan 31 and churned Feb 7 -> 7 days; signed Feb 1, churned Feb 8 -> 7 days.
    t = book.tenure("2024-02-10")
    assert t.loc["late"].tolist() == [pd.Timestamp("2024-01-31"), 7, True, 0]
    assert t.loc["early"].tolist() == [pd.Timestamp("2024-02-01"), 7, True, 0]
    # As of the instant 23:59 on Feb 7 local, given in UTC: the day Feb 7. late has churned
    # that day; early is still a customer after 6 days.
    as_of = pd.Timestamp(offset_text("2024-02-07 23:59", zone)).tz_convert("UTC")
    t = book.tenure(as_of)
    assert t.attrs["as_of"] == pd.Timestamp("2024-02-07")
    assert t.loc["late", ["duration", "churned"]].tolist() == [7, True]
    assert t.loc["early", ["duration", "churned"]].tolist() == [6, False]
    # Two minutes later, 00:01 on Feb 8 local (in UTC still Feb 7 in Kolkata and Auckland):
    # early has churned that day too.
    as_of = pd.Timestamp(offset_text("2024-02-08 00:01", zone)).tz_convert("UTC")
    t = book.tenure(as_of)
    assert t.attrs["as_of"] == pd.Timestamp("2024-02-08")
    assert t.loc["early", ["duration", "churned"]].tolist() == [7, True]


@pytest.mark.parametrize("zone", ZONES)
def test_tz_aware_as_of_dates_are_read_in_the_books_zone(zone):
    book = rt.Book(**book_tables(zone, "offset text"), tz=zone)
    # 00:01 on Feb 1 local and 23:59 on Jan 31 local, both given in UTC: the as-of days Feb 1
    # and Jan 31 (in New York these two instants are both on Feb 1 in UTC).
    as_of = [
        pd.Timestamp(offset_text("2024-02-01 00:01", zone)).tz_convert("UTC"),
        pd.Timestamp(offset_text("2024-01-31 23:59", zone)).tz_convert("UTC"),
    ]
    snaps = book.snapshots(as_of, windows=(1,), active_only=False)
    by_day = snaps.groupby("as_of")["events_1d"].sum()
    assert by_day.index.strftime("%m-%d").tolist() == ["01-31", "02-01"]
    assert by_day.tolist() == [1, 1]  # late's event on Jan 31, early's on Feb 1


# ------------------------------------------------------------------------------ DataFrames: UTC

# The functions that take DataFrames read every instant on its UTC day. By hand, from the
# offsets: late's 23:59 on Jan 31 local is 23:59Z Jan 31 (UTC), 04:59Z Feb 1 (New York), 18:29Z
# Jan 31 (Kolkata), 10:59Z Jan 31 (Auckland); early's 00:01 on Feb 1 local is 00:01Z Feb 1,
# 05:01Z Feb 1, 18:31Z Jan 31, 11:01Z Jan 31.
UTC_DAY = {
    "UTC": {"late": "2024-01-31", "early": "2024-02-01"},
    "America/New_York": {"late": "2024-02-01", "early": "2024-02-01"},
    "Asia/Kolkata": {"late": "2024-01-31", "early": "2024-01-31"},
    "Pacific/Auckland": {"late": "2024-01-31", "early": "2024-01-31"},
}
# The MRR rows' UTC months: late's Feb 29 23:59 is 04:59Z Mar 1 in New York (March) and still Feb
# 29 elsewhere; early's Mar 1 00:01 is 18:31Z / 11:01Z Feb 29 in Kolkata / Auckland (February).
UTC_MONTHS = {
    "UTC": ["2024-01", "2024-02", "2024-02", "2024-03"],
    "America/New_York": ["2024-02", "2024-03", "2024-02", "2024-03"],
    "Asia/Kolkata": ["2024-01", "2024-02", "2024-01", "2024-02"],
    "Pacific/Auckland": ["2024-01", "2024-02", "2024-01", "2024-02"],
}
DATAFRAME_FORMS = ["offset text", "Z text", "aware in UTC", "aware in Tokyo"]


@pytest.mark.parametrize("form", DATAFRAME_FORMS)
@pytest.mark.parametrize("zone", ZONES)
def test_functions_of_dataframes_put_every_instant_on_its_utc_day(zone, form):
    tables = book_tables(zone, form)
    days = {k: pd.Timestamp(v) for k, v in UTC_DAY[zone].items()}
    # usage_features: each event in the 1-day window of its UTC day only.
    as_of = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"])
    usage = rt.engagement.usage_features(tables["events"], as_of, windows=(1,))
    for account, day in days.items():
        mine = usage[usage["account_id"] == account].set_index("as_of")["events_1d"]
        assert mine.to_dict() == {q: int(q == day) for q in as_of}, (account, mine)
        recency = usage[usage["account_id"] == account].set_index("as_of")["days_since_last_event"]
        assert recency.loc[as_of[-1]] == (as_of[-1] - day).days

    # label_churn: churns at 23:59 on Feb 7 (late) and 00:01 on Feb 8 (early) local, the times of
    # day of the signings a week later, so on the UTC days a week after those above (UTC: Feb 7 and
    # Feb 8; New York: Feb 8 and Feb 8; Kolkata and Auckland: Feb 7 and Feb 7).
    churns = pd.DataFrame(
        {"account_id": ["late", "early"], "churned_at": column(list(CHURNED.values()), zone, form)}
    )
    churn_day = {k: d + pd.Timedelta(days=7) for k, d in days.items()}
    dates = pd.date_range("2024-02-05", "2024-02-09")
    snaps = pd.DataFrame(
        {"account_id": np.repeat(["late", "early"], len(dates)), "as_of": np.tile(dates, 2)}
    )
    labels = rt.label_churn(snaps, churns, horizon_days=1, observed_until="2024-02-10").frame
    for account, day in churn_day.items():
        mine = labels[labels["account_id"] == account].set_index("as_of")["label"]
        # Rows before the churn day: 1 on the day before it; from the churn day on: inactive.
        assert mine.to_dict() == {
            q: int(q + pd.Timedelta(days=1) == day) for q in dates if q < day
        }, (account, mine)

    # mrr_movements of the DataFrame: each line item in its UTC month. (It reads period text as
    # 'YYYY-MM' or 'YYYY-MM-DD' only, so the instants go in as tz-aware timestamps.)
    if form.endswith("text"):
        return
    mv = rt.kpi.mrr_movements(tables["mrr"], period="period")
    by_month = pd.Series([r[2] for r in MRR_ROWS]).groupby(UTC_MONTHS[zone]).sum()
    assert mv.index.strftime("%Y-%m").tolist() == by_month.index.tolist()
    assert mv["ending_mrr"].tolist() == by_month.tolist()


# --------------------------------------------------------------------------------- the epoch edge


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_day_edges_around_1970_floor_to_the_earlier_day(zone):
    """Days are counted from 1970-01-01: a time of day before it is a negative count, which must
    floor to the earlier day (truncating towards zero would put 1969-12-31 23:59 on Jan 1)."""
    walls = ["1969-12-31 23:59", "1970-01-01 00:01"]
    accounts = pd.DataFrame({"account_id": ["late", "early"], "signed_at": ["1969-12-01"] * 2})
    events = pd.DataFrame(
        {
            "account_id": ["late", "early"],
            "user_id": [1, 2],
            "timestamp": column(walls, zone, "offset text"),
        }
    )
    with pytest.warns(rt.RetainWarning, match=r"the events table ends on 1970-01-01\b"):
        snaps = rt.Book(accounts, events=events, tz=zone).snapshots(
            ["1969-12-31", "1970-01-01", "1970-01-02"], windows=(1,)
        )
    # late's event on Dec 31, early's on Jan 1, local days; none on Jan 2.
    assert snaps["events_1d"].tolist() == [1, 0, 0, 1, 0, 0]
    # The DataFrame functions read UTC days: late's 23:59 on Dec 31 is Jan 1 04:59Z in New York
    # and Dec 31 18:29Z in Kolkata; early's 00:01 on Jan 1 is Jan 1 05:01Z and Dec 31 18:31Z.
    utc_days = {
        "UTC": ["1969-12-31", "1970-01-01"],
        "America/New_York": ["1970-01-01", "1970-01-01"],
        "Asia/Kolkata": ["1969-12-31", "1969-12-31"],
    }[zone]
    # Also as naive datetimes of those UTC days' times, a minute from midnight on either side.
    naive = events.assign(
        timestamp=pd.to_datetime(column(walls, zone, "aware in UTC")).dt.tz_localize(None)
    )
    for log in (events, naive):
        usage = rt.engagement.usage_features(log, ["1969-12-31", "1970-01-01"], windows=(1,))
        for account, day in zip(["late", "early"], utc_days, strict=True):
            mine = usage[usage["account_id"] == account].set_index("as_of")["events_1d"]
            assert mine.to_dict() == {
                pd.Timestamp("1969-12-31"): int(day == "1969-12-31"),
                pd.Timestamp("1970-01-01"): int(day == "1970-01-01"),
            }, (zone, account)


def test_a_zone_without_midnight_on_the_first_labels_the_month_by_its_first_instant():
    # Asuncion moved its clocks from 00:00 to 01:00 on 2017-10-01: that midnight never happened.
    # The October label is the first instant of the day, 01:00 -03:00; September keeps midnight.
    df = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "mrr": [10.0, 20.0],
            "period": pd.to_datetime(["2017-09-15 12:00", "2017-10-15 12:00"]).tz_localize(
                "America/Asuncion"
            ),
        }
    )
    mv = rt.kpi.mrr_movements(df)
    assert [str(t) for t in mv.index] == [
        "2017-09-01 00:00:00-04:00",
        "2017-10-01 01:00:00-03:00",
    ]
    assert mv["new"].tolist() == [10.0, 0.0] and mv["expansion"].tolist() == [0.0, 10.0]
