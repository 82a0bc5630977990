"""A whole customer book from CSV files to point-in-time snapshots: ``rt.Book.read`` +
``book.snapshots`` against the fastest plain way, in one run.

The data, as users have it: eight CSV files (accounts, mrr, events, surveys, tickets,
milestones, churns, activities) with string ids ("ACC-000042", "USR-0012345"), rows in no
order, instants as ISO text with UTC offsets ("2024-03-01T08:00:00+09:00", each account in its
own zone), MRR periods as 'YYYY-MM' text, blanks for missing dates (open tickets, churns without
a return). Default size: 100,000 accounts, 20 M events over 2022-2024, 36 months of MRR (with
add-on line items and paused months), about 4 M rows in the other tables; the files are made
once and kept under /tmp/bench_book/<size>/. Snapshots are taken at 12 month ends (the last one
2024-11-30) with windows (7, 30, 90), active accounts only (the default), Book time zone UTC.

The plain way is the fastest a good data scientist writes, not the shortest: ``pyarrow.csv``
read with the column types given (small vocabularies as dictionaries, instants parsed by Arrow
to UTC), several times faster than ``pd.read_csv(engine="pyarrow")`` into object strings
followed by per-table ``merge`` / ``groupby``; account ids mapped to the accounts' row numbers by
Arrow's hash lookup (``pyarrow.compute.index_in``); user ids encoded (``dictionary_encode``)
only for the rows a window can reach; the event log's rows older than the first window reduced
to each account's last day (``np.maximum.at``), the recent rows sorted once by day (a radix
sort) so that every window is one contiguous slice, then ``np.bincount`` for counts and a
reusable boolean mark array for distinct users / days / features (no per-window ``unique``
sort); MRR, churns, tickets and milestones by masks and ``bincount`` / ``minimum.at`` per date;
latest survey answers and CSM touches by ``searchsorted`` on sorted (account, time) keys. It
computes every column the contract lists (tenure, active, mrr, plan, the five event measures
per window, days_since_last_event, nps / csat score and age, open tickets, milestones_reached
and reached_<name>, days_since_touch, touches_30d / 90d, the accounts' attributes), and both
results are checked equal, value for value and row for row, before anything is timed.

Timing and memory: each side runs in its own fresh child process (retain on 1 thread, retain on
every core, the plain way), best of --repeat runs of read + snapshots on the same files (warm
in the page cache for both). Peak memory is the child's resident-set high-water mark, VmHWM in
/proc/self/status (C++ and Arrow allocations included, which tracemalloc would miss; per process
image, so not inherited from this parent like ru_maxrss).

Memory (the hardening issue): a Book of 20 M events peaks at no more than 1.5x the tables it
holds. ``rt.Book(accounts, events=events, tz="America/New_York")`` is built from pandas tables
in memory, as users hold them: the accounts table (string ids, a tz-aware ``signed_at``, plan,
segment, owner, seats) and --memory-events events (string account and user ids, a tz-aware UTC
``timestamp``, a ``feature`` name; rows in no order). Text cells are str objects shared between
equal cells, as the other benchmarks make them and as ``pd.read_csv`` gives them (it reuses one
object for equal cells of a chunk). In a fresh child: the resident set after the imports (the
baseline), the tables made, the high-water mark restarted, the Book built and kept. The tables'
bytes count every buffer and each distinct str object once (``sys.getsizeof``):
``memory_usage(deep=True)``, printed beside it, counts a shared object again at every cell that
refers to it, which would inflate the tables several times. The target's ratio is (peak -
baseline) / tables: the tables (the Book keeps them) and everything the build takes, at the
peak, over the tables; printed beside it are what the build adds, (peak - resident after making
the tables) / tables, what the held Book adds, and the absolute peak / (baseline + tables).
``--memory`` runs only this case (no CSV files needed).

    .venv/bin/python benchmarks/bench_book.py [--accounts N] [--events E] [--dates D] [--repeat R]
        [--memory] [--memory-accounts N] [--memory-events E]

Target (issue 9): rt.Book.read + snapshots at 12 dates on 100,000 accounts and 20 M events
>= 10x faster than the pandas way, and peak memory under 2x the loaded tables (here: the total
size of the CSV files). The hardening issue's: the Book's (peak - baseline) / tables at most 1.5.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from _common import peak_rss_bytes, reset_peak, resident_bytes, run_child, verdict

TARGET = 10.0
MEMORY_FACTOR = 2.0
BOOK_MEMORY_FACTOR = 1.5  # the hardening issue: (peak - baseline) / the tables held, at most
MEMORY_TZ = "America/New_York"  # the Book's zone in the memory case
WINDOWS = (7, 30, 90)
DATA_ROOT = Path("/tmp/bench_book")
TABLES = (
    "accounts",
    "mrr",
    "events",
    "surveys",
    "tickets",
    "milestones",
    "churns",
    "activities",
)
START = np.datetime64("2022-01-01", "s").astype(np.int64)  # first instant of the data, UTC
END = np.datetime64("2025-01-01", "s").astype(np.int64)  # exclusive
MONTHS = 36  # 2022-01 .. 2024-12
DAY = 86_400
OFFSETS = np.array([0, 540, -300, 330, -480, 60, -180, 600])  # minutes east of UTC
PLANS = np.array(["starter", "growth", "business", "enterprise"])
PLAN_BASE = np.array([49.0, 199.0, 799.0, 2999.0])
SEGMENTS = np.array(["smb", "mid-market", "enterprise"])
MILESTONES = np.array(["onboarded", "first_value", "integrated", "trained", "expanded"])
REASONS = np.array(["price", "product", "support", "competitor", "budget", "other"])
TOUCHES = np.array(["call", "email", "qbr", "meeting"])
N_FEATURES = 30
EVENT_CHUNK = 1_000_000


# ---------------------------------------------------------------------------------------------
# The data: CSV files as users export them
# ---------------------------------------------------------------------------------------------


def offset_text(minutes: np.ndarray) -> np.ndarray:
    """'+09:00' / '-05:00' / '+05:30' for offsets in minutes."""
    sign = np.where(minutes < 0, "-", "+")
    m = np.abs(minutes)
    return np.char.add(
        np.char.add(sign, np.char.zfill((m // 60).astype(str), 2)),
        np.char.add(":", np.char.zfill((m % 60).astype(str), 2)),
    )


OFFSET_TEXT = offset_text(OFFSETS)


def iso(utc_seconds: np.ndarray, zone: np.ndarray) -> np.ndarray:
    """ISO text of instants in the local time of OFFSETS[zone], with the offset."""
    local = utc_seconds + OFFSETS[zone] * 60
    return np.char.add(np.datetime_as_string(local.astype("datetime64[s]")), OFFSET_TEXT[zone])


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as a (n, width) uint8 matrix."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values.astype(np.int64)[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def const(text: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode(), np.uint8), (n, len(text)))


def uniform_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False)


def make_data(folder: Path, n_accounts: int, n_events: int, seed: int = 9) -> None:
    """Writes the eight CSV files into folder (made fresh)."""
    rng = np.random.default_rng(seed)
    a = n_accounts
    width = max(6, len(str(a - 1)))
    ids = np.char.add("ACC-", np.char.zfill(np.arange(a).astype(str), width))
    zone = rng.integers(0, len(OFFSETS), a)
    signed = uniform_between(
        rng,
        np.full(a, np.datetime64("2019-01-01", "s").astype(np.int64)),
        np.full(a, np.datetime64("2024-10-31", "s").astype(np.int64)),
    )
    plan = rng.choice(len(PLANS), a, p=[0.4, 0.3, 0.2, 0.1])
    seats = np.maximum(1, rng.lognormal(2.5, 1.0, a).astype(np.int64))
    owner = rng.integers(0, 40, a)
    owners = np.char.add("CSM-", np.char.zfill(np.arange(40).astype(str), 2))

    # Months: first paid month, churn month (first month without MRR), return, second churn.
    signed_month = (signed.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)) - (
        np.datetime64("2022-01", "M").astype(np.int64)
    )
    first = np.maximum(signed_month, 0)
    churns = (rng.random(a) < 0.3) & (first < MONTHS - 1)
    churn_m = np.where(churns, first + 1 + (rng.random(a) * (MONTHS - 1 - first)).astype(int), 99)
    back = churns & (churn_m < MONTHS - 2) & (rng.random(a) < 0.15)
    return_m = np.where(
        back, churn_m + 1 + (rng.random(a) * (MONTHS - 2 - churn_m)).astype(int), 99
    )
    again = back & (return_m < MONTHS - 2) & (rng.random(a) < 0.3)
    again_m = np.where(
        again, return_m + 1 + (rng.random(a) * (MONTHS - 2 - return_m)).astype(int), 99
    )
    upgrade_m = np.where(rng.random(a) < 0.2, first + rng.integers(0, MONTHS, a), 99)

    # mrr: one row per paid account-month, 15 % with an add-on line item, 1 % paused (0).
    seg_acc = np.concatenate([np.arange(a), np.flatnonzero(back)])
    seg_from = np.concatenate([first, return_m[back]])
    seg_to = np.concatenate([np.minimum(churn_m, MONTHS), np.minimum(again_m[back], MONTHS)])
    length = seg_to - seg_from
    acc = np.repeat(seg_acc, length)
    month = np.repeat(seg_from, length) + (
        np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    )
    row_plan = np.minimum(plan[acc] + (month >= upgrade_m[acc]), len(PLANS) - 1)
    amount = np.round(
        PLAN_BASE[row_plan] * (1 + seats[acc] / 50) * (1 + 0.01 * (month - first[acc])), 2
    )
    amount[rng.random(len(amount)) < 0.01] = 0.0
    addon = np.flatnonzero(rng.random(len(acc)) < 0.15)
    acc = np.concatenate([acc, acc[addon]])
    month = np.concatenate([month, month[addon]])
    row_plan = np.concatenate([row_plan, row_plan[addon]])
    amount = np.concatenate([amount, np.round(rng.uniform(10, 200, len(addon)), 2)])
    order = rng.permutation(len(acc))
    periods = pd.period_range("2022-01", periods=MONTHS, freq="M").strftime("%Y-%m").to_numpy()
    mrr = pd.DataFrame(
        {
            "account_id": ids[acc[order]],
            "period": periods[month[order]],
            "mrr": amount[order],
            "plan": PLANS[row_plan[order]],
        }
    )

    # The accounts table shows each account's current plan.
    current_plan = np.minimum(plan + (upgrade_m < MONTHS), len(PLANS) - 1)
    order = rng.permutation(a)
    accounts = pd.DataFrame(
        {
            "account_id": ids[order],
            "signed_at": iso(signed, zone)[order],
            "plan": PLANS[current_plan[order]],
            "segment": SEGMENTS[np.minimum(np.log10(seats) // 1, 2).astype(int)][order],
            "owner": owners[owner[order]],
            "seats": seats[order],
        }
    )

    # Churn rows: the first churn, its return (mostly blank), a second churn for some returns.
    month_start = np.datetime64("2022-01", "M") + np.arange(MONTHS + 1)
    month_start = month_start.astype("datetime64[s]").astype(np.int64)

    def in_month(m: np.ndarray) -> np.ndarray:
        return month_start[m] + rng.integers(0, 28 * DAY, len(m))

    c1 = np.flatnonzero(churns)
    c2 = np.flatnonzero(again)
    churn_acc = np.concatenate([c1, c2])
    churned_at = np.concatenate([in_month(churn_m[c1]), in_month(again_m[c2])])
    has_return = np.concatenate([back[c1], np.zeros(len(c2), bool)])
    returned_at = np.concatenate(
        [in_month(np.where(back[c1], return_m[c1], 0)), np.zeros(len(c2), np.int64)]
    )
    returned_text = np.where(has_return, iso(returned_at, zone[churn_acc]), "")
    order = rng.permutation(len(churn_acc))
    churn_table = pd.DataFrame(
        {
            "account_id": ids[churn_acc[order]],
            "churned_at": iso(churned_at, zone[churn_acc])[order],
            "returned_at": returned_text[order],
            "reason": REASONS[rng.integers(0, len(REASONS), len(churn_acc))],
            "kind": np.where(rng.random(len(churn_acc)) < 0.8, "voluntary", "involuntary"),
        }
    )

    # The time each account is around: from signing (or 2022) to its churn if it never returns.
    lo = np.maximum(signed, START)
    hi = np.where(churns & ~back, month_start[np.minimum(churn_m, MONTHS)] + 27 * DAY, END)
    hi = np.maximum(hi, lo + DAY)
    weight = rng.lognormal(0.0, 1.0, a)
    weight /= weight.sum()

    def pick(n: int) -> np.ndarray:
        return rng.choice(a, n, p=weight)

    # Surveys: NPS (0-10) and CSAT (1-5); 1 % answered twice at one instant.
    s_acc = pick(3 * a)
    s_at = uniform_between(rng, lo[s_acc], hi[s_acc])
    s_nps = rng.random(len(s_acc)) < 0.75
    s_score = np.where(s_nps, rng.integers(0, 11, len(s_acc)), rng.integers(1, 6, len(s_acc)))
    tie = np.flatnonzero(rng.random(len(s_acc)) < 0.01)
    s_acc, s_at, s_nps = (np.concatenate([x, x[tie]]) for x in (s_acc, s_at, s_nps))
    s_score = np.concatenate(
        [s_score, np.where(s_nps[-len(tie) :], rng.integers(0, 11, len(tie)), 3)]
    )
    order = rng.permutation(len(s_acc))
    surveys = pd.DataFrame(
        {
            "account_id": ids[s_acc[order]],
            "answered_at": iso(s_at, zone[s_acc])[order],
            "score": s_score[order],
            "kind": np.where(s_nps, "nps", "csat")[order],
        }
    )

    # Tickets: closed a few days later, 4 % still open (blank).
    t_acc = pick(8 * a)
    opened = uniform_between(rng, lo[t_acc], hi[t_acc])
    closed = opened + rng.exponential(3 * DAY, len(t_acc)).astype(np.int64)
    tickets = pd.DataFrame(
        {
            "account_id": ids[t_acc],
            "opened_at": iso(opened, zone[t_acc]),
            "closed_at": np.where(rng.random(len(t_acc)) < 0.04, "", iso(closed, zone[t_acc])),
        }
    )

    # Milestones: reached some weeks after signing; 3 % reached a second time later.
    reach = rng.random((a, len(MILESTONES))) < np.array([0.95, 0.8, 0.6, 0.4, 0.2])
    m_acc, m_name = np.nonzero(reach)
    m_at = signed[m_acc] + rng.exponential(30 * DAY, len(m_acc)).astype(np.int64) * (m_name + 1)
    again_ms = np.flatnonzero(rng.random(len(m_acc)) < 0.03)
    m_acc = np.concatenate([m_acc, m_acc[again_ms]])
    m_name = np.concatenate([m_name, m_name[again_ms]])
    m_at = np.concatenate([m_at, m_at[again_ms] + rng.integers(DAY, 90 * DAY, len(again_ms))])
    order = rng.permutation(len(m_acc))
    milestones = pd.DataFrame(
        {
            "account_id": ids[m_acc[order]],
            "milestone": MILESTONES[m_name[order]],
            "reached_at": iso(m_at, zone[m_acc])[order],
        }
    )

    # CSM activities.
    x_acc = pick(10 * a)
    activities = pd.DataFrame(
        {
            "account_id": ids[x_acc],
            "at": iso(uniform_between(rng, lo[x_acc], hi[x_acc]), zone[x_acc]),
            "type": TOUCHES[rng.integers(0, len(TOUCHES), len(x_acc))],
            "owner": owners[np.where(rng.random(len(x_acc)) < 0.9, owner[x_acc], 0)],
        }
    )

    for name, frame in (
        ("accounts", accounts),
        ("mrr", mrr),
        ("surveys", surveys),
        ("tickets", tickets),
        ("milestones", milestones),
        ("churns", churn_table),
        ("activities", activities),
    ):
        write_csv(folder / f"{name}.csv", frame)

    # Events, written as fixed-width byte rows (pandas' to_csv would take minutes at 20 M).
    users = np.clip(seats // 2, 1, 50)
    user_start = np.cumsum(users) - users
    user_width = max(7, len(str(int(users.sum()) - 1)))
    feature_p = 1.0 / np.arange(1, N_FEATURES + 1)
    feature_p /= feature_p.sum()
    with open(folder / "events.csv", "wb") as out:
        out.write(b"account_id,user_id,timestamp,feature\n")
        for begin in range(0, n_events, EVENT_CHUNK):
            n = min(EVENT_CHUNK, n_events - begin)
            e_acc = pick(n)
            user = user_start[e_acc] + rng.integers(0, users[e_acc])
            at = uniform_between(rng, lo[e_acc], hi[e_acc])
            feature = rng.choice(N_FEATURES, n, p=feature_p)
            stamp = iso(at, zone[e_acc]).astype("S25").view(np.uint8).reshape(n, 25)
            row = np.concatenate(
                [
                    const("ACC-", n),
                    digits(e_acc, width),
                    const(",USR-", n),
                    digits(user, user_width),
                    const(",", n),
                    stamp,
                    const(",feature_", n),
                    digits(feature, 2),
                    const("\n", n),
                ],
                axis=1,
            )
            out.write(row.tobytes())


def data_folder(n_accounts: int, n_events: int) -> Path:
    """The CSV folder for this size, made once (atomically) and kept."""
    folder = DATA_ROOT / f"a{n_accounts}_e{n_events}"
    if not (folder / "events.csv").exists():
        DATA_ROOT.mkdir(parents=True, exist_ok=True)
        scratch = DATA_ROOT / f"{folder.name}.tmp{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        start = time.perf_counter()
        make_data(scratch, n_accounts, n_events)
        try:
            scratch.rename(folder)
        except OSError:  # made meanwhile by another run
            shutil.rmtree(scratch, ignore_errors=True)
        print(f"(made the CSV files in {time.perf_counter() - start:.0f} s, kept in {folder})")
    return folder


def as_of_dates(n: int) -> list[pd.Timestamp]:
    """n month ends, the last 2024-11-30 (inside the MRR table and the event log)."""
    return list(pd.date_range(end="2024-11-30", periods=n, freq="ME"))


# ---------------------------------------------------------------------------------------------
# The plain way: pyarrow.csv + numpy
# ---------------------------------------------------------------------------------------------

TEXT = pa.string()  # account and user ids: looked up with Arrow's hash kernels
CODES = pa.dictionary(pa.int32(), pa.string())  # small vocabularies: dictionary-encoded on read
INSTANT = pa.timestamp("s", tz="UTC")  # ISO text with offsets, parsed by Arrow to UTC
SCHEMAS = {
    "accounts": {"account_id": TEXT, "signed_at": INSTANT},  # + the attributes, as inferred
    "mrr": {"account_id": TEXT, "period": CODES, "mrr": pa.float64(), "plan": CODES},
    "events": {"account_id": TEXT, "user_id": TEXT, "timestamp": INSTANT, "feature": CODES},
    "surveys": {"account_id": TEXT, "answered_at": INSTANT, "score": pa.float64(), "kind": CODES},
    "tickets": {"account_id": TEXT, "opened_at": INSTANT, "closed_at": INSTANT},
    "milestones": {"account_id": TEXT, "milestone": CODES, "reached_at": INSTANT},
    "churns": {"account_id": TEXT, "churned_at": INSTANT, "returned_at": INSTANT},
    "activities": {"account_id": TEXT, "at": INSTANT},
}
KEY = 2**32  # (account, day) keys: account * KEY + day
NO_DAY = np.iinfo(np.int64).min


def read(folder: Path, name: str) -> pa.Table:
    types = SCHEMAS[name]
    return pv.read_csv(
        folder / f"{name}.csv",
        convert_options=pv.ConvertOptions(
            column_types=types, include_columns=None if name == "accounts" else list(types)
        ),
    )


def account_codes(column: pa.ChunkedArray, ids: pa.Array, table: str) -> np.ndarray:
    """Row numbers in the accounts table (one hash lookup per row, in Arrow)."""
    codes = pc.index_in(column, value_set=ids)
    if codes.null_count:
        raise ValueError(f"{table}: {codes.null_count} account ids not in accounts")
    return codes.to_numpy().astype(np.int64)


def dictionary_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, sorted names) of a text column read as a dictionary."""
    column = column.unify_dictionaries()
    if not column.num_chunks:
        return np.zeros(0, np.int64), np.zeros(0, object)
    names = column.chunks[0].dictionary.to_numpy(zero_copy_only=False)
    order = np.argsort(names)
    rank = np.empty(len(names), np.int64)
    rank[order] = np.arange(len(names))
    return np.concatenate([rank[c.indices.to_numpy()] for c in column.chunks]), names[order]


def days(column: pa.ChunkedArray, missing: int = 2**30) -> np.ndarray:
    """UTC day numbers of instants (missing -> a day after everything)."""
    seconds = column.cast(pa.int64()).fill_null(missing * DAY).to_numpy()
    return seconds // DAY


def plain_snapshots(folder: Path, dates: list[pd.Timestamp]) -> tuple[pd.DataFrame, float]:
    """Every snapshot column at the as-of dates; returns (frame, seconds spent reading)."""
    start = time.perf_counter()
    t = {name: read(folder, name) for name in TABLES}
    read_seconds = time.perf_counter() - start

    ids = t["accounts"]["account_id"].combine_chunks()
    a = len(ids)
    rows = np.arange(a, dtype=np.int64)
    signed_day = days(t["accounts"]["signed_at"])
    dates = sorted(dates)
    cutoffs = [(q - pd.Timestamp("1970-01-01")).days for q in dates]  # lead_days = 0
    widest = max(WINDOWS)

    # mrr: month numbers from the 'YYYY-MM' names; rows grouped by month.
    mrr = t["mrr"]
    m_acc = account_codes(mrr["account_id"], ids, "mrr")
    m_code, m_names = dictionary_codes(mrr["period"])
    m_month = pd.PeriodIndex(m_names, freq="M").asi8[m_code]
    m_plan, plan_names = dictionary_codes(mrr["plan"])
    m_amount = mrr["mrr"].to_numpy()
    order = np.argsort(m_month, kind="stable")
    m_acc, m_month, m_plan, m_amount = (x[order] for x in (m_acc, m_month, m_plan, m_amount))

    # events: the rows old enough to matter only for the last event, reduced to each account's
    # last day; the recent rows sorted by day (a radix sort), so that every window is one slice.
    events = t["events"]
    e_acc = account_codes(events["account_id"], ids, "events")
    e_day = days(events["timestamp"])
    first_day, last_cutoff = min(cutoffs) - 2 * widest, max(cutoffs)
    old = e_day <= first_day
    last_old = np.full(a, NO_DAY)
    np.maximum.at(last_old, e_acc[old], e_day[old])
    recent = pa.array((e_day > first_day) & (e_day <= last_cutoff))
    r_acc, r_day = e_acc[recent], e_day[recent]
    del e_acc, e_day, old
    feature, _ = dictionary_codes(events["feature"].filter(recent))
    user = pc.dictionary_encode(events["user_id"].filter(recent).combine_chunks())
    user_code = user.indices.to_numpy().astype(np.int64)
    n_users, n_features = len(user.dictionary), int(feature.max(initial=-1)) + 1
    del user
    user_acc = np.zeros(n_users, np.int64)
    user_acc[user_code] = r_acc
    if not (user_acc[user_code] == r_acc).all():  # one user id in several accounts: pair them
        user_code, pairs = pd.factorize(r_acc * n_users + user_code)
        user_acc = np.asarray(pairs) // n_users
    by_day = np.argsort((r_day - first_day).astype(np.uint16), kind="stable")
    r_acc, r_day, user_code, feature = (x[by_day] for x in (r_acc, r_day, user_code, feature))
    del by_day

    # surveys: (account, instant, score) sorted per kind; the last row before the next day wins.
    surveys = t["surveys"]
    s_acc = account_codes(surveys["account_id"], ids, "surveys")
    s_kind, kind_names = dictionary_codes(surveys["kind"])
    s_sec = surveys["answered_at"].cast(pa.int64()).to_numpy()
    s_score = surveys["score"].to_numpy()
    latest = {}
    for kind in ("nps", "csat"):
        sel = s_kind == np.searchsorted(kind_names, kind) if kind in kind_names else s_kind < 0
        key = s_acc[sel] * 2**34 + s_sec[sel]
        order = np.lexsort((s_score[sel], key))
        latest[kind] = key[order], s_score[sel][order], s_sec[sel][order] // DAY

    tickets = t["tickets"]
    t_acc = account_codes(tickets["account_id"], ids, "tickets")
    t_open, t_close = days(tickets["opened_at"]), days(tickets["closed_at"])

    milestones = t["milestones"]
    ms_acc = account_codes(milestones["account_id"], ids, "milestones")
    ms_code, ms_names = dictionary_codes(milestones["milestone"])
    first_reached = np.full(a * len(ms_names), np.iinfo(np.int64).max)
    np.minimum.at(first_reached, ms_acc * len(ms_names) + ms_code, days(milestones["reached_at"]))
    first_reached = first_reached.reshape(a, len(ms_names))

    churns = t["churns"]
    c_acc = account_codes(churns["account_id"], ids, "churns")
    c_churn, c_return = days(churns["churned_at"]), days(churns["returned_at"])

    activities = t["activities"]
    x_key = np.sort(
        account_codes(activities["account_id"], ids, "activities") * KEY + days(activities["at"])
    )

    attributes = {
        c: t["accounts"][c].to_numpy()
        for c in t["accounts"].column_names
        if c not in ("account_id", "signed_at", "plan")  # plan: the MRR table's plan wins
    }
    ids = ids.to_numpy(zero_copy_only=False)
    del t, mrr, events, surveys, tickets, milestones, churns, activities

    mark_users = np.zeros(max(n_users, 1), bool)
    mark_days = np.zeros(a * widest, bool)
    mark_features = np.zeros(a * max(n_features, 1), bool)

    def distinct(mark: np.ndarray, codes: np.ndarray, owner: np.ndarray | int) -> np.ndarray:
        """Per account, how many distinct codes (a mark array instead of a sort)."""
        mark[codes] = True
        seen = np.flatnonzero(mark)
        mark[seen] = False
        of = owner[seen] if isinstance(owner, np.ndarray) else seen // owner
        return np.bincount(of, minlength=a)

    def upto(key: np.ndarray, day: int) -> np.ndarray:
        """Per account, the position after its last key with day <= day."""
        return np.searchsorted(key, rows * KEY + day, side="right")

    def last_day(key: np.ndarray, pos: np.ndarray) -> np.ndarray:
        if not len(key):
            return np.full(a, np.nan)
        prev = key[np.maximum(pos - 1, 0)]
        return np.where((pos > 0) & (prev // KEY == rows), prev % KEY, np.nan)

    last_event, done = last_old, 0
    parts = []
    for q, c in zip(dates, cutoffs, strict=True):
        cols: dict[str, np.ndarray] = {"tenure_days": c - signed_day}
        lo, hi = np.searchsorted(
            m_month, [pd.Period(q, "M").ordinal, pd.Period(q, "M").ordinal + 1]
        )
        amount = np.bincount(m_acc[lo:hi], weights=m_amount[lo:hi], minlength=a)
        plan = np.full(a, -1)
        plan[m_acc[lo:hi]] = m_plan[lo:hi]  # one plan per account-month in this data
        gone = (c_churn <= c) & (c_return > c)
        cols["active"] = (amount != 0) & (np.bincount(c_acc[gone], minlength=a) == 0)
        cols["mrr"] = amount
        cols["plan"] = pd.Categorical.from_codes(plan, plan_names)

        hi = np.searchsorted(r_day, c, side="right")
        np.maximum.at(last_event, r_acc[done:hi], r_day[done:hi])
        done = hi
        for w in WINDOWS:
            lo = np.searchsorted(r_day, c - w, side="right")
            n_events = np.bincount(r_acc[lo:hi], minlength=a)
            cols[f"events_{w}d"] = n_events
            cols[f"active_users_{w}d"] = distinct(mark_users, user_code[lo:hi], user_acc)
            codes = r_acc[lo:hi] * w + (r_day[lo:hi] - (c - w + 1))
            cols[f"active_days_{w}d"] = distinct(mark_days, codes, w)
            codes = r_acc[lo:hi] * n_features + feature[lo:hi]
            cols[f"distinct_features_{w}d"] = distinct(mark_features, codes, n_features)
            lo2 = np.searchsorted(r_day, c - 2 * w, side="right")
            before = np.bincount(r_acc[lo2:lo], minlength=a).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                cols[f"trend_{w}d"] = np.where(before > 0, n_events / before, np.nan)
        cols["days_since_last_event"] = np.where(last_event > NO_DAY, c - last_event, np.nan)

        for kind, (key, score, day) in latest.items():
            pos = np.searchsorted(key, rows * 2**34 + (c + 1) * DAY, side="left") - 1
            prev = np.maximum(pos, 0)
            has = (pos >= 0) & (key[prev] // 2**34 == rows) if len(key) else np.zeros(a, bool)
            cols[f"{kind}_score"] = np.where(has, score[prev] if len(key) else 0, np.nan)
            cols[f"{kind}_age_days"] = np.where(has, c - day[prev] if len(key) else 0, np.nan)

        open_now = (t_open <= c) & (t_close > c)
        cols["open_tickets"] = np.bincount(t_acc[open_now], minlength=a)
        reached = first_reached <= c
        cols["milestones_reached"] = reached.sum(axis=1)
        for k, name in enumerate(ms_names):
            cols[f"reached_{name}"] = reached[:, k]

        touched = upto(x_key, c)
        cols["days_since_touch"] = c - last_day(x_key, touched)
        cols["touches_30d"] = touched - upto(x_key, c - 30)
        cols["touches_90d"] = touched - upto(x_key, c - 90)

        keep = np.flatnonzero((signed_day <= c) & cols["active"])
        frame = pd.DataFrame(
            {"account_id": ids[keep], "as_of": np.full(len(keep), q.to_datetime64())}
        )
        for name, values in (*cols.items(), *attributes.items()):
            frame[name] = values[keep]
        parts.append(frame)
    return pd.concat(parts, ignore_index=True), read_seconds


# ---------------------------------------------------------------------------------------------
# Memory: a Book built from pandas tables in memory
# ---------------------------------------------------------------------------------------------


def make_frames(n_accounts: int, n_events: int, seed: int = 9) -> dict[str, pd.DataFrame]:
    """The accounts table and an event log of ``n_events`` rows as pandas holds them (see the
    module docstring): string ids, each account's and user's one str object shared by its rows;
    tz-aware instants; rows in no order."""
    rng = np.random.default_rng(seed)
    a = n_accounts
    width = max(6, len(str(a - 1)))
    names = np.char.add("ACC-", np.char.zfill(np.arange(a).astype(str), width)).astype(object)
    signed = uniform_between(
        rng,
        np.full(a, np.datetime64("2019-01-01", "s").astype(np.int64)),
        np.full(a, np.datetime64("2024-10-31", "s").astype(np.int64)),
    )
    seats = np.maximum(1, rng.lognormal(2.5, 1.0, a).astype(np.int64))
    owners = np.char.add("CSM-", np.char.zfill(np.arange(40).astype(str), 2)).astype(object)

    def instants(seconds: np.ndarray) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(seconds.astype("datetime64[s]").astype("datetime64[ns]"), tz="UTC")

    order = rng.permutation(a)
    accounts = pd.DataFrame(
        {
            "account_id": names[order],
            "signed_at": instants(signed[order]).tz_convert(MEMORY_TZ),
            "plan": PLANS.astype(object)[rng.choice(len(PLANS), a, p=[0.4, 0.3, 0.2, 0.1])],
            "segment": SEGMENTS.astype(object)[np.minimum(np.log10(seats) // 1, 2).astype(int)][
                order
            ],
            "owner": owners[rng.integers(0, len(owners), a)],
            "seats": seats[order],
        }
    )
    lo = np.maximum(signed, START)
    weight = rng.lognormal(0.0, 1.0, a)
    users = np.clip(seats // 2, 1, 50)
    user_start = np.cumsum(users) - users
    user_width = max(7, len(str(int(users.sum()) - 1)))
    user_names = np.char.add(
        "USR-", np.char.zfill(np.arange(int(users.sum())).astype(str), user_width)
    ).astype(object)
    feature_p = 1.0 / np.arange(1, N_FEATURES + 1)
    features = np.array([f"feature_{k:02d}" for k in range(N_FEATURES)], dtype=object)
    acc = rng.choice(a, n_events, p=weight / weight.sum())
    user = user_start[acc] + rng.integers(0, users[acc])
    at = uniform_between(rng, lo[acc], np.full(n_events, END))
    events = pd.DataFrame(
        {
            "account_id": names[acc],
            "user_id": user_names[user],
            "timestamp": instants(at),
            "feature": features[rng.choice(N_FEATURES, n_events, p=feature_p / feature_p.sum())],
        }
    )
    return {"accounts": accounts, "events": events}


def held_bytes(frame: pd.DataFrame) -> int:
    """The bytes ``frame`` holds: every column's and the index's buffer, and for a column of
    objects each distinct object once (``sys.getsizeof``), however many cells refer to it."""
    total = int(frame.memory_usage(index=True, deep=False).sum())
    columns = [frame.index.to_numpy()] if frame.index.dtype == object else []
    columns += [frame[c].to_numpy() for c in frame.columns if frame[c].dtype == object]
    for cells in columns:
        address = np.fromiter(map(id, cells), dtype=np.int64, count=len(cells))
        _, first = np.unique(address, return_index=True)
        total += sum(map(sys.getsizeof, cells[first]))
    return total


def memory_row(n_accounts: int, n_events: int) -> dict:
    """Builds the Book of ``make_frames`` in this process: the resident set after the imports
    (baseline) and after making the tables, the tables' bytes (counted both ways), the
    high-water mark of the build (restarted after the tables were made) and the resident set
    with the Book held."""
    import retain as rt

    reset_peak()
    baseline = resident_bytes()
    tables = make_frames(n_accounts, n_events)
    counted = {name: held_bytes(frame) for name, frame in tables.items()}
    deep = {name: int(f.memory_usage(deep=True).sum()) for name, f in tables.items()}
    reset = reset_peak()
    after = resident_bytes()
    start = time.perf_counter()
    book = rt.Book(tables["accounts"], events=tables["events"], tz=MEMORY_TZ)
    seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    reset_peak()  # collects and hands freed heap back: held is what stays in use
    held = resident_bytes()
    assert book.n_accounts == n_accounts
    return {
        "accounts": n_accounts,
        "events": n_events,
        "tables": sum(counted.values()),
        "tables_by_name": counted,
        "deep": sum(deep.values()),
        "baseline": baseline,
        "after_input": after,
        "peak": peak,
        "held": held,
        "seconds": seconds,
        "peak_reset": reset,
    }


def memory_section(n_accounts: int, n_events: int) -> dict:
    """Runs the memory case in a fresh child, prints it and returns its target."""
    r = run_child(
        __file__,
        [
            *("--child", "memory"),
            *("--memory-accounts", str(n_accounts), "--memory-events", str(n_events)),
        ],
    )
    tables = r["tables"]
    ratio = (r["peak"] - r["baseline"]) / tables
    extra = (r["peak"] - r["after_input"]) / tables
    kept = (r["held"] - r["after_input"]) / tables
    absolute = r["peak"] / (r["baseline"] + tables)
    parts = ", ".join(f"{k} {v / 2**20:,.1f} MiB" for k, v in r["tables_by_name"].items())
    print()
    print(
        f"memory: rt.Book(accounts, events=events, tz={MEMORY_TZ!r}) of {n_accounts:,} accounts "
        f"and {n_events:,} events built from pandas tables (string ids as shared str objects, "
        "tz-aware timestamps, rows in no order), in a fresh child process"
    )
    print(
        f"tables = every buffer and each distinct str object once: {tables / 2**30:.3f} GiB "
        f"({parts}); memory_usage(deep=True) would say {r['deep'] / 2**30:.3f} GiB, counting "
        "a shared str object again at every cell"
    )
    print(
        "baseline = the resident set after the imports; input = after making the tables; peak = "
        "the high-water mark (VmHWM), restarted once the tables were made; held = the resident "
        "set with the Book (and the tables it keeps) held, freed heap handed back (malloc_trim)"
    )
    print()
    print(
        "| accounts | events | tables GiB | baseline GiB | input GiB | peak GiB | held GiB "
        "| build s | (peak - baseline) / tables | (peak - input) / tables "
        "| (held - input) / tables | peak / (baseline + tables) |"
    )
    print("|" + "---:|" * 12)
    print(
        f"| {n_accounts:,} | {n_events:,} | {tables / 2**30:.3f} | {r['baseline'] / 2**30:.3f} | "
        f"{r['after_input'] / 2**30:.3f} | {r['peak'] / 2**30:.3f} | {r['held'] / 2**30:.3f} | "
        f"{r['seconds']:.2f} | {ratio:.3f}x | {extra:.3f}x | {kept:.3f}x | {absolute:.3f}x |"
    )
    if not r["peak_reset"]:
        print("(the high-water mark could not be restarted: it includes making the tables)")
    return {
        "text": f"a Book of {n_events:,} events peaks at <= {BOOK_MEMORY_FACTOR:g}x the tables "
        f"it holds ((peak - baseline) / tables; the build alone adds {extra:.2f}x)",
        "ratio": ratio,
        "target": BOOK_MEMORY_FACTOR,
        "met": ratio <= BOOK_MEMORY_FACTOR,
    }


def print_memory_target(target: dict) -> None:
    print(f"Target: {target['text']}: {target['ratio']:.2f}x ({verdict(target['met'])})")


# ---------------------------------------------------------------------------------------------
# retain
# ---------------------------------------------------------------------------------------------


def read_takes_threads() -> bool:
    import retain as rt

    return "n_threads" in inspect.signature(rt.Book.read).parameters


def retain_snapshots(
    folder: Path, dates: list, n_threads: int | None
) -> tuple[pd.DataFrame, float]:
    import retain as rt

    t0 = time.perf_counter()
    extra = {"n_threads": n_threads} if read_takes_threads() else {}
    book = rt.Book.read(folder, **extra)
    read_seconds = time.perf_counter() - t0
    return book.snapshots(as_of=dates, n_threads=n_threads), read_seconds


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Times one side (best of --repeat) and prints its numbers and peak memory as JSON."""
    if args.child == "memory":
        print(json.dumps(memory_row(args.memory_accounts, args.memory_events)))
        return
    folder, dates = Path(args.folder), as_of_dates(args.dates)
    if args.child == "plain":
        run = lambda: plain_snapshots(folder, dates)  # noqa: E731
    else:
        import retain  # noqa: F401  (imported before the baseline RSS is taken)

        threads = None if args.child == "retain-all" else 1
        run = lambda: retain_snapshots(folder, dates, threads)  # noqa: E731
    idle = peak_rss_bytes()
    best = (float("inf"), 0.0)
    rows = digest = 0
    for _ in range(args.repeat):
        gc.collect()
        start = time.perf_counter()
        frame, read_seconds = run()
        total = time.perf_counter() - start
        rows = len(frame)
        digest = int(pd.util.hash_pandas_object(frame, index=False).sum())
        del frame
        if total < best[0]:
            best = (total, read_seconds)
    print(
        json.dumps(
            {
                "total": best[0],
                "read": best[1],
                "rows": rows,
                "digest": digest,
                "peak": peak_rss_bytes(),
                "idle": idle,
            }
        )
    )


def run_side(kind: str, folder: Path, args: argparse.Namespace) -> dict:
    return run_child(
        __file__,
        [
            *("--child", kind, "--folder", str(folder)),
            *("--dates", str(args.dates), "--repeat", str(args.repeat)),
        ],
    )


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories and ids as plain text, so that retain's and the baseline's dtypes may differ."""
    out = frame.reset_index(drop=True).copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object:
            out[name] = column.astype(object).where(column.notna(), None).astype(str)
    return out


def check(folder: Path, dates: list) -> tuple[int, int]:
    """retain (every core) and the plain way give the same frame: rows in the same order, every
    column the plain way computes. Returns (rows, columns)."""
    ours, _ = retain_snapshots(folder, dates, None)
    theirs, _ = plain_snapshots(folder, dates)
    missing = [c for c in theirs.columns if c not in ours.columns]
    assert not missing, f"retain's snapshots lack the columns {missing}"
    assert len(ours) == len(theirs), f"retain: {len(ours):,} rows, the plain way: {len(theirs):,}"
    pd.testing.assert_frame_equal(
        comparable(ours[list(theirs.columns)]),
        comparable(theirs),
        check_dtype=False,
        rtol=1e-12,
        atol=1e-9,
    )
    return len(theirs), theirs.shape[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--dates", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument(
        "--memory", action="store_true", help="run only the memory case (see the docstring)"
    )
    parser.add_argument(
        "--memory-accounts", type=int, help="accounts of the memory case (default: --accounts)"
    )
    parser.add_argument(
        "--memory-events", type=int, help="events of the memory case (default: --events)"
    )
    sides = ["plain", "retain-1", "retain-all", "memory"]
    parser.add_argument("--child", choices=sides, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_accounts is None:
        args.memory_accounts = args.accounts
    if args.memory_events is None:
        args.memory_events = args.events
    if args.child:
        child(args)
        return

    import retain as rt

    if args.memory:
        print(f"{os.cpu_count()} cores; retain {rt.__version__}, pandas {pd.__version__}")
        print_memory_target(memory_section(args.memory_accounts, args.memory_events))
        return

    folder = data_folder(args.accounts, args.events)
    dates = as_of_dates(args.dates)
    sizes = {name: (folder / f"{name}.csv").stat().st_size for name in TABLES}
    tables = sum(sizes.values())
    print(
        f"{os.cpu_count()} cores; retain {rt.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, pyarrow {pa.__version__}"
    )
    print(
        f"{args.accounts:,} accounts, {args.events:,} events; snapshots at {args.dates} month ends "
        f"({dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}), windows {WINDOWS}, active accounts"
    )
    print(
        "loaded tables: the eight CSV files, "
        + ", ".join(f"{name} {size / 2**20:,.1f}" for name, size in sizes.items())
        + f" MiB; {tables / 2**30:.2f} GiB in all"
    )

    rows, columns = check(folder, dates)
    print(
        f"check: the plain way equals retain on all {rows:,} snapshot rows x {columns} columns "
        "(same rows in the same order; every value, floats to 1e-12)"
    )
    gc.collect()

    results = {kind: run_side(kind, folder, args) for kind in ("retain-1", "retain-all", "plain")}
    same = results["retain-1"]["digest"] == results["retain-all"]["digest"]
    assert same, "retain's snapshots on 1 thread and on every core differ"
    print("check: retain's snapshots on 1 thread and on every core are identical (row hashes)")
    plain = results["plain"]["total"]
    cores = os.cpu_count()
    labels = {
        "retain-1": "retain `Book.read` + `snapshots`, n_threads=1",
        "retain-all": f"retain `Book.read` + `snapshots`, n_threads=None ({cores} cores)",
        "plain": "pyarrow.csv + numpy (the plain way)",
    }
    print()
    print(f"best of {args.repeat} runs each, every side in a fresh child process")
    print()
    print(
        "| read + snapshots | read s | snapshots s | total s | plain / this | peak GiB "
        "| peak / tables |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, label in labels.items():
        r = results[kind]
        print(
            f"| {label} | {r['read']:.2f} | {r['total'] - r['read']:.2f} | {r['total']:.2f} | "
            f"{plain / r['total']:.1f}x | {r['peak'] / 2**30:.2f} | {r['peak'] / tables:.2f}x |"
        )
    print()
    if not read_takes_threads():
        print("note: rt.Book.read takes no n_threads; it reads with pyarrow's own thread pool.")
    idle = max(results[k]["idle"] for k in results)
    print(
        "peak = the child's resident-set high-water mark (VmHWM of /proc/self/status: C++, Arrow "
        f"and numpy allocations included; about {idle / 2**30:.2f} GiB of it is the interpreter "
        "and imported libraries, counted, not subtracted); tables = the CSV files' total size."
    )
    ratio = plain / results["retain-all"]["total"]
    ratio_1 = plain / results["retain-1"]["total"]
    memory = max(results[k]["peak"] for k in ("retain-1", "retain-all")) / tables
    met = ratio >= TARGET and memory < MEMORY_FACTOR
    print(
        f"Target: >= 10x faster than pandas, peak memory < 2x the loaded tables (issue 9): "
        f"{'MET' if met else 'NOT MET'} ({ratio:.1f}x on {cores} cores, {ratio_1:.1f}x on 1 "
        f"thread; retain's peak {memory:.2f}x the loaded tables)"
    )
    print_memory_target(memory_section(args.memory_accounts, args.memory_events))


if __name__ == "__main__":
    main()
