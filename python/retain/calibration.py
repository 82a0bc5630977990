"""Churn probability from a score (:func:`calibrate_risk`) and the MRR it puts at risk
(:func:`mrr_at_risk`).

A health score or a model's risk ranks accounts; planning needs probabilities ("how much MRR do
we expect to lose next quarter, and from whom?"). :func:`calibrate_risk` learns the map from a
scorer's risk to the probability of churning within the horizon on labelled history, built
exactly as :func:`retain.backtest.backtest` builds it, and checks it on later, held-out as-of
dates. :func:`mrr_at_risk` then turns probabilities and MRR into the expected MRR lost per
segment or owner, with the accounts that make up most of it.

The maps are scikit-learn's, computed in C++ (``retain/calibration.hpp``): ``"isotonic"`` equals
``IsotonicRegression(out_of_bounds="clip")`` fitted on the risk (increasing; on a health score,
decreasing), ``"logistic"`` equals ``LogisticRegression(penalty=None)`` fitted on it (Platt
scaling).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from . import metrics as _metrics
from .backtest import _feature_columns, _labelled, _risk_of, _rows_of
from .errors import ConvergenceWarning, InputError

__all__ = ["RiskCalibration", "calibrate_risk", "mrr_at_risk"]

_METHODS = ("isotonic", "logistic")
_NO_WEIGHT = np.empty(0)


def _scorer_days(scorer: Any, frame: pd.DataFrame) -> np.ndarray | None:
    """The as-of day of each row for a health model (which scores each date's rows on their
    own); one part for a frame without an ``as_of`` column; None for other scorers."""
    from .health_model import HealthModel, ModelSet

    if not isinstance(scorer, (HealthModel, ModelSet)):
        return None
    if "as_of" in frame.columns:
        return _frames.utc_days(frame["as_of"], "as_of")
    return np.zeros(len(frame), dtype=np.int64)


def _risks(
    scorer: Any, frame: pd.DataFrame, features: list[Any], n_threads: int | None
) -> np.ndarray:
    """The scorer's risk per row (NaN where a health model scores nothing); an infinite risk is
    an InputError naming the row."""
    risk, _ = _risk_of(scorer, frame, features, n_threads, _scorer_days(scorer, frame))
    if np.isinf(risk).any():
        row = _frames.first_row(np.isinf(risk))
        raise InputError(f"the scorer gave an infinite risk at row {row}")
    return risk


def _day_stamps(days: np.ndarray) -> list[pd.Timestamp]:
    return [pd.Timestamp(int(d), unit="D") for d in days]


@dataclass(frozen=True, repr=False)
class RiskCalibration:
    """A scorer's risk mapped to the probability of churning within ``horizon_days``, as
    :func:`calibrate_risk` fits it.

    Attributes
    ----------
    method : str
        ``"isotonic"`` or ``"logistic"``.
    horizon_days : int
        The probability is that of churning in (as_of, as_of + horizon_days].
    fit_dates, holdout_dates, purged_dates : list of pandas.Timestamp
        The as-of dates the map was fitted on, those it was checked on, and those between, left
        out of both because their horizon reaches into the held-out period.
    n_fit, n_holdout : int
        Rows fitted on and checked on (rows a health model cannot score are left out).
    base_rate : float
        Churn rate of the fit rows.
    brier : float
        Brier score of the calibrated probabilities on the held-out rows.
    brier_base_rate : float
        Brier score on the same rows of always predicting ``base_rate``: the reference a useful
        calibration beats.
    reliability : pandas.DataFrame
        :func:`retain.metrics.calibration` (10 bins) of the held-out rows: predicted against
        observed churn.
    scores : pandas.DataFrame
        Every labelled row: the account, ``as_of``, ``risk``, ``label``, ``p_churn`` and
        ``part`` (``"fit"``, ``"holdout"`` or ``"purged"``); rows without a risk are left out.
    thresholds : pandas.DataFrame or None
        Isotonic: the map's points (``risk``, ``p_churn``), straight lines between them, the end
        values beyond. None for logistic.
    intercept, slope : float or None
        Logistic: ``p = 1 / (1 + exp(-(intercept + slope * risk)))``. None for isotonic.
    """

    method: str
    horizon_days: int
    fit_dates: list[pd.Timestamp]
    holdout_dates: list[pd.Timestamp]
    purged_dates: list[pd.Timestamp]
    n_fit: int
    n_holdout: int
    base_rate: float
    brier: float
    brier_base_rate: float
    reliability: pd.DataFrame
    scores: pd.DataFrame
    _map: Any
    _scorer: Any
    _features: list[str]

    @property
    def thresholds(self) -> pd.DataFrame | None:
        if self.method != "isotonic":
            return None
        return pd.DataFrame({"risk": self._map.x_thresholds, "p_churn": self._map.y_thresholds})

    @property
    def intercept(self) -> float | None:
        return self._map.intercept if self.method == "logistic" else None

    @property
    def slope(self) -> float | None:
        return self._map.slope if self.method == "logistic" else None

    def churn_probability(self, frame: pd.DataFrame, n_threads: int | None = None) -> pd.Series:
        """The probability that each row's account churns within ``horizon_days``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Rows the scorer can score, e.g. ``book.snapshots(as_of=[today])``. A health model
            scores the rows of each ``as_of`` date on their own (the whole frame as one date
            when it has no ``as_of`` column), as when fitting.
        n_threads : int, optional
            Threads for scoring and mapping (None: every core); the result does not depend on
            it.

        Returns
        -------
        pandas.Series
            Named ``p_churn``, indexed like ``frame``, in [0, 1]; NaN only for rows a health
            model cannot score (no measure present), as :func:`retain.backtest.backtest` leaves
            them out.

        Raises
        ------
        retain.InputError
            The scorer's errors (naming the row of ``frame``), or an infinite risk.
        """
        frame = _frames.require_frame(frame, "frame")
        return pd.Series(self._probability(frame, n_threads), index=frame.index, name="p_churn")

    def predict_proba(self, frame: pd.DataFrame, n_threads: int | None = None) -> np.ndarray:
        """scikit-learn's shape: an array (n, 2) of P(stay) and P(churn within the horizon) per
        row of ``frame`` (see :meth:`churn_probability`; NaN in both for unscored rows)."""
        frame = _frames.require_frame(frame, "frame")
        p = self._probability(frame, n_threads)
        return np.column_stack([1.0 - p, p])

    def _probability(self, frame: pd.DataFrame, n_threads: int | None) -> np.ndarray:
        threads = _frames.threads(n_threads)
        if _scorer_days(self._scorer, frame) is None and not isinstance(self._scorer, str):
            if hasattr(self._scorer, "predict_proba"):
                _frames.require_columns(frame, self._features, "frame")
        risk = _risks(self._scorer, frame, self._features, n_threads)
        p = np.full(len(frame), np.nan)
        scored = ~np.isnan(risk)
        p[scored] = self._map.predict(np.ascontiguousarray(risk[scored]), threads)
        return p

    def summary(self) -> str:
        """A few lines: the method, the dates, and the held-out Brier score against the base
        rate's."""
        better = "better" if self.brier < self.brier_base_rate else "not better"
        span = (
            f"{self.fit_dates[0].date()} to {self.fit_dates[-1].date()}"
            if len(self.fit_dates) > 1
            else f"{self.fit_dates[0].date()}"
        )
        return "\n".join(
            [
                f"{self.method} calibration of churn within {self.horizon_days} days",
                f"fit on {self.n_fit:,} rows of {len(self.fit_dates)} as-of dates ({span}), "
                f"churn rate {self.base_rate:.2%}",
                f"held out {self.n_holdout:,} rows of {len(self.holdout_dates)} as-of dates from "
                f"{self.holdout_dates[0].date()}"
                + (f" ({len(self.purged_dates)} purged between)" if self.purged_dates else ""),
                f"held-out Brier {self.brier:.4f} vs {self.brier_base_rate:.4f} for the base "
                f"rate ({better})",
            ]
        )

    def __repr__(self) -> str:
        return "RiskCalibration(\n  " + self.summary().replace("\n", "\n  ") + "\n)"


def calibrate_risk(
    scorer: Any,
    book_or_snapshots: Any,
    churns: pd.DataFrame | None = None,
    horizon_days: int = 90,
    method: str = "isotonic",
    *,
    as_of: Any = None,
    holdout: float = 0.25,
    lead_days: int = 0,
    n_threads: int | None = None,
    observed_until: Any = None,
    features: Any = None,
    account: Any = "account_id",
    churned_at: Any = "churned_at",
    returned_at: Any = "returned_at",
) -> RiskCalibration:
    """Learn the probability of churn within ``horizon_days`` from a scorer's risk.

    The labelled rows are those :func:`retain.backtest.backtest` builds: from a
    :class:`~retain.Book` (``as_of`` the as-of dates, ``lead_days`` the snapshot lead, labels
    from the Book's churns) or from a snapshots frame and a ``churns`` frame; a row is 1 when the
    account churns in (as_of, as_of + horizon_days], inactive and unresolved rows are dropped.
    The scorer gives each row a risk exactly as there: a :class:`~retain.HealthModel` or
    :class:`~retain.ModelSet` (risk = 100 - score, each as-of date's rows scored on their own),
    a fitted model with ``predict_proba`` (on the ``features`` columns), a callable frame ->
    risk, or the name of a risk column. Rows without a risk (a health score of NaN) are left
    out.

    The latest ``ceil(holdout * n)`` of the n labelled as-of dates are held out. The map is
    fitted only on the dates whose horizon ends on or before the first held-out date
    (``as_of + horizon_days <= first held-out date``): the dates between are **purged**, so no
    label of the fit looks into the held-out period, and the held-out Brier score is an honest
    estimate of how the probabilities will do on new dates.

    Parameters
    ----------
    scorer : HealthModel, ModelSet, estimator, callable or str
        What gives the risk (higher = more likely to churn; a health model's score is
        inverted).
    book_or_snapshots : Book or pandas.DataFrame
        A Book (with ``as_of=``) or a snapshots frame (its dates in column ``as_of``).
    churns : pandas.DataFrame, optional
        The churns table, with a snapshots frame only.
    horizon_days : int, default 90
        The probability is that of churning within this many days after the as-of date.
    method : {"isotonic", "logistic"}, default "isotonic"
        ``"isotonic"``: scikit-learn's ``IsotonicRegression(out_of_bounds="clip")`` on the
        risk, increasing (decreasing in a health score), flexible and monotone.
        ``"logistic"``: ``LogisticRegression(penalty=None)`` on the risk (Platt scaling), a
        two-parameter sigmoid, steadier on little data.
    as_of : dates, optional
        The as-of dates to snapshot a Book at (required with a Book, refused with a frame).
    holdout : float, default 0.25
        Share of the labelled as-of dates held out, in (0, 1); at least one date must be left
        on each side.
    lead_days : int, default 0
        A Book's snapshots read data up to ``as_of - lead_days``.
    n_threads : int, optional
        Threads for snapshots, scoring and mapping (None: every core); results do not depend on
        it.
    observed_until, features, account, churned_at, returned_at
        As in :func:`retain.backtest.backtest`.

    Returns
    -------
    RiskCalibration
        ``churn_probability(frame)``, ``predict_proba(frame)``, the dates of each part, the
        held-out ``brier`` against ``brier_base_rate`` and ``reliability``.

    Raises
    ------
    retain.InputError
        An unknown method (the message lists the choices), a holdout outside (0, 1), fewer
        than two labelled as-of dates or a holdout leaving none to fit, no fit date whose
        horizon ends by the first held-out date, fit rows of one class only, a logistic fit
        the risk separates perfectly (no finite sigmoid is best), and the errors of
        :func:`retain.backtest.backtest`.

    Examples
    --------
    >>> cal = rt.calibrate_risk(model, book, as_of=month_ends, horizon_days=90)
    >>> cal.brier, cal.brier_base_rate
    >>> p = cal.churn_probability(book.snapshots(as_of=[today]))
    """
    if not isinstance(method, str) or method not in _METHODS:
        raise InputError(f"method: must be one of {list(_METHODS)}, got {method!r}")
    if (
        isinstance(holdout, (bool, np.bool_))
        or not isinstance(holdout, (int, float, np.integer, np.floating))
        or not 0 < holdout < 1
    ):
        raise InputError(
            f"holdout: the share of as-of dates held out, strictly between 0 and 1; got {holdout!r}"
        )
    threads = _frames.threads(n_threads)
    columns = {"account": account, "churned_at": churned_at, "returned_at": returned_at}
    labels, rows, account = _labelled(
        "calibrate_risk",
        book_or_snapshots,
        churns,
        as_of,
        lead_days,
        horizon_days,
        observed_until,
        columns,
        n_threads,
    )
    frame = labels.frame
    horizon = labels.horizon_days
    features = _feature_columns(frame, account, features)
    day = _frames.utc_days(frame["as_of"], "as_of")
    dates = np.unique(day)
    if len(dates) < 2:
        raise InputError(
            f"calibrate_risk: needs at least two labelled as-of dates (one to fit, one to check), "
            f"got {len(dates)}; dates whose {horizon}-day horizon ends after the last as-of date "
            "(or observed_until) have no labels yet"
        )
    # ceil of a product such as 0.3 * 10 = 3.0000000000000004 must be 3, not 4.
    n_hold = math.ceil(round(float(holdout) * len(dates), 9))
    if n_hold >= len(dates):
        raise InputError(
            f"holdout: {holdout!r} of {len(dates)} labelled as-of dates holds out {n_hold}, "
            "leaving none to fit; use a smaller holdout or more dates"
        )
    first_held = dates[len(dates) - n_hold]
    fit = day + horizon <= first_held
    held = day >= first_held
    if not fit.any():
        raise InputError(
            f"calibrate_risk: no as-of date's {horizon}-day horizon ends on or before the first "
            f"held-out date {pd.Timestamp(int(first_held), unit='D').date()}, so nothing is left "
            "to fit without looking into the held-out period; use more (earlier) dates, a "
            "shorter horizon or a smaller holdout"
        )

    with _rows_of(rows):
        risk = _risks(scorer, frame, features, n_threads)
    y = frame["label"].to_numpy(dtype=float)
    scored = ~np.isnan(risk)
    fit_rows = np.flatnonzero(fit & scored)
    held_rows = np.flatnonzero(held & scored)
    if len(fit_rows) == 0 or len(held_rows) == 0:
        which = "fit" if len(fit_rows) == 0 else "held-out"
        raise InputError(f"calibrate_risk: the scorer gives no risk to any {which} row")
    y_fit = y[fit_rows]
    churned = int(y_fit.sum())
    if churned in (0, len(y_fit)):
        raise InputError(
            f"calibrate_risk: the {len(y_fit)} fit rows have one class only "
            f"({'all churned' if churned else 'no churner'}); a calibration needs both: use more "
            "history, a longer horizon or a smaller holdout"
        )
    cal = _core.calibration.RiskCalibration.fit(
        method, np.ascontiguousarray(risk[fit_rows]), y_fit, _NO_WEIGHT, True
    )
    if method == "logistic" and not cal.converged:
        warnings.warn(
            f"calibrate_risk: the logistic fit stopped after {cal.n_iter} Newton steps before "
            "converging; its probabilities may be off in the last digits",
            ConvergenceWarning,
            stacklevel=2,
        )

    p = np.full(len(frame), np.nan)
    p[scored] = cal.predict(np.ascontiguousarray(risk[scored]), threads)
    y_held, p_held = y[held_rows], p[held_rows]
    base_rate = float(y_fit.mean())
    part = np.where(fit, "fit", np.where(held, "holdout", "purged"))
    keep = np.flatnonzero(scored)
    scores = pd.DataFrame(
        {
            account: frame[account].to_numpy()[keep],
            "as_of": frame["as_of"].to_numpy()[keep],
            "risk": risk[keep],
            "label": frame["label"].to_numpy()[keep],
            "p_churn": p[keep],
            "part": pd.Categorical(part[keep], categories=["fit", "purged", "holdout"]),
        }
    )
    return RiskCalibration(
        method=method,
        horizon_days=horizon,
        fit_dates=_day_stamps(np.unique(day[fit])),
        holdout_dates=_day_stamps(np.unique(day[held])),
        purged_dates=_day_stamps(np.unique(day[~fit & ~held])),
        n_fit=len(fit_rows),
        n_holdout=len(held_rows),
        base_rate=base_rate,
        brier=_metrics.brier(y_held, p_held),
        brier_base_rate=_metrics.brier(y_held, np.full(len(y_held), base_rate)),
        reliability=_metrics.calibration(y_held, p_held),
        scores=scores,
        _map=cal,
        _scorer=scorer,
        _features=features,
    )


# ----------------------------------------------------------------------------------- mrr_at_risk

_CORE_ROW = re.compile(r"^column '(\w+)', row (\d+): (.*)$", re.S)


def _by_account(values: Any, name: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise TypeError(
            f"{name} must be a pandas Series indexed by account id, got {type(values).__name__}"
        )
    duplicated = values.index.duplicated()
    if duplicated.any():
        raise InputError(
            f"{name}: account {_show(values.index[_frames.first_row(duplicated)])} appears more "
            "than once in the index"
        )
    return values


def _show(account: Any) -> str:
    """An id as a user wrote it: numpy scalars as plain numbers ('7', not 'np.int64(7)')."""
    return repr(account.item() if isinstance(account, np.generic) else account)


def _accounts(n: int) -> str:
    return "1 account" if n == 1 else f"{n:,} accounts"


def _aligned(values: Any, name: str, accounts: pd.Index) -> pd.Series:
    """``values`` (a Series by account) in the order of ``accounts``; an account in one and not
    the other is an InputError naming it."""
    values = _by_account(values, name)
    extra = values.index.difference(accounts, sort=False)
    if len(extra):
        raise InputError(
            f"{name}: account {_show(extra[0])} is not in probabilities "
            f"({_accounts(len(extra))} like it)"
        )
    missing = accounts.difference(values.index, sort=False)
    if len(missing):
        raise InputError(
            f"{name}: has no value for account {_show(missing[0])}, which is in probabilities "
            f"({_accounts(len(missing))} like it)"
        )
    return values.reindex(accounts)


def _numbers(values: pd.Series, name: str) -> np.ndarray:
    if not (
        pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
    ):
        raise InputError(f"{name}: must be numeric, got dtype {values.dtype}")
    floats: np.ndarray = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return floats


def mrr_at_risk(
    probabilities: pd.Series, mrr: pd.Series, by: Any = None, share: float = 0.8
) -> pd.DataFrame:
    """Expected MRR lost per group, and the accounts that make up most of it.

    Each account's expected loss is its churn probability times its MRR; a group's is the sum.
    Its top accounts are the fewest accounts, by decreasing expected loss (ties: the order of
    ``probabilities``), whose expected losses add up to at least ``share`` of the group's: the
    short list to work first. An account expected to lose nothing is never listed.

    Parameters
    ----------
    probabilities : pandas.Series
        Churn probability (in [0, 1]) per account, indexed by account id, e.g.
        ``RiskCalibration.churn_probability`` of one as-of date re-indexed by account.
    mrr : pandas.Series
        MRR (finite, >= 0) per account, indexed by the same ids (any order).
    by : pandas.Series or list of pandas.Series, optional
        Segment, owner, plan... per account, indexed by the same ids; several for a group per
        combination. None: one row, ``"all"``.
    share : float, default 0.8
        Share of each group's expected loss the top accounts make up, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per group (indexed by the group's value(s), named after the ``by`` Series),
        sorted by ``expected_mrr_lost`` descending (ties in group order): ``accounts``,
        ``mrr``, ``expected_mrr_lost``, ``share_of_mrr`` (expected lost / MRR; NaN for a group
        without MRR) and ``top_accounts`` (a list of account ids, largest expected loss first).

    Raises
    ------
    retain.InputError
        An account in one Series and not the other (named), a duplicate account, a missing
        group, a probability outside [0, 1] or missing, a negative or missing MRR (naming the
        account), ``share`` outside (0, 1].

    Examples
    --------
    >>> p = pd.Series({"a": 0.5, "b": 0.1, "c": 0.9})
    >>> mrr = pd.Series({"a": 100.0, "b": 1000.0, "c": 50.0})
    >>> rt.kpi.mrr_at_risk(p, mrr)
         accounts     mrr  expected_mrr_lost  share_of_mrr top_accounts
    all         3  1150.0              195.0      0.169565    [b, a, c]
    """
    probabilities = _by_account(probabilities, "probabilities")
    accounts = probabilities.index
    mrr = _aligned(mrr, "mrr", accounts)
    if isinstance(share, (bool, np.bool_)) or not isinstance(
        share, (int, float, np.integer, np.floating)
    ):
        raise InputError(f"share: must be a number in (0, 1], got {share!r}")
    if by is None:
        codes = np.zeros(len(accounts), dtype=np.int64)
        groups: pd.Index = pd.Index(["all"])
    else:
        keys = [by] if isinstance(by, pd.Series) else list(by) if isinstance(by, list) else None
        if not keys:
            raise TypeError("by must be None, a pandas Series or a list of them (per account)")
        names = [k.name if k.name is not None else f"by_{i}" for i, k in enumerate(keys)]
        if len(set(names)) < len(names):
            names = [f"by_{i}" for i in range(len(keys))]
        table = pd.DataFrame(
            {
                n: _aligned(k, f"by ({n})", accounts).to_numpy()
                for n, k in zip(names, keys, strict=True)
            },
            index=accounts,
        )
        for n in names:
            missing = table[n].isna().to_numpy()
            if missing.any():
                raise InputError(
                    f"by ({n}): account {_show(accounts[_frames.first_row(missing)])} has no group "
                    "(missing value)"
                )
        codes, groups = _frames.group_codes(table.reset_index(drop=True), names)

    p = _numbers(probabilities, "probabilities")
    amount = _numbers(mrr, "mrr")
    try:
        out = _core.calibration.mrr_at_risk(p, amount, codes, len(groups), float(share))
    except InputError as exc:
        match = _CORE_ROW.match(str(exc))
        if match is None:
            raise
        column, row, what = match.groups()
        name = "probabilities" if column == "probability" else column
        raise InputError(f"{name}: account {_show(accounts[int(row)])}: {what}") from None

    begin = out["top_begin"]
    top = out["top_accounts"]
    result = pd.DataFrame(
        {
            "accounts": out["accounts"],
            "mrr": out["mrr"],
            "expected_mrr_lost": out["expected_mrr_lost"],
        },
        index=groups,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        result["share_of_mrr"] = np.where(
            result["mrr"].to_numpy() > 0,
            result["expected_mrr_lost"].to_numpy() / result["mrr"].to_numpy(),
            np.nan,
        )
    result["top_accounts"] = [
        list(accounts[top[begin[g] : begin[g + 1]]]) for g in range(len(groups))
    ]
    return result.sort_values("expected_mrr_lost", ascending=False, kind="stable")
