"""Point-in-time snapshots from DataFrames (deprecated: use :meth:`retain.Book.snapshots`): one
row per (account, as-of date), each feature computed only from rows dated on or before the
cutoff (as-of date - ``lead_days``).

A **day** is a UTC calendar day (naive datetimes read as UTC, tz-aware ones converted, a time of
day dropped). :meth:`retain.Book.snapshots` is the same table from a :class:`~retain.Book`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from . import engagement as _engagement
from .errors import InputError

__all__ = ["snapshots"]


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
    warnings.warn(
        "rt.snapshots is deprecated: build a Book once and take book.snapshots(as_of, ...) "
        "(rt.Book(accounts, mrr=..., events=..., ...), column names given once, one time zone)",
        FutureWarning,
        stacklevel=2,
    )
    days, labels = _frames.as_of_days(as_of, "as_of")
    if len(days) == 0:
        raise InputError("as_of: give at least one date")
    if len(np.unique(days)) != len(days):
        _, first = np.unique(days, return_index=True)
        dup = sorted(set(range(len(days))) - set(first.tolist()))[0]
        raise InputError(f"as_of: the date {labels[dup].date()} is given twice (position {dup})")
    lead = _frames.whole(lead_days, "lead_days")
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


def _table_codes(
    table: Any, ids: pd.Index, columns: list[Any], account: Any, what: str
) -> tuple[pd.DataFrame, np.ndarray]:
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


def _mrr_features(
    mrr: Any,
    ids: pd.Index,
    row_acc: np.ndarray,
    cut: np.ndarray,
    account: Any,
    month: Any,
    mrr_col: Any,
    plan: Any,
) -> dict[str, Any]:
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


def _survey_features(
    surveys: Any,
    ids: pd.Index,
    row_acc: np.ndarray,
    cut: np.ndarray,
    account: Any,
    answered_at: Any,
    score: Any,
) -> dict[str, Any]:
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


def _ticket_features(
    tickets: Any,
    ids: pd.Index,
    row_acc: np.ndarray,
    cut: np.ndarray,
    account: Any,
    opened_at: Any,
    closed_at: Any,
) -> dict[str, Any]:
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
    milestones: Any,
    ids: pd.Index,
    row_acc: np.ndarray,
    cut: np.ndarray,
    account: Any,
    milestone: Any,
    reached_at: Any,
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
