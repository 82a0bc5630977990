"""Metrics that judge a churn model: ranking (ROC AUC, PR AUC, KS, lift, precision and recall in
the top fraction) and probability quality (Brier score, log loss, calibration).

Every function takes ``y`` (1 = churned, 0 = stayed; booleans work too), a score per row
(``risk``: any finite number, higher = more likely to churn; ``p``: a probability in [0, 1]) and
an optional ``sample_weight`` (finite, >= 0; ``None`` = 1 for every row; a row of weight 0
counts nowhere). Inputs are 1-d numpy arrays, lists or pandas Series of one length. A bad value
is a :class:`retain.InputError` naming the column and the row (a 0-based position); a metric the
data cannot define (one class only, no weight) is an :class:`retain.InputError` saying why.

The numbers are scikit-learn's (``roc_auc_score``, ``average_precision_score``, ``roc_curve``,
``precision_recall_curve``, ``brier_score_loss``, ``log_loss``, ``calibration_curve``) to 1e-12,
ties included, computed in C++ with a linear-time sort: ``roc_auc`` on ten million rows is several
times faster than ``roc_auc_score``. No result depends on row order.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames

__all__ = [
    "brier",
    "calibration",
    "ks_statistic",
    "lift",
    "log_loss",
    "pr_auc",
    "pr_curve",
    "precision_at",
    "recall_at",
    "roc_auc",
    "roc_curve",
]

_NO_WEIGHT = np.empty(0)


def _arrays(
    y: Any, score: Any, score_name: str, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ys, _ = _frames.vector(y, "y", allow_bool=True)
    scores, _ = _frames.vector(score, score_name)
    weights = (
        _NO_WEIGHT if sample_weight is None else _frames.vector(sample_weight, "sample_weight")[0]
    )
    return ys, scores, weights


def roc_auc(y: Any, risk: Any, sample_weight: Any = None) -> float:
    """Area under the ROC curve: the chance that a random churner has a higher risk than a random
    account that stayed, ties counting 1/2 (with weights, each pair weighs the product).

    Parameters
    ----------
    y : array-like of 0/1 (or bool)
        1 for the accounts that churned.
    risk : array-like of float
        Any finite score, higher = more likely to churn.
    sample_weight : array-like of float, optional
        Finite weights >= 0; ``None`` weighs every row 1.

    Returns
    -------
    float
        In [0, 1]; equal to ``sklearn.metrics.roc_auc_score`` to 1e-12.

    Raises
    ------
    retain.InputError
        A bad value (named by column and row), or only one class in ``y``.

    Examples
    --------
    >>> rt.metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # 3 of 4 pairs ranked right
    0.75
    """
    return _core.metrics.roc_auc(*_arrays(y, risk, "risk", sample_weight))


def pr_auc(y: Any, risk: Any, sample_weight: Any = None) -> float:
    """Area under the precision-recall curve as average precision: ``sum_k (R_k - R_{k-1}) P_k``
    over the distinct risks in decreasing order (rows tied in risk enter together), with
    ``P_k``, ``R_k`` the precision and recall of flagging the rows with risk >= the k-th.

    Parameters
    ----------
    y, risk, sample_weight
        As in :func:`roc_auc`.

    Returns
    -------
    float
        Equal to ``sklearn.metrics.average_precision_score`` to 1e-12. Needs both classes.

    Examples
    --------
    >>> rt.metrics.pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # 1/2 * 1 + 1/2 * 2/3
    0.8333333333333333
    """
    return _core.metrics.pr_auc(*_arrays(y, risk, "risk", sample_weight))


def roc_curve(
    y: Any, risk: Any, sample_weight: Any = None, *, drop_intermediate: bool = True
) -> pd.DataFrame:
    """The ROC curve: one row per distinct risk ``t`` (flag the rows with risk >= t), in
    decreasing ``t``, after a first row (0, 0) at ``t = inf`` (nobody flagged).

    Parameters
    ----------
    y, risk, sample_weight
        As in :func:`roc_auc`.
    drop_intermediate : bool, default True
        Leave out points on the straight line between their neighbours, as scikit-learn does by
        default (the area is unchanged).

    Returns
    -------
    pandas.DataFrame
        Columns ``fpr``, ``tpr``, ``threshold``: ``sklearn.metrics.roc_curve``'s three arrays,
        row for row.

    Examples
    --------
    >>> rt.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
       fpr  tpr  threshold
    0  0.0  0.0        inf
    1  0.0  0.5       0.80
    2  0.5  0.5       0.40
    3  0.5  1.0       0.35
    4  1.0  1.0       0.10
    """
    fpr, tpr, threshold = _core.metrics.roc_curve(
        *_arrays(y, risk, "risk", sample_weight), bool(drop_intermediate)
    )
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": threshold})


def pr_curve(
    y: Any, risk: Any, sample_weight: Any = None, *, drop_intermediate: bool = False
) -> pd.DataFrame:
    """The precision-recall curve, in scikit-learn's order: one row per distinct risk ``t``
    (flag the rows with risk >= t) in increasing ``t``, then a last row with precision 1,
    recall 0 at ``t = inf`` (nobody flagged).

    Parameters
    ----------
    y, risk, sample_weight
        As in :func:`roc_auc`.
    drop_intermediate : bool, default False
        Leave out points whose recall equals both neighbours' (as scikit-learn's option).

    Returns
    -------
    pandas.DataFrame
        Columns ``precision``, ``recall``, ``threshold``: ``sklearn.metrics.
        precision_recall_curve``'s arrays row for row (its thresholds lack the final ``inf``).

    Examples
    --------
    >>> rt.metrics.pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
       precision  recall  threshold
    0   0.500000     1.0       0.10
    1   0.666667     1.0       0.35
    2   0.500000     0.5       0.40
    3   1.000000     0.5       0.80
    4   1.000000     0.0        inf
    """
    precision, recall, threshold = _core.metrics.pr_curve(
        *_arrays(y, risk, "risk", sample_weight), bool(drop_intermediate)
    )
    return pd.DataFrame({"precision": precision, "recall": recall, "threshold": threshold})


_TOP_DOC = """
    The top fraction ``top`` of the total weight W is taken by decreasing risk. The rows tied at
    the cut count fractionally, each with the share ``(top * W - A) / G`` of its weight (A the
    weight above the cut, G the tied rows' weight): the expected value over a random order of
    the tied rows, so the result never depends on row order. A row straddling the cut counts
    fractionally even without ties (``top * W`` need not be a whole number of rows)."""


def precision_at(y: Any, risk: Any, top: float = 0.1, sample_weight: Any = None) -> float:
    """The churn rate among the top fraction ``top`` (in (0, 1]) of accounts by risk.
    {top}

    Parameters
    ----------
    y, risk, sample_weight
        As in :func:`roc_auc`.
    top : float, default 0.1
        The fraction of the total weight flagged, in (0, 1].

    Returns
    -------
    float
        Churners' weight in the top / (top * W). Needs some weight; 0 without churners.

    Examples
    --------
    >>> rt.metrics.precision_at([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], top=0.5)  # 1 + 1/2 of 1
    0.75
    """
    return _core.metrics.precision_at(*_top_args(y, risk, top, sample_weight))


def recall_at(y: Any, risk: Any, top: float = 0.1, sample_weight: Any = None) -> float:
    """The share of all churners (by weight) found in the top fraction ``top`` by risk.
    {top}

    Parameters
    ----------
    y, risk, sample_weight, top
        As in :func:`precision_at`.

    Returns
    -------
    float
        Churners' weight in the top / all churners' weight. Needs churners.

    Examples
    --------
    >>> rt.metrics.recall_at([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], top=0.5)  # 1.5 of 2
    0.75
    """
    return _core.metrics.recall_at(*_top_args(y, risk, top, sample_weight))


def lift(y: Any, risk: Any, top: float = 0.1, sample_weight: Any = None) -> float:
    """Lift in the top fraction ``top`` by risk: the churn rate there over the overall churn
    rate, ``precision_at / (P / W) = recall_at / top``.
    {top}

    Parameters
    ----------
    y, risk, sample_weight, top
        As in :func:`precision_at`.

    Returns
    -------
    float
        1 for a random ranking, up to ``1 / max(top, P / W)``. Needs churners.

    Examples
    --------
    >>> rt.metrics.lift([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], top=0.5)  # 0.75 / 0.5
    1.5
    """
    return _core.metrics.lift(*_top_args(y, risk, top, sample_weight))


for _fn in (precision_at, recall_at, lift):
    _fn.__doc__ = (_fn.__doc__ or "").replace("{top}", _TOP_DOC.strip("\n"))


def _top_args(y: Any, risk: Any, top: float, sample_weight: Any) -> tuple[Any, ...]:
    ys, risks, weights = _arrays(y, risk, "risk", sample_weight)
    return ys, risks, float(top), weights


def brier(y: Any, p: Any, sample_weight: Any = None) -> float:
    """Brier score: the (weighted) mean of ``(p - y)**2``; lower is better.

    Parameters
    ----------
    y : array-like of 0/1 (or bool)
        1 for the accounts that churned.
    p : array-like of float
        Predicted churn probabilities, each in [0, 1].
    sample_weight : array-like of float, optional
        Finite weights >= 0; ``None`` weighs every row 1.

    Returns
    -------
    float
        Equal to ``sklearn.metrics.brier_score_loss``. Defined with one class only.

    Examples
    --------
    >>> rt.metrics.brier([1, 0], [0.8, 0.4])  # (0.04 + 0.16) / 2
    0.1
    """
    return _core.metrics.brier(*_arrays(y, p, "p", sample_weight))


def log_loss(y: Any, p: Any, sample_weight: Any = None) -> float:
    """Log loss (cross-entropy, in nats): the (weighted) mean of ``-log`` of the probability
    given to what happened (``p`` for churners, ``1 - p`` for the others).

    As in scikit-learn, that probability is clipped to ``[eps, 1 - eps]`` (eps = 2**-52), so a
    churner given ``p = 0`` costs ``52 * log(2) = 36.04``, not infinity. Values of ``p`` outside
    [0, 1] are an error, never clipped. Defined with one class only.

    Parameters
    ----------
    y, p, sample_weight
        As in :func:`brier`.

    Returns
    -------
    float
        Equal to ``sklearn.metrics.log_loss`` to 1e-12.

    Examples
    --------
    >>> rt.metrics.log_loss([1, 0], [0.5, 0.5])  # log 2
    0.6931471805599453
    """
    return _core.metrics.log_loss(*_arrays(y, p, "p", sample_weight))


def calibration(y: Any, p: Any, bins: int = 10, sample_weight: Any = None) -> pd.DataFrame:
    """Reliability table: predicted against observed churn in ``bins`` equal bins of [0, 1].

    Bin k holds ``k / bins < p <= (k + 1) / bins`` (bin 0 also ``p = 0``), the edges computed as
    numpy's ``linspace(0, 1, bins + 1)``: scikit-learn's ``calibration_curve`` with strategy
    ``"uniform"``. Every bin is reported; an empty one (or one whose rows all weigh 0) has NaN
    means.

    Parameters
    ----------
    y, p, sample_weight
        As in :func:`brier`.
    bins : int, default 10
        Number of bins, at least 1.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin`` (0 to bins - 1), ``mean_predicted`` (weighted mean of p),
        ``observed`` (weighted churn rate), ``count`` (rows), ``weight`` (their total weight).
        On the non-empty bins, unweighted, ``observed`` and ``mean_predicted`` are
        ``calibration_curve``'s ``prob_true`` and ``prob_pred``.

    Examples
    --------
    >>> rt.metrics.calibration([0, 1, 1], [0.2, 0.6, 0.9], bins=2)
       bin  mean_predicted  observed  count  weight
    0    0            0.20       0.0      1     1.0
    1    1            0.75       1.0      2     2.0
    """
    mean_predicted, observed, count, weight = _core.metrics.calibration(
        *_bins_args(y, p, bins, sample_weight)
    )
    return pd.DataFrame(
        {
            "bin": np.arange(len(count), dtype=np.int64),
            "mean_predicted": mean_predicted,
            "observed": observed,
            "count": count,
            "weight": weight,
        }
    )


def _bins_args(y: Any, p: Any, bins: int, sample_weight: Any) -> tuple[Any, ...]:
    ys, ps, weights = _arrays(y, p, "p", sample_weight)
    return ys, ps, operator.index(bins), weights


def ks_statistic(y: Any, risk: Any, sample_weight: Any = None) -> float:
    """Kolmogorov-Smirnov statistic of risk between churners and the others: the largest gap
    between the two (weighted) distribution functions, ``max |TPR - FPR|`` over the thresholds
    of :func:`roc_curve`.

    Parameters
    ----------
    y, risk, sample_weight
        As in :func:`roc_auc`.

    Returns
    -------
    float
        In [0, 1]; scipy's ``ks_2samp(...).statistic`` of the two classes' risks when
        unweighted. Needs both classes.

    Examples
    --------
    >>> rt.metrics.ks_statistic([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.5
    """
    return _core.metrics.ks_statistic(*_arrays(y, risk, "risk", sample_weight))
