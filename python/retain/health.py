"""Health-score tools over *scored* frames: what a CS team does with scores once it has them.

A scored frame is what ``HealthModel.score`` returns: one row per account (the index), a
``score`` column (0-100, NaN for an account with nothing to score), a Categorical ``grade``, and,
when scored with ``previous=``, ``score_change`` and ``previous_grade``. Feature columns (ARR, a
parent account id) may be joined in. Here:

- :func:`rollup`: parent-account health from its children, weighted by ARR or equally, with the
  worst child kept beside it;
- :func:`alerts`: the accounts whose score fell by at least ``min_drop`` or whose grade moved into
  one of ``into`` (red, say), biggest drop first.

The computations run in the compiled core (``retain/rollup.hpp``, ``retain/alerts.hpp``).
:class:`HealthModel` and :class:`ModelSet`, which make scored frames, are here too (defined in
``retain.health_model``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import ColumnError, InputError
from .health_model import HealthModel, ModelSet

__all__ = ["HealthModel", "ModelSet", "alerts", "rollup"]

_SCORED = "the scored frame"


def rollup(scored: pd.DataFrame, parent: Any, weight: Any = "arr") -> pd.DataFrame:
    """Parent-account health from its children's scores.

    Parameters
    ----------
    scored : DataFrame
        One row per child account (the index, unique), with a ``score`` column (NaN: not
        scored), as ``HealthModel.score`` returns, possibly with feature columns joined in.
    parent : column name or Series
        The column of ``scored`` holding each child's parent id, or a Series mapping child
        account (its index) to parent id. A child without a parent is an
        :class:`retain.InputError` naming the row.
    weight : column name or None, default "arr"
        The column of ``scored`` weighting each child (finite, >= 0; a missing, negative or
        infinite weight is an InputError naming the row), or None for equal weights.

    Returns
    -------
    DataFrame
        Indexed by parent id (index name: the parent column's or Series' name, else
        ``"parent"``), parents in order of first appearance, with columns:

        - ``score``: the weighted mean score of the parent's scored children,
          ``sum(w * s) / sum(w)``; NaN when no child is scored, and NaN when every scored child
          has weight 0 (there is no weight to average with);
        - ``children``, ``scored_children``: rows with this parent, and those with a score;
        - ``weight``: the sum of the weights of all its children, scored or not (the parent's
          ARR; the number of children with equal weights);
        - ``worst_child``, ``worst_score``: the lowest-scored child (whatever its weight, ties
          to the first in row order) and its score, missing when no child is scored;
        - ``worst_grade``: that child's grade, when ``scored`` has a ``grade`` column (a
          Categorical stays one).

    Examples
    --------
    >>> scored = pd.DataFrame(
    ...     {"score": [80.0, 40.0, 90.0], "group": ["acme", "acme", "globex"],
    ...      "arr": [100.0, 300.0, 50.0]},
    ...     index=pd.Index(["acme-us", "acme-eu", "globex-uk"], name="account"))
    >>> rt.health.rollup(scored, parent="group")[["score", "weight", "worst_child"]]
            score  weight worst_child
    group
    acme     50.0   400.0     acme-eu
    globex   90.0    50.0   globex-uk

    acme's score is (100 x 80 + 300 x 40) / (100 + 300) = 50.
    """
    scored = _scored_frame(scored)
    if not scored.index.is_unique:
        dup = scored.index[scored.index.duplicated()][0]
        raise InputError(f"{_SCORED}: child account {dup!r} appears more than once")
    if isinstance(parent, pd.Series):
        name = parent.name if parent.name is not None else "parent"
        if not parent.index.is_unique:
            dup = parent.index[parent.index.duplicated()][0]
            raise InputError(f"parent: child account {dup!r} is mapped more than once")
        unmapped = ~scored.index.isin(parent.index)
        if unmapped.any():
            row = _frames.first_row(unmapped)
            raise InputError(
                f"parent, row {row}: child account {scored.index[row]!r} has no parent"
            )
        parents = parent.reindex(scored.index)
    else:
        _frames.require_columns(scored, [parent], _SCORED)
        name, parents = parent, scored[parent]
    codes, ids = _frames.id_codes(parents, name, "parent id")
    score = _frames.amounts(scored["score"], "score")
    if weight is None:
        weights = np.empty(0)
    else:
        if weight not in scored.columns:
            raise ColumnError(
                f"{_SCORED} has no weight column {weight!r} (its columns: "
                f"{list(scored.columns)}); pass weight=None for equal weights"
            )
        weights = _frames.amounts(scored[weight], weight)
    weight_name = "weight" if weight is None else str(weight)
    r = _core.portfolio.rollup(codes, len(ids), score, weights, str(name), "score", weight_name)
    worst = r["worst_child"]
    worst_score = np.full(len(worst), np.nan)
    worst_score[worst >= 0] = score[worst[worst >= 0]]
    columns = {
        "score": r["score"],
        "children": r["children"],
        "scored_children": r["scored_children"],
        "weight": r["weight"],
        "worst_child": _frames.take_rows(scored.index, worst),
        "worst_score": worst_score,
    }
    if "grade" in scored.columns:
        columns["worst_grade"] = _frames.take_rows(scored["grade"], worst)
    return pd.DataFrame(columns, index=ids)


def alerts(scored: pd.DataFrame, min_drop: float = 10, into: Any = ("red",)) -> pd.DataFrame:
    """The accounts that need a CSM's attention now.

    Parameters
    ----------
    scored : DataFrame
        What ``HealthModel.score(frame, previous=...)`` returns: one row per account, with
        ``score``, ``grade`` (Categorical), ``score_change`` (score now - score before; NaN
        without a previous score) and ``previous_grade`` (the same categories). Without the last
        two (scored without ``previous=``) it is a :class:`retain.ColumnError`.
    min_drop : float, default 10
        An account whose score fell by at least this much (``score_change <= -min_drop``) alerts;
        positive and finite, else an :class:`retain.InputError`.
    into : label or iterable of labels, default ("red",)
        Grades to watch: an account whose grade moved into one of them alerts. A label that is
        not a category of ``grade`` is an InputError listing the grades. An empty tuple watches
        drops only.

    Returns
    -------
    DataFrame
        The alerting rows of ``scored`` (index kept), biggest drop first (``score_change``
        ascending, missing last, ties in row order), with columns ``score``, ``score_change``,
        ``grade``, ``previous_grade``, ``dropped`` and ``entered`` (bool: why it alerts), and
        ``reason`` (e.g. ``"score fell 12.5"``, ``"entered red"``, or both joined with ``"; "``).

    Notes
    -----
    An account *entered* a watched grade when its grade is in ``into``, its previous grade is
    not, and it had a previous score: a previous grade, or else a ``score_change`` (a previous
    score without a grade). An account with neither (new, or unscored last time) did not move
    into the grade, it arrived there, and does not alert as entered.

    Examples
    --------
    >>> grades = ["red", "yellow", "green"]
    >>> scored = pd.DataFrame(
    ...     {"score": [55.0, 35.0, 80.0],
    ...      "grade": pd.Categorical(["yellow", "red", "green"], categories=grades),
    ...      "score_change": [-12.5, -3.0, 2.0],
    ...      "previous_grade": pd.Categorical(["green", "yellow", "green"], categories=grades)},
    ...     index=pd.Index(["acme", "globex", "initech"], name="account"))
    >>> rt.health.alerts(scored, min_drop=10, into=("red",))[["score_change", "reason"]]
             score_change           reason
    account
    acme            -12.5  score fell 12.5
    globex           -3.0      entered red
    """
    scored = _scored_frame(scored)
    _frames.require_columns(scored, ["grade"], _SCORED)
    for column in ("score_change", "previous_grade"):
        if column not in scored.columns:
            raise ColumnError(
                f"{_SCORED} has no column {column!r}: alerts need the change since an earlier "
                "scoring; score with previous= (model.score(frame, previous=earlier_scores))"
            )
    grade = scored["grade"]
    if not isinstance(grade.dtype, pd.CategoricalDtype):
        raise InputError(
            f"column 'grade' must be a pandas Categorical (as HealthModel.score returns), "
            f"got dtype {grade.dtype}"
        )
    categories = grade.cat.categories
    if isinstance(min_drop, bool) or not isinstance(min_drop, numbers.Real):
        raise InputError(f"min_drop: expected a number, got {min_drop!r}")
    labels = [into] if isinstance(into, str) or not isinstance(into, Iterable) else list(into)
    into_codes = categories.get_indexer(labels) if labels else np.empty(0, np.intp)
    for label, code in zip(labels, into_codes, strict=True):
        if code < 0:
            raise InputError(f"into: {label!r} is not a grade (grades: {list(categories)})")
    score = _frames.amounts(scored["score"], "score")
    change = _frames.amounts(scored["score_change"], "score_change")
    previous = _frames.category_codes(
        scored["previous_grade"], categories, "previous_grade", "grade"
    )
    now = grade.cat.codes.to_numpy().astype(np.int32)
    rows, dropped, entered = _core.portfolio.alerts(
        change,
        previous,
        now,
        len(categories),
        float(min_drop),
        np.asarray(into_codes, dtype=np.int32),
    )
    dropped, entered = dropped.astype(bool), entered.astype(bool)
    reasons = []
    for row, d, e in zip(rows, dropped, entered, strict=True):
        parts = [f"score fell {_amount(-change[row])}"] if d else []
        if e:
            parts.append(f"entered {categories[now[row]]}")
        reasons.append("; ".join(parts))
    return pd.DataFrame(
        {
            "score": score[rows],
            "score_change": change[rows],
            "grade": grade.array.take(rows),
            "previous_grade": pd.Categorical.from_codes(previous[rows], dtype=grade.dtype),
            "dropped": dropped,
            "entered": entered,
            "reason": np.array(reasons, dtype=object),
        },
        index=scored.index[rows],
    )


def _scored_frame(scored: Any) -> pd.DataFrame:
    scored = _frames.require_frame(scored, _SCORED)
    _frames.require_columns(scored, ["score"], _SCORED)
    return scored


def _amount(x: float) -> str:
    """A score difference as a CSM reads it: one decimal, none when it is whole (12.5, 12)."""
    return f"{x:.1f}".removesuffix(".0")
