"""rt.Book(...).snapshots(...) against an independent pandas/numpy oracle written from the contract
(/work/spec/BOOK_CONTRACT.md), never by calling retain's own feature functions.

The oracle reads every time value by the contract's time rule: tz-aware datetimes and ISO text with
an offset are instants, converted to the Book's tz; naive datetimes and text without an offset are
wall time in the Book's tz; a day is the calendar day there, a month the calendar month. Then, per
(as-of date, account), it applies each column's definition with boolean masks on that account's
rows. Random tables have string ids, shuffled rows, ties (same-instant survey answers with
different scores, several events a day, several MRR line items a month with credit notes), missing
closed_at / returned_at, and instants near midnight in UTC, Tokyo and New York, in every
representation (tz-aware of several zones and units, naive, ISO text with mixed offsets, naive
text), for Books in UTC, Asia/Tokyo and America/New_York.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import retain as rt

# The random tables draw signing days, MRR and churns apart, so some rows come before their
# account signed: the Book must be right on such data too; its warning about it is not tested.
pytestmark = pytest.mark.filterwarnings("ignore:table '(mrr|churns)'.*before they signed")

OPTIONAL = ("mrr", "events", "surveys", "tickets", "milestones", "churns", "activities")
# The time columns of each table (contract names).
TIME_COLUMNS = {
    "accounts": ("signed_at",),
    "events": ("timestamp",),
    "surveys": ("answered_at",),
    "tickets": ("opened_at", "closed_at"),
    "milestones": ("reached_at",),
    "churns": ("churned_at", "returned_at"),
    "activities": ("at",),
}
TOKYO_FIXED = dt.timezone(dt.timedelta(hours=9))


# ---------------------------------------------------------------------------------------------
# The oracle


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _timestamp(value, tz: str):
    """(local wall Timestamp in the Book's tz, POSIX seconds of the instant) by the time rule."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:  # naive: wall time in the Book's tz (a repeated hour: the first)
        return ts, ts.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").timestamp()
    return ts.tz_convert(tz), ts.timestamp()


def oracle_days(values, tz: str):
    """Per value: the day in the Book's tz (proleptic ordinal, -1 when missing) and the instant
    (POSIX seconds, NaN when missing)."""
    days, instants = [], []
    for value in list(values):
        if _is_missing(value):
            days.append(-1)
            instants.append(np.nan)
            continue
        local, instant = _timestamp(value, tz)
        days.append(dt.date(local.year, local.month, local.day).toordinal())
        instants.append(instant)
    return np.array(days, dtype=np.int64), np.array(instants, dtype=float)


def oracle_months(values, tz: str):
    """Per MRR period: year * 12 + month - 1 of a Period[M], 'YYYY-MM' text or datetime (its month
    in the Book's tz)."""
    out = []
    for value in list(values):
        if isinstance(value, pd.Period):
            out.append(value.year * 12 + value.month - 1)
        elif isinstance(value, str) and len(value) == 7:
            out.append(int(value[:4]) * 12 + int(value[5:7]) - 1)
        else:
            local, _ = _timestamp(value, tz)
            out.append(local.year * 12 + local.month - 1)
    return np.array(out, dtype=np.int64)


def inferred_returns(ch_account, ch_day, ch_return, mrr_account, mrr_month, mrr_amount):
    """Returns of churns without one, read from MRR as the contract says (billing in advance):
    the churn in month M shows in the bridge in M (not paid) or else M + 1 (not paid); the
    account is back on the first day of the first paying month after that one. A churn whose
    account paid in both M and M + 1 has no churned month, so nothing is inferred."""
    totals: dict = {}
    scale: dict = {}
    for a, m, v in zip(mrr_account, mrr_month, mrr_amount, strict=True):
        totals[(a, int(m))] = totals.get((a, int(m)), 0.0) + float(v)
        scale[(a, int(m))] = scale.get((a, int(m)), 0.0) + abs(float(v))

    def paying(a, m):
        total = totals.get((a, m), 0.0)
        return total > 1e-9 * scale.get((a, m), 0.0)

    out = ch_return.copy()
    for j, (a, day) in enumerate(zip(ch_account, ch_day, strict=True)):
        if out[j] >= 0:
            continue
        d = dt.date.fromordinal(int(day))
        m = d.year * 12 + d.month - 1
        gap = m if not paying(a, m) else m + 1 if not paying(a, m + 1) else None
        if gap is None:  # paid in M and M + 1: the bill wins, back on the first of M + 1
            out[j] = dt.date((m + 1) // 12, (m + 1) % 12 + 1, 1).toordinal()
            continue
        later = sorted(k for (acc, k) in totals if acc == a and k > gap and paying(a, k))
        if later:
            out[j] = dt.date(later[0] // 12, later[0] % 12 + 1, 1).toordinal()
    return out


def _day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def _by_account(frame: pd.DataFrame, ids) -> dict:
    """account id -> positions of its rows."""
    out = {a: np.array([], dtype=np.int64) for a in ids}
    for a, pos in frame.groupby("account_id", sort=False).indices.items():
        out[a] = np.asarray(pos, dtype=np.int64)
    return out


def oracle_snapshots(
    tables: dict,
    *,
    tz: str,
    as_of,
    lead_days: int = 0,
    windows=(7, 30, 90),
    active_only: bool = True,
) -> pd.DataFrame:
    """book.snapshots by the contract, from the tables under their contract column names."""
    acc = tables["accounts"].reset_index(drop=True)
    ids = [str(a) for a in acc["account_id"]]
    sign_day, _ = oracle_days(acc["signed_at"], tz)
    as_of_days = sorted({_day(str(pd.Timestamp(a).date())) for a in as_of})

    t = {name: tables[name].reset_index(drop=True) for name in OPTIONAL if name in tables}
    rows = {name: _by_account(frame, ids) for name, frame in t.items()}
    if "mrr" in t:
        mrr_month = oracle_months(t["mrr"]["period"], tz)
        mrr_amount = t["mrr"]["mrr"].to_numpy(dtype=float)
        mrr_plan = t["mrr"]["plan"].to_numpy(dtype=object) if "plan" in t["mrr"] else None
    if "events" in t:
        ev_day, _ = oracle_days(t["events"]["timestamp"], tz)
        ev_user = t["events"]["user_id"].astype(str).to_numpy(dtype=object)
        has_feature = "feature" in t["events"]
        ev_feature = t["events"]["feature"].to_numpy(dtype=object) if has_feature else None
    if "surveys" in t:
        sv_day, sv_instant = oracle_days(t["surveys"]["answered_at"], tz)
        sv_score = t["surveys"]["score"].to_numpy(dtype=float)
        if "kind" in t["surveys"]:
            sv_kind = t["surveys"]["kind"].to_numpy(dtype=object)
        else:
            sv_kind = np.array(["nps"] * len(sv_day), dtype=object)
    if "tickets" in t:
        tk_open, _ = oracle_days(t["tickets"]["opened_at"], tz)
        if "closed_at" in t["tickets"]:
            tk_closed, _ = oracle_days(t["tickets"]["closed_at"], tz)
        else:
            tk_closed = np.full(len(tk_open), -1)
    if "milestones" in t:
        ms_day, _ = oracle_days(t["milestones"]["reached_at"], tz)
        ms_name = t["milestones"]["milestone"].astype(str).to_numpy(dtype=object)
        ms_names = sorted(set(ms_name))
    if "churns" in t:
        ch_day, _ = oracle_days(t["churns"]["churned_at"], tz)
        if "returned_at" in t["churns"]:
            ch_return, _ = oracle_days(t["churns"]["returned_at"], tz)
        else:
            ch_return = np.full(len(ch_day), -1)
        if "mrr" in t:
            ch_return = inferred_returns(
                t["churns"]["account_id"].astype(str).tolist(), ch_day, ch_return,
                t["mrr"]["account_id"].astype(str).tolist(), mrr_month, mrr_amount,
            )
    if "activities" in t:
        ac_day, _ = oracle_days(t["activities"]["at"], tz)

    features: list[str] = []
    if "mrr" in t:
        features += ["mrr", "plan"]
    if "events" in t:
        for w in windows:
            features += [f"events_{w}d", f"active_users_{w}d", f"active_days_{w}d"]
            features += [f"distinct_features_{w}d"] if has_feature else []
            features += [f"trend_{w}d"]
        features += ["days_since_last_event"]
    if "surveys" in t:
        features += ["nps_score", "nps_age_days", "csat_score", "csat_age_days"]
    if "tickets" in t:
        features += ["open_tickets"]
    if "milestones" in t:
        features += ["milestones_reached"] + [f"reached_{m}" for m in ms_names]
    if "activities" in t:
        features += ["days_since_touch", "touches_30d", "touches_90d"]
    attributes = [
        c for c in acc.columns if c not in ("account_id", "signed_at") and c not in features
    ]

    out: list[dict] = []
    for a_day in as_of_days:
        cutoff = a_day - lead_days
        c_date = dt.date.fromordinal(cutoff)
        c_month = c_date.year * 12 + c_date.month - 1
        for i, account in enumerate(ids):
            if sign_day[i] > cutoff:
                continue
            row: dict = {
                "account_id": account,
                "as_of": pd.Timestamp(dt.date.fromordinal(a_day)),
                "tenure_days": cutoff - sign_day[i],
            }
            active = True
            if "mrr" in t:
                p = rows["mrr"][account]
                p = p[mrr_month[p] == c_month]
                row["mrr"] = float(mrr_amount[p].sum()) if len(p) else 0.0
                plans = [] if mrr_plan is None else [x for x in mrr_plan[p] if not _is_missing(x)]
                row["plan"] = plans[0] if plans else np.nan
                active &= row["mrr"] != 0.0
            if "churns" in t:
                p = rows["churns"][account]
                gone = (ch_day[p] <= cutoff) & ((ch_return[p] < 0) | (ch_return[p] > cutoff))
                active &= not gone.any()
            row["active"] = bool(active)
            if "events" in t:
                p = rows["events"][account]
                d = ev_day[p]
                for w in windows:
                    m = (d > cutoff - w) & (d <= cutoff)
                    before = int(((d > cutoff - 2 * w) & (d <= cutoff - w)).sum())
                    row[f"events_{w}d"] = int(m.sum())
                    row[f"active_users_{w}d"] = len(set(ev_user[p][m]))
                    row[f"active_days_{w}d"] = len(set(d[m]))
                    if has_feature:
                        row[f"distinct_features_{w}d"] = len(set(ev_feature[p][m]))
                    row[f"trend_{w}d"] = m.sum() / before if before else np.nan
                seen = d[d <= cutoff]
                row["days_since_last_event"] = float(cutoff - seen.max()) if len(seen) else np.nan
            if "surveys" in t:
                p = rows["surveys"][account]
                for kind in ("nps", "csat"):
                    q = p[(sv_kind[p] == kind) & (sv_day[p] <= cutoff)]
                    if len(q):
                        # latest instant; ties at one instant -> the higher score
                        best = max(q, key=lambda r: (sv_instant[r], sv_score[r]))
                        row[f"{kind}_score"] = float(sv_score[best])
                        row[f"{kind}_age_days"] = float(cutoff - sv_day[best])
                    else:
                        row[f"{kind}_score"] = np.nan
                        row[f"{kind}_age_days"] = np.nan
            if "tickets" in t:
                p = rows["tickets"][account]
                still = (tk_closed[p] < 0) | (tk_closed[p] > cutoff)
                row["open_tickets"] = int(((tk_open[p] <= cutoff) & still).sum())
            if "milestones" in t:
                p = rows["milestones"][account]
                reached = set(ms_name[p][ms_day[p] <= cutoff])
                row["milestones_reached"] = len(reached)
                for name in ms_names:
                    row[f"reached_{name}"] = name in reached
            if "activities" in t:
                d = ac_day[rows["activities"][account]]
                seen = d[d <= cutoff]
                row["days_since_touch"] = float(cutoff - seen.max()) if len(seen) else np.nan
                row["touches_30d"] = int(((d > cutoff - 30) & (d <= cutoff)).sum())
                row["touches_90d"] = int(((d > cutoff - 90) & (d <= cutoff)).sum())
            for c in attributes:
                row[c] = acc[c].iloc[i]
            if row["active"] or not active_only:
                out.append(row)

    columns = ["account_id", "as_of", "tenure_days", "active", *features, *attributes]
    frame = pd.DataFrame(out, columns=columns)
    kinds = {"tenure_days": "int64", "active": "bool", "mrr": "float64"}
    for c in columns:
        if c in kinds:
            frame[c] = frame[c].astype(kinds[c])
        elif c == "as_of":
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
        elif c == "plan" and "mrr" in t:
            frame[c] = frame[c].astype(object).astype("category")
        elif c.startswith(("events_", "active_users_", "active_days_", "distinct_features_")):
            frame[c] = frame[c].astype("int64")
        elif c in ("open_tickets", "milestones_reached", "touches_30d", "touches_90d"):
            frame[c] = frame[c].astype("int64")
        elif c.startswith("reached_"):
            frame[c] = frame[c].astype(bool)
        elif c in attributes:
            src = acc[c]
            if pd.api.types.is_object_dtype(src) or pd.api.types.is_string_dtype(src):
                frame[c] = frame[c].astype(object).astype("category")
            else:
                frame[c] = frame[c].astype(src.dtype)
        elif c != "account_id":
            frame[c] = frame[c].astype("float64")
    frame.attrs["text_attributes"] = [c for c in attributes if frame[c].dtype == "category"]
    return frame


# ---------------------------------------------------------------------------------------------
# Comparison


def _family(dtype) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "text"
    return str(dtype)


def assert_matches_oracle(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), (len(got), len(want))
    for c in want.columns:
        g, w = got[c], want[c]
        where = f"column {c!r}"
        if c == "account_id":
            assert _family(g.dtype) == "text", (where, g.dtype)
            assert g.astype(str).tolist() == w.tolist(), where
            continue
        if c == "as_of":
            assert g.dtype == np.dtype("datetime64[ns]"), (where, g.dtype)
            np.testing.assert_array_equal(g.to_numpy(), w.to_numpy(), err_msg=where)
            continue
        assert _family(g.dtype) == _family(w.dtype), (where, g.dtype, w.dtype)
        if c in ("tenure_days", "open_tickets", "milestones_reached", "touches_30d", "touches_90d"):
            assert g.dtype == np.dtype("int64"), (where, g.dtype)
        if _family(w.dtype) == "category":
            gv = [None if _is_missing(x) else str(x) for x in g.astype(object)]
            wv = [None if _is_missing(x) else str(x) for x in w.astype(object)]
            bad = [k for k in range(len(gv)) if gv[k] != wv[k]]
            assert not bad, (where, [(got.iloc[k, :2].tolist(), gv[k], wv[k]) for k in bad[:5]])
        elif _family(w.dtype) == "float":
            gv, wv = g.to_numpy(dtype=float), w.to_numpy(dtype=float)
            bad = ~(np.isclose(gv, wv, rtol=1e-12, atol=1e-9) | (np.isnan(gv) & np.isnan(wv)))
            idx = np.flatnonzero(bad)[:5]
            assert not bad.any(), (
                where,
                [(got.iloc[k, :2].tolist(), gv[k], wv[k]) for k in idx],
            )
        else:
            gv, wv = g.to_numpy(), w.to_numpy()
            bad = gv != wv
            idx = np.flatnonzero(bad)[:5]
            assert not bad.any(), (
                where,
                [(got.iloc[k, :2].tolist(), gv[k], wv[k]) for k in idx],
            )


# ---------------------------------------------------------------------------------------------
# Random tables

T0 = pd.Timestamp("2024-01-01", tz="UTC")
# UTC clock times near midnight in UTC (23:59, 00:00), Tokyo (14:59-15:01 UTC) and New York
# (03:59-05:00 UTC across daylight saving time), plus noon.
CLOCK = [(14, 59), (15, 0), (15, 1), (23, 59), (0, 0), (0, 1), (3, 59), (4, 0), (4, 59), (5, 0),
         (12, 0), (14, 30)]
TIME_KINDS = ("utc", "utc_us", "tokyo_fixed", "new_york", "naive", "text_offset", "text_naive")
OFFSETS = ["+09:00", "-05:00", "+00:00", "+05:30", "-04:00"]
PERIOD_KINDS = ("period", "text", "aware", "naive")
PLANS = ["basic", "pro", "enterprise"]
MILESTONES = ["kickoff", "integrated", "first_value", "trained"]


def _instants(rng, n, first_day, last_day):
    """n random instants (UTC) on days first_day..last_day after 2024-01-01, near a midnight."""
    days = rng.integers(first_day, last_day + 1, size=n)
    clock = rng.integers(len(CLOCK), size=n)
    hours = np.array([CLOCK[k][0] for k in clock])
    minutes = np.array([CLOCK[k][1] for k in clock])
    return (
        T0
        + pd.to_timedelta(days, unit="D")
        + pd.to_timedelta(hours, unit="h")
        + pd.to_timedelta(minutes, unit="m")
    )


def render(instants, kind: str, tz: str, rng):
    """The instants (tz-aware, NaT for missing) written as the user might give them."""
    idx = pd.DatetimeIndex(instants).as_unit("ns")
    if kind == "utc":
        return pd.Series(idx.tz_convert("UTC"))
    if kind == "utc_us":
        return pd.Series(idx.tz_convert("UTC").as_unit("us"))
    if kind == "tokyo_fixed":
        return pd.Series(idx.tz_convert(TOKYO_FIXED))
    if kind == "new_york":
        return pd.Series(idx.tz_convert("America/New_York"))
    if kind == "naive":  # wall time in the Book's tz
        return pd.Series(idx.tz_convert(tz).tz_localize(None))
    if kind == "text_offset":
        zones = rng.integers(len(OFFSETS), size=len(idx))
        return pd.Series(
            [None if ts is pd.NaT else ts.tz_convert(OFFSETS[z]).isoformat()
             for ts, z in zip(idx, zones, strict=True)],
            dtype=object,
        )
    if kind == "text_naive":
        local = idx.tz_convert(tz).tz_localize(None)
        return pd.Series([None if ts is pd.NaT else ts.isoformat() for ts in local], dtype=object)
    raise AssertionError(kind)


def make_tables(seed: int, tz: str, *, optional=OPTIONAL) -> tuple[dict, dict]:
    """Random tables under the contract's column names, their time columns written in random
    representations, and the as-of dates (inside the event log and the MRR months)."""
    rng = np.random.default_rng(seed)
    kinds = {name: TIME_KINDS[rng.integers(len(TIME_KINDS))] for name in TIME_COLUMNS}
    n = int(rng.integers(12, 30))
    ids = [f"ACC-{k:04d}" for k in rng.choice(np.arange(1, 10000), size=n, replace=False)]
    signed = _instants(rng, n, -200, 170)
    accounts = pd.DataFrame({
        "account_id": ids,
        "signed_at": render(signed, kinds["accounts"], tz, rng),
        "plan": rng.choice(PLANS, size=n),
        "segment": pd.Series([None if x == "none" else x
                              for x in rng.choice(["smb", "mid", "ent", "none"], size=n)],
                             dtype=object),
        "seats": rng.integers(1, 500, size=n).astype(np.int64),
        "arr": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 100, size=n) * 120.0),
        "partner": rng.random(n) < 0.3,
        "parent": pd.Series([ids[int(k)] if k >= 0 else None
                             for k in rng.integers(-n, n, size=n)], dtype=object),
    })
    tables: dict = {"accounts": accounts}

    def shuffled(frame):
        return frame.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)

    # MRR: months 2023-11 .. 2024-06, line items, credit notes; one plan per account-month.
    period_kind = PERIOD_KINDS[rng.integers(len(PERIOD_KINDS))]
    recs = []
    for a in ids:
        for month in pd.period_range("2023-11", "2024-06", freq="M"):
            if rng.random() < 0.3 and not (a == ids[0] and str(month) == "2024-06"):
                continue
            plan = PLANS[rng.integers(len(PLANS))]
            items = [float(rng.integers(1, 400)) * 0.25 for _ in range(int(rng.integers(1, 4)))]
            r = rng.random()
            if r < 0.15:
                items.append(-sum(items))  # credited to exactly 0
            elif r < 0.35:
                items.append(-float(rng.integers(0, int(sum(items) * 4) + 1)) * 0.25)
            # every item of an account-month is dated at one instant inside that month's local
            # days (in the Book's tz), but written in another zone
            local = pd.Timestamp(month.start_time) + pd.Timedelta(
                minutes=int(rng.choice([0, 30, 60 * 23 + 59, 60 * 24 * 10, 60 * 24 * 27])))
            instant = local.tz_localize(tz)
            for amount in items:
                if period_kind == "period":
                    period = month
                elif period_kind == "text":
                    period = str(month)
                elif period_kind == "aware":
                    period = instant.tz_convert(["UTC", "Asia/Tokyo", "America/New_York"][
                        int(rng.integers(3))])
                else:
                    period = local
                recs.append((a, period, amount, plan))
    mrr = pd.DataFrame(recs, columns=["account_id", "period", "mrr", "plan"])
    if period_kind == "period":
        mrr["period"] = pd.PeriodIndex(mrr["period"], freq="M")
    elif period_kind == "aware":
        mrr["period"] = pd.Series([ts.tz_convert("UTC") for ts in mrr["period"]])
        if rng.random() < 0.5:  # one zone for the whole column
            mrr["period"] = mrr["period"].dt.tz_convert("Asia/Tokyo")
    elif period_kind == "naive":
        mrr["period"] = pd.to_datetime(mrr["period"])
    tables["mrr"] = shuffled(mrr)

    # Events: several a day, repeated instants, an event on the last day of the log.
    n_ev = int(rng.integers(150, 400))
    ev_inst = _instants(rng, n_ev, -270, 181)
    ev_acc = rng.choice(ids, size=n_ev)
    dup = rng.random(n_ev) < 0.15  # same instant as the previous event
    for k in np.flatnonzero(dup[1:]) + 1:  # same account, same instant as the event before
        ev_acc[k] = ev_acc[k - 1]
    ev_inst = pd.DatetimeIndex([ev_inst[k - 1] if dup[k] and k else ev_inst[k]
                                for k in range(n_ev)])
    ev_inst = ev_inst.append(pd.DatetimeIndex([pd.Timestamp("2024-06-30 12:00", tz="UTC")]))
    ev_acc = np.append(ev_acc, ids[0])
    events = pd.DataFrame({
        "account_id": ev_acc,
        "user_id": [f"user-{k}" for k in rng.integers(0, 5, size=n_ev + 1)],
        "timestamp": render(ev_inst, kinds["events"], tz, rng),
        "feature": rng.choice(["search", "export", "share", "api"], size=n_ev + 1),
    })
    tables["events"] = shuffled(events)

    # Surveys: NPS and CSAT, ties at one instant with different scores.
    n_sv = int(rng.integers(40, 100))
    sv_inst = _instants(rng, n_sv, -150, 178)
    sv_acc = rng.choice(ids, size=n_sv)
    sv_kind = rng.choice(["nps", "csat"], size=n_sv)
    tie = rng.random(n_sv) < 0.3
    sv_inst = sv_inst.append(sv_inst[tie])
    sv_acc = np.append(sv_acc, sv_acc[tie])
    sv_kind = np.append(sv_kind, sv_kind[tie])
    score = np.where(sv_kind == "nps", rng.integers(0, 11, size=len(sv_kind)),
                     rng.integers(1, 6, size=len(sv_kind)))
    tables["surveys"] = shuffled(pd.DataFrame({
        "account_id": sv_acc,
        "answered_at": render(sv_inst, kinds["surveys"], tz, rng),
        "score": score.astype(np.int64),
        "kind": sv_kind,
    }))

    # Tickets: closed the same day, later, or never.
    n_tk = int(rng.integers(20, 60))
    opened = _instants(rng, n_tk, -120, 178)
    closed = opened + pd.to_timedelta(rng.integers(0, 40 * 24, size=n_tk), unit="h")
    closed = closed.where(rng.random(n_tk) > 0.4, pd.NaT)
    kind = kinds["tickets"]
    tables["tickets"] = shuffled(pd.DataFrame({
        "account_id": rng.choice(ids, size=n_tk),
        "opened_at": render(opened, kind, tz, rng),
        "closed_at": render(closed, kind, tz, rng),
        "priority": rng.choice(["low", "high"], size=n_tk),
    }))

    # Milestones: some reached twice.
    n_ms = int(rng.integers(10, 50))
    tables["milestones"] = shuffled(pd.DataFrame({
        "account_id": rng.choice(ids, size=n_ms),
        "milestone": rng.choice(MILESTONES, size=n_ms),
        "reached_at": render(_instants(rng, n_ms, -150, 178), kinds["milestones"], tz, rng),
    }))

    # Churns: episodes one after another; the last one may have no return.
    ch = []
    for a in ids:
        start = int(rng.integers(-60, 180))
        while rng.random() < 0.5 and start < 181:
            churned = _instants(rng, 1, start, start)[0]
            back = int(rng.integers(0, 60))
            returned = (_instants(rng, 1, start + back, start + back)[0]
                        if rng.random() < 0.6 else pd.NaT)
            if returned is not pd.NaT and returned < churned:
                returned = churned
            ch.append((a, churned, returned))
            if returned is pd.NaT:
                break
            start += back + int(rng.integers(1, 40))
    ch_frame = pd.DataFrame(ch, columns=["account_id", "churned_at", "returned_at"])
    kind = kinds["churns"]
    tables["churns"] = shuffled(pd.DataFrame({
        "account_id": ch_frame["account_id"].astype(object),
        "churned_at": render(pd.to_datetime(ch_frame["churned_at"], utc=True), kind, tz, rng),
        "returned_at": render(pd.to_datetime(ch_frame["returned_at"], utc=True), kind, tz, rng),
        "reason": rng.choice(["price", "product"], size=len(ch_frame)),
        "kind": rng.choice(["voluntary", "involuntary"], size=len(ch_frame)),
    }))

    # Activities (CSM touches).
    n_ac = int(rng.integers(20, 80))
    tables["activities"] = shuffled(pd.DataFrame({
        "account_id": rng.choice(ids, size=n_ac),
        "at": render(_instants(rng, n_ac, -200, 178), kinds["activities"], tz, rng),
        "type": rng.choice(["call", "email", "qbr"], size=n_ac),
        "owner": rng.choice(["ann", "bo"], size=n_ac),
    }))

    tables = {k: v for k, v in tables.items() if k == "accounts" or k in optional}
    as_of = [str((pd.Timestamp("2024-02-01") + pd.Timedelta(days=int(d))).date())
             for d in rng.choice(np.arange(0, 146), size=4, replace=False)]
    info = {"kinds": kinds, "period_kind": period_kind, "as_of": as_of}
    return tables, info


RENAMES = {"mrr": {"mrr": "amount", "period": "month"},
           "events": {"timestamp": "ts", "user_id": "user"},
           "surveys": {"score": "rating"},
           "accounts": {"signed_at": "start_date"}}


def make_book(tables: dict, tz: str, *, rename: bool = False) -> rt.Book:
    if not rename:
        return rt.Book(**tables, tz=tz)
    given_ = {k: v.rename(columns=RENAMES.get(k, {})) for k, v in tables.items()}
    columns = {k: v for k, v in RENAMES.items() if k in tables}
    return rt.Book(**given_, tz=tz, columns=columns)


# ---------------------------------------------------------------------------------------------
# The oracle on a hand-worked example (every value below worked out by hand from the contract)


def hand_tables() -> dict:
    accounts = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0001", "ACC-0003"],
        # ACC-0001 signs 2024-02-20 16:00 UTC = 2024-02-21 01:00 in Tokyo
        "signed_at": [pd.Timestamp("2024-01-10", tz="Asia/Tokyo"),
                      pd.Timestamp("2024-02-20 16:00", tz="UTC"),
                      pd.Timestamp("2024-03-05", tz="Asia/Tokyo")],
        "plan": ["pro", "basic", "basic"],
        "segment": pd.Series(["smb", None, "ent"], dtype=object),
        "seats": np.array([5, 2, 1], dtype=np.int64),
    })
    mrr = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0001", "ACC-0002", "ACC-0002", "ACC-0001", "ACC-0003",
                       "ACC-0002", "ACC-0001", "ACC-0003"],
        "period": ["2024-02", "2024-03", "2024-03", "2024-02", "2024-02", "2024-03",
                   "2024-03", "2024-03", "2024-03"],
        "mrr": [100.0, 40.0, 50.0, -20.0, 40.0, 10.0, 30.0, -15.0, -10.0],
        "plan": ["pro", "basic", "pro", "pro", "basic", "basic", "pro", "basic", "basic"],
    })
    events = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0002", "ACC-0002", "ACC-0002", "ACC-0001", "ACC-0003",
                       "ACC-0002"],
        "user_id": ["u1", "u2", "u1", "u1", "u9", "u5", "u1"],
        "timestamp": pd.to_datetime([
            "2024-02-29 15:30",  # Tokyo 03-01 00:30
            "2024-02-29 14:30",  # Tokyo 02-29 23:30
            "2024-02-29 10:00",  # Tokyo 02-29 19:00
            "2024-02-20 03:00",
            "2024-02-10 00:00",
            "2024-03-09 12:00",  # Tokyo 03-09 21:00
            "2024-03-10 05:00",  # Tokyo 03-10 14:00, the last day of the log
        ]).tz_localize("UTC"),
        "feature": ["search", "export", "search", "search", "api", "search", "search"],
    })
    surveys = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0002", "ACC-0002", "ACC-0002", "ACC-0001", "ACC-0001"],
        "answered_at": ["2024-02-29T23:00:00+09:00", "2024-02-29T14:00:00+00:00",  # one instant
                        "2024-02-29T09:00:00+00:00", "2024-03-05T10:00:00+09:00",
                        "2024-02-25T20:00:00-05:00",  # Tokyo 02-26 10:00
                        "2024-03-01T00:30:00+09:00"],
        "score": [6, 9, 10, 3, 4, 2],
        "kind": ["nps", "nps", "nps", "nps", "csat", "csat"],
    })
    tickets = pd.DataFrame({  # naive: Tokyo wall time
        "account_id": ["ACC-0002", "ACC-0002", "ACC-0001", "ACC-0001"],
        "opened_at": pd.to_datetime(["2024-02-01 10:00", "2024-02-28 23:59", "2024-03-02 00:00",
                                     "2024-02-15 00:00"]),
        "closed_at": pd.to_datetime(["2024-03-01 09:00", None, "2024-03-04 00:00",
                                     "2024-03-08 00:00"]),
    })
    milestones = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0002", "ACC-0002", "ACC-0001"],
        "milestone": ["kickoff", "integrated", "kickoff", "kickoff"],
        "reached_at": pd.to_datetime([
            "2024-01-15 10:00",  # Tokyo 01-16 00:00
            "2024-02-29 10:30",  # = 15:30 UTC = Tokyo 03-01 00:30
            "2024-02-01 12:00",
            "2024-03-09 09:00",  # = 14:00 UTC = Tokyo 03-09 23:00
        ]).tz_localize("America/New_York"),
    })
    churns = pd.DataFrame({
        "account_id": ["ACC-0001", "ACC-0002"],
        "churned_at": pd.to_datetime(["2024-02-25", "2024-03-08"]),
        "returned_at": pd.to_datetime(["2024-03-01", None]),
    })
    activities = pd.DataFrame({
        "account_id": ["ACC-0002", "ACC-0002", "ACC-0001"],
        "at": pd.to_datetime(["2024-02-01 09:00", "2024-03-01 00:10", "2023-12-20 12:00"])
        .tz_localize(TOKYO_FIXED),
    })
    return {"accounts": accounts, "mrr": mrr, "events": events, "surveys": surveys,
            "tickets": tickets, "milestones": milestones, "churns": churns,
            "activities": activities}


NAN = np.nan
HAND_COLUMNS = [
    "account_id", "as_of", "tenure_days", "active", "mrr", "plan",
    "events_1d", "active_users_1d", "active_days_1d", "distinct_features_1d", "trend_1d",
    "events_7d", "active_users_7d", "active_days_7d", "distinct_features_7d", "trend_7d",
    "days_since_last_event", "nps_score", "nps_age_days", "csat_score", "csat_age_days",
    "open_tickets", "milestones_reached", "reached_integrated", "reached_kickoff",
    "days_since_touch", "touches_30d", "touches_90d", "segment", "seats",
]
HAND_ROWS = [
    # as_of 2024-03-01 (ACC-0003 signs on 03-05: no row)
    ["ACC-0002", "2024-03-01", 51, True, 80.0, "pro",
     1, 1, 1, 1, 0.5, 3, 2, 2, 2, 3.0,
     0.0, 9.0, 1.0, NAN, NAN, 1, 2, True, True, 0.0, 2, 2, "smb", 5],
    ["ACC-0001", "2024-03-01", 9, True, 25.0, "basic",
     0, 0, 0, 0, NAN, 0, 0, 0, 0, NAN,
     20.0, NAN, NAN, 2.0, 0.0, 1, 0, False, False, 72.0, 0, 1, None, 2],
    # as_of 2024-03-10
    ["ACC-0002", "2024-03-10", 60, False, 80.0, "pro",
     1, 1, 1, 1, NAN, 1, 1, 1, 1, 1 / 3,
     0.0, 3.0, 5.0, NAN, NAN, 1, 2, True, True, 9.0, 1, 2, "smb", 5],
    ["ACC-0001", "2024-03-10", 18, True, 25.0, "basic",
     0, 0, 0, 0, NAN, 0, 0, 0, 0, NAN,
     29.0, NAN, NAN, 2.0, 9.0, 0, 1, False, True, 81.0, 0, 1, None, 2],
    ["ACC-0003", "2024-03-10", 5, False, 0.0, "basic",
     0, 0, 0, 0, 0.0, 1, 1, 1, 1, NAN,
     1.0, NAN, NAN, NAN, NAN, 0, 0, False, False, NAN, 0, 0, "ent", 1],
]


def hand_expected() -> pd.DataFrame:
    frame = pd.DataFrame(HAND_ROWS, columns=HAND_COLUMNS)
    frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[ns]")
    for c in frame.columns:
        if c in ("plan", "segment"):
            frame[c] = frame[c].astype(object).astype("category")
        elif frame[c].dtype == np.dtype("float64") or c.startswith(("trend", "days", "nps",
                                                                    "csat")):
            frame[c] = frame[c].astype("float64")
    return frame


HAND_ARGS = {"tz": "Asia/Tokyo", "as_of": ["2024-03-10", "2024-03-01"], "lead_days": 0,
             "windows": (1, 7), "active_only": False}


def test_oracle_on_the_hand_worked_example():
    want = hand_expected()
    got = oracle_snapshots(hand_tables(), **HAND_ARGS)
    assert_matches_oracle(got, want)
    # active_only keeps the active rows, in order
    got = oracle_snapshots(hand_tables(), **{**HAND_ARGS, "active_only": True})
    assert_matches_oracle(got, want[want["active"]].reset_index(drop=True))
    # a lead of 9 days from 03-10 is the cutoff 03-01: the 03-01 rows under the as-of 03-10
    got = oracle_snapshots(hand_tables(), **{**HAND_ARGS, "as_of": ["2024-03-10"],
                                             "lead_days": 9})
    first = want[want["as_of"] == "2024-03-01"].assign(as_of=pd.Timestamp("2024-03-10"))
    assert_matches_oracle(got, first.reset_index(drop=True))


def test_book_on_the_hand_worked_example():
    tables = hand_tables()
    book = rt.Book(**tables, tz="Asia/Tokyo")
    args = {k: v for k, v in HAND_ARGS.items() if k != "tz"}
    want = hand_expected()
    assert_matches_oracle(book.snapshots(**args), want)
    got = book.snapshots(**{**args, "active_only": True})
    assert_matches_oracle(got, want[want["active"]].reset_index(drop=True))
    # as-of dates as naive datetimes: the same rows
    got = book.snapshots(**{**args, "as_of": pd.to_datetime(["2024-03-01", "2024-03-10"])})
    assert_matches_oracle(got, want)
    got = book.snapshots(**{**args, "as_of": ["2024-03-10"], "lead_days": 9})
    first = want[want["as_of"] == "2024-03-01"].assign(as_of=pd.Timestamp("2024-03-10"))
    assert_matches_oracle(got, first.reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# Random tables against the oracle


def check_random(seed, tz, lead_days, windows, active_only, optional=OPTIONAL, rename=False):
    tables, info = make_tables(seed, tz, optional=optional)
    book = make_book(tables, tz, rename=rename)
    got = book.snapshots(info["as_of"], lead_days=lead_days, windows=windows,
                         active_only=active_only)
    want = oracle_snapshots(tables, tz=tz, as_of=info["as_of"], lead_days=lead_days,
                            windows=windows, active_only=active_only)
    try:
        assert_matches_oracle(got, want)
    except AssertionError as e:
        raise AssertionError(f"seed={seed} tz={tz} lead={lead_days} windows={windows} "
                             f"active_only={active_only} {info}: {e}") from e
    return got, want


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_books_match_the_oracle(seed, tz):
    got, _ = check_random(seed, tz, lead_days=0, windows=(7, 30, 90), active_only=False)
    assert len(got) > 20
    tables, info = make_tables(seed, tz)
    threaded = make_book(tables, tz).snapshots(info["as_of"], active_only=False, n_threads=3)
    pd.testing.assert_frame_equal(threaded, got)
    check_random(seed, tz, lead_days=14, windows=(7, 30, 90), active_only=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**20),
    tz=st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York"]),
    lead_days=st.sampled_from([0, 1, 7, 30]),
    windows=st.sampled_from([(7, 30, 90), (1, 14), (3,), (28, 2)]),
    active_only=st.booleans(),
    optional=st.sets(st.sampled_from(OPTIONAL)),
    rename=st.booleans(),
)
def test_hypothesis_books_match_the_oracle(seed, tz, lead_days, windows, active_only, optional,
                                           rename):
    if rename:  # the renamed columns' tables are needed
        optional = set(optional) | {"mrr", "events", "surveys"}
    optional = tuple(o for o in OPTIONAL if o in optional)
    check_random(seed, tz, lead_days, windows, active_only, optional=optional, rename=rename)


def test_surveys_without_kind_are_all_nps():
    tables, info = make_tables(11, "Asia/Tokyo", optional=("surveys",))
    tables["surveys"] = tables["surveys"].drop(columns="kind")
    book = rt.Book(**tables, tz="Asia/Tokyo")
    got = book.snapshots(info["as_of"], active_only=False)
    want = oracle_snapshots(tables, tz="Asia/Tokyo", as_of=info["as_of"], active_only=False)
    assert_matches_oracle(got, want)


# ---------------------------------------------------------------------------------------------
# Rows after the cutoff are never read


@pytest.mark.parametrize(("tz", "seed", "lead_days"),
                         [("UTC", 5, 0), ("Asia/Tokyo", 6, 3), ("America/New_York", 7, 0)])
def test_rows_after_the_last_cutoff_change_nothing(tz, seed, lead_days):
    tables, info = make_tables(seed, tz)
    as_of = info["as_of"]
    before = make_book(tables, tz).snapshots(as_of, lead_days=lead_days, active_only=False)
    assert_matches_oracle(before, oracle_snapshots(tables, tz=tz, as_of=as_of,
                                                   lead_days=lead_days, active_only=False))
    rng = np.random.default_rng(seed + 1000)
    last = max(pd.Timestamp(a) for a in as_of) - pd.Timedelta(days=lead_days)
    # the first instant after the last cutoff: local midnight of the next day in the Book's tz
    after = pd.DatetimeIndex([(last + pd.Timedelta(days=1)).tz_localize(tz)])
    never = pd.DatetimeIndex([pd.NaT], tz="UTC")
    kinds = info["kinds"]
    a0 = tables["accounts"]["account_id"].iloc[0]

    def planted(name, **values):
        row = pd.DataFrame(values)
        return pd.concat([tables[name], row], ignore_index=True)

    acc = tables["accounts"]
    new_account = acc.iloc[[1]].copy()
    new_account["account_id"] = "ACC-99999"
    new_account["signed_at"] = render(after, kinds["accounts"], tz, rng).set_axis(
        new_account.index)
    plus = {"accounts": pd.concat([acc, new_account], ignore_index=True)}
    month = last.to_period("M") + 1
    period = tables["mrr"]["period"]
    if isinstance(period.dtype, pd.PeriodDtype):
        new_period = pd.PeriodIndex([month])
    elif pd.api.types.is_datetime64_any_dtype(period):
        new_period = pd.DatetimeIndex([month.start_time]).tz_localize(tz)
        new_period = (new_period.tz_convert(period.dt.tz) if period.dt.tz is not None
                      else new_period.tz_localize(None))
    else:
        new_period = [str(month)]
    # a line item in the month after the last cutoff's (with the plan a0 has there, if any)
    same = oracle_months(tables["mrr"]["period"], tz) == month.year * 12 + month.month - 1
    plans = tables["mrr"]["plan"][same & (tables["mrr"]["account_id"] == a0).to_numpy()]
    plan = plans.iloc[0] if len(plans) else "pro"
    plus["mrr"] = planted("mrr", account_id=[a0], period=new_period, mrr=[999.0], plan=[plan])
    plus["events"] = planted("events", account_id=[a0], user_id=["user-new"],
                             timestamp=render(after, kinds["events"], tz, rng),
                             feature=["search"])
    plus["surveys"] = planted("surveys", account_id=[a0, a0],
                              answered_at=render(after.append(after), kinds["surveys"], tz, rng),
                              score=[0, 1], kind=["nps", "csat"])
    plus["tickets"] = planted("tickets", account_id=[a0],
                              opened_at=render(after, kinds["tickets"], tz, rng),
                              closed_at=render(never, kinds["tickets"], tz, rng),
                              priority=["high"])
    names = sorted(set(tables["milestones"]["milestone"]))  # a new name would add a column
    plus["milestones"] = planted("milestones", account_id=[a0] * len(names), milestone=names,
                                 reached_at=render(after.repeat(len(names)),
                                                   kinds["milestones"], tz, rng))
    plus["churns"] = planted("churns", account_id=[a0],
                             churned_at=render(after, kinds["churns"], tz, rng),
                             returned_at=render(never, kinds["churns"], tz, rng),
                             reason=["price"], kind=["voluntary"])
    plus["activities"] = planted("activities", account_id=[a0],
                                 at=render(after, kinds["activities"], tz, rng),
                                 type=["call"], owner=["ann"])
    for name, frame in plus.items():  # the planted rows did not change a time column's type
        for c in TIME_COLUMNS.get(name, ()):
            assert frame[c].dtype == tables[name][c].dtype, (name, c, frame[c].dtype)
    book = make_book(plus, tz)
    after_ = book.snapshots(as_of, lead_days=lead_days, active_only=False)
    pd.testing.assert_frame_equal(after_, before)
    pd.testing.assert_frame_equal(
        book.snapshots(as_of, lead_days=lead_days, windows=(1, 2), active_only=True),
        make_book(tables, tz).snapshots(as_of, lead_days=lead_days, windows=(1, 2),
                                        active_only=True))


# ---------------------------------------------------------------------------------------------
# One instant, one day, in every table

INSTANT = "2024-03-01T08:00+09:00"  # = 2024-02-29 23:00 UTC


def one_instant_tables() -> dict:
    x = pd.Timestamp(INSTANT)
    accounts = pd.DataFrame({
        "account_id": ["ACC-0001", "ACC-0002", "ACC-0003"],
        "signed_at": pd.Series([pd.Timestamp("2024-01-01 00:00", tz="UTC"), x.tz_convert("UTC"),
                                pd.Timestamp("2024-01-01 00:00", tz="UTC")]),
    })
    mrr = pd.DataFrame({
        "account_id": ["ACC-0001", "ACC-0001", "ACC-0003", "ACC-0003"],
        "period": pd.Series([pd.Timestamp("2024-01-15 12:00", tz="UTC"), x.tz_convert("UTC"),
                             pd.Timestamp("2024-02-15 12:00", tz="UTC"),
                             pd.Timestamp("2024-03-15 12:00", tz="UTC")]),
        "mrr": [50.0, 100.0, 10.0, 10.0],
        "plan": ["pro", "pro", "basic", "basic"],
    })
    events = pd.DataFrame({
        "account_id": ["ACC-0001", "ACC-0003"],
        "user_id": ["u1", "u3"],
        "timestamp": [INSTANT, "2024-03-10T12:00+00:00"],  # text with offsets
        "feature": ["search", "search"],
    })
    surveys = pd.DataFrame({
        "account_id": ["ACC-0001"],
        "answered_at": pd.Series([x.tz_convert("America/New_York")]),
        "score": [8],
        "kind": ["nps"],
    })
    tickets = pd.DataFrame({
        "account_id": ["ACC-0001"],
        "opened_at": [INSTANT],
        "closed_at": [None],
    })
    milestones = pd.DataFrame({
        "account_id": ["ACC-0001"],
        "milestone": ["kickoff"],
        "reached_at": pd.Series([x]),  # UTC+09:00
    })
    churns = pd.DataFrame({
        "account_id": ["ACC-0001"],
        "churned_at": pd.Series([x.tz_convert("UTC")]),
        "returned_at": pd.Series([pd.NaT], dtype="datetime64[ns, UTC]"),
    })
    activities = pd.DataFrame({
        "account_id": ["ACC-0001"],
        "at": pd.Series([x.tz_convert("Asia/Tokyo")]),
    })
    return {"accounts": accounts, "mrr": mrr, "events": events, "surveys": surveys,
            "tickets": tickets, "milestones": milestones, "churns": churns,
            "activities": activities}


@pytest.mark.parametrize(("tz", "day"), [("UTC", "2024-02-29"), ("Asia/Tokyo", "2024-03-01")])
def test_one_instant_lands_on_one_day_in_every_table(tz, day):
    tables = one_instant_tables()
    as_of = ["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"]
    got = rt.Book(**tables, tz=tz).snapshots(as_of, windows=(1,), active_only=False)
    assert_matches_oracle(got, oracle_snapshots(tables, tz=tz, as_of=as_of, windows=(1,),
                                                active_only=False))
    # and literally: ACC-0001's row on each date
    d = pd.Timestamp(day)
    month = d.to_period("M")
    a1 = got[got["account_id"] == "ACC-0001"].set_index("as_of")
    for a in as_of:
        c = pd.Timestamp(a)
        row = a1.loc[c]
        if c < d:
            assert row["events_1d"] == 0 and np.isnan(row["days_since_last_event"])
            assert np.isnan(row["nps_score"]) and row["open_tickets"] == 0
            assert row["milestones_reached"] == 0 and not row["reached_kickoff"]
            assert np.isnan(row["days_since_touch"]) and row["touches_30d"] == 0
        else:
            age = (c - d).days
            assert row["events_1d"] == (1 if age == 0 else 0)
            assert row["days_since_last_event"] == age
            assert row["nps_score"] == 8 and row["nps_age_days"] == age
            assert row["open_tickets"] == 1
            assert row["milestones_reached"] == 1 and row["reached_kickoff"]
            assert row["days_since_touch"] == age and row["touches_30d"] == 1
        in_month = c.to_period("M") == month
        assert row["mrr"] == (100.0 if in_month else 0.0), (a, row["mrr"])
        assert row["active"] == bool(in_month and c < d), a  # churned on that day
    signed = got[got["account_id"] == "ACC-0002"]
    assert signed["as_of"].tolist() == [pd.Timestamp(a) for a in as_of if pd.Timestamp(a) >= d]
    assert signed["tenure_days"].tolist() == list(range(len(signed)))


# ---------------------------------------------------------------------------------------------
# A cutoff past the end of a table warns


def test_cutoff_past_the_end_of_a_table_warns():
    tables = hand_tables()  # events end 2024-03-10 (Tokyo), MRR in 2024-03
    book = rt.Book(**tables, tz="Asia/Tokyo")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book.snapshots(["2024-03-12"], lead_days=2)  # cutoff 03-10: inside
    with pytest.warns(rt.RetainWarning, match=r"(?is)events.*2024-03-10|2024-03-10.*events"):
        got = book.snapshots(["2024-03-11"], active_only=False)
    want = oracle_snapshots(tables, tz="Asia/Tokyo", as_of=["2024-03-11"], active_only=False)
    assert_matches_oracle(got, want)
    mrr_only = rt.Book(tables["accounts"], mrr=tables["mrr"], tz="Asia/Tokyo")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mrr_only.snapshots(["2024-03-31"])
    with pytest.warns(rt.RetainWarning, match=r"(?is)mrr.*2024-03|2024-03.*mrr"):
        got = mrr_only.snapshots(["2024-04-01"], active_only=False)
    assert (got["mrr"] == 0).all() and not got["active"].any()


def test_a_month_credited_to_zero_has_rows_a_plan_and_no_end_of_table_warning():
    # March has two line items that sum to 0: the account pays nothing (inactive), but the month
    # has rows, so plan is that month's plan, and the MRR table ends in March, not February.
    accounts = pd.DataFrame({"account_id": ["ACC-0001"], "signed_at": ["2024-01-01"]})
    mrr = pd.DataFrame({"account_id": ["ACC-0001"] * 3, "period": ["2024-02", "2024-03", "2024-03"],
                        "mrr": [10.0, 10.0, -10.0], "plan": ["basic", "pro", "pro"]})
    as_of = ["2024-02-15", "2024-03-15"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = rt.Book(accounts, mrr=mrr).snapshots(as_of, active_only=False)
    want = oracle_snapshots({"accounts": accounts, "mrr": mrr}, tz="UTC", as_of=as_of,
                            active_only=False)
    assert want["plan"].astype(object).tolist() == ["basic", "pro"]
    assert want["mrr"].tolist() == [10.0, 0.0] and want["active"].tolist() == [True, False]
    assert_matches_oracle(got, want)
