"""The events table's times read where a datetime column holds them (no copy): UTC counts brought to
the Book's wall clock by the zone's offsets, which retain finds itself. Checked against pandas'
own conversion, given to a second Book as wall-clock text (parsed by another path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt
from retain import book as _book

ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]


def _instants(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    """UTC instants, half of them within an hour of a change of New York's or London's offset."""
    changes = pd.to_datetime(
        ["2023-03-12 07:00", "2023-11-05 06:00", "2023-03-26 01:00", "2023-10-29 01:00",
         "2024-03-10 07:00", "2024-04-06 15:00", "2024-10-06 15:30"]
    ).asi8 // 10**9
    near = rng.choice(changes, n // 2) + rng.integers(-3600, 3600, n // 2)
    anywhere = rng.integers(
        pd.Timestamp("2022-06-01").value // 10**9, pd.Timestamp("2025-06-01").value // 10**9,
        n - n // 2,
    )
    seconds = np.concatenate([near, anywhere])
    ns = seconds * 10**9 + rng.integers(0, 10**9, n)
    return pd.DatetimeIndex(ns.astype("datetime64[ns]"), tz="UTC")


@pytest.mark.parametrize("tz", ZONES)
def test_zone_offsets_match_pandas_at_every_instant(tz: str) -> None:
    rng = np.random.default_rng(3)
    stamps = _instants(rng, 20_000)
    seconds = stamps.asi8 // 10**9
    since, offset = _book._zone_offsets(tz, int(seconds.min()), int(seconds.max()))
    assert np.all(np.diff(since) > 0)
    at = np.searchsorted(since, seconds, side="right") - 1
    mine = seconds + offset[np.maximum(at, 0)]
    theirs = stamps.tz_convert(tz).tz_localize(None).as_unit("s").asi8
    np.testing.assert_array_equal(mine, theirs)


def _frames(stamps: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(stamps)
    rng = np.random.default_rng(7)
    accounts = pd.DataFrame(
        {"account_id": ["ACC-1", "ACC-2", "ACC-3"], "signed_at": ["2022-01-01"] * 3}
    )
    events = pd.DataFrame(
        {
            "account_id": np.array(["ACC-1", "ACC-2", "ACC-3"], dtype=object)[
                rng.integers(0, 3, n)
            ],
            "user_id": np.array([f"u{k}" for k in range(40)], dtype=object)[
                rng.integers(0, 40, n)
            ],
            "timestamp": stamps,
            "feature": np.array(["login", "export", "share"], dtype=object)[
                rng.integers(0, 3, n)
            ],
        }
    )
    return accounts, events


def _same_snapshots(book: rt.Book, oracle: rt.Book) -> None:
    # Every day of two months, each around a change of offset: a time on the wrong side of a
    # midnight moves a count from one day to the next.
    dates = pd.date_range("2023-02-20", "2023-04-20", freq="D").append(
        pd.date_range("2024-09-20", "2024-11-20", freq="D")
    )
    mine = book.snapshots(dates, windows=(1, 3))
    theirs = oracle.snapshots(dates, windows=(1, 3))
    assert mine["events_1d"].sum() > 0
    pd.testing.assert_frame_equal(mine, theirs)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("column_zone", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("unit", ["ns", "ms", "s"])
def test_tz_aware_events_land_on_the_days_pandas_gives(
    tz: str, column_zone: str, unit: str
) -> None:
    stamps = _instants(np.random.default_rng(11), 4_000).tz_convert(column_zone).as_unit(unit)
    accounts, events = _frames(stamps)
    book = rt.Book(accounts, events=events, tz=tz)
    # The oracle: pandas brings each instant to the Book's wall clock, given as text.
    wall = events.assign(
        timestamp=events["timestamp"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    )
    oracle = rt.Book(accounts, events=wall, tz=tz)
    _same_snapshots(book, oracle)
    first, last = (
        events["timestamp"].dt.tz_convert(tz).dt.tz_localize(None).dt.floor("D").agg(["min", "max"])
    )
    assert book._ranges["events"] == (first.date(), last.date())


def test_naive_datetimes_are_wall_times_already() -> None:
    stamps = _instants(np.random.default_rng(5), 3_000).tz_convert("America/New_York")
    accounts, events = _frames(stamps.tz_localize(None).as_unit("us"))
    book = rt.Book(accounts, events=events, tz="America/New_York")
    text = events.assign(timestamp=events["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
    _same_snapshots(book, rt.Book(accounts, events=text, tz="America/New_York"))


def test_times_spanning_centuries_take_the_converting_way() -> None:
    stamps = _instants(np.random.default_rng(6), 1_000)
    old = pd.DatetimeIndex(["1790-07-04 12:00"], tz="UTC").as_unit("ns")
    accounts, events = _frames(stamps.append(old))
    accounts["signed_at"] = "1700-01-01"
    table = _book._Table("events", events, {})
    assert _book._utc_times(table, "timestamp", "Europe/London") is None
    book = rt.Book(accounts, events=events, tz="Europe/London")
    wall = events.assign(
        timestamp=events["timestamp"]
        .dt.tz_convert("Europe/London")
        .dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    )
    _same_snapshots(book, rt.Book(accounts, events=wall, tz="Europe/London"))


def test_a_missing_timestamp_names_its_row() -> None:
    stamps = _instants(np.random.default_rng(8), 10)
    accounts, events = _frames(stamps)
    events.loc[6, "timestamp"] = pd.NaT
    with pytest.raises(rt.InputError, match=r"table 'events'.*'timestamp'.*row 6.*missing date"):
        rt.Book(accounts, events=events, tz="America/New_York")


def test_ids_that_are_not_ascii_text_read_as_before() -> None:
    """A column with a non-ASCII id or a non-text cell is read as text first: the same Book."""
    stamps = _instants(np.random.default_rng(9), 2_000)
    accounts, events = _frames(stamps)
    renamed = {"u1": "Zoë", "u2": "Łukasz"}
    odd = events.assign(user_id=events["user_id"].replace(renamed))
    assert not odd["user_id"].map(str.isascii).all()
    plain = events.assign(user_id=events["user_id"].replace({"u1": "Zoe", "u2": "Lukasz"}))
    tz = "Europe/London"
    _same_snapshots(rt.Book(accounts, events=odd, tz=tz), rt.Book(accounts, events=plain, tz=tz))
