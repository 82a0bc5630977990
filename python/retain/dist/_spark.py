"""The Spark engine: the tables united into one frame (a column per table and column, a tag
naming the table), grouped on a bucket of the account, ``pmod(hash(account), n)``, and one
``applyInPandas`` call per bucket that splits the tables apart again.

Timestamps cross into Python as numbers, never as Spark timestamps, whose conversion to pandas
goes through the session time zone: an instant (TimestampType) as UTC microseconds, a wall time
(TimestampNTZType) as ISO text, a date as days since 1970-01-01. Integer and boolean columns,
widened by the union's nulls, are narrowed back when a table's rows have none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from . import _work

try:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("retain.dist on Spark needs pyspark: pip install 'retain[spark]'") from exc

NAME = "spark"
_TABLE = "_retain_table"
_WALL_FORMAT = "yyyy-MM-dd HH:mm:ss.SSSSSS"


def is_frame(frame: Any) -> bool:
    return isinstance(frame, DataFrame)


def as_frame(frame: Any, what: str) -> Any:
    if isinstance(frame, pd.DataFrame):
        return _session().createDataFrame(frame)
    if not is_frame(frame):
        kind = f"{type(frame).__module__}.{type(frame).__name__}"
        raise TypeError(f"{what} must be a Spark DataFrame (engine='spark'), got {kind}")
    return frame


def _session() -> Any:
    session = SparkSession.getActiveSession()
    if session is None:
        raise RuntimeError("retain.dist on Spark needs an active SparkSession")
    return session


# -- how each column crosses


def _kind(data_type: Any) -> str:
    if isinstance(data_type, T.TimestampType):
        return "instant"
    if isinstance(data_type, T.TimestampNTZType):
        return "wall"
    if isinstance(data_type, T.DateType):
        return "date"
    if isinstance(data_type, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return "int"
    if isinstance(data_type, T.BooleanType):
        return "bool"
    if isinstance(data_type, T.DecimalType):
        return "decimal"
    return "plain"


def _sent(column: Any, kind: str) -> Any:
    if kind == "instant":
        return F.unix_micros(column)
    if kind == "wall":
        return F.date_format(column, _WALL_FORMAT)
    if kind == "date":
        return F.unix_date(column)
    if kind == "decimal":
        return column.cast("double")
    return column


def _received(values: pd.Series, kind: str) -> pd.Series:
    if kind == "instant":
        return pd.to_datetime(values, unit="us", utc=True)
    if kind == "wall":
        return pd.to_datetime(values, format="%Y-%m-%d %H:%M:%S.%f")
    if kind == "date":
        return pd.to_datetime(values, unit="D")
    if kind == "int" and not values.isna().any():
        return values.astype(np.int64)
    if kind == "bool" and not values.isna().any():
        return values.astype(bool)
    return values


_SENT_TYPE = {"instant": "bigint", "wall": "string", "date": "int", "decimal": "double"}


class _Layout:
    """Where each table's columns sit in the united frame: table -> [(name, slot, kind)].

    Tables share slots: the k-th column of a given type of every table goes to the same slot,
    so the united frame is as wide as the widest table per type, not as all tables together
    (each row carries a null in every slot its table does not use)."""

    def __init__(self, frames: dict[str, Any]):
        self.columns: dict[str, list[tuple[str, str, str]]] = {}
        for name, frame in frames.items():
            used: dict[str, int] = {}
            slots = []
            for field in frame.schema.fields:
                kind = _kind(field.dataType)
                sent = _SENT_TYPE.get(kind, field.dataType.simpleString())
                key = re.sub(r"\W", "_", sent)
                k = used[key] = used.get(key, -1) + 1
                slots.append((field.name, f"_{key}_{k}", kind))
            self.columns[name] = slots

    def table(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        rows = frame[_TABLE].to_numpy() == name
        part = frame.loc[rows]
        out = {
            column: _received(part[slot].reset_index(drop=True), kind)
            for column, slot, kind in self.columns[name]
        }
        out[_work.ROW] = part[_work.ROW].to_numpy()
        return pd.DataFrame(out)


def empty(frame: Any) -> pd.DataFrame:
    """The frame's columns as the workers receive them, no rows."""
    data = {}
    for field in frame.schema.fields:
        kind = _kind(field.dataType)
        if kind == "instant":
            data[field.name] = pd.Series([], dtype="datetime64[ns, UTC]")
        elif kind in ("wall", "date"):
            data[field.name] = pd.Series([], dtype="datetime64[ns]")
        elif kind == "int":
            data[field.name] = pd.Series([], dtype=np.int64)
        elif kind == "bool":
            data[field.name] = pd.Series([], dtype=bool)
        elif isinstance(field.dataType, (T.FloatType, T.DoubleType)) or kind == "decimal":
            data[field.name] = pd.Series([], dtype=np.float64)
        else:
            data[field.name] = pd.Series([], dtype=object)
    return pd.DataFrame(data)


def default_partitions(tables: dict[str, Any]) -> int:
    return int(_session().conf.get("spark.sql.shuffle.partitions"))


# -- declared output


def _spark_type(dtype: Any, column: Any) -> Any:
    if isinstance(dtype, pd.DatetimeTZDtype):
        return T.TimestampType()
    if dtype.kind == "M":
        return T.TimestampNTZType()
    if dtype.kind == "b":
        return T.BooleanType()
    if dtype.kind in "iu":
        return T.LongType()
    if dtype.kind == "f":
        return T.DoubleType()
    if dtype.kind == "O" or pd.api.types.is_string_dtype(dtype):
        return T.StringType()
    raise TypeError(f"column {column!r}: no Spark type for {dtype}")


def schema(meta: pd.DataFrame) -> Any:
    """The Spark schema of a pandas result: ``as_of`` as a date, other datetimes as instants
    (tz-aware) or wall times (naive), text as strings."""
    fields = []
    for column, dtype in meta.dtypes.items():
        kind = T.DateType() if column == "as_of" else _spark_type(dtype, column)
        fields.append(T.StructField(str(column), kind, True))
    return T.StructType(fields)


def _to_spark(frame: pd.DataFrame) -> pd.DataFrame:
    """A result as Arrow takes it for its declared schema."""
    if "as_of" in frame.columns:
        frame = frame.assign(as_of=pd.to_datetime(frame["as_of"]).dt.date)
    return frame


class _Call:
    def __init__(self, layout: _Layout, work: Callable[..., pd.DataFrame], names: list[str]):
        self.layout, self.work, self.names = layout, work, names

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        tables = {name: self.layout.table(frame, name) for name in self.names}
        return _to_spark(self.work(tables))


def per_account(
    tables: dict[str, Any],
    accounts: dict[str, Any],
    work: Callable[[dict[str, pd.DataFrame]], pd.DataFrame],
    meta: pd.DataFrame,
    n: int,
) -> Any:
    """``work`` on the rows of each bucket of accounts; a Spark DataFrame of the results."""
    layout = _Layout(tables)
    parts = []
    for name, frame in tables.items():
        account = F.col(_quoted(accounts[name]))
        selected = [
            F.lit(name).alias(_TABLE),
            F.pmod(F.hash(account.cast("string")), F.lit(n)).alias(_work.BUCKET),
            F.monotonically_increasing_id().alias(_work.ROW),
        ]
        for column, slot, kind in layout.columns[name]:
            selected.append(_sent(F.col(_quoted(column)), kind).alias(slot))
        parts.append(frame.select(*selected))
    united = parts[0]
    for part in parts[1:]:
        united = united.unionByName(part, allowMissingColumns=True)
    call = _Call(layout, work, list(tables))

    def one_bucket(frame: pd.DataFrame) -> pd.DataFrame:  # Spark reads the arity of a function
        return call(frame)

    return united.groupBy(_work.BUCKET).applyInPandas(one_bucket, schema(meta))


def _quoted(name: Any) -> str:
    return "`" + str(name).replace("`", "``") + "`"


def per_row(frame: Any, work: Callable[[pd.DataFrame], pd.DataFrame], meta: pd.DataFrame) -> Any:
    layout = _Layout({"rows": frame})
    selected = [F.lit("rows").alias(_TABLE), F.monotonically_increasing_id().alias(_work.ROW)]
    for column, slot, kind in layout.columns["rows"]:
        selected.append(_sent(F.col(_quoted(column)), kind).alias(slot))

    def batches(frames: Any) -> Any:
        for batch in frames:
            yield _to_spark(work(layout.table(batch, "rows")))

    return frame.select(*selected).mapInPandas(batches, schema(meta))


def per_input_partition(
    frame: Any, work: Callable[[pd.DataFrame], pd.DataFrame], meta: pd.DataFrame
) -> Any:
    return per_row(frame, work, meta)


def collect(frame: Any) -> pd.DataFrame:
    try:
        return frame.toPandas()
    except Exception as exc:
        raise _retain_error(exc) or exc from None


_RAISED = re.compile(r"\bretain\.(?:errors\.)?(\w+Error): (.*?)(?:\n|$)")


def _retain_error(exc: Exception) -> Exception | None:
    """The retain error a Python worker raised, out of the text of Spark's exception; or why
    the workers could not import retain at all."""
    from .. import errors

    if "No module named 'retain'" in str(exc):
        return ImportError(
            "Spark's Python workers cannot import retain: they run another Python. Set "
            "PYSPARK_PYTHON (or spark.pyspark.python) to the Python retain is installed in "
            "before the session starts, e.g. os.environ['PYSPARK_PYTHON'] = sys.executable"
        )
    found = _RAISED.findall(str(exc))
    if not found:
        return None
    name, message = found[-1]
    kind = getattr(errors, name, None)
    return kind(message) if isinstance(kind, type) else None


def distinct(frame: Any, column: Any) -> list[Any]:
    rows = frame.select(F.col(_quoted(column)).cast("string")).distinct().collect()
    return [row[0] for row in rows if row[0] is not None]


def select(frame: Any, columns: list[Any]) -> Any:
    return frame.select(*[F.col(_quoted(c)) for c in columns])


def last(frame: Any, column: Any) -> Any:
    return frame.agg(F.max(F.col(_quoted(column)))).collect()[0][0]


def check_zones(frames: dict[str, Any], options: dict[str, Any]) -> None:
    """A month label held as a Spark TIMESTAMP is an instant: Spark made it from text without an
    offset in its session zone ("2024-03" -> 2024-03-01 00:00 there), and retain reads instants
    in the Book's zone, where it may fall in the month before. Said, not guessed."""
    if "mrr" not in frames:
        return
    import warnings

    from ..errors import RetainWarning

    column = _work.column_name(options, "mrr", "period")
    fields = {f.name: f.dataType for f in frames["mrr"].schema.fields}
    session = _session().conf.get("spark.sql.session.timeZone")
    if isinstance(fields.get(column), T.TimestampType) and session != options["tz"]:
        warnings.warn(
            f"table 'mrr', column {column!r}: Spark holds the periods as TIMESTAMP, instants it "
            f"read in its session zone ({session}); retain reads them in the Book's zone "
            f"({options['tz']}), where a month's first midnight may fall in the month before. "
            "Read the periods as text ('2024-03'), or give tz= the session's zone",
            RetainWarning,
            stacklevel=4,
        )


def to_number_hint(column: Any) -> str:
    return f"F.col({str(column)!r}).cast('double'), or inferSchema=True when reading"
