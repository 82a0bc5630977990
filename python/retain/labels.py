"""Churn labels of point-in-time snapshot rows: 1 when the account churned within the horizon
after the row's as-of date, rows of accounts already gone and rows whose outcome is not known yet
dropped (and counted).

Conventions, as in :mod:`retain.backtest`: a **day** is a UTC calendar day (naive datetimes read
as UTC, tz-aware ones converted, a time of day dropped); bad values are
:class:`~retain.InputError` naming the column and the 0-based row; a missing column is a
:class:`~retain.ColumnError` naming it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import InputError, RetainWarning

__all__ = ["ChurnLabels", "label_churn"]


@dataclass(frozen=True, repr=False)
class ChurnLabels:
    """The result of :func:`label_churn`.

    ``frame``: the snapshot rows kept, in input order with their index and every column, plus
    ``label`` (int8: 1 churned within the horizon, 0 not). ``dropped``: rows dropped by each rule,
    ``{"inactive": n, "unresolved": n}``. ``horizon_days`` and ``observed_until`` (a Timestamp,
    None without snapshot rows) are the settings used.
    """

    frame: pd.DataFrame
    dropped: dict[str, int]
    horizon_days: int
    observed_until: pd.Timestamp | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def churn_rate(self) -> float:
        """Share of the kept rows labelled 1 (NaN without rows)."""
        n = len(self.frame)
        return float(self.counts.get("positives", 0)) / n if n else float("nan")

    def __repr__(self) -> str:
        until = "None" if self.observed_until is None else self.observed_until.date().isoformat()
        return (
            f"ChurnLabels(rows={len(self.frame)}, churned={self.counts.get('positives', 0)}, "
            f"churn_rate={self.churn_rate:.4g}, horizon_days={self.horizon_days}, "
            f"observed_until={until}, dropped={self.dropped})"
        )


def label_churn(
    snapshots: pd.DataFrame,
    churns: pd.DataFrame,
    horizon_days: int = 90,
    observed_until: Any = None,
    *,
    account: Any = "account_id",
    churned_at: Any = "churned_at",
    returned_at: Any = "returned_at",
) -> ChurnLabels:
    """Label snapshot rows with churn in the ``horizon_days`` days after their as-of date.

    ``snapshots`` has one row per (``account``, ``as_of``) with any feature columns (its date
    column is always named ``as_of``, as :func:`snapshots` and :meth:`retain.Book.snapshots`
    name it); ``churns`` one row per churn (``account``, ``churned_at``, and optionally
    ``returned_at``, the day the account came back; missing or NaT means it did not). An account
    may churn, come back and churn again. Dates are datetime64 (tz-aware ok) or ISO text, read as
    whole UTC days. With a :class:`~retain.Book`, :meth:`retain.Book.labels` does the same from
    the Book's churns.

    For a snapshot row at day t, the rules in this order:

    1. **inactive** (dropped): the account is not active at t — it has a churn dated on or before
       t with no return on or before t (a return on day t makes it active that day);
    2. **unresolved** (dropped): t + horizon_days is after ``observed_until`` (default: the last
       as-of date of ``snapshots``), so the outcome is not known yet — even when a churn already
       fell inside the known part, so that positives are not over-counted near the end;
    3. otherwise ``label`` = 1 when some churn is dated in (t, t + horizon_days], else 0.

    A row dropped by both rules counts as inactive. Churns of accounts without snapshot rows are
    ignored. Returns a :class:`ChurnLabels` whose ``.frame`` keeps the input's row order, index
    and columns and adds ``label`` (int8), and whose ``.dropped`` counts the dropped rows.

    Errors: a missing column (ColumnError); a missing account, as-of or churn date, a return
    before its churn, or a duplicate (account, as-of) pair (InputError naming the column and
    row); ``horizon_days`` not a whole number >= 1; a ``label`` column already in ``snapshots``.

    >>> snaps = pd.DataFrame({"account_id": [1, 1, 2],
    ...                       "as_of": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"])})
    >>> churns = pd.DataFrame({"account_id": [1], "churned_at": pd.to_datetime(["2024-01-20"])})
    >>> rt.label_churn(snaps, churns, horizon_days=30, observed_until="2024-03-31").frame.label
    0    1      # churned on 2024-01-20, in (2024-01-01, 2024-01-31]
    2    0      # (the row of 2024-02-01 is dropped: account 1 was gone by then)
    """
    labels = _label(
        snapshots, churns, horizon_days, observed_until, account, churned_at, returned_at
    )[0]
    warn_if_nothing_resolved("label_churn", labels, stacklevel=3)
    return labels


def warn_if_nothing_resolved(who: str, labels: ChurnLabels, stacklevel: int) -> None:
    """A RetainWarning when rows were there but not one outcome is known by observed_until:
    everything measured on them would be NaN, most likely from an observed_until given too
    early (or left to default to the last as-of date)."""
    unresolved = labels.dropped["unresolved"]
    if len(labels.frame) == 0 and unresolved > 0:
        until = labels.observed_until
        day = "?" if until is None else f"{until:%Y-%m-%d}"
        warnings.warn(
            f"{who}: no row's outcome is known: each of the {unresolved} rows' "
            f"{labels.horizon_days}-day horizons ends after observed_until ({day}); give a "
            "later observed_until or earlier as-of dates",
            RetainWarning,
            stacklevel=stacklevel,
        )


def _label(
    snapshots: Any,
    churns: Any,
    horizon_days: Any,
    observed_until: Any,
    account: Any,
    churned_at: Any,
    returned_at: Any,
) -> tuple[ChurnLabels, np.ndarray]:
    """:func:`label_churn`, and the positions in ``snapshots`` of the rows it kept."""
    as_of = "as_of"
    snapshots = _frames.require_frame(snapshots, "the snapshots table")
    churns = _frames.require_frame(churns, "the churns table")
    _frames.require_columns(snapshots, [account, as_of], "the snapshots table")
    _frames.require_columns(churns, [account, churned_at], "the churns table")
    if returned_at != "returned_at":  # named explicitly: it must be there
        _frames.require_columns(churns, [returned_at], "the churns table")
    if "label" in snapshots.columns:
        raise InputError(
            "the snapshots table already has a column 'label'; drop it (or rename it) first"
        )
    horizon = _frames.whole(horizon_days, "horizon_days")
    if horizon < 1:
        raise InputError(f"horizon_days: must be a whole number of days >= 1, got {horizon}")

    codes, ids = _frames.id_codes(snapshots[account], account)
    snap_day = _frames.utc_days(snapshots[as_of], as_of)
    churn_ids = churns[account]
    missing = churn_ids.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"column {account!r} of the churns table, row {_frames.first_row(missing)}: "
            "missing account id"
        )
    churn_codes = ids.get_indexer(churn_ids).astype(np.int64, copy=False)
    if len(churn_codes) and len(ids) and (churn_codes < 0).all():
        # Some churned accounts may predate the snapshots, but none matching at all is two
        # tables keyed differently ("B" against "b", 2 against "2"): every label would be 0.
        warnings.warn(
            f"no account of the churns table is in the snapshots (churns name "
            f"{churn_ids.iloc[0]!r}, snapshots {ids[0]!r}): do both use the same ids? Every "
            "label is 0",
            RetainWarning,
            stacklevel=3,
        )
    churn_day = _frames.utc_days(churns[churned_at], churned_at)
    if returned_at in churns.columns:
        returned = _frames.utc_days(churns[returned_at], returned_at)
    else:
        returned = np.empty(0, dtype=np.int64)

    valid = snap_day[snap_day != _frames.NAT]
    if observed_until is None:
        until = int(valid.max()) if len(valid) else 0
        until_label = pd.Timestamp(until, unit="D") if len(valid) else None
    else:
        days, labels = _frames.as_of_days(observed_until, "observed_until")
        if len(days) != 1:
            raise InputError(f"observed_until: give one date, got {len(days)}")
        until, until_label = int(days[0]), labels[0]

    label, counts = _core.backtest.label_churn(
        codes,
        snap_day,
        churn_codes,
        churn_day,
        returned,
        len(ids),
        horizon,
        until,
        str(account),
        str(as_of),
        str(churned_at),
        str(returned_at),
    )
    keep = np.flatnonzero(label >= 0)
    frame = snapshots.take(keep)
    frame.insert(frame.shape[1], "label", label[keep])
    dropped = {"inactive": int(counts["inactive"]), "unresolved": int(counts["unresolved"])}
    counts = {k: int(v) for k, v in counts.items()}
    return ChurnLabels(frame, dropped, horizon, until_label, counts), keep
