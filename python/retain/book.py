"""The account model: :class:`Book`, one business's tables validated once and keyed by one account
index, with one column contract and one time zone. Every area reads it.

The column contract (rename yours with ``columns={"mrr": {"mrr": "amount"}}``, mapping the
contract's name to your column's; optional columns in brackets):

============  ==========================================================================
table         columns
============  ==========================================================================
accounts      account_id, signed_at, then any attributes (plan, segment, owner, seats, ...)
mrr           account_id, period, mrr, [plan]
events        account_id, user_id, timestamp, [feature]
surveys       account_id, answered_at, score, [kind]  ("nps" 0-10 or "csat" 1-5; default nps)
tickets       account_id, opened_at, [closed_at], [priority]
milestones    account_id, milestone, reached_at
churns        account_id, churned_at, [returned_at], [reason], [kind]  (voluntary/involuntary)
activities    account_id, at, [type], [owner]
============  ==========================================================================

The time rule: a Book has one time zone (``tz``, UTC by default). A tz-aware datetime, or ISO
text with an offset ('2024-03-01T08:00+09:00', 'Z'), is an instant and is converted to the Book's
zone; a naive datetime, or text without an offset, is already wall time there. A day is a calendar
day of that zone and a month a calendar month of it, in every table and every area.
"""

from __future__ import annotations

import difflib
import re
import warnings
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import ColumnError, InputError, RetainError, RetainWarning

__all__ = ["CONTRACT", "Book"]

# Each table's (required, optional) contract columns.
CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "accounts": (("account_id", "signed_at"), ()),
    "mrr": (("account_id", "period", "mrr"), ("plan",)),
    "events": (("account_id", "user_id", "timestamp"), ("feature",)),
    "surveys": (("account_id", "answered_at", "score"), ("kind",)),
    "tickets": (("account_id", "opened_at"), ("closed_at", "priority")),
    "milestones": (("account_id", "milestone", "reached_at"), ()),
    "churns": (("account_id", "churned_at"), ("returned_at", "reason", "kind")),
    "activities": (("account_id", "at"), ("type", "owner")),
}
TABLES = tuple(CONTRACT)
# The contract's date columns per table (read by the one time rule).
DATE_COLUMNS = {
    "accounts": ("signed_at",),
    "events": ("timestamp",),
    "surveys": ("answered_at",),
    "tickets": ("opened_at", "closed_at"),
    "milestones": ("reached_at",),
    "churns": ("churned_at", "returned_at"),
    "activities": ("at",),
}
_NO_TIME = int(_core.book.NO_TIME)
_SECONDS_PER_DAY = 86_400


def _contract_names(columns: Any) -> dict[str, dict[str, str]]:
    """The column mapping checked: tables and contract names must exist."""
    if columns is None:
        return {}
    if not isinstance(columns, dict):
        raise InputError("columns: give a dict such as {'mrr': {'mrr': 'amount'}}")
    out = {}
    for table, mapping in columns.items():
        if table not in CONTRACT:
            raise InputError(f"columns: unknown table {table!r} (tables: {', '.join(TABLES)})")
        if not isinstance(mapping, dict):
            raise InputError(f"columns[{table!r}]: give a dict of contract name -> your column")
        required, optional = CONTRACT[table]
        for name in mapping:
            if name not in required + optional:
                raise InputError(
                    f"columns[{table!r}]: {name!r} is not a column of the contract "
                    f"(its columns: {', '.join(required + optional)})"
                )
        out[table] = dict(mapping)
    return out


def _internal_types(types: Any, activities: Any) -> list[str]:
    """The activity types marked internal, as a list of text."""
    if types is None:
        return []
    if isinstance(types, str):
        types = [types]
    try:
        names = list(types)
    except TypeError:
        raise InputError(
            f"internal_activity_types: give a list of activity types, got {types!r}"
        ) from None
    if names and activities is None:
        raise InputError("internal_activity_types: the Book has no activities table")
    return [str(n) for n in names]


def warn_unused_types(internal: list[str], types: Any, stacklevel: int) -> None:
    """A RetainWarning for each listed internal activity type that no activity has: likely a
    typo (retain.Book, and retain.dist on the distinct types of a distributed table)."""
    seen = sorted({str(t) for t in types})
    for name in internal:
        if name not in seen:
            close = difflib.get_close_matches(name, seen, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            warnings.warn(
                f"internal_activity_types: {name!r} does not occur in the activities' "
                f"types{hint} (its types: {seen})",
                RetainWarning,
                stacklevel=stacklevel + 1,
            )


def _check_tz(tz: Any) -> str:
    if tz is None:  # str(None) would pass as a zone named "None" until a time needs it
        raise InputError("tz: give a time zone (an IANA name such as 'UTC' or 'Europe/Paris')")
    try:
        return str(pd.Timestamp("2000-01-01", tz=tz).tz)
    except Exception as exc:
        raise InputError(f"tz: unknown time zone {tz!r}") from exc


class _Table:
    """One input table seen through the contract: columns by contract name, errors by the user's
    names and rows."""

    def __init__(self, table: str, frame: Any, mapping: dict[str, str]):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"the {table} table must be a pandas DataFrame, got {type(frame).__name__}"
            )
        self.table, self.frame = table, frame
        required, optional = CONTRACT[table]
        self.names = {name: mapping.get(name, name) for name in required + optional}
        for name in required:
            self.require(name)
        for name in mapping:  # an optional column named explicitly must be there
            if name in optional:
                self.require(name)
        dup = frame.columns[frame.columns.duplicated()]
        if len(dup):
            raise InputError(f"table {table!r} has more than one column {dup[0]!r}")

    def require(self, name: str) -> None:
        user = self.names[name]
        if user in self.frame.columns:
            return
        close = difflib.get_close_matches(str(user), [str(c) for c in self.frame.columns], n=1)
        hint = f"; is {close[0]!r} it?" if close else ""
        raise _located(
            ColumnError(
                f"table {self.table!r} has no column {user!r}{hint} (its columns: "
                f"{list(self.frame.columns)}); map yours with "
                f"columns={{{self.table!r}: {{{name!r}: 'your_column'}}}}"
            ),
            self.table,
            user,
        )

    def has(self, name: str) -> bool:
        return self.names[name] in self.frame.columns

    def near_misses(self) -> list[tuple[str, str]]:
        """(column, optional contract name) pairs where a column the table has is not read but
        looks like an optional column it lacks: "reasons" for "reason", "Type" for "type"."""
        _, optional = CONTRACT[self.table]
        read = set(self.names.values())
        absent = [self.names[name] for name in optional if not self.has(name)]
        out = []
        for column in self.frame.columns:
            if column in read or not isinstance(column, str):
                continue
            lower = {a.lower(): a for a in absent}
            close = difflib.get_close_matches(column.lower(), list(lower), n=1, cutoff=0.8)
            if close:
                out.append((column, lower[close[0]]))
        return out

    def __getitem__(self, name: str) -> pd.Series:
        return self.frame[self.names[name]]

    def where(self, name: str, row: int) -> str:
        return f"table {self.table!r}, column {self.names[name]!r}, row {row}"

    def error(self, name: str, row: int, what: str) -> InputError:
        """An InputError at a cell, with ``table``, ``column`` and ``row`` set as the core sets
        them."""
        return _located(
            InputError(f"{self.where(name, row)}: {what}"), self.table, self.names[name], row
        )


# ------------------------------------------------------------------------- columns to the core


_E = TypeVar("_E", bound=RetainError)


def _located(error: _E, table: str, column: Any, row: int | None = None) -> _E:
    """``error`` with the attributes that name its cell (as the core's errors carry them)."""
    error.table, error.column, error.row = table, str(column), row
    return error


def _text_array(column: pd.Series) -> Any:
    """A text column as one pyarrow large_string array (nulls kept), or None when it holds
    values other than text (ints beside strings, say). A column pyarrow already holds is taken
    as it is; an object column is converted in one pass, which also finds its nulls."""
    import pyarrow as pa

    array = getattr(column.array, "_pa_array", None)
    if array is None:
        try:
            values = column.to_numpy(dtype=object)
            array = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not pa.types.is_large_string(array.type):
        try:
            array = array.cast(pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    return array


def _text_buffers(column: pd.Series, array: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Arrow large_string buffers (offsets, chars) of a text column, nulls as empty text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if array is None:
        array = _text_array(column)
    if array is None:
        array = pa.array(
            [
                None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
                for v in column.to_numpy(dtype=object)
            ],
            type=pa.large_string(),
        )
    if array.null_count:
        array = pc.fill_null(array, "")
    _, offsets, chars = array.buffers()
    off = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(chars, dtype=np.uint8) if chars is not None else np.empty(0, np.uint8)
    return off, data


def _text_cells(column: pd.Series) -> Any:
    """A text column for the core: an object column as pandas holds it (the core reads each str
    object's text in place, None, NaN and pd.NA as missing, any other value by its str()), any
    other column as Arrow large_string buffers."""
    if _is_object(column.dtype):
        return column.to_numpy()
    return _text_buffers(column)


def _is_object(dtype: Any) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _ids(t: _Table, name: str, what: str = "account id") -> Any:
    """An id column for the core: int64 values, or text (see _text_cells; a missing id is an
    error the core names)."""
    column = t[name]
    if len(column) == 0:
        return np.empty(0, dtype=np.int64)
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise t.error(name, 0, "booleans are not ids")
    if _is_object(dtype):
        return column.to_numpy()
    numeric = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    text = None if numeric else _text_array(column)
    if text is not None:
        # One pass through Arrow finds the nulls too: no separate isna over Python objects.
        if text.null_count:
            import pyarrow.compute as pc

            missing = pc.is_null(text).to_numpy(zero_copy_only=False)
            raise t.error(name, _frames.first_row(missing), f"missing {what}")
        return _text_buffers(column, text)
    missing = column.isna().to_numpy()
    if missing.any():
        raise t.error(name, _frames.first_row(missing), f"missing {what}")
    if pd.api.types.is_integer_dtype(dtype):
        return column.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype=np.float64)
        frac = values != np.round(values)
        if frac.any():
            row = _frames.first_row(frac)
            raise t.error(name, row, f"id {values[row]} is not a whole number")
        return values.astype(np.int64)
    # Ids of mixed kinds (ints beside strings): compared as their text.
    return _text_buffers(column.astype(str))


def _times(t: _Table, name: str, tz: str, required: bool = True) -> np.ndarray:
    """Seconds since 1970-01-01 on the Book's wall clock; missing values as NO_TIME (an error when
    ``required``)."""
    column = t[name]
    dtype = column.dtype
    if len(column) == 0:
        return np.empty(0, dtype=np.int64)
    if isinstance(dtype, pd.DatetimeTZDtype):
        # On the array: the Series' .dt methods copy each result once more.
        seconds = _seconds(column.array.tz_convert(tz).tz_localize(None))
    elif isinstance(dtype, np.dtype) and dtype.kind == "M":
        seconds = _seconds(column)
    elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        if len(column) and column.isna().all():
            seconds = np.full(len(column), _NO_TIME, dtype=np.int64)
        else:
            raise t.error(name, 0, f"give dates as datetime64 or ISO 8601 text, got dtype {dtype}")
    else:
        local, offset, flag = _core.book.parse_times(_text_cells(column), t.table, t.names[name])
        seconds = _instants_on_wall_clock(local, offset, flag, tz)
    if required:
        missing = seconds == _NO_TIME
        if missing.any():
            raise t.error(name, _frames.first_row(missing), "missing date")
    return seconds


def _instants_on_wall_clock(
    local: np.ndarray, offset: np.ndarray, flag: np.ndarray, tz: str
) -> np.ndarray:
    """Parsed text times on the Book's wall clock: the rows written with an offset (flag 1) are
    instants, shown in ``tz``; the others are wall times already (changed in place)."""
    instant = flag == 1
    if instant.any():
        utc = local[instant] - offset[instant]
        if tz == "UTC":
            local[instant] = utc
        else:
            stamps = pd.DatetimeIndex(utc.astype("datetime64[s]"), tz="UTC")
            local[instant] = _seconds(pd.Series(stamps.tz_convert(tz).tz_localize(None)))
    return local


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_ZONE_SPAN_DAYS = 200 * 366  # wider spans take the copying way (see _utc_times)


def _date_of_day(day: int) -> Any:
    return pd.Timestamp(int(day), unit="D").date()


def _utc_times(t: _Table, name: str, tz: str) -> dict[str, Any] | None:
    """A datetime column's times for the core as the column holds them, with no copy of it: int64
    counts of its unit since 1970 (UTC for a tz-aware column, brought to the Book's wall clock by
    the zone's offsets; a naive column's are wall times already). None for a column of any other
    type, or whose times span more than two centuries (``_times`` then converts them)."""
    column = t[name]
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values, unit, aware = column.array.asi8, dtype.unit, True
    elif isinstance(dtype, np.dtype) and dtype.kind == "M":
        values, aware = column.to_numpy().view(np.int64), False
        unit = np.datetime_data(dtype)[0]
    else:
        return None
    if unit not in _PER_SECOND or len(values) == 0:
        return None
    missing = values == _NO_TIME
    if missing.any():
        raise t.error(name, _frames.first_row(missing), "missing date")
    del missing
    since = offset = None
    if aware and tz != "UTC":
        per = _PER_SECOND[unit]
        lo, hi = int(values.min()) // per, int(values.max()) // per
        if hi - lo > _ZONE_SPAN_DAYS * _SECONDS_PER_DAY:
            return None
        since, offset = _zone_offsets(tz, lo, hi)
    return {"utc": values, "utc_unit": unit, "since": since, "offset": offset}


def _zone_offsets(tz: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of ``tz`` from UTC between the UTC seconds ``lo`` and ``hi``: (since, offset),
    each offset holding from its start on (the first also before). The changes are found on a
    daily grid, then to the second by bisection: no zone changes its offset twice in a day."""

    def offset_at(seconds: np.ndarray) -> np.ndarray:
        utc = pd.DatetimeIndex(seconds.astype("datetime64[s]")).tz_localize("UTC")
        wall = utc.tz_convert(tz).tz_localize(None).as_unit("s").asi8
        return np.asarray(wall - seconds, dtype=np.int64)

    day = _SECONDS_PER_DAY
    grid = np.arange(lo - lo % day - day, hi + 2 * day, day, dtype=np.int64)
    offsets = offset_at(grid)
    change = np.flatnonzero(np.diff(offsets))
    before, after = grid[change], grid[change + 1]  # the change is in (before, after]
    while len(change) and (after - before > 1).any():
        middle = (before + after) // 2
        moved = offset_at(middle) != offsets[change]
        after = np.where(moved, middle, after)
        before = np.where(moved, before, middle)
    since = np.concatenate([grid[:1], after]).astype(np.int64)
    return since, np.concatenate([offsets[:1], offsets[change + 1]]).astype(np.int32)


def _seconds(naive: Any) -> np.ndarray:
    """Seconds of naive datetimes (a Series or a DatetimeArray), NaT as NO_TIME: one new array."""
    values = naive.to_numpy()
    unit = np.datetime_data(values.dtype)[0]
    if unit in ("ms", "us", "ns"):  # numpy truncates towards zero: floor before 1970
        finer = values.view(np.int64)
        per = {"ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
        seconds: np.ndarray = np.floor_divide(finer, per)
        seconds[finer == _NO_TIME] = _NO_TIME
        return seconds
    seconds = values.astype("datetime64[s]").view(np.int64)  # astype copies: NaT is NO_TIME
    return seconds


def _months(t: _Table, name: str, tz: str, periods: str | None) -> np.ndarray:
    """Month numbers of an MRR period column: Period[M], datetimes (their month in the Book's
    zone), 'YYYY-MM' or date text, integer month numbers or yyyymm."""
    column = t[name]
    dtype = column.dtype
    if len(column) == 0:
        return np.empty(0, dtype=np.int64)
    if not _is_object(dtype):  # text cells are checked as they are parsed, below
        missing = column.isna().to_numpy()
        if missing.any():
            raise t.error(name, _frames.first_row(missing), "missing period")
    if isinstance(dtype, pd.PeriodDtype):
        if dtype != pd.PeriodDtype("M"):
            raise t.error(name, 0, f"periods of dtype {dtype} are not monthly")
        ordinals: np.ndarray = column.array.asi8.astype(np.int64)
        return ordinals
    if pd.api.types.is_bool_dtype(dtype):
        raise t.error(name, 0, "booleans are not periods")
    if pd.api.types.is_integer_dtype(dtype):
        return _frames.integer_months(
            column.to_numpy(dtype=np.int64), periods, f"table {t.table!r}, column {t.names[name]!r}"
        )
    if pd.api.types.is_float_dtype(dtype):
        raise t.error(
            name,
            0,
            "float periods are ambiguous; give 'YYYY-MM' text, Period[M], datetimes or integers",
        )
    if isinstance(dtype, pd.DatetimeTZDtype) or dtype.kind == "M":  # their wall-clock month
        return _core.months_from_timestamps(_times(t, name, tz), "s", t.names[name])
    # Text: months straight from the parser, rows written with an offset by their wall time.
    months, offset, flag = _core.book.parse_times(
        _text_cells(column), t.table, t.names[name], months=True
    )
    missing = flag < 0
    if missing.any():
        raise t.error(name, _frames.first_row(missing), "missing period")
    instant = flag == 1
    if instant.any():
        wall = _instants_on_wall_clock(months[instant], offset[instant], flag[instant], tz)
        months[instant] = _core.months_from_timestamps(wall, "s", t.names[name])
    return months


def _labels(t: _Table, name: str) -> Any:
    """A label column (plan, reason, milestone, type) for the core: ints as they are, an object
    column as pandas holds it (see _text_cells: no copy of its text; labels repeat, and the core
    reads a repeated str object once), else text buffers."""
    column = t[name]
    if pd.api.types.is_integer_dtype(column.dtype) and not column.hasnans:
        return column.to_numpy(dtype=np.int64)
    if _is_object(column.dtype):
        return column.to_numpy()
    numeric = pd.api.types.is_numeric_dtype(column.dtype)
    text = None if numeric else _text_array(column)
    if text is not None:
        return _text_buffers(column, text)
    return _text_buffers(column.astype("string"))


def _numbers(t: _Table, name: str) -> pd.Series:
    """A numeric column as it is; any other is an error naming its first cell that is no number
    (text such as "1,185.78" from a CSV, say), or its dtype."""
    values = t[name]
    if len(values) == 0:  # an empty CSV column has no type
        return values.astype(np.float64)
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return values
    if not pd.api.types.is_bool_dtype(dtype):
        coerced = pd.to_numeric(values.astype(object), errors="coerce")
        bad = (coerced.isna() & values.notna()).to_numpy(dtype=bool)
        if bad.any():
            row = _frames.first_row(bad)
            raise t.error(
                name,
                row,
                f"{values.iloc[row]!r} is not a number (a plain number is, with a point for "
                "decimals and no thousands separator)",
            )
    raise t.error(name, 0, f"must be numeric, got dtype {dtype}")


def _choice(t: _Table, name: str, choices: dict[str, int], missing: int | None) -> np.ndarray:
    """int8 codes of a small vocabulary column (case and blanks ignored)."""
    column = t[name]
    text = column.astype("string").str.strip().str.lower()
    codes = np.full(len(column), -9, dtype=np.int8)
    for word, code in choices.items():
        codes[(text == word).fillna(False).to_numpy(dtype=bool)] = code
    na = text.isna().to_numpy() | (text == "").fillna(False).to_numpy(dtype=bool)
    if missing is not None:
        codes[na] = missing
    bad = codes == -9
    if bad.any():
        row = _frames.first_row(bad)
        raise t.error(name, row, f"{column.iloc[row]!r} is not one of {', '.join(choices)}")
    return codes


# ------------------------------------------------------------------------------------ the Book


class Book:
    """One business's tables, validated once and keyed by one account index.

    ``accounts`` is required (one row per account); every other table is optional. ``columns``
    maps contract names to yours per table; ``tz`` is the Book's time zone (see the module
    docstring for the contract and the time rule). Rows of other tables whose account is not in
    ``accounts`` are an :class:`~retain.InputError` naming the table, column, row and id, or,
    with ``unknown_accounts="drop"``, left out and counted in :attr:`dropped`. ``periods``
    ("yyyymm" or "months") settles how integer MRR periods are read (by default: yyyymm when
    every value is one, month numbers when every value is a plausible one, else an error).
    ``internal_activity_types`` lists activity ``type`` values that are not CSM touches (internal
    notes, say): those rows count nowhere as touches (snapshots, :func:`retain.kpi.touches`,
    :func:`retain.kpi.coverage`); each must occur in the activities' type column.

    Everything is validated here, once; errors name the table, your column and the 0-based row
    of your frame. A Book pickles (it is rebuilt from its tables).

    >>> book = rt.Book(accounts, mrr=mrr, events=events, tz="Europe/Berlin")
    >>> book.snapshots(["2024-03-01", "2024-04-01"])
    """

    def __init__(
        self,
        accounts: pd.DataFrame,
        mrr: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        surveys: pd.DataFrame | None = None,
        tickets: pd.DataFrame | None = None,
        milestones: pd.DataFrame | None = None,
        churns: pd.DataFrame | None = None,
        activities: pd.DataFrame | None = None,
        *,
        columns: dict[str, dict[str, str]] | None = None,
        tz: str = "UTC",
        unknown_accounts: str = "error",
        periods: str | None = None,
        internal_activity_types: Any = None,
    ) -> None:
        if accounts is None:
            raise TypeError(
                "the accounts table is required: a pandas DataFrame with one row per account "
                "(account_id, signed_at, then any attributes)"
            )
        given = {
            "accounts": accounts,
            "mrr": mrr,
            "events": events,
            "surveys": surveys,
            "tickets": tickets,
            "milestones": milestones,
            "churns": churns,
            "activities": activities,
        }
        mapping = _contract_names(columns)
        if unknown_accounts not in ("error", "drop"):
            raise InputError(
                f"unknown_accounts: must be 'error' or 'drop', got {unknown_accounts!r}"
            )
        if periods not in (None, "yyyymm", "months"):
            raise InputError(f"periods: must be 'yyyymm', 'months' or None, got {periods!r}")
        internal = _internal_types(internal_activity_types, activities)
        self._args = {
            "columns": columns,
            "tz": tz,
            "unknown_accounts": unknown_accounts,
            "periods": periods,
            "internal_activity_types": internal_activity_types,
        }
        self.internal_activity_types = internal
        self.tz = _check_tz(tz)
        self._tables = {
            name: _Table(name, frame, mapping.get(name, {}))
            for name, frame in given.items()
            if frame is not None
        }
        for name, t in self._tables.items():
            if len(t.frame) == 0:
                warnings.warn(f"the {name} table has no rows", RetainWarning, stacklevel=2)
            for column, meant in t.near_misses():
                contract = next(k for k, v in t.names.items() if v == meant)
                warnings.warn(
                    f"table {name!r}: column {column!r} is not read; did you mean {meant!r}? "
                    f"(rename it, or map it with columns={{{name!r}: {{{contract!r}: "
                    f"{column!r}}}}})",
                    RetainWarning,
                    stacklevel=2,
                )
        if internal and "activities" in self._tables:
            t = self._tables["activities"]
            if not t.has("type"):
                raise InputError(
                    f"internal_activity_types: the activities table has no column "
                    f"{t.names['type']!r} to find {internal[0]!r} in"
                )
            warn_unused_types(internal, t["type"].dropna().astype(str).unique(), stacklevel=2)
        self._ranges: dict[str, tuple[Any, Any]] = {}
        self._build(periods, unknown_accounts == "drop")
        self._warn_before_signing()

    # -- construction

    def _build(self, periods: str | None, drop: bool) -> None:
        tz, tables = self.tz, self._tables
        acc = tables["accounts"]
        signed = _times(acc, "signed_at", tz)
        self._range("accounts", signed)
        self._core = _core.book.Book(_ids(acc, "account_id"), signed, drop, acc.names)
        self.ids = pd.Index(acc["account_id"], name=acc.names["account_id"])
        if "mrr" in tables:
            t = tables["mrr"]
            months = _months(t, "period", tz, periods)
            values = _numbers(t, "mrr")
            plan, plan_names = None, []
            if t.has("plan"):
                codes, uniques = pd.factorize(t["plan"])
                plan, plan_names = codes.astype(np.int64), [str(u) for u in uniques]
            self._core.set_mrr(
                _ids(t, "account_id"),
                months,
                values.to_numpy(dtype=np.float64, na_value=np.nan),
                plan,
                plan_names,
                t.names,
            )
            if len(months):
                self._ranges["mrr"] = (
                    pd.Period(ordinal=int(months.min()), freq="M"),
                    pd.Period(ordinal=int(months.max()), freq="M"),
                )
        if "events" in tables:
            # The largest table: its times are read where the column holds them when it can.
            t = tables["events"]
            utc = _utc_times(t, "timestamp", tz)
            self._core.set_events(
                _ids(t, "account_id"),
                _ids(t, "user_id", "user id"),
                None if utc else _times(t, "timestamp", tz),
                _labels(t, "feature") if t.has("feature") else None,
                t.names,
                **(utc or {}),
            )
            if self._core.n_events:
                self._ranges["events"] = (
                    _date_of_day(self._core.first_event_day),
                    _date_of_day(self._core.last_event_day),
                )
        if "surveys" in tables:
            t = tables["surveys"]
            when = _times(t, "answered_at", tz)
            self._range("surveys", when)
            score = _numbers(t, "score")
            kind = _choice(t, "kind", {"nps": 0, "csat": 1}, None) if t.has("kind") else None
            self._core.set_surveys(
                _ids(t, "account_id"),
                when,
                score.to_numpy(dtype=np.float64, na_value=np.nan),
                kind,
                t.names,
            )
        if "tickets" in tables:
            t = tables["tickets"]
            opened = _times(t, "opened_at", tz)
            self._range("tickets", opened)
            closed = _times(t, "closed_at", tz, required=False) if t.has("closed_at") else None
            self._core.set_tickets(_ids(t, "account_id"), opened, closed, t.names)
        if "milestones" in tables:
            t = tables["milestones"]
            reached = _times(t, "reached_at", tz)
            self._range("milestones", reached)
            missing = t["milestone"].isna().to_numpy()
            if missing.any():
                raise t.error("milestone", _frames.first_row(missing), "missing milestone")
            self._core.set_milestones(
                _ids(t, "account_id"), _labels(t, "milestone"), reached, t.names
            )
        if "churns" in tables:
            t = tables["churns"]
            churned = _times(t, "churned_at", tz)
            self._range("churns", churned)
            returned = (
                _times(t, "returned_at", tz, required=False) if t.has("returned_at") else None
            )
            reason = _labels(t, "reason") if t.has("reason") else None
            kind = (
                _choice(t, "kind", {"voluntary": 1, "involuntary": 0}, -1)
                if t.has("kind")
                else None
            )
            self._core.set_churns(_ids(t, "account_id"), churned, returned, reason, kind, t.names)
        if "activities" in tables:
            t = tables["activities"]
            at = _times(t, "at", tz)
            self._range("activities", at)
            self._core.set_activities(
                _ids(t, "account_id"),
                at,
                _labels(t, "type") if t.has("type") else None,
                _labels(t, "owner") if t.has("owner") else None,
                self.internal_activity_types,
                t.names,
            )

    def _warn_before_signing(self) -> None:
        """Rows dated before their account signed are kept, but no snapshot shows them (an
        account is in the snapshots from its signing day): usually a wrong signed_at."""
        signed = self._tables["accounts"].names["signed_at"]
        for table, n, code, date in self._core.before_signing():
            account = self.ids[code]
            signed_on = _date_of_day(int(self._core.signed_days[code]))
            if table == "mrr":
                what = f"pay before they signed (the first, {account!r}, in "
                when = str(pd.Period(ordinal=int(date), freq="M"))
            else:
                what = f"have a churn dated before they signed (the first, {account!r}, on "
                when = str(_date_of_day(int(date)))
            warnings.warn(
                f"table {table!r}: {n} account(s) {what}{when}, signed {signed_on}); the "
                f"snapshots show an account only from its signing day: check the accounts' "
                f"{signed!r}",
                RetainWarning,
                stacklevel=3,
            )

    def _range(self, table: str, seconds: np.ndarray) -> None:
        missing = seconds == _NO_TIME
        valid = seconds[~missing] if missing.any() else seconds  # no copy of a full column
        if len(valid):
            lo, hi = np.floor_divide([valid.min(), valid.max()], _SECONDS_PER_DAY)
            self._ranges[table] = (_date_of_day(int(lo)), _date_of_day(int(hi)))

    @classmethod
    def read(
        cls,
        folder: str | Path,
        *,
        columns: dict[str, dict[str, str]] | None = None,
        tz: str = "UTC",
        unknown_accounts: str = "error",
        periods: str | None = None,
        internal_activity_types: Any = None,
    ) -> Book:
        """The Book of a folder of exports: ``accounts.csv`` (or ``.parquet``) and any of
        ``mrr``, ``events``, ``surveys``, ``tickets``, ``milestones``, ``churns``,
        ``activities`` in CSV or Parquet, read with pyarrow (ids and dates are read as text from
        CSV and parsed by retain's one time rule). Other files are ignored; a table given in both
        formats is an error. Keywords as for :class:`Book`."""
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(f"folder: {str(folder)!r} is not a folder")
        mapping = _contract_names(columns)
        frames = {}
        for table in TABLES:
            found = [
                folder / f"{table}.{ext}"
                for ext in ("csv", "parquet")
                if (folder / f"{table}.{ext}").is_file()
            ]
            if len(found) > 1:
                raise InputError(
                    f"{table}: both {found[0].name} and {found[1].name} are in "
                    f"{str(folder)!r}; keep one"
                )
            if found:
                frames[table] = _read_table(found[0], table, mapping.get(table, {}))
        strays = _stray_tables(folder)
        if "accounts" not in frames:
            hint = strays.get("accounts", "")
            raise InputError(
                f"{str(folder)!r} has no accounts.csv or accounts.parquet"
                + (f"; {hint}" if hint else "")
            )
        for hint in strays.values():
            warnings.warn(hint, RetainWarning, stacklevel=2)
        try:
            return cls(
                **frames,
                columns=columns,
                tz=tz,
                unknown_accounts=unknown_accounts,
                periods=periods,
                internal_activity_types=internal_activity_types,
            )
        except RetainError as exc:
            raise _in_file(exc, folder) from None

    # -- what a Book holds

    @property
    def n_accounts(self) -> int:
        return int(self._core.n_accounts)

    @property
    def tables(self) -> list[str]:
        """The names of the tables this Book holds, in contract order."""
        return [name for name in TABLES if name in self._tables]

    def table(self, name: str) -> pd.DataFrame:
        """A table as given, with its columns renamed to the contract's names."""
        if name not in self._tables:
            raise ColumnError(f"the Book has no {name!r} table (it has: {', '.join(self.tables)})")
        t = self._tables[name]
        back = {user: contract for contract, user in t.names.items() if user != contract}
        return t.frame.rename(columns=back) if back else t.frame

    @property
    def accounts(self) -> pd.DataFrame:
        return self.table("accounts")

    @property
    def dropped(self) -> dict[str, int]:
        """Rows left out per table (with ``unknown_accounts="drop"``)."""
        return {k: int(v) for k, v in self._core.dropped.items()}

    def reconcile(self) -> pd.DataFrame:
        """Where the churns table and the MRR bridge disagree.

        Billing in advance: a churn dated in month M ends revenue from M (cancelled at the start
        of the month) or from M + 1 (M was paid), so the bridge's churned month should be M or
        M + 1. One row per disagreement, with the columns ``account_id``, ``kind``, ``month``
        (Period) and ``churned_at`` (the record's day, NaT for a missing record):

        - ``"record_without_bridge_churn"``: a churn record in month M while the account paid
          in both M and M + 1;
        - ``"bridge_churn_without_record"``: the bridge churns the account in month g (paid in
          g - 1, not in g, g inside the MRR table) and no record is dated in g - 1 or g.

        Empty without an MRR or a churns table. A churn without a return (no ``returned_at``
        column, or a blank) gets it from MRR: the first day of the first paying month after the
        record's churned month in the bridge (none when the account never pays again; the first
        day of M + 1 for a record whose account paid in both M and M + 1: the bill wins); a given
        ``returned_at`` is kept.
        """
        account, kind, month, day = self._core.reconcile()
        kinds = np.array(["record_without_bridge_churn", "bridge_churn_without_record"])
        return pd.DataFrame(
            {
                self.ids.name: self.ids.take(account),
                "kind": kinds[kind] if len(kind) else np.array([], dtype=object),
                "month": pd.PeriodIndex.from_ordinals(month, freq="M"),
                "churned_at": _nat_days(day),
            }
        )

    def shards(self, n: int) -> list[Book]:
        """The Book split into ``n`` Books by account (a stable hash of the id, so an account
        lands in the same shard in every run and every process); every table's rows go with
        their account. Per-account results (snapshots, labels, scores) of the shards, put
        together, are the whole Book's; global KPIs merge by summing their partial sums
        (movements per period, NRR/GRR numerators and denominators)."""
        n = _frames.whole(n, "n")
        if n < 1:
            raise InputError(f"n: must be a whole number >= 1, got {n}")
        # Each row by the bucket of its own id, as retain.dist splits tables (the core's hash of
        # the id's text): an id the Book matches as text (2 and "2" in accounts of mixed types)
        # lands with its account, and a row the Book dropped as unknown is dropped in its shard.
        buckets = {
            name: _frames.account_buckets(t["account_id"], n) for name, t in self._tables.items()
        }
        out = []
        for k in range(n):
            frames = {
                name: t.frame.iloc[np.flatnonzero(buckets[name] == k)]
                for name, t in self._tables.items()
            }
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RetainWarning)  # an empty shard table is fine
                out.append(Book(**frames, **self._args))
        return out

    # -- point in time

    def snapshots(
        self,
        as_of: Any,
        lead_days: int = 0,
        windows: Any = (7, 30, 90),
        active_only: bool = True,
        *,
        n_threads: int | None = None,
    ) -> pd.DataFrame:
        """The point-in-time feature table: one row per (account, as-of date), each feature
        computed only from rows dated on or before the cutoff (as-of day - ``lead_days``).

        Rows: the accounts signed by the cutoff (with ``active_only``, only those ``active``
        then), by as-of date, then in the accounts table's order. Columns: ``account_id``,
        ``as_of``, ``tenure_days``, ``active``; with an MRR table ``mrr`` and ``plan`` of the
        cutoff's month; with events, per window ``w``: ``events_{w}d``, ``active_users_{w}d``,
        ``active_days_{w}d``, ``distinct_features_{w}d`` (with a feature column), ``trend_{w}d``,
        then ``days_since_last_event``; with surveys ``nps_score``, ``nps_age_days``,
        ``csat_score``, ``csat_age_days``; with tickets ``open_tickets``; with milestones
        ``milestones_reached`` and ``reached_<name>``; with activities ``days_since_touch``,
        ``touches_30d``, ``touches_90d``; then the accounts' attributes (text as category; one
        named like a feature is left out). ``active`` is false when the cutoff's month has no MRR
        (with an MRR table) or the account churned by the cutoff without returning by it (with a
        churns table).

        A cutoff past the end of the MRR table or the event log gives a
        :class:`~retain.RetainWarning` naming the table and its last date. ``n_threads``
        (None: every core) never changes the result.
        """
        days, _ = self._as_of(as_of)
        lead = _frames.whole(lead_days, "lead_days")
        win = [
            _frames.whole(w, "windows")
            for w in (windows if hasattr(windows, "__iter__") else [windows])
        ]
        out = self._core.snapshots(days, lead, win, bool(active_only), _frames.threads(n_threads))
        for message in out["warnings"]:
            warnings.warn(message, RetainWarning, stacklevel=2)
        codes = out["account"]
        id_name = self.ids.name
        data: dict[Any, Any] = {
            id_name: self.ids.take(codes),
            "as_of": np.asarray(out["as_of"]).astype("datetime64[D]").astype("datetime64[ns]"),
        }
        for name, kind, values, categories in out["columns"]:
            if kind == "category":
                data[name] = pd.Categorical.from_codes(values, categories=categories)
            elif kind == "bool":
                data[name] = values.astype(bool)
            else:
                data[name] = values
        accounts = self._tables["accounts"]
        skip = {accounts.names["account_id"], accounts.names["signed_at"]}
        for column in accounts.frame.columns:
            if column in skip or column in data:
                continue
            values = accounts.frame[column]
            if pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(
                values.dtype
            ):
                values = values.astype("category")
            data[column] = values.array.take(codes)
        frame = pd.DataFrame(data)
        frame.index = pd.RangeIndex(len(frame))
        return frame

    def labels(
        self,
        snapshots: pd.DataFrame,
        horizon_days: int = 90,
        observed_until: Any = None,
        *,
        n_threads: int | None = None,
    ) -> Any:
        """Churn labels of snapshot rows from the Book's churns: 1 when the account churns in
        (as_of, as_of + ``horizon_days``], rows of accounts already gone at as_of dropped as
        ``inactive``, rows whose horizon ends after ``observed_until`` (default: the last as-of
        date) dropped as ``unresolved``. Returns :class:`retain.backtest.ChurnLabels`. When
        rows are given but no outcome is known by ``observed_until``, a RetainWarning says so."""
        from .labels import warn_if_nothing_resolved

        labels = self._labels(snapshots, horizon_days, observed_until, n_threads)
        warn_if_nothing_resolved("labels", labels, stacklevel=3)
        last, until = self._last_data_day(), labels.observed_until
        if observed_until is not None and last is not None and until is not None:
            if until > pd.Timestamp(last, unit="D"):
                # A churn after the data's end is not in it: the account would count as staying.
                warnings.warn(
                    f"labels: observed_until ({until.date()}) is past the Book's last data "
                    f"({_date_of_day(last)}): a churn after that is not in the data, so its "
                    "account would be labelled as staying; give observed_until within the data",
                    RetainWarning,
                    stacklevel=2,
                )
        return labels

    def _labels(
        self,
        snapshots: pd.DataFrame,
        horizon_days: Any,
        observed_until: Any,
        n_threads: int | None,
    ) -> Any:
        """:meth:`labels` without its warning, for the callers that say more themselves."""
        from .backtest import ChurnLabels

        if not isinstance(snapshots, pd.DataFrame):
            raise TypeError("snapshots must be a DataFrame (from Book.snapshots)")
        id_name = self.ids.name
        for column in (id_name, "as_of"):
            if column not in snapshots.columns:
                raise ColumnError(f"the snapshots have no column {column!r}")
        if "label" in snapshots.columns:
            raise InputError("the snapshots already have a column 'label'; drop it first")
        if "churns" not in self._tables:
            raise InputError(
                "labels: the Book has no churns table, so no row can be labelled; build it "
                "with Book(..., churns=...)"
            )
        horizon = _frames.whole(horizon_days, "horizon_days")
        codes = self.ids.get_indexer(snapshots[id_name])
        if (codes < 0).any():
            row = _frames.first_row(codes < 0)
            raise InputError(
                f"column {id_name!r}, row {row}: account "
                f"{snapshots[id_name].iloc[row]!r} is not in the Book"
            )
        days = self._day_column(snapshots["as_of"], "as_of")
        if observed_until is None:
            until = int(days.max()) if len(days) else 0
        else:
            until = int(self._as_of(observed_until, "observed_until")[0][0])
        label, counts = self._core.label_churn(
            codes.astype(np.int64), days, horizon, until, _frames.threads(n_threads)
        )
        keep = np.flatnonzero(label >= 0)
        frame = snapshots.take(keep)
        frame.insert(frame.shape[1], "label", label[keep])
        until_label = pd.Timestamp(until, unit="D") if len(days) else None
        dropped = {"inactive": int(counts["inactive"]), "unresolved": int(counts["unresolved"])}
        return ChurnLabels(
            frame, dropped, horizon, until_label, {k: int(v) for k, v in counts.items()}
        )

    def tenure(self, as_of: Any, start: Any = None) -> pd.DataFrame:
        """Each account's tenure as of a date, for survival curves: a DataFrame indexed by
        account id with ``signed_at``, ``duration`` (days), ``churned`` (bool) and ``entry``
        (days of late entry, from ``start``: by default the first day of the first MRR month).
        The churn is the first one on or before ``as_of`` (churns table, else the MRR bridge);
        accounts that churned before ``start`` are left out, counted in
        ``.attrs["left_out"]``. The full rules: :func:`retain.survival.tenure`."""
        from .survival import tenure

        return tenure(self, as_of, start)

    def _last_data_day(self) -> int | None:
        """The last day of data the Book has (its last MRR month's last day, or its latest
        date in any table); None without dated rows."""
        ends = [
            hi.end_time.normalize() if isinstance(hi, pd.Period) else pd.Timestamp(hi)
            for _, hi in self._ranges.values()
        ]
        return int(np.datetime64(max(ends).to_datetime64(), "D").astype(np.int64)) if ends else None

    def _as_of(self, dates: Any, name: str = "as_of") -> tuple[np.ndarray, pd.DatetimeIndex]:
        """Day numbers of as-of dates in the Book's zone (tz-aware values converted to it);
        errors name the parameter ``name``."""
        scalar = isinstance(dates, (str, pd.Timestamp, np.datetime64)) or not hasattr(
            dates, "__len__"
        )
        values = [dates] if scalar else list(dates)
        try:
            index = pd.DatetimeIndex(pd.to_datetime(values, format=_frames.iso_format(values)))
        except (ValueError, TypeError) as exc:
            zones = {getattr(v, "tzinfo", None) is not None for v in values}
            if len(zones) > 1:
                raise InputError(
                    f"{name}: mixes dates with a time zone and dates without; give them all one "
                    f"way (dates without a zone are read in the Book's, {self.tz})"
                ) from exc
            raise InputError(
                f"{name}: cannot read the dates {dates!r}; write them as YYYY-MM-DD "
                f"({_frames.pandas_reason(exc)})"
            ) from exc
        if index.tz is not None:
            index = index.tz_convert(self.tz).tz_localize(None)
        if index.hasnans:
            raise InputError(
                f"{name}: missing date (NaT) at position {_frames.first_row(index.isna())}"
            )
        days = index.to_numpy().astype("datetime64[D]")
        return days.view(np.int64), pd.DatetimeIndex(days.astype("datetime64[ns]"))

    def _day_column(self, column: pd.Series, name: str) -> np.ndarray:
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert(self.tz).dt.tz_localize(None)
        if not (isinstance(column.dtype, np.dtype) and column.dtype.kind == "M"):
            raise InputError(f"column {name!r}: must hold datetimes, got {column.dtype}")
        if column.isna().any():
            raise InputError(
                f"column {name!r}, row {_frames.first_row(column.isna().to_numpy())}: missing date"
            )
        days: np.ndarray = column.to_numpy().astype("datetime64[D]").view(np.int64)
        return days

    # -- days for retain.kpi (issue 9)

    def _days(self, table: str, column: str) -> np.ndarray:
        """Day numbers (days since 1970-01-01) in the Book's zone of the contract date column
        ``column`` of ``table``, row for row as given (missing dates as the core's NO_TIME)."""
        t = self._tables[table]
        seconds = _times(t, column, self.tz, required=False)
        missing = seconds == _NO_TIME
        return np.where(missing, _NO_TIME, np.floor_divide(seconds, _SECONDS_PER_DAY))

    # -- display, pickling

    def _summary_rows(self) -> list[tuple[str, int, str]]:
        rows = []
        for name in self.tables:
            lo_hi = self._ranges.get(name)
            span = f"{lo_hi[0]} .. {lo_hi[1]}" if lo_hi else ""
            rows.append((name, len(self._tables[name].frame), span))
        return rows

    def __repr__(self) -> str:
        lines = [f"<retain.Book: {self.n_accounts:,} accounts, tz={self.tz}>"]
        for name, n, span in self._summary_rows():
            lines.append(f"  {name:<11} {n:>12,} rows  {span}")
        if self.dropped:
            lines.append(f"  dropped (unknown accounts): {self.dropped}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{name}</td><td>{n:,}</td><td>{span}</td></tr>"
            for name, n, span in self._summary_rows()
        )
        return (
            f"<p><b>retain.Book</b>: {self.n_accounts:,} accounts, tz {self.tz}</p>"
            f"<table><tr><th>table</th><th>rows</th><th>dates</th></tr>{body}</table>"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"frames": {name: t.frame for name, t in self._tables.items()}, **self._args}

    def __setstate__(self, state: dict[str, Any]) -> None:
        frames = state.pop("frames")
        self.__init__(**frames, **state)  # type: ignore[misc]


def _in_file(exc: RetainError, folder: Path) -> RetainError:
    """The error of a table read from a file, with the file and its line added: a person
    fixing an export opens the file, not the DataFrame (row r of a CSV is line r + 2, after
    the header; a Parquet file has rows only)."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    table = re.search(r"table '(\w+)'", text)
    if table is None:
        return exc
    path = next(
        (
            folder / f"{table.group(1)}.{ext}"
            for ext in ("csv", "parquet")
            if (folder / f"{table.group(1)}.{ext}").is_file()
        ),
        None,
    )
    if path is None:
        return exc
    row = re.search(r"\brow (\d+)\b", text)
    if row is None:
        where = path.name
    elif path.suffix == ".csv":
        where = f"{path.name}, line {int(row.group(1)) + 2}"
    else:
        where = f"{path.name}, row {row.group(1)}"
    located = type(exc)(f"{text} [{where}]")
    located.__dict__.update(exc.__dict__)
    located.path = str(path)
    return located


def _stray_tables(folder: Path) -> dict[str, str]:
    """Files of ``folder`` that look meant for a table but are not read, by the table they look
    meant for, with what to do: "Events.csv" (names are lower case), "acounts.csv" (a typo)."""
    wanted = {f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")}
    strays: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        stem, ext = path.stem.lower(), path.suffix.lower().lstrip(".")
        if path.name in wanted or ext not in ("csv", "parquet") or not path.is_file():
            continue
        close = difflib.get_close_matches(stem, TABLES, n=1, cutoff=0.8)
        if close and close[0] not in strays:
            name = f"{close[0]}.{ext}"
            why = "table files are named in lower case" if stem == close[0] else "is it a typo?"
            strays[close[0]] = f"{path.name!r} in {str(folder)!r} is not read: {why} ({name})"
    return strays


def _read_table(path: Path, table: str, mapping: dict[str, str]) -> pd.DataFrame:
    """One export read with pyarrow. From CSV, ids and dates are read as text (retain parses
    dates by its one time rule, and ids keep their leading zeros); other columns are typed by
    pyarrow, so integer periods stay integers."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        if path.suffix == ".parquet":
            return pq.read_table(path).to_pandas(types_mapper=_arrow_text)
        names = _csv_header(path)
        as_text = [
            mapping.get(name, name)
            for name in ("account_id", "user_id", *DATE_COLUMNS.get(table, ()))
        ]
        types = {name: pa.large_string() for name in as_text if name in names}
        options = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True)
        # Text stays in Arrow memory (pandas' ArrowDtype): no Python object per cell, and the
        # core reads the buffers in place.
        return pacsv.read_csv(path, convert_options=options).to_pandas(types_mapper=_arrow_text)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        line = _ragged_line(path) if path.suffix == ".csv" else None
        where = f"{path.name}, line {line}" if line else path.name
        raise InputError(f"{where}: cannot read it ({exc})") from exc


def _ragged_line(path: Path) -> int | None:
    """The line (from 1) where the first record with a field count other than the header's
    starts, as a spreadsheet shows it; None when there is none or the file cannot be scanned.
    Only on the error path: pyarrow names the record's text, not its line."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            width = len(next(reader, []))
            start = reader.line_num + 1
            for record in reader:
                if record and len(record) != width:
                    return start
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _arrow_text(arrow_type: Any) -> Any:
    """pandas' ArrowDtype for Arrow text columns, the default conversion for the rest."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _csv_header(path: Path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f), [])


def _nat_days(days: np.ndarray) -> pd.DatetimeIndex:
    """Midnights of day numbers, NaT for the core's missing day."""
    days = np.asarray(days, dtype=np.int64)
    missing = days == _NO_TIME
    values = np.where(missing, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
    values[missing] = np.datetime64("NaT")
    return pd.DatetimeIndex(values)
