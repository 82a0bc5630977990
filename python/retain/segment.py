"""Segmentation: accounts into service tiers by a rules document.

A document lists tiers in order; an account gets the first tier whose conditions all hold::

    {"tiers": [
      {"name": "high_touch", "when": [{"column": "arr", "op": ">=", "value": 100000}]},
      {"name": "low_touch", "when": [{"column": "arr", "op": ">=", "value": 10000},
                                     {"column": "score", "op": ">=", "value": 40}]},
      {"name": "tech_touch"}]}

A tier without ``when`` (or with an empty list) matches every account. Ops are ``< <= > >= ==
!=`` (value a number), ``in`` (a non-empty list of numbers) and ``between`` (``[lo, hi]`` with
lo <= hi, inclusive at both ends). Conditions read numeric columns; a NaN (missing) value makes a
condition false, whatever the op (so it never matches ``!=`` either). An account that matches no
tier gets no tier (NaN). A bad document is a :class:`retain.ConfigError` naming the key's path,
e.g. ``tiers[1].when[0].op: unknown op '=>' (expected < <= > >= == != in between)``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _core, _documents, _frames
from .errors import InputError

if TYPE_CHECKING:
    from ._core.segment import Segmenter as _CoreSegmenter

__all__ = ["Segmenter"]


class Segmenter(_documents.Documented):
    """Tiers of a rules document (see the module docstring), validated once, applied to frames.

    Build one with ``Segmenter(rules)`` (a dict, as :meth:`from_dict`) or :meth:`from_json`. Two
    segmenters are equal when their documents are; a segmenter pickles as its document.
    """

    _core_type = _core.segment.Segmenter
    _what = "rules"
    _core: _CoreSegmenter

    @property
    def tiers(self) -> list[str]:
        """Tier names in document order."""
        return list(self._core.tier_names)

    @property
    def required_columns(self) -> list[str]:
        """The columns the conditions read, each once, in order of first use."""
        return list(self._core.required_columns)

    def assign(self, frame: pd.DataFrame) -> pd.Series:
        """The tier of each row of ``frame`` (one row per account).

        Returns a Categorical Series named ``"tier"`` on ``frame.index``, its categories the tiers
        in document order, NaN for rows matching no tier. A column a rule reads but ``frame``
        lacks is a :class:`retain.ColumnError` naming it and the rule's path; a non-numeric
        column is an :class:`retain.InputError`. Missing values read as NaN (never match).
        """
        frame = _frames.require_frame(frame, "the accounts frame")
        names: list[str] = []
        columns: list[npt.ArrayLike] = []
        for name in self._core.required_columns:
            if (frame.columns == name).sum() > 1:
                raise InputError(f"the accounts frame has more than one column {name!r}")
            if name in frame.columns:
                names.append(name)
                columns.append(_frames.amounts(frame[name], name))
        codes = self._core.assign(names, columns) if names else self._no_columns(len(frame))
        tiers = pd.Categorical.from_codes(codes, categories=self.tiers)
        return pd.Series(tiers, index=frame.index, name="tier")

    def _no_columns(self, n: int) -> npt.NDArray[np.int32]:
        # A document without conditions needs no column, and says nothing of the row count.
        if self._core.required_columns:
            return self._core.assign([], [])  # raises the ColumnError naming the rule
        return self._core.assign(["_rows"], [np.zeros(n)])

    def _categorical(self, assigned: Any, what: str) -> pd.Series:
        """``assigned`` (tier names, e.g. from :meth:`assign`) as a Categorical of our tiers."""
        if not isinstance(assigned, pd.Series):
            raise TypeError(
                f"{what} must be a pandas Series of tiers, got {type(assigned).__name__}"
            )
        cat = pd.Categorical(assigned.astype(object), categories=self.tiers)
        unknown = assigned.notna().to_numpy() & (cat.codes < 0)
        if unknown.any():
            row = _frames.first_row(unknown)
            raise InputError(
                f"{what}, row {row}: unknown tier {assigned.iloc[row]!r} (tiers: {self.tiers})"
            )
        return pd.Series(cat, index=assigned.index, name=assigned.name)

    def coverage(
        self, assigned: pd.Series, capacity: dict[str, float] | None = None
    ) -> pd.DataFrame:
        """Accounts per tier and the CSMs they need.

        ``assigned`` is a Series of tiers (as :meth:`assign` returns); ``capacity`` maps a tier to
        the accounts one CSM covers (> 0). Returns one row per tier in document order (index
        ``tier``) with ``accounts``, ``capacity`` and ``csms_needed = ceil(accounts /
        capacity)``; both NaN for a tier without a capacity (tech touch). Accounts without a
        tier are not counted.
        """
        capacity = {} if capacity is None else dict(capacity)
        for tier, per_csm in capacity.items():
            if tier not in self.tiers:
                raise InputError(f"capacity: unknown tier {tier!r} (tiers: {self.tiers})")
            if isinstance(per_csm, bool) or not isinstance(per_csm, (int, float, np.number)):
                raise InputError(f"capacity[{tier!r}]: expected a number, got {per_csm!r}")
            if not per_csm > 0 or math.isinf(per_csm):
                raise InputError(f"capacity[{tier!r}]: must be a positive number, got {per_csm}")
        tiers = self._categorical(assigned, "assigned")
        accounts = tiers.value_counts(sort=False).reindex(self.tiers).to_numpy(dtype=np.int64)
        cap = np.array([float(capacity.get(t, np.nan)) for t in self.tiers])
        index = pd.Index(self.tiers, name="tier")
        return pd.DataFrame(
            {"accounts": accounts, "capacity": cap, "csms_needed": np.ceil(accounts / cap)},
            index=index,
        )

    def moves(self, before: pd.Series, after: pd.Series) -> pd.DataFrame:
        """Accounts whose tier changed between two assignments (Series of tiers by account).

        An account in only one of them has no tier in the other; no tier ranks below the last
        tier. Returns a DataFrame indexed by account with Categorical columns ``before`` and
        ``after``: first the promotions into the first tier, then the other promotions (to an
        earlier tier), then the demotions, each group in the order of the accounts in ``after``
        and then ``before``.
        """
        b = self._categorical(before, "before")
        a = self._categorical(after, "after")
        for series, what in ((b, "before"), (a, "after")):
            if not series.index.is_unique:
                dup = series.index[series.index.duplicated()][0]
                raise InputError(f"{what}: account {dup!r} appears more than once")
        accounts = a.index.union(b.index, sort=False)
        if accounts.name is None:
            accounts = accounts.rename(a.index.name or b.index.name or "account")
        b = b.reindex(accounts)
        a = a.reindex(accounts)
        last = len(self.tiers)  # rank of no tier
        rank_b = np.where(b.cat.codes < 0, last, b.cat.codes)
        rank_a = np.where(a.cat.codes < 0, last, a.cat.codes)
        changed = rank_a != rank_b
        group = np.where(rank_a == 0, 0, np.where(rank_a < rank_b, 1, 2))
        order = np.flatnonzero(changed)
        order = order[np.argsort(group[order], kind="stable")]
        return pd.DataFrame(
            {"before": b.iloc[order].array, "after": a.iloc[order].array},
            index=accounts[order],
        )

    def __hash__(self) -> int:
        # Equal documents may spell a number differently (1 and 1.0), never the tiers.
        return hash(tuple(self.tiers))

    def __repr__(self) -> str:
        return f"Segmenter(tiers={self.tiers!r})"
