# Hand-kept stubs of retain._core.health (python/src/register_health.cpp).

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_Columns = list[npt.NDArray[np.float64]]
# Arguments that take columns accept any sequence of arrays (a std::vector of them).

class HealthModel:
    @staticmethod
    def from_json(text: str) -> HealthModel: ...
    def to_json(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def missing(self) -> str: ...
    @property
    def group_names(self) -> list[str]: ...
    @property
    def measure_names(self) -> list[str]: ...
    @property
    def measure_labels(self) -> list[str]: ...
    @property
    def measure_groups(self) -> list[int]: ...
    @property
    def grade_labels(self) -> list[str]: ...
    @property
    def effective_weights(self) -> list[float]: ...
    @property
    def required_columns(self) -> list[str]: ...
    def score(
        self, names: list[str], columns: Sequence[npt.ArrayLike], n_threads: int = ...
    ) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int32] | _Columns]: ...
    def explain(
        self, names: list[str], columns: Sequence[npt.ArrayLike], n_threads: int = ...
    ) -> dict[str, npt.NDArray[np.float64] | _Columns]: ...
    def explain_change(
        self,
        before_names: list[str],
        before: Sequence[npt.ArrayLike],
        after_names: list[str],
        after: Sequence[npt.ArrayLike],
        n_threads: int = ...,
    ) -> dict[str, npt.NDArray[np.float64] | _Columns]: ...
    def reasons(
        self,
        names: list[str],
        columns: Sequence[npt.ArrayLike],
        top: int = ...,
        n_threads: int = ...,
    ) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int32] | npt.NDArray[np.int64]]: ...
    def reasons_change(
        self,
        before_names: list[str],
        before: Sequence[npt.ArrayLike],
        after_names: list[str],
        after: Sequence[npt.ArrayLike],
        top: int = ...,
        n_threads: int = ...,
    ) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int32] | npt.NDArray[np.int64]]: ...
    def reason_texts(
        self,
        measure: npt.ArrayLike,
        value: npt.ArrayLike,
        measure_score: npt.ArrayLike,
        points: npt.ArrayLike,
    ) -> list[str]: ...
    def change_texts(
        self,
        measure: npt.ArrayLike,
        value_before: npt.ArrayLike,
        value: npt.ArrayLike,
        points: npt.ArrayLike,
    ) -> list[str]: ...
    def calibrate(self, names: list[str], columns: Sequence[npt.ArrayLike]) -> HealthModel: ...
    def grade_codes(self, scores: npt.ArrayLike) -> npt.NDArray[np.int32]: ...

class ModelSet:
    def __init__(self, keys: list[str], models: list[HealthModel]) -> None: ...
    @property
    def group_names(self) -> list[str]: ...
    @property
    def grade_labels(self) -> list[str]: ...
    @property
    def required_columns(self) -> list[str]: ...
    def score(
        self,
        model_of_row: npt.ArrayLike,
        names: list[str],
        columns: Sequence[npt.ArrayLike],
        n_threads: int = ...,
    ) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int32] | _Columns]: ...
    def grade_codes(
        self, model_of_row: npt.ArrayLike, scores: npt.ArrayLike
    ) -> npt.NDArray[np.int32]: ...
