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

__all__ = ["usage_features"]


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

    Nothing after an as-of day, nor before ``2 w`` days ahead of it (but for the last event), is
    read for its row. An empty log gives zero counts and NaN trends and recency (no rows without
    ``accounts``).
    """
    days, labels = _frames.day_numbers(as_of, "as_of")
    w = _windows(windows)
    ev = _frames.event_log(events, account, user, timestamp, feature, accounts)
    out = _core.engagement.usage_features(ev.log, days, w)
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


def _windows(windows: Any) -> np.ndarray:
    values = np.atleast_1d(np.asarray(windows))
    if values.ndim != 1 or values.size == 0:
        raise InputError("windows: give one or more whole numbers of days")
    if not (pd.api.types.is_integer_dtype(values.dtype) or values.dtype.kind == "f"):
        raise InputError(f"windows: must be whole numbers of days, got {windows!r}")
    as_float = values.astype(np.float64)
    bad = ~np.isfinite(as_float) | (as_float != np.round(as_float)) | (as_float < 1)
    if bad.any():
        raise InputError(f"windows: a window must be a whole number of days >= 1, got {windows!r}")
    return as_float.astype(np.int64)
