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

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from . import engagement as _engagement
from .errors import InputError

__all__ = ["ChurnLabels", "TimeSplits", "label_churn", "snapshots", "time_splits"]


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
    ids = accounts[account]
    missing = ids.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"column {account!r}, row {_frames.first_row(missing)}: missing account id"
        )
    duplicated = ids.duplicated().to_numpy()
    if duplicated.any():
        row = _frames.first_row(duplicated)
        raise InputError(
            f"column {account!r}, row {row}: account {ids.iloc[row]!r} appears twice in the "
            "accounts table"
        )
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
