"""Survival curves: how long accounts stay.

:func:`kaplan_meier` follows lifelines' ``KaplanMeierFitter`` conventions (Greenwood variance,
log(-log) interval), and gives the same numbers, as a plain DataFrame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import InputError

__all__ = ["kaplan_meier", "median_survival", "restricted_mean", "retention_curves"]

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
    columns first, groups in sorted order. Pass a common ``timeline`` to compare segments at the
    same times.
    """
    frame = _frames.require_frame(frame, "the survival table")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    _frames.require_columns(frame, [*keys, duration, observed], "the survival table")
    parts = []
    for key, group in frame.groupby(keys, sort=True, observed=True, dropna=False):
        km = kaplan_meier(group[duration], group[observed], timeline=timeline, alpha=alpha)
        values = key if isinstance(key, tuple) else (key,)
        for name, value in zip(keys, values, strict=True):
            km.insert(keys.index(name), name, value)
        parts.append(km)
    if not parts:
        empty = kaplan_meier([])
        for i, name in enumerate(keys):
            empty.insert(i, name, pd.Series([], dtype=frame[name].dtype))
        return empty
    return pd.concat(parts, ignore_index=True)


def _curve(km: Any) -> tuple[np.ndarray, np.ndarray]:
    km = _frames.require_frame(km, "the Kaplan-Meier table")
    _frames.require_columns(km, ["time", "survival"], "the Kaplan-Meier table")
    time = km["time"].to_numpy(dtype=np.float64)
    if len(time) > 1 and not (np.diff(time) > 0).all():
        raise InputError("the Kaplan-Meier table's times must be strictly increasing")
    return time, km["survival"].to_numpy(dtype=np.float64)
