"""The one place where pandas objects become arrays for the C++ core, and arrays become pandas.

Ids are factorised to dense codes, periods become month numbers (months since 1970-01, the
ordinals of pandas ``Period[M]``), and results get an index of the same kind as the input's
periods. Every check here names the column and the row (a 0-based position) at fault.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from . import _core
from .errors import ColumnError, InputError


def threads(n_threads: Any) -> int:
    """The core's thread count for ``n_threads`` as every function takes it: None is every core
    (0 in the core), a whole number >= 1 that many threads; anything else is an InputError.
    Results never depend on it."""
    if n_threads is None:
        return 0
    if (
        isinstance(n_threads, (bool, np.bool_))
        or not isinstance(n_threads, (int, np.integer))
        or n_threads < 1
    ):
        raise InputError(
            f"n_threads: must be None (every core) or a whole number >= 1, got {n_threads!r}"
        )
    return int(n_threads)


def require_frame(frame: Any, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    return frame


def require_columns(frame: pd.DataFrame, columns: list[Any], what: str) -> None:
    for column in columns:
        if not isinstance(column, Hashable):  # a list passed where a column's name goes
            raise InputError(
                f"{what}: a column is named by a label such as 'account_id', got {column!r}"
            )
        if column not in frame.columns:
            raise ColumnError(
                f"{what} has no column {column!r} (its columns: {list(frame.columns)})"
            )


def whole(value: Any, name: str) -> int:
    """An integer argument (bool and float refused); an InputError naming it otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}: must be a whole number, got {value!r}")
    return int(value)


def first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _plain_int64_ids(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_integer_dtype(dtype)
        and not pd.api.types.is_unsigned_integer_dtype(dtype)
        and not column.hasnans
    )


def account_codes(column: pd.Series, name: Any, what: str = "account id") -> tuple[np.ndarray, int]:
    """Dense int64 codes (order of first appearance) and the number of distinct ids; a missing
    id is an error naming the row (``what`` names the kind of id: account, user, feature)."""
    codes, uniques = id_codes(column, name, what)
    return codes, len(uniques)


def account_buckets(ids: pd.Series, n: int) -> np.ndarray:
    """The bucket (0 .. n-1) of each id, hashed in the core from its text (ints by their digits,
    whole floats as ints): the same in every process, and for an id read as int64 in one table
    and as text or whole floats in another."""
    from .book import _is_object, _text_buffers

    dtype = ids.dtype
    if pd.api.types.is_float_dtype(dtype) and not ids.isna().any():
        values = ids.to_numpy(dtype=np.float64)
        if (values == np.round(values)).all():
            return _core.book.id_buckets(values.astype(np.int64), n, 1)
    if pd.api.types.is_integer_dtype(dtype) and not ids.hasnans:
        return _core.book.id_buckets(ids.to_numpy(dtype=np.int64), n, 1)
    cells = ids.to_numpy() if _is_object(dtype) else _text_buffers(ids)
    return _core.book.id_buckets(cells, n, 1)


def id_codes(column: pd.Series, name: Any, what: str = "account id") -> tuple[np.ndarray, pd.Index]:
    """Dense int64 codes (order of first appearance) and the ids behind them, named ``name``."""
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_unsigned_integer_dtype(dtype):
        if column.hasnans:
            raise InputError(
                f"column {name!r}, row {first_row(column.isna().to_numpy())}: missing {what}"
            )
        codes, ids = _core.intern_int64(column.to_numpy(dtype=np.int64))
        return codes, pd.Index(ids, name=name)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        # Text as pandas holds it, interned in the core without a Python call per cell (blank
        # text is missing, as in a Book; values other than text are compared by their str()).
        cells = column.to_numpy()
        codes, first = _core.book.intern_ids(cells)
        uniques = cells[first]
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if len(codes) and codes.min() < 0:
        raise InputError(f"column {name!r}, row {first_row(codes < 0)}: missing {what}")
    return codes.astype(np.int64, copy=False), pd.Index(uniques, name=name)


@dataclass(frozen=True)
class PeriodKind:
    """How the input spelled its periods, so that results are labelled the same way."""

    kind: str  # "period", "datetime", "integer" (month numbers) or "yyyymm"
    name: Any
    unit: str = "ns"
    tz: Any = None

    def labels(self, months: np.ndarray, name: Any = ...) -> pd.Index:
        """An index of the input's kind for month numbers."""
        name = self.name if name is ... else name
        months = np.asarray(months, dtype=np.int64)
        if self.kind == "period":
            return pd.PeriodIndex.from_ordinals(months, freq="M", name=name)
        if self.kind == "datetime":
            starts = months.astype("datetime64[M]").astype(f"datetime64[{self.unit}]")
            index = pd.DatetimeIndex(starts, name=name)
            if self.tz is None:
                return index
            # Labelled midnight of the 1st in the input's zone; where a zone skips that midnight
            # (a DST change at 00:00) the label is the first instant of the day, and where it
            # repeats, the first of the two.
            first = np.ones(len(index), dtype=bool)
            return index.tz_localize(self.tz, ambiguous=first, nonexistent="shift_forward")
        if self.kind == "yyyymm":
            year, month = np.divmod(months, 12)
            return pd.Index((year + 1970) * 100 + month + 1, dtype="int64", name=name)
        return pd.Index(months, dtype="int64", name=name)

    def range(self, first_month: int, n: int, name: Any = ...) -> pd.Index:
        return self.labels(np.arange(first_month, first_month + n, dtype=np.int64), name)


def period_months(column: pd.Series, name: Any) -> tuple[np.ndarray, PeriodKind]:
    """Month numbers of a period column given as Period[M], datetime64, integers or 'YYYY-MM'."""
    dtype = column.dtype
    missing = column.isna().to_numpy()
    if missing.any():
        raise InputError(f"column {name!r}, row {first_row(missing)}: missing period")
    if isinstance(dtype, pd.PeriodDtype):
        if dtype != pd.PeriodDtype("M"):
            raise InputError(
                f"column {name!r}: periods of dtype {dtype} are not monthly; "
                "convert them, e.g. with .dt.asfreq('M', how='start')"
            )
        return column.array.asi8, PeriodKind("period", name)
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        tz = getattr(dtype, "tz", None)
        if tz is not None:
            # One time rule with the Book's default: an instant's month is its month in UTC
            # (a Book with tz= takes months in its own zone).
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        unit = np.datetime_data(column.dtype)[0]
        values = column.to_numpy().view(np.int64)
        months = _core.months_from_timestamps(values, unit, str(name))
        return months, PeriodKind("datetime", name, unit=unit, tz=tz)
    if pd.api.types.is_bool_dtype(dtype):
        raise InputError(f"column {name!r}: booleans are not periods")
    if pd.api.types.is_integer_dtype(dtype):
        values = column.to_numpy(dtype=np.int64)
        months = integer_months(
            values, None, f"column {name!r}", "give Period[M] or 'YYYY-MM' text instead"
        )
        return months, PeriodKind("integer" if months is values else "yyyymm", name)
    if pd.api.types.is_float_dtype(dtype):
        raise InputError(
            f"column {name!r}: float periods are ambiguous; give integer month numbers, "
            "Period[M], datetime64 or 'YYYY-MM' text"
        )
    codes, uniques = pd.factorize(column)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # first row of each distinct value
    for k, value in enumerate(uniques):
        if not isinstance(value, str):
            raise InputError(
                f"column {name!r}, row {first[k]}: cannot read period {value!r}; give "
                "Period[M], datetime64, integer month numbers or 'YYYY-MM' text"
            )
    months = _core.parse_months(list(uniques), first.tolist(), str(name))
    return months[codes], PeriodKind("period", name)


def integer_months(
    values: np.ndarray,
    periods: str | None,
    where: str,
    hint: str = "say which with periods='yyyymm' or periods='months'",
) -> np.ndarray:
    """Month numbers of integer periods. ``periods="yyyymm"`` reads 202403 as March 2024,
    ``"months"`` as months since 1970-01; by default integers that are all valid yyyymm are read
    as yyyymm, integers that are all plausible month numbers (1900-2170) as months, and anything
    else is an error asking which."""
    if len(values) == 0:
        return values
    year, month = np.divmod(values, 100)
    yyyymm = (year >= 1900) & (year <= 2999) & (month >= 1) & (month <= 12)
    plain = (values >= -840) & (values < 2400)
    if periods is None:
        periods = "yyyymm" if yyyymm.all() else "months" if plain.all() else None
        if periods is None:
            bad = first_row(~yyyymm) if yyyymm.mean() >= plain.mean() else first_row(~plain)
            raise InputError(
                f"{where}, row {bad}: integer period {values[bad]} is neither yyyymm (202403) "
                f"nor a month number since 1970-01; {hint}"
            )
    if periods == "yyyymm":
        if not yyyymm.all():
            bad = first_row(~yyyymm)
            raise InputError(f"{where}, row {bad}: {values[bad]} is not a yyyymm period")
        return (year - 1970) * 12 + month - 1
    if periods == "months":
        if not plain.all():
            bad = first_row(~plain)
            raise InputError(
                f"{where}, row {bad}: month number {values[bad]} is not between 1900 and 2169 "
                "(months since 1970-01); is it yyyymm?"
            )
        return values
    raise InputError(f"periods: must be 'yyyymm', 'months' or None, got {periods!r}")


def amounts(column: pd.Series, name: Any) -> np.ndarray:
    """float64 values of a numeric column; missing values become NaN for the core to reject."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise InputError(f"column {name!r} must be numeric, got dtype {dtype}")
    values: np.ndarray = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return values


def unique_accounts(ids: pd.Series, name: Any) -> pd.Series:
    """``ids`` of an accounts table (one row per account): a missing or repeated id is an
    InputError naming the row."""
    missing = ids.isna().to_numpy()
    if missing.any():
        raise InputError(f"column {name!r}, row {first_row(missing)}: missing account id")
    duplicated = ids.duplicated().to_numpy()
    if duplicated.any():
        row = first_row(duplicated)
        raise InputError(
            f"column {name!r}, row {row}: account {ids.iloc[row]!r} appears twice in the "
            "accounts table"
        )
    return ids


def features(
    frame: pd.DataFrame, columns: list[str], what: str
) -> tuple[list[str], list[np.ndarray]]:
    """The float64 values of those of ``columns`` that ``frame`` has (absent ones are left out,
    for the core to treat as missing). Booleans read as 0/1 and missing values (None, pd.NA,
    NaT-free NaN) as NaN; a non-numeric column is an InputError naming it."""
    names: list[str] = []
    values: list[np.ndarray] = []
    for name in columns:
        if (frame.columns == name).sum() > 1:
            raise InputError(f"{what} has more than one column {name!r}")
        if name not in frame.columns:
            continue
        column = frame[name]
        dtype = column.dtype
        if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
            raise InputError(f"column {name!r} must be numeric or boolean, got dtype {dtype}")
        names.append(name)
        values.append(_float64_values(column))
    return names, values


def _float64_values(column: pd.Series) -> np.ndarray:
    """A column's values as float64. A numpy float64 column is returned as it lies, a view with
    no copy (a column of ``pd.DataFrame(matrix)`` is strided, and the core reads it in place);
    others (ints, bools, nullable dtypes with pd.NA) are converted, missing values to NaN."""
    values: np.ndarray
    if isinstance(column.dtype, np.dtype) and column.dtype == np.float64:
        values = column.to_numpy()
        return values
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return values


def mrr_table(frame: Any, account: Any, period: Any, mrr: Any) -> tuple[_core.MrrTable, PeriodKind]:
    """The validated C++ MRR table of a long (account, period, mrr) DataFrame."""
    frame = require_frame(frame, "the MRR table")
    require_columns(frame, [account, period, mrr], "the MRR table")
    months, kind = period_months(frame[period], period)
    values = amounts(frame[mrr], mrr)
    names = (str(account), str(period), str(mrr))
    ids = frame[account]
    if _plain_int64_ids(ids):
        # Integer ids go to the core as they are: it interns them on the way in, once per run of
        # rows when the table is sorted by account, with no per-row code array.
        table = _core.MrrTable.from_int_ids(ids.to_numpy(dtype=np.int64), months, values, *names)
    else:
        codes, n_accounts = account_codes(ids, account)
        table = _core.MrrTable(codes, n_accounts, months, values, *names)
    return table, kind


def movement_columns(mv: Any) -> dict[str, np.ndarray]:
    """The columns of a movements table (as made by retain.kpi.mrr_movements) as arrays."""
    mv = require_frame(mv, "the movements table")
    names = list(_core.kpi.MOVEMENT_COLUMNS)
    require_columns(mv, names, "the movements table")
    out = {}
    for name in names:
        values = mv[name].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(values).any():
            raise InputError(f"column {name!r}, row {first_row(np.isnan(values))}: missing value")
        out[name] = values
    return out


def vector(values: Any, default_name: str, allow_bool: bool = False) -> tuple[np.ndarray, str]:
    """float64 values of a 1-d array-like (Series, list, array), and the name to use in errors:
    the Series' name, else ``default_name``. Missing values become NaN for the core to reject."""
    name = getattr(values, "name", None) or default_name
    array = values if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got {array.ndim} dimensions")
    dtype = array.dtype
    is_bool = pd.api.types.is_bool_dtype(dtype)
    if (is_bool and not allow_bool) or not (is_bool or pd.api.types.is_numeric_dtype(dtype)):
        raise InputError(f"column {name!r} must be numeric, got dtype {dtype}")
    if isinstance(array, (pd.Series, pd.Index)):
        return array.to_numpy(dtype=np.float64, na_value=np.nan), str(name)
    return array.astype(np.float64, copy=False), str(name)


def group_codes(frame: pd.DataFrame, keys: list[Any]) -> tuple[np.ndarray, pd.Index]:
    """Dense int64 codes of the groups of ``frame`` by the ``keys`` columns, numbered in sorted
    key order, and the index of the groups (a MultiIndex for several keys). A missing key is an
    InputError naming the column and row."""
    for key in keys:
        missing = frame[key].isna().to_numpy()
        if missing.any():
            raise InputError(f"column {key!r}, row {first_row(missing)}: missing group key")
    grouped = frame.groupby(keys if len(keys) > 1 else keys[0], sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    return codes, grouped.size().index


_NS_PER_DAY = 86_400_000_000_000


def day_numbers(column: pd.Series, name: Any) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of a date column: datetime64 (floored to the day, in
    UTC for tz-aware values) or ISO 8601 text such as '2024-03-15'. A missing or unreadable
    date is an InputError naming the column and row."""
    dtype = column.dtype
    missing = column.isna().to_numpy()
    if missing.any():
        raise InputError(f"column {name!r}, row {first_row(missing)}: missing date")
    is_datetime = isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    )
    if not is_datetime:
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            raise InputError(
                f"column {name!r}: give dates as datetime64 or 'YYYY-MM-DD' text, got dtype {dtype}"
            )
        column = iso_text_times(column, name)
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    days: np.ndarray = column.to_numpy().astype("datetime64[D]")  # numpy floors to the day
    return days.view(np.int64)


def day_number(value: Any, name: str) -> int:
    """The day number of one date (a Timestamp, datetime, date or ISO text); a tz-aware one is
    taken in UTC, as everywhere outside a Book with its own time zone."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: cannot read date {value!r}") from exc
    if pd.isna(stamp):
        raise InputError(f"{name}: a date is required, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    day: int = stamp.value // _NS_PER_DAY
    return day


def timestamps(column: pd.Series, name: Any) -> tuple[np.ndarray, str]:
    """int64 counts since 1970-01-01 UTC and their numpy unit, of a datetime64 column (tz-aware
    values are taken in UTC). NaT stays the smallest int64, for the core to reject by row."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return column.array.asi8, dtype.unit
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return column.to_numpy().view(np.int64), np.datetime_data(dtype)[0]
    raise InputError(f"column {name!r} must hold datetime64 timestamps, got dtype {dtype}")


NAT = np.iinfo(np.int64).min
"""numpy's NaT as an int64: the missing value of utc_times and utc_days."""

_PandasUnit = Literal["s", "ms", "us", "ns"]
"""The units of pandas' datetime64 columns."""


def utc_times(column: pd.Series, name: Any) -> tuple[np.ndarray, int]:
    """int64 counts since 1970-01-01 UTC of a date column, and how many counts make a day.

    Takes datetime64 (naive values read as UTC, tz-aware ones converted to UTC) or ISO 8601 text.
    Missing values (NaT, None) stay :data:`NAT` for the caller to reject by row or to read as
    "none"; unreadable text is an InputError naming the column and row."""
    values, unit = timestamps(_datetime_column(column, name), name)
    # unit is that of a pandas datetime64 column, so one of s, ms, us and ns
    per_day = np.timedelta64(1, "D") // np.timedelta64(1, cast(_PandasUnit, unit))
    return values, int(per_day)


def utc_days(column: pd.Series, name: Any) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the UTC days of a date column read as
    :func:`utc_times` reads it; missing values stay :data:`NAT`."""
    values, unit = timestamps(_datetime_column(column, name), name)
    # numpy's cast floors to the day (before 1970 too) and keeps NaT.
    return values.view(f"datetime64[{unit}]").astype("datetime64[D]").view(np.int64)


def _datetime_column(column: pd.Series, name: Any) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return column
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        raise InputError(
            f"column {name!r}: give dates as datetime64 or 'YYYY-MM-DD' text, got dtype {dtype}"
        )
    return iso_text_times(column, name)


def iso_text_times(column: pd.Series, name: Any) -> pd.Series:
    """ISO 8601 text as tz-aware UTC timestamps, by the Book's rule, row by row: text with an
    offset is that instant, text without one is UTC wall time (blank: NaT). Not
    ``pd.to_datetime(utc=True)``: on a column that mixes the two, pandas 2.3 gives the rows without
    an offset the first row's offset, so the result depends on row order. Parsed in the core; an
    unreadable value is an InputError naming the column and row. Fractions of a second are
    dropped, as the Book drops them."""
    from .book import _text_cells  # book imports this module

    local, offset, flag = _core.book.parse_times(_text_cells(column), "", str(name))
    seconds = pd.array(np.where(flag == 1, local - offset, local), dtype="Int64")
    seconds[flag < 0] = pd.NA
    try:
        stamps = pd.to_datetime(seconds, unit="s", utc=True)
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        raise InputError(f"column {name!r}: a date is out of range ({exc})") from exc
    return pd.Series(stamps, index=column.index, name=column.name)


def pandas_reason(exc: Exception) -> str:
    """The first sentence of a pandas parsing error, without its advice on pandas' options."""
    return str(exc).splitlines()[0].split(". You might want")[0]


def iso_format(values: list[Any]) -> str | None:
    """ "ISO8601" when the dates are text: pandas would otherwise read "01/03/2024" month first
    (January 3rd) without a word, where a reader in Europe means March 1st."""
    return "ISO8601" if values and all(isinstance(v, str) for v in values) else None


def as_of_days(dates: Any, name: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Day numbers (days since 1970-01-01) of one date or a list of dates (anything
    ``pandas.to_datetime`` reads; times of day are dropped, tz-aware values taken in UTC), and the
    days as a naive DatetimeIndex of midnights for labels."""
    scalar = isinstance(dates, (str, pd.Timestamp, np.datetime64)) or not hasattr(dates, "__len__")
    values = [dates] if scalar else list(dates)
    try:
        index = pd.DatetimeIndex(pd.to_datetime(values, format=iso_format(values)))
    except (ValueError, TypeError) as exc:  # unreadable, out of pandas' range, mixed zones
        raise InputError(
            f"{name}: cannot read the dates {dates!r}; write them as YYYY-MM-DD "
            f"({pandas_reason(exc)})"
        ) from exc
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    if index.hasnans:
        raise InputError(f"{name}: missing date (NaT) at position {first_row(index.isna())}")
    days = index.to_numpy().astype("datetime64[D]")
    return days.view(np.int64), pd.DatetimeIndex(days.astype("datetime64[ns]"), name=name)


@dataclass(frozen=True)
class Events:
    """A validated C++ event log, with the ids behind its account and feature codes."""

    log: Any  # _core.engagement.EventLog
    accounts: pd.Index  # account ids by code (the known accounts; a last code may collect others)
    features: pd.Index | None  # feature names by code, None without a feature column


def event_log(
    frame: Any,
    account: Any,
    user: Any,
    timestamp: Any,
    feature: Any,
    accounts: Any = None,
    need_feature: bool = False,
) -> Events:
    """The validated event log of a DataFrame with one row per event.

    ``feature`` is used when the column exists; a feature column named explicitly (not the
    default ``"feature"``) or ``need_feature`` makes it required. ``accounts`` (a DataFrame with
    the account column, or a list of ids) fixes the known accounts and their order; events of
    other accounts then go to one extra code past them, which callers leave out.
    """
    frame = require_frame(frame, "the event log")
    require_columns(frame, [account, user, timestamp], "the event log")
    has_feature = feature is not None and feature in frame.columns
    if not has_feature and feature is not None and (need_feature or feature != "feature"):
        require_columns(frame, [feature], "the event log")
    # ISO text is read like every other table's dates (instants with offsets taken in UTC).
    stamps, unit = timestamps(_datetime_column(frame[timestamp], timestamp), timestamp)
    users, n_users = account_codes(frame[user], user, "user id")
    if has_feature:
        features, feature_ids = id_codes(frame[feature], feature, "feature")
        n_features = len(feature_ids)
    else:
        features, n_features, feature_ids = np.empty(0, np.int64), 0, None
    ids = frame[account]
    if accounts is None:
        codes, known = id_codes(ids, account)
        n_codes = len(known)
    else:
        if isinstance(accounts, pd.DataFrame):
            require_columns(accounts, [account], "the accounts table")
            accounts = accounts[account]
        known = pd.Index(accounts, name=account)
        if known.hasnans:
            raise InputError(f"accounts: missing account id at position {first_row(known.isna())}")
        if not known.is_unique:
            raise InputError(
                f"accounts: account id {known[known.duplicated()][0]!r} is listed twice"
            )
        missing = ids.isna().to_numpy()
        if missing.any():
            raise InputError(f"column {account!r}, row {first_row(missing)}: missing account id")
        codes = known.get_indexer(ids).astype(np.int64, copy=False)
        codes[codes < 0] = len(known)  # other accounts: one extra code, left out of results
        n_codes = len(known) + 1
    log = _core.engagement.EventLog(
        codes,
        n_codes,
        users,
        n_users,
        stamps,
        unit,
        features,
        n_features,
        str(account),
        str(user),
        str(timestamp),
        str(feature),
        has_feature,
    )
    return Events(log, known, feature_ids)


def take_rows(values: Any, rows: np.ndarray) -> Any:
    """The values (an Index, Series or array) at positions ``rows``, missing where a row is -1.

    The dtype is kept (a Categorical stays one); when a row is missing, numpy integers and
    booleans become pandas' nullable dtypes so that ids stay exact rather than turning to floats.
    """
    rows = np.asarray(rows, dtype=np.int64)
    array = values.array if isinstance(values, (pd.Index, pd.Series)) else pd.array(values)
    if len(rows) == 0 or rows.min() >= 0:
        return array.take(rows)
    if isinstance(array, pd.arrays.NumpyExtensionArray) and array.dtype.kind in "iub":
        array = pd.array(array.to_numpy())
    return array.take(rows, allow_fill=True)


def category_codes(column: pd.Series, categories: pd.Index, name: Any, what: str) -> np.ndarray:
    """int32 codes of ``column``'s labels among ``categories`` (-1 where missing); a label that is
    not among them is an InputError naming the column and the row (``what`` names the kind of
    label, e.g. "grade")."""
    cat = pd.Categorical(column.astype(object), categories=categories)
    unknown = column.notna().to_numpy() & (cat.codes < 0)
    if unknown.any():
        row = first_row(unknown)
        raise InputError(
            f"column {name!r}, row {row}: {column.iloc[row]!r} is not a {what} "
            f"({what}s: {list(categories)})"
        )
    codes: np.ndarray = cat.codes.astype(np.int32)
    return codes


def feature_matrix(X: Any, what: str = "X") -> tuple[np.ndarray, list[Any] | None]:
    """A 2-d float64 array of a DataFrame or an array-like of features (no copy when it already is
    one, in C or Fortran order), and the DataFrame's column labels (None for an array).

    Booleans read as 0/1 and missing values (None, pd.NA) as NaN for the core to reject, naming
    the column and row; a non-numeric column is an InputError naming it."""
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise TypeError(f"{what}: sparse matrices are not supported; pass a dense array")
    if isinstance(X, pd.DataFrame):
        for name, dtype in X.dtypes.items():
            if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
                raise InputError(f"column {name!r} must be numeric or boolean, got dtype {dtype}")
        if X.columns.duplicated().any():
            dup = X.columns[X.columns.duplicated()][0]
            raise InputError(f"{what} has more than one column {dup!r}")
        return X.to_numpy(dtype=np.float64, na_value=np.nan), list(X.columns)
    array = np.asarray(X)
    if array.ndim != 2:
        raise InputError(
            f"{what}: must be two-dimensional, got {array.ndim} dimensions. Reshape your data: "
            "array.reshape(-1, 1) for one feature, array.reshape(1, -1) for one row"
        )
    dtype = array.dtype
    if dtype.kind == "c":
        raise InputError(f"{what}: Complex data not supported")
    if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
        try:
            return array.astype(np.float64), None
        except TypeError as exc:  # a cell that is no number at all (a dict, say)
            raise TypeError(f"{what}: must be numeric, got dtype {dtype} ({exc})") from exc
        except ValueError as exc:
            raise InputError(f"{what}: must be numeric, got dtype {dtype}") from exc
    return array.astype(np.float64, copy=False), None
