"""Survival curves: how long accounts stay.

:func:`kaplan_meier` follows lifelines' ``KaplanMeierFitter`` conventions (Greenwood variance,
log(-log) interval, late entry), and gives the same numbers, as a plain DataFrame.
:func:`tenure` reads durations from a :class:`~retain.Book`, :func:`cohort_survivors` its
signing cohorts for :class:`ShiftedBetaGeometric`, and :func:`discounted_lifetime` turns a curve
into the discounted lifetime an LTV needs.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import InputError, not_fitted

__all__ = [
    "ShiftedBetaGeometric",
    "cohort_survivors",
    "discounted_lifetime",
    "kaplan_meier",
    "median_survival",
    "restricted_mean",
    "retention_curves",
    "tenure",
]

_KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper"]


def kaplan_meier(
    durations: Any,
    observed: Any = None,
    timeline: Any = None,
    alpha: float = 0.05,
    entry: Any = None,
    *,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Kaplan-Meier survival curve.

    ``durations`` (finite, >= 0) and ``observed`` (1 or True: the account churned; 0 or False:
    still a customer, censored; default: all churned) are 1-d array-likes of the same length.

    Returns a DataFrame with columns ``time at_risk events censored survival ci_lower ci_upper``.
    By default its times are 0 and every distinct duration: ``at_risk`` counts durations >= time,
    ``events`` and ``censored`` those equal to it. With ``timeline`` (increasing times) the curve
    is read at those times instead (survival 1 before the table's first time), ``events`` and
    ``censored`` counting the durations since the previous time. ``survival`` is the
    product-limit estimate; the ``1 - alpha`` interval is the log(-log) one with Greenwood's
    variance, 1 where it is undefined (survival 1). Survival, interval and median equal
    lifelines' ``KaplanMeierFitter``. ``alpha`` is kept in ``.attrs["alpha"]``. Empty input gives
    an empty table.

    ``entry`` (late entry, left truncation) is the time each account came under observation,
    ``0 <= entry <= duration``: an account that signed before tracking began is only at risk
    from its entry (see :meth:`retain.Book.tenure`). The table then equals lifelines'
    ``KaplanMeierFitter().fit(durations, observed, entry=entry)``: its times are every distinct
    entry and duration (0 only if one is 0), ``at_risk`` counts accounts with entry <= time <=
    duration, and the product's risk set at a time leaves out the accounts entering then (they
    join after its events; at the first time they are counted). An account entering and leaving
    at the same time is thus an event without being at risk, as in lifelines; where such events
    outnumber the risk set, survival does not step and the interval may be undefined (1).
    lifelines refuses a table whose risk set empties early (``StatError``); retain computes it.
    ``n_threads`` (None: every core) fills the table; the result does not depend on it.
    Durations that are whole numbers or decimals of up to 6 places (days; months to 4 decimals)
    are counted without a sort when they span at most about 4 steps per duration; a boolean
    ``observed`` is read in place, not copied.
    """
    d, d_name = _frames.vector(durations, "durations")
    o, o_name = (np.empty(0), "observed") if observed is None else _flags(observed)
    t = np.empty(0) if timeline is None else _frames.vector(timeline, "timeline")[0]
    e, e_name = (None, "entry") if entry is None else _frames.vector(entry, "entry")
    if e is not None and len(e) != len(d):
        raise InputError(
            f"columns differ in length: {d_name!r} has {len(d)} rows, {e_name!r} {len(e)}"
        )
    columns = _core.survival.kaplan_meier(
        d, o, t, float(alpha), d_name, o_name, e, e_name, _frames.threads(n_threads)
    )
    # The core's arrays become the columns as they are (no copy into one block).
    km = pd.DataFrame({name: columns[name] for name in _KM_COLUMNS}, copy=False)
    km.attrs["alpha"] = float(alpha)
    return km


def _flags(observed: Any) -> tuple[np.ndarray, str]:
    """Observed flags for the core: a numpy-boolean column or array as it is (the core reads its
    bytes in place), anything else as float64 through ``_frames.vector`` (which rejects other
    values and turns missing ones, as in a nullable ``boolean`` column, into NaN for the core)."""
    if (
        isinstance(observed, (pd.Series, pd.Index, np.ndarray))
        and observed.dtype == np.bool_
        and observed.ndim == 1
    ):
        name = getattr(observed, "name", None) or "observed"
        return np.asarray(observed), str(name)
    return _frames.vector(observed, "observed", allow_bool=True)


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
    entry: Any = None,
) -> pd.DataFrame:
    """One Kaplan-Meier curve per segment (plan, cohort, tier, ...) of ``frame``.

    ``by`` is a column name or a list of them; the result stacks the curves with the ``by``
    columns first, segments in sorted order (a missing segment key is an error naming the row).
    Pass a common ``timeline`` to compare segments at the same times. ``entry``, a column name,
    gives late entries (see :func:`kaplan_meier`), as in the frame of :meth:`retain.Book.tenure`.
    The curves are computed in C++ in one call, segments in parallel.
    """
    frame = _frames.require_frame(frame, "the survival table")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    needed = [*keys, duration, observed] + ([] if entry is None else [entry])
    _frames.require_columns(frame, needed, "the survival table")
    if len(frame) == 0:
        empty = kaplan_meier([])
        for i, name in enumerate(keys):
            empty.insert(i, name, pd.Series([], dtype=frame[name].dtype))
        return empty
    codes, groups = _frames.group_codes(frame, keys)
    d, d_name = _frames.vector(frame[duration], "durations")
    o, o_name = _frames.vector(frame[observed], "observed", allow_bool=True)
    t = np.empty(0) if timeline is None else _frames.vector(timeline, "timeline")[0]
    e, e_name = (None, "entry") if entry is None else _frames.vector(frame[entry], "entry")
    curves = _core.survival.retention_curves(
        codes,
        len(groups),
        d,
        o,
        t,
        float(alpha),
        d_name,
        o_name,
        ", ".join(map(str, keys)),
        e,
        e_name,
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


def discounted_lifetime(
    km: pd.DataFrame, horizon: float, discount_rate: float = 0.0, period: float = 1.0
) -> float:
    """Discounted expected lifetime, in payments, read from a :func:`kaplan_meier` curve: the
    survival-based lifetime of an LTV (LTV = ARPA x gross margin x this, with monthly periods).

    One payment at the start of each period of length ``period`` (in the curve's time unit),
    made if the account is still there, each discounted by ``1 + discount_rate`` per period::

        sum over t = 0, 1, ... while t * period < horizon of S(t * period) / (1 + d) ** t

    with S the curve as a right-continuous step function (1 before its first time, its last
    survival after its last time). With S(t) = (1 - c) ** t and an infinite horizon this is
    (1 + d) / (d + c), the discounted lifetime of :func:`retain.kpi.ltv`. ``horizon`` >= 0
    (``inf`` allowed when ``discount_rate`` > 0 or the curve reaches 0), ``discount_rate`` >= 0
    per period, ``period`` > 0; an empty curve is an error.

    >>> km = rt.survival.kaplan_meier(tenure_months, churned)
    >>> rt.survival.discounted_lifetime(km, horizon=36, discount_rate=0.01)
    """
    time, surv = _curve(km)
    return _core.survival.discounted_lifetime(
        time,
        surv,
        _number(horizon, "horizon"),
        _number(discount_rate, "discount_rate"),
        _number(period, "period"),
    )


def _number(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise InputError(f"{name}: must be a number, got {value!r}")
    return float(value)


# ------------------------------------------------------------------------- from a Book


def tenure(book: Any, as_of: Any, start: Any = None) -> pd.DataFrame:
    """Each account's tenure as of a date, from a :class:`~retain.Book`, ready for
    :func:`kaplan_meier` (``Book.tenure`` calls this).

    The rules (days and dates in the Book's time zone):

    - the accounts are those signed on or before ``as_of``, in the accounts table's order;
    - an account's churn is its first churn on or before ``as_of`` (a returning account counts
      as lost at its first churn) of: its churn records, and the months g in which the MRR
      bridge shows it stop paying (MRR > 0 in g - 1, none in g, g not past the MRR table's last
      month), dated the first day of g — with a churns table, only those no record is dated
      near (in g - 1 or g), the churns :func:`retain.kpi.churn_reasons` files as
      ``"unrecorded"``. A Book with neither table is an error;
    - ``duration`` = churn day - signing day when churned, else ``as_of`` - signing day
      (censored); a churn dated before the signing day is an error naming the account;
    - ``start`` is when observation began (left truncation): by default the first day of the
      Book's first MRR month when it has MRR (accounts signed before it could have churned
      unseen), else no truncation (the earliest signing day). ``entry`` = max(0, start - signing
      day) in days. Accounts that churned before ``start`` could not have been seen: they are
      left out and counted in ``.attrs["left_out"]``.

    ``as_of`` and ``start`` are dates (text, datetime, Timestamp; tz-aware values are converted
    to the Book's zone, naive ones are its wall time), ``start`` not after ``as_of``.

    Returns a DataFrame indexed by account id (named as the Book's id column) with columns
    ``signed_at`` (the signing day, datetime64), ``duration`` (int days), ``churned`` (bool) and
    ``entry`` (int days); ``.attrs`` holds ``left_out``, ``as_of`` and ``start``.

    >>> t = book.tenure("2024-06-30")
    >>> rt.survival.kaplan_meier(t["duration"], t["churned"], entry=t["entry"])
    """
    book = _require_book(book)
    as_of_day = _day(book, as_of, "as_of")
    start_day = None if start is None else _day(book, start, "start")
    out = _with_account_ids(book, _core.survival.tenure, book._core, as_of_day, start_day)
    index = book.ids.take(out["account"])
    index.name = book.ids.name
    frame = pd.DataFrame(
        {
            "signed_at": _midnights(out["signed_day"]),
            "duration": np.asarray(out["duration"], dtype=np.int64),
            "churned": np.asarray(out["churned"]).astype(bool),
            "entry": np.asarray(out["entry"], dtype=np.int64),
        },
        index=index,
    )
    frame.attrs["left_out"] = int(out["left_out"])
    frame.attrs["as_of"] = _midnight(out["as_of"])
    frame.attrs["start"] = _midnight(out["start"])
    return frame


def cohort_survivors(book: Any, as_of: Any = None, start: Any = None) -> pd.DataFrame:
    """Survivor counts of a :class:`~retain.Book`'s signing-month cohorts, as
    :meth:`ShiftedBetaGeometric.fit_cohorts` fits them.

    Periods are calendar anniversaries: an account signed on day s has completed t periods on
    its t-month anniversary (the same day of the month t months later, the month's last day when
    it is shorter: Jan 31 + 1 month is Feb 28 or 29). Its churn (the first one, as in
    :func:`tenure`) falls in period t >= 1 when it is after the (t - 1)-month anniversary and on
    or before the t-month one (a churn on the signing day is in period 1). Column t counts the
    cohort's accounts not churned by their t-month anniversary (column 0: the cohort's size), for
    every t whose anniversary is on or before ``as_of`` for every account of the cohort; NaN
    after. Cohorts with an account signed before ``start`` (default as in :func:`tenure`) are
    left out, their early churners being unknown, as are cohorts without a fully observed
    period; both are listed in ``.attrs["skipped_before_start"]`` and
    ``.attrs["skipped_unobserved"]``.

    ``as_of`` defaults to the last day of data the Book has (the last day of its last MRR month,
    or its latest date in any table).

    Returns a DataFrame indexed by cohort (``Period[M]``, named ``cohort``) with one column per
    age 0, 1, ... (float counts); ``.attrs`` also holds ``as_of`` and ``start``.
    """
    book = _require_book(book)
    as_of_day = _last_day(book) if as_of is None else _day(book, as_of, "as_of")
    start_day = None if start is None else _day(book, start, "start")
    out = _with_account_ids(book, _core.survival.cohort_survivors, book._core, as_of_day, start_day)
    counts = out["survivors"]
    width = max((len(c) for c in counts), default=0)
    values = np.full((len(counts), width), np.nan)
    for k, c in enumerate(counts):
        values[k, : len(c)] = c
    index = pd.PeriodIndex.from_ordinals(np.asarray(out["cohort"], dtype=np.int64), freq="M")
    index.name = "cohort"
    frame = pd.DataFrame(values, index=index, columns=pd.RangeIndex(width, name="age"))
    frame.attrs["as_of"] = _midnight(out["as_of"])
    frame.attrs["start"] = _midnight(out["start"])
    frame.attrs["skipped_before_start"] = [
        pd.Period(ordinal=m, freq="M") for m in out["before_start"]
    ]
    frame.attrs["skipped_unobserved"] = [pd.Period(ordinal=m, freq="M") for m in out["unobserved"]]
    return frame


def _require_book(book: Any) -> Any:
    from .book import Book

    if not isinstance(book, Book):
        raise TypeError(f"book must be a retain.Book, got {type(book).__name__}")
    return book


def _day(book: Any, value: Any, name: str) -> int:
    """The day number of one date in the Book's zone (as Book.snapshots reads its as-of dates)."""
    if isinstance(value, (bool, np.bool_, int, float, np.number)) or value is None:
        raise InputError(f"{name}: give a date (text, datetime or Timestamp), got {value!r}")
    if not isinstance(value, str) and hasattr(value, "__len__"):
        raise InputError(f"{name}: give one date, got {type(value).__name__} of {len(value)}")
    try:
        stamp = pd.to_datetime(value, format=_frames.iso_format([value]))
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: cannot read the date {value!r}") from exc
    if pd.isna(stamp):
        raise InputError(f"{name}: missing date (NaT)")
    stamp = pd.Timestamp(stamp)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(book.tz).tz_localize(None)
    return int(np.datetime64(stamp.to_datetime64(), "D").astype(np.int64))


def _last_day(book: Any) -> int:
    """The last day of data the Book has: its last MRR month's last day, or its latest date."""
    last = book._last_data_day()
    if last is None:
        raise InputError("as_of: the Book has no dated rows to take a default from; give as_of")
    return int(last)


def _midnight(day: int) -> pd.Timestamp:
    return pd.Timestamp(int(day), unit="D")


def _midnights(days: Any) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


_ACCOUNT_ROW = re.compile(r"^account in row (\d+) of the accounts table")


def _with_account_ids(book: Any, fn: Any, *args: Any) -> Any:
    """Calls the core, naming an account at fault by its id: the core names it by its row in the
    accounts table, which is all it knows."""
    try:
        return fn(*args)
    except InputError as exc:
        match = _ACCOUNT_ROW.match(str(exc))
        if match is None or exc.row is None:
            raise
        error = InputError(f"account {book.ids[exc.row]!r}" + str(exc)[match.end() :])
        error.table, error.row = "accounts", exc.row
        raise error from None


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
        sbg = rt.survival.ShiftedBetaGeometric().fit_cohorts(book)  # every signing cohort

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
        return self._learn(model, len(counts) - 1, "fit")

    def fit_cohorts(
        self, book: Any, cohort: str = "signed", as_of: Any = None, start: Any = None
    ) -> ShiftedBetaGeometric:
        """Joint maximum-likelihood fit of one (alpha, beta) to a Book's cohorts (Fader and
        Hardie's multi-cohort likelihood): in each cohort the accounts lost in period t add
        log P(T = t) each, and the survivors of its last observed period log S(T).

        ``cohort="signed"`` (the only choice so far) groups accounts by signing month; the counts
        are :func:`cohort_survivors` of ``book`` with ``as_of`` (default: the last day of data the
        Book has) and ``start``, which count each account lost at its first churn, so returning
        accounts do not make survivors rise as naive counts of paying accounts do. ``book`` may
        also be such a table itself (cohorts as rows, ages as columns, NaN after the last
        observed age). Cohorts too small to fit (no completed period, nobody churned, no cohort
        with two periods) are an error listing them. Returns the model; ``survivors_`` holds the
        counts fitted. Warns (RuntimeWarning) if the fit did not converge."""
        from .book import Book

        if cohort != "signed":
            raise InputError(f"cohort: must be one of 'signed', got {cohort!r}")
        if isinstance(book, Book):
            table = cohort_survivors(book, as_of=as_of, start=start)
        elif isinstance(book, pd.DataFrame):
            table = book
        else:
            raise TypeError(
                "fit_cohorts takes a retain.Book or a table of cohort_survivors, got "
                f"{type(book).__name__}"
            )
        counts, names = [], []
        for label, row in table.iterrows():
            values = row.to_numpy(dtype=np.float64, na_value=np.nan)
            seen = ~np.isnan(values)
            n = int(seen.sum())
            if not seen[:n].all():
                raise InputError(
                    f"cohort {label}: survivors are missing (NaN) before age {n - 1}; only the "
                    "ages after the last observed one may be NaN"
                )
            counts.append(values[:n])
            names.append(str(label))
        if not counts:
            skipped = {
                key: [str(p) for p in table.attrs.get(key, [])]
                for key in ("skipped_before_start", "skipped_unobserved")
            }
            raise InputError(
                "the cohorts are too small to fit the sBG model: no cohort has a fully observed "
                f"period (cohorts signed before start: {skipped['skipped_before_start']}; "
                f"without a full period by as_of: {skipped['skipped_unobserved']})"
            )
        model = _core.survival.ShiftedBetaGeometric.fit_cohorts(
            counts, int(self.max_iter), float(self.tol), names
        )
        self._learn(model, max(len(c) for c in counts) - 1, "fit_cohorts")
        self.survivors_ = table
        return self

    def _learn(
        self, model: _core.survival.ShiftedBetaGeometric, n_periods: int, method: str
    ) -> ShiftedBetaGeometric:
        if not model.converged:
            churn = model.alpha / (model.alpha + model.beta)
            drift = (
                f" alpha and beta ({model.alpha:.3g}, {model.beta:.3g}) are running off together, "
                f"which is the limit where every customer churns at the same rate ({churn:.2%} a "
                "period): the counts show no spread in churn rates, a geometric model fits as "
                "well"
                if model.alpha + model.beta > 1e4
                else " the counts may not identify alpha and beta"
            )
            warnings.warn(
                f"ShiftedBetaGeometric.{method} stopped after {model.iterations} iterations "
                f"without converging (max_iter={self.max_iter});{drift}",
                RuntimeWarning,
                stacklevel=3,
            )
        self._model = model
        self.alpha_, self.beta_ = model.alpha, model.beta
        self.log_likelihood_ = model.log_likelihood
        self.n_periods_ = n_periods
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

    def _fitted(self) -> _core.survival.ShiftedBetaGeometric:
        if not hasattr(self, "_model"):
            raise not_fitted("ShiftedBetaGeometric: not fitted yet; call fit(survivors) first")
        return self._model

    def _each(self, method: str, t: Any) -> Any:
        fn = getattr(self._fitted(), method)
        if np.ndim(t) == 0:
            return fn(float(t))
        return np.array([fn(float(x)) for x in np.asarray(t, dtype=np.float64)])
