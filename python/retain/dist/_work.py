"""What runs on a worker: pure functions of pandas frames that build a Book of one partition (the
accounts of a few buckets, every row of each) and run the one-process code on it.

They are module-level functions of plain arguments, so Dask and Spark can pickle them (and retry
them: a call has no side effect). Each returns a pandas frame whose columns and dtypes depend only
on the arguments, never on the partition's data, so that the engines' declared outputs hold.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..book import Book, _months, _Table
from ..errors import InputError, RetainError, RetainWarning

# Columns the engines add to every table: the account's bucket, and the row's place in the input
# (input partition << 33 | row in it, as Spark numbers rows), so that a worker restores the
# input's row order (ties in the Book are broken by it) and an error names the row the user gave.
BUCKET, ROW = "_retain_bucket", "_retain_row"
_ROW_BITS = 33
_ROW_TEXT = re.compile(r"\brow (\d+)\b")


def column_name(options: dict[str, Any], table: str, name: str) -> Any:
    """The user's name of a contract column of ``table`` under the Book options' ``columns``."""
    return ((options.get("columns") or {}).get(table) or {}).get(name, name)


def in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A partition's rows of one table in input order, without the engines' columns, numbered
    0, 1, ... (the Book's rows)."""
    if ROW in frame.columns and len(frame) > 1:
        frame = frame.take(np.argsort(frame[ROW].to_numpy(), kind="stable"))
    return frame.drop(columns=[c for c in (BUCKET, ROW) if c in frame.columns]).reset_index(
        drop=True
    )


def renamed_rows(exc: RetainError, rows: np.ndarray) -> RetainError:
    """``exc`` raised on a partition, each "row N" it names turned into the row of the input:
    "row r of input partition p"."""
    text = str(exc.args[0]) if exc.args else str(exc)

    def where(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n >= len(rows):
            return match.group(0)
        p, r = divmod(int(rows[n]), 1 << _ROW_BITS)
        return f"row {r} of input partition {p}"

    return type(exc)(_ROW_TEXT.sub(where, text))


def tagged_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's declared columns with the engines' two, no rows: what the work functions are
    run on to declare their output."""
    return frame.iloc[:0].assign(**{BUCKET: np.empty(0, np.int64), ROW: np.empty(0, np.int64)})


def row_numbers(partition: int, n: int) -> np.ndarray:
    rows: np.ndarray = (np.int64(partition) << np.int64(_ROW_BITS)) + np.arange(n, dtype=np.int64)
    return rows


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as their values (object): a category's codes differ between
    partitions, and Spark has no such type."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# -- the Book of a partition


def build_book(frames: dict[str, pd.DataFrame], options: dict[str, Any], span: Any = None) -> Book:
    """The Book of one partition. ``span`` (first, last month number of the whole MRR table)
    pads this partition's MRR table with rows of 0 in those months, so that its months run as
    the whole's do (an account's MRR after the last month of the data is unknown, not 0)."""
    ordered = {name: in_order(frame) for name, frame in frames.items()}
    options = dict(options)
    if span is not None and "mrr" in ordered and len(ordered["mrr"]):
        ordered["mrr"] = _padded_mrr(ordered["mrr"], options, span)
        options["periods"] = None  # the padded table's periods are Period[M]
    with warnings.catch_warnings():
        # A partition's own warnings (an empty table, a cutoff past the end of its data) say
        # nothing about the whole; the driver's check on the declared columns warns once.
        warnings.simplefilter("ignore", RetainWarning)
        try:
            return Book(**ordered, **options)
        except RetainError as exc:
            table = _table_named(str(exc), frames)
            if table is None or ROW not in frames[table].columns:
                raise
            rows = np.sort(frames[table][ROW].to_numpy())
            raise renamed_rows(exc, rows) from None


def _table_named(message: str, frames: dict[str, pd.DataFrame]) -> str | None:
    match = re.match(r"^table '(\w+)'", message)
    return match.group(1) if match and match.group(1) in frames else None


def _mrr_table(options: dict[str, Any], frame: pd.DataFrame) -> _Table:
    mapping = (options.get("columns") or {}).get("mrr", {})
    return _Table("mrr", frame, mapping)


def month_span(frame: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """First and last month number of an input partition of the MRR table (empty: no row). A bad
    period is named by its row of the input partition."""
    rows = frame[ROW].to_numpy() if ROW in frame.columns else np.arange(len(frame))
    try:
        months = _months(
            _mrr_table(options, in_order(frame)), "period", options["tz"], options["periods"]
        )
    except RetainError as exc:
        raise renamed_rows(exc, np.sort(rows)) from None
    if not len(months):
        return pd.DataFrame({"first": np.empty(0, np.int64), "last": np.empty(0, np.int64)})
    return pd.DataFrame({"first": [int(months.min())], "last": [int(months.max())]})


def _padded_mrr(
    frame: pd.DataFrame, options: dict[str, Any], span: tuple[int, int]
) -> pd.DataFrame:
    t = _mrr_table(options, frame)
    months = _months(t, "period", options["tz"], options["periods"])
    period = t.names["period"]
    out = frame.copy()
    out[period] = pd.PeriodIndex.from_ordinals(months, freq="M")
    # Two rows of MRR 0 for the first account, nothing else of its row (a plan of its would be
    # a second plan in that month): they add no revenue, only the months.
    account = t.names["account_id"]
    pad = pd.DataFrame(
        {
            account: out[account].iloc[[0, 0]].to_numpy(),
            period: pd.PeriodIndex.from_ordinals(np.asarray(span, dtype=np.int64), freq="M"),
            t.names["mrr"]: np.zeros(2),
        }
    )
    return pd.concat([out, pad], ignore_index=True)


# -- per-account work


def snapshots(
    frames: dict[str, pd.DataFrame],
    options: dict[str, Any],
    as_of: list[Any],
    lead_days: int,
    windows: list[int],
    active_only: bool,
    milestones: list[str],
    span: Any,
    n_threads: int,
) -> pd.DataFrame:
    book = build_book(frames, options, span)
    return book_snapshots(
        book, frames, options, as_of, lead_days, windows, active_only, milestones, n_threads
    )


def book_snapshots(
    book: Book,
    frames: dict[str, pd.DataFrame],
    options: dict[str, Any],
    as_of: list[Any],
    lead_days: int,
    windows: list[int],
    active_only: bool,
    milestones: list[str],
    n_threads: int,
) -> pd.DataFrame:
    """A partition Book's snapshots with the columns of the whole's: every milestone's and the
    MRR plan even where this partition's rows lack them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetainWarning)
        out = book.snapshots(as_of, lead_days, windows, active_only, n_threads=n_threads)
    mrr = frames.get("mrr")
    if mrr is not None and not len(mrr) and _has_column(options, mrr, "mrr", "plan"):
        # The core gives the MRR plan only for a Book with MRR rows (without, an accounts
        # attribute named plan takes its name): a partition whose accounts never paid has
        # the plan column, missing, where the others have it.
        out = out.drop(columns=["plan"], errors="ignore")
        out.insert(
            out.columns.get_loc("mrr") + 1, "plan", pd.Series([None] * len(out), dtype=object)
        )
    return plain_columns(_with_milestones(out, milestones))


def _has_column(options: dict[str, Any], frame: pd.DataFrame, table: str, name: str) -> bool:
    return column_name(options, table, name) in frame.columns


def _with_milestones(out: pd.DataFrame, milestones: list[str]) -> pd.DataFrame:
    """``reached_<name>`` for every milestone of the whole table, in its order: a partition
    only sees the names its own accounts reached."""
    reached = [c for c in out.columns if c.startswith("reached_")]
    if not reached and not milestones:
        return out
    if reached:
        first = out.columns.get_loc(reached[0])
    else:  # the core's place for them, after the count
        first = out.columns.get_loc("milestones_reached") + 1
    before = [c for c in out.columns[:first] if c not in reached]
    after = [c for c in out.columns[first:] if c not in reached]
    wanted = [f"reached_{name}" for name in milestones]
    fill = {c: np.zeros(len(out), dtype=bool) for c in wanted if c not in out.columns}
    return out.assign(**fill)[before + wanted + after]


def usage_features(
    frames: dict[str, pd.DataFrame],
    as_of: list[Any],
    windows: list[int],
    names: dict[str, Any],
    n_threads: int,
) -> pd.DataFrame:
    from ..engagement import usage_features as one_process

    events = in_order(frames["events"])
    accounts = frames.get("accounts")
    ids = None if accounts is None else in_order(accounts)[names["account"]]
    return one_process(events, as_of, windows, ids, **names, n_threads=n_threads)


def labels(
    frames: dict[str, pd.DataFrame],
    options: dict[str, Any],
    horizon_days: int,
    observed_until: Any,
    n_threads: int,
) -> pd.DataFrame:
    snaps = in_order(frames.pop("snapshots"))
    book = build_book(frames, options)
    # Not book.labels: its warning would be said once per partition, on the workers.
    return book._labels(snaps, horizon_days, observed_until, n_threads).frame


# -- rows, scored where they are


def score(
    frame: pd.DataFrame, model: Any, keys: list[Any], n_threads: int, quiet: bool = True
) -> pd.DataFrame:
    """Scores of a partition's rows, after its key columns. ``model`` came pickled as its JSON
    document (a HealthModel or ModelSet). A column the model misses is said once, on the
    driver (``quiet=False`` there), not by every partition."""
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RetainWarning)
        out = plain_columns(model.score(frame, n_threads=n_threads))
    return pd.concat([frame[keys], out], axis=1)


def reasons(
    frame: pd.DataFrame, model: Any, keys: list[Any], top: int, n_threads: int, quiet: bool = True
) -> pd.DataFrame:
    local = frame.reset_index(drop=True)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RetainWarning)
        out = model.reasons(local, top, n_threads=n_threads)
    rows = out.index.get_level_values(0).to_numpy()
    head = local[keys].take(rows).reset_index(drop=True)
    body = plain_columns(out.reset_index(level=-1).reset_index(drop=True))
    return pd.concat([head, body], axis=1)


# -- global figures: each partition's additive parts


def kpi_parts(
    frames: dict[str, pd.DataFrame],
    options: dict[str, Any],
    span: Any,
    kpi: str,
    args: dict[str, Any],
) -> pd.DataFrame:
    """The additive parts of one global KPI over a partition's accounts, as a frame with the
    KPI's keys as columns (summed across partitions by the driver)."""
    book = build_book(frames, options, span)
    out = _kpi_table(book, kpi, args)
    for column in out.columns:  # periods cross as month (or quarter, year) numbers
        if isinstance(out[column].dtype, pd.PeriodDtype):
            out[column] = out[column].array.asi8.astype(np.int64)
    return out


def _kpi_table(book: Book, kpi: str, args: dict[str, Any]) -> pd.DataFrame:
    from .. import kpi as k

    groups = {"by": args.get("by"), "dropna": args.get("dropna", True)}
    if kpi == "mrr_movements":
        return k.mrr_movements(book, **groups, n_threads=1).reset_index()
    if kpi in ("nrr", "grr"):
        return getattr(k, kpi)(book, months=args["months"], **groups, parts=True).reset_index()
    if kpi == "cohort_retention":
        return _cohort_parts(book, args["kind"])
    if kpi == "churn_reasons":
        out = k.churn_reasons(book, args["freq"], names=args["names"], n_threads=1)
        return out.reset_index()
    if kpi == "nps_by":
        out = k.nps_by(book, args["by"], freq=args["freq"], dropna=args["dropna"])
        return out[["promoters", "passives", "detractors", "n"]].reset_index()
    if kpi == "tenure":
        t = book.tenure(args["as_of"], args["start"])
        counts = t.groupby(["duration", "churned", "entry"], sort=True).size()
        # The accounts left out (churned before ``start``) ride along as a row of duration -1.
        left_out = pd.DataFrame(
            {"duration": [-1.0], "churned": [False], "entry": [-1.0], "n": [t.attrs["left_out"]]}
        )
        return pd.concat([counts.rename("n").reset_index(), left_out], ignore_index=True)
    raise InputError(f"unknown KPI {kpi!r}")


def _cohort_parts(book: Book, kind: str) -> pd.DataFrame:
    """Cohort x age cells as a numerator and a denominator: accounts paying at that age over
    the cohort's size (logo), or the cohort's MRR at that age over its MRR at age 0 (revenue,
    whose age-0 MRR is the bridge's ``new`` of the cohort's month)."""
    from .. import _core
    from ..kpi import _book_table, mrr_movements

    table = _book_table(book)
    cohorts, sizes, values = _core.kpi.cohort_retention(table._core, kind)
    labels = table._kind.labels(cohorts, name="cohort")
    if kind == "logo":
        base = np.asarray(sizes, dtype=np.float64)
    else:
        new = mrr_movements(book, n_threads=1)["new"]
        base = new.reindex(labels).to_numpy(dtype=np.float64)
    numerator = values * base[:, None]
    if kind == "logo":
        numerator = np.round(numerator)
    n_ages = values.shape[1]
    return pd.DataFrame(
        {
            "cohort": np.repeat(labels, n_ages),
            "age": np.tile(np.arange(n_ages), len(labels)),
            "numerator": numerator.ravel(),
            "denominator": np.repeat(base, n_ages),
        }
    )


# -- backtests: labelled rows scored where they are, collected small

# The rows a partition left out ride along as rows of their own: no account, risk = the count,
# label = the rule's code.
DROPPED = {"inactive": -1, "unresolved": -2, "unscored": -3}


def labelled(
    frames: dict[str, pd.DataFrame],
    options: dict[str, Any],
    as_of: list[Any],
    lead_days: int,
    horizon_days: int,
    observed_until: Any,
    milestones: list[str],
    span: Any,
    n_threads: int,
) -> tuple[Any, Book]:
    """The Book's labelled snapshots, as :func:`retain.backtest` makes them from a Book."""
    book = build_book(frames, options, span)
    snaps = book_snapshots(
        book, frames, options, as_of, lead_days, [7, 30, 90], True, milestones, n_threads
    ).drop(columns="active")
    return book._labels(snaps, horizon_days, observed_until, n_threads), book


def reference_rows(
    frames: dict[str, pd.DataFrame], columns: list[Any], **args: Any
) -> pd.DataFrame:
    """The as-of date and the given columns of the labelled rows (for calibrating a model's
    percentile measures on each date's rows)."""
    labels, _ = labelled(frames, **args)
    frame = labels.frame
    return plain_columns(frame[["as_of", *[c for c in columns if c in frame.columns]]].copy())


def backtest_rows(
    frames: dict[str, pd.DataFrame], scorer: Any, features: Any, **args: Any
) -> pd.DataFrame:
    """(account, as_of, risk, label, order) of the partition's scored rows, ``order`` being the
    account's row in the accounts table, then a row per rule of rows left out."""
    from ..backtest import _feature_columns, _risk_of, _scores_frame

    labels, book = labelled(frames, **args)
    frame = labels.frame
    id_name = book.ids.name
    dropped = dict(labels.dropped)
    if isinstance(scorer, dict):  # a model calibrated on each date's rows
        risk = np.full(len(frame), np.nan)
        day = frame["as_of"].to_numpy()
        for date, model in scorer.items():
            rows = np.flatnonzero(day == np.datetime64(date))
            if len(rows):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RetainWarning)
                    scored = model._score_parts(frame, [rows], args["n_threads"])
                risk[rows] = 100.0 - scored[rows]
    else:
        columns = _feature_columns(frame, id_name, features)
        with warnings.catch_warnings():  # a model's absent columns are said on the driver
            warnings.simplefilter("ignore", RetainWarning)
            risk, _ = _risk_of(scorer, frame, columns, args["n_threads"])
    scores = _scores_frame(frame, risk, id_name, dropped)
    accounts = frames["accounts"]
    position = pd.Series(
        np.sort(accounts[ROW].to_numpy()) if ROW in accounts.columns else np.arange(len(accounts)),
        index=book.ids,
    )
    rows = pd.DataFrame(
        {
            "account": scores[id_name].astype(str).astype(object),
            "as_of": scores["as_of"].to_numpy(),
            "risk": scores["risk"].to_numpy(dtype=np.float64),
            "label": scores["label"].to_numpy(dtype=np.int64),
            "order": position.reindex(scores[id_name]).to_numpy(dtype=np.int64),
        }
    )
    counts = pd.DataFrame(
        {
            "account": [None] * len(DROPPED),
            "as_of": np.zeros(len(DROPPED), dtype="datetime64[ns]"),
            "risk": [float(dropped.get(rule, 0)) for rule in DROPPED],
            "label": list(DROPPED.values()),
            "order": np.full(len(DROPPED), -1, dtype=np.int64),
        }
    )
    return pd.concat([rows, counts], ignore_index=True)
