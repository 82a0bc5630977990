# Hand-kept stubs of the compiled module (python/src/*.cpp). Users call retain.kpi and friends;
# these describe what that layer calls.

import numpy as np
import numpy.typing as npt

from . import _core_backtest as backtest  # noqa: F401  (retain._core.backtest)
from . import _core_book as book  # noqa: F401  (retain._core.book)
from . import _core_engagement as engagement  # noqa: F401  (retain._core.engagement)
from . import _core_health as health  # noqa: F401  (retain._core.health)
from . import _core_kpi as kpi  # noqa: F401  (the compiled submodule retain._core.kpi)
from . import _core_logistic as logistic  # noqa: F401  (retain._core.logistic)
from . import _core_metrics as metrics  # noqa: F401  (retain._core.metrics)
from . import _core_portfolio as portfolio  # noqa: F401  (retain._core.portfolio)
from . import _core_segment as segment  # noqa: F401  (retain._core.segment)
from . import _core_survival as survival  # noqa: F401  (retain._core.survival)

__version__: str

class RetainError(Exception): ...
class InputError(RetainError, ValueError): ...
class ColumnError(RetainError, KeyError): ...
class ConfigError(RetainError, ValueError): ...

class MrrTable:
    def __init__(
        self,
        account: npt.ArrayLike,
        n_accounts: int,
        month: npt.ArrayLike,
        mrr: npt.ArrayLike,
        account_col: str = ...,
        period_col: str = ...,
        mrr_col: str = ...,
    ) -> None: ...
    @staticmethod
    def from_int_ids(
        ids: npt.ArrayLike,
        month: npt.ArrayLike,
        mrr: npt.ArrayLike,
        account_col: str = ...,
        period_col: str = ...,
        mrr_col: str = ...,
    ) -> MrrTable: ...
    @property
    def n_accounts(self) -> int: ...
    @property
    def n_months(self) -> int: ...
    @property
    def first_month(self) -> int: ...
    @property
    def n_entries(self) -> int: ...

def intern_int64(ids: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def months_from_timestamps(
    values: npt.ArrayLike, unit: str, column: str
) -> npt.NDArray[np.int64]: ...
def parse_months(texts: list[str], rows: list[int], column: str) -> npt.NDArray[np.int64]: ...
def format_month(month: int) -> str: ...
