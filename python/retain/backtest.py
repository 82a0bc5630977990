"""Backtesting churn models without look-ahead: :func:`backtest`, :func:`walk_forward` and
:func:`fit_weights`, on a :class:`~retain.Book` (``as_of=`` the as-of dates) or on a snapshots
frame with a churns frame. The pieces they stand on live in their own modules and are reachable
here too: churn labels (:mod:`retain.labels`), point-in-time snapshots from DataFrames
(:mod:`retain.snapshots`) and cross-validation splits by calendar date (:mod:`retain.splits`).

Conventions, the same in every function:

- A **day** is a calendar day of the Book's time zone (``tz=``, UTC by default); for
  DataFrames, a UTC day (naive datetimes read as UTC, tz-aware ones converted to UTC). A time of
  day is dropped (``'2024-03-31 08:00'`` is the day 2024-03-31).
- An **as-of date** t includes everything dated on day t; a snapshot at t never reads a row dated
  after its cutoff (t - ``lead_days``), and a label at t looks at churns in (t, t + horizon].
  ``as_of`` always means dates: the snapshot frame's date column is named ``as_of``.
- **Point in time without exception**: a health model scores each as-of date's rows on their
  own, so a percentile measure ranks within its own date (or against a calibrated reference).
- Bad values are :class:`~retain.InputError` naming the column and the 0-based row; a missing
  column is a :class:`~retain.ColumnError` naming it.
"""

from __future__ import annotations

import itertools
import sys
import types
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from . import metrics as _metrics
from .errors import InputError, RetainError, RetainWarning
from .health_model import renumbered
from .labels import ChurnLabels, _label, label_churn, warn_if_nothing_resolved
from .snapshots import snapshots
from .splits import TimeSplits, time_splits

__all__ = [
    "BacktestResult",
    "ChurnLabels",
    "TimeSplits",
    "WeightFit",
    "backtest",
    "fit_weights",
    "label_churn",
    "snapshots",
    "time_splits",
    "walk_forward",
]


# ------------------------------------------------------------------------------------- backtest

#: Metrics of a per-date or pooled row, in column order; brier and log_loss only when the risks
#: are probabilities.
_RANKING = ("roc_auc", "pr_auc", "lift_top10", "precision_top10", "recall_top10")
_PROBABILITY = ("brier", "log_loss")


@dataclass(frozen=True, repr=False)
class BacktestResult:
    """What :func:`backtest` and :func:`walk_forward` return.

    ``per_date``: one row per as-of date (index ``as_of``) with ``n``, ``churners``,
    ``churn_rate``, ``roc_auc``, ``pr_auc``, ``lift_top10``, ``precision_top10``,
    ``recall_top10`` and, for probabilities, ``brier`` and ``log_loss``; a metric the date cannot
    define (one class only) is NaN and ``reason`` says why. ``pooled``: the same over all rows
    (a Series, so ``pooled["roc_auc"]`` works), with ``roc_auc_lower``/``roc_auc_upper``, a
    bootstrap 95 % interval resampling accounts, when ``n_boot`` > 0. ``scores``: account,
    as_of, risk and label of every row scored. ``dropped``: rows left out, by rule.
    """

    per_date: pd.DataFrame
    pooled: pd.Series
    scores: pd.DataFrame
    dropped: dict[str, int]
    probabilities: bool

    def summary(self) -> str:
        """A few lines a person can read: rows, churn rate, pooled metrics, the date range."""
        p = self.pooled
        lines = [
            f"{int(p['n']):,} rows on {len(self.per_date)} as-of dates, "
            f"{int(p['churners']):,} churners ({p['churn_rate']:.1%})",
        ]
        if self.dropped:
            lines.append("dropped: " + ", ".join(f"{k} {v:,}" for k, v in self.dropped.items()))
        auc = f"ROC AUC {p['roc_auc']:.3f}"
        if "roc_auc_lower" in p.index:
            auc += f" (95 % bootstrap interval {p['roc_auc_lower']:.3f}-{p['roc_auc_upper']:.3f})"
        lines.append(
            f"{auc}, PR AUC {p['pr_auc']:.3f}, lift in the top 10 % {p['lift_top10']:.2f}x, "
            f"precision {p['precision_top10']:.3f}, recall {p['recall_top10']:.3f}"
        )
        if self.probabilities:
            lines.append(f"Brier {p['brier']:.4f}, log loss {p['log_loss']:.4f}")
        dated = self.per_date["roc_auc"].dropna()
        if len(dated):
            lines.append(
                f"per-date ROC AUC from {dated.min():.3f} to {dated.max():.3f} "
                f"(median {dated.median():.3f})"
            )
        return "\n".join(lines)

    def plot(self, bins: int = 10) -> Any:
        """ROC curve, lift by risk decile and calibration (probabilities) of the pooled rows, with
        matplotlib (imported here, so retain does not need it otherwise). Returns the figure."""
        import matplotlib.pyplot as plt

        y = self.scores["label"].to_numpy(dtype=float)
        risk = self.scores["risk"].to_numpy(dtype=float)
        panels = 3 if self.probabilities else 2
        fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 4))
        roc = _metrics.roc_curve(y, risk)
        axes[0].plot(roc["fpr"], roc["tpr"])
        axes[0].plot([0, 1], [0, 1], linestyle=":", color="grey")
        axes[0].set(
            xlabel="false positive rate",
            ylabel="true positive rate",
            title=f"ROC (AUC {self.pooled['roc_auc']:.3f})",
        )
        tops = np.arange(1, bins + 1) / bins
        lifts = [_metrics.lift(y, risk, top=t) for t in tops]
        axes[1].bar(tops * 100, lifts, width=80 / bins)
        axes[1].axhline(1.0, linestyle=":", color="grey")
        axes[1].set(xlabel="top % by risk", ylabel="lift", title="Cumulative lift")
        if self.probabilities:
            cal = _metrics.calibration(y, risk, bins=bins)
            axes[2].plot(cal["mean_predicted"], cal["observed"], marker="o")
            axes[2].plot([0, 1], [0, 1], linestyle=":", color="grey")
            axes[2].set(xlabel="mean predicted", ylabel="observed churn rate", title="Calibration")
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return "BacktestResult(\n  " + self.summary().replace("\n", "\n  ") + "\n)"


def _evaluate(
    scores: pd.DataFrame,
    probabilities: bool,
    dropped: dict[str, int],
    n_boot: int,
    seed: int,
    account: Any,
    n_threads: int | None = None,
) -> BacktestResult:
    """Per-date and pooled metrics of a frame of (account, as_of, risk, label) rows."""
    y = scores["label"].to_numpy(dtype=float)
    risk = scores["risk"].to_numpy(dtype=float)
    dates, date_code = np.unique(scores["as_of"].to_numpy(), return_inverse=True)
    codes = date_code.astype(np.int64)
    core = _core.backtest.evaluate_by_date(
        codes, len(dates), y, risk, probabilities, _frames.threads(n_threads)
    )
    names = ("n", "churners", "churn_rate", *_RANKING, *(_PROBABILITY if probabilities else ()))
    per_date = pd.DataFrame({k: core[k] for k in names}, index=pd.Index(dates, name="as_of"))
    per_date[["n", "churners"]] = per_date[["n", "churners"]].astype(np.int64)
    per_date["reason"] = core["reason"]
    whole = _core.backtest.evaluate_by_date(np.zeros(len(y), np.int64), 1, y, risk, probabilities)
    pooled = pd.Series({k: whole[k][0] for k in names}, name="pooled", dtype=object)
    pooled["reason"] = whole["reason"][0]
    if n_boot:
        lower, upper = _bootstrap_auc(y, risk, scores[account], n_boot, seed)
        pooled["roc_auc_lower"], pooled["roc_auc_upper"] = lower, upper
    return BacktestResult(per_date, pooled, scores, dropped, probabilities)


def _bootstrap_auc(
    y: np.ndarray, risk: np.ndarray, accounts: pd.Series, n_boot: int, seed: int
) -> tuple[float, float]:
    """A percentile 95 % interval for the pooled ROC AUC, resampling whole accounts (an
    account's rows move together: they are not independent)."""
    codes, uniques = pd.factorize(accounts)
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(n_boot):
        weight = np.bincount(rng.integers(0, len(uniques), len(uniques)), minlength=len(uniques))
        w = weight[codes].astype(float)
        positive = float(w @ y)
        if 0 < positive < w.sum():  # a replicate with one class says nothing
            aucs.append(_metrics.roc_auc(y, risk, sample_weight=w))
    if not aucs:
        return np.nan, np.nan
    return float(np.quantile(aucs, 0.025)), float(np.quantile(aucs, 0.975))


def _feature_columns(frame: pd.DataFrame, account: Any, features: Any = None) -> list[Any]:
    """The columns a model is given: ``features`` (checked to be there), or all but account,
    as_of and label, in their order."""
    if features is None:
        return [c for c in frame.columns if c not in (account, "as_of", "label")]
    if isinstance(features, str) or not hasattr(features, "__iter__"):
        raise InputError(f"features: give a list of column names, got {features!r}")
    columns = list(features)
    _frames.require_columns(frame, columns, "the snapshots table")
    return columns


#: The column keywords of the DataFrame path, with their defaults.
_COLUMN_DEFAULTS = {
    "account": "account_id",
    "churned_at": "churned_at",
    "returned_at": "returned_at",
}


def _labelled(
    who: str,
    snapshots: Any,
    churns: Any,
    as_of: Any,
    lead_days: Any,
    horizon_days: Any,
    observed_until: Any,
    columns: dict[str, Any],
    n_threads: int | None = None,
) -> tuple[ChurnLabels, np.ndarray, Any]:
    """The labelled snapshot rows, the positions (in the snapshot rows) of those kept, and the
    account column's name. From a Book: its snapshots at the ``as_of`` dates (``lead_days``)
    labelled from its churns; else from a snapshots frame and a churns frame."""
    from .book import Book

    if isinstance(snapshots, Book):
        book = snapshots
        if churns is not None:
            raise InputError(
                f"{who}: with a Book the churns come from the Book; leave out churns (the "
                "argument after the Book) and give the as-of dates as as_of=..."
            )
        named = [f"{k}=" for k, v in columns.items() if v != _COLUMN_DEFAULTS[k]]
        if named:
            raise InputError(
                f"{who}: {', '.join(named)} name columns of DataFrames; a Book knows its columns "
                "(map yours with Book(..., columns=...))"
            )
        if as_of is None:
            raise InputError(f"{who}: as_of: give the as-of dates to snapshot the Book at")
        if "churns" not in book.tables:
            raise InputError(
                f"{who}: the Book has no churns table, so no row can be labelled; build it with "
                "Book(..., churns=...)"
            )
        frame = book.snapshots(as_of, lead_days=lead_days, n_threads=n_threads)
        # Only active rows are snapshotted: their `active` column is True throughout and says
        # nothing, so it is no feature.
        frame = frame.drop(columns="active")
        labels = book._labels(frame, horizon_days, observed_until, None)
        # The Book's snapshots have a RangeIndex: the kept rows' index is their position.
        return labels, labels.frame.index.to_numpy(), book.ids.name
    if as_of is not None:
        raise InputError(
            f"{who}: as_of= gives the dates to snapshot a Book at; a snapshots frame has its "
            "dates in its column 'as_of' (as_of= no longer names a column)"
        )
    if not (isinstance(lead_days, (int, np.integer)) and lead_days == 0):
        raise InputError(
            f"{who}: lead_days= applies when snapshotting a Book; build the snapshots frame "
            "with the lead you want (rt.snapshots(..., lead_days=...))"
        )
    if churns is None:
        raise TypeError(f"{who}: give the churns table (or a Book in place of the snapshots)")
    labels, keep = _label(
        snapshots,
        churns,
        horizon_days,
        observed_until,
        columns["account"],
        columns["churned_at"],
        columns["returned_at"],
    )
    return labels, keep, columns["account"]


def _date_parts(day: np.ndarray) -> Sequence[slice | np.ndarray]:
    """The rows of each as-of date, in date order: slices (views, no copy) when the rows are
    already grouped by ascending date, else arrays of positions."""
    if len(day) == 0:
        return []
    step = np.diff(day)
    if (step >= 0).all():
        bounds = [0, *(np.flatnonzero(step) + 1).tolist(), len(day)]
        return [slice(a, b) for a, b in itertools.pairwise(bounds)]
    order = np.argsort(day, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(day[order])) + 1)


@contextmanager
def _rows_of(positions: np.ndarray) -> Iterator[None]:
    """Errors raised on a subset of rows name the rows of the whole: "row N" -> positions[N]."""
    try:
        yield
    except RetainError as exc:
        new = renumbered(exc, positions)
        if new is None:
            raise
        raise new.with_traceback(exc.__traceback__) from None


def _risk_of(
    scorer: Any,
    frame: pd.DataFrame,
    features: list[Any],
    n_threads: int | None = None,
    day: np.ndarray | None = None,
) -> tuple[np.ndarray, bool]:
    """Risk per row of ``frame`` and whether it is a probability, for each kind of scorer. A
    health model scores the rows of each as-of date (``day``) on their own: a percentile
    measure ranks an account among the accounts of its own date, never of other dates."""
    from .health_model import HealthModel, ModelSet

    if isinstance(scorer, (HealthModel, ModelSet)):
        if day is None:
            day = _frames.utc_days(frame["as_of"], "as_of")
        score = scorer._score_parts(frame, _date_parts(day), n_threads)
        return 100.0 - score, False
    if isinstance(scorer, str):
        _frames.require_columns(frame, [scorer], "the snapshots table")
        column = frame[scorer]
        if not pd.api.types.is_numeric_dtype(column.dtype):
            raise InputError(f"risk column {scorer!r} must be numeric, got dtype {column.dtype}")
        return column.to_numpy(dtype=float, na_value=np.nan), False
    if hasattr(scorer, "predict_proba"):
        proba = np.asarray(scorer.predict_proba(frame[features]), dtype=float)
        if proba.ndim != 2 or proba.shape[0] != len(frame):
            raise InputError(
                f"scorer.predict_proba returned shape {proba.shape}, expected ({len(frame)}, 2)"
            )
        return proba[:, -1], True
    if callable(scorer):
        risk = np.asarray(scorer(frame), dtype=float)
        if risk.shape != (len(frame),):
            raise InputError(f"the scorer returned {risk.shape} risks for {len(frame)} rows")
        return risk, False
    raise TypeError(
        "scorer must be a HealthModel, a fitted model with predict_proba, a callable frame -> "
        f"risk, or the name of a risk column; got {type(scorer).__name__}"
    )


def _scores_frame(
    frame: pd.DataFrame, risk: np.ndarray, account: Any, dropped: dict[str, int]
) -> pd.DataFrame:
    """account, as_of, risk, label of the rows with a risk; rows without one (a health score
    of NaN: nothing present) are counted in ``dropped["unscored"]``."""
    if np.isinf(risk).any():
        row = _frames.first_row(np.isinf(risk))
        raise InputError(f"the scorer gave an infinite risk at row {row}")
    scored = ~np.isnan(risk)
    dropped["unscored"] = int((~scored).sum())
    keep = np.flatnonzero(scored)
    return pd.DataFrame(
        {
            account: frame[account].to_numpy()[keep],
            "as_of": frame["as_of"].to_numpy()[keep],
            "risk": risk[keep],
            "label": frame["label"].to_numpy()[keep],
        },
        copy=False,  # fresh arrays: pandas need not copy them into one block
    )


def backtest(
    scorer: Any,
    snapshots: Any,
    churns: pd.DataFrame | None = None,
    horizon_days: int = 90,
    observed_until: Any = None,
    n_boot: int = 0,
    random_state: int = 0,
    *,
    as_of: Any = None,
    lead_days: int = 0,
    features: Any = None,
    n_threads: int | None = None,
    account: Any = "account_id",
    churned_at: Any = "churned_at",
    returned_at: Any = "returned_at",
) -> BacktestResult:
    """How well ``scorer`` would have foreseen churn at every as-of date.

    ``snapshots`` is a :class:`~retain.Book` — then ``as_of`` is the list of as-of dates, the
    rows are ``book.snapshots(as_of, lead_days=lead_days)`` (active accounts only, so without
    the constant ``active`` column) and the labels come from
    ``book.labels`` (the Book's churns; leave ``churns`` out) — or a snapshots DataFrame (one row
    per account and date, the date in its column ``as_of``) with a ``churns`` DataFrame
    (``account``, ``churned_at``[, ``returned_at``]), labelled by :func:`label_churn`. Either way
    a row is labelled 1 when the account churns in ``(as_of, as_of + horizon_days]``; inactive
    and unresolved rows are dropped; the rest are scored and measured per date and pooled.

    ``scorer`` is a :class:`~retain.HealthModel` or :class:`~retain.ModelSet` (risk = 100 - score;
    rows the model cannot score, NaN, are dropped as "unscored"; the rows of each as-of date are
    scored on their own, so a percentile measure ranks an account within its own date, or against
    the reference of a calibrated model, never among other dates' rows), a fitted model with
    ``predict_proba`` (risk = probability of churn, given the ``features`` columns, by default all
    but account and as_of, in their order: a Book's snapshots carry the account attributes, so pass
    the numeric ones a plain estimator takes), a callable frame -> risk, or the name of a column of
    precomputed risk. ``n_boot`` > 0 adds a bootstrap 95 % interval of the pooled ROC AUC,
    resampling whole accounts: each replicate draws as many accounts as are scored, with
    replacement (``numpy.random.default_rng(random_state).integers(0, n, n)``, accounts numbered
    in order of first appearance in ``scores``), weights each row by its account's draws, skips a
    replicate with one class, and the bounds are the 2.5 % and 97.5 % quantiles (numpy's linear
    rule) of the replicates' AUCs. ``n_threads`` (None: every core) is used for scoring
    and the per-date metrics; results do not depend on it. Errors name the rows of the snapshots
    (the frame given, or the Book's snapshots).

    Returns a :class:`BacktestResult` (``per_date``, ``pooled``, ``scores``, ``summary()``,
    ``plot()``).

    >>> result = rt.backtest(model, book, as_of=month_ends, horizon_days=90)
    >>> result = rt.backtest(model, snaps, churns, horizon_days=90)   # DataFrames
    >>> result.per_date[["n", "churners", "roc_auc"]]
    >>> print(result.summary())
    """
    columns = {"account": account, "churned_at": churned_at, "returned_at": returned_at}
    labels, rows, account = _labelled(
        "backtest",
        snapshots,
        churns,
        as_of,
        lead_days,
        horizon_days,
        observed_until,
        columns,
        n_threads,
    )
    n_boot = _frames.whole(n_boot, "n_boot")
    if n_boot < 0:
        raise InputError(f"n_boot: must be >= 0, got {n_boot}")
    frame = labels.frame
    features = _feature_columns(frame, account, features)
    dropped = dict(labels.dropped)
    with _rows_of(rows):
        risk, probabilities = _risk_of(scorer, frame, features, n_threads)
        scores = _scores_frame(frame, risk, account, dropped)
    seed = _frames.whole(random_state, "random_state")
    result = _evaluate(scores, probabilities, dropped, n_boot, seed, account, n_threads)
    # Said last, once every input has passed: only a result that comes back can be all NaN.
    warn_if_nothing_resolved("backtest", labels, stacklevel=2)
    if len(scores) == 0 and dropped.get("unscored", 0) > 0:
        warnings.warn(
            f"backtest: the scorer gave none of the {dropped['unscored']} labelled rows a risk "
            "(all NaN), so every measure is NaN",
            RetainWarning,
            stacklevel=2,
        )
    return result


def walk_forward(
    make_model: Any,
    snapshots: Any,
    churns: pd.DataFrame | None = None,
    horizon_days: int = 90,
    min_train_dates: int = 3,
    observed_until: Any = None,
    *,
    as_of: Any = None,
    lead_days: int = 0,
    features: Any = None,
    account: Any = "account_id",
    churned_at: Any = "churned_at",
    returned_at: Any = "returned_at",
) -> BacktestResult:
    """Fit and score a churn model as it would have been run, date after date.

    ``snapshots``, ``churns``, ``as_of`` and ``lead_days`` as in :func:`backtest`: a
    :class:`~retain.Book` with the as-of dates, or a snapshots frame and a churns frame.

    At each as-of date t of the labelled snapshots, a fresh ``make_model()`` (any estimator with
    scikit-learn's ``fit(X, y)`` and ``predict_proba(X)``) is fitted on the rows whose labels were
    already known at t (``as_of + horizon_days <= t``) and scores the rows of t; X holds the
    ``features`` columns (by default all but account and as_of) in their order. A date with fewer
    than ``min_train_dates`` training dates, or training rows of one class only, is skipped and
    listed in ``dropped`` (``"dates_skipped"``). No label from the future reaches a fit. An error of
    the estimator that names a row names the row of the snapshots (the frame given, or the Book's
    snapshots), not of the training subset.

    Returns a :class:`BacktestResult` over the scored dates, with probabilities.
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable returning an estimator, got {make_model!r}")
    columns = {"account": account, "churned_at": churned_at, "returned_at": returned_at}
    labels, rows, account = _labelled(
        "walk_forward", snapshots, churns, as_of, lead_days, horizon_days, observed_until, columns
    )
    min_train = _frames.whole(min_train_dates, "min_train_dates")
    if min_train < 1:
        raise InputError(f"min_train_dates: must be >= 1, got {min_train}")
    frame = labels.frame
    features = _feature_columns(frame, account, features)
    day = _frames.utc_days(frame["as_of"], "as_of")
    y = frame["label"].to_numpy()
    parts, skipped = [], 0
    for t in np.unique(day):
        train = day + labels.horizon_days <= t
        train_dates = len(np.unique(day[train]))
        if train_dates < min_train or len(np.unique(y[train])) < 2:
            skipped += 1
            continue
        model = make_model()
        with _rows_of(rows[train]):
            model.fit(frame.loc[train, features], y[train])
        test = np.flatnonzero(day == t)
        with _rows_of(rows[test]):
            risk, _ = _risk_of(model, frame.iloc[test], features)
            parts.append(_scores_frame(frame.iloc[test], risk, account, {}))
    dropped = dict(labels.dropped)
    dropped["dates_skipped"] = skipped
    if not parts:
        raise InputError(
            f"walk_forward: no as-of date had {min_train} earlier dates with known labels of both "
            "classes to train on"
        )
    scores = pd.concat(parts, ignore_index=True)
    return _evaluate(scores, True, dropped, 0, 0, account)


# ----------------------------------------------------------------------------------- fit_weights


@dataclass(frozen=True, repr=False)
class WeightFit:
    """How :func:`fit_weights` set a model's weights (``model.fit_report``).

    ``coefficients``: the logistic regression's coefficient of each measure score (per point,
    on the 0-100 scale; negative = a higher measure score means less churn, the right way).
    ``wrong_way``: measures whose coefficient was >= 0, given weight 0. ``comparison``: ROC AUC
    of the model before and after on the held-out dates (per date, and a ``pooled`` row).
    ``train_dates`` / ``holdout_dates``: the as-of dates of each part.
    """

    coefficients: pd.Series
    wrong_way: list[str]
    comparison: pd.DataFrame
    train_dates: list[pd.Timestamp]
    holdout_dates: list[pd.Timestamp]

    def __repr__(self) -> str:
        pooled = self.comparison.loc["pooled"]
        return (
            f"WeightFit(roc_auc before {pooled['before']:.3f}, after {pooled['after']:.3f} on "
            f"{len(self.holdout_dates)} held-out dates; wrong way: {self.wrong_way})"
        )


def fit_weights(
    model: Any,
    snapshots: Any,
    churns: pd.DataFrame | None = None,
    horizon_days: int = 90,
    C: float = 1.0,
    holdout: float = 0.3,
    observed_until: Any = None,
    *,
    as_of: Any = None,
    lead_days: int = 0,
    account: Any = "account_id",
    churned_at: Any = "churned_at",
    returned_at: Any = "returned_at",
) -> Any:
    """A copy of a HealthModel with measure weights fitted to the churn history.

    ``snapshots``, ``churns``, ``as_of`` and ``lead_days`` as in :func:`backtest`: a
    :class:`~retain.Book` with the as-of dates, or a snapshots frame and a churns frame.

    The labelled snapshots (see :func:`label_churn`) are split by date: the last ``holdout``
    share of the as-of dates (at least one) is held out; the fit uses the earlier rows whose
    labels were known before the first held-out date (``as_of + horizon_days <=`` it), so it
    never sees the held-out outcomes. A :class:`~retain.LogisticChurnModel` (``C``) regresses
    churn on the model's measure scores (0-100; a missing measure counts as 50, neutral; the rows
    of each as-of date are scored on their own, so a percentile measure ranks within its date,
    as in :func:`backtest`, and so do the before / after scores of the comparison). Each
    measure's new weight is minus its coefficient, so the score orders accounts as the
    regression does; a measure whose coefficient points the wrong way (a higher measure score
    with more churn) gets weight 0 and is named in a warning. Group weights become the sums of
    their measures' weights; transforms, grades and the missing policy are kept.

    Returns the new :class:`~retain.HealthModel`, with ``fit_report`` (a :class:`WeightFit`)
    comparing ROC AUC before and after on the held-out dates.
    """
    from .health_model import HealthModel

    if not isinstance(model, HealthModel):
        raise TypeError(f"model must be a HealthModel, got {type(model).__name__}")
    if not (isinstance(holdout, (int, float)) and 0 < holdout < 1):
        raise InputError(f"holdout: the share of as-of dates held out, in (0, 1); got {holdout!r}")
    columns = {"account": account, "churned_at": churned_at, "returned_at": returned_at}
    labels, rows, _ = _labelled(
        "fit_weights", snapshots, churns, as_of, lead_days, horizon_days, observed_until, columns
    )
    frame = labels.frame
    day = _frames.utc_days(frame["as_of"], "as_of")
    dates = np.unique(day)
    if len(dates) < 2:
        raise InputError("fit_weights: needs at least two as-of dates (one to fit, one to check)")
    n_hold = max(1, round(holdout * len(dates)))
    first_held = dates[len(dates) - n_hold]
    train = day + labels.horizon_days <= first_held
    held = day >= first_held
    y = frame["label"].to_numpy()
    if len(np.unique(y[train])) < 2:
        raise InputError(
            "fit_weights: the rows known before the held-out dates have one class only; "
            "use more history or a smaller holdout"
        )
    parts = _date_parts(day)
    with _rows_of(rows):
        measure_scores = model._measure_score_parts(frame, parts, 1)
    # The core fits on a stand-in model whose measures read those per-date measure scores as
    # they are (linear 0-100), so that no measure score ranks among other dates' rows.
    stand_in = _measure_score_model(model)
    names = [m["column"] for m in stand_in.to_dict()["measures"]]
    core_model, coefficients, wrong_way = _core.backtest.fit_weights(
        stand_in._core,
        names,
        [np.ascontiguousarray(measure_scores[:, m]) for m in range(len(names))],
        y.astype(float),
        train.astype(np.uint8),
        float(C),
    )
    coef = pd.Series(coefficients, index=model.measures, name="coefficient")
    if wrong_way:
        warnings.warn(
            f"fit_weights: weight 0 for measures whose fitted effect points the wrong way "
            f"(a higher measure score goes with more churn): {', '.join(map(str, wrong_way))}",
            RetainWarning,
            stacklevel=2,
        )
    fitted = _with_weights(model, HealthModel._wrap(core_model))

    held_rows = np.flatnonzero(held)
    held_frame = frame.iloc[held_rows]
    held_parts = _date_parts(day[held_rows])
    with _rows_of(rows[held_rows]):
        before = 100.0 - model._score_parts(held_frame, held_parts, 1, warn=False)
        after = 100.0 - fitted._score_parts(held_frame, held_parts, 1, warn=False)
    aucs: dict[Any, tuple[float, float]] = {}  # by held-out date, then "pooled"
    held_day, held_y = day[held], y[held]
    for t in np.unique(held_day):
        part = held_day == t
        aucs[pd.Timestamp(t, unit="D")] = _auc_pair(held_y[part], before[part], after[part])
    aucs["pooled"] = _auc_pair(held_y, before, after)
    comparison = pd.DataFrame.from_dict(aucs, orient="index", columns=["before", "after"])
    fitted.fit_report = WeightFit(
        coef,
        wrong_way,
        comparison,
        [pd.Timestamp(t, unit="D") for t in np.unique(day[train])],
        [pd.Timestamp(t, unit="D") for t in np.unique(held_day)],
    )
    return fitted


def _measure_score_model(model: Any) -> Any:
    """A model of ``model``'s groups and measures (same names and order) whose measure m reads
    column ``measure_score_m`` with a linear 0-100 transform: its measure scores are the
    column's values, missing when NaN."""
    from .health_model import HealthModel

    groups = model.groups
    measure_group = model._core.measure_groups
    return HealthModel(
        {
            "version": 1,
            "groups": [{"name": g} for g in groups],
            "measures": [
                {
                    "name": name,
                    "column": f"measure_score_{m}",
                    "group": groups[measure_group[m]],
                    "transform": {"kind": "linear", "lo": 0, "hi": 100},
                }
                for m, name in enumerate(model.measures)
            ],
        }
    )


def _with_weights(model: Any, weighted: Any) -> Any:
    """``model``'s document with the measure and group weights of ``weighted`` (a model of the
    same groups and measures, in the same order)."""
    from .health_model import HealthModel

    document = model.to_dict()
    weights = weighted.to_dict()
    for mine, theirs in zip(document["measures"], weights["measures"], strict=True):
        mine["weight"] = theirs["weight"]
    for mine, theirs in zip(document["groups"], weights["groups"], strict=True):
        mine["weight"] = theirs["weight"]
    return HealthModel(document)


def _auc_pair(y: np.ndarray, before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """ROC AUC of two risks on the rows both score; NaN when those rows have one class."""
    both = ~(np.isnan(before) | np.isnan(after))
    if len(np.unique(y[both])) < 2:
        return np.nan, np.nan
    return _metrics.roc_auc(y[both], before[both]), _metrics.roc_auc(y[both], after[both])


class _CallableModule(types.ModuleType):
    """``rt.backtest`` is both this module (``rt.backtest.time_splits``) and, called, the
    :func:`backtest` function (``rt.backtest(model, snapshots, churns)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> BacktestResult:
        return backtest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
