# Stubs of retain._core.engagement (python/src/register_engagement.cpp).
from typing import TypedDict

import numpy as np
import numpy.typing as npt

class EventLog:
    def __init__(
        self,
        account: npt.ArrayLike,
        n_accounts: int,
        user: npt.ArrayLike,
        n_users: int,
        timestamp: npt.ArrayLike,
        unit: str,
        feature: npt.ArrayLike,
        n_features: int,
        account_col: str = ...,
        user_col: str = ...,
        timestamp_col: str = ...,
        feature_col: str = ...,
        feature_column: bool = ...,
    ) -> None: ...
    @property
    def n_accounts(self) -> int: ...
    @property
    def n_users(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_events(self) -> int: ...
    @property
    def has_features(self) -> bool: ...

# The dict usage_features returns (a plain dict at run time): the lists hold one array a window.
class _UsageFeatures(TypedDict):
    events: list[npt.NDArray[np.int64]]
    active_users: list[npt.NDArray[np.int64]]
    active_days: list[npt.NDArray[np.int64]]
    distinct_features: list[npt.NDArray[np.int64]]
    trend: list[npt.NDArray[np.float64]]
    days_since_last_event: npt.NDArray[np.float64]

def usage_features(
    log: EventLog, as_of: npt.ArrayLike, windows: npt.ArrayLike, n_threads: int = ...
) -> _UsageFeatures: ...
def active_users(log: EventLog, freq: str) -> tuple[int, npt.NDArray[np.int64]]: ...
def active_users_by_account(
    log: EventLog, freq: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def feature_adoption(
    log: EventLog, as_of: int, window_days: int, level: str
) -> tuple[npt.NDArray[np.int64], int]: ...
def window_active_users(log: EventLog, as_of: int, window_days: int) -> npt.NDArray[np.int64]: ...
def stickiness(
    log: EventLog,
) -> tuple[int, npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def stickiness_by_account(
    log: EventLog,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
]: ...
def seat_utilization(
    log: EventLog, seats: npt.ArrayLike, as_of: int, window_days: int, seats_col: str = ...
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
