# Stubs of retain._core.survival (python/src/register_survival.cpp).
from typing import Any

import numpy as np
import numpy.typing as npt

from .book import Book

def kaplan_meier(
    durations: npt.ArrayLike,
    observed: npt.NDArray[np.float64] | npt.NDArray[np.bool_],
    timeline: npt.ArrayLike,
    alpha: float,
    duration_col: str = ...,
    observed_col: str = ...,
    entry: npt.ArrayLike | None = ...,
    entry_col: str = ...,
    n_threads: int = ...,
) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]: ...
def median_survival(time: npt.ArrayLike, survival: npt.ArrayLike) -> float: ...
def restricted_mean(time: npt.ArrayLike, survival: npt.ArrayLike, horizon: float) -> float: ...
def discounted_lifetime(
    time: npt.ArrayLike,
    survival: npt.ArrayLike,
    horizon: float,
    discount_rate: float,
    period: float,
) -> float: ...
def normal_quantile(p: float) -> float: ...
def observation_start(book: Book) -> int | None: ...
def tenure(book: Book, as_of: int, start: int | None = ...) -> dict[str, Any]: ...
def cohort_survivors(book: Book, as_of: int, start: int | None = ...) -> dict[str, Any]: ...
def retention_curves(
    group: npt.ArrayLike,
    n_groups: int,
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    timeline: npt.ArrayLike,
    alpha: float,
    duration_col: str = ...,
    observed_col: str = ...,
    group_col: str = ...,
    entry: npt.ArrayLike | None = ...,
    entry_col: str = ...,
) -> list[dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]]: ...

class ShiftedBetaGeometric:
    @staticmethod
    def fit(
        survivors: npt.ArrayLike, max_iter: int = ..., tol: float = ...
    ) -> ShiftedBetaGeometric: ...
    @staticmethod
    def fit_cohorts(
        survivors: list[npt.ArrayLike],
        max_iter: int = ...,
        tol: float = ...,
        cohort_names: list[str] = ...,
    ) -> ShiftedBetaGeometric: ...
    @property
    def alpha(self) -> float: ...
    @property
    def beta(self) -> float: ...
    @property
    def converged(self) -> bool: ...
    @property
    def iterations(self) -> int: ...
    @property
    def log_likelihood(self) -> float: ...
    def churn_probability(self, t: float) -> float: ...
    def survival(self, t: float) -> float: ...
    def retention(self, t: float) -> float: ...
    def discounted_expected_lifetime(self, discount_rate: float) -> float: ...
    def discounted_residual_lifetime(self, discount_rate: float, renewals: float) -> float: ...

