# Stubs of retain._core.survival (python/src/register_survival.cpp).
import numpy as np
import numpy.typing as npt

def kaplan_meier(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    timeline: npt.ArrayLike,
    alpha: float,
    duration_col: str = ...,
    observed_col: str = ...,
) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]: ...
def median_survival(time: npt.ArrayLike, survival: npt.ArrayLike) -> float: ...
def restricted_mean(time: npt.ArrayLike, survival: npt.ArrayLike, horizon: float) -> float: ...
def normal_quantile(p: float) -> float: ...
