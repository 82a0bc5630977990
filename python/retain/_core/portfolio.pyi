# Hand-kept stubs of retain._core.portfolio (python/src/register_portfolio.cpp).

import numpy as np
import numpy.typing as npt

def rollup(
    parent: npt.ArrayLike,
    n_parents: int,
    score: npt.ArrayLike,
    weight: npt.ArrayLike,
    parent_col: str = ...,
    score_col: str = ...,
    weight_col: str = ...,
) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]: ...
def alerts(
    score_change: npt.ArrayLike,
    previous_grade: npt.ArrayLike,
    grade: npt.ArrayLike,
    n_grades: int,
    min_drop: float,
    into: npt.ArrayLike,
    score_change_col: str = ...,
    previous_grade_col: str = ...,
    grade_col: str = ...,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]: ...
