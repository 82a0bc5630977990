"""Point-in-time usage features (issue 13): ``rt.engagement.usage_features`` against the fastest
plain pandas/numpy way and polars, end to end from the same DataFrame.

The data, as users have it: one pandas DataFrame of product events (account_id, user_id,
timestamp, feature). Default 5,000,000 events of 20,000 accounts (the issue's size; its earlier
one is ``--events 20000000``) from 2024-01-01 to mid-January 2026: accounts start and stop at
different times (some start after the first as-of date, some stop early), their activity is
skewed (lognormal weights), each has its own users (about 15, a few power users), 40 feature
names of skewed popularity. Two inputs, both timed:

- ``str``: string ids ("ACC-0000042", "USR-00000042", "feature_07"; object columns), rows in no
  order, timestamps tz-aware in America/New_York (``datetime64[ns, America/New_York]``);
- ``int-sorted``: the same events with integer ids (account, user and feature codes), rows
  sorted by account then time, the same tz-aware timestamps.

The work: 12 monthly as-of dates (the month ends of 2025) x windows 7, 30 and 90 days: per
(account, date) and window, events, distinct users, active days, distinct features and trend
(events / events of the window before it), and days since the last event — every column of
``usage_features``, by its definition in python/retain/engagement.py. That function counts UTC
calendar days (it takes no zone: a tz-aware instant is read in UTC), so every side floors the
instants to UTC days.

The plain way (pandas to factorise, then numpy), the fastest we could write — no per-date rescan.
Once: ids factorised (on the sorted input the account codes are the runs of the sorted column),
instants to UTC day numbers, and int64 keys sorted once — the distinct (account, day) pairs (a
bitmap), the distinct (account, user, day) and (account, feature, day) triples. Then two ways,
both checked, the faster timed (``--pandas-way``):

- ``bounds`` (timed): every window bound of every date (as-of + 1 - k w) in one sorted array;
  each key's place among them by ``np.searchsorted`` (a lookup table per day), counts per
  (account, bound) by one ``np.bincount`` + ``cumsum``, so each (date, window) count is a
  difference of two columns; per (account, user) pair its last day on or before each date by one
  forward ``np.maximum.accumulate``, compared with each window's start and summed per account by
  ``np.add.reduceat``;
- ``per-window`` (the way issue 13 names): the (account, day) key of every event sorted once, and
  per (date, window) ``np.searchsorted`` bounds of each account on it, counts by difference;
  distinct users (features) by one search per (account, user) pair and date for its last day on
  or before the date. 2-3x slower than ``bounds`` at 1 M events on this machine.

The polars way: the log converted once (``pl.from_pandas``, UTC day numbers by ``dt.epoch``),
then per date a lazy ``filter(day <= date)`` + ``group_by(account)`` with the last day and the
windows as filtered ``sum`` / ``n_unique`` aggregations, every date collected at once
(``pl.collect_all`` runs them in parallel), then left-joined to the (account, date) grid to fill
the accounts without events. The other way tried (``--polars-way one-group-by``: the dates'
slices stacked with a date column, one ``group_by([account, date])``, the last day by
``join_asof``) was 2-3x slower at 1 M events on this machine.

retain and both ways of pandas and of polars are checked equal, on both inputs, before anything
is timed: counts exactly, trend and recency to 1e-9 relative with NaN in the same cells.

Timing and memory: each side on each input runs in its own fresh child process (retain on 1
core, retain on every core, pandas, polars), best of --repeat runs (the same count for every
side). retain's time is end to end from the DataFrame (building its event log,
interning the ids, and the output DataFrame included); the kernel alone (``_core`` on an event
log built beforehand, the build shown as its "prepare") is a separate row, timed in the same
child before the end-to-end runs. ``usage_features`` takes no ``n_threads``: the 1-core rows pin
their child to one CPU (``os.sched_setaffinity``), so retain's default threads share that core;
"every core" rows run unpinned. pandas/numpy run on one thread, polars on its own thread pool
(every core). The pandas child also times ``pd.factorize`` of the three id columns alone, printed
as the boundary's floor beside retain's event-log build. Peak memory is the child's resident-set
high-water mark (VmHWM) over the row's runs, restarted (``/proc/self/clear_refs``) once the input
DataFrame is made, beside the resident size at that point: the row's own work on top of its
input, not the making of the data.

    PYTHONPATH=python .venv/bin/python benchmarks/bench_engagement.py [--events N]
        [--accounts A] [--dates Q] [--ids both|str|int-sorted] [--repeat R] [--json PATH]
        [--pandas-way bounds|per-window] [--polars-way per-date|one-group-by] [--quick]

Targets (issue 13), retain on every core, end to end: >= 20x the sorted-once pandas way (the
issue's "searchsorted pandas way"; its faster ``bounds`` form is the one timed) and >= 5x
polars, on each input. A toy run (``--quick``) checks everything in about half a minute, most of
it the children's imports.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time

import numpy as np
import pandas as pd

import _common
from _common import (
    best_of,
    cpu_model,
    peak_rss_bytes,
    pin_to_one_core,
    reset_peak,
    resident_bytes,
    run_child,
    verdict,
    write_json,
)

TZ = "America/New_York"
WINDOWS = (7, 30, 90)
LAST_AS_OF = pd.Timestamp("2025-12-31")
DATA_START = pd.Timestamp("2024-01-01", tz=TZ)
DATA_END = pd.Timestamp("2026-01-16", tz=TZ)  # a few events after the last as-of date
MAX_DATES = 18  # 2 x 90 days of history before the first of them
N_FEATURES = 40
TARGET_PANDAS = 20.0
TARGET_POLARS = 5.0
INPUTS = ("str", "int-sorted")


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def make_log(n_events: int, n_accounts: int, ids: str, seed: int = 13) -> pd.DataFrame:
    """The event log of the module docstring; ``ids`` is "str" or "int-sorted"."""
    rng = np.random.default_rng(seed)
    a = n_accounts
    lo = DATA_START.value // 10**9
    hi = DATA_END.value // 10**9
    # each account's active span: most from the start to the end, some later or stopping early
    start = np.where(rng.random(a) < 0.6, lo, lo + (rng.random(a) * (hi - lo) * 0.9))
    stop = np.where(rng.random(a) < 0.8, hi, start + rng.random(a) * (hi - start))
    start, stop = start.astype(np.int64), np.maximum(stop.astype(np.int64), start + 3600)
    weight = rng.lognormal(0.0, 1.0, a) * (stop - start)
    acc = rng.choice(a, n_events, p=weight / weight.sum())
    seconds = start[acc] + (rng.random(n_events) * (stop - start)[acc]).astype(np.int64)
    stamps = seconds * 10**9 + rng.integers(0, 10**9, n_events)
    n_users = 1 + rng.poisson(14, a)
    user_first = np.concatenate([[0], np.cumsum(n_users)[:-1]])
    user = user_first[acc] + (rng.random(n_events) ** 2 * n_users[acc]).astype(np.int64)
    popularity = 1.0 / np.arange(1, N_FEATURES + 1)
    feature = rng.choice(N_FEATURES, n_events, p=popularity / popularity.sum())
    timestamp = pd.DatetimeIndex(stamps, tz="UTC").tz_convert(TZ)
    # accounts numbered apart from the order of their first event
    label = rng.permutation(a)
    if ids == "str":
        account_ids = np.char.add("ACC-", np.char.zfill(label.astype(str), 7)).astype(object)
        user_ids = np.char.add("USR-", np.char.zfill(np.arange(n_users.sum()).astype(str), 8))
        names = np.array([f"feature_{k:02d}" for k in range(N_FEATURES)], dtype=object)
        return pd.DataFrame(
            {
                "account_id": account_ids[acc],
                "user_id": user_ids.astype(object)[user],
                "timestamp": timestamp,
                "feature": names[feature],
            }
        )
    order = np.lexsort((stamps, label[acc]))
    return pd.DataFrame(
        {
            "account_id": label[acc][order] + 100_000,
            "user_id": user[order] + 1_000_000,
            "timestamp": timestamp[order],
            "feature": feature[order],
        }
    )


def as_of_dates(n: int) -> list[pd.Timestamp]:
    """The ``n`` month ends up to 2025-12-31 (naive dates: a day is a UTC day here)."""
    return list(pd.date_range(end=LAST_AS_OF, periods=n, freq="ME"))


def day_numbers(dates: list[pd.Timestamp]) -> np.ndarray:
    return np.array([d.to_datetime64() for d in dates], dtype="datetime64[D]").view(np.int64)


# ---------------------------------------------------------------------------------------------
# retain
# ---------------------------------------------------------------------------------------------


def retain_usage_features(log: pd.DataFrame, dates: list) -> pd.DataFrame:
    import retain as rt

    return rt.engagement.usage_features(log, dates, WINDOWS)


def retain_log(log: pd.DataFrame):
    """retain's event log built from the DataFrame (what ``usage_features`` does first)."""
    from retain import _frames

    return _frames.event_log(log, "account_id", "user_id", "timestamp", "feature")


def retain_kernel(events, days: np.ndarray) -> dict:
    from retain import _core

    return _core.engagement.usage_features(events.log, days, np.array(WINDOWS, dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# The plain way: pandas to factorise, numpy on keys sorted once
# ---------------------------------------------------------------------------------------------

PANDAS_WAYS = ("bounds", "per-window")
POLARS_WAYS = ("per-date", "one-group-by")
COUNTED = ("events", "active_users", "active_days", "distinct_features")


def distinct_sorted(keys: np.ndarray) -> np.ndarray:
    """The distinct values of sorted keys."""
    if len(keys) == 0:
        return keys
    keep = np.empty(len(keys), dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def run_heads(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts, in sorted values."""
    if len(values) == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


def pandas_prepare(log: pd.DataFrame, way: str = "bounds") -> dict:
    """Everything that does not depend on the dates, once: codes, UTC day numbers, and sorted
    keys — the distinct (account, day) pairs and (account, user, day) and (account, feature,
    day) triples; the per-window way also sorts the (account, day) key of every event."""
    account = log["account_id"]
    if pd.api.types.is_integer_dtype(account.dtype) and account.is_monotonic_increasing:
        # sorted by account: the codes are the runs (factorize would hash every row)
        values = account.to_numpy()
        heads = run_heads(values)
        acc = np.zeros(len(values), np.int64)
        acc[heads[1:]] = 1
        acc = np.cumsum(acc)
        ids = values[heads]
    else:
        acc, ids = pd.factorize(account)
        acc = acc.astype(np.int64)
    user, user_ids = pd.factorize(log["user_id"])
    feature, feature_ids = pd.factorize(log["feature"])
    day = log["timestamp"].values.astype("datetime64[D]").view(np.int64)  # UTC days, floored
    first = int(day.min()) if len(day) else 0
    span = (int(day.max()) - first + 2) if len(day) else 2  # day offsets 0 .. span - 2
    offset = day - first
    n_acc = len(ids)
    events = acc * span + offset
    # distinct (account, day) pairs by a bitmap: one pass, no sort
    seen = np.zeros(n_acc * span, dtype=bool)
    seen[events] = True
    p = {
        "ids": ids,
        "first": first,
        "span": span,
        "acc": acc,
        "offset": offset,
        "account_days": np.flatnonzero(seen),
    }
    del seen
    for name, codes, n in (("user", user, len(user_ids)), ("feature", feature, len(feature_ids))):
        # np.sort + a mask: np.unique (hash based in numpy 2.4) is several times slower here
        triples = distinct_sorted(np.sort((acc * n + codes) * span + offset))
        pair = triples // span
        heads = run_heads(pair)
        p[name] = {
            "triples": triples,
            "pair": pair[heads],
            "heads": heads,
            "account": pair[heads] // n,
        }
    if way == "per-window":
        if len(events) > 1 and not (events[1:] >= events[:-1]).all():
            events = np.sort(events)
        p["events"] = events
        p["account_first"] = np.searchsorted(events, np.arange(n_acc) * span)
    return p


def frame_of(ids: np.ndarray, dates: list, out: dict[str, np.ndarray]) -> pd.DataFrame:
    """usage_features' layout: rows account-major (accounts by code), then as-of date."""
    n_acc, n_q = len(ids), len(dates)
    frame = pd.DataFrame(
        {
            "account_id": np.repeat(ids, n_q),
            "as_of": np.tile(np.array([d.to_datetime64() for d in dates], "datetime64[ns]"), n_acc),
        }
    )
    columns = {}
    for w in WINDOWS:
        for name in (*COUNTED, "trend"):
            columns[f"{name}_{w}d"] = out[f"{name}_{w}d"].ravel()
    columns["days_since_last_event"] = out["days_since_last_event"].ravel()
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


def trend(count: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(earlier > 0, count / earlier, np.nan)


def pandas_bounds(p: dict, dates: list) -> pd.DataFrame:
    """The fast way: each key's place among all the dates' window bounds by one searchsorted (a
    lookup table per day), then counts per (account, bound) by bincount + cumsum, and per
    (account, user) pair its last day on or before each date by one forward maximum."""
    ids, span = p["ids"], p["span"]
    n_acc, n_q = len(ids), len(dates)
    o = day_numbers(dates) - p["first"]  # the as-of days' offsets
    every_day = np.arange(span)

    # bounds t: counts of the keys with a day offset < t give every window by differences
    bounds = np.unique(np.concatenate([o + 1, *[o + 1 - k * w for w in WINDOWS for k in (1, 2)]]))
    bucket_of_day = np.searchsorted(bounds, every_day, side="right")
    n_b = len(bounds) + 1

    def below(account: np.ndarray, offset: np.ndarray):
        cells = np.bincount(account * n_b + bucket_of_day[offset], minlength=n_acc * n_b)
        before = cells.reshape(n_acc, n_b).cumsum(axis=1)
        return lambda t: before[:, np.searchsorted(bounds, t)]  # (accounts x dates)

    # per group (account, or account-user pair) its last day offset <= each as-of offset
    date_of_day = np.searchsorted(o, every_day, side="left")  # first date on or after the day

    def last_day(group: np.ndarray, offset: np.ndarray, n_groups: int) -> np.ndarray:
        cell = group * (n_q + 1) + date_of_day[offset]  # sorted: keys are (group, day) sorted
        last = np.r_[cell[1:] != cell[:-1], True] if len(cell) else cell.astype(bool)
        table = np.full((n_groups, n_q + 1), -1, dtype=np.int64)
        table.ravel()[cell[last]] = offset[last]
        return np.maximum.accumulate(table, axis=1)[:, :n_q]

    events = below(p["acc"], p["offset"])
    account_days = p["account_days"]
    day_acc, day_offset = account_days // span, account_days % span
    days = below(day_acc, day_offset)
    recent = last_day(day_acc, day_offset, n_acc)
    pairs = {}
    for name in ("user", "feature"):
        g = p[name]
        group = np.repeat(np.arange(len(g["heads"])), np.diff(np.r_[g["heads"], len(g["triples"])]))
        owner_heads = run_heads(g["account"])
        pairs[name] = (
            last_day(group, g["triples"] % span, len(g["heads"])),
            g["account"][owner_heads],
            owner_heads,
        )

    out: dict[str, np.ndarray] = {}
    end, end_days = events(o + 1), days(o + 1)
    for w in WINDOWS:
        start = events(o + 1 - w)
        out[f"events_{w}d"] = end - start
        out[f"trend_{w}d"] = trend(end - start, start - events(o + 1 - 2 * w))
        out[f"active_days_{w}d"] = end_days - days(o + 1 - w)
        for name, column in (("user", "active_users"), ("feature", "distinct_features")):
            table, owners, owner_heads = pairs[name]
            active = table > o - w
            counts = np.zeros((n_acc, n_q), np.int64)
            counts[owners] = np.add.reduceat(active, owner_heads, axis=0, dtype=np.int64)
            out[f"{column}_{w}d"] = counts
    out["days_since_last_event"] = np.where(recent >= 0, o - recent, np.nan)
    return frame_of(ids, dates, out)


def pandas_per_window(p: dict, dates: list) -> pd.DataFrame:
    """The way issue 13 names: per (date, window), searchsorted bounds of each account on the
    sorted (account, day) key; distinct users (features) by one search per pair and date."""
    ids, span, events, account_days = p["ids"], p["span"], p["events"], p["account_days"]
    n_acc, n_q = len(ids), len(dates)
    base = np.arange(n_acc, dtype=np.int64) * span

    def below(keys: np.ndarray, t: int) -> np.ndarray:
        """Per account, the position of its first key with a day offset >= t."""
        return np.searchsorted(keys, base + min(max(t, 0), span - 1))

    def last_on_or_before(name: str, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Per (account, code) pair: whether it has a day <= t, and the last such day."""
        g = p[name]
        upto = g["pair"] * span + min(max(t, -1), span - 1)
        at = np.searchsorted(g["triples"], upto, side="right") - 1
        return at >= g["heads"], g["triples"][np.maximum(at, 0)] % span

    out: dict[str, np.ndarray] = {}
    for w in WINDOWS:
        for name in COUNTED:
            out[f"{name}_{w}d"] = np.empty((n_acc, n_q), np.int64)
        out[f"trend_{w}d"] = np.empty((n_acc, n_q))
    out["days_since_last_event"] = np.empty((n_acc, n_q))
    for q, day in enumerate(day_numbers(dates)):
        o = int(day) - p["first"]
        end = below(events, o + 1)
        end_days = below(account_days, o + 1)
        last = events[np.maximum(end - 1, 0)] % span if len(events) else end
        out["days_since_last_event"][:, q] = np.where(end > p["account_first"], o - last, np.nan)
        pairs = {
            "active_users": ("user", last_on_or_before("user", o)),
            "distinct_features": ("feature", last_on_or_before("feature", o)),
        }
        for w in WINDOWS:
            start = below(events, o + 1 - w)
            out[f"events_{w}d"][:, q] = end - start
            out[f"trend_{w}d"][:, q] = trend(end - start, start - below(events, o + 1 - 2 * w))
            out[f"active_days_{w}d"][:, q] = end_days - below(account_days, o + 1 - w)
            for column, (name, (has, last_day)) in pairs.items():
                out[f"{column}_{w}d"][:, q] = np.bincount(
                    p[name]["account"][has & (last_day > o - w)], minlength=n_acc
                )
    return frame_of(ids, dates, out)


def pandas_compute(p: dict, dates: list, way: str = "bounds") -> pd.DataFrame:
    return (pandas_bounds if way == "bounds" else pandas_per_window)(p, dates)


# ---------------------------------------------------------------------------------------------
# polars
# ---------------------------------------------------------------------------------------------


def polars_prepare(log: pd.DataFrame):
    import polars as pl

    return pl.from_pandas(log).select(
        "account_id", "user_id", "feature", pl.col("timestamp").dt.epoch("d").alias("day")
    )


def polars_compute(ev, dates: list, way: str = "per-date"):
    """One row per (account, as-of day number) with every feature column, as a polars frame."""
    import polars as pl

    days = [int(d) for d in day_numbers(dates)]
    widest = max(WINDOWS)
    day = pl.col("day")

    def window_aggs(as_of) -> list:
        aggs = []
        for w in WINDOWS:
            inside = day > as_of - w
            aggs += [
                inside.sum().alias(f"events_{w}d"),
                pl.col("user_id").filter(inside).n_unique().alias(f"active_users_{w}d"),
                day.filter(inside).n_unique().alias(f"active_days_{w}d"),
                pl.col("feature").filter(inside).n_unique().alias(f"distinct_features_{w}d"),
                ((day > as_of - 2 * w) & (day <= as_of - w)).sum().alias(f"earlier_{w}d"),
            ]
        return aggs

    lazy = ev.lazy()
    as_of = pl.DataFrame({"as_of": pl.Series(days, dtype=pl.Int32)})
    grid = ev.select(pl.col("account_id").unique()).join(as_of, how="cross")
    if way == "per-date":
        # per date the history up to it (for the last day), windows as filtered aggregations;
        # collect_all runs the dates' queries in parallel
        queries = [
            lazy.filter(day <= d)
            .group_by("account_id")
            .agg(day.max().alias("last"), *window_aggs(d))
            .with_columns(pl.lit(d, dtype=pl.Int32).alias("as_of"))
            for d in days
        ]
        parts = pl.concat(pl.collect_all(queries))
    else:  # the dates' slices stacked, one group_by; the last day by join_asof
        slices = pl.concat(
            [
                lazy.filter((day > d - 2 * widest) & (day <= d)).with_columns(
                    pl.lit(d, dtype=pl.Int32).alias("as_of")
                )
                for d in days
            ]
        )
        parts = slices.group_by("account_id", "as_of").agg(window_aggs(pl.col("as_of"))).collect()
        seen = ev.select("account_id", pl.col("day").alias("last")).unique().sort("last")
        grid = grid.sort("as_of").join_asof(
            seen,
            left_on="as_of",
            right_on="last",
            by="account_id",
            strategy="backward",
            check_sortedness=False,
        )
    counts = [c for c in parts.columns if c not in ("account_id", "as_of", "last")]
    full = grid.join(parts, on=["account_id", "as_of"], how="left").with_columns(
        pl.col(counts).fill_null(0)
    )
    columns = []
    for w in WINDOWS:
        columns += [pl.col(f"{name}_{w}d") for name in COUNTED]
        columns.append(
            pl.when(pl.col(f"earlier_{w}d") > 0)
            .then(pl.col(f"events_{w}d") / pl.col(f"earlier_{w}d"))
            .otherwise(float("nan"))
            .alias(f"trend_{w}d")
        )
    since = (pl.col("as_of") - pl.col("last")).cast(pl.Float64).fill_null(float("nan"))
    return full.select("account_id", "as_of", *columns, since.alias("days_since_last_event"))


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


def comparable(frame) -> pd.DataFrame:
    """A result as a pandas frame in (account, as_of) order, as_of as day numbers."""
    if not isinstance(frame, pd.DataFrame):
        frame = frame.to_pandas()
    frame = frame.copy()
    if frame["as_of"].dtype.kind == "M":
        frame["as_of"] = frame["as_of"].to_numpy().astype("datetime64[D]").view(np.int64)
    return frame.sort_values(["account_id", "as_of"], kind="stable").reset_index(drop=True)


def check_equal(ours: pd.DataFrame, theirs, who: str) -> None:
    mine, other = comparable(ours), comparable(theirs)
    assert list(mine.columns) == list(other.columns), (who, list(mine.columns), list(other.columns))
    assert len(mine) == len(other), f"{who}: {len(mine)} rows against {len(other)}"
    for c in mine.columns:
        a, b = mine[c].to_numpy(), other[c].to_numpy()
        if c.startswith(("trend", "days_since")):
            np.testing.assert_allclose(
                a.astype(float),
                b.astype(float),
                rtol=1e-9,
                atol=0,
                equal_nan=True,
                err_msg=f"{who}: {c}",
            )
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{who}: {c}")


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def best_split(repeat: int, prepare, compute) -> dict:
    """Best of ``repeat`` end-to-end runs (prepare then compute), with that run's split."""
    best = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        prepared = prepare()
        middle = time.perf_counter()
        compute(prepared)
        end = time.perf_counter()
        del prepared
        if best is None or end - start < best["total"]:
            best = {"prepare": middle - start, "compute": end - middle, "total": end - start}
    return best


def child(args: argparse.Namespace) -> None:
    """Times one side on one input and prints its numbers as JSON (the last line)."""
    side = args.child
    if side.endswith("-1core"):
        pin_to_one_core()
    if side.startswith("retain"):
        import retain  # noqa: F401  (imported before the data, as the baselines import theirs)
    elif side == "polars":
        import polars  # noqa: F401
    log = make_log(args.events, args.accounts, args.input)
    dates = as_of_dates(args.dates)
    reset_peak()
    result = {"data": resident_bytes()}
    if side.startswith("retain"):
        days = day_numbers(dates)
        build, events = best_of(args.repeat, lambda: retain_log(log))
        kernel, _ = best_of(args.repeat, lambda: retain_kernel(events, days))
        peak = peak_rss_bytes()
        result["kernel"] = {
            "prepare": build,
            "compute": kernel,
            "total": build + kernel,
            "peak": peak,
        }
        del events
        reset_peak()
        total, _ = best_of(args.repeat, lambda: retain_usage_features(log, dates))
        result["end_to_end"] = {
            "prepare": None,
            "compute": None,
            "total": total,
            "peak": peak_rss_bytes(),
        }
    elif side == "pandas":
        result["end_to_end"] = best_split(
            args.repeat,
            lambda: pandas_prepare(log, args.pandas_way),
            lambda p: pandas_compute(p, dates, args.pandas_way),
        )
        result["end_to_end"]["peak"] = peak_rss_bytes()
        # the boundary alone: what turning the three id columns into codes costs
        result["factorize"], _ = best_of(
            args.repeat,
            lambda: [pd.factorize(log[c]) for c in ("account_id", "user_id", "feature")],
        )
    else:
        result["end_to_end"] = best_split(
            args.repeat,
            lambda: polars_prepare(log),
            lambda ev: polars_compute(ev, dates, args.polars_way),
        )
        result["end_to_end"]["peak"] = peak_rss_bytes()
    print(json.dumps(result))


def run_side(side: str, ids: str, args: argparse.Namespace) -> dict:
    return run_child(
        __file__,
        [
            "--child",
            side,
            "--input",
            ids,
            "--events",
            str(args.events),
            "--accounts",
            str(args.accounts),
            "--dates",
            str(args.dates),
            "--repeat",
            str(args.repeat),
            "--pandas-way",
            args.pandas_way,
            "--polars-way",
            args.polars_way,
        ],
    )


def check(args: argparse.Namespace, inputs: list[str], dates: list) -> None:
    for ids in inputs:
        start = time.perf_counter()
        log = make_log(args.events, args.accounts, ids)
        ours = retain_usage_features(log, dates)
        for way in PANDAS_WAYS:
            check_equal(
                ours,
                pandas_compute(pandas_prepare(log, way), dates, way),
                f"pandas {way} ({ids} ids)",
            )
        ev = polars_prepare(log)
        for way in POLARS_WAYS:
            check_equal(ours, polars_compute(ev, dates, way), f"polars {way} ({ids} ids)")
        n_cols = ours.shape[1] - 2
        nan = int(ours["days_since_last_event"].isna().sum())
        print(
            f"check: retain, pandas (both ways) and polars (both ways) equal on every feature "
            f"({ids} ids): {len(ours):,} rows x {n_cols} columns, counts exact, trend and "
            f"recency to 1e-9; {nan:,} rows without an event yet "
            f"({time.perf_counter() - start:.1f} s)"
        )
        del log, ours, ev
        gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        type=int,
        default=5_000_000,
        help="events in the log (the issue's earlier size: 20000000)",
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument(
        "--dates", type=int, default=12, help=f"monthly as-of dates (<= {MAX_DATES})"
    )
    parser.add_argument(
        "--ids",
        choices=["both", *INPUTS],
        default="both",
        help="which input to time: string ids in no order, integer ids sorted by account, or both",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument(
        "--pandas-way",
        choices=PANDAS_WAYS,
        default="bounds",
        help="which pandas way to time (both are checked)",
    )
    parser.add_argument(
        "--polars-way",
        choices=POLARS_WAYS,
        default="per-date",
        help="which polars way to time (both are checked)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (20,000 events, 100 accounts, 1 run) to check it works",
    )
    parser.add_argument(
        "--child",
        choices=["retain-1core", "retain-all", "pandas", "polars"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--input", choices=INPUTS, help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.events, args.accounts, args.repeat = 20_000, 100, 1
    if not 1 <= args.dates <= MAX_DATES:
        parser.error(f"--dates must be between 1 and {MAX_DATES}")
    if args.events < 1 or args.accounts < 1 or args.repeat < 1:
        parser.error("--events, --accounts and --repeat must be at least 1")
    if args.child:
        child(args)
        return

    import polars as pl

    import retain as rt

    cores = os.cpu_count() or 1
    inputs = list(INPUTS) if args.ids == "both" else [args.ids]
    dates = as_of_dates(args.dates)
    print(
        f"{cores} cores ({cpu_model()}); retain {rt.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, polars {pl.__version__}"
    )
    print(
        f"data: {args.events:,} events of {args.accounts:,} accounts, 2024-01-01 to "
        f"2026-01-15, timestamps tz-aware in {TZ} (usage_features counts UTC days); inputs: "
        + ", ".join(inputs)
    )
    print(
        f"work: usage_features at {len(dates)} month ends ({dates[0]:%Y-%m-%d} to "
        f"{dates[-1]:%Y-%m-%d}) x windows {', '.join(map(str, WINDOWS))} days"
    )
    check(args, inputs, dates)

    sides = ("retain-1core", "retain-all", "pandas", "polars")
    results = {ids: {side: run_side(side, ids, args) for side in sides} for ids in inputs}

    print()
    print(
        f"best of {args.repeat} runs each, seconds; every side in a fresh child process; "
        "end to end = from the pandas DataFrame to the result"
    )
    print(
        "retain: prepare = building its event log from the DataFrame (ids interned), compute = "
        "the kernel on it; the end-to-end rows time the public call as a whole. pandas: "
        "prepare = factorize + sorted keys; polars: prepare = pl.from_pandas + day numbers"
    )
    print(
        f"1 core = the child pinned to one CPU (usage_features has no n_threads); every core = "
        f"{cores}; polars uses its own pool (every core), pandas/numpy one thread"
    )
    print()
    print(
        "| input | side | threads | prepare s | compute s | end to end s | pandas / this "
        "| polars / this | peak GiB | data GiB |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    rows, targets, boundary = [], [], []

    def seconds(value) -> str:
        return "" if value is None else f"{value:.3f}"

    for ids in inputs:
        r = results[ids]
        pandas_s = r["pandas"]["end_to_end"]["total"]
        polars_s = r["polars"]["end_to_end"]["total"]
        lines = [
            ("retain usage_features, end to end", "1 core", r["retain-1core"], "end_to_end"),
            ("retain usage_features, end to end", f"{cores} cores", r["retain-all"], "end_to_end"),
            ("retain kernel (log built first)", "1 core", r["retain-1core"], "kernel"),
            ("retain kernel (log built first)", f"{cores} cores", r["retain-all"], "kernel"),
            (f"pandas + numpy, sorted once ({args.pandas_way})", "1", r["pandas"], "end_to_end"),
            (f"polars ({args.polars_way})", f"{cores} (its pool)", r["polars"], "end_to_end"),
        ]
        for label, threads, res, part in lines:
            t = res[part]
            row = {
                "input": ids,
                "side": label,
                "threads": threads,
                "prepare_s": t["prepare"],
                "compute_s": t["compute"],
                "end_to_end_s": t["total"],
                "pandas_over_this": pandas_s / t["total"],
                "polars_over_this": polars_s / t["total"],
                "peak_gib": t["peak"] / 2**30,
                "data_gib": res["data"] / 2**30,
            }
            rows.append(row)
            print(
                f"| {ids} | {label} | {threads} | {seconds(t['prepare'])} | "
                f"{seconds(t['compute'])} | {t['total']:.3f} | {row['pandas_over_this']:.2f}x "
                f"| {row['polars_over_this']:.2f}x | {row['peak_gib']:.2f} | "
                f"{row['data_gib']:.2f} |"
            )
        retain_s = r["retain-all"]["end_to_end"]["total"]
        boundary.append(
            {
                "input": ids,
                "factorize_s": r["pandas"]["factorize"],
                "retain_log_s": r["retain-all"]["kernel"]["prepare"],
                "retain_kernel_s": r["retain-all"]["kernel"]["compute"],
                "pandas_compute_s": r["pandas"]["end_to_end"]["compute"],
            }
        )
        for name, base, goal in (
            ("the sorted-once pandas way", pandas_s, TARGET_PANDAS),
            ("polars", polars_s, TARGET_POLARS),
        ):
            targets.append(
                {
                    "text": f"usage_features on every core, end to end, >= {goal:.0f}x "
                    f"{name} ({ids} ids)",
                    "ratio": base / retain_s,
                    "target": goal,
                    "met": base / retain_s >= goal,
                }
            )
    print()
    print(
        "peak = the child's resident-set high-water mark (VmHWM) over the row's runs, restarted "
        "after making the data; data = the resident size then (interpreter, libraries and the "
        "input DataFrame)"
    )
    for b in boundary:
        print(
            f"boundary ({b['input']} ids): pd.factorize of the three id columns alone "
            f"{b['factorize_s']:.3f} s; retain's event-log build {b['retain_log_s']:.3f} s and "
            f"kernel {b['retain_kernel_s']:.3f} s on every core; the pandas way after its "
            f"prepare {b['pandas_compute_s']:.3f} s"
        )
    for t in targets:
        print(f"Target: {t['text']} (issue 13): {t['ratio']:.2f}x ({verdict(t['met'])})")
    if args.json:
        write_json(
            args.json,
            "engagement",
            rows,
            targets,
            {k: v for k, v in vars(args).items() if k not in ("child", "input")},
            boundary=boundary,
        )
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
