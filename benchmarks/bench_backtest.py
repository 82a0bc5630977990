"""A churn backtest from a Book (issue 13): ``rt.backtest(model, book, as_of=...)`` against the
fastest plain pandas / numpy way, in one run.

The data, as users have it: a Book of accounts (tz-aware ``signed_at``), events (user, feature,
tz-aware timestamp), surveys (NPS 0-10 and CSAT 1-5), tickets (opened, closed) and churn records
(one per churned account, no returns), read in the zone America/New_York. Default size: 100,000
accounts x 36 monthly as-of dates, about 2 events per account and month (about 8 M events).
Accounts that will churn go quiet in the weeks before, so the scores mean something. Two inputs,
each its own block of rows: ``str-shuffled`` (string ids "ACC-0000042", every table's rows in no
order) and ``int-sorted`` (int64 ids, every table sorted by account, then time).

The model: a health document of 20 measures over the Book's snapshot columns (events, active
users, active days, distinct features and trend over 7, 30 and 90 days; days since the last
event; NPS and CSAT; open tickets; tenure), in linear, bands and percentile transforms, three
groups, missing values reweighted.

retain (the timed work): ``rt.backtest(model, book, as_of=dates, horizon_days=90,
n_threads=...)``, which takes the Book's snapshots at every date, labels them from the Book's
churns, scores each date's rows (percentiles rank within their date) and computes every
per-date metric (ROC AUC, PR AUC, top-decile lift, ...). The Book is built once, as a user does;
its build time is its own column, outside the target.

The plain way starts from the features as the snapshots give them (``book.snapshots(dates,
active_only=False)`` without the ``active`` column, made once and untimed, in the input's row
order): the feature table a pipeline would hand a data scientist, so the plain way is spared
computing the 20 features from the raw tables, which retain's time includes. Then the fastest
honest pandas / numpy: churn days in the Book's zone, the rows sorted once by as-of date, two
``pd.merge_asof`` of the churn records onto the (account, date) grid (backward: churned on or
before the date, the row is dropped as inactive; forward: the label, a churn in (as_of, as_of +
90 days]), rows whose horizon ends after the last date dropped as unresolved, the same document
scored by vectorised numpy (bench_health's transforms; percentiles ranked per date on each date's
slice) and per-date n, churners and ROC AUC by one ``np.lexsort`` of (date, risk) with midranks
for ties (checked against scikit-learn's ``roc_auc_score``). The plain way computes only those
three metrics; retain computes all of its per-date table.

The check, first: per date, n and churners exactly and ROC AUC to 1e-9, retain on 1 thread and
on every core against the plain way, ROC AUC within one (churner, non-churner) pair of 1 / (P x N)
(the last bit of a score summed in another order can split a tie), and the plain way's AUC
against ``roc_auc_score`` on its own risks to 1e-9.

Timing and memory: every row is a fresh child process, best of --repeat runs on every side. retain
runs on 1 core (the child pinned to one CPU and ``n_threads=1``) and on every core; numpy and
pandas are single threaded. Peak memory is the child's resident-set high-water mark (VmHWM),
beside the same mark right after the inputs were made.

    .venv/bin/python benchmarks/bench_backtest.py [--accounts N] [--dates D] [--repeat R]
        [--events-per-month E] [--inputs str-shuffled int-sorted] [--quick] [--json PATH]

Target (issue 13): the backtest of 36 dates x 100,000 accounts x 20 measures from a Book in under
1 s, retain on every core; the ratio against the plain way is printed beside it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import _common
from _common import cpu_model, peak_rss_bytes, pin_to_one_core, run_child, verdict, write_json
from bench_health import numpy_transform, plan_of

TZ = "America/New_York"
HORIZON = 90
TARGET_SECONDS = 1.0
FIRST_DATE = pd.Timestamp("2022-04-01")
FEATURES = np.array(
    ["dashboard", "export", "alerts", "api", "reports", "sso", "billing", "share"], dtype=object
)
INPUTS = {
    "str-shuffled": "string ids, rows in no order",
    "int-sorted": "int64 ids, rows sorted by account",
}
SIDES = {
    "retain-1": "retain rt.backtest, 1 thread",
    "retain-all": "retain rt.backtest, every core",
    "plain": "pandas merge_asof + numpy (the plain way)",
}


def document() -> dict:
    """The health document: 20 measures over the Book's snapshot columns."""
    measures = []
    for w, days in ((7, 7), (30, 30), (90, 90)):
        measures += [
            {"name": f"events_{w}d", "group": "usage", "transform": {"kind": "percentile"}},
            {
                "name": f"active_users_{w}d",
                "group": "usage",
                "weight": 2,
                "transform": {"kind": "linear", "lo": 0, "hi": 5},
            },
            {
                "name": f"active_days_{w}d",
                "group": "usage",
                "transform": {"kind": "linear", "lo": 0, "hi": days / 2},
            },
            {
                "name": f"distinct_features_{w}d",
                "group": "usage",
                "transform": {"kind": "linear", "lo": 0, "hi": 4},
            },
            {
                "name": f"trend_{w}d",
                "group": "usage",
                "weight": 0.5,
                "transform": {"kind": "bands", "edges": [-0.25, 0.1], "scores": [0, 50, 100]},
            },
        ]
    measures += [
        {
            "name": "days_since_last_event",
            "group": "usage",
            "transform": {"kind": "linear", "lo": 60, "hi": 0},
        },
        {
            "name": "nps_score",
            "group": "satisfaction",
            "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
        },
        {
            "name": "csat_score",
            "group": "satisfaction",
            "transform": {"kind": "linear", "lo": 1, "hi": 5},
        },
        {
            "name": "open_tickets",
            "group": "satisfaction",
            "weight": 0.5,
            "transform": {"kind": "linear", "lo": 5, "hi": 0},
        },
        {"name": "tenure_days", "group": "customer", "transform": {"kind": "percentile"}},
    ]
    return {
        "version": 1,
        "name": "backtest benchmark",
        "groups": [
            {"name": "usage", "weight": 0.5},
            {"name": "satisfaction", "weight": 0.3},
            {"name": "customer", "weight": 0.2},
        ],
        "measures": measures,
        "missing": "reweight",
    }


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def as_of_dates(n_dates: int) -> pd.DatetimeIndex:
    return pd.date_range(FIRST_DATE, periods=n_dates, freq="MS")


def make_tables(
    n_accounts: int, n_dates: int, per_month: float, ids: str, seed: int = 13
) -> dict[str, pd.DataFrame]:
    """The Book's tables (see the module docstring)."""
    rng = np.random.default_rng(seed)
    a = n_accounts
    dates = as_of_dates(n_dates)
    utc = pd.Timestamp(FIRST_DATE, tz=TZ).tz_convert("UTC")
    lo = int((utc - pd.Timedelta(days=100)).timestamp())
    hi = int(pd.Timestamp(dates[-1], tz=TZ).tz_convert("UTC").timestamp())
    months = (hi - lo) / (30.4 * 86_400)

    def instants(seconds: np.ndarray) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(seconds.astype("datetime64[s]").astype("datetime64[ns]"), tz="UTC")

    if ids == "str-shuffled":
        names = np.char.add("ACC-", np.char.zfill(np.arange(a).astype(str), 7)).astype(object)
    else:
        names = np.arange(1, a + 1, dtype=np.int64) * 7
    signed = lo - rng.integers(0, 3 * 365 * 86_400, a)
    activity = rng.gamma(2.0, 0.5, a) * per_month
    # Quiet accounts churn more; churn days over the whole span and its horizon.
    churns = rng.random(a) < np.clip(0.012 * n_dates / (0.4 + activity / per_month), 0, 0.9)
    c_acc = np.flatnonzero(churns)
    c_time = rng.integers(lo + 20 * 86_400, hi + HORIZON * 86_400, len(c_acc))
    churn_at = np.full(a, np.iinfo(np.int64).max)
    churn_at[c_acc] = c_time

    def activity_rows(rate: np.ndarray, fade: float) -> tuple[np.ndarray, np.ndarray]:
        """(account, unix seconds) rows at ``rate`` per month; none after a churn, and in the 60
        days before it only a ``fade`` share."""
        n = rng.poisson(rate * months)
        acc = np.repeat(np.arange(a), n)
        t = rng.integers(lo, hi + 86_400, len(acc))  # through the last as-of day
        before = churn_at[acc] - t
        keep = (before > 0) & ((before > 60 * 86_400) | (rng.random(len(acc)) < fade))
        return acc[keep], t[keep]

    e_acc, e_time = activity_rows(activity, 0.3)
    seats = rng.integers(1, 25, a)
    events = {
        "account_id": e_acc,
        "user_id": rng.integers(0, 1 << 30, len(e_acc)) % seats[e_acc],
        "feature": FEATURES[rng.integers(0, len(FEATURES), len(e_acc))],
        "timestamp": e_time,
    }
    s_acc, s_time = activity_rows(np.full(a, 0.15), 0.5)
    nps = rng.random(len(s_acc)) < 0.6
    score = np.where(nps, rng.integers(0, 11, len(s_acc)), rng.integers(1, 6, len(s_acc)))
    surveys = {
        "account_id": s_acc,
        "answered_at": s_time,
        "score": score.astype(np.float64),
        "kind": np.where(nps, "nps", "csat").astype(object),
    }
    t_acc, t_time = activity_rows(np.full(a, 0.3), 1.0)
    closed = t_time + rng.exponential(5 * 86_400, len(t_acc)).astype(np.int64)
    tickets = {"account_id": t_acc, "opened_at": t_time, "closed_at": closed}
    tables = {
        "accounts": {"account_id": np.arange(a), "signed_at": signed},
        "events": events,
        "surveys": surveys,
        "tickets": tickets,
        "churns": {"account_id": c_acc, "churned_at": c_time},
    }
    out = {}
    for name, cols in tables.items():
        acc = cols["account_id"]
        t = next(v for k, v in cols.items() if k.endswith("_at") or k == "timestamp")
        order = rng.permutation(len(acc)) if ids == "str-shuffled" else np.lexsort((t, acc))
        frame = {}
        for k, v in cols.items():
            v = v[order]
            if k == "account_id":
                v = names[v]
            elif k.endswith("_at") or k == "timestamp":
                v = instants(v)
            frame[k] = v
        out[name] = pd.DataFrame(frame)
    return out


def make_book(tables: dict) -> Any:
    import retain as rt

    return rt.Book(
        tables["accounts"],
        events=tables["events"],
        surveys=tables["surveys"],
        tickets=tables["tickets"],
        churns=tables["churns"],
        tz=TZ,
    )


def plain_input(book: Any, tables: dict, n_dates: int, ids: str) -> dict:
    """The plain way's input: the features as the snapshots give them (the whole grid of signed
    accounts, no ``active`` column), in the input's row order, and the churn records."""
    features = book.snapshots(as_of_dates(n_dates), active_only=False).drop(columns="active")
    if ids == "str-shuffled":
        order = np.random.default_rng(7).permutation(len(features))
    else:
        order = np.lexsort((features["as_of"].to_numpy(), features["account_id"].to_numpy()))
    return {"features": features.iloc[order].reset_index(drop=True), "churns": tables["churns"]}


# ---------------------------------------------------------------------------------------------
# retain
# ---------------------------------------------------------------------------------------------


def retain_backtest(model: Any, book: Any, n_dates: int, n_threads: int | None) -> pd.DataFrame:
    import retain as rt

    result = rt.backtest(
        model, book, as_of=as_of_dates(n_dates), horizon_days=HORIZON, n_threads=n_threads
    )
    return result.per_date


# ---------------------------------------------------------------------------------------------
# The plain way
# ---------------------------------------------------------------------------------------------


def plain_score(plan: Any, columns: dict[str, np.ndarray], start: int, stop: int) -> np.ndarray:
    """The document's score of rows [start, stop) (one as-of date: percentiles rank there)."""
    n = stop - start
    num = {g: np.zeros(n) for g in plan.groups}
    den = {g: np.zeros(n) for g in plan.groups}
    for _, column, g, w, t, ref in plan.measures:
        x = columns[column][start:stop]
        present = ~np.isnan(x)
        s = numpy_transform(t, x, present, ref)
        num[g] += np.where(present, w * s, 0.0)
        den[g] += w * present
    total_num, total_den = np.zeros(n), np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for g in plan.groups:
            ok = den[g] > 0
            total_num += np.where(ok, plan.group_weight[g] * num[g] / np.where(ok, den[g], 1), 0)
            total_den += plan.group_weight[g] * ok
        return total_num / total_den


def plain_backtest(plan: Any, data: dict, detail: list | None = None) -> pd.DataFrame:
    """Per-date n, churners and ROC AUC (see the module docstring); ``detail``, when given,
    receives the scored rows' (date number, risk, label) for the check."""
    features, churns = data["features"], data["churns"]
    as_of = features["as_of"].to_numpy()
    order = np.argsort(as_of, kind="stable")  # merge_asof wants its key sorted; scoring, dates
    left = pd.DataFrame(
        {"account_id": features["account_id"].to_numpy()[order], "as_of": as_of[order]}
    )
    day = churns["churned_at"].dt.tz_convert(TZ).dt.tz_localize(None).dt.floor("D")
    right = pd.DataFrame(
        {"account_id": churns["account_id"].to_numpy(), "churn_day": day.to_numpy()}
    ).sort_values("churn_day")
    before = pd.merge_asof(
        left, right, left_on="as_of", right_on="churn_day", by="account_id", direction="backward"
    )
    after = pd.merge_asof(
        left,
        right,
        left_on="as_of",
        right_on="churn_day",
        by="account_id",
        direction="forward",
        allow_exact_matches=False,
    )
    horizon = np.timedelta64(HORIZON, "D")
    when = left["as_of"].to_numpy()
    keep = before["churn_day"].isna().to_numpy() & (when + horizon <= when[-1])
    label = (after["churn_day"].to_numpy() <= when + horizon)[keep]
    rows = order[keep]
    columns = {c: features[c].to_numpy(dtype=np.float64)[rows] for _, c, *_ in plan.measures}
    dates, starts = np.unique(when[keep], return_index=True)
    bounds = np.append(starts, len(rows))
    risk = np.empty(len(rows))
    for k in range(len(dates)):
        risk[bounds[k] : bounds[k + 1]] = 100.0 - plain_score(
            plan, columns, bounds[k], bounds[k + 1]
        )
    date = np.repeat(np.arange(len(dates)), np.diff(bounds))
    scored = ~np.isnan(risk)
    date, risk, label = date[scored], risk[scored], label[scored]
    if detail is not None:
        detail.extend((date, risk, label))
    # One sort of (date, risk); tied risks share their midrank within the date.
    by = np.lexsort((risk, date))
    d, r, y = date[by], risk[by], label[by].astype(np.float64)
    n = np.bincount(d, minlength=len(dates))
    first_of_date = np.concatenate([[0], np.cumsum(n)[:-1]])
    new = np.r_[True, (r[1:] != r[:-1]) | (d[1:] != d[:-1])]
    run = np.cumsum(new) - 1
    run_first = np.flatnonzero(new)
    run_last = np.append(run_first[1:], len(r)) - 1
    midrank = (run_first + run_last) / 2.0 + 1.0 - first_of_date[d[run_first]]
    positives = np.bincount(d, weights=y, minlength=len(dates))
    rank_sum = np.bincount(d, weights=y * midrank[run], minlength=len(dates))
    negatives = n - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
    return pd.DataFrame(
        {"n": n, "churners": positives.astype(np.int64), "roc_auc": auc},
        index=pd.DatetimeIndex(dates, name="as_of"),
    )


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def check_equal(ours: pd.DataFrame, theirs: pd.DataFrame, who: str) -> None:
    assert list(pd.DatetimeIndex(ours.index)) == list(theirs.index), f"{who}: dates differ"
    for c in ("n", "churners"):
        np.testing.assert_array_equal(
            ours[c].to_numpy(np.int64), theirs[c].to_numpy(np.int64), err_msg=f"{who}: {c}"
        )
    # Scores summed in another order can differ in the last bit, splitting (or joining) a tie:
    # that moves an AUC by half a (churner, non-churner) pair, so one pair is the tolerance.
    pairs = theirs["churners"].to_numpy(float) * (theirs["n"] - theirs["churners"]).to_numpy()
    gap = np.abs(ours["roc_auc"].to_numpy(float) - theirs["roc_auc"].to_numpy(float))
    assert (gap <= 1.0 / pairs + 1e-9).all(), f"{who}: roc_auc differs by {gap.max():.3g}"


def check_input(args: argparse.Namespace, ids: str) -> str:
    """Runs every side once on one input, checks them equal, returns the check line."""
    import retain as rt

    start = time.perf_counter()
    tables = make_tables(args.accounts, args.dates, args.events_per_month, ids)
    book = make_book(tables)
    doc = document()
    model, plan = rt.HealthModel(doc), plan_of(doc)
    data = plain_input(book, tables, args.dates, ids)
    detail: list = []
    theirs = plain_backtest(plan, data, detail)
    date, risk, label = detail
    sk = [roc_auc_score(label[date == k], risk[date == k]) for k in range(len(theirs))]
    np.testing.assert_allclose(
        theirs["roc_auc"].to_numpy(),
        sk,
        rtol=1e-9,
        atol=0,
        err_msg="the one-sort AUC against roc_auc_score",
    )
    for threads in (1, None):
        check_equal(
            retain_backtest(model, book, args.dates, threads), theirs, f"retain n_threads={threads}"
        )
    return (
        f"check: the plain way (pandas merge_asof + numpy, AUC checked against scikit-learn) "
        f"equals retain rt.backtest (1 thread and every core) on {ids}: {len(theirs)} scored "
        f"dates, {int(theirs['n'].sum()):,} labelled rows, {int(theirs['churners'].sum()):,} "
        f"churners, {len(tables['events']):,} events; per-date n and churners exact, ROC AUC "
        f"within one pair "
        f"(mean {theirs['roc_auc'].mean():.3f}) ({time.perf_counter() - start:.1f} s)"
    )


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def time_side(side: str, ids: str, args: argparse.Namespace) -> dict:
    """Best of --repeat runs of one side on one input, in this process."""
    import retain as rt  # the Book is every side's source, so every side imports retain

    tables = make_tables(args.accounts, args.dates, args.events_per_month, ids)
    t0 = time.perf_counter()
    book = make_book(tables)
    build = time.perf_counter() - t0
    doc = document()
    if side == "plain":
        plan = plan_of(doc)
        data = plain_input(book, tables, args.dates, ids)
        del book, tables

        def work() -> Any:
            return plain_backtest(plan, data)
    else:
        model = rt.HealthModel(doc)
        threads = 1 if side == "retain-1" else None

        def work() -> Any:
            return retain_backtest(model, book, args.dates, threads)

    gc.collect()
    data_peak = peak_rss_bytes()
    best = float("inf")
    for _ in range(args.repeat):
        gc.collect()
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    return {"seconds": best, "build": build, "peak": peak_rss_bytes(), "data_peak": data_peak}


def child(args: argparse.Namespace) -> None:
    if args.child == "retain-1":  # one core, for the Book's build too
        pin_to_one_core()
    print(json.dumps(time_side(args.child, args.ids, args)))


def run_side(side: str, ids: str, args: argparse.Namespace) -> dict:
    return run_child(
        __file__,
        [
            "--child",
            side,
            "--ids",
            ids,
            "--accounts",
            str(args.accounts),
            "--dates",
            str(args.dates),
            "--repeat",
            str(args.repeat),
            "--events-per-month",
            str(args.events_per_month),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--dates", type=int, default=36)
    parser.add_argument(
        "--events-per-month", type=float, default=2.0, help="mean events per account and month"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (1,500 accounts x 8 dates, 1 run) to check it works",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--child", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--ids", choices=list(INPUTS), help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.accounts, args.dates, args.repeat = 1_500, 8, 1
    if args.dates < 5:
        parser.error("--dates must be at least 5 (the last 3 are within the 90-day horizon)")
    if args.accounts < 100 or args.repeat < 1 or args.events_per_month <= 0:
        parser.error(
            "--accounts must be at least 100, --repeat at least 1, --events-per-month positive"
        )
    if args.child:
        child(args)
        return

    import sklearn

    import retain as rt

    cores = os.cpu_count() or 1
    print(
        f"{cores} cores ({cpu_model()}); retain {rt.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}"
    )
    print(
        f"data: {args.accounts:,} accounts x {args.dates} monthly as-of dates, "
        f"{args.events_per_month:g} events per account and month; Book zone {TZ}; "
        f"{len(document()['measures'])} measures; horizon {HORIZON} days"
    )
    for ids in args.inputs:
        print(check_input(args, ids), flush=True)
        gc.collect()

    print()
    where = (
        "--quick: every row in this process, not pinned, peaks cumulative (a smoke test, "
        "not a measurement)"
        if args.quick
        else "every row a fresh child process"
    )
    print(f"best of {args.repeat} runs each, seconds, {where}")
    print()
    header = ["input", "side", "Book build s", "backtest s", "plain / this", "peak GiB", "data GiB"]
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    rows, targets = [], []
    for ids in args.inputs:
        if args.quick:  # toy size: every side in this process, to finish in seconds
            results = {side: time_side(side, ids, args) for side in SIDES}
        else:
            results = {side: run_side(side, ids, args) for side in SIDES}
        plain = results["plain"]["seconds"]
        for side, label in SIDES.items():
            r = results[side]
            build = f"{r['build']:.3f}" if side != "plain" else "(untimed)"
            print(
                f"| {ids} | {label} | {build} | {r['seconds']:.3f} | "
                f"{plain / r['seconds']:.2f}x | {r['peak'] / 2**30:.2f} | "
                f"{r['data_peak'] / 2**30:.2f} |",
                flush=True,
            )
            rows.append(
                {
                    "input": ids,
                    "input_description": INPUTS[ids],
                    "side": label,
                    "threads": cores if side == "retain-all" else 1,
                    "book_build_s": r["build"] if side != "plain" else None,
                    "backtest_s": r["seconds"],
                    "plain_over_this": plain / r["seconds"],
                    "peak_gib": r["peak"] / 2**30,
                    "data_gib": r["data_peak"] / 2**30,
                }
            )
        seconds = results["retain-all"]["seconds"]
        targets.append(
            {
                "text": (
                    f"backtest of {args.dates} dates x {args.accounts:,} accounts x 20 measures "
                    f"from a Book, retain on every core < {TARGET_SECONDS:g} s on "
                    f"{INPUTS[ids]} ({ids}): {seconds:.3f} s, against the plain way"
                ),
                "ratio": plain / seconds,
                "seconds": seconds,
                "target": TARGET_SECONDS,
                "met": seconds < TARGET_SECONDS,
            }
        )
    print()
    print(
        "Book build: rt.Book(...) once (not in the backtest time; default threads, or the one "
        "pinned core). The plain way starts from book.snapshots(...) made untimed."
    )
    print(
        "1 thread: the child pinned to one CPU and n_threads=1; pandas and numpy run on one thread."
    )
    print(
        "peak = the child's resident-set high-water mark (VmHWM); data = the same mark once "
        "its inputs were made (the Book, or the plain way's feature table)."
    )
    print()
    for t in targets:
        print(f"Target: {t['text']}: {t['ratio']:.2f}x ({verdict(t['met'])})")

    if args.json:
        write_json(
            args.json,
            "bench_backtest",
            rows,
            targets,
            {
                "accounts": args.accounts,
                "dates": args.dates,
                "repeat": args.repeat,
                "events_per_month": args.events_per_month,
                "inputs": args.inputs,
                "quick": args.quick,
            },
        )


if __name__ == "__main__":
    main()
