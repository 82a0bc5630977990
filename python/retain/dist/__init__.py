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
frames) under the Book's column contract. Every function taking ``tables`` takes the keywords
(``**options``): ``engine``, ``"dask"`` or ``"spark"`` (by default, the kind of the frames);
``n_partitions``, the number of account buckets (Dask: the most partitions of any input table;
Spark: ``spark.sql.shuffle.partitions``); and the options of :class:`~retain.Book`:
``columns``, ``tz``, ``unknown_accounts``, ``periods``, ``internal_activity_types``. Inside a
partition retain uses ``n_threads`` threads (1 by default: the engine runs partitions side by
side).

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
from ..book import CONTRACT, TABLES, warn_unused_types
from ..errors import InputError, RetainWarning
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

    def __init__(self, tables: Any, options: dict[str, Any]):
        options = dict(options)
        engine, n_partitions = options.pop("engine", None), options.pop("n_partitions", None)
        for key in options:
            if key not in _BOOK_OPTIONS:
                close = difflib.get_close_matches(
                    str(key), [*_BOOK_OPTIONS, "engine", "n_partitions"], n=1
                )
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise TypeError(
                    f"unknown option {key!r}{hint} (the options: engine, n_partitions and the "
                    f"Book's: {', '.join(_BOOK_OPTIONS)})"
                )
        options = {**_BOOK_OPTIONS, **options}
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
        self.accounts = {
            name: _work.column_name(options, name, "account_id") for name in self.frames
        }
        self.n = _partitions(n_partitions, self.engine, self.frames)
        # The declared columns checked on the driver, before any work: a misspelt column or a
        # bad option is an error now, named as the Book names it.
        self.empty = {name: self.engine.empty(frame) for name, frame in self.frames.items()}
        _quiet_book(self.empty, options)
        self._check_internal_types()
        self._check_numbers()
        self.engine.check_zones(self.frames, options)
        # A Book reads only the contract's columns of every table but the accounts (whose other
        # columns are attributes): the rest need not cross the shuffle.
        for name in self.frames:
            if name != "accounts":
                keep = _contract_columns(name, options, self.empty[name])
                if len(keep) < len(self.empty[name].columns):
                    self.frames[name] = self.engine.select(self.frames[name], keep)
                    self.empty[name] = self.empty[name][keep]

    def _check_numbers(self) -> None:
        """Amounts and scores held as text (a CSV read without types) are an error now, before
        any work: a partition whose text all reads as numbers would only say its dtype."""
        for table, column in (("mrr", "mrr"), ("surveys", "score")):
            if table not in self.empty:
                continue
            name = _work.column_name(self.options, table, column)
            dtype = self.empty[table][name].dtype if name in self.empty[table] else None
            if dtype is not None and not pd.api.types.is_numeric_dtype(dtype):
                raise InputError(
                    f"table {table!r}, column {name!r}: holds {dtype}, not numbers; convert it "
                    f"first ({self.engine.to_number_hint(name)})"
                )

    def _check_internal_types(self) -> None:
        """A listed internal activity type that no activity has: likely a typo (as a Book
        warns)."""
        internal = self.options.get("internal_activity_types")
        if not internal or "activities" not in self.frames:
            return
        if isinstance(internal, str):
            internal = [internal]
        column = _work.column_name(self.options, "activities", "type")
        types = self.engine.distinct(self.frames["activities"], column)
        warn_unused_types([str(n) for n in internal], types, stacklevel=4)

    def per_account(self, work: Any, extra: dict[str, tuple[Any, Any]] | None = None) -> Any:
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
        column = _work.column_name(self.options, "milestones", "milestone")
        return sorted({str(v) for v in self.engine.distinct(self.frames["milestones"], column)})


def _contract_columns(table: str, options: dict[str, Any], empty: pd.DataFrame) -> list[Any]:
    required, optional = CONTRACT[table]
    wanted = {_work.column_name(options, table, c) for c in required + optional}
    return [c for c in empty.columns if c in wanted]


def _partitions(n: Any, engine: Any, frames: dict[str, Any]) -> int:
    if n is None:
        return int(engine.default_partitions(frames))
    count = _frames.whole(n, "n_partitions")
    if count < 1:
        raise InputError(f"n_partitions: must be a whole number >= 1, got {count}")
    return count


def _quiet_book(frames: dict[str, pd.DataFrame], options: dict[str, Any]) -> None:
    """A Book of the declared columns (no rows): its errors and column warnings, not the
    warnings that its tables are empty."""
    from ..book import Book

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*table has no rows", category=RetainWarning)
        warnings.filterwarnings("ignore", message=r".*past the end", category=RetainWarning)
        # Checked against the data by _Tables.check_internal_types instead.
        warnings.filterwarnings("ignore", message=r"internal_activity_types: .* does not occur")
        Book(**frames, **options)


# The Book's options (keywords of every function taking tables), with rt.Book's defaults.
_BOOK_OPTIONS = {
    "columns": None,
    "tz": "UTC",
    "unknown_accounts": "error",
    "periods": None,
    "internal_activity_types": None,
}


def _window_list(windows: Any) -> list[int]:
    return [
        _frames.whole(w, "windows")
        for w in (windows if hasattr(windows, "__iter__") else [windows])
    ]


def _as_of_list(as_of: Any) -> list[Any]:
    """as_of as a list the workers read as the Book does (text kept as text)."""
    if isinstance(as_of, (str, pd.Timestamp, np.datetime64)) or not hasattr(as_of, "__len__"):
        return [as_of]
    return list(as_of)


# -- per-account work


def snapshots(
    tables: dict[str, Any],
    as_of: Any,
    lead_days: int = 0,
    windows: Any = (7, 30, 90),
    active_only: bool = True,
    *,
    n_threads: int | None = 1,
    **options: Any,
) -> Any:
    """:meth:`retain.Book.snapshots` of the Book of ``tables``, as a Dask or Spark DataFrame:
    the same rows and columns (text columns as strings), in no particular order. Every
    milestone of the whole table has its ``reached_<name>`` column."""
    t = _Tables(tables, options)
    dates = _as_of_list(as_of)
    lead = _frames.whole(lead_days, "lead_days")
    work = functools.partial(
        _work.snapshots,
        options=t.options,
        as_of=dates,
        lead_days=lead,
        windows=_window_list(windows),
        active_only=bool(active_only),
        milestones=t.milestones(),
        span=t.span(),
        n_threads=_frames.threads(n_threads),
    )
    return t.per_account(work)


def usage_features(
    events: Any,
    as_of: Any,
    windows: Any = (7, 30, 90),
    accounts: Any = None,
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
    feature: Any = "feature",
    engine: str | None = None,
    n_partitions: int | None = None,
    n_threads: int | None = 1,
) -> Any:
    """:func:`retain.engagement.usage_features` of a distributed event log, as a Dask or Spark
    DataFrame: one row per account and as-of date, the same columns, in no particular order.
    ``accounts`` is a distributed frame with the ``account`` column (its accounts without events
    get rows of zeros), or None for every account of the log. ``timestamp`` values are instants
    (tz-aware, or Spark timestamps) or naive UTC wall times, as the one-process function reads
    them."""
    given = {"events": events} if accounts is None else {"events": events, "accounts": accounts}
    mod = _engine_module(engine, list(given.values()))
    frames = {name: mod.as_frame(f, f"the {name} frame") for name, f in given.items()}
    names = {"account": account, "user": user, "timestamp": timestamp, "feature": feature}
    work = functools.partial(
        _work.usage_features,
        as_of=_as_of_list(as_of),
        windows=_window_list(windows),
        names=names,
        n_threads=_frames.threads(n_threads),
    )
    meta = work({name: _work.tagged_empty(mod.empty(f)) for name, f in frames.items()})
    n = _partitions(n_partitions, mod, frames)
    return mod.per_account(frames, {name: account for name in frames}, work, meta, n)


def labels(
    tables: dict[str, Any],
    snapshots: Any,
    horizon_days: int = 90,
    observed_until: Any = None,
    *,
    n_threads: int | None = 1,
    **options: Any,
) -> Any:
    """:meth:`retain.Book.labels` of distributed snapshots (from :func:`snapshots`): the rows
    that can be labelled, with their ``label`` column, as a Dask or Spark DataFrame.
    ``observed_until`` defaults to the last as-of date of all the snapshots, as in one process."""
    t = _Tables(tables, options)
    if "churns" not in t.frames:
        raise InputError(
            "labels: the tables have no churns table, so no row can be labelled; add "
            "tables['churns']"
        )
    snaps = t.engine.as_frame(snapshots, "snapshots")
    id_name = t.accounts["accounts"]
    _frames.require_columns(t.engine.empty(snaps), [id_name, "as_of"], "the snapshots")
    horizon = _frames.whole(horizon_days, "horizon_days")
    if observed_until is None:
        observed_until = t.engine.last(snaps, "as_of")
    work = functools.partial(
        _work.labels,
        options=t.options,
        horizon_days=horizon,
        observed_until=observed_until,
        n_threads=_frames.threads(n_threads),
    )
    return t.per_account(work, {"snapshots": (snaps, id_name)})


def _scoring_model(model: Any, frame: Any, mod: Any) -> Any:
    """``model``, its percentile measures calibrated on the whole frame when they have no
    reference: one process ranks an account among all the rows it scores, and a partition holds
    only some of them. Only those columns (and a ModelSet's segment column) are collected."""
    from ..health_model import HealthModel, ModelSet

    if not isinstance(model, (HealthModel, ModelSet)):
        raise TypeError(f"model must be a HealthModel or ModelSet, got {type(model).__name__}")
    columns = _percentile_columns(model)
    if not columns:
        return model
    if isinstance(model, ModelSet):
        columns = [model.by, *columns]
    present = [c for c in dict.fromkeys(columns) if c in mod.empty(frame).columns]
    return model.calibrate(mod.collect(mod.select(frame, present)))


def _percentile_columns(model: Any) -> list[str]:
    from ..health_model import ModelSet

    models = model.models.values() if isinstance(model, ModelSet) else [model]
    out = []
    for m in models:
        for measure in m.to_dict()["measures"]:
            transform = measure.get("transform", {})
            if transform.get("kind") == "percentile" and "reference" not in transform:
                out.append(measure.get("column", measure["name"]))
    return out


def _keys(frame: pd.DataFrame, keys: Any) -> list[Any]:
    if keys is None:
        keys = [frame.columns[0]] + (["as_of"] if "as_of" in frame.columns else [])
    columns: list[Any] = [keys] if isinstance(keys, str) else list(keys)
    _frames.require_columns(frame, columns, "the feature frame")
    return columns


def score(
    frame: Any,
    model: Any,
    *,
    keys: Any = None,
    engine: str | None = None,
    n_threads: int | None = 1,
) -> Any:
    """:meth:`retain.HealthModel.score` (or a :class:`~retain.ModelSet`'s) of a distributed
    feature frame, rows scored where they are: the ``keys`` columns (by default the first
    column and ``as_of``, as :func:`snapshots` gives them) then the score columns. A percentile
    measure without a reference ranks among all the frame's rows, as in one process: retain
    collects its column and calibrates the model on it first (``model.calibrate``)."""
    mod = _engine_module(engine, [frame])
    frame = mod.as_frame(frame, "the feature frame")
    empty = mod.empty(frame)
    keys = _keys(empty, keys)
    model = _scoring_model(model, frame, mod)
    work = functools.partial(
        _work.score, model=model, keys=keys, n_threads=_frames.threads(n_threads)
    )
    return mod.per_row(frame, work, work(_work.tagged_empty(empty), quiet=False))


def reasons(
    frame: Any,
    model: Any,
    top: int = 3,
    *,
    keys: Any = None,
    engine: str | None = None,
    n_threads: int | None = 1,
) -> Any:
    """:meth:`retain.HealthModel.reasons` of a distributed feature frame: the ``keys`` columns
    (as in :func:`score`), ``rank``, then the reason columns, one row per (row, rank)."""
    mod = _engine_module(engine, [frame])
    frame = mod.as_frame(frame, "the feature frame")
    empty = mod.empty(frame)
    keys = _keys(empty, keys)
    top = _frames.whole(top, "top")
    model = _scoring_model(model, frame, mod)
    work = functools.partial(
        _work.reasons, model=model, keys=keys, top=top, n_threads=_frames.threads(n_threads)
    )
    return mod.per_row(frame, work, work(_work.tagged_empty(empty), quiet=False))


# -- global figures


def _summed(
    t: _Tables, kpi: str, keys: list[str], args: dict[str, Any], span: Any = "mrr"
) -> pd.DataFrame:
    """The KPI's parts of every partition, summed per key on the driver (a few rows each)."""
    span = t.span() if span == "mrr" else span
    work = functools.partial(_work.kpi_parts, options=t.options, span=span, kpi=kpi, args=args)
    parts = _plain_text(t.engine.collect(t.per_account(work)))
    # min_count=1: a cell NaN in every partition (a cohort's age past the data) stays NaN.
    return parts.groupby(keys, sort=True, dropna=False).sum(min_count=1)


def _plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object, as one process gives them (Dask may have made them Arrow
    strings)."""
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column].dtype) and frame[column].dtype != object:
            frame[column] = frame[column].astype(object)
    return frame


def _months_index(ordinals: Any, name: str, freq: str = "M") -> pd.PeriodIndex:
    return pd.PeriodIndex.from_ordinals(np.asarray(ordinals, dtype=np.int64), freq=freq).rename(
        name
    )


def mrr_movements(
    tables: dict[str, Any], *, by: Any = None, dropna: bool = True, **options: Any
) -> Any:
    """:func:`retain.kpi.mrr_movements` of the Book of ``tables`` (pandas), ``by`` account
    attributes as there: every column is a sum over accounts per (group and) month, so each
    partition's table is summed."""
    t = _Tables(tables, options)
    _require_mrr(t, "mrr_movements")
    keys = _group_keys(by)
    out = _summed(t, "mrr_movements", [*keys, "period"], {"by": by, "dropna": dropna})
    out.index = _grouped_months(out.index, keys)
    return out


def _group_keys(by: Any) -> list[Any]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _grouped_months(index: pd.Index, keys: list[Any], name: str = "period", freq: str = "M") -> Any:
    """The summed parts' index as one process labels it: the groups' levels, then Periods."""
    if not keys:
        return _months_index(index, name, freq)
    levels = [index.get_level_values(k) for k in keys]
    periods = _months_index(index.get_level_values(name), name, freq)
    return pd.MultiIndex.from_arrays([*levels, periods])


def _require_mrr(t: _Tables, func: str) -> None:
    if "mrr" not in t.frames:
        raise InputError(f"{func}: the tables have no 'mrr' table")


def churn_rate(
    tables: dict[str, Any], kind: str = "logo", ci: float | None = None, **options: Any
) -> Any:
    """:func:`retain.kpi.churn_rate` of the summed :func:`mrr_movements` (same options, ``by``
    and ``dropna`` included)."""
    from .. import kpi

    return kpi.churn_rate(mrr_movements(tables, **options), kind, ci)


def _retention(
    which: str,
    tables: dict[str, Any],
    months: int,
    parts: bool,
    groups: dict[str, Any],
    options: dict[str, Any],
) -> pd.DataFrame | pd.Series:
    t = _Tables(tables, options)
    _require_mrr(t, which)
    months = _frames.whole(months, "months")
    keys = _group_keys(groups["by"])
    out = _summed(t, which, [*keys, "period"], {"months": months, **groups})
    out.index = _grouped_months(out.index, keys)
    if parts:
        return out
    start = out["start_mrr"].to_numpy()
    ratio = np.full(len(out), np.nan)
    np.divide(out["end_mrr"].to_numpy(), start, out=ratio, where=start > 0)
    return pd.Series(ratio, index=out.index, name=which)


def nrr(
    tables: dict[str, Any],
    months: int = 12,
    *,
    by: Any = None,
    dropna: bool = True,
    parts: bool = False,
    **options: Any,
) -> Any:
    """:func:`retain.kpi.nrr` of the Book of ``tables`` (``by`` account attributes as there):
    each partition's numerator and denominator per (group and) period (``parts=True`` returns
    their sums), divided at the end."""
    return _retention("nrr", tables, months, parts, {"by": by, "dropna": dropna}, options)


def grr(
    tables: dict[str, Any],
    months: int = 12,
    *,
    by: Any = None,
    dropna: bool = True,
    parts: bool = False,
    **options: Any,
) -> Any:
    """:func:`retain.kpi.grr` of the Book of ``tables``, summed as :func:`nrr` is."""
    return _retention("grr", tables, months, parts, {"by": by, "dropna": dropna}, options)


def cohort_retention(
    tables: dict[str, Any],
    kind: str = "logo",
    **options: Any,
) -> pd.DataFrame:
    """:func:`retain.kpi.cohort_retention` (first-paid cohorts) of the Book of ``tables``: per
    cohort and age, each partition's accounts paying (logo) or MRR (revenue) and the cohort's
    size or age-0 MRR, summed, then divided."""
    if kind not in ("logo", "revenue"):
        raise InputError(f"kind: unknown cohort retention kind '{kind}' (expected logo or revenue)")
    t = _Tables(tables, options)
    _require_mrr(t, "cohort_retention")
    out = _summed(t, "cohort_retention", ["cohort", "age"], {"kind": kind})
    table = (out["numerator"] / out["denominator"]).unstack("age")
    table.index = _months_index(table.index, "cohort")
    table.columns = pd.RangeIndex(table.shape[1], name="age")
    return table


def churn_reasons(
    tables: dict[str, Any],
    freq: str = "M",
    *,
    names: dict[str, str] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`retain.kpi.churn_reasons` of the Book of ``tables``: accounts and MRR per period
    and reason summed over partitions, each reason's share of the period's churned MRR taken
    from the sums."""
    t = _Tables(tables, options)
    out = _summed(t, "churn_reasons", ["period", "reason"], {"freq": freq, "names": names})
    out = out.drop(columns="share_of_churned_mrr")
    period = out.index.get_level_values("period")
    total = out["mrr_lost"].groupby(level="period").transform("sum")
    share = np.full(len(out), np.nan)
    np.divide(out["mrr_lost"].to_numpy(), total.to_numpy(), out=share, where=total.to_numpy() > 0)
    out.insert(2, "share_of_churned_mrr", share)
    out.index = pd.MultiIndex.from_arrays(
        [_months_index(period, "period", freq), out.index.get_level_values("reason")]
    )
    return out


def nps_by(
    tables: dict[str, Any],
    by: Any = None,
    *,
    freq: str | None = None,
    dropna: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """:func:`retain.kpi.nps_by` of the Book of ``tables`` (``by`` account attributes and/or
    ``freq``): promoters, passives and detractors summed per group, then the score, its
    standard error and margin (defined as in :class:`retain.kpi.NpsResult`)."""
    t = _Tables(tables, options)
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    keys += ["period"] if freq is not None else []
    if not keys:
        raise InputError("nps_by: give by= (account attributes) and/or freq= ('M', 'Q', 'Y')")
    out = _summed(t, "nps_by", keys, {"by": by, "freq": freq, "dropna": dropna})
    counts = out[["promoters", "passives", "detractors", "n"]].astype(np.int64)
    n = counts["n"].to_numpy(dtype=float)
    p, d = counts["promoters"] / n, counts["detractors"] / n
    stderr = 100 * np.sqrt((p + d - (p - d) ** 2) / n)
    table = pd.DataFrame({"nps": 100 * (p - d)}, index=counts.index).join(counts)
    table["stderr"], table["margin95"] = stderr, 1.96 * stderr
    if freq is not None:
        levels = [table.index.get_level_values(k) for k in keys]
        levels[-1] = _months_index(levels[-1], "period", freq)
        table.index = pd.MultiIndex.from_arrays(levels) if len(levels) > 1 else pd.Index(levels[0])
    return table


def kaplan_meier(
    tables: dict[str, Any],
    as_of: Any,
    start: Any = None,
    alpha: float = 0.05,
    timeline: Any = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`retain.survival.kaplan_meier` of the Book's tenure (:meth:`retain.Book.tenure`
    as of ``as_of``, late entry from ``start``): each partition counts its accounts per
    (duration, churned, entry), the counts are summed and the curve is computed from them on
    the driver. ``.attrs["left_out"]`` counts the accounts that churned before ``start``."""
    from .. import survival

    t = _Tables(tables, options)
    span = t.span()
    if start is None and span is not None:
        # One process starts observation on the first day of the Book's first MRR month; a
        # partition whose accounts never paid would not know that month.
        start = pd.Period(ordinal=span[0], freq="M").start_time
    out = _summed(
        t, "tenure", ["duration", "churned", "entry"], {"as_of": as_of, "start": start}, span
    )
    out = out.reset_index()
    left = out["duration"] < 0
    n = out["n"].to_numpy(dtype=np.int64)
    kept = out[~left]
    repeat = n[~left.to_numpy()]
    km = survival.kaplan_meier(
        np.repeat(kept["duration"].to_numpy(dtype=np.float64), repeat),
        np.repeat(kept["churned"].to_numpy(dtype=bool), repeat),
        timeline,
        alpha,
        entry=np.repeat(kept["entry"].to_numpy(dtype=np.float64), repeat),
        n_threads=1,
    )
    km.attrs["left_out"] = int(n[left.to_numpy()].sum())
    return km


def backtest(
    scorer: Any,
    tables: dict[str, Any],
    as_of: Any,
    horizon_days: int = 90,
    observed_until: Any = None,
    n_boot: int = 0,
    random_state: int = 0,
    *,
    lead_days: int = 0,
    features: Any = None,
    n_threads: int | None = 1,
    **options: Any,
) -> Any:
    """:func:`retain.backtest` of the Book of ``tables`` at the ``as_of`` dates: snapshots,
    labels and scores on the cluster, then the (account, as_of, risk, label) rows collected and
    measured on the driver. Returns the same :class:`~retain.backtest.BacktestResult`.

    ``scorer`` is a HealthModel or ModelSet (whose percentile measures without a reference are
    calibrated on each date's labelled rows, collected first: one more pass over the data), a
    fitted model with ``predict_proba`` (pickled to the workers), a callable frame -> risk or
    the name of a risk column. ``observed_until`` defaults to the last as-of date."""
    from ..backtest import _evaluate
    from ..health_model import HealthModel, ModelSet

    t = _Tables(tables, options)
    if "churns" not in t.frames:
        raise InputError(
            "backtest: the tables have no churns table, so no row can be labelled; add "
            "tables['churns']"
        )
    dates = _as_of_list(as_of)
    days = pd.DatetimeIndex(pd.to_datetime(dates))
    if observed_until is None:
        observed_until = days.max()
    n_boot = _frames.whole(n_boot, "n_boot")
    if n_boot < 0:
        raise InputError(f"n_boot: must be >= 0, got {n_boot}")
    seed = _frames.whole(random_state, "random_state")
    args = {
        "options": t.options,
        "as_of": dates,
        "lead_days": _frames.whole(lead_days, "lead_days"),
        "horizon_days": _frames.whole(horizon_days, "horizon_days"),
        "observed_until": observed_until,
        "milestones": t.milestones(),
        "span": t.span(),
        "n_threads": _frames.threads(n_threads),
    }
    model = scorer
    if isinstance(scorer, (HealthModel, ModelSet)):
        # The columns the model misses, said once here, on the snapshots' declared columns.
        empty = {name: _work.tagged_empty(frame) for name, frame in t.empty.items()}
        columns = _work.snapshots(
            empty, t.options, dates, 0, [7, 30, 90], True, args["milestones"], None, 1
        )
        scorer.score(columns.drop(columns="active"))
    if isinstance(scorer, (HealthModel, ModelSet)) and _percentile_columns(scorer):
        model = _calibrated_by_date(t, scorer, args)
    work = functools.partial(_work.backtest_rows, scorer=model, features=features, **args)
    rows = t.engine.collect(t.per_account(work))
    counted = rows["label"].to_numpy() < 0
    dropped = {
        rule: int(rows["risk"].to_numpy()[counted & (rows["label"].to_numpy() == code)].sum())
        for rule, code in _work.DROPPED.items()
    }
    rows = rows[~counted]
    rows = rows.assign(as_of=pd.to_datetime(rows["as_of"]).astype("datetime64[ns]"))
    rows = rows.sort_values(["as_of", "order"], kind="stable").reset_index(drop=True)
    id_name = t.accounts["accounts"]
    ids = rows["account"]
    id_dtype = t.empty["accounts"][id_name].dtype
    if pd.api.types.is_integer_dtype(id_dtype):
        ids = ids.astype(np.int64)
    scores = pd.DataFrame(
        {
            id_name: ids.to_numpy(),
            "as_of": rows["as_of"].to_numpy(),
            "risk": rows["risk"].to_numpy(dtype=np.float64),
            "label": rows["label"].to_numpy(dtype=np.int8),  # as Book.labels gives it
        }
    )
    probabilities = not isinstance(scorer, (HealthModel, ModelSet, str)) and hasattr(
        scorer, "predict_proba"
    )
    return _evaluate(scores, probabilities, dropped, n_boot, seed, id_name, n_threads)


def _calibrated_by_date(t: _Tables, model: Any, args: dict[str, Any]) -> dict[Any, Any]:
    """The model calibrated on each as-of date's labelled rows (their percentile columns,
    collected): one process ranks an account among the rows of its own date."""
    from ..health_model import ModelSet

    columns = _percentile_columns(model)
    if isinstance(model, ModelSet):
        columns = [model.by, *columns]
    work = functools.partial(_work.reference_rows, columns=list(dict.fromkeys(columns)), **args)
    rows = t.engine.collect(t.per_account(work))
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    return {
        date.to_datetime64(): model.calibrate(group.drop(columns="as_of"))
        for date, group in rows.groupby("as_of", sort=True)
    }
