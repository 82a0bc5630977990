"""Usage features and health scores on Dask (``retain.dist``) against one process: 2,000,000
accounts over 50,000,000 events by default, Dask on two workers against retain on one core and
on every core, and what each partition of the Dask work costs.

The data, as users store it: the event log (account_id, user_id, timestamp, feature) written as
--files Parquet files in a temporary directory (removed at the end), rows in no order. String
ids ("ACC-0000042", "USR-00000042", "feature_07"), timestamps tz-aware in America/New_York, events
from 2025-01-01 to mid-January 2026 (a few after the as-of date, which no feature may see).
Accounts start and stop at different times and their activity is skewed (lognormal weights,
sigma 1.5: most accounts have a few events, a few have thousands); each has its own users (1 +
Poisson(3)), 40 feature names of skewed popularity. Both sides read the same files: one process
with pyarrow (``pq.read_table(...).to_pandas``, text as ``string[pyarrow]``, the dtype Dask reads
it as; object strings would cost several GB more at 50 M rows), Dask with ``dd.read_parquet``.

The work: ``usage_features`` at one as-of date (2025-12-31) x windows 7, 30 and 90 days, then
health scores of those features with the default model's usage measures (``rt.models.default()``
without the measures whose columns are not usage features, so that no absent column lowers the
coverage or warns): its ``events_30d`` percentile has no reference, so it ranks each account
among all of them. In one process: ``rt.engagement.usage_features(events, ...)`` then
``model.score(features)`` (with the key columns, as ``retain.dist.score`` returns them). On Dask:
``retain.dist.usage_features(dd.read_parquet(...), ..., n_partitions=--partitions)`` (a shuffle on
a bucket of the account, then the one-process function per partition), persisted on the workers,
then ``retain.dist.score(features, model).compute()``, which first collects ``events_30d`` to
calibrate the model and then scores each partition where it is.

Both give one row per account with an event (``accounts=None``). The Dask result (sorted by
account and as_of) equals the one-process result, features and scores, before anything is timed
(counts exactly, trends, recency and scores to 1e-12 relative).

Sides, each in its own fresh child process, best of --repeat runs of each phase (the same count
on every side); a row's total is its two phases' sum:

- one process, retain ``n_threads=1``, the child pinned to one CPU (pyarrow's reading too);
- one process, retain ``n_threads=None`` (every core);
- Dask ``LocalCluster``, 2 worker processes x 1 thread, retain ``n_threads=1`` inside, started
  (and its workers' imports done) before the timing, as a cluster is running before a job.

Phases: ``features`` = from the files to the features (one process: reading, printed apart, plus
``usage_features``; Dask: reading, shuffle and the per-partition calls, persisted on the
workers); ``scores`` = from the features to the scores in the driver's memory. Peak memory is the
resident-set high-water mark (VmHWM) over the row's runs: of the child process for one process;
for Dask of each worker (read on the workers by ``client.run``) and of the driver (the child,
which also runs the scheduler), each restarted after the cluster has started.

The overhead per partition: the Dask features phase timed again at each --sweep number of
partitions on the same data (at full size from 500,000 accounts, 12.5 M events, per partition
down to 7,800 accounts, 195,000 events; the --partitions point is the timed row's own features
phase), a straight line fitted to seconds against partitions: its slope is the cost of one more
partition, its intercept the work that does not depend on the split. The work grows with the
events and the overhead with the partitions, so the advice printed from the fit is a partition
size, not a count: the fewest events (and accounts, at this data's events per account) per
partition that keep the overhead within 10 % of the intercept; beside each point, its largest
worker peak (the price of larger partitions).

    PYTHONPATH=python .venv/bin/python benchmarks/bench_dist.py [--accounts A] [--events N]
        [--files F] [--partitions P] [--sweep 4,16,64,256] [--repeat R] [--tmp DIR]
        [--json PATH] [--quick]

One run of each phase by default (--repeat 1), so that the whole script, the check at full size
included, stays within about 15 minutes on two cores. The temporary files (about 1 GB of
Parquet at full size, and the shuffle's spill) go under --tmp.

Target (the issue sets no number; this one is ours): Dask on two workers x 1 thread is no
slower than 1.25x one process on every core for usage features + scores, end to end from the
files: on two cores both sides have the same two cores, so what Dask adds (the bucket of each
row, the shuffle, the calibration pass and the collection of the scores) is all it can show.
``--quick`` (20,000 accounts, 200,000 events, 2 and 4 partitions) checks everything in about 10
seconds, most of it processes starting.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import _common
from _common import (
    best_of,
    cpu_model,
    peak_rss_bytes,
    pin_to_one_core,
    reset_peak,
    run_child,
    verdict,
    write_json,
)

TZ = "America/New_York"
WINDOWS = (7, 30, 90)
AS_OF = "2025-12-31"
DATA_START = pd.Timestamp("2025-01-01", tz=TZ)
DATA_END = pd.Timestamp("2026-01-16", tz=TZ)  # a few events after the as-of date
N_FEATURES = 40
KEYS = ["account_id", "as_of"]
WORKERS = 2
TARGET = 1.25
OVERHEAD_SHARE = 0.10  # the partition overhead the advice allows, as a share of the work
SIDES = ("retain-1", "retain-all", "dask")
GIB = 2**30


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def labels(prefix: str, numbers: np.ndarray, width: int):
    """Text ids ("ACC-0000042") as a pyarrow array: built by Arrow's kernels, because millions
    of Python strings would cost more time and memory than the benchmark's own work."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def write_events(folder: Path, n_events: int, n_accounts: int, n_files: int, seed: int = 17):
    """The event log of the module docstring as ``n_files`` Parquet files, one file's rows made
    at a time, each file's rows drawn from every account (so in no order)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    a = n_accounts
    lo, hi = DATA_START.value, DATA_END.value
    start = np.where(rng.random(a) < 0.6, lo, lo + (rng.random(a) * 0.9 * (hi - lo)))
    start = start.astype(np.int64)
    stop = np.where(rng.random(a) < 0.75, hi, start + rng.random(a) * (hi - start))
    stop = np.maximum(stop.astype(np.int64), start + 3600 * 10**9)
    cdf = np.cumsum(rng.lognormal(0.0, 1.5, a) * (stop - start))
    cdf /= cdf[-1]
    n_users = 1 + rng.poisson(3, a)
    user_first = np.concatenate([[0], np.cumsum(n_users)[:-1]])
    popularity = 1.0 / np.arange(1, N_FEATURES + 1)
    feature_cdf = np.cumsum(popularity / popularity.sum())
    # ids numbered apart from the order of the accounts' activity and of their rows
    account_ids = labels("ACC-", rng.permutation(a) + 1, 7)
    user_ids = labels("USR-", rng.permutation(int(n_users.sum())) + 1, 8)
    feature_names = pa.array([f"feature_{k:02d}" for k in range(N_FEATURES)])
    stamp_type = pa.timestamp("ns", tz=TZ)
    sizes = np.diff(np.linspace(0, n_events, n_files + 1).astype(np.int64))
    for k, rows in enumerate(sizes):
        acc = np.minimum(np.searchsorted(cdf, rng.random(rows), side="right"), a - 1)
        user = user_first[acc] + (rng.random(rows) ** 2 * n_users[acc]).astype(np.int64)
        stamps = start[acc] + (rng.random(rows) * (stop - start)[acc]).astype(np.int64)
        feature = np.minimum(
            np.searchsorted(feature_cdf, rng.random(rows), side="right"), N_FEATURES - 1
        )
        table = pa.table(
            {
                "account_id": account_ids.take(acc),
                "user_id": user_ids.take(user),
                "timestamp": pa.array(stamps, type=stamp_type),
                "feature": feature_names.take(feature),
            }
        )
        pq.write_table(table, folder / f"events-{k:04d}.parquet")
        del table, acc, user, stamps, feature


def read_events(folder: Path) -> pd.DataFrame:
    """The files as one pandas frame, text as ``string[pyarrow]`` (what dd.read_parquet gives)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_text = {
        pa.string(): pd.StringDtype("pyarrow"),
        pa.large_string(): pd.StringDtype("pyarrow"),
    }
    return pq.read_table(folder).to_pandas(types_mapper=arrow_text.get)


def usage_model():
    """The default model's usage group alone, its percentile measure still without reference."""
    import retain as rt

    document = rt.models.default().to_dict()
    document["measures"] = [m for m in document["measures"] if m["group"] == "usage"]
    document["groups"] = [g for g in document["groups"] if g["name"] == "usage"]
    document["name"] = "default, usage measures"
    return rt.HealthModel(document)


# ---------------------------------------------------------------------------------------------
# The two sides
# ---------------------------------------------------------------------------------------------


def one_process_features(events: pd.DataFrame, n_threads) -> pd.DataFrame:
    import retain as rt

    return rt.engagement.usage_features(events, AS_OF, WINDOWS, n_threads=n_threads)


def one_process_scores(features: pd.DataFrame, model, n_threads) -> pd.DataFrame:
    return pd.concat([features[KEYS], model.score(features, n_threads=n_threads)], axis=1)


def dask_features(folder: Path, n_partitions: int):
    import dask.dataframe as dd

    import retain.dist as rd

    events = dd.read_parquet(str(folder))
    return rd.usage_features(events, AS_OF, WINDOWS, n_partitions=n_partitions)


def persisted(frame):
    """``frame`` computed and held on the workers (what a job does before using it twice)."""
    from distributed import wait

    frame = frame.persist()
    wait(frame)
    return frame


def dask_scores(features, model) -> pd.DataFrame:
    import retain.dist as rd

    return rd.score(features, model).compute()


class Cluster:
    """A LocalCluster of WORKERS processes x 1 thread and its client, its scratch space (the
    shuffle's spill) under ``scratch`` so that it goes with the benchmark's temporary files."""

    def __init__(self, scratch: Path):
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(scratch),
            silence_logs=logging.ERROR,
        )
        self.client = Client(self.cluster)

    def warm(self, folder: Path, model) -> None:
        """The whole job once on a few hundred rows: the workers' imports and the shuffle's
        first-use set-up done before any timing, as the one-process children import theirs."""
        import dask.dataframe as dd

        import retain.dist as rd

        first = min(folder.iterdir())
        sample = pd.read_parquet(first).head(500)
        events = dd.from_pandas(sample, npartitions=WORKERS, sort=False)
        features = persisted(rd.usage_features(events, AS_OF, WINDOWS, n_partitions=WORKERS))
        dask_scores(features, model)

    def reset_peaks(self) -> None:
        self.client.run(reset_peak)
        reset_peak()

    def worker_peaks(self) -> list[int]:
        return [peak for _, peak in sorted(self.client.run(peak_rss_bytes).items())]

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Text and categories as Arrow strings (Dask returns plain strings, one process a
    Categorical grade), rows sorted by account and as_of."""
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
            frame[column] = frame[column].astype(object).astype(pd.StringDtype("pyarrow"))
    return frame.sort_values(KEYS, kind="stable", ignore_index=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
    got, want = comparable(got), comparable(want)
    assert list(got.columns) == list(want.columns), (what, list(got.columns), list(want.columns))
    assert len(got) == len(want), f"{what}: Dask has {len(got):,} rows, one process {len(want):,}"
    # 1e-12 relative: exact in effect for the counts (one event more is far outside it)
    pd.testing.assert_frame_equal(
        got, want, check_dtype=False, rtol=1e-12, atol=0, obj=f"Dask {what} (one process: right)"
    )


def check(args: argparse.Namespace, folder: Path, scratch: Path) -> int:
    """Both sides once, untimed; stops with an AssertionError where they differ. Returns the
    number of feature rows."""
    start = time.perf_counter()
    model = usage_model()
    events = read_events(folder)
    want_features = one_process_features(events, None)
    del events
    gc.collect()
    want_scores = one_process_scores(want_features, model, None)
    cluster = Cluster(scratch)
    try:
        features = persisted(dask_features(folder, args.partitions))
        got_features = features.compute()
        got_scores = dask_scores(features, model)
        del features
    finally:
        cluster.close()
    assert_same(got_features, want_features, "features")
    assert_same(got_scores, want_scores, "scores")
    n_rows = len(want_features)
    nan = int(want_features["days_since_last_event"].isna().sum())
    print(
        f"check: Dask ({WORKERS} workers, {args.partitions} partitions) equals one process on "
        f"the usage features ({n_rows:,} rows x {want_features.shape[1] - 2} columns, counts "
        f"exact, trend and recency to 1e-12; {nan:,} accounts without an event by the as-of "
        f"date) and on the scores (score, grade, group, coverage; events_30d ranked among all "
        f"rows) ({time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    return n_rows


# ---------------------------------------------------------------------------------------------
# The children
# ---------------------------------------------------------------------------------------------


def one_process_child(args: argparse.Namespace) -> dict:
    threads = 1 if args.child == "retain-1" else None
    if threads == 1:
        pin_to_one_core()
    import pyarrow.parquet  # noqa: F401  (imported before the timing, as Dask's workers are)

    import retain  # noqa: F401

    model = usage_model()
    folder = Path(args.dir) / "events"
    reset_peak()
    read_s, events = best_of(args.repeat, lambda: read_events(folder))
    compute_s, features = best_of(args.repeat, lambda e=events: one_process_features(e, threads))
    del events
    scores_s, _ = best_of(args.repeat, lambda: one_process_scores(features, model, threads))
    return {
        "read_s": read_s,
        "features_s": read_s + compute_s,
        "scores_s": scores_s,
        "peak": peak_rss_bytes(),
    }


def dask_child(args: argparse.Namespace) -> dict:
    model = usage_model()
    folder = Path(args.dir) / "events"
    cluster = Cluster(Path(args.dir) / "dask")
    try:
        cluster.warm(folder, model)
        import dask.dataframe as dd

        input_partitions = dd.read_parquet(str(folder)).npartitions
        sweep = {}

        def features_at(n: int) -> tuple[float, object]:
            cluster.reset_peaks()
            seconds, features = best_of(args.repeat, lambda: persisted(dask_features(folder, n)))
            sweep[n] = {
                "seconds": seconds,
                "rows": len(features),
                "worker_peaks": cluster.worker_peaks(),
                "driver_peak": peak_rss_bytes(),
            }
            return seconds, features

        # the main row's features phase is also the sweep's point at its partition count
        features_s, features = features_at(args.partitions)
        scores_s, _ = best_of(args.repeat, lambda f=features: dask_scores(f, model))
        main = {
            "features_s": features_s,
            "scores_s": scores_s,
            "worker_peaks": cluster.worker_peaks(),
            "driver_peak": peak_rss_bytes(),
        }
        del features
        for n in args.sweep:
            if n not in sweep:
                features_at(n)
                gc.collect()
    finally:
        cluster.close()
    return {
        "main": main,
        "input_partitions": input_partitions,
        "sweep": [{"partitions": n, **sweep[n]} for n in sorted(sweep)],
    }


def run_side(side: str, args: argparse.Namespace, tmp: Path) -> dict:
    return run_child(
        __file__,
        [
            "--child",
            side,
            "--dir",
            str(tmp),
            "--repeat",
            str(args.repeat),
            "--partitions",
            str(args.partitions),
            "--sweep",
            ",".join(map(str, args.sweep)),
        ],
    )


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def overhead_fit(sweep: list[dict], accounts: int) -> dict | None:
    """seconds = intercept + slope x partitions by least squares over the sweep, and the most
    partitions (fewest accounts per partition) whose overhead stays within OVERHEAD_SHARE."""
    if len(sweep) < 2:
        return None
    n = np.array([p["partitions"] for p in sweep], dtype=float)
    seconds = np.array([p["seconds"] for p in sweep])
    slope, intercept = np.polyfit(n, seconds, 1)
    fit = {"seconds_per_partition": float(slope), "intercept_s": float(intercept)}
    if slope > 0 and intercept > 0:
        most = OVERHEAD_SHARE * intercept / slope
        fit["most_partitions"] = float(most)
        fit["fewest_accounts_per_partition"] = float(accounts / most)
    return fit


def report(args: argparse.Namespace, n_rows: int, results: dict) -> None:
    one, every, dask = results["retain-1"], results["retain-all"], results["dask"]
    main = dask["main"]
    base = every["features_s"] + every["scores_s"]
    sides = (
        ("one process, retain n_threads=1", "1 x 1 (pinned)", None, one, [], one["peak"]),
        ("one process, retain n_threads=None", f"1 x {args.cores}", None, every, [], every["peak"]),
        (
            "Dask LocalCluster, retain n_threads=1",
            f"{WORKERS} x 1",
            args.partitions,
            main,
            main["worker_peaks"],
            main["driver_peak"],
        ),
    )
    rows = []
    for side, layout, partitions, r, workers, peak in sides:
        total = r["features_s"] + r["scores_s"]
        rows.append(
            {
                "side": side,
                "processes_x_threads": layout,
                "partitions": partitions,
                "read_s": r.get("read_s"),
                "features_s": r["features_s"],
                "scores_s": r["scores_s"],
                "total_s": total,
                "ratio_to_retain_every_core": total / base,
                "peak_bytes": peak,
                "worker_peak_bytes": max(workers) if workers else None,
                "all_processes_peak_bytes": peak + sum(workers),
            }
        )
    print()
    print(
        f"best of {args.repeat} runs of each phase, seconds; every side in a fresh child "
        "process; features = from the Parquet files to the features (one process: read + "
        "usage_features, the read also shown alone; Dask: read, shuffle, per-partition calls, "
        "persisted on the workers); scores = from the features to the scores in the driver"
    )
    print()
    print(
        "| side | processes x threads | partitions | read s | features s | scores s | total s "
        "| this / one process every core | peak GiB (process / driver) | worker peaks GiB "
        "| all processes GiB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def cell(value, fmt: str) -> str:
        return "" if value is None else format(value, fmt)

    for row, (*_, workers, _peak) in zip(rows, sides, strict=True):
        print(
            f"| {row['side']} | {row['processes_x_threads']} | {cell(row['partitions'], 'd')} | "
            f"{cell(row['read_s'], '.2f')} | {row['features_s']:.2f} | {row['scores_s']:.2f} | "
            f"{row['total_s']:.2f} | {row['ratio_to_retain_every_core']:.2f}x | "
            f"{row['peak_bytes'] / GIB:.2f} | {' / '.join(f'{p / GIB:.2f}' for p in workers)} | "
            f"{row['all_processes_peak_bytes'] / GIB:.2f} |"
        )
    print()
    print(
        "peak = resident-set high-water mark (VmHWM) over the row's runs, restarted after the "
        "imports (Dask: after the cluster started); the driver runs the scheduler; all processes "
        "= the sum of the peaks (an upper bound: they need not coincide)"
    )

    print()
    print(
        f"overhead per partition: the Dask features phase (from the files to the persisted "
        f"features) at each partition count, {args.accounts:,} accounts, {args.events:,} events "
        f"(dd.read_parquet gives {dask['input_partitions']} input partitions); extra = seconds "
        "over the fewest partitions' time, per partition added"
    )
    print()
    print(
        "| partitions | accounts per partition | events per partition | features s "
        "| extra ms per partition | largest worker peak GiB | driver peak GiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    sweep = []
    for point in dask["sweep"]:
        if point["rows"] != n_rows:
            raise SystemExit(
                f"Dask at {point['partitions']} partitions gave {point['rows']:,} feature rows, "
                f"not {n_rows:,}"
            )
        n, first = point["partitions"], dask["sweep"][0]
        extra = None
        if n > first["partitions"]:
            extra = (point["seconds"] - first["seconds"]) / (n - first["partitions"])
        entry = {
            "partitions": n,
            "accounts_per_partition": args.accounts / n,
            "events_per_partition": args.events / n,
            "seconds": point["seconds"],
            "extra_s_per_partition": extra,
            "worker_peak_bytes": max(point["worker_peaks"]),
            "driver_peak_bytes": point["driver_peak"],
        }
        sweep.append(entry)
        print(
            f"| {n} | {entry['accounts_per_partition']:,.0f} | "
            f"{entry['events_per_partition']:,.0f} | {entry['seconds']:.2f} | "
            f"{cell(None if extra is None else extra * 1e3, '.1f')} | "
            f"{entry['worker_peak_bytes'] / GIB:.2f} | {entry['driver_peak_bytes'] / GIB:.2f} |"
        )
    fit = overhead_fit(sweep, args.accounts)
    print()
    if fit is None:
        print("overhead: one partition count only, nothing to fit (give --sweep two or more)")
    else:
        print(
            f"overhead: {fit['seconds_per_partition'] * 1e3:.1f} ms per extra partition "
            f"(least squares: seconds = {fit['intercept_s']:.2f} + "
            f"{fit['seconds_per_partition']:.4f} x partitions)"
        )
        if "most_partitions" in fit:
            # The work grows with the events and the overhead with the partitions, so the
            # advice holds at other sizes as events (or accounts) per partition, not as a count.
            fit["fewest_events_per_partition"] = args.events / fit["most_partitions"]
            print(
                f"advice: at least {fit['fewest_events_per_partition']:,.0f} events (here "
                f"{fit['fewest_accounts_per_partition']:,.0f} accounts) per partition, i.e. up "
                f"to {fit['most_partitions']:,.0f} partitions at this size, keep the overhead "
                f"within {OVERHEAD_SHARE:.0%} of the {fit['intercept_s']:.1f} s of work that "
                "does not depend on the split; the workers' peaks above are the price of larger "
                "partitions"
            )
        else:
            print("advice: no cost per partition measurable at this size")

    ratio = rows[2]["total_s"] / base
    print()
    print(
        f"speed-up of Dask on {WORKERS} workers x 1 thread over one process on 1 core: "
        f"{rows[0]['total_s'] / rows[2]['total_s']:.2f}x ({WORKERS:.2f}x would be perfect "
        "scaling)"
    )
    target = {
        "text": f"usage features + scores, Dask on {WORKERS} workers x 1 thread <= "
        f"{TARGET}x the time of one process on every core",
        "ratio": ratio,
        "target": TARGET,
        "met": ratio <= TARGET,
    }
    print(f"Target: {target['text']}: {ratio:.2f}x ({verdict(target['met'])})")
    if args.json:
        write_json(
            args.json,
            "dist",
            rows,
            [target],
            {k: v for k, v in vars(args).items() if k not in ("child", "dir")},
            partitions=sweep,
            overhead=fit,
        )
        print(f"wrote {args.json}")


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def partition_counts(text: str) -> list[int]:
    counts = sorted({int(part) for part in text.split(",") if part.strip()})
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("--sweep: partition counts >= 1, e.g. 4,16,64,256")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2_000_000)
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--files", type=int, default=16, help="Parquet files the log is written as")
    parser.add_argument(
        "--partitions", type=int, default=16, help="Dask's n_partitions for the timed rows"
    )
    parser.add_argument(
        "--sweep",
        type=partition_counts,
        default=[4, 16, 64, 256],
        help="partition counts the overhead is measured at, comma separated (--partitions too)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per phase; the best is kept")
    parser.add_argument(
        "--tmp", help="where the temporary Parquet files go (default: the system's)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (20,000 accounts, 200,000 events, 2 and 4 partitions, 1 run)",
    )
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.accounts, args.events, args.files = 20_000, 200_000, 4
        args.partitions, args.sweep, args.repeat = 2, [2, 4], 1
    if min(args.accounts, args.events, args.files, args.partitions, args.repeat) < 1:
        parser.error("--accounts, --events, --files, --partitions and --repeat must be >= 1")
    if args.child:
        out = dask_child(args) if args.child == "dask" else one_process_child(args)
        print(json.dumps(out))
        return

    import dask
    import distributed

    import retain as rt

    args.cores = os.cpu_count() or 1
    print(
        f"{args.cores} cores ({cpu_model()}); retain {rt.__version__}, pandas {pd.__version__}, "
        f"dask {dask.__version__}, distributed {distributed.__version__}"
    )
    print(
        f"work: usage_features at {AS_OF} x windows {', '.join(map(str, WINDOWS))} days, then "
        f"scores with the default model's usage measures (events_30d ranked among all rows)"
    )
    with tempfile.TemporaryDirectory(prefix="bench_dist-", dir=args.tmp) as tmp:
        tmp = Path(tmp)
        folder = tmp / "events"
        folder.mkdir()
        start = time.perf_counter()
        write_events(folder, args.events, args.accounts, args.files)
        size = sum(f.stat().st_size for f in folder.iterdir())
        print(
            f"data: {args.events:,} events of {args.accounts:,} accounts as {args.files} Parquet "
            f"files ({size / 2**20:,.0f} MiB), string ids, timestamps tz-aware in {TZ}, rows in "
            f"no order ({time.perf_counter() - start:.1f} s to write)",
            flush=True,
        )
        n_rows = check(args, folder, tmp / "dask")
        results = {}
        for side in SIDES:
            start = time.perf_counter()
            results[side] = run_side(side, args, tmp)
            print(f"ran {side} ({time.perf_counter() - start:.1f} s)", flush=True)
    report(args, n_rows, results)


if __name__ == "__main__":
    main()
