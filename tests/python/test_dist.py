"""retain.dist on Dask and Spark against retain in one process: the oracle is the one-process
result, itself checked against pandas, lifelines and scikit-learn by the other test modules.

The data: 1,000 accounts of ``rt.datasets.synthetic_saas`` with 50,000 of their events, every table
shuffled, split into input partitions that cut through accounts (3 and 7). Engines: Dask's ``sync``
scheduler, a two-worker ``distributed.LocalCluster`` (worker processes: everything pickles), and a
Spark session in ``local[2]`` whose session time zone is not UTC.
"""

from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import retain as rt
import retain.dist as rd

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

# Spark's py4j gateway and distributed's comms leave sockets for the garbage collector to close,
# which Python reports in whichever test happens to collect them: not retain's.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
    ),
]

DATES = ["2023-06-30", "2023-09-30", "2023-12-31"]
KEY = ["account_id", "as_of"]
OPTIONS = {"internal_activity_types": ["note"]}


def _synthetic(accounts: int = 1_000, events: int = 50_000) -> dict[str, pd.DataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        book = rt.datasets.synthetic_saas(accounts=accounts, months=14, random_state=3)
    tables = {name: book.table(name) for name in book.tables}
    tables["events"] = tables["events"].sample(n=events, random_state=1)
    # Rows in no order; MRR periods as "YYYY-MM" text; timestamps tz-aware (instants).
    out = {}
    for name, frame in tables.items():
        frame = frame.sample(frac=1, random_state=2).reset_index(drop=True)
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.PeriodDtype):
                frame[column] = frame[column].astype(str)
            elif frame[column].dtype.kind == "M":
                frame[column] = frame[column].dt.tz_localize("UTC")
        out[name] = frame
    return out


TABLES = _synthetic()


def _book(tables: dict[str, pd.DataFrame], **options) -> rt.Book:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        return rt.Book(**tables, **{**(OPTIONS if "activities" in tables else {}), **options})


BOOK = _book(TABLES)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
        Client(local) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    # The workers must run this interpreter, the one retain is installed in.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("retain-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


class Engine:
    """One way of running retain.dist: how tables become its frames, and how it computes."""

    def __init__(self, name: str, partitions: int, spark=None, client=None):
        self.name, self.partitions, self.spark, self.client = name, partitions, spark, client

    def frames(self, tables: dict[str, pd.DataFrame]) -> dict:
        if self.spark is not None:
            return {n: self.spark.createDataFrame(f) for n, f in tables.items()}
        return {
            n: dd.from_pandas(f, npartitions=self.partitions, sort=False) for n, f in tables.items()
        }

    def compute(self, result):
        if self.spark is not None:
            out = result.toPandas()
            if "as_of" in out.columns:
                out["as_of"] = pd.to_datetime(out["as_of"])
            return out
        return self(result.compute)

    def __call__(self, fn, *args, **kwargs):
        """Run a retain.dist call (or a compute) under this engine's scheduler: Dask's sync one
        shuffles by tasks, even while the cluster fixture's client exists."""
        if self.client is None and self.spark is None:
            with dask.config.set(scheduler="sync", **{"dataframe.shuffle.method": "tasks"}):
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    def engine(self) -> str:
        return "spark" if self.spark is not None else "dask"


@pytest.fixture(params=["dask-sync-3", "dask-sync-7", "dask-cluster-3", "spark"])
def engine(request):
    name = request.param
    if name == "spark":
        return Engine(name, 2, spark=request.getfixturevalue("spark"))
    partitions = int(name.rsplit("-", 1)[1])
    client = request.getfixturevalue("cluster") if "cluster" in name else None
    return Engine(name, partitions, client=client)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories and Arrow strings as object columns, rows sorted by account and date."""
    frame = frame.copy()
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
            values = frame[column].astype(object).to_numpy()
            values[pd.isna(values)] = None
            frame[column] = values
    keys = [c for c in KEY if c in frame.columns]
    extra = [c for c in ("rank",) if c in frame.columns]
    return frame.sort_values(keys + extra, kind="stable").reset_index(drop=True)


def _equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_plain(got), _plain(want), check_dtype=False, rtol=1e-12)


# -- per-account work


def test_snapshots(engine):
    got = engine.compute(engine(rd.snapshots, engine.frames(TABLES), DATES, **OPTIONS))
    want = BOOK.snapshots(DATES)
    assert len(got) == len(want) > 1_000
    _equal(got, want)


def test_usage_features(engine):
    events = TABLES["events"]
    frames = engine.frames({"events": events, "accounts": TABLES["accounts"][["account_id"]]})
    got = engine.compute(
        engine(rd.usage_features, frames["events"], DATES, (7, 30), frames["accounts"])
    )
    want = rt.engagement.usage_features(events, DATES, (7, 30), TABLES["accounts"][["account_id"]])
    assert len(got) == len(want) == 3_000
    _equal(got, want)


def test_labels(engine):
    frames = engine.frames(TABLES)
    snaps = engine(rd.snapshots, frames, DATES, **OPTIONS)
    got = engine.compute(engine(rd.labels, frames, snaps, 90, **OPTIONS))
    want = BOOK.labels(BOOK.snapshots(DATES), 90).frame
    assert set(got["label"]) == {0, 1}
    _equal(got, want)


def test_scores_and_reasons_rank_among_all_rows(engine):
    # The default model has a percentile measure without a reference: it ranks among every row
    # scored, which no partition holds alone.
    model = rt.models.default()
    snaps = engine(rd.snapshots, engine.frames(TABLES), DATES, **OPTIONS)
    one = BOOK.snapshots(DATES)
    got = engine.compute(engine(rd.score, snaps, model))
    want = pd.concat([one[KEY], model.score(one)], axis=1)
    _equal(got, want)
    got = engine.compute(engine(rd.reasons, snaps, model, 2))
    local = model.reasons(one, 2)
    rows = local.index.get_level_values(0).to_numpy()
    want = pd.concat(
        [
            one[KEY].take(rows).reset_index(drop=True),
            local.reset_index(level=-1).reset_index(drop=True),
        ],
        axis=1,
    )
    _equal(got, want)


# -- global figures


def test_revenue_kpis(engine):
    frames = engine.frames(TABLES)
    mv = rt.kpi.mrr_movements(BOOK)
    pd.testing.assert_frame_equal(engine(rd.mrr_movements, frames), mv, rtol=1e-12)
    pd.testing.assert_series_equal(
        engine(rd.churn_rate, frames, "net_revenue"),
        rt.kpi.churn_rate(mv, "net_revenue"),
        rtol=1e-12,
    )
    pd.testing.assert_series_equal(
        engine(rd.nrr, frames, 6), rt.kpi.nrr(BOOK, months=6), rtol=1e-12
    )
    pd.testing.assert_frame_equal(
        engine(rd.grr, frames, 3, parts=True), rt.kpi.grr(BOOK, months=3, parts=True), rtol=1e-12
    )
    for kind in ("logo", "revenue"):
        pd.testing.assert_frame_equal(
            engine(rd.cohort_retention, frames, kind),
            rt.kpi.cohort_retention(BOOK, kind=kind),
            rtol=1e-12,
        )


def test_reasons_nps_and_survival(engine):
    frames = engine.frames(TABLES)
    pd.testing.assert_frame_equal(
        engine(rd.churn_reasons, frames, "Q"), rt.kpi.churn_reasons(BOOK, "Q"), rtol=1e-12
    )
    pd.testing.assert_frame_equal(
        engine(rd.nps_by, frames, ["plan"], freq="M"),
        rt.kpi.nps_by(BOOK, ["plan"], freq="M"),
        rtol=1e-12,
    )
    t = BOOK.tenure("2024-01-31")
    km = engine(rd.kaplan_meier, frames, "2024-01-31")
    pd.testing.assert_frame_equal(
        km, rt.survival.kaplan_meier(t["duration"], t["churned"], entry=t["entry"])
    )
    assert km.attrs["left_out"] == t.attrs["left_out"]


def test_backtest(engine):
    model = rt.models.default()
    got = engine(rd.backtest, model, engine.frames(TABLES), DATES, 60, n_boot=10, **OPTIONS)
    want = rt.backtest(model, BOOK, as_of=DATES, horizon_days=60, n_boot=10)
    pd.testing.assert_frame_equal(got.per_date, want.per_date, rtol=1e-12)
    pd.testing.assert_frame_equal(got.scores, want.scores, rtol=1e-12)
    pd.testing.assert_series_equal(got.pooled, want.pooled)
    assert got.dropped == want.dropped


# -- skew, time zones, plans


def test_a_plan_change_survives_the_months_padding(engine):
    # Each partition's MRR table is padded with MRR 0 in the whole's first and last month; the
    # padding must carry no plan, or account a's upgrade would read as two plans in March.
    accounts = pd.DataFrame({"account_id": list("abcd"), "signed_at": ["2024-01-01"] * 4})
    mrr = pd.DataFrame(
        {
            "account_id": list("aaabcdd"),
            "period": ["2024-01", "2024-02", "2024-03", "2024-03", "2024-01", "2024-01", "2024-02"],
            "mrr": [10.0, 20, 30, 5, 7, 3, 3],
            "plan": ["basic", "pro", "pro", "pro", "pro", "basic", "basic"],
        }
    )
    one = _book({"accounts": accounts, "mrr": mrr})
    frames = engine.frames({"accounts": accounts, "mrr": mrr})
    for n in (1, 2, 3):
        got = engine(rd.mrr_movements, frames, n_partitions=n)
        pd.testing.assert_frame_equal(got, rt.kpi.mrr_movements(one))
        snaps = engine(rd.snapshots, frames, ["2024-03-31"], active_only=False, n_partitions=n)
        want = one.snapshots(["2024-03-31"], active_only=False)
        _equal(engine.compute(snaps), want)  # c and d churned: their plan is missing


def test_one_account_with_a_third_of_the_events(engine):
    tables = dict(TABLES)
    events = tables["events"].copy()
    big = tables["accounts"]["account_id"].iloc[0]
    events.loc[events.index[: len(events) // 3], "account_id"] = big
    tables["events"] = events
    got = engine.compute(engine(rd.snapshots, engine.frames(tables), DATES, **OPTIONS))
    want = _book(tables).snapshots(DATES)
    assert (want.loc[want["account_id"] == big, "events_90d"] > 1_000).any()
    _equal(got, want)


def test_text_times_with_offsets_in_a_book_zone_east_of_utc(engine):
    # Text with offsets is an instant in every engine (Spark keeps strings as strings); the Book's
    # zone decides the days. The session's zone (Los Angeles) plays no part.
    tables = {name: TABLES[name] for name in ("accounts", "events", "churns")}
    events = tables["events"].copy()
    events["timestamp"] = (
        events["timestamp"].dt.tz_convert("Asia/Tokyo").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    )
    tables["events"] = events
    got = engine.compute(engine(rd.snapshots, engine.frames(tables), DATES, tz="Europe/Berlin"))
    want = _book(tables, tz="Europe/Berlin").snapshots(DATES)
    _equal(got, want)


# -- bad input: named on the driver before any work, or by row when the work reads it


def test_bad_tables_and_options_are_named_before_any_work():
    frames = Engine("dask", 2).frames(TABLES)
    with pytest.raises(rt.InputError, match=r"unknown table 'event'; did you mean 'events'\?"):
        rd.snapshots({"accounts": frames["accounts"], "event": frames["events"]}, DATES)
    with pytest.raises(rt.InputError, match="the 'accounts' table is required"):
        rd.snapshots({"events": frames["events"]}, DATES)
    with pytest.raises(TypeError, match="dict of table name"):
        rd.snapshots([frames["accounts"]], DATES)
    with pytest.raises(rt.InputError, match="engine: must be 'dask' or 'spark', got 'ray'"):
        rd.mrr_movements(frames, engine="ray")
    with pytest.raises(rt.InputError, match="n_partitions: must be a whole number >= 1, got 0"):
        rd.mrr_movements(frames, n_partitions=0)
    with pytest.raises(TypeError, match=r"unknown option 'tzz'; did you mean 'tz'\?"):
        rd.mrr_movements(frames, tzz="Europe/Berlin")
    with pytest.raises(rt.InputError, match="unknown_accounts"):
        rd.mrr_movements(frames, unknown_accounts="keep")
    with pytest.raises(rt.InputError, match="no churns table"):
        rd.backtest(rt.models.default(), {"accounts": frames["accounts"]}, DATES)
    with pytest.raises(TypeError, match="HealthModel or ModelSet"):
        rd.score(rd.snapshots(frames, DATES, **OPTIONS), "events_30d")
    with pytest.raises(rt.InputError, match="tables have no 'mrr' table"):
        rd.nrr({"accounts": frames["accounts"]})


def test_a_misspelt_column_is_named_on_the_driver():
    events = TABLES["events"].rename(columns={"timestamp": "timestmp"})
    frames = Engine("dask", 2).frames({"accounts": TABLES["accounts"], "events": events})
    with pytest.raises(rt.ColumnError, match=r"events.*'timestamp'.*is 'timestmp' it\?"):
        rd.snapshots(frames, DATES)


def test_a_bad_cell_names_its_input_partition_and_row(engine):
    mrr = TABLES["mrr"].copy()
    at = 777
    mrr.loc[at, "account_id"] = None
    frames = engine.frames({"accounts": TABLES["accounts"], "mrr": mrr})
    if engine.spark is None:
        # The row as its input partition holds it.
        sizes = frames["mrr"].map_partitions(len).compute().to_numpy()
        starts = np.concatenate([[0], np.cumsum(sizes)])
        p = int(np.searchsorted(starts, at, side="right")) - 1
        where = f"row {at - int(starts[p])} of input partition {p}"
    else:
        where = r"row \d+ of input partition \d+"
    with pytest.raises(rt.InputError, match=rf"table 'mrr', column 'account_id', {where}: missing"):
        engine(rd.mrr_movements, frames)
    # A bad period is read first, by the pass that finds the whole table's months: named alike.
    mrr = TABLES["mrr"].copy()
    mrr.loc[at, "period"] = "2024-13"
    frames = engine.frames({"accounts": TABLES["accounts"], "mrr": mrr})
    with pytest.raises(rt.InputError, match=rf"table 'mrr', column 'period', {where}: .*2024-13"):
        engine(rd.mrr_movements, frames)


def test_empty_tables_give_the_declared_columns():
    tables = {name: TABLES[name].iloc[:0] for name in ("accounts", "events", "mrr")}
    engine = Engine("dask-sync-2", 2)
    got = engine.compute(engine(rd.snapshots, engine.frames(tables), DATES))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", rt.RetainWarning)
        want = _book(tables).snapshots(DATES)
    assert {"the MRR table has no rows", "the events table has no events"} <= {
        str(w.message).split(":")[0] for w in said
    }
    assert len(got) == 0
    # The same columns (the feature counts too: the events have a feature column, rows or not);
    # the plan sits after mrr, where partitions with MRR rows have it.
    assert sorted(got.columns) == sorted(want.columns)
    assert {"distinct_features_7d", "distinct_features_90d"} <= set(got.columns)
    assert list(got.columns[4:6]) == ["mrr", "plan"]
    mv = engine(rd.mrr_movements, engine.frames(tables))
    assert len(mv) == 0 and list(mv.columns) == list(rt.kpi.mrr_movements(_book(tables)).columns)


# -- the README's snippets


def test_the_readme_snippets_run_on_dask_and_spark(tmp_path, monkeypatch, spark):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Running at scale")[1].split("\n## ")[0]
    dask_block, spark_block = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    with warnings.catch_warnings():
        # Starting a LocalCluster may warn about its dashboard's port; that is not retain's.
        warnings.simplefilter("ignore", UserWarning)
        exec(compile(dask_block, "README.md", "exec"), namespace)
    exec(compile(spark_block, "README.md", "exec"), namespace)
    book = namespace["book"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        one = rt.Book(**{n: book.table(n) for n in book.tables}, **OPTIONS)
    model = rt.models.default()
    snaps = one.snapshots(["2023-09-30", "2023-12-31"])
    _equal(namespace["scored"], pd.concat([snaps[KEY], model.score(snaps)], axis=1))
    pd.testing.assert_frame_equal(namespace["mv"], rt.kpi.mrr_movements(one), rtol=1e-12)
    as_of = ["2023-03-31", "2023-06-30", "2023-09-30"]
    want = rt.backtest(model, one, as_of=as_of, horizon_days=90, observed_until="2023-12-31")
    assert len(want.per_date) == 3
    pd.testing.assert_frame_equal(namespace["result"].per_date, want.per_date, rtol=1e-12)
    last = one.snapshots(["2023-12-31"])
    got = namespace["spark_scores"].toPandas().assign(as_of=lambda f: pd.to_datetime(f["as_of"]))
    _equal(got, pd.concat([last[KEY], model.score(last)], axis=1))
    pd.testing.assert_series_equal(namespace["spark_nrr"], rt.kpi.nrr(one, months=3), rtol=1e-12)
    assert (namespace["folder"] / "scores.parquet").is_dir()


def test_amounts_held_as_text_are_named_on_the_driver(engine):
    mrr = TABLES["mrr"].assign(mrr=TABLES["mrr"]["mrr"].map("{:.2f}".format))
    frames = engine.frames({"accounts": TABLES["accounts"], "mrr": mrr})
    hint = "cast('double')" if engine.spark is not None else "dd.to_numeric"
    with pytest.raises(
        rt.InputError, match=rf"table 'mrr', column 'mrr': holds .*{re.escape(hint)}"
    ):
        rd.mrr_movements(frames)


def test_spark_periods_held_as_timestamps_in_another_zone_are_said(spark):
    from pyspark.sql import functions as F

    tables = {"accounts": TABLES["accounts"], "mrr": TABLES["mrr"]}
    frames = Engine("spark", 2, spark=spark).frames(tables)
    # "2023-01" read by Spark as a timestamp: midnight in the session's zone (Los Angeles).
    frames["mrr"] = frames["mrr"].withColumn("period", F.to_timestamp("period", "yyyy-MM"))
    with pytest.warns(
        rt.RetainWarning, match=r"column 'period': Spark holds the periods as TIMESTAMP"
    ):
        rd.mrr_movements(frames)
    # In the session's zone the months are the labels Spark shows.
    got = rd.mrr_movements(frames, tz="America/Los_Angeles")
    pd.testing.assert_frame_equal(got, rt.kpi.mrr_movements(BOOK), rtol=1e-12)


def test_engines_name_what_they_were_given_and_what_spark_workers_miss():
    from retain.dist import _spark

    accounts = dd.from_pandas(TABLES["accounts"], npartitions=1)
    with pytest.raises(TypeError, match=r"Spark DataFrame \(engine='spark'\), got dask\."):
        rd.mrr_movements({"accounts": accounts}, engine="spark")
    lost = _spark._retain_error(RuntimeError("... ModuleNotFoundError: No module named 'retain'"))
    assert isinstance(lost, ImportError) and "PYSPARK_PYTHON" in str(lost)
    named = _spark._retain_error(RuntimeError("x\nretain.InputError: table 'mrr', row 3: bad\n"))
    assert isinstance(named, rt.InputError) and str(named) == "table 'mrr', row 3: bad"


def test_revenue_by_account_attributes(engine):
    frames = engine.frames(TABLES)
    accounts = TABLES["accounts"].copy()
    accounts.loc[accounts.index[:50], "region"] = None  # a group of its own with dropna=False
    with_gaps = engine.frames({**TABLES, "accounts": accounts})
    one = _book({**TABLES, "accounts": accounts})
    pd.testing.assert_frame_equal(
        engine(rd.mrr_movements, frames, by="plan"),
        rt.kpi.mrr_movements(BOOK, by="plan"),
        rtol=1e-12,
    )
    for dropna in (True, False):
        got = engine(rd.nrr, with_gaps, 3, by=["region"], dropna=dropna)
        pd.testing.assert_series_equal(
            got, rt.kpi.nrr(one, months=3, by=["region"], dropna=dropna), rtol=1e-12
        )
    pd.testing.assert_series_equal(
        engine(rd.churn_rate, frames, by="tier"), rt.kpi.churn_rate(BOOK, by="tier"), rtol=1e-12
    )


# -- faults


def test_a_worker_killed_mid_run_gives_the_same_result():
    # The tasks are pure (a partition's tables in, its results out), so the engine may rerun
    # what a lost worker held or was doing: the result is the one-process result.
    import time

    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as local,
        Client(local) as client,
    ):
        frames = Engine("dask-cluster-7", 7).frames(TABLES)
        snaps = rd.snapshots(frames, DATES, n_partitions=16, **OPTIONS).persist()
        time.sleep(0.5)
        victim = sorted(client.scheduler_info()["workers"])[0]
        try:
            client.run(os._exit, 1, workers=[victim])
        except Exception:  # the worker died before it could answer, as it should
            pass
        got = snaps.compute()
        mv = rd.mrr_movements(frames)
        # It did die: its nanny started a new worker, at a new address.
        assert victim not in client.scheduler_info()["workers"]
    _equal(got, BOOK.snapshots(DATES))
    pd.testing.assert_frame_equal(mv, rt.kpi.mrr_movements(BOOK), rtol=1e-12)
