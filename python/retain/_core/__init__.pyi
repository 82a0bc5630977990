# Hand-kept stubs of the compiled module (python/src/*.cpp). Users call retain.kpi and friends;
# these describe what that layer calls.

import numpy as np
import numpy.typing as npt

from . import backtest as backtest
from . import book as book
from . import book_kpi as book_kpi
from . import calibration as calibration
from . import engagement as engagement
from . import health as health
from . import kpi as kpi
from . import logistic as logistic
from . import metrics as metrics
from . import portfolio as portfolio
from . import segment as segment
from . import survival as survival

__version__: str

class RetainError(Exception):
    table: str | None
    column: str | None
    row: int | None
    path: str | None

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
