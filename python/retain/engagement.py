"""Product engagement from an event log: one row per event with an account, a user, a
``datetime64`` timestamp and optionally a feature name.

Conventions, the same in every function:

- A **day** is a UTC calendar day (tz-aware timestamps are taken in UTC, naive ones as UTC).
- An **as-of date** is a calendar day and includes every event on that day: the window of ``w``
  days ending on ``as_of`` holds the events with ``as_of - w days < day(timestamp) <= as_of``,
  i.e. the ``w`` calendar days ``as_of - w + 1 .. as_of``. A time of day in ``as_of`` is dropped
  (``'2024-03-31 08:00'`` means the whole of 2024-03-31). An event after ``as_of`` is never read.
- An **active day** is a day with at least one event; an **active user** (account) in a window
  is one with at least one event in it. Users are identified by their id across the whole log.
- Rows may come in any order. Bad values are errors naming the column and the 0-based row:
  missing account, user or feature ids, NaT timestamps, windows that are not >= 1 day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import InputError

__all__ = [
    "active_users",
    "feature_adoption",
    "seat_utilization",
    "stickiness",
    "usage_features",
]

_FREQS = ("D", "W", "M")


def usage_features(
    events: pd.DataFrame,
    as_of: Any,
    windows: Any = (7, 30, 90),
    accounts: Any = None,
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
    feature: Any = "feature",
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Point-in-time usage features: one row per account and as-of date.

    ``as_of`` is one date or a list of them; ``windows`` whole numbers of days (>= 1, distinct).
    The accounts are ``accounts`` (a DataFrame with the account column, or a list of ids; events
    of other accounts are ignored) or else every account of the log. Rows are ordered by account
    (in the order of ``accounts``, or of first appearance in the log) then by ``as_of`` in the
    order given; the first two columns are the account column and ``as_of`` (midnight of the
    day, ``datetime64[ns]``).

    For each window ``w``, over the events of the ``w`` days ending on the as-of day:

    - ``events_{w}d``: the number of events;
    - ``active_users_{w}d``: distinct users;
    - ``active_days_{w}d``: distinct days with events;
    - ``distinct_features_{w}d``: distinct features (only when the log has a feature column);
    - ``trend_{w}d``: events in those ``w`` days / events in the ``w`` days before them; NaN
      when that earlier count is 0 (0 when only the earlier one has events).

    And ``days_since_last_event``: the as-of day minus the day of the account's last event on or
    before it (0 for an event that day); NaN when it has none by then.

    A row never depends on an event after its as-of day; of the events before, only those in the
    ``2 w`` days up to it count (and the last one, for ``days_since_last_event``). An empty log
    gives zero counts and NaN trends and recency (and no rows at all without ``accounts``).
    ``n_threads`` (None: every core) runs the sweep; the result does not depend on it.
    """
    days, labels = _frames.as_of_days(as_of, "as_of")
    w = _windows(windows)
    ev = _frames.event_log(events, account, user, timestamp, feature, accounts)
    out = _core.engagement.usage_features(ev.log, days, w, _frames.threads(n_threads))
    n_acc, n_q = len(ev.accounts), len(days)
    keep = n_acc * n_q  # rows of the extra "other accounts" code, if any, come last
    frame = pd.DataFrame(
        {
            ev.accounts.name: ev.accounts.repeat(n_q),
            "as_of": np.tile(labels.to_numpy(), n_acc),
        }
    )
    columns: dict[str, np.ndarray] = {}
    for k, window in enumerate(w):
        columns[f"events_{window}d"] = out["events"][k][:keep]
        columns[f"active_users_{window}d"] = out["active_users"][k][:keep]
        columns[f"active_days_{window}d"] = out["active_days"][k][:keep]
        if ev.features is not None:
            # (An empty log's core has no feature column to count: all zeros.)
            distinct = out["distinct_features"]
            columns[f"distinct_features_{window}d"] = (
                distinct[k][:keep] if distinct else np.zeros(keep, np.int64)
            )
        columns[f"trend_{window}d"] = out["trend"][k][:keep]
    columns["days_since_last_event"] = out["days_since_last_event"][:keep]
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


def active_users(
    events: pd.DataFrame,
    freq: str = "D",
    by_account: bool = False,
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
) -> pd.Series:
    """Distinct users with at least one event in each period (DAU, WAU, MAU).

    ``freq`` is ``"D"`` (UTC calendar days, labelled by their midnight), ``"W"`` (ISO weeks,
    Monday to Sunday, labelled by the Monday's midnight) or ``"M"`` (calendar months, labelled by
    ``Period[M]``). A user counts once per period however many events or accounts they have.

    Without ``by_account``: a Series ``active_users`` indexed by every period from the log's first
    to its last, 0 for periods without events (empty for an empty log). With ``by_account``: a
    Series indexed by (account, period) holding only the pairs with at least one event (any other
    pair is 0), by account in order of first appearance, then period.
    """
    if freq not in _FREQS:
        raise InputError(f"freq: must be 'D', 'W' or 'M', got {freq!r}")
    ev = _frames.event_log(events, account, user, timestamp, None)
    if by_account:
        codes, keys, counts = _core.engagement.active_users_by_account(ev.log, freq)
        index = pd.MultiIndex.from_arrays(
            [ev.accounts.take(codes), _period_labels(keys, freq)],
            names=[ev.accounts.name, "period"],
        )
        return pd.Series(counts, index=index, name="active_users")
    first, counts = _core.engagement.active_users(ev.log, freq)
    step = 7 if freq == "W" else 1
    keys = first + step * np.arange(len(counts), dtype=np.int64)
    return pd.Series(counts, index=_period_labels(keys, freq), name="active_users")


def stickiness(
    events: pd.DataFrame,
    by_account: bool = False,
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
) -> pd.DataFrame:
    """Stickiness per calendar month: the month's mean DAU over its MAU.

    Returns a DataFrame with ``mean_dau`` (daily active users summed over the month's days,
    divided by the number of days in the calendar month: days without events count 0, and a first
    or last month only partly covered by the log still counts all its days), ``mau`` (distinct
    users in the month) and ``stickiness`` = mean_dau / mau, between 0 and 1; NaN for a month
    without events. A user counts once per day (month) however many accounts they appear in.

    Without ``by_account``: indexed by ``Period[M]``, every month from the log's first to its last
    (empty for an empty log). With ``by_account``: the same over each account's own users,
    indexed by (account, period) and holding only the pairs with at least one event (any other
    pair has no active user), by account in order of first appearance, then month.
    """
    ev = _frames.event_log(events, account, user, timestamp, None)
    if by_account:
        codes, months, mean_dau, mau, ratio = _core.engagement.stickiness_by_account(ev.log)
        index = pd.MultiIndex.from_arrays(
            [ev.accounts.take(codes), _period_labels(months, "M")],
            names=[ev.accounts.name, "period"],
        )
    else:
        first, mean_dau, mau, ratio = _core.engagement.stickiness(ev.log)
        months = first + np.arange(len(mau), dtype=np.int64)
        index = _period_labels(months, "M")
    return pd.DataFrame({"mean_dau": mean_dau, "mau": mau, "stickiness": ratio}, index=index)


def feature_adoption(
    events: pd.DataFrame,
    as_of: Any,
    window_days: int = 30,
    level: str = "account",
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
    feature: Any = "feature",
) -> pd.DataFrame:
    """Feature adoption in the ``window_days`` days ending on ``as_of``.

    ``level="account"``: for each feature, the share of active accounts (accounts with at least
    one event in the window) that used it in the window; ``level="user"``: the same over distinct
    users. Returns a DataFrame indexed by feature (every feature of the log, in order of first
    appearance; 0 for features unused in the window) with ``adopters`` (accounts or users that
    used it), ``active`` (accounts or users active in the window) and ``adoption`` = adopters /
    active, NaN when nobody was active. The log needs a feature column.
    """
    if level not in ("account", "user"):
        raise InputError(f"level: must be 'account' or 'user', got {level!r}")
    day = _one_day(as_of)
    window = int(_windows([window_days], "window_days")[0])
    ev = _frames.event_log(events, account, user, timestamp, feature, need_feature=True)
    if ev.log.n_events == 0:  # an empty log has no feature codes: nothing adopted, nobody active
        if ev.features is None:  # feature=None; the core says so for a log with events
            raise InputError("feature: the event log has no feature column")
        adopters, active = np.zeros(len(ev.features), np.int64), 0
    else:
        adopters, active = _core.engagement.feature_adoption(ev.log, day, window, level)
    assert ev.features is not None  # the core raised above for a log without a feature column
    share = adopters / active if active else np.full(len(adopters), np.nan)
    return pd.DataFrame(
        {"adopters": adopters, "active": np.full(len(adopters), active), "adoption": share},
        index=pd.Index(ev.features, name=ev.features.name),
    )


def seat_utilization(
    events: pd.DataFrame,
    seats: Any,
    as_of: Any,
    window_days: int = 30,
    *,
    account: Any = "account_id",
    user: Any = "user_id",
    timestamp: Any = "timestamp",
    seats_col: Any = "seats",
) -> pd.DataFrame:
    """Seat utilization: active users in the ``window_days`` days ending on ``as_of`` over
    licensed seats, per account.

    ``seats`` is a DataFrame with the account column and ``seats_col``, or a Series of seats
    indexed by account id. Every account must be listed once, with a finite number of seats > 0:
    0, negative or missing seats are an error naming the row (a utilization over 0 seats has no
    meaning; leave such accounts out). Returns one row per account of ``seats``, in its order,
    with the account column, ``active_users``, ``seats`` and ``utilization`` = active_users /
    seats (above 1 when more users are active than seats are licensed). Events of accounts not in
    ``seats`` are ignored.
    """
    day = _one_day(as_of)
    window = int(_windows([window_days], "window_days")[0])
    if isinstance(seats, pd.Series):
        ids, values, name = seats.index, seats, seats.name if seats.name is not None else "seats"
    else:
        frame = _frames.require_frame(seats, "the seats table")
        _frames.require_columns(frame, [account, seats_col], "the seats table")
        ids, values, name = frame[account], frame[seats_col], seats_col
    ids = pd.Index(ids)
    for bad_ids, what in ((ids.isna(), "missing account id"), (ids.duplicated(), "listed twice")):
        if bad_ids.any():
            row = _frames.first_row(np.asarray(bad_ids))
            label = "the seats index" if isinstance(seats, pd.Series) else f"column {account!r}"
            raise InputError(f"{label}, row {row}: {what} in the seats table")
    amount = _frames.amounts(pd.Series(values), name)
    ev = _frames.event_log(events, account, user, timestamp, None, accounts=list(ids))
    # The core wants seats for every account code: the extra code of other accounts' events gets
    # a placeholder, and its row is left out.
    n = len(ev.accounts)
    seats_per_code = np.append(amount, np.ones(ev.log.n_accounts - n))
    active, share = _core.engagement.seat_utilization(
        ev.log, seats_per_code, day, window, str(name)
    )
    return pd.DataFrame(
        {
            ev.accounts.name: ev.accounts,
            "active_users": active[:n],
            "seats": amount,
            "utilization": share[:n],
        }
    )


def _one_day(as_of: Any) -> int:
    days, _ = _frames.as_of_days(as_of, "as_of")
    if len(days) != 1:
        raise InputError(f"as_of: give one date, got {len(days)}")
    return int(days[0])


def _period_labels(keys: np.ndarray, freq: str) -> pd.Index:
    keys = np.asarray(keys, dtype=np.int64)
    if freq == "M":
        return pd.PeriodIndex.from_ordinals(keys, freq="M", name="period")
    days = keys.astype("datetime64[D]").astype("datetime64[ns]")
    return pd.DatetimeIndex(days, name="period")


def _windows(windows: Any, name: str = "windows") -> np.ndarray:
    values = np.atleast_1d(np.asarray(windows))
    if values.ndim != 1 or values.size == 0:
        raise InputError(f"{name}: give one or more whole numbers of days")
    if not (pd.api.types.is_integer_dtype(values.dtype) or values.dtype.kind == "f"):
        raise InputError(f"{name}: a window must be a whole number of days, got {windows!r}")
    as_float = values.astype(np.float64)
    bad = ~np.isfinite(as_float) | (as_float != np.round(as_float)) | (as_float < 1)
    if bad.any():
        raise InputError(f"{name}: a window must be a whole number of days >= 1, got {windows!r}")
    return as_float.astype(np.int64)
