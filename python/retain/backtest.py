"""Backtesting churn models without look-ahead: churn labels, point-in-time snapshots and
cross-validation splits by calendar date that keep accounts apart.

Conventions, the same in every function:

- A **day** is a UTC calendar day: naive datetimes are read as UTC, tz-aware ones converted to
  UTC, and a time of day is dropped (``'2024-03-31 08:00'`` is the day 2024-03-31).
- An **as-of date** t includes everything dated on day t; a snapshot at t never reads a row dated
  after its cutoff (t - ``lead_days``), and a label at t looks at churns in (t, t + horizon].
- Bad values are :class:`~retain.InputError` naming the column and the 0-based row; a missing
  column is a :class:`~retain.ColumnError` naming it.
"""

from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from . import engagement as _engagement
from . import metrics as _metrics
from .errors import InputError, RetainWarning

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


# --------------------------------------------------------------------------------------- labels


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
    as_of: Any = "as_of",
    churn_date: Any = "churn_date",
    returned_at: Any = "returned_at",
) -> ChurnLabels:
    """Label snapshot rows with churn in the ``horizon_days`` days after their as-of date.

    ``snapshots`` has one row per (``account``, ``as_of``) with any feature columns; ``churns``
    one row per churn (``account``, ``churn_date``, and optionally ``returned_at``, the day the
    account came back; missing or NaT means it did not). An account may churn, come back and
    churn again. Dates are datetime64 (tz-aware ok) or ISO text, read as whole UTC days.

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
    >>> churns = pd.DataFrame({"account_id": [1], "churn_date": pd.to_datetime(["2024-01-20"])})
    >>> rt.label_churn(snaps, churns, horizon_days=30, observed_until="2024-03-31").frame.label
    0    1      # churned on 2024-01-20, in (2024-01-01, 2024-01-31]
    2    0      # (the row of 2024-02-01 is dropped: account 1 was gone by then)
    """
    snapshots = _frames.require_frame(snapshots, "the snapshots table")
    churns = _frames.require_frame(churns, "the churns table")
    _frames.require_columns(snapshots, [account, as_of], "the snapshots table")
    _frames.require_columns(churns, [account, churn_date], "the churns table")
    if returned_at != "returned_at":  # named explicitly: it must be there
        _frames.require_columns(churns, [returned_at], "the churns table")
    if "label" in snapshots.columns:
        raise InputError(
            "the snapshots table already has a column 'label'; drop it (or rename it) first"
        )
    horizon = _whole(horizon_days, "horizon_days")
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
    churn_day = _frames.utc_days(churns[churn_date], churn_date)
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
        str(churn_date),
        str(returned_at),
    )
    keep = np.flatnonzero(label >= 0)
    frame = snapshots.take(keep)
    frame.insert(frame.shape[1], "label", label[keep])
    dropped = {"inactive": int(counts["inactive"]), "unresolved": int(counts["unresolved"])}
    return ChurnLabels(frame, dropped, horizon, until_label, {k: int(v) for k, v in counts.items()})


# ------------------------------------------------------------------------------------ snapshots


def snapshots(
    as_of: Any,
    accounts: pd.DataFrame,
    mrr: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    milestones: pd.DataFrame | None = None,
    lead_days: int = 0,
    *,
    windows: Any = (7, 30, 90),
    account: Any = "account_id",
    signed_at: Any = "signed_at",
    month: Any = "month",
    mrr_col: Any = "mrr",
    plan: Any = "plan",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
    feature: Any = "feature",
    answered_at: Any = "answered_at",
    score: Any = "score",
    opened_at: Any = "opened_at",
    closed_at: Any = "closed_at",
    milestone: Any = "milestone",
    reached_at: Any = "reached_at",
) -> pd.DataFrame:
    """The point-in-time feature table: one row per (account, as-of date), each feature computed
    only from rows dated on or before the **cutoff** = as-of date - ``lead_days``.

    ``as_of`` is one date or a list of distinct dates; ``accounts`` a DataFrame with one row per
    account (``account``, ``signed_at``). Every other table is optional and adds its features;
    its rows for accounts not in ``accounts`` are ignored. An account gets a row at a date when it
    had signed by the cutoff. Rows are ordered by as-of date (ascending), then in the order of
    ``accounts``. Columns, in this order (the features have these names whatever the input
    columns are called):

    - ``account`` (as named in ``accounts``), ``as_of`` (midnight, ``datetime64[ns]``);
    - ``tenure_days``: cutoff - signing day;
    - from ``events`` (``account``, ``user``, ``timestamp``[, ``feature``]): the columns of
      :func:`retain.engagement.usage_features` for ``windows``, at the cutoff;
    - from ``mrr`` (``account``, ``month``, ``mrr_col``[, ``plan``], monthly as in
      :func:`retain.kpi.mrr_movements`): ``mrr``, the account's MRR in the calendar month that
      contains the cutoff (line items summed; 0 without a row that month), and ``plan`` (when
      the table has a plan column) of that month's row, missing without one. The MRR of a month
      is read as the rate in force from its first day (billed in advance): when your table
      records month-end MRR, a cutoff inside a month would see that month's changes — use
      ``lead_days`` or as-of dates on month ends;
    - from ``surveys`` (``account``, ``answered_at``, ``score`` on 0-10): ``nps_score``, the
      latest answer given by the cutoff (by timestamp; answers at the same instant: the higher
      score), and ``nps_age_days``, cutoff - its day; both NaN without an answer;
    - from ``tickets`` (``account``, ``opened_at``[, ``closed_at``]): ``open_tickets``, tickets
      opened on or before the cutoff and not closed by then (closed missing or after the cutoff);
    - from ``milestones`` (``account``, ``milestone``, ``reached_at``): ``milestones_reached``,
      the number of distinct milestones reached by the cutoff, and one boolean column
      ``reached_<milestone>`` per milestone of the table (sorted by name).

    Missing dates are errors naming the column and row, except ``closed_at`` (still open). Rows
    dated after a cutoff are never read for it, so the table is free of look-ahead: rebuilding it
    later, with more data, gives the same rows for the same dates.

    >>> accounts = pd.DataFrame({"account_id": ["a", "b"],
    ...                          "signed_at": pd.to_datetime(["2024-01-01", "2024-02-10"])})
    >>> rt.snapshots(["2024-02-01", "2024-03-01"], accounts)
      account_id      as_of  tenure_days
    0          a 2024-02-01           31
    1          a 2024-03-01           60
    2          b 2024-03-01           20
    """
    days, labels = _frames.as_of_days(as_of, "as_of")
    if len(days) == 0:
        raise InputError("as_of: give at least one date")
    if len(np.unique(days)) != len(days):
        _, first = np.unique(days, return_index=True)
        dup = sorted(set(range(len(days))) - set(first.tolist()))[0]
        raise InputError(f"as_of: the date {labels[dup].date()} is given twice (position {dup})")
    lead = _whole(lead_days, "lead_days")
    if lead < 0:
        raise InputError(f"lead_days: must be a whole number of days >= 0, got {lead}")
    order = np.argsort(days, kind="stable")
    days, labels = days[order], labels[order]
    cutoffs = days - lead

    ids, signed = _accounts_table(accounts, account, signed_at)
    n_acc, n_q = len(ids), len(days)
    grid_acc = np.tile(np.arange(n_acc, dtype=np.int64), n_q)
    grid_q = np.repeat(np.arange(n_q, dtype=np.int64), n_acc)
    keep = signed[grid_acc] <= cutoffs[grid_q]
    row_acc, row_q = grid_acc[keep], grid_q[keep]
    cut = cutoffs[row_q]

    columns: dict[Any, Any] = {
        account: _frames.take_rows(ids, row_acc),
        "as_of": labels.to_numpy()[row_q],
        "tenure_days": cut - signed[row_acc],
    }
    if events is not None:
        when = pd.DatetimeIndex(cutoffs.astype("datetime64[D]").astype("datetime64[ns]"))
        usage = _engagement.usage_features(
            events,
            when,
            windows,
            accounts=list(ids),
            account=account,
            user=user,
            timestamp=timestamp,
            feature=feature,
        )
        # usage_features' rows are account-major: account a at cutoff q is row a * n_q + q.
        taken = usage.iloc[row_acc * n_q + row_q, 2:]
        for name in taken.columns:
            columns[name] = taken[name].to_numpy()
    if mrr is not None:
        columns.update(_mrr_features(mrr, ids, row_acc, cut, account, month, mrr_col, plan))
    if surveys is not None:
        columns.update(_survey_features(surveys, ids, row_acc, cut, account, answered_at, score))
    if tickets is not None:
        columns.update(_ticket_features(tickets, ids, row_acc, cut, account, opened_at, closed_at))
    if milestones is not None:
        columns.update(
            _milestone_features(milestones, ids, row_acc, cut, account, milestone, reached_at)
        )
    return pd.DataFrame(columns)


def _accounts_table(accounts: Any, account: Any, signed_at: Any) -> tuple[pd.Index, np.ndarray]:
    accounts = _frames.require_frame(accounts, "the accounts table")
    _frames.require_columns(accounts, [account, signed_at], "the accounts table")
    ids = _frames.unique_accounts(accounts[account], account)
    signed = _frames.utc_days(accounts[signed_at], signed_at)
    nat = signed == _frames.NAT
    if nat.any():
        raise InputError(f"column {signed_at!r}, row {_frames.first_row(nat)}: missing date")
    return pd.Index(ids, name=account), signed


def _table_codes(table: Any, ids: pd.Index, columns: list[Any], account: Any, what: str):
    table = _frames.require_frame(table, what)
    _frames.require_columns(table, columns, what)
    keys = table[account]
    missing = keys.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"column {account!r} of {what}, row {_frames.first_row(missing)}: missing account id"
        )
    return table, ids.get_indexer(keys).astype(np.int64, copy=False)


def _required_days(table: pd.DataFrame, column: Any, known: np.ndarray) -> np.ndarray:
    """Day numbers of a date column; a missing date in a row of a known account is an error."""
    days = _frames.utc_days(table[column], column)
    bad = (days == _frames.NAT) & known
    if bad.any():
        raise InputError(f"column {column!r}, row {_frames.first_row(bad)}: missing date")
    return days


def _mrr_features(mrr, ids, row_acc, cut, account, month, mrr_col, plan) -> dict[str, Any]:
    table, codes = _table_codes(mrr, ids, [account, month, mrr_col], account, "the MRR table")
    months, _ = _frames.period_months(table[month], month)
    values = _frames.amounts(table[mrr_col], mrr_col)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = _frames.first_row(bad)
        raise InputError(
            f"column {mrr_col!r}, row {row}: MRR must be a finite number >= 0, got {values[row]}"
        )
    has_plan = plan in table.columns
    if plan != "plan" and not has_plan:
        _frames.require_columns(table, [plan], "the MRR table")
    known = codes >= 0
    parts = {"code": codes[known], "month": months[known], "mrr": values[known]}
    if has_plan:
        parts["plan"] = table[plan].to_numpy()[known]
    long = pd.DataFrame(parts)
    grouped = long.groupby(["code", "month"], sort=True)
    agg = grouped["mrr"].sum()
    if has_plan:
        n_plans = grouped["plan"].nunique(dropna=False)
        if (n_plans > 1).any():
            code, mon = n_plans.index[np.argmax(n_plans.to_numpy() > 1)]
            same = ((long["code"] == code) & (long["month"] == mon)).to_numpy()
            rows = np.flatnonzero(known)[same]
            raise InputError(
                f"column {plan!r}, row {rows[-1]}: account {ids[code]!r} has two plans in "
                f"month {pd.Period(ordinal=int(mon), freq='M')} (rows {rows[0]} and {rows[-1]})"
            )
        plans = grouped["plan"].first()
    agg_code = agg.index.get_level_values(0).to_numpy(dtype=np.int64)
    agg_month = agg.index.get_level_values(1).to_numpy(dtype=np.int64)
    timeline = _core.backtest.Timeline(
        agg_code, len(ids), agg_month, np.empty(0, np.int64), str(month)
    )
    cut_month = cut.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    hit = timeline.latest(row_acc, cut_month)
    same = hit >= 0
    same[same] = agg_month[hit[same]] == cut_month[same]
    out: dict[str, Any] = {"mrr": np.where(same, agg.to_numpy()[np.maximum(hit, 0)], 0.0)}
    if has_plan:
        out["plan"] = _frames.take_rows(plans.array, np.where(same, hit, -1))
    return out


def _survey_features(surveys, ids, row_acc, cut, account, answered_at, score) -> dict[str, Any]:
    table, codes = _table_codes(
        surveys, ids, [account, answered_at, score], account, "the survey table"
    )
    times, per_day = _frames.utc_times(table[answered_at], answered_at)
    known = codes >= 0
    bad = (times == _frames.NAT) & known
    if bad.any():
        raise InputError(f"column {answered_at!r}, row {_frames.first_row(bad)}: missing date")
    values = _frames.amounts(table[score], score)
    bad = known & ~((values >= 0) & (values <= 10) & (values == np.round(values)))
    if bad.any():
        row = _frames.first_row(bad)
        raise InputError(
            f"column {score!r}, row {row}: an NPS answer must be a whole number 0-10, got "
            f"{values[row]} (drop unanswered surveys first)"
        )
    rank = np.where(known, values, 0).astype(np.int64)
    timeline = _core.backtest.Timeline(codes, len(ids), times, rank, str(answered_at))
    hit = timeline.latest(row_acc, (cut + 1) * per_day - 1)
    found = hit >= 0
    at = np.maximum(hit, 0)
    answered_day = np.floor_divide(times[at], per_day)
    return {
        "nps_score": np.where(found, values[at], np.nan),
        "nps_age_days": np.where(found, (cut - answered_day).astype(np.float64), np.nan),
    }


def _ticket_features(tickets, ids, row_acc, cut, account, opened_at, closed_at) -> dict[str, Any]:
    table, codes = _table_codes(tickets, ids, [account, opened_at], account, "the ticket table")
    if closed_at != "closed_at":
        _frames.require_columns(table, [closed_at], "the ticket table")
    known = codes >= 0
    opened = _required_days(table, opened_at, known)
    if closed_at in table.columns:
        closed = _frames.utc_days(table[closed_at], closed_at)
    else:
        closed = np.full(len(table), _frames.NAT, dtype=np.int64)
    is_closed = closed != _frames.NAT
    early = known & is_closed & (closed < opened)
    if early.any():
        row = _frames.first_row(early)
        raise InputError(f"column {closed_at!r}, row {row}: closed before it was opened")
    none = np.empty(0, np.int64)
    opens = _core.backtest.Timeline(codes, len(ids), opened, none, str(opened_at))
    closes = _core.backtest.Timeline(
        np.where(is_closed, codes, -1), len(ids), closed, none, str(closed_at)
    )
    # A ticket closed by the cutoff was opened by then too (closed >= opened), so the open ones
    # are those opened by the cutoff less those closed by it.
    return {"open_tickets": opens.count_through(row_acc, cut) - closes.count_through(row_acc, cut)}


def _milestone_features(
    milestones, ids, row_acc, cut, account, milestone, reached_at
) -> dict[str, Any]:
    table, codes = _table_codes(
        milestones, ids, [account, milestone, reached_at], account, "the milestones table"
    )
    known = codes >= 0
    reached = _required_days(table, reached_at, known)
    labels = table[milestone]
    missing = labels.isna().to_numpy() & known
    if missing.any():
        raise InputError(
            f"column {milestone!r}, row {_frames.first_row(missing)}: missing milestone"
        )
    names = pd.Index(pd.unique(labels[known])).sort_values()
    m_code = names.get_indexer(labels)
    n_m = len(names)
    key = np.where(known, codes * n_m + m_code, -1).astype(np.int64)
    timeline = _core.backtest.Timeline(
        key, len(ids) * n_m, reached, np.empty(0, np.int64), str(reached_at)
    )
    out: dict[str, Any] = {}
    total = np.zeros(len(row_acc), dtype=np.int64)
    for m, name in enumerate(names):
        got = timeline.count_through(row_acc * n_m + m, cut) > 0
        out[f"reached_{name}"] = got
        total += got
    return {"milestones_reached": total, **out}


# --------------------------------------------------------------------------------------- splits


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
    as_of: Any = "as_of",
    gap_days: int = 0,
    accounts: str = "groups",
    random_state: int = 0,
) -> TimeSplits:
    """Expanding-window splits of snapshot rows by calendar date, keeping accounts apart.

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
    _frames.require_columns(snapshots, [account, as_of], "the snapshots table")
    k = _whole(n_splits, "n_splits")
    if k < 2:
        raise InputError(f"n_splits: must be a whole number >= 2, got {k}")
    gap = _whole(gap_days, "gap_days")
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
        days, codes.astype(np.int64), k, gap, accounts, _whole(random_state, "random_state")
    )


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _day(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}: must be a whole number, got {value!r}")
    return int(value)


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
    dropped: dict
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
    dropped: dict,
    n_boot: int,
    seed: int,
    account: Any,
    n_threads: int = 0,
) -> BacktestResult:
    """Per-date and pooled metrics of a frame of (account, as_of, risk, label) rows."""
    y = scores["label"].to_numpy(dtype=float)
    risk = scores["risk"].to_numpy(dtype=float)
    dates, date_code = np.unique(scores["as_of"].to_numpy(), return_inverse=True)
    codes = date_code.astype(np.int64)
    core = _core.backtest.evaluate_by_date(codes, len(dates), y, risk, probabilities, n_threads)
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


def _feature_columns(frame: pd.DataFrame, account: Any, as_of: Any) -> list[Any]:
    """The snapshot's feature columns: all but account, as_of and label, in their order."""
    return [c for c in frame.columns if c not in (account, as_of, "label")]


def _risk_of(
    scorer: Any, frame: pd.DataFrame, features: list[Any], n_threads: int = 1
) -> tuple[np.ndarray, bool]:
    """Risk per row of ``frame`` and whether it is a probability, for each kind of scorer."""
    from .health_model import HealthModel, ModelSet

    if isinstance(scorer, (HealthModel, ModelSet)):
        score = scorer.score(frame, n_threads=n_threads)["score"]
        return 100.0 - score.to_numpy(dtype=float), False
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
    frame: pd.DataFrame, risk: np.ndarray, account: Any, as_of: Any, dropped: dict
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
            "as_of": frame[as_of].to_numpy()[keep],
            "risk": risk[keep],
            "label": frame["label"].to_numpy()[keep],
        },
        copy=False,  # fresh arrays: pandas need not copy them into one block
    )


def backtest(
    scorer: Any,
    snapshots: pd.DataFrame,
    churns: pd.DataFrame,
    horizon_days: int = 90,
    observed_until: Any = None,
    n_boot: int = 0,
    seed: int = 0,
    *,
    n_threads: int = 0,
    account: Any = "account_id",
    as_of: Any = "as_of",
    churn_date: Any = "churn_date",
    returned_at: Any = "returned_at",
) -> BacktestResult:
    """How well ``scorer`` would have foreseen churn at every as-of date of ``snapshots``.

    The rows are labelled by :func:`label_churn` (churn in ``(as_of, as_of + horizon_days]``;
    inactive and unresolved rows dropped), scored, and measured per date and pooled.

    ``scorer`` is a :class:`~retain.HealthModel` or :class:`~retain.ModelSet` (risk = 100 -
    score; rows the model cannot score, NaN, are dropped as "unscored"), a fitted model with
    ``predict_proba`` (risk = probability of churn, given the snapshot's feature columns: all
    but account and as_of, in their order), a callable frame -> risk, or the name of a column of
    precomputed risk. ``n_boot`` > 0 adds a bootstrap 95 % interval of the pooled ROC AUC,
    resampling accounts with ``seed``. ``n_threads`` (0 = every core) is used for scoring and
    the per-date metrics; results do not depend on it.

    Returns a :class:`BacktestResult` (``per_date``, ``pooled``, ``scores``, ``summary()``,
    ``plot()``).

    >>> result = rt.backtest(model, snaps, churns, horizon_days=90)
    >>> result.per_date[["n", "churners", "roc_auc"]]
    >>> print(result.summary())
    """
    columns = {"account": account, "as_of": as_of, "churn_date": churn_date}
    labels = label_churn(
        snapshots, churns, horizon_days, observed_until, returned_at=returned_at, **columns
    )
    n_boot = _whole(n_boot, "n_boot")
    if n_boot < 0:
        raise InputError(f"n_boot: must be >= 0, got {n_boot}")
    frame = labels.frame
    features = _feature_columns(frame, account, as_of)
    risk, probabilities = _risk_of(scorer, frame, features, n_threads)
    dropped = dict(labels.dropped)
    scores = _scores_frame(frame, risk, account, as_of, dropped)
    seed = _whole(seed, "seed")
    return _evaluate(scores, probabilities, dropped, n_boot, seed, account, n_threads)


def walk_forward(
    make_model: Any,
    snapshots: pd.DataFrame,
    churns: pd.DataFrame,
    horizon_days: int = 90,
    min_train_dates: int = 3,
    observed_until: Any = None,
    *,
    account: Any = "account_id",
    as_of: Any = "as_of",
    churn_date: Any = "churn_date",
    returned_at: Any = "returned_at",
) -> BacktestResult:
    """Fit and score a churn model as it would have been run, date after date.

    At each as-of date t of the labelled snapshots, a fresh ``make_model()`` (any estimator with
    scikit-learn's ``fit(X, y)`` and ``predict_proba(X)``) is fitted on the rows whose labels
    were already known at t (``as_of + horizon_days <= t``) and scores the rows of t; X holds
    the feature columns (all but account and as_of) in their order. A date with fewer than
    ``min_train_dates`` training dates, or training rows of one class only, is skipped and
    listed in ``dropped`` (``"dates_skipped"``). No label from the future reaches a fit.

    Returns a :class:`BacktestResult` over the scored dates, with probabilities.
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable returning an estimator, got {make_model!r}")
    columns = {"account": account, "as_of": as_of, "churn_date": churn_date}
    labels = label_churn(
        snapshots, churns, horizon_days, observed_until, returned_at=returned_at, **columns
    )
    min_train = _whole(min_train_dates, "min_train_dates")
    if min_train < 1:
        raise InputError(f"min_train_dates: must be >= 1, got {min_train}")
    frame = labels.frame
    features = _feature_columns(frame, account, as_of)
    day = _frames.utc_days(frame[as_of], as_of)
    y = frame["label"].to_numpy()
    parts, skipped = [], 0
    for t in np.unique(day):
        train = day + labels.horizon_days <= t
        train_dates = len(np.unique(day[train]))
        if train_dates < min_train or len(np.unique(y[train])) < 2:
            skipped += 1
            continue
        model = make_model()
        model.fit(frame.loc[train, features], y[train])
        test = np.flatnonzero(day == t)
        risk, _ = _risk_of(model, frame.iloc[test], features)
        parts.append(_scores_frame(frame.iloc[test], risk, account, as_of, {}))
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
    wrong_way: list
    comparison: pd.DataFrame
    train_dates: list
    holdout_dates: list

    def __repr__(self) -> str:
        pooled = self.comparison.loc["pooled"]
        return (
            f"WeightFit(roc_auc before {pooled['before']:.3f}, after {pooled['after']:.3f} on "
            f"{len(self.holdout_dates)} held-out dates; wrong way: {self.wrong_way})"
        )


def fit_weights(
    model: Any,
    snapshots: pd.DataFrame,
    churns: pd.DataFrame,
    horizon_days: int = 90,
    C: float = 1.0,
    holdout: float = 0.3,
    observed_until: Any = None,
    *,
    account: Any = "account_id",
    as_of: Any = "as_of",
    churn_date: Any = "churn_date",
    returned_at: Any = "returned_at",
) -> Any:
    """A copy of a HealthModel with measure weights fitted to the churn history.

    The labelled snapshots (see :func:`label_churn`) are split by date: the last ``holdout``
    share of the as-of dates (at least one) is held out; the fit uses the earlier rows whose
    labels were known before the first held-out date (``as_of + horizon_days <=`` it), so it
    never sees the held-out outcomes. A :class:`~retain.LogisticChurnModel` (``C``) regresses
    churn on the model's measure scores (0-100; a missing measure counts as 50, neutral). Each
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
    columns = {"account": account, "as_of": as_of, "churn_date": churn_date}
    labels = label_churn(
        snapshots, churns, horizon_days, observed_until, returned_at=returned_at, **columns
    )
    frame = labels.frame
    day = _frames.utc_days(frame[as_of], as_of)
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
    names, columns = _frames.features(frame, model.required_columns, "the snapshots table")
    core_model, coefficients, wrong_way = _core.backtest.fit_weights(
        model._core, names, columns, y.astype(float), train.astype(np.uint8), float(C)
    )
    coef = pd.Series(coefficients, index=model.measures, name="coefficient")
    if wrong_way:
        warnings.warn(
            f"fit_weights: weight 0 for measures whose fitted effect points the wrong way "
            f"(a higher measure score goes with more churn): {wrong_way}",
            RetainWarning,
            stacklevel=2,
        )
    fitted = HealthModel._wrap(core_model)

    held_frame = frame[held]
    before = 100.0 - model.score(held_frame)["score"].to_numpy(dtype=float)
    after = 100.0 - fitted.score(held_frame)["score"].to_numpy(dtype=float)
    rows = {}
    held_day, held_y = day[held], y[held]
    for t in np.unique(held_day):
        part = held_day == t
        rows[pd.Timestamp(t, unit="D")] = _auc_pair(held_y[part], before[part], after[part])
    rows["pooled"] = _auc_pair(held_y, before, after)
    comparison = pd.DataFrame.from_dict(rows, orient="index", columns=["before", "after"])
    fitted.fit_report = WeightFit(
        coef,
        wrong_way,
        comparison,
        [pd.Timestamp(t, unit="D") for t in np.unique(day[train])],
        [pd.Timestamp(t, unit="D") for t in np.unique(held_day)],
    )
    return fitted


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
