"""The Dask engine: every table shuffled on its accounts' bucket into the same number of
partitions, then one ``map_partitions`` call per partition over all tables at once.

Partition ``i`` of every table holds the same buckets, because Dask's shuffle sends a row to the
partition its key hashes to and the key (the bucket, int64) is the same in every table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import _frames
from . import _work

try:
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("retain.dist on Dask needs dask: pip install 'retain[dask]'") from exc

NAME = "dask"


def is_frame(frame: Any) -> bool:
    return isinstance(frame, dd.DataFrame)


def as_frame(frame: Any, what: str) -> Any:
    if isinstance(frame, pd.DataFrame):
        return dd.from_pandas(frame, npartitions=1, sort=False)
    if not is_frame(frame):
        kind = f"{type(frame).__module__}.{type(frame).__name__}"
        raise TypeError(f"{what} must be a Dask or pandas DataFrame (engine='dask'), got {kind}")
    return frame


def empty(frame: Any) -> pd.DataFrame:
    """The frame's columns and dtypes, no rows (its ``meta``)."""
    return frame._meta.copy()


def default_partitions(tables: dict[str, Any]) -> int:
    n: int = max(frame.npartitions for frame in tables.values())
    return n


def _numbered(frame: pd.DataFrame, partition_info: Any = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    return frame.assign(**{_work.ROW: _work.row_numbers(number, len(frame))})


def _tagged(frame: pd.DataFrame, account: Any, n: int, partition_info: Any = None) -> pd.DataFrame:
    buckets = _frames.account_buckets(frame[account], n)
    return _numbered(frame.assign(**{_work.BUCKET: buckets}), partition_info)


def _tagged_meta(meta: pd.DataFrame) -> pd.DataFrame:
    return meta.assign(**{_work.BUCKET: np.empty(0, np.int64), _work.ROW: np.empty(0, np.int64)})


def _by_bucket(frame: Any, account: Any, n: int) -> Any:
    tagged = frame.map_partitions(_tagged, account, n, meta=_tagged_meta(frame._meta))
    return tagged.shuffle(on=_work.BUCKET, npartitions=n)


class _Call:
    """The work of one partition, given each table's partition in order."""

    def __init__(self, names: list[str], work: Callable[..., pd.DataFrame]):
        self.names, self.work = names, work

    def __call__(self, *partitions: pd.DataFrame) -> pd.DataFrame:
        return self.work(dict(zip(self.names, partitions, strict=True)))


def per_account(
    tables: dict[str, Any],
    accounts: dict[str, Any],
    work: Callable[[dict[str, pd.DataFrame]], pd.DataFrame],
    meta: pd.DataFrame,
    n: int,
) -> Any:
    """``work`` on each partition of accounts (all of their rows in every table); a Dask
    DataFrame of the results, its ``meta`` declared."""
    names = list(tables)
    shuffled = [_by_bucket(tables[name], accounts[name], n) for name in names]
    return dd.map_partitions(
        _Call(names, work), *shuffled, meta=meta, align_dataframes=False, enforce_metadata=False
    )


def per_row(frame: Any, work: Callable[[pd.DataFrame], pd.DataFrame], meta: pd.DataFrame) -> Any:
    """``work`` on each partition as it is (rows are independent)."""
    return frame.map_partitions(work, meta=meta, enforce_metadata=False)


def per_input_partition(
    frame: Any, work: Callable[[pd.DataFrame], pd.DataFrame], meta: pd.DataFrame
) -> Any:
    """``work`` on each input partition, its rows numbered as the input's."""
    meta_in = frame._meta.assign(**{_work.ROW: np.empty(0, np.int64)})
    numbered = frame.map_partitions(_numbered, meta=meta_in)
    return numbered.map_partitions(work, meta=meta, enforce_metadata=False)


def collect(frame: Any) -> pd.DataFrame:
    return frame.compute()


def distinct(frame: Any, column: Any) -> list[Any]:
    values = frame[column].dropna().unique().compute()
    return list(pd.unique(np.asarray(values, dtype=object)))


def select(frame: Any, columns: list[Any]) -> Any:
    return frame[columns]


def last(frame: Any, column: Any) -> Any:
    return frame[column].max().compute()


def check_zones(frames: dict[str, Any], options: dict[str, Any]) -> None:
    """Nothing to check: Dask hands the workers the frames' own timestamps."""


def to_number_hint(column: Any) -> str:
    return f"dd.to_numeric(frame[{column!r}]), or dtype= when reading"
