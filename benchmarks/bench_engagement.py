"""Point-in-time usage features: retain against the idiomatic pandas way.

Both start from the same event log (account, user, timestamp, feature; unsorted) and compute
``retain.engagement.usage_features`` for monthly as-of dates and windows (7, 30, 90): events,
active users, active days, distinct features and trend per window, and days since the last event.
pandas filters the log per as-of date and window, then ``groupby`` with ``size`` / ``nunique`` /
``max``. Both results are checked equal before any time is printed.

retain's time and peak memory (``ru_maxrss``) are measured in a child process that builds the
same log and runs only retain, so the peak is retain's (log included), not pandas'.

    .venv/bin/python benchmarks/bench_engagement.py [--events N] [--accounts A] [--as-of Q]

Target (issue #3): usage_features on 20 million events, 20,000 accounts, 36 monthly as-of dates
>= 30x faster than pandas and < 4 GiB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

import retain as rt

TARGET = 30.0
MEMORY_LIMIT_GIB = 4.0
WINDOWS = (7, 30, 90)
FEATURES = [f"feature_{k:02d}" for k in range(30)]


def make_log(n_events: int, n_accounts: int, seed: int = 2026) -> pd.DataFrame:
    """Events over three years (2022-2024) in random order; users belong to one account (50 each),
    features are a categorical of 30 names."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-01").value
    span = 3 * 365 * 86_400 * 10**9
    account = rng.integers(0, n_accounts, n_events)
    return pd.DataFrame(
        {
            "account_id": account,
            "user_id": account * 50 + rng.integers(0, 50, n_events),
            "timestamp": pd.to_datetime(start + rng.integers(0, span, n_events)),
            "feature": pd.Categorical.from_codes(
                rng.integers(0, len(FEATURES), n_events), FEATURES
            ),
        }
    )


def as_of_dates(n: int) -> list[pd.Timestamp]:
    """Month ends from January 2022 on."""
    return list(pd.date_range("2022-01-31", periods=n, freq="ME"))


def pandas_usage_features(log: pd.DataFrame, as_of: list, windows=WINDOWS) -> pd.DataFrame:
    """The idiomatic way: per as-of date, filter, then groupby size / nunique / max."""
    log = log.assign(day=log["timestamp"].dt.floor("D"))
    accounts = pd.Index(log["account_id"].unique(), name="account_id")
    parts = []
    for q in as_of:
        upto = log[log["day"] <= q]
        res = pd.DataFrame(index=accounts)
        for w in windows:
            win = upto[upto["day"] > q - pd.Timedelta(days=w)]
            g = win.groupby("account_id", observed=True)
            earlier = upto[
                (upto["day"] > q - pd.Timedelta(days=2 * w))
                & (upto["day"] <= q - pd.Timedelta(days=w))
            ]
            res[f"events_{w}d"] = g.size().reindex(accounts, fill_value=0)
            res[f"active_users_{w}d"] = g["user_id"].nunique().reindex(accounts, fill_value=0)
            res[f"active_days_{w}d"] = g["day"].nunique().reindex(accounts, fill_value=0)
            res[f"distinct_features_{w}d"] = g["feature"].nunique().reindex(accounts, fill_value=0)
            before = earlier.groupby("account_id").size().reindex(accounts, fill_value=0)
            res[f"trend_{w}d"] = res[f"events_{w}d"] / before.where(before > 0)
        last = upto.groupby("account_id")["day"].max().reindex(accounts)
        res["days_since_last_event"] = (q - last).dt.days.astype(float)
        res.insert(0, "as_of", q)
        parts.append(res.reset_index())
    return pd.concat(parts, ignore_index=True)


def retain_usage_features(log: pd.DataFrame, as_of: list) -> pd.DataFrame:
    return rt.engagement.usage_features(log, as_of=as_of, windows=WINDOWS)


def child(args: argparse.Namespace) -> None:
    """Runs only retain on a freshly built log; prints its best time and peak RSS as JSON."""
    log = make_log(args.events, args.accounts)
    dates = as_of_dates(args.as_of)
    log_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # making the log, before retain
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        retain_usage_features(log, dates)
        best = min(best, time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": best, "peak_gib": peak_kib / 2**20, "log_gib": log_kib / 2**20}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--as-of", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    print(f"{os.cpu_count()} cores; retain {rt.__version__}, pandas {pd.__version__}")
    print(
        f"{args.events:,} events, {args.accounts:,} accounts, {args.as_of} monthly as-of dates, "
        f"windows {WINDOWS}"
    )
    # retain first, in a child started while this process is still small: a child's ru_maxrss
    # starts from its parent's resident size at the fork, which would otherwise count pandas'.
    run = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--events",
            str(args.events),
            "--accounts",
            str(args.accounts),
            "--as-of",
            str(args.as_of),
            "--repeat",
            str(args.repeat),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])

    log = make_log(args.events, args.accounts)
    dates = as_of_dates(args.as_of)

    # Check: the same numbers, row for row, at full size.
    ours = retain_usage_features(log, dates)
    start = time.perf_counter()
    theirs = pandas_usage_features(log, dates)
    pandas_seconds = time.perf_counter() - start
    key = ["account_id", "as_of"]
    pd.testing.assert_frame_equal(
        ours.sort_values(key).reset_index(drop=True),
        theirs[ours.columns].sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    print(f"check: pandas equals retain on all {len(ours):,} rows x {ours.shape[1]} columns")

    ratio = pandas_seconds / result["seconds"]
    print(f"{'':<24}{'seconds':>9}")
    print(f"{'retain (best of ' + str(args.repeat) + ')':<24}{result['seconds']:>9.3f}")
    print(f"{'pandas (one run)':<24}{pandas_seconds:>9.3f}")
    print(f"ratio {ratio:.1f}x; retain peak memory {result['peak_gib']:.2f} GiB (ru_maxrss of a")
    print(
        "child process that builds the log and runs only retain; making the log alone peaked at "
        f"{result['log_gib']:.2f} GiB)"
    )
    met = ratio >= TARGET and result["peak_gib"] < MEMORY_LIMIT_GIB
    print(
        f"Target: >= {TARGET:.0f}x faster than pandas and < {MEMORY_LIMIT_GIB:.0f} GiB peak memory "
        f"(issue #3): {'MET' if met else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
