"""Health scores: one 0-100 number per account from a weighted model document.

A model groups measures (usage, satisfaction, customer facts); each measure reads a column and
maps it to a 0-100 measure score with a transform (``linear``, ``bands``, ``percentile``,
``boolean``). A group's score is the weighted mean of its measures, the score the weighted mean of
the groups, and the grade the label of the highest grade ``min`` not above the score. Missing
values (NaN, or a column the frame lacks) follow the model's ``missing`` policy: ``reweight``
(left out, the default), ``neutral`` (scored 50), ``zero`` (scored 0) or ``error``; ``coverage``
is the share of the model's weight that was present, and a row with nothing present scores NaN.
A column the frame lacks altogether is missing in every row and, unless the policy is ``error``
(which raises), gives a :class:`~retain.RetainWarning` naming the measure and the column, so that
a misspelt column does not silently lower coverage.
A measure may carry a ``label``, the words :meth:`HealthModel.reasons` shows to people
(``"active users in 30 days"``; by default the measure's name with each ``_`` read as a space).
README.md ("Health scores") shows a document; ``include/retain/health.hpp`` has the exact rules.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core, _documents, _frames
from .errors import ColumnError, InputError, RetainError, RetainWarning

if TYPE_CHECKING:
    from types import FrameType

    from ._core.health import HealthModel as _CoreHealthModel

__all__ = ["HealthModel", "ModelSet"]

#: Columns of a scored frame besides the group scores, in order.
SCORE_COLUMNS = ("score", "grade", "coverage")


def _unique_index(frame: pd.DataFrame, what: str) -> None:
    if not frame.index.is_unique:
        dup = frame.index[frame.index.duplicated()][0]
        raise InputError(f"{what}: account {dup!r} appears more than once in the index")


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside the retain package, so that a warning points
    at the user's line however deep inside retain it was raised."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    return level


def _warn_absent(frame: pd.DataFrame, model: HealthModel, prefix: str = "") -> None:
    """A RetainWarning naming the measures whose column ``frame`` lacks (each then missing in
    every row); none under the ``error`` policy, where the core raises instead."""
    if model.missing == "error":
        return
    absent = [c for c in model.required_columns if c not in frame.columns]
    if not absent:
        return
    columns = [str(c) for c in frame.columns]
    named = []
    for measure in model.to_dict()["measures"]:
        column = measure.get("column", measure["name"])
        if column in absent:
            close = difflib.get_close_matches(str(column), columns, n=1) or [
                c for c in columns if c.startswith(f"{column}_") or c.endswith(f"_{column}")
            ][:1]  # "nps" beside the snapshots' "nps_score"
            hint = f", did you mean {close[0]!r}?" if close else ""
            named.append(f"measure {measure['name']!r} (column {column!r}{hint})")
    warnings.warn(
        f"{prefix}the feature frame has no column for {'; '.join(named)}: scored as missing in "
        f"every row (policy {model.missing!r}), which lowers coverage; check the column names",
        RetainWarning,
        stacklevel=_caller_level(),
    )


_ROW = re.compile(r"\brow (\d+)\b")


def renumbered(exc: RetainError, positions: np.ndarray) -> RetainError | None:
    """``exc`` raised on a subset of rows, with each "row N" it names renamed ``positions[N]``
    (the row's position in the whole frame); None when it names no row."""
    text = str(exc.args[0]) if exc.args else str(exc)

    def whole(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"row {positions[n]}" if n < len(positions) else match.group(0)

    new = _ROW.sub(whole, text)
    if new == text:
        return None
    return type(exc)(new)


_Part = slice | np.ndarray
"""Rows of a frame scored on their own: a slice or an array of positions."""


def _positions(rows: Any, n: int) -> np.ndarray:
    return np.arange(n)[rows] if isinstance(rows, slice) else np.asarray(rows)


def _is_scored(frame: pd.DataFrame) -> bool:
    """A frame that :meth:`HealthModel.score` made (rather than features to score)."""
    return "score" in frame.columns and "coverage" in frame.columns


class _Scorer:
    """What HealthModel and ModelSet share: score() on top of their own _scored(frame)."""

    def _scored(self, frame: pd.DataFrame, n_threads: int | None) -> pd.DataFrame:
        raise NotImplementedError

    def _score_parts(
        self, frame: pd.DataFrame, parts: Sequence[_Part], n_threads: int | None, warn: bool = True
    ) -> np.ndarray:
        """The ``score`` of every row of ``frame``, each part (a slice or an array of positions)
        scored on its own, as if it were a frame of its own: a percentile measure ranks within
        its part. Errors name rows of ``frame``; a missing column warns once."""
        raise NotImplementedError

    def score(
        self,
        frame: pd.DataFrame,
        previous: pd.DataFrame | None = None,
        overrides: Any = None,
        as_of: Any = None,
        n_threads: int | None = None,
    ) -> pd.DataFrame:
        """Health scores of the accounts in ``frame`` (one row per account, features as columns).

        Returns a DataFrame on ``frame.index`` with ``score`` (float, NaN when nothing is
        present), ``grade`` (Categorical of the grade labels), one column per group and
        ``coverage`` (share of the model's weight present, 0-1).

        ``previous``: an earlier scored frame (having ``score`` and ``coverage``) or an earlier
        feature frame (scored first) of the same accounts; adds ``score_change`` (NaN for an
        account not in ``previous``) and ``previous_grade``.

        ``overrides``: a CSM's manual scores, replacing the computed ones; a mapping account ->
        score or account -> (score, expires), a Series of scores, or a DataFrame indexed by
        account with ``score`` and optional ``expires``. An override applies while ``as_of`` is
        before its ``expires`` date (``as_of`` is required when any override expires). Adds
        ``computed_score`` (the model's score) and ``overridden`` (bool); ``score`` and
        ``grade`` then show the override.

        ``n_threads``: threads for the scoring (0 = every core); the result does not depend on it.
        """
        frame = _frames.require_frame(frame, "the feature frame")
        out = self._scored(frame, n_threads)
        if overrides is not None:
            out = self._with_overrides(out, overrides, as_of)
        if previous is not None:
            previous = _frames.require_frame(previous, "previous")
            before = previous if _is_scored(previous) else self._scored(previous, n_threads)
            out = _with_previous(out, before)
        return out

    def _with_overrides(self, out: pd.DataFrame, overrides: Any, as_of: Any) -> pd.DataFrame:
        _unique_index(out, "the feature frame")
        table = _override_table(overrides)
        if table["expires"].notna().any():
            if as_of is None:
                raise InputError("overrides: expiry dates need as_of= (the date being scored)")
            active = table["expires"].isna() | (pd.Timestamp(as_of) < table["expires"])
            table = table[active.to_numpy()]
        manual = table["score"].reindex(out.index)
        overridden = manual.notna().to_numpy()
        out = out.copy()
        out["computed_score"] = out["score"]
        out["score"] = np.where(overridden, manual.to_numpy(dtype=float), out["score"])
        out["grade"] = self._grades_of(out)
        out["overridden"] = overridden
        return out

    def _grades_of(self, scored: pd.DataFrame) -> pd.Categorical:
        """The grades of ``scored``'s (possibly overridden) scores."""
        raise NotImplementedError


def _override_table(overrides: Any) -> pd.DataFrame:
    """Overrides in any accepted form as a DataFrame (score, expires) indexed by account."""
    if isinstance(overrides, pd.DataFrame):
        if "score" not in overrides.columns:
            raise ColumnError("overrides has no column 'score' (and optional 'expires')")
        unknown = [c for c in overrides.columns if c not in ("score", "expires")]
        if unknown:
            raise InputError(f"overrides: unknown columns {unknown} (expected score, expires)")
        scores = overrides["score"]
        expires = overrides["expires"] if "expires" in overrides.columns else None
    elif isinstance(overrides, pd.Series):
        scores, expires = overrides, None
    elif isinstance(overrides, Mapping):
        accounts = list(overrides)
        pairs = [v if isinstance(v, (tuple, list)) else (v, None) for v in overrides.values()]
        for account, pair in zip(accounts, pairs, strict=True):
            if len(pair) != 2:
                raise InputError(
                    f"overrides[{account!r}]: expected a score or (score, expires), got {pair!r}"
                )
        scores = pd.Series([p[0] for p in pairs], index=accounts, dtype=object)
        expires = pd.Series([p[1] for p in pairs], index=accounts, dtype=object)
    else:
        raise TypeError(
            "overrides must be a mapping account -> score (or (score, expires)), a Series or a "
            f"DataFrame, got {type(overrides).__name__}"
        )
    if not scores.index.is_unique:
        dup = scores.index[scores.index.duplicated()][0]
        raise InputError(f"overrides: account {dup!r} appears more than once")
    values = np.empty(len(scores))
    for i, (account, value) in enumerate(scores.items()):
        ok = isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
        if not ok or not 0 <= value <= 100:
            raise InputError(
                f"overrides[{account!r}]: score must be a number in [0, 100], got {value!r}"
            )
        values[i] = value
    if expires is None:
        when = pd.Series(pd.NaT, index=scores.index, dtype="datetime64[ns]")
    else:
        try:
            when = pd.to_datetime(expires)
        except (ValueError, TypeError) as exc:
            raise InputError(f"overrides: expires must be dates ({exc})") from exc
    return pd.DataFrame({"score": values, "expires": when.to_numpy()}, index=scores.index)


def _with_previous(out: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    _unique_index(out, "the feature frame")
    _unique_index(before, "previous")
    aligned = before.reindex(out.index)
    out = out.copy()
    out["score_change"] = out["score"] - aligned["score"].to_numpy(dtype=float)
    categories = out["grade"].cat.categories
    if "grade" in aligned.columns:
        labels = aligned["grade"].astype(object)
        previous = pd.Categorical(labels, categories=categories)
        unknown = labels.notna().to_numpy() & (previous.codes < 0)
        if unknown.any():
            row = _frames.first_row(unknown)
            raise InputError(
                f"previous, account {out.index[row]!r}: grade {labels.iloc[row]!r} is not one of "
                f"this model's grades {list(categories)}"
            )
    else:
        previous = pd.Categorical([None] * len(out), categories=categories)
    out["previous_grade"] = previous
    return out


def _top(top: Any, n_measures: int) -> int:
    """``top`` checked (a whole number >= 1), capped at the number of measures."""
    n = _frames.whole(top, "top")
    if n < 1:
        raise InputError(f"top: must be >= 1, got {n}")
    return min(n, n_measures)


def _aligned_previous(frame: pd.DataFrame, previous: Any) -> pd.DataFrame:
    """``previous`` in ``frame``'s row order; an account of ``frame`` it lacks is an error."""
    previous = _frames.require_frame(previous, "previous")
    _unique_index(frame, "the feature frame")
    _unique_index(previous, "previous")
    mine, theirs = frame.index, previous.index
    if _index_kind(mine) != _index_kind(theirs):
        raise InputError(
            f"previous: its index holds {_index_kind(theirs)} ({theirs.dtype}) and the feature "
            f"frame's {_index_kind(mine)} ({mine.dtype}); index both by account id "
            "(previous.set_index('account_id'), say)"
        )
    absent = ~mine.isin(theirs.astype(object) if _index_kind(mine) == "text" else theirs)
    if absent.any():
        account = frame.index[_frames.first_row(absent)]
        raise InputError(
            f"previous: account {account!r} (row {_frames.first_row(absent)} of the feature "
            f"frame) is not in previous, which must hold the same accounts at an earlier date"
        )
    return previous.loc[frame.index]


def _index_kind(index: pd.Index) -> str:
    """What an index holds, as far as matching ids goes: "numbers", "text" or "other"."""
    if isinstance(index, pd.MultiIndex):
        return "other"
    if pd.api.types.is_numeric_dtype(index.dtype):
        return "numbers"
    if pd.api.types.is_string_dtype(index.dtype) or pd.api.types.infer_dtype(index) == "string":
        return "text"
    return "other"


def _reason_frame(
    index: pd.Index, rows: np.ndarray, rank: np.ndarray, data: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The long frame of reasons: ``index`` (the accounts') taken at ``rows``, plus ``rank``."""
    taken = index.take(rows)
    if isinstance(taken, pd.MultiIndex):
        levels = [taken.get_level_values(k) for k in range(taken.nlevels)]
        names = list(taken.names)
    else:
        levels, names = [taken], [taken.name]
    long = pd.MultiIndex.from_arrays([*levels, rank], names=[*names, "rank"])
    return pd.DataFrame(data, index=long)


class HealthModel(_documents.Documented, _Scorer):
    """A health-score model of a version-1 document (see the module docstring).

    Build one with ``HealthModel(document)`` (a dict, as :meth:`from_dict`) or
    :meth:`from_json`; a bad document is a :class:`retain.ConfigError` naming the key's path,
    e.g. ``measures[2].transform.edges: must be strictly increasing`` or
    ``measures[1].label: expected a non-empty label, got number`` (a measure's optional
    ``label`` is the non-empty text :meth:`reasons` shows for it). Two models are equal
    when their documents are; a model pickles as its document, so it travels to worker
    processes.
    """

    _core_type = _core.health.HealthModel
    _what = "model"
    _core: _CoreHealthModel

    @property
    def name(self) -> str:
        """The document's ``name`` ("" when it has none)."""
        return self._core.name

    @property
    def groups(self) -> list[str]:
        """Group names in document order (the group columns of :meth:`score`)."""
        return list(self._core.group_names)

    @property
    def measures(self) -> list[str]:
        """Measure names in document order."""
        return list(self._core.measure_names)

    @property
    def grades(self) -> list[str]:
        """Grade labels, lowest first."""
        return list(self._core.grade_labels)

    @property
    def labels(self) -> list[str]:
        """Measure labels in document order: each measure's ``label``, else its name with
        ``_`` read as a space."""
        return list(self._core.measure_labels)

    @property
    def missing(self) -> str:
        """The missing-value policy: reweight, neutral, zero or error."""
        return self._core.missing

    @property
    def required_columns(self) -> list[str]:
        """The columns the measures read, each once, in document order."""
        return list(self._core.required_columns)

    @property
    def effective_weights(self) -> pd.Series:
        """Each measure's share of the score when every measure is present (sums to 1)."""
        return pd.Series(self._core.effective_weights, index=self.measures, name="weight")

    def _inputs(
        self, frame: pd.DataFrame, what: str, warn: bool = True
    ) -> tuple[list[str], list[np.ndarray]]:
        """The model's columns that ``frame`` has, as arrays. A frame with none of them still
        has rows (each with nothing present): a placeholder column carries their count. With
        ``warn``, a RetainWarning names the measures whose column the frame lacks."""
        names, columns = _frames.features(frame, self.required_columns, what)
        if warn:
            _warn_absent(frame, self)
        if not names:
            names, columns = ["\0rows"], [np.zeros(len(frame))]
        return names, columns

    def _grades_of(self, scored: pd.DataFrame) -> pd.Categorical:
        codes = self._core.grade_codes(scored["score"].to_numpy(dtype=float))
        return pd.Categorical.from_codes(codes, categories=self.grades)

    def _scored(self, frame: pd.DataFrame, n_threads: int | None) -> pd.DataFrame:
        names, columns = self._inputs(frame, "the feature frame")
        s = self._core.score(names, columns, _frames.threads(n_threads))
        data = {"score": s["score"]}
        data["grade"] = pd.Categorical.from_codes(s["grade"], categories=self.grades)
        for name, values in zip(self.groups, s["groups"], strict=True):
            data[name] = values
        data["coverage"] = s["coverage"]
        return pd.DataFrame(data, index=frame.index, copy=False)  # the arrays are ours

    def _parts(
        self,
        frame: pd.DataFrame,
        parts: Sequence[_Part],
        n_threads: int | None,
        kind: str,
        warn: bool,
    ) -> Iterator[tuple[_Part, dict[str, Any]]]:
        """(positions, core result) of each part of ``frame`` scored (``kind`` "score") or
        explained ("explain") on its own; errors name rows of ``frame``."""
        names, columns = self._inputs(frame, "the feature frame", warn)
        run = self._core.score if kind == "score" else self._core.explain
        t = _frames.threads(n_threads)
        for rows in parts:
            try:
                yield rows, run(names, [c[rows] for c in columns], t)
            except RetainError as exc:
                new = renumbered(exc, _positions(rows, len(frame)))
                if new is None:
                    raise
                raise new.with_traceback(exc.__traceback__) from None

    def _score_parts(
        self, frame: pd.DataFrame, parts: Sequence[_Part], n_threads: int | None, warn: bool = True
    ) -> np.ndarray:
        out = np.empty(len(frame))
        for rows, s in self._parts(frame, parts, n_threads, "score", warn):
            out[rows] = s["score"]
        return out

    def _measure_score_parts(
        self, frame: pd.DataFrame, parts: Sequence[_Part], n_threads: int | None
    ) -> np.ndarray:
        """The 0-100 measure scores (rows x measures, NaN when left out), each part of
        ``frame`` explained on its own (see :meth:`_score_parts`)."""
        out = np.empty((len(frame), len(self.measures)))
        for rows, e in self._parts(frame, parts, n_threads, "explain", True):
            for m, values in enumerate(e["measure_score"]):
                out[rows, m] = values
        return out

    def explain(self, frame: pd.DataFrame, n_threads: int | None = None) -> pd.DataFrame:
        """Why each account scored what it did.

        Returns a DataFrame on ``frame.index`` with two-level columns: ``("contribution",
        measure)``, the measure's effective weight in that row times its measure score (these
        sum to ``score`` in every row; 0 for a measure left out as missing, NaN when the score
        is NaN), then ``("measure_score", measure)``, the 0-100 measure scores used (NaN for a
        left-out measure).
        """
        frame = _frames.require_frame(frame, "the feature frame")
        names, columns = self._inputs(frame, "the feature frame")
        e = self._core.explain(names, columns, _frames.threads(n_threads))
        return self._explanation_frame(e, frame.index)

    def _explanation_frame(self, e: dict[str, Any], index: pd.Index) -> pd.DataFrame:
        columns = pd.MultiIndex.from_product([["contribution", "measure_score"], self.measures])
        data = np.column_stack([*e["contribution"], *e["measure_score"]])
        return pd.DataFrame(data, index=index, columns=columns)

    def explain_change(
        self, before: pd.DataFrame, after: pd.DataFrame, n_threads: int | None = None
    ) -> pd.DataFrame:
        """Why scores moved between two feature frames of the same accounts (by index).

        Returns a DataFrame indexed by the accounts in both frames (in ``after``'s order) with
        ``score_before``, ``score_after``, ``change``, then one column per measure: the change
        of its contribution. The measure columns sum to ``change`` in every row (NaN where
        either score is NaN).
        """
        before = _frames.require_frame(before, "before")
        after = _frames.require_frame(after, "after")
        _unique_index(before, "before")
        _unique_index(after, "after")
        accounts = after.index[after.index.isin(before.index)]
        b = before.loc[accounts]
        a = after.loc[accounts]
        b_names, b_cols = self._inputs(b, "before")
        a_names, a_cols = self._inputs(a, "after")
        t = _frames.threads(n_threads)
        change = self._core.explain_change(b_names, b_cols, a_names, a_cols, t)
        score_before = self._core.explain(b_names, b_cols, t)["score"]
        data = {
            "score_before": score_before,
            "score_after": score_before + change["score"],
            "change": change["score"],
        }
        data.update(zip(self.measures, change["contribution"], strict=True))
        return pd.DataFrame(data, index=accounts)

    def reasons(
        self,
        frame: pd.DataFrame,
        top: int = 3,
        previous: pd.DataFrame | None = None,
        n_threads: int | None = None,
    ) -> pd.DataFrame:
        """The measures that cost each account the most points, or that moved its score most.

        A measure costs a row ``w * (100 - measure_score)`` points, ``w`` being its effective
        weight in that row's score (its contribution over its measure score): the nominal
        weight renormalised over what counts in the row under the missing policy. A measure
        left out under ``reweight`` costs nothing; under ``neutral`` and ``zero`` a missing one
        counts as scored 50 or 0 and does cost points. Over all measures of a row the points
        lost sum to ``100 - score``.

        Parameters
        ----------
        frame : DataFrame
            Features of the accounts, one row each, read as :meth:`score` reads them.
        top : int, default 3
            The most reasons per row (a whole number >= 1).
        previous : DataFrame, optional
            Features of the same accounts at an earlier date (by index: every account of
            ``frame`` must be in it; both indexes unique). Its rows of ``frame``'s accounts are
            scored, as :meth:`explain_change` scores the accounts both frames hold (extra
            accounts are ignored, and a percentile measure without a reference ranks among
            these rows). Then the reasons are the measures whose contribution changed most,
            largest ``|change|`` first.
        n_threads : int, optional
            Threads (None = every core); the result does not depend on it.

        Returns
        -------
        DataFrame
            One row per (account, rank), indexed by ``frame``'s index plus a ``rank`` level
            (1, 2, ... within an account), accounts in ``frame``'s order. Measures that cost 0
            points (or, with ``previous``, did not move) are not listed, ties go in document
            order, and an account whose score is NaN (in either frame) has no rows. Columns:

            - ``measure``, ``label``: the measure's name and label;
            - ``value``: its raw value (NaN when missing), ``measure_score`` (0-100, 50 or 0
              for a missing one under ``neutral``/``zero``), ``points_lost``, and ``reason``,
              e.g. ``"active users in 30 days: 4 — scores 20 of 100, costs 24.0 points"``;
            - with ``previous``: ``measure``, ``label``, ``value_before``, ``value``,
              ``points`` (the signed change of contribution, summing with the measures not
              listed to the score's change) and ``reason``, e.g. ``"nps: 9 → 5, -12.0 points"``.

        Raises
        ------
        InputError
            ``top`` not a whole number >= 1, an infinite value (naming column and row), a
            missing value under the ``error`` policy, an account of ``frame`` absent from
            ``previous``, or a repeated account when ``previous`` is given.
        ColumnError
            A column the model reads is absent under the ``error`` policy (under the others it
            is missing in every row, with a RetainWarning naming the measure).

        Examples
        --------
        >>> model = rt.HealthModel({
        ...     "version": 1,
        ...     "groups": [{"name": "usage", "weight": 0.6},
        ...                {"name": "satisfaction", "weight": 0.4}],
        ...     "measures": [
        ...         {"name": "active_users_30d", "group": "usage",
        ...          "label": "active users in 30 days",
        ...          "transform": {"kind": "linear", "lo": 0, "hi": 20}},
        ...         {"name": "nps", "group": "satisfaction",
        ...          "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]}}],
        ...     "missing": "neutral"})
        >>> features = pd.DataFrame({"active_users_30d": [4.0, 20.0], "nps": [np.nan, 10.0]},
        ...                         index=pd.Index(["acme", "bolt"], name="account"))
        >>> model.reasons(features)["points_lost"]
        account  rank
        acme     1       48.0
                 2       20.0
        Name: points_lost, dtype: float64
        >>> for reason in model.reasons(features)["reason"]:
        ...     print(reason)
        active users in 30 days: 4 — scores 20 of 100, costs 48.0 points
        nps: missing — counted as 50 of 100, costs 20.0 points
        """
        frame = _frames.require_frame(frame, "the feature frame")
        top = _top(top, len(self.measures))
        if previous is not None:
            previous = _aligned_previous(frame, previous)
        rows, rank, data = self._reason_data(frame, top, previous, n_threads, warn=True)
        return _reason_frame(frame.index, rows, rank, data)

    def _reason_data(
        self,
        frame: pd.DataFrame,
        top: int,
        previous: pd.DataFrame | None,
        n_threads: int | None,
        warn: bool,
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """(row positions in ``frame``, ranks, output columns) of :meth:`reasons`; ``previous``
        already in ``frame``'s row order."""
        names, columns = self._inputs(frame, "the feature frame", warn)
        t = _frames.threads(n_threads)
        measures = np.array(self.measures, dtype=object)
        labels = np.array(self.labels, dtype=object)
        if previous is None:
            r = self._core.reasons(names, columns, top, t)
            codes = r["measure"]
            texts = self._core.reason_texts(codes, r["value"], r["measure_score"], r["points"])
            data = {
                "measure": measures[codes],
                "label": labels[codes],
                "value": r["value"],
                "measure_score": r["measure_score"],
                "points_lost": r["points"],
            }
        else:
            b_names, b_columns = self._inputs(previous, "previous", warn)
            r = self._core.reasons_change(b_names, b_columns, names, columns, top, t)
            codes = r["measure"]
            texts = self._core.change_texts(codes, r["value_before"], r["value"], r["points"])
            data = {
                "measure": measures[codes],
                "label": labels[codes],
                "value_before": r["value_before"],
                "value": r["value"],
                "points": r["points"],
            }
        data["reason"] = np.array(texts, dtype=object)
        return r["row"].astype(np.int64), r["rank"].astype(np.int64), data

    def calibrate(self, frame: pd.DataFrame) -> HealthModel:
        """A copy of the model whose percentile measures rank against ``frame``'s values.

        Each percentile measure gets ``reference``: the sorted non-missing values of its column
        in ``frame``. Later scores then rank every account against that fixed population, so
        they stay comparable across dates and a backtest does not peek at the future. A
        percentile measure whose column is absent (ColumnError) or empty (InputError) cannot
        be calibrated.
        """
        frame = _frames.require_frame(frame, "the calibration frame")
        names, columns = self._inputs(frame, "the calibration frame", warn=False)
        return HealthModel._wrap(self._core.calibrate(names, columns))

    def __hash__(self) -> int:
        # Equal documents may spell a number differently (1 and 1.0), never a name.
        return hash((self.name, tuple(self.measures)))

    def __repr__(self) -> str:
        measures = len(self.measures)
        return f"HealthModel(name={self.name!r}, groups={self.groups!r}, measures={measures})"


class ModelSet(_Scorer):
    """A different health model per segment or lifecycle stage, scored in one call.

    ``ModelSet({"onboarding": m1, "adoption": m2}, by="lifecycle_stage")`` scores each row of a
    frame with the model named by its ``lifecycle_stage``. :meth:`score` takes the same
    arguments as :meth:`HealthModel.score` and adds a ``model`` column (Categorical of the
    keys); the group columns are those of every model, in order of first appearance (NaN where a
    row's model lacks the group), and ``grade`` has every model's labels as categories. A row
    whose stage has no model is an InputError naming the row.
    """

    def __init__(self, models: Mapping[Any, HealthModel], by: str) -> None:
        """``models`` maps each value of column ``by`` to the model that scores its rows."""
        if not isinstance(models, Mapping) or not models:
            raise TypeError("models must be a non-empty mapping of segment -> HealthModel")
        for key, model in models.items():
            if not isinstance(model, HealthModel):
                name = type(model).__name__
                raise TypeError(f"models[{key!r}] must be a HealthModel, got {name}")
        self._models = dict(models)
        self.by = by
        self._core = _core.health.ModelSet(
            [str(k) for k in models], [m._core for m in models.values()]
        )

    @property
    def models(self) -> dict[Any, HealthModel]:
        """The models by segment (a copy: a model set does not change once built)."""
        return dict(self._models)

    @property
    def groups(self) -> list[str]:
        """Every model's groups, each once, in order of first appearance."""
        return list(self._core.group_names)

    @property
    def grades(self) -> list[str]:
        """Every model's grade labels, each once, in order of first appearance."""
        return list(self._core.grade_labels)

    def _model_codes(self, frame: pd.DataFrame) -> np.ndarray:
        """The model of each row (an index into ``models``); a stage without one is an error."""
        _frames.require_columns(frame, [self.by], "the feature frame")
        segment = frame[self.by]
        keys = list(self._models)
        codes = pd.Categorical(segment, categories=keys).codes
        unmatched = codes < 0
        if unmatched.any():
            row = _frames.first_row(unmatched)
            raise InputError(
                f"column {self.by!r}, row {row}: no model for {segment.iloc[row]!r} "
                f"(models: {keys})"
            )
        model_codes: np.ndarray = codes.astype(np.int32)
        return model_codes

    def _inputs(
        self, frame: pd.DataFrame, warn: bool = True
    ) -> tuple[np.ndarray, list[str], list[np.ndarray]]:
        """The model of each row, and the columns any model reads that ``frame`` has; a
        RetainWarning names, per model scoring some row, the measures whose column is absent."""
        codes = self._model_codes(frame)
        names, columns = _frames.features(frame, self._core.required_columns, "the feature frame")
        used = np.zeros(len(self._models), dtype=bool)
        used[np.unique(codes)] = True
        for k, (key, model) in enumerate(self._models.items()):
            if warn and used[k]:
                _warn_absent(frame, model, prefix=f"model {key!r}: ")
        return codes, names, columns

    def _score_parts(
        self, frame: pd.DataFrame, parts: Sequence[_Part], n_threads: int | None, warn: bool = True
    ) -> np.ndarray:
        codes, names, columns = self._inputs(frame, warn)
        t = _frames.threads(n_threads)
        out = np.empty(len(frame))
        for rows in parts:
            try:
                s = self._core.score(codes[rows], names, [c[rows] for c in columns], t)
            except RetainError as exc:
                new = renumbered(exc, _positions(rows, len(frame)))
                if new is None:
                    raise
                raise new.with_traceback(exc.__traceback__) from None
            out[rows] = s["score"]
        return out

    def _scored(self, frame: pd.DataFrame, n_threads: int | None) -> pd.DataFrame:
        codes, names, columns = self._inputs(frame)
        s = self._core.score(codes, names, columns, _frames.threads(n_threads))
        data: dict[str, Any] = {
            "model": pd.Categorical.from_codes(codes, categories=list(self._models)),
            "score": s["score"],
            "grade": pd.Categorical.from_codes(s["grade"], categories=self.grades),
        }
        data.update(zip(self.groups, s["groups"], strict=True))
        data["coverage"] = s["coverage"]
        return pd.DataFrame(data, index=frame.index, copy=False)  # the arrays are ours

    def _grades_of(self, scored: pd.DataFrame) -> pd.Categorical:
        model_codes = scored["model"].cat.codes.to_numpy().astype(np.int32)
        codes = self._core.grade_codes(model_codes, scored["score"].to_numpy(dtype=float))
        return pd.Categorical.from_codes(codes, categories=self.grades)

    def reasons(
        self,
        frame: pd.DataFrame,
        top: int = 3,
        previous: pd.DataFrame | None = None,
        n_threads: int | None = None,
    ) -> pd.DataFrame:
        """The measures that cost each account the most points (or, with ``previous``, moved
        its score most), each row explained by its own model.

        Takes the arguments of :meth:`HealthModel.reasons` and returns the same long frame
        (index: ``frame``'s plus ``rank``; accounts in ``frame``'s order). Each row is
        explained with the model its ``by`` value names, on the rows of that model only, as
        :meth:`score` scores them (a percentile measure without a reference ranks within its
        model's rows), so ``measure`` and ``label`` name that model's measures. Errors name
        rows of ``frame``; a row whose stage has no model is an InputError.
        """
        frame = _frames.require_frame(frame, "the feature frame")
        top = _top(top, max(len(m.measures) for m in self._models.values()))
        if previous is not None:
            previous = _aligned_previous(frame, previous)
        codes, _, _ = self._inputs(frame)
        parts = []
        for k, model in enumerate(self._models.values()):
            rows = np.flatnonzero(codes == k)
            if not len(rows):
                continue
            before = None if previous is None else previous.iloc[rows]
            try:
                r, rank, data = model._reason_data(
                    frame.iloc[rows], min(top, len(model.measures)), before, n_threads, False
                )
            except RetainError as exc:
                new = renumbered(exc, rows)
                if new is None:
                    raise
                raise new.with_traceback(exc.__traceback__) from None
            parts.append((rows[r], rank, data))
        if previous is None:
            keys = ["measure", "label", "value", "measure_score", "points_lost", "reason"]
        else:
            keys = ["measure", "label", "value_before", "value", "points", "reason"]
        if not parts:
            empty = np.array([], dtype=np.int64)
            data = {
                key: np.array([], dtype=object if key in ("measure", "label", "reason") else float)
                for key in keys
            }
            return _reason_frame(frame.index, empty, empty, data)
        rows = np.concatenate([p[0] for p in parts])
        rank = np.concatenate([p[1] for p in parts])
        order = np.lexsort((rank, rows))
        data = {key: np.concatenate([p[2][key] for p in parts])[order] for key in keys}
        return _reason_frame(frame.index, rows[order], rank[order], data)

    def calibrate(self, frame: pd.DataFrame) -> ModelSet:
        """Each model calibrated (see :meth:`HealthModel.calibrate`) on its own rows of ``frame``;
        a model with no rows in ``frame`` stays as it is."""
        frame = _frames.require_frame(frame, "the calibration frame")
        codes = self._model_codes(frame)
        models = self.models
        for k, key in enumerate(models):
            rows = np.flatnonzero(codes == k)
            if len(rows):
                models[key] = models[key].calibrate(frame.iloc[rows])
        return ModelSet(models, by=self.by)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelSet):
            return NotImplemented
        return self.by == other.by and self._models == other._models

    def __hash__(self) -> int:
        return hash((self.by, tuple(self._models)))

    def __reduce__(self) -> tuple[type[ModelSet], tuple[dict[Any, HealthModel], str]]:
        return (ModelSet, (self._models, self.by))

    def __repr__(self) -> str:
        return f"ModelSet(models={list(self._models)!r}, by={self.by!r})"
