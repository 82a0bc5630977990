"""Cross-validation splits of snapshot rows by calendar date that keep accounts apart: a
scikit-learn splitter for ``cv=``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from . import _frames
from .errors import InputError

__all__ = ["TimeSplits", "time_splits"]


class TimeSplits:
    """Cross-validation splits of snapshot rows by calendar date, with accounts kept apart.

    A scikit-learn splitter (``split``, ``get_n_splits``): pass it as ``cv=`` to
    ``cross_val_score`` or ``GridSearchCV``. Build it with :func:`time_splits`.
    """

    def __init__(
        self,
        days: np.ndarray,
        account_codes: np.ndarray,
        n_splits: int,
        gap_days: int,
        accounts: str,
        random_state: int,
    ) -> None:
        self._days = days
        self._codes = account_codes
        self.n_splits = n_splits
        self.gap_days = gap_days
        self.accounts = accounts
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def split(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_idx, test_idx)``: positions into the snapshot rows (``X`` must have as
        many rows as the snapshots the splitter was built from; ``y`` and ``groups`` are
        ignored)."""
        n = len(self._days)
        if X is not None and _n_rows(X) != n:
            raise InputError(f"X: has {_n_rows(X)} rows, the snapshots of these splits have {n}")
        dates = np.unique(self._days)
        size = len(dates) // (self.n_splits + 1)
        n_codes = int(self._codes.max()) + 1 if n else 0
        if self.accounts == "groups":
            rng = np.random.default_rng(self.random_state)
            group_of = rng.permutation(n_codes) % self.n_splits
        for k in range(self.n_splits):
            first = len(dates) - (self.n_splits - k) * size
            lo, hi = dates[first], dates[first + size - 1]
            in_test = (self._days >= lo) & (self._days <= hi)
            before = (self._days < lo) & (self._days + self.gap_days <= lo)
            if self.accounts == "groups":
                mine = group_of[self._codes] == k
                in_test &= mine
                before &= ~mine
            else:
                tested = np.zeros(n_codes, dtype=bool)
                tested[self._codes[in_test]] = True
                before &= ~tested[self._codes]
            train, test = np.flatnonzero(before), np.flatnonzero(in_test)
            if len(train) == 0 or len(test) == 0:
                what = "train" if len(train) == 0 else "test"
                raise InputError(
                    f"time_splits: fold {k} (test dates {_day(lo)} to {_day(hi)}) has an empty "
                    f"{what} set; use fewer splits, a smaller gap_days or more dates"
                )
            yield train, test

    def __repr__(self) -> str:
        return (
            f"TimeSplits(n_splits={self.n_splits}, gap_days={self.gap_days}, "
            f"accounts={self.accounts!r}, rows={len(self._days)}, "
            f"dates={len(np.unique(self._days))})"
        )


def time_splits(
    snapshots: pd.DataFrame,
    n_splits: int = 3,
    *,
    account: Any = "account_id",
    gap_days: int = 0,
    accounts: str = "groups",
    random_state: int = 0,
) -> TimeSplits:
    """Expanding-window splits of snapshot rows by calendar date, keeping accounts apart.

    ``snapshots`` has columns ``account`` and ``as_of`` (the snapshot date, always so named).

    The distinct as-of dates are cut as scikit-learn's ``TimeSeriesSplit`` cuts samples: fold k
    of ``n_splits`` tests on a block of ``len(dates) // (n_splits + 1)`` consecutive dates (the
    last blocks, oldest first) and trains on the rows dated strictly before the block's first
    date d and at least ``gap_days`` before it (as_of + gap_days <= d: with gap_days equal to the
    label horizon, every training label was known by d).

    Accounts never sit in a fold's train and test sets at once:

    - ``accounts="groups"`` (default): accounts are dealt into ``n_splits`` groups (a permutation
      seeded by ``random_state``), fold k tests the accounts of group k on its dates and trains on
      the other groups' earlier rows. This suits panels where the same accounts appear at every
      date;
    - ``accounts="all"``: fold k tests every row of its dates and trains on the earlier rows of
      accounts that are not in its test set (only useful when accounts come and go).

    A fold with an empty train or test set is an InputError when it is reached. The folds depend
    only on the (account, as_of) pairs, never on row order.

    >>> labelled = rt.label_churn(snaps, churns, horizon_days=90)
    >>> X, y = labelled.frame[features], labelled.frame["label"]
    >>> cross_val_score(model, X, y, cv=rt.backtest.time_splits(labelled.frame, gap_days=90))
    """
    snapshots = _frames.require_frame(snapshots, "the snapshots table")
    as_of = "as_of"
    _frames.require_columns(snapshots, [account, as_of], "the snapshots table")
    k = _frames.whole(n_splits, "n_splits")
    if k < 2:
        raise InputError(f"n_splits: must be a whole number >= 2, got {k}")
    gap = _frames.whole(gap_days, "gap_days")
    if gap < 0:
        raise InputError(f"gap_days: must be a whole number of days >= 0, got {gap}")
    if accounts not in ("groups", "all"):
        raise InputError(f"accounts: must be 'groups' or 'all', got {accounts!r}")
    days = _frames.utc_days(snapshots[as_of], as_of)
    nat = days == _frames.NAT
    if nat.any():
        raise InputError(f"column {as_of!r}, row {_frames.first_row(nat)}: missing date")
    codes, ids = _frames.id_codes(snapshots[account], account)
    # Codes by sorted id, so that folds do not depend on the order of rows.
    try:
        rank = np.argsort(np.argsort(ids.to_numpy(), kind="stable"), kind="stable")
        codes = rank[codes]
    except TypeError:  # ids of mixed types: keep the order of first appearance
        pass
    n_dates = len(np.unique(days))
    if n_dates < k + 1:
        raise InputError(
            f"time_splits: {k} splits need at least {k + 1} distinct as-of dates, got {n_dates}"
        )
    return TimeSplits(
        days, codes.astype(np.int64), k, gap, accounts, _frames.whole(random_state, "random_state")
    )


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))
