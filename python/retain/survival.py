"""Survival curves: how long accounts stay.

:func:`kaplan_meier` follows lifelines' ``KaplanMeierFitter`` conventions (Greenwood variance,
log(-log) interval), and gives the same numbers, as a plain DataFrame.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import InputError

__all__ = [
    "ShiftedBetaGeometric",
    "kaplan_meier",
    "median_survival",
    "restricted_mean",
    "retention_curves",
]

_KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper"]


def kaplan_meier(
    durations: Any, observed: Any = None, timeline: Any = None, alpha: float = 0.05
) -> pd.DataFrame:
    """Kaplan-Meier survival curve.

    ``durations`` (finite, >= 0) and ``observed`` (1 or True: the account churned; 0 or False:
    still a customer, censored; default: all churned) are 1-d array-likes of the same length.

    Returns a DataFrame with columns ``time at_risk events censored survival ci_lower ci_upper``.
    By default its times are 0 and every distinct duration: ``at_risk`` counts durations >= time,
    ``events`` and ``censored`` those equal to it. With ``timeline`` (increasing times) the curve
    is read at those times instead, ``events`` and ``censored`` counting the durations since the
    previous time. ``survival`` is the product-limit estimate; the ``1 - alpha`` interval is the
    log(-log) one with Greenwood's variance, 1 where it is undefined (survival 1). Survival,
    interval and median equal lifelines' ``KaplanMeierFitter``. ``alpha`` is kept in
    ``.attrs["alpha"]``. Empty input gives an empty table.
    """
    d, d_name = _frames.vector(durations, "durations")
    if observed is None:
        o, o_name = np.empty(0), "observed"
    else:
        o, o_name = _frames.vector(observed, "observed", allow_bool=True)
    t = np.empty(0) if timeline is None else _frames.vector(timeline, "timeline")[0]
    columns = _core.survival.kaplan_meier(d, o, t, float(alpha), d_name, o_name)
    km = pd.DataFrame({name: columns[name] for name in _KM_COLUMNS})
    km.attrs["alpha"] = float(alpha)
    return km


def median_survival(km: pd.DataFrame) -> float:
    """Median survival time of a :func:`kaplan_meier` table: the first time its survival is at or
    below 0.5; ``inf`` if it never is (as lifelines' ``median_survival_time_``), NaN if empty."""
    time, surv = _curve(km)
    return _core.survival.median_survival(time, surv)


def restricted_mean(km: pd.DataFrame, horizon: float) -> float:
    """Restricted mean survival time: the area under the survival curve from 0 to ``horizon``
    (the expected months, or days, of the first ``horizon`` that an account stays). Equals
    ``lifelines.utils.restricted_mean_survival_time``. NaN for an empty table."""
    time, surv = _curve(km)
    return _core.survival.restricted_mean(time, surv, float(horizon))


def retention_curves(
    frame: pd.DataFrame,
    by: Any,
    duration: Any = "duration",
    observed: Any = "observed",
    timeline: Any = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One Kaplan-Meier curve per segment (plan, cohort, tier, ...) of ``frame``.

    ``by`` is a column name or a list of them; the result stacks the curves with the ``by``
    columns first, segments in sorted order (a missing segment key is an error naming the row).
    Pass a common ``timeline`` to compare segments at the same times. The curves are computed
    in C++ in one call, segments in parallel.
    """
    frame = _frames.require_frame(frame, "the survival table")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    _frames.require_columns(frame, [*keys, duration, observed], "the survival table")
    if len(frame) == 0:
        empty = kaplan_meier([])
        for i, name in enumerate(keys):
            empty.insert(i, name, pd.Series([], dtype=frame[name].dtype))
        return empty
    codes, groups = _frames.group_codes(frame, keys)
    d, d_name = _frames.vector(frame[duration], "durations")
    o, o_name = _frames.vector(frame[observed], "observed", allow_bool=True)
    t = np.empty(0) if timeline is None else _frames.vector(timeline, "timeline")[0]
    curves = _core.survival.retention_curves(
        codes, len(groups), d, o, t, float(alpha), d_name, o_name, ", ".join(map(str, keys))
    )
    parts = []
    for key, columns in zip(groups, curves, strict=True):
        km = pd.DataFrame({name: columns[name] for name in _KM_COLUMNS})
        values = key if isinstance(key, tuple) else (key,)
        for i, (name, value) in enumerate(zip(keys, values, strict=True)):
            km.insert(i, name, value)
        parts.append(km)
    curves_frame = pd.concat(parts, ignore_index=True)
    curves_frame.attrs["alpha"] = float(alpha)
    return curves_frame


def _curve(km: Any) -> tuple[np.ndarray, np.ndarray]:
    km = _frames.require_frame(km, "the Kaplan-Meier table")
    _frames.require_columns(km, ["time", "survival"], "the Kaplan-Meier table")
    time = km["time"].to_numpy(dtype=np.float64)
    if len(time) > 1 and not (np.diff(time) > 0).all():
        raise InputError("the Kaplan-Meier table's times must be strictly increasing")
    return time, km["survival"].to_numpy(dtype=np.float64)


class ShiftedBetaGeometric:
    """Fader and Hardie's shifted-beta-geometric (sBG) model of contractual retention.

    Each customer churns at the end of a period with a constant probability theta that varies
    across customers as Beta(alpha, beta); so the cohort's retention rate
    ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` rises as the churn-prone leave, which a
    single churn rate cannot show. Estimator in the scikit-learn manner: ``fit`` returns the
    model, learned parameters end in ``_``::

        sbg = rt.survival.ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        sbg.alpha_, sbg.beta_          # 0.704, 1.182: Fader and Hardie's "regular" customers
        sbg.survival(12)               # share of the cohort still there after 12 periods
        sbg.discounted_expected_lifetime(0.1)  # x margin per payment = LTV of a new customer

    ``max_iter`` and ``tol`` bound Newton's method on (log alpha, log beta).
    """

    def __init__(self, max_iter: int = 100, tol: float = 1e-10) -> None:
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, survivors: Any) -> ShiftedBetaGeometric:
        """Maximum-likelihood fit to one cohort's survivor counts: ``survivors[0]`` customers at
        the start and ``survivors[t]`` still customers after period t (whole numbers that never
        increase, at least two periods, at least one churn). Warns (RuntimeWarning) if the fit
        did not converge, as when everyone churns at once."""
        counts, _ = _frames.vector(survivors, "survivors")
        model = _core.survival.ShiftedBetaGeometric.fit(counts, int(self.max_iter), float(self.tol))
        if not model.converged:
            warnings.warn(
                f"ShiftedBetaGeometric.fit did not converge in {model.iterations} iterations; "
                "the counts may not identify alpha and beta",
                RuntimeWarning,
                stacklevel=2,
            )
        self._model = model
        self.alpha_, self.beta_ = model.alpha, model.beta
        self.log_likelihood_ = model.log_likelihood
        self.n_periods_ = len(counts) - 1
        return self

    def retention(self, t: Any) -> Any:
        """Retention rate r(t) = S(t) / S(t - 1) of period t >= 1 (scalar or array-like)."""
        return self._each("retention", t)

    def survival(self, t: Any) -> Any:
        """Share of the cohort still customers after t >= 0 periods, S(t)."""
        return self._each("survival", t)

    def churn_probability(self, t: Any) -> Any:
        """Share of the cohort that churns in period t >= 1, P(T = t)."""
        return self._each("churn_probability", t)

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """Expected number of payments of a new customer, the first now and each later one
        discounted by (1 + discount_rate) per period (DEL); LTV = margin per payment x DEL."""
        return self._fitted().discounted_expected_lifetime(float(discount_rate))

    def discounted_residual_lifetime(self, discount_rate: float, renewals: int) -> float:
        """Expected discounted payments still to come from a customer who has made ``renewals``
        renewals and is about to make the next one (DERL, the next payment undiscounted)."""
        return self._fitted().discounted_residual_lifetime(float(discount_rate), float(renewals))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"max_iter": self.max_iter, "tol": self.tol}

    def set_params(self, **params: Any) -> ShiftedBetaGeometric:
        for key, value in params.items():
            if key not in ("max_iter", "tol"):
                raise InputError(f"{key}: not a parameter of ShiftedBetaGeometric")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        if hasattr(self, "alpha_"):
            return f"ShiftedBetaGeometric(alpha_={self.alpha_:.4g}, beta_={self.beta_:.4g})"
        return f"ShiftedBetaGeometric(max_iter={self.max_iter}, tol={self.tol})"

    def _fitted(self) -> Any:
        if not hasattr(self, "_model"):
            raise InputError("ShiftedBetaGeometric: call fit(survivors) first")
        return self._model

    def _each(self, method: str, t: Any) -> Any:
        fn = getattr(self._fitted(), method)
        if np.ndim(t) == 0:
            return fn(float(t))
        return np.array([fn(float(x)) for x in np.asarray(t, dtype=np.float64)])
