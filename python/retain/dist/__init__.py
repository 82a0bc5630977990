"""retain on a cluster: the same results on Dask and on Spark, split by account.

**Per-account work** (:func:`snapshots`, :func:`usage_features`, :func:`labels`, :func:`score`,
:func:`reasons`) returns a Dask or Spark DataFrame, computed lazily. Every table is split on a
bucket of its account id (Dask: ``shuffle`` then ``map_partitions``; Spark: ``groupBy`` on
``pmod(hash(account), n)`` then ``applyInPandas``), so an account is never split and each call
covers the accounts of one bucket: it builds a :class:`~retain.Book` of them and runs the same
compiled code as one process does. Scoring needs no split: rows are scored where they are.

**Global figures** (:func:`mrr_movements`, :func:`churn_rate`, :func:`nrr`, :func:`grr`,
:func:`cohort_retention`, :func:`churn_reasons`, :func:`nps_by`, :func:`kaplan_meier`) return
pandas: each partition returns its additive parts (amounts and counts per period, numerators and
denominators, survival counts per duration), a few rows each; the driver sums them and computes
the rates at the end. Counts equal the one-process result exactly, money to 1e-12 relative.

**Backtests** (:func:`backtest`) build, label and score the snapshots on the cluster and collect
the (account, as-of date, risk, label) rows, which are small, to measure them on the driver.

``tables`` maps the Book's table names (``"accounts"`` required, then any of ``"mrr"``,
``"events"``, ...) to Dask or Spark DataFrames (pandas frames are taken as one-partition Dask
frames), with the column contract, ``columns=``, ``tz=`` and the other options of
:class:`~retain.Book`. ``engine`` is ``"dask"`` or ``"spark"`` (by default, the kind of the
frames). ``n_partitions`` is the number of account buckets (Dask: the most partitions of any
input table; Spark: ``spark.sql.shuffle.partitions``). Inside a partition retain uses
``n_threads`` threads (1 by default: the engine runs partitions side by side).

Models travel to the workers as their JSON documents; timestamps cross into Spark's Python
workers as UTC integers, so the session time zone cannot shift them. The output of every call is
declared (Dask ``meta``, Spark schema), from the same function run on no rows. Text columns come
back as plain strings, not categories (a category's codes would differ between partitions).
Results come in no particular row order: sort them to compare.

>>> snaps = rt.dist.snapshots({"accounts": accounts, "events": events}, as_of="2024-06-30")
>>> scored = rt.dist.score(snaps, rt.models.default())
>>> mv = rt.dist.mrr_movements({"accounts": accounts, "mrr": mrr})
"""

from __future__ import annotations

import difflib
import functools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .. import _frames
from ..book import TABLES
from ..errors import ColumnError, InputError, RetainWarning
from . import _work

__all__ = [
    "backtest",
    "churn_rate",
    "churn_reasons",
    "cohort_retention",
    "grr",
    "kaplan_meier",
    "labels",
    "mrr_movements",
    "nps_by",
    "nrr",
    "reasons",
    "score",
    "snapshots",
    "usage_features",
]

_ENGINES = ("dask", "spark")


# -- the engine and the tables


def _engine_module(engine: Any, frames: list[Any]) -> Any:
    if engine is None:
        engine = "spark" if any(_is_spark(f) for f in frames) else "dask"
    if engine not in _ENGINES:
        raise InputError(f"engine: must be 'dask' or 'spark', got {engine!r}")
    if engine == "spark":
        from . import _spark

        return _spark
    from . import _dask

    return _dask


def _is_spark(frame: Any) -> bool:
    return type(frame).__module__.startswith("pyspark.")


class _Tables:
    """The tables of a distributed Book: checked, as the engine's frames, with their options."""

    def __init__(self, tables: Any, engine: Any, options: dict, n_partitions: Any):
        if not isinstance(tables, dict):
            raise TypeError(
                "tables must be a dict of table name -> DataFrame, e.g. "
                "{'accounts': accounts, 'events': events}"
            )
        for name in tables:
            if name not in TABLES:
                close = difflib.get_close_matches(str(name), TABLES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise InputError(f"tables: unknown table {name!r}{hint} (tables: {TABLES})")
        if "accounts" not in tables:
            raise InputError("tables: the 'accounts' table is required (one row per account)")
        self.engine = _engine_module(engine, list(tables.values()))
        self.frames = {
            name: self.engine.as_frame(tables[name], f"the {name} table")
            for name in TABLES
            if name in tables
        }
        self.options = options
        mapping = options.get("columns") or {}
        self.accounts = {
            name: (mapping.get(name) or {}).get("account_id", "account_id") for name in self.frames
        }
        self.n = _partitions(n_partitions, self.engine, self.frames)
        # The declared columns checked on the driver, before any work: a misspelt column or a
        # bad option is an error now, named as the Book names it.
        self.empty = {name: self.engine.empty(frame) for name, frame in self.frames.items()}
        _quiet_book(self.empty, options)

    def per_account(self, work: Any, extra: dict | None = None) -> Any:
        frames = dict(self.frames)
        accounts = dict(self.accounts)
        empty = {name: _work.tagged_empty(frame) for name, frame in self.empty.items()}
        for name, (frame, account) in (extra or {}).items():
            frames[name], accounts[name] = frame, account
            empty[name] = _work.tagged_empty(self.engine.empty(frame))
        meta = work(empty)
        return self.engine.per_account(frames, accounts, work, meta, self.n)

    def span(self) -> tuple[int, int] | None:
        """First and last month number of the whole MRR table (None without one)."""
        if "mrr" not in self.frames:
            return None
        work = functools.partial(_work.month_span, options=self.options)
        meta = work(_work.tagged_empty(self.empty["mrr"]))
        spans = self.engine.collect(self.engine.per_input_partition(self.frames["mrr"], work, meta))
        if not len(spans):
            return None
        return int(spans["first"].min()), int(spans["last"].max())

    def milestones(self) -> list[str]:
        """Every milestone name, sorted as a Book sorts them."""
        if "milestones" not in self.frames:
            return []
        column = ((self.options.get("columns") or {}).get("milestones") or {}).get(
            "milestone", "milestone"
        )
        return sorted({str(v) for v in self.engine.distinct(self.frames["milestones"], column)})


def _partitions(n: Any, engine: Any, frames: dict) -> int:
    if n is None:
        return int(engine.default_partitions(frames))
    n = _frames.whole(n, "n_partitions")
    if n < 1:
        raise InputError(f"n_partitions: must be a whole number >= 1, got {n}")
    return n


def _quiet_book(frames: dict[str, pd.DataFrame], options: dict) -> None:
    """A Book of the declared columns (no rows): its errors and column warnings, not the
    warnings that its tables are empty."""
    from ..book import Book

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*table has no rows", category=RetainWarning)
        warnings.filterwarnings("ignore", message=r".*past the end", category=RetainWarning)
        Book(**frames, **options)


def _book_options(
    columns: Any, tz: Any, unknown_accounts: Any, periods: Any, internal_activity_types: Any
) -> dict:
    return {
        "columns": columns,
        "tz": tz,
        "unknown_accounts": unknown_accounts,
        "periods": periods,
        "internal_activity_types": internal_activity_types,
    }


def _threads(n_threads: Any) -> int:
    if n_threads is None:
        return 0
    return _frames.threads(n_threads)


def _as_of_list(as_of: Any) -> list:
    """as_of as a list the workers read as the Book does (text kept as text)."""
    if isinstance(as_of, (str, pd.Timestamp, np.datetime64)) or not hasattr(as_of, "__len__"):
        return [as_of]
    return list(as_of)


# -- per-account work


def snapshots(
    tables: dict,
    as_of: Any,
    lead_days: int = 0,
    windows: Any = (7, 30, 90),
    active_only: bool = True,
    *,
    engine: str | None = None,
    n_partitions: int | None = None,
    n_threads: int | None = 1,
    columns: dict | None = None,
    tz: str = "UTC",
    unknown_accounts: str = "error",
    periods: str | None = None,
    internal_activity_types: Any = None,
) -> Any:
    """:meth:`retain.Book.snapshots` of the Book of ``tables``, as a Dask or Spark DataFrame:
    the same rows and columns (text columns as strings), in no particular order. Every
    milestone of the whole table has its ``reached_<name>`` column."""
    options = _book_options(columns, tz, unknown_accounts, periods, internal_activity_types)
    t = _Tables(tables, engine, options, n_partitions)
    dates = _as_of_list(as_of)
    lead = _frames.whole(lead_days, "lead_days")
    win = [_frames.whole(w, "windows") for w in (windows if hasattr(windows, "__iter__") else [windows])]
    work = functools.partial(
        _work.snapshots,
        options=options,
        as_of=dates,
        lead_days=lead,
        windows=win,
        active_only=bool(active_only),
        milestones=t.milestones(),
        span=t.span(),
        n_threads=_threads(n_threads),
    )
    return t.per_account(work)
