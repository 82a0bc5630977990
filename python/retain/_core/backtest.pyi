# Stubs of retain._core.backtest (python/src/register_backtest.cpp).
import numpy as np
import numpy.typing as npt

from .health import HealthModel

MISSING_DAY: int
LABEL_INACTIVE: int
LABEL_UNRESOLVED: int

def label_churn(
    snap_account: npt.ArrayLike,
    snap_day: npt.ArrayLike,
    churn_account: npt.ArrayLike,
    churn_day: npt.ArrayLike,
    returned_day: npt.ArrayLike,
    n_accounts: int,
    horizon_days: int,
    observed_until: int,
    account_col: str = ...,
    as_of_col: str = ...,
    churn_col: str = ...,
    returned_col: str = ...,
) -> tuple[npt.NDArray[np.int8], dict[str, int]]: ...

class Timeline:
    def __init__(
        self,
        key: npt.ArrayLike,
        n_keys: int,
        time: npt.ArrayLike,
        rank: npt.ArrayLike,
        time_column: str = ...,
    ) -> None: ...
    @property
    def n_keys(self) -> int: ...
    @property
    def size(self) -> int: ...
    def latest(self, key: npt.ArrayLike, through: npt.ArrayLike) -> npt.NDArray[np.int64]: ...
    def count_through(
        self, key: npt.ArrayLike, through: npt.ArrayLike
    ) -> npt.NDArray[np.int64]: ...

def evaluate_by_date(
    date_code: npt.ArrayLike,
    n_dates: int,
    y: npt.ArrayLike,
    risk: npt.ArrayLike,
    probabilities: bool,
    n_threads: int = ...,
) -> dict[str, npt.NDArray[np.float64] | list[str]]: ...
def fit_weights(
    model: HealthModel,
    names: list[str],
    columns: list[npt.ArrayLike],
    y: npt.ArrayLike,
    train: npt.ArrayLike,
    C: float = ...,
    n_threads: int = ...,
) -> tuple[HealthModel, list[float], list[str]]: ...
