"""Churn by reason, CSM touches and coverage (issue 11): ``rt.kpi.churn_reasons``,
``rt.kpi.touches`` and ``rt.kpi.coverage`` of a Book.

Two kinds of checks: small Books worked by hand (the arithmetic is written beside every expected
number), and random Books against an oracle written here from the docstrings with plain
pandas/Python on the raw tables — the time rule read with ``pd.Timestamp`` / ``tz_convert``, the
MRR bridge from summed line items, the first churn record of the window, the customer rule of
``Book.active_at`` — never retain checked against retain. The random Books have string ids in no
order, rows in no order, accounts with gaps and returns in MRR (line items, credit notes, rows of
MRR 0), churn records in the bridge's month g - 1 or g, records that match nothing, two records
near one churn, records without reason or kind, activities of internal types, and instants as
text with UTC offsets (or naive wall text) near midnight in a non-UTC Book zone.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

import retain as rt
from retain.errors import ColumnError, InputError

# The random tables draw signing days, MRR and churns apart, so some rows come before their
# account signed: the KPIs must be right on such data too; the Book's warning is not tested here.
pytestmark = pytest.mark.filterwarnings("ignore:table '(mrr|churns)'.*before they signed")

COUNTS = ["churned_accounts", "voluntary_accounts", "involuntary_accounts",
          "unknown_kind_accounts"]
AMOUNTS = ["mrr_lost", "share_of_churned_mrr", "voluntary_mrr", "involuntary_mrr",
           "unknown_kind_mrr"]
REASON_COLUMNS = ["churned_accounts", "mrr_lost", "share_of_churned_mrr", "voluntary_accounts",
                  "involuntary_accounts", "unknown_kind_accounts", "voluntary_mrr",
                  "involuntary_mrr", "unknown_kind_mrr"]
COVERAGE_COLUMNS = ["accounts", "arr", "touches", "untouched", "untouched_arr",
                    "untouched_accounts"]
EPOCH = pd.Timestamp("1970-01-01")


def P(text: str, freq: str = "M") -> pd.Period:
    return pd.Period(text, freq=freq)


# ================================================================================ the oracle


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and np.isnan(value)


def _blank(value) -> bool:
    """A label the Book reads as none: missing or empty text."""
    return _missing(value) or value == ""


def wall(value, tz: str) -> pd.Timestamp:
    """The time rule: text with an offset is an instant, shown on the Book zone's wall clock;
    text without one is already wall time there."""
    ts = pd.Timestamp(value)
    return ts if ts.tzinfo is None else ts.tz_convert(tz).tz_localize(None)


def day_of(value, tz: str) -> int:
    """Days since 1970-01-01 of the wall day."""
    return (wall(value, tz).normalize() - EPOCH).days


def month_of_day(day: int) -> int:
    """Month ordinal (months since 1970-01) of a day number."""
    d = EPOCH + pd.Timedelta(days=day)
    return (d.year - 1970) * 12 + d.month - 1


def first_day_of_month(month: int) -> int:
    return (pd.Period(ordinal=month, freq="M").start_time - EPOCH).days


def kind_code(value) -> int:
    """1 voluntary, 0 involuntary, -1 unknown (case and blanks ignored)."""
    if _missing(value):
        return -1
    text = str(value).strip().lower()
    return {"voluntary": 1, "involuntary": 0}.get(text, -1)


@dataclass
class Record:
    day: int
    reason: str | None
    kind: int
    returned: int | None  # given return day, None when blank or no column


@dataclass
class Prepared:
    """The raw tables read by the docstrings' rules, accounts by position in the accounts
    table (the Book's order)."""

    ids: list
    signed: list[int]
    has_mrr: bool
    mrr: dict = field(default_factory=dict)  # (account, month) -> summed MRR
    span: tuple[int, int] | None = None
    records: dict = field(default_factory=dict)  # account -> [Record] in table order
    touches: list = field(default_factory=list)  # (account, day, wall timestamp, type, owner)

    def paying(self, a: int, m: int) -> bool:
        return self.mrr.get((a, m), 0.0) > 0

    def bridge_churns(self):
        """(account, g): paid in g - 1, nothing in g, g inside the MRR table's span."""
        first, last = self.span
        for a in range(len(self.ids)):
            for g in range(first + 1, last + 1):
                if self.paying(a, g - 1) and not self.paying(a, g):
                    yield a, g

    def returned(self, a: int, r: Record) -> int | None:
        """A given return, else (with MRR) the first day of the first paying month after the
        record's churned month in the bridge (M if not paid in M, else M + 1 if not paid then;
        none when it never pays again); paid in both, the first day of M + 1."""
        if r.returned is not None or not self.has_mrr:
            return r.returned
        m = month_of_day(r.day)
        gap = m if not self.paying(a, m) else m + 1 if not self.paying(a, m + 1) else None
        if gap is None:
            return first_day_of_month(m + 1)
        later = sorted(k for (b, k) in self.mrr if b == a and k > gap and self.paying(a, k))
        return first_day_of_month(later[0]) if later else None

    def active(self, a: int, t: int) -> bool:
        """A customer on day t: signed by t; with MRR, paying in t's month; no churn record dated
        on or before t without a return on or before t."""
        if self.signed[a] > t:
            return False
        if self.has_mrr and not self.paying(a, month_of_day(t)):
            return False
        for r in self.records.get(a, []):
            if r.day <= t:
                back = self.returned(a, r)
                if back is None or back > t:
                    return False
        return True


_PREPARED: dict = {}


def prepare(tables: dict, tz: str, internal=()) -> Prepared:
    """The tables read once per (tables, zone, internal types): the cache holds the frames, so
    their ids stay theirs."""
    frames = tuple(tables.values())
    key = (tuple(map(id, frames)), tz, tuple(internal))
    if key not in _PREPARED:
        _PREPARED[key] = (frames, _prepare(tables, tz, internal))
    return _PREPARED[key][1]


def _prepare(tables: dict, tz: str, internal) -> Prepared:
    acc = tables["accounts"]
    ids = list(acc["account_id"])
    pos = {a: k for k, a in enumerate(ids)}
    out = Prepared(ids, [day_of(v, tz) for v in acc["signed_at"]], "mrr" in tables)
    if "mrr" in tables:
        mrr = tables["mrr"]
        months = [pd.Period(p, freq="M").ordinal for p in mrr["period"]]
        for a, m, v in zip(mrr["account_id"], months, mrr["mrr"], strict=True):
            key = (pos[a], m)
            out.mrr[key] = out.mrr.get(key, 0.0) + float(v)
        out.span = (min(months), max(months))
    if "churns" in tables:
        ch = tables["churns"]
        n = len(ch)
        reasons = ch["reason"] if "reason" in ch else [None] * n
        kinds = ch["kind"] if "kind" in ch else [None] * n
        returns = ch["returned_at"] if "returned_at" in ch else [None] * n
        for a, at, reason, kind, back in zip(ch["account_id"], ch["churned_at"], reasons, kinds,
                                             returns, strict=True):
            record = Record(day_of(at, tz), None if _blank(reason) else str(reason),
                            kind_code(kind), None if _blank(back) else day_of(back, tz))
            out.records.setdefault(pos[a], []).append(record)
    if "activities" in tables:
        ac = tables["activities"]
        n = len(ac)
        types = ac["type"] if "type" in ac else [None] * n
        owners = ac["owner"] if "owner" in ac else [None] * n
        for a, at, kind, owner in zip(ac["account_id"], ac["at"], types, owners, strict=True):
            if not _blank(kind) and kind in internal:
                continue
            out.touches.append((pos[a], day_of(at, tz), wall(at, tz), kind, owner))
    return out


def group_keys(tables: dict, by, dropna: bool) -> tuple[list, list]:
    """(each account's group key, None when it is left out; the groups): the accounts table
    grouped the pandas way, values sorted and a missing value (None here) after every value."""
    acc = tables["accounts"]
    columns = [by] if isinstance(by, str) else list(by)
    keys = []
    for row in zip(*(acc[c] for c in columns), strict=True):
        if dropna and any(_missing(v) for v in row):
            keys.append(None)
        else:
            keys.append(tuple(None if _missing(v) else v for v in row))

    def order(key):
        return tuple((1, "") if v is None else (0, v) for v in key)

    return keys, sorted({k for k in keys if k is not None}, key=order)


def oracle_churn_reasons(tables, tz, freq="M", by=None, dropna=True, names=None):
    p = prepare(tables, tz)
    keys, _ = group_keys(tables, by, dropna) if by is not None else ([()] * len(p.ids), None)
    rows = []
    for a, g in p.bridge_churns():
        if keys[a] is None:
            continue
        window = [r for r in p.records.get(a, []) if month_of_day(r.day) in (g - 1, g)]
        if window:
            first = min(window, key=lambda r: r.day)
            reason, kind = first.reason or "unspecified", first.kind
        else:
            reason, kind = "unrecorded", -1
        lost = p.mrr[(a, g - 1)]
        rows.append((*keys[a], pd.Period(ordinal=g, freq="M").asfreq(freq), reason,
                     1, lost, int(kind == 1), int(kind == 0), int(kind == -1),
                     lost * (kind == 1), lost * (kind == 0), lost * (kind == -1)))
    levels = [] if by is None else ([by] if isinstance(by, str) else list(by))
    frame = pd.DataFrame(rows, columns=[*levels, "period", "reason", "churned_accounts",
                                        "mrr_lost", "voluntary_accounts", "involuntary_accounts",
                                        "unknown_kind_accounts", "voluntary_mrr",
                                        "involuntary_mrr", "unknown_kind_mrr"])
    # plain Python sums per (group, period, reason): the keys are few
    table: dict = {}
    for row in frame.itertuples(index=False):
        key = tuple(row[: len(levels) + 2])
        sums = table.setdefault(key, [0, 0.0, 0, 0, 0, 0.0, 0.0, 0.0])
        for k, v in enumerate(row[len(levels) + 2:]):
            sums[k] += v
    period_total: dict = {}
    for key, sums in table.items():
        outer = _nan_key(key[: len(levels) + 1])
        period_total[outer] = period_total.get(outer, 0.0) + sums[1]
    ordered = sorted(table, key=lambda k: tuple(
        (1, "") if _missing(v) else (0, v) for v in k))
    out = []
    for key in ordered:
        s = table[key]
        share = s[1] / period_total[_nan_key(key[: len(levels) + 1])]
        out.append([*key, s[0], s[1], share, s[2], s[3], s[4], s[5], s[6], s[7]])
    expected = pd.DataFrame(out, columns=[*levels, "period", "reason", *REASON_COLUMNS])
    if names is not None:
        expected["reason_name"] = [names.get(r, r) for r in expected["reason"]]
    return expected


def _nan_key(key: tuple) -> tuple:
    return tuple("<missing>" if _missing(v) else v for v in key)


def flat(result: pd.DataFrame) -> pd.DataFrame:
    """A retain result with its index as columns, for comparing with an oracle's rows."""
    return result.reset_index()


def assert_rows_equal(got: pd.DataFrame, expected: pd.DataFrame, keys: list, counts: list,
                      amounts: list, rtol: float = 1e-9) -> None:
    """Key columns equal (NaN where NaN), counts exact, amounts to ``rtol``."""
    assert list(got.columns) == list(expected.columns), (list(got.columns),
                                                          list(expected.columns))
    assert len(got) == len(expected), (len(got), len(expected))
    for k in keys:
        g = [("<missing>" if _missing(v) else v) for v in got[k]]
        e = [("<missing>" if _missing(v) else v) for v in expected[k]]
        assert g == e, f"column {k}: {g} != {e}"
    for c in counts:
        assert got[c].dtype == np.int64, (c, got[c].dtype)
        np.testing.assert_array_equal(got[c].to_numpy(), expected[c].to_numpy(dtype=np.int64),
                                      err_msg=c)
    for c in amounts:
        np.testing.assert_allclose(got[c].to_numpy(dtype=float),
                                   expected[c].to_numpy(dtype=float), rtol=rtol, atol=1e-9,
                                   err_msg=c)


def oracle_touches(tables, tz, internal, freq="M", by="type") -> pd.DataFrame:
    p = prepare(tables, tz, internal)
    counts: dict = {}
    for a, _day, when, kind, owner in p.touches:
        label = "touches" if by is None else kind if by == "type" else owner
        label = "(none)" if _blank(label) else label
        key = (a, when.to_period(freq))
        counts.setdefault(key, {})
        counts[key][label] = counts[key].get(label, 0) + 1
    columns = sorted({c for row in counts.values() for c in row})
    ordered = sorted(counts, key=lambda k: (k[0], k[1].ordinal))
    data = {c: [counts[k].get(c, 0) for k in ordered] for c in columns}
    if by is not None:
        data["total"] = [sum(counts[k].values()) for k in ordered]
    index = pd.MultiIndex.from_arrays(
        [pd.Index([p.ids[k[0]] for k in ordered], dtype=object),
         pd.PeriodIndex([k[1] for k in ordered], freq=freq)],
        names=["account_id", "period"])
    return pd.DataFrame(data, index=index, dtype=np.int64)


def oracle_coverage(tables, tz, internal, as_of_day, gap=30, by="owner", dropna=True,
                    only=None) -> pd.DataFrame:
    p = prepare(tables, tz, internal)
    if by is None:
        keys, groups = [("all",)] * len(p.ids), [("all",)]
    else:
        keys, groups = group_keys(tables, by, dropna)
    days: dict = {}
    for a, day, *_ in p.touches:
        days.setdefault(a, []).append(day)
    month = month_of_day(as_of_day)
    rows = {g: {"accounts": 0, "arr": 0.0, "touches": 0, "untouched": 0, "untouched_arr": 0.0,
                "list": []} for g in map(_nan_key, groups)}
    for a in range(len(p.ids)):
        if keys[a] is None or (only is not None and p.ids[a] not in only):
            continue
        if not p.active(a, as_of_day):
            continue
        row = rows[_nan_key(keys[a])]
        arr = 12 * p.mrr.get((a, month), 0.0) if p.has_mrr else np.nan
        recent = sum(1 for d in days.get(a, []) if as_of_day - gap < d <= as_of_day)
        row["accounts"] += 1
        row["arr"] += arr
        row["touches"] += recent
        if recent == 0:
            row["untouched"] += 1
            row["untouched_arr"] += arr
            row["list"].append((arr, a))
    out = []
    for g in map(_nan_key, groups):
        row = rows[g]
        # ARR largest first, then the Book's order (all NaN without MRR: the Book's order)
        listed = sorted(row["list"], key=lambda x: (0.0 if np.isnan(x[0]) else -x[0], x[1]))
        out.append([row["accounts"], row["arr"], row["touches"], row["untouched"],
                    row["untouched_arr"], [p.ids[a] for _, a in listed]])
    if by is None:
        index = pd.Index(["all"], name="group")
    elif isinstance(by, str):
        index = pd.Index([g[0] for g in groups], name=by)
    else:
        index = pd.MultiIndex.from_tuples(groups, names=list(by))
    return pd.DataFrame(out, index=index, columns=COVERAGE_COLUMNS)


def assert_coverage_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == COVERAGE_COLUMNS
    g_index = [_nan_key(k if isinstance(k, tuple) else (k,)) for k in got.index]
    e_index = [_nan_key(k if isinstance(k, tuple) else (k,)) for k in expected.index]
    assert g_index == e_index
    assert list(got.index.names) == list(expected.index.names)
    for c in ("accounts", "touches", "untouched"):
        assert got[c].dtype == np.int64
        assert got[c].tolist() == expected[c].tolist(), c
    for c in ("arr", "untouched_arr"):
        np.testing.assert_allclose(got[c].to_numpy(), expected[c].to_numpy(dtype=float),
                                   rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=c)
    assert got["untouched_accounts"].tolist() == expected["untouched_accounts"].tolist()


# ========================================================================== random Books

TZS = ("America/New_York", "Asia/Tokyo", "Europe/Berlin", "Australia/Adelaide")
OFFSET_MINUTES = (0, 540, -300, 330, -480, 60, -210, 345)
FIRST = pd.Period("2023-01", freq="M")
N_MONTHS = 15  # 2023-01 .. 2024-03
REASONS = np.array(["price", "product", "support", "competitor", None, ""], dtype=object)
KINDS = np.array(["voluntary", "involuntary", "Voluntary", " involuntary ", None, "", "  "],
                 dtype=object)
TYPES = np.array(["call", "email", "meeting", "note", None, ""], dtype=object)
OWNERS = np.array(["ann", "bob", "dee", None, ""], dtype=object)
INTERNAL = ("note",)
AS_OF = ("2023-06-30", "2023-12-01", "2024-03-31")
GAPS = (1, 7, 30, 45)
HOURS = ((0, 30), (9, 15), (12, 0), (17, 45), (23, 30))  # no DST change at any of them


def instant_text(when: pd.Timestamp, tz: str, rng: np.random.Generator) -> str:
    """Text for the wall time ``when`` of the Book's zone: mostly the same instant in another UTC
    offset ('Z' for some), else naive wall text."""
    if rng.random() < 0.15:
        return when.strftime("%Y-%m-%dT%H:%M:%S")
    minutes = int(rng.choice(OFFSET_MINUTES))
    shown = when.tz_localize(tz).tz_convert(dt.timezone(dt.timedelta(minutes=minutes)))
    text = shown.strftime("%Y-%m-%dT%H:%M:%S") + shown.strftime("%z")[:3] + ":" + \
        shown.strftime("%z")[3:]
    return text.replace("+00:00", "Z") if minutes == 0 and rng.random() < 0.5 else text


def wall_in_month(month: int, rng: np.random.Generator, used: set) -> pd.Timestamp | None:
    """A wall time in a month, on a day not in ``used`` (an account's records never tie on a
    day: "first" is then by day); a third at 00:30 on the 1st or 23:30 on the last day."""
    period = pd.Period(ordinal=month, freq="M")
    for _ in range(20):
        u = rng.random()
        if u < 0.17:
            when = period.start_time + pd.Timedelta(minutes=30)
        elif u < 0.34:
            when = period.end_time.normalize() + pd.Timedelta(hours=23, minutes=30)
        else:
            h, m = HOURS[rng.integers(len(HOURS))]
            when = period.start_time + pd.Timedelta(days=int(rng.integers(period.days_in_month)),
                                                    hours=h, minutes=m)
        if when.normalize() not in used:
            used.add(when.normalize())
            return when
    return None


def random_tables(seed: int, n_accounts: int = 36) -> tuple[dict, str]:
    """(tables, Book zone), made once per seed and size; callers copy before changing them."""
    key = (seed, n_accounts)
    if key not in _TABLES:
        _TABLES[key] = _random_tables(seed, n_accounts)
    tables, tz = _TABLES[key]
    return dict(tables), tz


_TABLES: dict = {}


def _random_tables(seed: int, n_accounts: int) -> tuple[dict, str]:
    rng = np.random.default_rng(seed)
    tz = TZS[seed % len(TZS)]
    ids = [f"C-{k:05d}" for k in rng.choice(100_000, n_accounts, replace=False)]

    def sometimes_missing(values, share):
        values = np.asarray(values, dtype=object)
        values[rng.random(len(values)) < share] = None
        return values

    signed = [instant_text(pd.Timestamp("2022-10-01") + pd.Timedelta(
        days=int(rng.integers(0, 520)), hours=12), tz, rng) for _ in ids]
    accounts = pd.DataFrame({
        "account_id": ids,
        "signed_at": signed,
        "owner": sometimes_missing(rng.choice(["ann", "bob", "cy"], n_accounts), 0.15),
        "tier": sometimes_missing(rng.choice(["high", "low", "mid"], n_accounts), 0.15),
        "region": rng.choice(["amer", "emea"], n_accounts),
    })

    mrr_rows, churn_rows, activity_rows = [], [], []
    for a in ids:
        pays = np.zeros(N_MONTHS, dtype=bool)
        if rng.random() > 0.06:  # a few accounts never pay
            start = int(rng.integers(0, N_MONTHS))
            state = True
            for m in range(start, N_MONTHS):
                if m > start:
                    state = rng.random() > 0.17 if state else rng.random() < 0.3
                pays[m] = state
        amount = float(rng.choice([49.0, 99.5, 120.25, 300.0, 1250.75]))
        for m in range(N_MONTHS):
            period = str(FIRST + m)
            if rng.random() < 0.15:
                amount = max(0.25, round(amount * float(rng.choice([0.5, 1.25, 2.0])) * 4) / 4)
            if not pays[m]:
                if rng.random() < 0.12:  # a row of MRR 0 is not paying
                    mrr_rows.append((a, period, 0.0))
                continue
            u = rng.random()
            if u < 0.25 and amount >= 1:  # two line items
                part = min(max(0.25, round(amount * rng.random() * 4) / 4), amount - 0.25)
                mrr_rows += [(a, period, part), (a, period, amount - part)]
            elif u < 0.3:  # a credit note
                mrr_rows += [(a, period, amount + 10.0), (a, period, -10.0)]
            else:
                mrr_rows.append((a, period, amount))
        used: set = set()

        def record(month, a=a, used=used):
            when = wall_in_month(FIRST.ordinal + month, rng, used)
            if when is None:
                return
            back = ""
            if rng.random() < 0.3:
                back = instant_text(when + pd.Timedelta(days=int(rng.integers(3, 120))), tz, rng)
            churn_rows.append((a, instant_text(when, tz, rng), back,
                               REASONS[rng.integers(len(REASONS))],
                               KINDS[rng.integers(len(KINDS))]))

        for g in range(1, N_MONTHS):
            if pays[g - 1] and not pays[g]:
                u = rng.random()
                if u < 0.65:
                    record(g - 1 if rng.random() < 0.5 else g)
                elif u < 0.8:  # two records near one churn
                    record(g - 1 if rng.random() < 0.5 else g)
                    record(g)
                # else: a bridge churn without a record
        if rng.random() < 0.25:  # a record anywhere: matches a churn or nothing
            record(int(rng.integers(0, N_MONTHS)))
        if rng.random() < 0.1:  # one in the month after the data: no churn of the span
            record(N_MONTHS)

        for _ in range(int(rng.poisson(6))):
            when = pd.Timestamp("2023-01-01") + pd.Timedelta(
                days=int(rng.integers(0, 470)), hours=int(rng.integers(0, 24)),
                minutes=int(rng.integers(0, 60)))
            if when.hour in (1, 2, 3):  # no wall time in a DST change
                when += pd.Timedelta(hours=4)
            activity_rows.append((a, instant_text(when, tz, rng),
                                  TYPES[rng.integers(len(TYPES))],
                                  OWNERS[rng.integers(len(OWNERS))]))
        # touches on the edges of the coverage windows
        for as_of in AS_OF:
            if rng.random() < 0.35:
                back = int(rng.choice([-1, 0, 1, 6, 7, 8, 29, 30, 31, 44, 45, 46]))
                h, m = HOURS[[0, 4][int(rng.integers(2))]]
                when = pd.Timestamp(as_of) - pd.Timedelta(days=back) + pd.Timedelta(hours=h,
                                                                                    minutes=m)
                activity_rows.append((a, instant_text(when, tz, rng),
                                      rng.choice(["call", "email", "note"]),
                                      OWNERS[rng.integers(len(OWNERS))]))

    if seed % 2 == 0:  # a row of MRR 0 after the last paid month: the span ends there
        mrr_rows.append((ids[0], str(FIRST + N_MONTHS), 0.0))

    def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)

    churns = pd.DataFrame(churn_rows, columns=["account_id", "churned_at", "returned_at",
                                               "reason", "kind"])
    if seed % 2 == 1:  # returns inferred from MRR
        churns = churns.drop(columns="returned_at")
    if seed % 3 == 2:  # no kind column: every kind unknown
        churns = churns.drop(columns="kind")
    tables = {
        "accounts": shuffled(accounts),
        "mrr": shuffled(pd.DataFrame(mrr_rows, columns=["account_id", "period", "mrr"])),
        "churns": shuffled(churns),
        "activities": shuffled(pd.DataFrame(activity_rows,
                                            columns=["account_id", "at", "type", "owner"])),
    }
    return tables, tz


def build(tables: dict, tz: str, **kwargs) -> rt.Book:
    return rt.Book(tables["accounts"], mrr=tables.get("mrr"), churns=tables.get("churns"),
                   activities=tables.get("activities"), tz=tz, **kwargs)


SEEDS = range(6)


def test_random_books_have_what_the_oracle_tests_need():
    """The generator makes every case the docstrings name, so the oracle tests cover them."""
    seen = {"unrecorded": 0, "unspecified": 0, "two": 0, "unmatched": 0, "gap": 0, "zero": 0,
            "internal": 0, "after": 0}
    for seed in SEEDS:
        tables, tz = random_tables(seed)
        p = prepare(tables, tz)
        matched = set()
        for a, g in p.bridge_churns():
            window = [r for r in p.records.get(a, []) if month_of_day(r.day) in (g - 1, g)]
            seen["unrecorded"] += not window
            seen["two"] += len(window) >= 2
            seen["unspecified"] += bool(window) and min(window, key=lambda r: r.day).reason is None
            matched |= {(a, r.day) for r in window}
            seen["gap"] += any(p.paying(a, k) for k in range(g + 1, p.span[1] + 1))
        seen["unmatched"] += sum(1 for a, rs in p.records.items() for r in rs
                                 if (a, r.day) not in matched)
        seen["zero"] += int((tables["mrr"]["mrr"] == 0).sum())
        seen["internal"] += int((tables["activities"]["type"] == "note").sum())
        seen["after"] += sum(1 for _, d, *_ in p.touches if d > day_of(AS_OF[0], tz))
    assert all(v >= 3 for v in seen.values()), seen


# ------------------------------------------------------------------------- churn_reasons


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_churn_reasons_equal_the_oracle(seed, freq):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    got = rt.kpi.churn_reasons(book, freq=freq)
    assert got.index.names == ["period", "reason"]
    assert list(got.columns) == REASON_COLUMNS
    expected = oracle_churn_reasons(tables, tz, freq=freq)
    assert_rows_equal(flat(got), expected, ["period", "reason"], COUNTS, AMOUNTS)
    assert isinstance(got.index.get_level_values("period"), pd.PeriodIndex)
    assert got.index.get_level_values("period").freqstr == P("2024-01", freq).freqstr


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("by", "dropna"), [("tier", True), ("tier", False), ("owner", False),
                                            (["region", "tier"], True),
                                            (["tier", "region"], False)])
def test_churn_reasons_by_attribute_equal_the_oracle(seed, by, dropna):
    tables, tz = random_tables(seed)
    book = build(tables, tz)
    freq = "MQ"[seed % 2]
    got = rt.kpi.churn_reasons(book, freq=freq, by=by, dropna=dropna)
    levels = [by] if isinstance(by, str) else by
    assert got.index.names == [*levels, "period", "reason"]
    expected = oracle_churn_reasons(tables, tz, freq=freq, by=by, dropna=dropna)
    assert_rows_equal(flat(got), expected, [*levels, "period", "reason"], COUNTS, AMOUNTS)
    if not dropna:  # every account is in a group: the groups add up to the whole Book
        whole = rt.kpi.churn_reasons(book, freq=freq)
        summed = got[COUNTS].groupby(level=["period", "reason"]).sum()
        pd.testing.assert_frame_equal(summed, whole[COUNTS])


@pytest.mark.parametrize("seed", SEEDS)
def test_churn_reasons_names_equal_the_oracle(seed):
    tables, tz = random_tables(seed)
    book = build(tables, tz)
    names = {"price": "Too expensive", "unrecorded": "No churn record"}
    got = rt.kpi.churn_reasons(book, names=names, by="tier")
    expected = oracle_churn_reasons(tables, tz, by="tier", names=names)
    assert list(got.columns) == [*REASON_COLUMNS, "reason_name"]
    assert_rows_equal(flat(got), expected, ["tier", "period", "reason", "reason_name"], COUNTS,
                      AMOUNTS)


@pytest.mark.parametrize("seed", SEEDS)
def test_churn_reasons_reconcile_with_the_bridge(seed):
    """mrr_lost summed over the reasons of a month is the bridge's churned MRR, and the churned
    accounts its churned_accounts; the bridge churns without a record are the "unrecorded" rows,
    as many as Book.reconcile lists."""
    tables, tz = random_tables(seed)
    book = build(tables, tz)
    got = rt.kpi.churn_reasons(book)
    mv = rt.kpi.mrr_movements(book)
    per_month = got.groupby(level="period")[["mrr_lost", "churned_accounts"]].sum()
    per_month = per_month.reindex(mv.index, fill_value=0)
    np.testing.assert_allclose(per_month["mrr_lost"], mv["churned"], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(per_month["churned_accounts"], mv["churned_accounts"])
    # the oracle's bridge (summed line items, dense months) agrees with both
    p = prepare(tables, tz)
    lost: dict = {}
    for a, g in p.bridge_churns():
        lost[g] = lost.get(g, 0.0) + p.mrr[(a, g - 1)]
    np.testing.assert_allclose(mv["churned"].to_numpy(),
                               [lost.get(q.ordinal, 0.0) for q in mv.index], rtol=1e-12)
    # shares add up to 1 in every month with a churn
    np.testing.assert_allclose(got.groupby(level="period")["share_of_churned_mrr"].sum(), 1.0,
                               rtol=1e-12)
    reasons = got.index.get_level_values("reason")
    unrecorded = got[reasons == "unrecorded"]
    missing = book.reconcile()
    missing = missing[missing["kind"] == "bridge_churn_without_record"]
    assert len(missing) > 0 and unrecorded["churned_accounts"].sum() == len(missing)
    by_month = missing.groupby("month").size()
    assert dict(zip(unrecorded.index.get_level_values("period"), unrecorded["churned_accounts"],
                    strict=True)) == by_month.to_dict()
    # an unrecorded churn has no kind
    assert (unrecorded["unknown_kind_accounts"] == unrecorded["churned_accounts"]).all()


def test_churn_reasons_ignore_the_thread_count():
    tables, tz = random_tables(11, n_accounts=300)
    book = build(tables, tz)
    one = rt.kpi.churn_reasons(book, freq="Q", by="tier", dropna=False, n_threads=1)
    for n in (2, 3, None):
        pd.testing.assert_frame_equal(
            rt.kpi.churn_reasons(book, freq="Q", by="tier", dropna=False, n_threads=n), one,
            check_exact=True)


# --------------------------------------------------------------------------------- touches


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by", ["type", "owner", None])
@pytest.mark.parametrize("freq", ["M", "Q"])
def test_touches_equal_the_oracle(seed, by, freq):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    got = rt.kpi.touches(book, freq=freq, by=by)
    expected = oracle_touches(tables, tz, INTERNAL, freq=freq, by=by)
    assert "note" not in got.columns
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    assert got.index.names == ["account_id", "period"]


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_touches_count_internal_types_when_none_are_named(seed):
    tables, tz = random_tables(seed)
    got = rt.kpi.touches(build(tables, tz))
    expected = oracle_touches(tables, tz, (), by="type")
    assert "note" in got.columns
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_touches_ignore_the_thread_count():
    tables, tz = random_tables(12, n_accounts=300)
    book = build(tables, tz, internal_activity_types=["note"])
    one = rt.kpi.touches(book, by="owner", n_threads=1)
    for n in (2, 3, None):
        pd.testing.assert_frame_equal(rt.kpi.touches(book, by="owner", n_threads=n), one)


# -------------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by", ["owner", "tier", None, ["tier", "region"]])
def test_coverage_equals_the_oracle(seed, by):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    for as_of in AS_OF:
        for gap in GAPS:
            got = rt.kpi.coverage(book, as_of, max_gap_days=gap, by=by)
            expected = oracle_coverage(tables, tz, INTERNAL, day_of(as_of, tz), gap, by)
            assert_coverage_equal(got, expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_with_missing_attributes_as_a_group_equals_the_oracle(seed):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    for as_of in AS_OF:
        got = rt.kpi.coverage(book, as_of, by="tier", dropna=False)
        expected = oracle_coverage(tables, tz, INTERNAL, day_of(as_of, tz), 30, "tier",
                                   dropna=False)
        assert_coverage_equal(got, expected)
        # every account in one group: the groups add up to the whole Book
        whole = rt.kpi.coverage(book, as_of, by=None)
        assert got["accounts"].sum() == whole["accounts"].item()
        assert got["touches"].sum() == whole["touches"].item()


@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_of_a_subset_equals_the_oracle(seed):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    rng = np.random.default_rng(100 + seed)
    ids = tables["accounts"]["account_id"]
    flags = pd.Series(rng.random(len(ids)) < 0.5, index=ids.to_numpy())
    flags = flags.sample(frac=1.0, random_state=seed)  # a mask in another order
    chosen = list(flags.index[flags.to_numpy()])
    for as_of in AS_OF:
        expected = oracle_coverage(tables, tz, INTERNAL, day_of(as_of, tz), 7, "owner",
                                   only=set(chosen))
        as_list = rt.kpi.coverage(book, as_of, 7, accounts=chosen)
        as_mask = rt.kpi.coverage(book, as_of, 7, accounts=flags)
        as_index = rt.kpi.coverage(book, as_of, 7, accounts=pd.Index(chosen[::-1]))
        for got in (as_list, as_mask, as_index):
            assert_coverage_equal(got, expected)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_coverage_as_of_a_tz_aware_time_is_its_day_in_the_books_zone(seed):
    tables, tz = random_tables(seed)
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    # 23:30 UTC on the last day of March: in New York still March 31, in Tokyo April 1
    instant = pd.Timestamp("2024-03-31T23:30:00", tz="UTC")
    local_day = (instant.tz_convert(tz).tz_localize(None).normalize() - EPOCH).days
    with warnings.catch_warnings():
        # April 1 may be past the MRR's last month: the warning has its own test.
        warnings.simplefilter("ignore", rt.RetainWarning)
        got = rt.kpi.coverage(book, instant, 30, by="owner")
    assert_coverage_equal(got, oracle_coverage(tables, tz, INTERNAL, local_day, 30, "owner"))


def test_coverage_without_mrr_has_no_arr_and_lists_in_book_order():
    tables, tz = random_tables(4)
    del tables["mrr"]  # a copy of the cached dict
    book = build(tables, tz, internal_activity_types=list(INTERNAL))
    for as_of in AS_OF:
        got = rt.kpi.coverage(book, as_of, 30, by="owner")
        assert got["arr"].isna().all() and got["untouched_arr"].isna().all()
        assert_coverage_equal(got, oracle_coverage(tables, tz, INTERNAL, day_of(as_of, tz), 30,
                                                   "owner"))


def test_coverage_ignores_the_thread_count():
    tables, tz = random_tables(13, n_accounts=300)
    book = build(tables, tz, internal_activity_types=["note"])
    one = rt.kpi.coverage(book, "2023-12-01", by="tier", dropna=False, n_threads=1)
    for n in (2, 3, None):
        pd.testing.assert_frame_equal(
            rt.kpi.coverage(book, "2023-12-01", by="tier", dropna=False, n_threads=n), one)


# ======================================================================== hand-worked Book
#
# Book zone Asia/Tokyo (UTC+9, no DST). Accounts in this order (the Book's order):
#
#   account  owner  tier   MRR  Jan  Feb  Mar      Apr  May        churn records (Tokyo day)
#   d5       bob    -           -    80   80       80   80         03-05 price/vol (keeps paying)
#   007      ann    high        100  100  60 + 40  -    -          04-01 01:30 price/vol,
#                                                                  04-20 support/invol
#   b3       bob    low         200  200  200      200  0 (a row)  02-10 budget (keeps paying)
#   a2       ann    low         50   -    70       70   70         01-15 (no reason)/invol
#   c4       -      high        30   30   30       -    -          03-01 04:00 product/(no kind)
#   e6       ann    high        120  120  120      120  120
#   f7       ann    low         120  120  120      120  100 + 20
#   g8       bob    high        -    -    -        -    10
#
# The MRR table spans 2024-01 .. 2024-05 (b3's row of 0 is data). Bridge churns:
#   a2 in Feb (paid 50 in Jan): record 01-15 is in g - 1 = Jan: no reason -> "unspecified",
#       involuntary;
#   007 in Apr (paid 60 + 40 = 100 in Mar): records 04-01 and 04-20 are both in g = Apr; the first,
#       04-01 (2024-03-31T16:30Z is 01:30 on April 1 in Tokyo), gives price / voluntary;
#   c4 in Apr (paid 30 in Mar): record 2024-02-29T14:00-05:00 = Feb 29 19:00 UTC = Mar 1 04:00
#       Tokyo, in g - 1 = Mar: product, no kind -> unknown;
#   b3 in May (paid 200 in Apr, a row of 0 in May): its only record (Feb) is not in Apr or May ->
#       "unrecorded", unknown kind.
# d5's and b3's records match no bridge churn (they kept paying through the next month).

HAND_TZ = "Asia/Tokyo"


def hand_tables() -> dict:
    accounts = pd.DataFrame({
        "account_id": ["d5", "007", "b3", "a2", "c4", "e6", "f7", "g8"],
        "signed_at": ["2023-12-01"] * 7 + ["2024-05-31T22:00:00+09:00"],
        "owner": ["bob", "ann", "bob", "ann", None, "ann", "ann", "bob"],
        "tier": [None, "high", "low", "low", "high", "high", "low", "high"],
    })
    mrr_rows = [
        ("d5", "2024-02", 80), ("d5", "2024-03", 80), ("d5", "2024-04", 80), ("d5", "2024-05", 80),
        ("007", "2024-01", 100), ("007", "2024-02", 100), ("007", "2024-03", 60),
        ("007", "2024-03", 40),
        ("b3", "2024-01", 200), ("b3", "2024-02", 200), ("b3", "2024-03", 200),
        ("b3", "2024-04", 200), ("b3", "2024-05", 0),
        ("a2", "2024-01", 50), ("a2", "2024-03", 70), ("a2", "2024-04", 70), ("a2", "2024-05", 70),
        ("c4", "2024-01", 30), ("c4", "2024-02", 30), ("c4", "2024-03", 30),
        *[("e6", f"2024-0{m}", 120) for m in range(1, 6)],
        *[("f7", f"2024-0{m}", 120) for m in range(1, 5)], ("f7", "2024-05", 100),
        ("f7", "2024-05", 20),
        ("g8", "2024-05", 10),
    ]
    mrr = pd.DataFrame(mrr_rows[::-1], columns=["account_id", "period", "mrr"])
    churns = pd.DataFrame({
        "account_id": ["007", "a2", "b3", "c4", "d5", "007"],
        "churned_at": ["2024-04-20T10:00:00+09:00", "2024-01-15T12:00:00+09:00", "2024-02-10",
                       "2024-02-29T14:00:00-05:00", "2024-03-05", "2024-03-31T16:30:00Z"],
        "reason": ["support", None, "budget", "product", "price", "price"],
        "kind": ["involuntary", "involuntary", "voluntary", None, "voluntary", "voluntary"],
    })
    activities = pd.DataFrame({
        "account_id": ["007", "007", "007", "a2", "a2", "b3", "c4", "d5", "d5", "d5", "e6", "f7",
                       "f7", "g8", "g8"],
        "at": [
            "2024-01-31T15:30:00Z",       # 007: Feb 1 00:30 Tokyo
            "2024-02-10T10:00:00+09:00",  # 007: a note (internal)
            "2024-02-11T10:00:00+09:00",  # 007: email, no owner
            "2024-03-15T09:00:00+09:00",  # a2
            "2024-03-20T09:00:00+09:00",  # a2: no type
            "2024-05-30T10:00:00+09:00",  # b3
            "2024-05-02T10:00:00+09:00",  # c4: a note
            "2024-05-31T14:59:00Z",       # d5: May 31 23:59 Tokyo
            "2024-05-31T15:00:00Z",       # d5: June 1 00:00 Tokyo
            "2024-05-20T10:00:00+09:00",  # d5
            "2024-05-20T10:00:00+09:00",  # e6: a note
            "2024-05-01T12:00:00+09:00",  # f7: May 1
            "2024-06-01T00:00:00+09:00",  # f7: June 1, after the coverage day
            "2024-05-01T15:30:00Z",       # g8: May 2 00:30 Tokyo
            "2024-05-31T14:00:00Z",       # g8: May 31 23:00 Tokyo
        ],
        "type": ["call", "note", "email", "call", None, "meeting", "note", "call", "email", "call",
                 "note", "call", "email", "meeting", "call"],
        "owner": ["ann", "ann", None, "bob", "bob", "ann", "ann", "bob", "bob", "bob", "ann",
                  "ann", "ann", "bob", ""],
    })
    return {"accounts": accounts, "mrr": mrr, "churns": churns, "activities": activities}


def hand_book(tz: str = HAND_TZ) -> rt.Book:
    return build(hand_tables(), tz, internal_activity_types=["note"])


def reason_rows(result: pd.DataFrame) -> list:
    """(index..., churned_accounts, mrr_lost, share, vol, invol, unknown, vol MRR, invol MRR,
    unknown MRR) per row, shares rounded for readable literals."""
    out = []
    for key, row in zip(result.index, result[REASON_COLUMNS].itertuples(index=False),
                        strict=True):
        values = list(row)
        values[2] = round(values[2], 12)
        out.append((*key, *values))
    return out


def test_hand_worked_churn_reasons_by_month():
    got = rt.kpi.churn_reasons(hand_book())
    assert reason_rows(got) == [
        # Feb: a2 took its January 50, a record without reason, involuntary
        (P("2024-02"), "unspecified", 1, 50.0, 1.0, 0, 1, 0, 0.0, 50.0, 0.0),
        # Apr: 007 took 60 + 40 = 100 (voluntary), c4 30 (no kind); 100 + 30 = 130 lost in April
        (P("2024-04"), "price", 1, 100.0, round(100 / 130, 12), 1, 0, 0, 100.0, 0.0, 0.0),
        (P("2024-04"), "product", 1, 30.0, round(30 / 130, 12), 0, 0, 1, 0.0, 0.0, 30.0),
        # May: b3 took its April 200, with no record in April or May
        (P("2024-05"), "unrecorded", 1, 200.0, 1.0, 0, 0, 1, 0.0, 0.0, 200.0),
    ]
    mv = rt.kpi.mrr_movements(hand_book())
    # the bridge: Jan 0, Feb 50, Mar 0, Apr 130, May 200 churned; 0, 1, 0, 2, 1 accounts
    assert mv["churned"].tolist() == [0, 50, 0, 130, 200]
    assert mv["churned_accounts"].tolist() == [0, 1, 0, 2, 1]


def test_hand_worked_churn_reasons_by_quarter_and_tier_with_names():
    got = rt.kpi.churn_reasons(hand_book(), freq="Q")
    # 2024Q1: a2's 50 alone; 2024Q2: 100 + 30 + 200 = 330
    assert reason_rows(got) == [
        (P("2024Q1", "Q"), "unspecified", 1, 50.0, 1.0, 0, 1, 0, 0.0, 50.0, 0.0),
        (P("2024Q2", "Q"), "price", 1, 100.0, round(100 / 330, 12), 1, 0, 0, 100.0, 0.0, 0.0),
        (P("2024Q2", "Q"), "product", 1, 30.0, round(30 / 330, 12), 0, 0, 1, 0.0, 0.0, 30.0),
        (P("2024Q2", "Q"), "unrecorded", 1, 200.0, round(200 / 330, 12), 0, 0, 1, 0.0, 0.0,
         200.0),
    ]
    by_tier = rt.kpi.churn_reasons(hand_book(), by="tier",
                                   names={"price": "Too expensive", "unrecorded": "No record"})
    # high: 007 (100) and c4 (30) in April, shares within high's April: 100/130, 30/130;
    # low: a2 (50) in Feb, b3 (200) in May; d5 (no tier) churns nowhere anyway
    assert reason_rows(by_tier) == [
        ("high", P("2024-04"), "price", 1, 100.0, round(100 / 130, 12), 1, 0, 0, 100.0, 0.0, 0.0),
        ("high", P("2024-04"), "product", 1, 30.0, round(30 / 130, 12), 0, 0, 1, 0.0, 0.0, 30.0),
        ("low", P("2024-02"), "unspecified", 1, 50.0, 1.0, 0, 1, 0, 0.0, 50.0, 0.0),
        ("low", P("2024-05"), "unrecorded", 1, 200.0, 1.0, 0, 0, 1, 0.0, 0.0, 200.0),
    ]
    assert by_tier["reason_name"].tolist() == ["Too expensive", "product", "unspecified",
                                               "No record"]
    # by year and owner: ann has 007 (100, Apr) and a2 (50, Feb) in 2024; bob has b3 (200)
    by_owner = rt.kpi.churn_reasons(hand_book(), freq="Y", by="owner", dropna=False)
    assert [k[:5] for k in reason_rows(by_owner)[:3]] == [
        ("ann", P("2024", "Y"), "price", 1, 100.0),
        ("ann", P("2024", "Y"), "unspecified", 1, 50.0),
        ("bob", P("2024", "Y"), "unrecorded", 1, 200.0),
    ]
    last = reason_rows(by_owner)[3]  # c4: no owner, its own group last
    assert pd.isna(last[0]) and last[1:5] == (P("2024", "Y"), "product", 1, 30.0)
    assert by_owner["share_of_churned_mrr"].round(12).tolist() == [round(100 / 150, 12),
                                                                   round(50 / 150, 12), 1.0, 1.0]


def test_hand_worked_churn_reasons_follow_the_books_zone():
    """In UTC, c4's record (Feb 29 19:00 UTC) is a February one, outside its April churn's
    window (March, April): the churn is unrecorded there. 007's price record (March 31 16:30
    UTC) is in March, still the first of its window."""
    got = rt.kpi.churn_reasons(hand_book("UTC"))
    assert reason_rows(got) == [
        (P("2024-02"), "unspecified", 1, 50.0, 1.0, 0, 1, 0, 0.0, 50.0, 0.0),
        (P("2024-04"), "price", 1, 100.0, round(100 / 130, 12), 1, 0, 0, 100.0, 0.0, 0.0),
        (P("2024-04"), "unrecorded", 1, 30.0, round(30 / 130, 12), 0, 0, 1, 0.0, 0.0, 30.0),
        (P("2024-05"), "unrecorded", 1, 200.0, 1.0, 0, 0, 1, 0.0, 0.0, 200.0),
    ]


def test_hand_worked_reason_spelled_like_a_reserved_name_and_no_reason_column():
    accounts = pd.DataFrame({"account_id": [1, 2, 3], "signed_at": ["2024-01-01"] * 3})
    # each pays 10, 20, 40 in January only; the MRR table runs to February (a row of 0)
    mrr = pd.DataFrame({"account_id": [1, 2, 3, 3], "period": ["2024-01"] * 3 + ["2024-02"],
                        "mrr": [10.0, 20.0, 40.0, 0.0]})
    churns = pd.DataFrame({"account_id": [1, 2, 3],
                           "churned_at": ["2024-01-31", "2024-02-01", "2024-02-15"],
                           "reason": ["unspecified", "", "unrecorded"]})
    got = rt.kpi.churn_reasons(rt.Book(accounts, mrr=mrr, churns=churns))
    # "unspecified" as given and a blank reason share one row: 10 + 20 = 30 of 70 lost;
    # account 3's record says "unrecorded": 40 of 70; no kind column: every kind unknown
    assert reason_rows(got) == [
        (P("2024-02"), "unrecorded", 1, 40.0, round(40 / 70, 12), 0, 0, 1, 0.0, 0.0, 40.0),
        (P("2024-02"), "unspecified", 2, 30.0, round(30 / 70, 12), 0, 0, 2, 0.0, 0.0, 30.0),
    ]
    bare = rt.kpi.churn_reasons(rt.Book(accounts, mrr=mrr,
                                        churns=churns.drop(columns="reason")))
    # without a reason column: every record is unspecified (10 + 20 + 40 = 70)
    assert reason_rows(bare) == [
        (P("2024-02"), "unspecified", 3, 70.0, 1.0, 0, 0, 3, 0.0, 0.0, 70.0)]
    without_churns = rt.kpi.churn_reasons(rt.Book(accounts, mrr=mrr))
    assert reason_rows(without_churns) == [
        (P("2024-02"), "unrecorded", 3, 70.0, 1.0, 0, 0, 3, 0.0, 0.0, 70.0)]


def test_records_of_one_day_are_taken_in_table_order():
    """Two records on one day: a Book keeps churn days, not times, so "the account's first churn
    record" of a day is the first in the table (15:00 "late" here), as the docstring says."""
    accounts = pd.DataFrame({"account_id": ["x"], "signed_at": ["2024-01-01"]})
    mrr = pd.DataFrame({"account_id": ["x", "x"], "period": ["2024-01", "2024-02"],
                        "mrr": [10.0, 0.0]})
    churns = pd.DataFrame({"account_id": ["x", "x"],
                           "churned_at": ["2024-01-20T15:00", "2024-01-20T09:00"],
                           "reason": ["late", "early"]})
    got = rt.kpi.churn_reasons(rt.Book(accounts, mrr=mrr, churns=churns))
    assert got.index.get_level_values("reason").tolist() == ["late"]


def test_hand_worked_churn_reasons_without_any_churn_is_empty():
    accounts = pd.DataFrame({"account_id": ["x"], "signed_at": ["2024-01-01"]})
    mrr = pd.DataFrame({"account_id": ["x", "x"], "period": ["2024-01", "2024-02"],
                        "mrr": [5.0, 5.0]})
    got = rt.kpi.churn_reasons(rt.Book(accounts, mrr=mrr))
    assert len(got) == 0
    assert list(got.columns) == REASON_COLUMNS
    assert got.index.names == ["period", "reason"]


def test_hand_worked_touches():
    book = hand_book()
    by_type = rt.kpi.touches(book)
    # Book order d5, 007, b3, a2, (c4: only a note), (e6: only a note), f7, g8
    expected = pd.DataFrame(
        [
            # (none) call email meeting total
            [0, 2, 0, 0, 2],  # d5 May: May 20 and May 31 23:59 Tokyo
            [0, 0, 1, 0, 1],  # d5 June: 2024-05-31T15:00Z is June 1 00:00 Tokyo
            [0, 1, 1, 0, 2],  # 007 Feb: the call at Feb 1 00:30 Tokyo, the email; the note not
            [0, 0, 0, 1, 1],  # b3 May
            [1, 1, 0, 0, 2],  # a2 Mar: a call and one without type
            [0, 1, 0, 0, 1],  # f7 May
            [0, 0, 1, 0, 1],  # f7 June
            [0, 1, 0, 1, 2],  # g8 May
        ],
        columns=["(none)", "call", "email", "meeting", "total"],
        index=pd.MultiIndex.from_arrays(
            [["d5", "d5", "007", "b3", "a2", "f7", "f7", "g8"],
             pd.PeriodIndex(["2024-05", "2024-06", "2024-02", "2024-05", "2024-03", "2024-05",
                             "2024-06", "2024-05"], freq="M")],
            names=["account_id", "period"]),
        dtype=np.int64,
    )
    pd.testing.assert_frame_equal(by_type, expected)

    by_owner = rt.kpi.touches(book, by="owner")
    assert list(by_owner.columns) == ["(none)", "ann", "bob", "total"]
    # g8's May 31 call has a blank owner: "(none)"; 007's email has none either
    assert by_owner.to_numpy().tolist() == [
        [0, 0, 2, 2], [0, 0, 1, 1], [1, 1, 0, 2], [0, 1, 0, 1], [0, 0, 2, 2], [0, 1, 0, 1],
        [0, 1, 0, 1], [1, 0, 1, 2],
    ]

    quarters = rt.kpi.touches(book, freq="Q", by=None)
    # d5: 2 + 1 in Q2; 007: 2 in Q1; b3: 1 in Q2; a2: 2 in Q1; f7: 1 + 1 in Q2; g8: 2 in Q2
    assert list(quarters.columns) == ["touches"]
    assert list(quarters.index) == [("d5", P("2024Q2", "Q")), ("007", P("2024Q1", "Q")),
                                    ("b3", P("2024Q2", "Q")), ("a2", P("2024Q1", "Q")),
                                    ("f7", P("2024Q2", "Q")), ("g8", P("2024Q2", "Q"))]
    assert quarters["touches"].tolist() == [3, 2, 1, 2, 2, 2]
    # without internal types, the notes are touches: 007 Feb gets a third, c4 and e6 appear
    every = rt.kpi.touches(build(hand_tables(), HAND_TZ), by=None)
    assert every.loc[("007", P("2024-02")), "touches"] == 3
    assert every.loc[("c4", P("2024-05")), "touches"] == 1
    assert every["touches"].sum() == 15


# Coverage on 2024-05-31 (Tokyo), 30 days: the window is (May 1, May 31], days May 2 .. May 31.
# Customers that day (signed by it, paying in May, no churn record without a return):
#   d5: its record of March 5 has no churned month (it paid in March and April): the bill wins,
#       back on April 1, a customer (bob, no tier), ARR 12 x 80 = 960, touches May 20 and May 31
#       23:59 in the window: 2;
#   007, c4: pay nothing in May; b3: a row of 0 in May;
#   a2: its record of Jan 15 churned it in February; back on March 1 (first paying month after):
#       a customer, ARR 12 x 70 = 840, no touch in the window (March only);
#   e6: ARR 12 x 120 = 1440, only a note: untouched;
#   f7: ARR 12 x (100 + 20) = 1440, touches May 1 (on the window's edge: out) and June 1 (after
#       the day: not read): untouched;
#   g8: signed 22:00 on May 31, ARR 120, touches May 2 00:30 and May 31 23:00: 2.


def test_hand_worked_coverage_by_owner():
    got = rt.kpi.coverage(hand_book(), "2024-05-31")
    expected = pd.DataFrame(
        {
            # ann: a2, e6, f7 -> 840 + 1440 + 1440 = 3720, all untouched;
            # bob: g8 (120, 2 touches) and d5 (960, 2 touches)
            "accounts": [3, 2],
            "arr": [3720.0, 1080.0],
            "touches": [0, 4],
            "untouched": [3, 0],
            "untouched_arr": [3720.0, 0.0],
            # ARR largest first; e6 and f7 tie at 1440: the Book's order (e6 first)
            "untouched_accounts": [["e6", "f7", "a2"], []],
        },
        index=pd.Index(["ann", "bob"], name="owner"),
    )
    pd.testing.assert_frame_equal(got, expected)
    # 31 days: (Apr 30, May 31] holds f7's May 1 touch: ann 1 touch, untouched e6, a2 (2280)
    wider = rt.kpi.coverage(hand_book(), "2024-05-31", max_gap_days=31)
    assert wider["touches"].tolist() == [1, 4]
    assert wider["untouched_accounts"].tolist() == [["e6", "a2"], []]
    assert wider["untouched_arr"].tolist() == [2280.0, 0.0]
    # 1 day: only May 31 counts; g8's 23:00 and d5's 23:59 touches are on it
    one = rt.kpi.coverage(hand_book(), "2024-05-31", max_gap_days=1)
    assert one["touches"].tolist() == [0, 2]
    # the same day given as an instant: 2024-05-30T16:00Z is May 31 01:00 in Tokyo
    pd.testing.assert_frame_equal(
        rt.kpi.coverage(hand_book(), pd.Timestamp("2024-05-30T16:00:00", tz="UTC")), got)


def test_hand_worked_coverage_by_tier_none_and_subsets():
    book = hand_book()
    tiers = rt.kpi.coverage(book, "2024-05-31", by="tier", dropna=False)
    # high: e6 (1440, untouched), g8 (120, 2 touches); 007 and c4 are gone
    # low: a2 (840) and f7 (1440), both untouched; b3 is gone
    # no tier: d5 (960, 2 touches, see above)
    assert tiers["accounts"].tolist() == [2, 2, 1]
    assert tiers["arr"].tolist() == [1560.0, 2280.0, 960.0]
    assert tiers["touches"].tolist() == [2, 0, 2]
    assert tiers["untouched"].tolist() == [1, 2, 0]
    assert tiers["untouched_arr"].tolist() == [1440.0, 2280.0, 0.0]
    assert tiers["untouched_accounts"].tolist() == [["e6"], ["f7", "a2"], []]
    assert tiers.index[:2].tolist() == ["high", "low"] and pd.isna(tiers.index[2])

    whole = rt.kpi.coverage(book, "2024-05-31", by=None)
    # 5 customers: 840 + 1440 + 1440 + 120 + 960 = 4800, untouched 3720
    assert whole.index.tolist() == ["all"] and whole.index.name == "group"
    assert whole.iloc[0].tolist() == [5, 4800.0, 4, 3, 3720.0, ["e6", "f7", "a2"]]

    subset = rt.kpi.coverage(book, "2024-05-31", accounts=["g8", "a2"])
    assert subset["accounts"].tolist() == [1, 1]
    assert subset["untouched_accounts"].tolist() == [["a2"], []]
    mask = pd.Series([True, False, True], index=["a2", "e6", "d5"])
    masked = rt.kpi.coverage(book, "2024-05-31", accounts=mask, by=None)
    assert masked.iloc[0].tolist() == [2, 1800.0, 2, 1, 840.0, ["a2"]]
    # a day before g8 signed (May 30): g8 is not counted, its May 2 touch does not matter
    # and the window (Apr 30, May 30] holds f7's May 1 touch and d5's May 20 one: untouched e6,
    # a2 (1440 + 840)
    before = rt.kpi.coverage(book, "2024-05-30", by=None)
    assert before.iloc[0].tolist() == [4, 4680.0, 2, 2, 2280.0, ["e6", "a2"]]


def test_hand_worked_coverage_with_a_given_return():
    """With a returned_at column, d5's stray record returns when it says (April 1, here the day
    the bill gives too): d5 is a customer on May 31 (ARR 960, touches May 20 and May 31 23:59 in
    the window)."""
    tables = hand_tables()
    tables["churns"]["returned_at"] = [None, None, None, None, "2024-04-01", None]
    got = rt.kpi.coverage(build(tables, HAND_TZ, internal_activity_types=["note"]),
                          "2024-05-31")
    assert got["accounts"].tolist() == [3, 2]
    assert got["arr"].tolist() == [3720.0, 1080.0]
    assert got["touches"].tolist() == [0, 4]


# ============================================================================== bad inputs


def test_a_dataframe_is_no_book():
    frame = hand_tables()["mrr"]
    for call in (lambda: rt.kpi.churn_reasons(frame), lambda: rt.kpi.touches(frame),
                 lambda: rt.kpi.coverage(frame, "2024-05-31")):
        with pytest.raises(TypeError, match=r"reads a retain\.Book .*got DataFrame"):
            call()


def test_missing_tables_are_named():
    t = hand_tables()
    no_mrr = rt.Book(t["accounts"], churns=t["churns"], activities=t["activities"])
    with pytest.raises(InputError, match="churn by reason needs the Book's MRR table"):
        rt.kpi.churn_reasons(no_mrr)
    no_activities = rt.Book(t["accounts"], mrr=t["mrr"], churns=t["churns"])
    with pytest.raises(InputError, match="needs the Book's activities table"):
        rt.kpi.touches(no_activities)
    with pytest.raises(InputError, match="needs the Book's activities table"):
        rt.kpi.coverage(no_activities, "2024-05-31")


def test_bad_names():
    book = hand_book()
    with pytest.raises(InputError, match=r"names: 'pricing' is not a churn reason of the Book"):
        rt.kpi.churn_reasons(book, names={"pricing": "Too expensive"})
    with pytest.raises(InputError, match="names: give a dict of reason id -> display name, got "
                                         "list"):
        rt.kpi.churn_reasons(book, names=[("price", "Too expensive")])
    with pytest.raises(InputError, match="names: the display name of 'price' must be text"):
        rt.kpi.churn_reasons(book, names={"price": 3})


@pytest.mark.parametrize("freq", ["W", "D", "month", None])
def test_freq_must_be_a_calendar_period(freq):
    book = hand_book()
    for call in (rt.kpi.churn_reasons, rt.kpi.touches):
        with pytest.raises(InputError, match="freq: "):
            call(book, freq=freq)


def test_by_must_be_an_attribute_or_a_touch_column():
    book = hand_book()
    with pytest.raises(ColumnError, match=r"by: 'segment' is not an attribute of the Book's "
                                          r"accounts \(its attributes: \['owner', 'tier'\]\)"):
        rt.kpi.churn_reasons(book, by="segment")
    with pytest.raises(ColumnError, match="by: 'segment' is not an attribute"):
        rt.kpi.coverage(book, "2024-05-31", by="segment")
    with pytest.raises(InputError, match="by: must be 'type', 'owner' or None, got 'tier'"):
        rt.kpi.touches(book, by="tier")
    t = hand_tables()
    untyped = rt.Book(t["accounts"], activities=t["activities"].drop(columns="type"))
    with pytest.raises(ColumnError, match="the activities table has no 'type' column"):
        rt.kpi.touches(untyped)


def test_coverage_by_owner_needs_the_accounts_owner():
    t = hand_tables()
    book = rt.Book(t["accounts"].drop(columns="owner"), mrr=t["mrr"], activities=t["activities"])
    with pytest.raises(ColumnError, match="an activity's owner is who made the touch, not whose "
                                          "account it is: add an owner column to the accounts"):
        rt.kpi.coverage(book, "2024-05-31")
    # by another attribute it works
    assert rt.kpi.coverage(book, "2024-05-31", by="tier")["accounts"].sum() == 4


def test_coverage_bad_arguments():
    book = hand_book()
    with pytest.raises(InputError, match=r"accounts: 'zz' \(position 1\) is not an account"):
        rt.kpi.coverage(book, "2024-05-31", accounts=["a2", "zz"])
    with pytest.raises(InputError, match="accounts: 'zz'"):
        rt.kpi.coverage(book, "2024-05-31", accounts=pd.Series([True, True], index=["a2", "zz"]))
    with pytest.raises(InputError, match=r"max_gap_days: must be a whole number of days in "
                                         r"\[1, 36500\], got 0"):
        rt.kpi.coverage(book, "2024-05-31", max_gap_days=0)
    with pytest.raises(InputError, match=r"max_gap_days: must be a whole number, got 2\.5"):
        rt.kpi.coverage(book, "2024-05-31", max_gap_days=2.5)
    with pytest.raises(InputError, match="as_of: give one date, got 2"):
        rt.kpi.coverage(book, ["2024-05-30", "2024-05-31"])
    with pytest.raises(InputError, match="as_of: cannot read the dates"):
        rt.kpi.coverage(book, "last tuesday")


def test_internal_activity_types_that_do_not_occur_warn_with_a_close_match():
    t = hand_tables()
    # A typo warns (a month's export without notes must not stop the job) and marks nothing.
    with pytest.warns(rt.RetainWarning, match=r"internal_activity_types: 'notes' does not occur "
                      r"in the activities' types; did you mean 'note'\? \(its types: \['call', "
                      r"'email', 'meeting', 'note'\]\)"):
        typo = rt.Book(t["accounts"], activities=t["activities"], internal_activity_types=["notes"])
    assert rt.kpi.touches(typo, by=None)["touches"].sum() == 15
    with pytest.raises(InputError, match="internal_activity_types: the Book has no activities "
                                         "table"):
        rt.Book(t["accounts"], mrr=t["mrr"], internal_activity_types=["note"])
    no_type = t["activities"].drop(columns="type")
    with pytest.raises(InputError, match=r"the activities table has no column 'type' to find "
                                         r"'note' in"):
        rt.Book(t["accounts"], activities=no_type, internal_activity_types=["note"])
    # one type as text is a list of one
    book = rt.Book(t["accounts"], activities=t["activities"], internal_activity_types="note")
    assert rt.kpi.touches(book, by=None)["touches"].sum() == 12


def test_a_misspelt_optional_column_warns_instead_of_being_dropped():
    t = hand_tables()
    churns = t["churns"].rename(columns={"reason": "reasons"})
    with pytest.warns(rt.RetainWarning, match=r"table 'churns': column 'reasons' is not read; "
                      r"did you mean 'reason'\? \(rename it, or map it with "
                      r"columns=\{'churns': \{'reason': 'reasons'\}\}\)"):
        rt.Book(t["accounts"], churns=churns)
    activities = t["activities"].rename(columns={"type": "Type"})
    with pytest.warns(rt.RetainWarning, match=r"column 'Type' is not read; did you mean 'type'"):
        rt.Book(t["accounts"], activities=activities)


def test_an_activity_of_an_unknown_account_is_named_or_dropped():
    accounts = pd.DataFrame({"account_id": ["a", "b"], "signed_at": ["2024-01-01"] * 2,
                             "owner": ["ann", "ann"]})
    activities = pd.DataFrame({"account_id": ["a", "zz", "b"],
                               "at": ["2024-03-01", "2024-03-02", "2024-03-03"],
                               "type": ["call", "call", "email"]})
    with pytest.raises(rt.InputError, match=r"table 'activities', column 'account_id', row 1: "
                       r"account 'zz' is not in the accounts table"):
        rt.Book(accounts, activities=activities)
    book = rt.Book(accounts, activities=activities, unknown_accounts="drop")
    assert book.dropped == {"activities": 1}
    # The dropped touch counts nowhere: a and b have one each in March.
    touched = rt.kpi.touches(book, by=None)
    assert touched["touches"].tolist() == [1, 1]
    # In the 30 days to Mar 15 both touches count; to Mar 31 a's (Mar 1) is on the edge, out.
    cover = rt.kpi.coverage(book, "2024-03-15", by="owner")
    assert cover.loc["ann", "touches"] == 2 and cover.loc["ann", "untouched"] == 0
    assert rt.kpi.coverage(book, "2024-03-31", by=None).loc["all", "untouched_accounts"] == ["a"]


def test_newcomer_hints_past_the_mrr_mixed_zones_and_near_names():
    book = hand_book()
    # After the MRR's last month nobody pays: coverage says so rather than returning zeros.
    with pytest.warns(rt.RetainWarning, match=r"the MRR table ends in 2024-05; as_of 2024-06-15 "
                      r"reads past it"):
        late = rt.kpi.coverage(book, "2024-06-15", by=None)
    assert late["accounts"].tolist() == [0]
    with pytest.raises(InputError, match="as_of: mixes dates with a time zone and dates without"):
        book.snapshots([pd.Timestamp("2024-03-31"), pd.Timestamp("2024-04-30", tz="UTC")])
    with pytest.raises(ColumnError, match=r"'ownr' is not an attribute .*; did you mean 'owner'\?"):
        rt.kpi.coverage(book, "2024-05-31", by="ownr")
