# Hand-kept stubs of retain._core.logistic (python/src/register_logistic.cpp).

from typing import Any

import numpy as np
import numpy.typing as npt

def fit(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    sample_weight: npt.ArrayLike | None,
    C: float = ...,
    standardize: bool = ...,
    class_weight: tuple[float, float] = ...,
    balanced: bool = ...,
    max_iter: int = ...,
    tol: float = ...,
    n_threads: int = ...,
    feature_names: list[str] = ...,
) -> dict[str, Any]: ...
def decision_function(
    X: npt.ArrayLike,
    coef: npt.ArrayLike,
    intercept: float,
    n_threads: int = ...,
    feature_names: list[str] = ...,
) -> npt.NDArray[np.float64]: ...
