# Stubs of retain._core.book (python/src/register_book.cpp).
from typing import Any

import numpy as np
import numpy.typing as npt

from . import MrrTable
from .health import HealthModel

NO_TIME: int

# An id column: int64 values, Arrow large_string buffers (offsets, chars), or an object array of
# text.
_Ids = npt.ArrayLike | tuple[npt.ArrayLike, npt.ArrayLike]

def parse_times(
    text: _Ids, table: str, column: str, months: bool = False
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int8]]: ...

def intern_ids(
    ids: _Ids, n_threads: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

def id_buckets(ids: _Ids, n_buckets: int, n_threads: int = 0) -> npt.NDArray[np.int64]: ...

class Book:
    def __init__(
        self, ids: _Ids, signed_at: npt.ArrayLike, drop_unknown: bool, names: dict[str, str]
    ) -> None: ...
    def set_mrr(
        self,
        account: _Ids,
        month: npt.ArrayLike,
        mrr: npt.ArrayLike,
        plan: npt.ArrayLike | None,
        plan_names: list[str],
        names: dict[str, str],
    ) -> None: ...
    def set_events(
        self,
        account: _Ids,
        user: _Ids,
        timestamp: npt.ArrayLike | None,
        feature: _Ids | None,
        names: dict[str, str],
        utc: npt.ArrayLike | None = None,
        utc_unit: str = "ns",
        since: npt.ArrayLike | None = None,
        offset: npt.ArrayLike | None = None,
    ) -> None: ...
    def set_surveys(
        self,
        account: _Ids,
        answered_at: npt.ArrayLike,
        score: npt.ArrayLike,
        kind: npt.ArrayLike | None,
        names: dict[str, str],
    ) -> None: ...
    def set_tickets(
        self,
        account: _Ids,
        opened_at: npt.ArrayLike,
        closed_at: npt.ArrayLike | None,
        names: dict[str, str],
    ) -> None: ...
    def set_milestones(
        self, account: _Ids, milestone: _Ids, reached_at: npt.ArrayLike, names: dict[str, str]
    ) -> None: ...
    def set_churns(
        self,
        account: _Ids,
        churned_at: npt.ArrayLike,
        returned_at: npt.ArrayLike | None,
        reason: _Ids | None,
        voluntary: npt.ArrayLike | None,
        names: dict[str, str],
    ) -> None: ...
    def set_activities(
        self,
        account: _Ids,
        at: npt.ArrayLike,
        type: _Ids | None,
        owner: _Ids | None,
        internal_types: list[str],
        names: dict[str, str],
    ) -> None: ...
    def snapshots(
        self,
        as_of: npt.ArrayLike,
        lead_days: int,
        windows: list[int],
        active_only: bool,
        n_threads: int,
    ) -> dict[str, Any]: ...
    def label_churn(
        self,
        account: npt.ArrayLike,
        as_of: npt.ArrayLike,
        horizon_days: int,
        observed_until: int,
        n_threads: int,
    ) -> tuple[npt.NDArray[np.int8], dict[str, int]]: ...
    def backtest_health(
        self,
        model: HealthModel,
        as_of: npt.ArrayLike,
        horizon_days: int,
        observed_until: int,
        lead_days: int,
        windows: list[int],
        active_only: bool,
        n_threads: int,
    ) -> dict[str, Any]: ...
    def mrr_table(self) -> MrrTable: ...
    def mrr_entries(
        self,
    ) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]
    ]: ...
    @property
    def plan_names(self) -> list[str]: ...
    @property
    def n_accounts(self) -> int: ...
    @property
    def dropped(self) -> dict[str, int]: ...
    @property
    def milestone_names(self) -> list[str]: ...
    @property
    def churn_reasons(self) -> list[str]: ...
    @property
    def activity_types(self) -> list[str]: ...
    @property
    def activity_owners(self) -> list[str]: ...
    @property
    def last_event_day(self) -> int: ...
    @property
    def first_event_day(self) -> int: ...
    @property
    def n_events(self) -> int: ...
    def before_signing(self) -> list[tuple[str, int, int, int]]: ...
    @property
    def signed_days(self) -> npt.NDArray[np.int64]: ...
    def has(self, table: str) -> bool: ...
    def reconcile(
        self,
    ) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
    ]: ...
    @property
    def returns_inferred(self) -> bool: ...
