"""Oracle tests for retain.kpi: every function is compared with a plain numpy/pandas
re-implementation written here from the documented definitions (never by calling retain), on
many random long MRR tables of every id and period kind.

The oracle sums line items into a dense account x month matrix over the data's full span (months
without a row are 0) and derives everything from that matrix with ``math.fsum`` column totals, so
its sums are correctly rounded. Tables with float amounts have at most two non-zero line items per
(account, month), whose sum is the same in any order; whole-number tables may have any number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retain as rt

# The oracle tests draw tables of every length, some shorter than the lag: the empty answer is
# the one checked; the warning about it is tested in test_bad_input.py.
pytestmark = pytest.mark.filterwarnings("ignore:(nrr|grr). no period has")

# Non-default column names, so that every call passes the keywords.
ACCOUNT, PERIOD, MRR = "customer", "billing_month", "mrr_usd"
KEYS = {"account": ACCOUNT, "period": PERIOD, "mrr": MRR}

AMOUNTS = [
    "starting_mrr",
    "new",
    "expansion",
    "contraction",
    "churned",
    "reactivation",
    "ending_mrr",
]
COUNTS = [
    "starting_accounts",
    "new_accounts",
    "expansion_accounts",
    "contraction_accounts",
    "churned_accounts",
    "reactivated_accounts",
    "ending_accounts",
]
COLUMNS = AMOUNTS + COUNTS

ID_KINDS = ("str", "str-object", "int", "uint")
PERIOD_KINDS = (
    "period",
    "datetime[ns]",
    "datetime[s]",
    "datetime[ms]-tz",
    "integer",
    "integer32",
    "text",
    "text-object",
)
CHURN_KINDS = ("logo", "gross_revenue", "net_revenue")
RTOL = 1e-12


# ---------------------------------------------------------------------------------------------
# Random long tables


def draw_level(rng: np.random.Generator, whole: bool) -> float:
    if whole:
        if rng.random() < 0.5:
            return float(rng.choice([10, 20, 49, 50, 99, 100, 250, 1000]))
        return float(rng.integers(1, 5_000))
    if rng.random() < 0.3:
        return float(rng.choice([0.1, 0.2, 0.3, 9.99, 19.99, 49.5]))
    return float(rng.uniform(0.01, 5_000.0))


def paying_months(
    rng: np.random.Generator, n_accounts: int, n_months: int, whole: bool
) -> dict[tuple[int, int], float]:
    """(account, month offset) -> MRR of each paying month: starts, churn, gaps and returns,
    expansion and contraction, long stretches of unchanged MRR."""
    plan: dict[tuple[int, int], float] = {}
    for a in range(n_accounts):
        if rng.random() < 0.1:
            continue  # never pays
        level = draw_level(rng, whole)
        paying = True
        for t in range(int(rng.integers(0, n_months)), n_months):
            if paying:
                plan[a, t] = level
            u = rng.random()
            if paying:
                if u < 0.15:
                    paying = False
                elif u < 0.4:
                    level = draw_level(rng, whole)
            elif u < 0.35:
                paying = True
                if rng.random() < 0.5:
                    level = draw_level(rng, whole)
    return plan


def line_items(rng: np.random.Generator, amount: float, whole: bool) -> list[float]:
    """Line items adding up to ``amount`` (a whole split may contain zeros)."""
    if whole:
        k = int(rng.choice([1, 1, 1, 2, 3, 4]))
        cuts = np.sort(rng.integers(0, int(amount) + 1, size=k - 1))
        return [float(x) for x in np.diff([0, *cuts.tolist(), int(amount)])]
    if rng.random() < 0.7:
        return [amount]
    part = amount * float(rng.uniform(0.05, 0.95))
    return [part, amount - part]


def encode_ids(rng: np.random.Generator, codes: np.ndarray, n_ids: int, kind: str) -> pd.Series:
    if kind.startswith("str"):
        names = np.array([f"acct-{k:05d}" for k in rng.choice(100_000, n_ids, replace=False)])
        values = names[codes].tolist()
        return pd.Series(values, dtype=object if kind == "str-object" else str)
    if kind == "int":
        ids = rng.choice(2**40, n_ids, replace=False).astype(np.int64) - 2**39
        return pd.Series(ids[codes], dtype=np.int64)
    ids = rng.choice(2**40, n_ids, replace=False).astype(np.uint64) + np.uint64(2**63)
    return pd.Series(ids[codes], dtype=np.uint64)


def encode_periods(rng: np.random.Generator, offsets: np.ndarray, kind: str) -> pd.Series:
    """Periods of the given kind for month offsets from a random base month."""
    if kind.startswith("integer"):
        values = int(rng.integers(-40, 800)) + offsets
        return pd.Series(values, dtype=np.int32 if kind == "integer32" else np.int64)
    ym = int(rng.integers(1960, 2035)) * 12 + int(rng.integers(0, 12)) + offsets  # year*12+month-1
    if kind == "period":
        return pd.Series(pd.PeriodIndex.from_ordinals(ym - 1970 * 12, freq="M"))
    if kind.startswith("text"):
        values = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in ym.tolist()]
        return pd.Series(values, dtype=object if kind == "text-object" else str)
    # datetimes anywhere inside the month, some at its very last instant
    unit = kind[kind.index("[") + 1 : kind.index("]")]
    tz = "America/New_York" if kind.endswith("-tz") else None
    n = len(ym)
    hours = rng.integers(4, 23, n) if tz else rng.integers(0, 24, n)
    seconds = rng.integers(0, 28, n) * 86_400 + hours * 3_600 + rng.integers(0, 3_600, n)
    starts = (ym - 1970 * 12).astype("datetime64[M]").astype("datetime64[s]")
    stamps = (starts + seconds.astype("timedelta64[s]")).astype(f"datetime64[{unit}]")
    next_starts = (ym + 1 - 1970 * 12).astype("datetime64[M]").astype(f"datetime64[{unit}]")
    last_instant = next_starts - np.timedelta64(1, unit)
    values = np.where(rng.random(n) < 0.1, last_instant, stamps)
    series = pd.Series(values)
    return series.dt.tz_localize(tz) if tz else series


def random_table(
    rng: np.random.Generator,
    *,
    whole: bool,
    id_kind: str,
    period_kind: str,
    n_accounts: int | None = None,
    n_months: int | None = None,
) -> pd.DataFrame:
    """A shuffled long table with line items, zero rows, accounts that never pay and gaps."""
    n_accounts = int(rng.integers(0, 61)) if n_accounts is None else n_accounts
    n_months = int(rng.integers(1, 31)) if n_months is None else n_months
    plan = paying_months(rng, n_accounts, n_months, whole)
    rows: list[tuple[int, int, float]] = []
    for (a, t), amount in plan.items():
        rows.extend((a, t, x) for x in line_items(rng, amount, whole))
    # zero rows, some for accounts that never pay (they may widen the span)
    n_ghosts = int(rng.integers(0, 3)) if n_accounts else 0
    p_zero = float(rng.choice([0.0, 0.03, 0.15]))
    for a in range(n_accounts + n_ghosts):
        for t in range(n_months):
            if rng.random() < p_zero:
                rows.append((a, t, 0.0))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    codes = np.array([r[0] for r in rows], dtype=np.int64)
    offsets = np.array([r[1] for r in rows], dtype=np.int64)
    amounts = np.array([r[2] for r in rows], dtype=np.float64)
    n_ids = n_accounts + n_ghosts
    mrr = pd.Series(amounts)
    if whole and rng.random() < 0.5:
        mrr = mrr.astype(np.int64)
    return pd.DataFrame(
        {
            "note": "x",
            PERIOD: encode_periods(rng, offsets, period_kind),
            ACCOUNT: encode_ids(rng, codes, n_ids, id_kind),
            MRR: mrr,
        }
    )


def tables(seed: int, count: int, *, whole: bool, period_kind: str | None = None):
    """``count`` random tables, cycling through the id kinds (and period kinds if not given)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = period_kind or PERIOD_KINDS[i % len(PERIOD_KINDS)]
        yield random_table(rng, whole=whole, id_kind=ID_KINDS[i % len(ID_KINDS)], period_kind=kind)


# ---------------------------------------------------------------------------------------------
# The oracle


def month_numbers(column: pd.Series) -> np.ndarray:
    """year*12 + month - 1 of each period (the UTC month of a tz-aware instant, the wall-clock
    month of a naive one), or the integers."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC")
    if isinstance(dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return (column.dt.year * 12 + column.dt.month - 1).to_numpy(dtype=np.int64)
    if pd.api.types.is_integer_dtype(dtype):
        return column.to_numpy(dtype=np.int64)
    return np.array([int(s[:4]) * 12 + int(s[5:7]) - 1 for s in column], dtype=np.int64)


def expected_labels(column: pd.Series, months, name) -> pd.Index:
    """Index of the input column's kind for month numbers as made by month_numbers."""
    months = [int(m) for m in months]
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype):
        return pd.Index(np.array(months, dtype=np.int64), dtype="int64", name=name)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = [pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1) for m in months]
        index = pd.DatetimeIndex(stamps, name=name).as_unit(column.dt.unit)
        return index.tz_localize(column.dt.tz) if column.dt.tz is not None else index
    periods = [pd.Period(year=m // 12, month=m % 12 + 1, freq="M") for m in months]
    return pd.PeriodIndex(periods, freq="M", name=name)


@dataclass
class Matrix:
    first: int  # month number of column 0
    mrr: np.ndarray  # accounts x months of the whole span, line items summed, 0 without a row
    column: pd.Series  # the period column, for labels

    def labels(self, offsets, name=PERIOD) -> pd.Index:
        return expected_labels(self.column, [self.first + int(k) for k in offsets], name)


def oracle_matrix(df: pd.DataFrame) -> Matrix:
    months = month_numbers(df[PERIOD])
    codes, uniques = pd.factorize(df[ACCOUNT])
    if len(df) == 0:
        return Matrix(0, np.zeros((0, 0)), df[PERIOD])
    first, last = int(months.min()), int(months.max())
    mrr = np.zeros((len(uniques), last - first + 1))
    np.add.at(mrr, (codes, months - first), df[MRR].to_numpy(dtype=np.float64))
    return Matrix(first, mrr, df[PERIOD])


def column_totals(values: np.ndarray) -> np.ndarray:
    """Correctly rounded sum of each column."""
    return np.array([math.fsum(col) for col in values.T], dtype=np.float64)


def oracle_movements(df: pd.DataFrame) -> pd.DataFrame:
    m = oracle_matrix(df)
    cur = m.mrr
    prev = np.zeros_like(cur)
    prev[:, 1:] = cur[:, :-1]  # 0 before the data starts
    paying, paid_last_month = cur > 0, prev > 0
    paid_before = np.zeros_like(paying)  # paid in some earlier month
    paid_before[:, 1:] = np.logical_or.accumulate(paying, axis=1)[:, :-1]
    starts = ~paid_last_month & paying
    moves = {
        "starting": (paid_last_month, prev),
        "new": (starts & ~paid_before, cur),
        "expansion": (paid_last_month & (cur > prev), cur - prev),
        "contraction": (paying & (cur < prev), prev - cur),
        "churned": (paid_last_month & ~paying, prev),
        "reactivation": (starts & paid_before, cur),
        "ending": (paying, cur),
    }
    names = dict(zip(moves, AMOUNTS, strict=True)) | {"starting": "starting_mrr"}
    count_names = dict(zip(moves, COUNTS, strict=True))
    out = {}
    for key, (mask, amount) in moves.items():
        out[names[key]] = column_totals(np.where(mask, amount, 0.0))
    for key, (mask, _) in moves.items():
        out[count_names[key]] = mask.sum(axis=0).astype(np.int64)
    return pd.DataFrame(out, index=m.labels(range(cur.shape[1])))[COLUMNS]


def oracle_retention(df: pd.DataFrame, months: int, which: str) -> pd.Series:
    m = oracle_matrix(df)
    n = m.mrr.shape[1]
    values = []
    for t in range(months, n):
        base, now = m.mrr[:, t - months], m.mrr[:, t]
        kept = now if which == "nrr" else np.minimum(now, base)
        cohort = base > 0
        den = math.fsum(base[cohort])
        values.append(math.fsum(kept[cohort]) / den if den != 0 else np.nan)
    return pd.Series(
        np.array(values, dtype=np.float64), index=m.labels(range(months, n)), name=which
    )


def oracle_cohorts(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    m = oracle_matrix(df)
    n = m.mrr.shape[1]
    paying = m.mrr > 0
    ever = paying.any(axis=1)
    # first paying month, where ever
    start = paying.argmax(axis=1) if n else np.zeros(len(paying), dtype=np.int64)
    cohorts = sorted({int(c) for c in start[ever]})
    n_ages = n - cohorts[0] if cohorts else 0
    values = np.full((len(cohorts), n_ages), np.nan)
    for r, c in enumerate(cohorts):
        members = ever & (start == c)
        for age in range(n - c):
            at = m.mrr[members, c + age]
            if kind == "logo":
                values[r, age] = np.count_nonzero(at > 0) / np.count_nonzero(members)
            else:
                values[r, age] = math.fsum(at) / math.fsum(m.mrr[members, c])
    return pd.DataFrame(
        values,
        index=m.labels(cohorts, name="cohort"),
        columns=pd.RangeIndex(n_ages, name="age"),
    )


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN where den == 0."""
    return num.astype(np.float64) / den.astype(np.float64).where(den != 0)


def formula_churn(mv: pd.DataFrame, kind: str) -> pd.Series:
    if kind == "logo":
        out = ratio(mv["churned_accounts"], mv["starting_accounts"])
    elif kind == "gross_revenue":
        out = ratio(mv["contraction"] + mv["churned"], mv["starting_mrr"])
    else:
        lost = mv["contraction"] + mv["churned"] - mv["expansion"] - mv["reactivation"]
        out = ratio(lost, mv["starting_mrr"])
    return out.rename(f"{kind}_churn")


def formula_quick_ratio(mv: pd.DataFrame) -> pd.Series:
    gained = mv["new"] + mv["expansion"] + mv["reactivation"]
    return ratio(gained, mv["contraction"] + mv["churned"]).rename("quick_ratio")


def formula_arpa(mv: pd.DataFrame) -> pd.Series:
    return ratio(mv["ending_mrr"], mv["ending_accounts"]).rename("arpa")


def oracle_nps(scores) -> dict:
    promoters = passives = detractors = 0
    points = []
    for s in scores:
        if s >= 9:
            promoters += 1
            points.append(1.0)
        elif s >= 7:
            passives += 1
            points.append(0.0)
        else:
            detractors += 1
            points.append(-1.0)
    n = len(points)
    if n == 0:
        nps = stderr = np.nan
    else:
        x = np.array(points)
        nps = 100 * x.mean()
        stderr = 100 * x.std() / math.sqrt(n)  # population sd of the +1/0/-1 answers
    return {
        "nps": nps,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "n": n,
        "stderr": stderr,
        "margin95": 1.96 * stderr,
    }


# ---------------------------------------------------------------------------------------------
# Comparison helpers


def assert_movements_match(got: pd.DataFrame, expected: pd.DataFrame, *, exact: bool) -> None:
    assert list(got.columns) == COLUMNS
    if exact:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    else:
        pd.testing.assert_frame_equal(got[COUNTS], expected[COUNTS], check_exact=True)
        pd.testing.assert_frame_equal(
            got[AMOUNTS], expected[AMOUNTS], check_exact=False, rtol=RTOL, atol=0.0
        )


def check_bridge(mv: pd.DataFrame, *, exact: bool) -> None:
    lhs = (
        mv["starting_mrr"]
        + mv["new"]
        + mv["expansion"]
        + mv["reactivation"]
        - mv["contraction"]
        - mv["churned"]
    ).to_numpy()
    ending = mv["ending_mrr"].to_numpy()
    if exact:
        assert (lhs == ending).all()
    else:
        scale = max(1.0, float(np.abs(mv[AMOUNTS].to_numpy()).max(initial=0.0)))
        np.testing.assert_allclose(lhs, ending, rtol=RTOL, atol=RTOL * scale)
    accounts = (
        mv["starting_accounts"]
        + mv["new_accounts"]
        + mv["reactivated_accounts"]
        - mv["churned_accounts"]
    )
    assert (accounts.to_numpy() == mv["ending_accounts"].to_numpy()).all()
    # each month starts exactly where the previous one ended; nothing before the first month
    for start, end in (("starting_mrr", "ending_mrr"), ("starting_accounts", "ending_accounts")):
        s, e = mv[start].to_numpy(), mv[end].to_numpy()
        assert (s[1:] == e[:-1]).all()
        if len(s):
            assert s[0] == 0


def assert_series_close(got: pd.Series, expected: pd.Series) -> None:
    pd.testing.assert_series_equal(got, expected, check_exact=False, rtol=RTOL, atol=RTOL)
    np.testing.assert_array_equal(np.isnan(got.to_numpy()), np.isnan(expected.to_numpy()))


# ---------------------------------------------------------------------------------------------
# MRR movements


@pytest.mark.parametrize("period_kind", PERIOD_KINDS)
def test_movements_whole_amounts_match_oracle_exactly(period_kind):
    seed = 100 + PERIOD_KINDS.index(period_kind)
    for df in tables(seed, 16, whole=True, period_kind=period_kind):
        mv = rt.kpi.mrr_movements(df, **KEYS)
        assert_movements_match(mv, oracle_movements(df), exact=True)
        check_bridge(mv, exact=True)


@pytest.mark.parametrize("period_kind", PERIOD_KINDS)
def test_movements_float_amounts_match_oracle(period_kind):
    seed = 200 + PERIOD_KINDS.index(period_kind)
    for df in tables(seed, 16, whole=False, period_kind=period_kind):
        mv = rt.kpi.mrr_movements(df, **KEYS)
        assert_movements_match(mv, oracle_movements(df), exact=False)
        check_bridge(mv, exact=False)


@pytest.mark.parametrize("period_kind", PERIOD_KINDS)
def test_movements_index_keeps_the_period_kind(period_kind):
    rng = np.random.default_rng(300 + PERIOD_KINDS.index(period_kind))
    df = random_table(
        rng, whole=True, id_kind="str", period_kind=period_kind, n_accounts=20, n_months=14
    )
    index = rt.kpi.mrr_movements(df, **KEYS).index
    months = month_numbers(df[PERIOD])
    assert len(index) == months.max() - months.min() + 1
    assert index.name == PERIOD
    column = df[PERIOD]
    if period_kind.startswith("integer"):
        assert type(index) is pd.Index
        assert index.dtype == np.int64
        assert index.tolist() == list(range(months.min(), months.max() + 1))
    elif period_kind.startswith("datetime"):
        assert isinstance(index, pd.DatetimeIndex)
        assert index.unit == column.dt.unit
        assert index.tz == column.dt.tz
        assert (index.day == 1).all()
        assert (index == index.normalize()).all()
        assert index[0].year * 12 + index[0].month - 1 == months.min()
        assert (np.diff(index.year * 12 + index.month) == 1).all()
    else:
        assert isinstance(index, pd.PeriodIndex)
        assert index.freqstr == "M"
        assert index[0].year * 12 + index[0].month - 1 == months.min()
        assert (np.diff(index.year * 12 + index.month) == 1).all()


@pytest.mark.parametrize("period_kind", PERIOD_KINDS)
def test_empty_table_gives_empty_results_of_the_period_kind(period_kind):
    rng = np.random.default_rng(0)
    df = random_table(rng, whole=True, id_kind="int", period_kind=period_kind, n_accounts=0)
    assert len(df) == 0
    mv = rt.kpi.mrr_movements(df, **KEYS)
    assert_movements_match(mv, oracle_movements(df), exact=True)
    pd.testing.assert_series_equal(rt.kpi.nrr(df, **KEYS, months=1), oracle_retention(df, 1, "nrr"))
    for kind in ("logo", "revenue"):
        got = rt.kpi.cohort_retention(df, **KEYS, kind=kind)
        pd.testing.assert_frame_equal(got, oracle_cohorts(df, kind))


def test_all_zero_table_spans_its_months_with_nothing_paid():
    df = pd.DataFrame(
        {
            ACCOUNT: ["a", "b", "a", "c"],
            PERIOD: ["2023-11", "2024-02", "2023-12", "2024-01"],
            MRR: [0.0, 0.0, 0.0, 0.0],
        }
    )
    mv = rt.kpi.mrr_movements(df, **KEYS)
    assert_movements_match(mv, oracle_movements(df), exact=True)
    assert len(mv) == 4
    assert (mv.to_numpy() == 0).all()
    got = rt.kpi.cohort_retention(df, **KEYS)
    pd.testing.assert_frame_equal(got, oracle_cohorts(df, "logo"))
    assert got.shape == (0, 0)


def orderings(rng: np.random.Generator, df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The same rows shuffled, and grouped by account (months in any order, or sorted)."""
    return {
        "shuffled": df.iloc[rng.permutation(len(df))].reset_index(drop=True),
        "by account": df.sort_values(ACCOUNT, kind="stable").reset_index(drop=True),
        "by account desc": df.sort_values(ACCOUNT, ascending=False).reset_index(drop=True),
        "by account, period": df.sort_values([ACCOUNT, PERIOD]).reset_index(drop=True),
        "by period": df.sort_values(PERIOD, kind="stable").reset_index(drop=True),
    }


@pytest.mark.parametrize("whole", [True, False], ids=["whole", "float"])
def test_row_order_and_line_item_splits_do_not_change_movements(whole):
    rng = np.random.default_rng(7)
    for df in tables(400 + whole, 16, whole=whole):
        expected = oracle_movements(df)
        mv = rt.kpi.mrr_movements(df, **KEYS)
        assert_movements_match(mv, expected, exact=whole)
        for reordered in orderings(rng, df).values():
            got = rt.kpi.mrr_movements(reordered, **KEYS)
            assert_movements_match(got, expected, exact=whole)
            if whole:
                pd.testing.assert_frame_equal(got, mv, check_exact=True)
            for which in ("nrr", "grr"):
                assert_series_close(
                    getattr(rt.kpi, which)(reordered, **KEYS, months=2),
                    oracle_retention(df, 2, which),
                )
            pd.testing.assert_frame_equal(
                rt.kpi.cohort_retention(reordered, **KEYS, kind="revenue"),
                oracle_cohorts(df, "revenue"),
                check_exact=False,
                rtol=RTOL,
                atol=0.0,
            )
        # one row per (account, month) with the summed amount gives the same movements
        summed = df.groupby([ACCOUNT, PERIOD], as_index=False, sort=False)[MRR].sum()
        assert_movements_match(rt.kpi.mrr_movements(summed, **KEYS), expected, exact=whole)


_small_rows = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 7), st.integers(0, 6)), min_size=1, max_size=40
)


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(rows=_small_rows, kind=st.sampled_from(["integer", "text", "period"]), grouped=st.booleans())
def test_small_tables_match_oracle_everywhere(rows, kind, grouped):
    if grouped:  # rows of an account together, months in any order
        rows = sorted(rows, key=lambda row: row[0])
    accounts = [f"a{a}" for a, _, _ in rows]
    offsets = np.array([t for _, t, _ in rows], dtype=np.int64)
    if kind == "integer":
        periods = pd.Series(offsets + 5, dtype=np.int64)
    elif kind == "text":
        periods = pd.Series([f"2023-{t + 3:02d}" for t in offsets.tolist()], dtype=str)
    else:
        periods = pd.Series(pd.PeriodIndex.from_ordinals(offsets + 640, freq="M"))
    mrr = pd.Series([float(v) for _, _, v in rows])
    df = pd.DataFrame({ACCOUNT: accounts, PERIOD: periods, MRR: mrr})
    mv = rt.kpi.mrr_movements(df, **KEYS)
    assert_movements_match(mv, oracle_movements(df), exact=True)
    check_bridge(mv, exact=True)
    for months in (1, 2):
        for which in ("nrr", "grr"):
            got = getattr(rt.kpi, which)(df, **KEYS, months=months)
            pd.testing.assert_series_equal(got, oracle_retention(df, months, which))
    for kind_ in ("logo", "revenue"):
        got = rt.kpi.cohort_retention(df, **KEYS, kind=kind_)
        pd.testing.assert_frame_equal(got, oracle_cohorts(df, kind_))


# ---------------------------------------------------------------------------------------------
# Rates on a movements table


@pytest.mark.parametrize("whole", [True, False], ids=["whole", "float"])
def test_rates_match_formulas_on_oracle_movements(whole):
    for df in tables(500 + whole, 40, whole=whole):
        expected_mv = oracle_movements(df)
        got_mv = rt.kpi.mrr_movements(df, **KEYS)
        for mv in (got_mv, expected_mv):  # retain's movements, and the oracle's fed to retain
            for kind in CHURN_KINDS:
                churn = formula_churn(expected_mv, kind)
                assert_series_close(rt.kpi.churn_rate(mv, kind), churn)
                retention = (1 - churn).rename(f"{kind}_retention")
                assert_series_close(rt.kpi.retention_rate(mv, kind), retention)
            assert_series_close(rt.kpi.quick_ratio(mv), formula_quick_ratio(expected_mv))
            assert_series_close(rt.kpi.arpa(mv), formula_arpa(expected_mv))


def test_churn_is_nan_in_the_first_month_and_default_kind_is_logo():
    for df in tables(550, 12, whole=True):
        mv = rt.kpi.mrr_movements(df, **KEYS)
        if len(mv) == 0:
            continue
        for kind in CHURN_KINDS:
            assert np.isnan(rt.kpi.churn_rate(mv, kind).iloc[0])
        pd.testing.assert_series_equal(rt.kpi.churn_rate(mv), rt.kpi.churn_rate(mv, "logo"))
        pd.testing.assert_series_equal(rt.kpi.retention_rate(mv), rt.kpi.retention_rate(mv, "logo"))


# ---------------------------------------------------------------------------------------------
# NRR and GRR


@pytest.mark.parametrize("months", [1, 3, 12])
@pytest.mark.parametrize("whole", [True, False], ids=["whole", "float"])
def test_nrr_grr_match_oracle(months, whole):
    for df in tables(600 + 10 * months + whole, 24, whole=whole):
        got = {}
        for which in ("nrr", "grr"):
            got[which] = getattr(rt.kpi, which)(df, **KEYS, months=months)
            expected = oracle_retention(df, months, which)
            assert_series_close(got[which], expected)
            n = len(oracle_matrix(df).mrr.T)
            assert len(got[which]) == max(0, n - months)
        nrr, grr = got["nrr"].to_numpy(), got["grr"].to_numpy()
        np.testing.assert_array_equal(np.isnan(nrr), np.isnan(grr))
        defined = ~np.isnan(grr)
        assert (grr[defined] <= 1.0).all()
        assert (grr[defined] <= nrr[defined]).all()
        assert (grr[defined] >= 0.0).all()


def test_nrr_default_is_twelve_months():
    for df in tables(650, 6, whole=True):
        for which in ("nrr", "grr"):
            fn = getattr(rt.kpi, which)
            pd.testing.assert_series_equal(fn(df, **KEYS), fn(df, **KEYS, months=12))


# ---------------------------------------------------------------------------------------------
# Cohorts


@pytest.mark.parametrize("kind", ["logo", "revenue"])
@pytest.mark.parametrize("whole", [True, False], ids=["whole", "float"])
def test_cohort_retention_matches_oracle(kind, whole):
    for df in tables(700 + whole + 2 * (kind == "logo"), 24, whole=whole):
        got = rt.kpi.cohort_retention(df, **KEYS, kind=kind)
        expected = oracle_cohorts(df, kind)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=RTOL, atol=0.0)
        assert isinstance(got.columns, pd.RangeIndex)
        assert got.columns.name == "age"
        assert got.index.name == "cohort"
        values = got.to_numpy()
        if values.size:
            assert (values[:, 0] == 1.0).all()  # every cohort is whole at age 0
            # NaN exactly beyond the last month: a staircase, one fewer known age per cohort
            m = oracle_matrix(df)
            last = m.first + m.mrr.shape[1] - 1
            known = (~np.isnan(values)).sum(axis=1)
            assert (known == last - month_numbers(pd.Series(got.index)) + 1).all()
            assert (~np.isnan(values)).sum(axis=0)[0] == len(values)
            if kind == "logo":
                assert ((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1)).all()


def test_cohort_retention_default_kind_is_logo():
    for df in tables(750, 6, whole=False):
        pd.testing.assert_frame_equal(
            rt.kpi.cohort_retention(df, **KEYS), rt.kpi.cohort_retention(df, **KEYS, kind="logo")
        )


# ---------------------------------------------------------------------------------------------
# Unit economics


def geometric_ltv(arpa: float, margin: float, churn: float, discount: float) -> float:
    """Present value of the margin of a payment at the start of each month, the account staying
    with probability 1 - churn a month: an explicit (long) sum."""
    keep = (1 - churn) / (1 + discount)
    terms, term = [], arpa * margin
    for _ in range(200_000):
        terms.append(term)
        term *= keep
        if term < 1e-30 * arpa * margin:
            break
    return math.fsum(terms)


def test_ltv_documented_example():
    assert rt.kpi.ltv(50_000, 0.75, 1 / 12) == 450_000
    assert rt.kpi.ltv(50_000, 0.75, 1 / 12, 0.0) == 450_000
    assert rt.kpi.ltv(50_000, 0.75, 1 / 12) == pytest.approx(50_000 * 0.75 * 12, rel=1e-15)


def test_ltv_is_the_sum_of_the_discounted_geometric_series():
    cases = [(120.0, 0.8, 0.03, 0.01), (99.0, 0.65, 0.02, 0.0), (10.0, 1.0, 1.0, 0.0)]
    rng = np.random.default_rng(800)
    for _ in range(12):
        cases.append(
            (
                float(rng.uniform(1, 10_000)),
                float(rng.uniform(0.1, 1.0)),
                float(rng.uniform(0.005, 0.5)),
                float(rng.choice([0.0, rng.uniform(0.0, 0.05)])),
            )
        )
    for arpa, margin, churn, discount in cases:
        got = rt.kpi.ltv(arpa, margin, churn, discount)
        assert got == pytest.approx(geometric_ltv(arpa, margin, churn, discount), rel=1e-12)
    # no churn, only discounting: a perpetuity paid in advance
    assert rt.kpi.ltv(100.0, 0.5, 0.0, 0.01) == pytest.approx(
        geometric_ltv(100.0, 0.5, 0.0, 0.01), rel=1e-12
    )
    assert rt.kpi.ltv(100.0, 0.5, 0.0, 0.01) == pytest.approx(50.0 * 101.0, rel=1e-14)


def test_cac_ltv_to_cac_and_payback_hand_values():
    assert rt.kpi.cac(10_000, 4) == 2_500
    assert rt.kpi.cac(0.0, 3) == 0.0
    assert rt.kpi.cac(1_000, 3) == pytest.approx(333.3333333333333, rel=1e-15)
    assert rt.kpi.ltv_to_cac(450_000, 150_000) == 3
    assert rt.kpi.ltv_to_cac(1_000, 400) == pytest.approx(2.5, rel=1e-15)
    assert rt.kpi.cac_payback_months(1_200, 100, 0.8) == pytest.approx(15.0, rel=1e-15)
    assert rt.kpi.cac_payback_months(0, 100, 0.5) == 0.0
    assert rt.kpi.cac_payback_months(5_000, 250, 1.0) == 20
    # the chain: 450k LTV against a CAC of 150k (3x), repaid in 150k / 37.5k = 4 months
    ltv = rt.kpi.ltv(50_000, 0.75, 1 / 12)
    cac = rt.kpi.cac(1_500_000, 10)
    assert rt.kpi.ltv_to_cac(ltv, cac) == 3
    assert rt.kpi.cac_payback_months(cac, 50_000, 0.75) == 4


# ---------------------------------------------------------------------------------------------
# NPS


def assert_nps_matches(result, expected: dict) -> None:
    assert isinstance(result, rt.kpi.NpsResult)
    for key in ("promoters", "passives", "detractors", "n"):
        assert getattr(result, key) == expected[key], key
        assert isinstance(getattr(result, key), int), key
    for key in ("nps", "stderr", "margin95"):
        got, want = getattr(result, key), expected[key]
        if np.isnan(want):
            assert np.isnan(got), key
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), key


def test_nps_matches_direct_count_on_random_answers():
    rng = np.random.default_rng(900)
    for size in [1, 2, 3, 5, 10, 50, 333, 2_000] * 4:
        shares = rng.dirichlet(np.ones(11) * float(rng.choice([0.2, 1.0, 5.0])))
        answers = rng.choice(11, size=size, p=shares)
        expected = oracle_nps(answers.tolist())
        for scores in (
            answers.astype(np.int64),
            answers.astype(np.int8),
            answers.astype(np.uint8),
            answers.astype(np.float64),
            answers.tolist(),
            pd.Series(answers, name="score"),
            pd.Series(answers.astype(np.float64)),
        ):
            assert_nps_matches(rt.kpi.nps(scores), expected)
        assert -100 <= expected["nps"] <= 100


def test_nps_edge_answers():
    assert_nps_matches(rt.kpi.nps([]), oracle_nps([]))
    assert_nps_matches(rt.kpi.nps(np.array([], dtype=np.int64)), oracle_nps([]))
    assert_nps_matches(rt.kpi.nps(pd.Series([], dtype=np.float64)), oracle_nps([]))
    everyone = rt.kpi.nps([10, 9, 9])
    assert (everyone.nps, everyone.stderr, everyone.margin95) == (100.0, 0.0, 0.0)
    nobody = rt.kpi.nps([0, 6, 3, 5])
    assert (nobody.nps, nobody.stderr) == (-100.0, 0.0)
    boundaries = list(range(11))  # 0-6 detractors, 7-8 passives, 9-10 promoters
    result = rt.kpi.nps(boundaries)
    assert (result.promoters, result.passives, result.detractors, result.n) == (2, 2, 7, 11)
    assert_nps_matches(result, oracle_nps(boundaries))


# ---------------------------------------------------------------------------------------------
# Threads


def big_table(seed: int, n_accounts: int = 30_000, n_months: int = 24) -> pd.DataFrame:
    """A large shuffled table with float amounts, built without per-account Python loops."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, n_months, n_accounts)
    paying_now = np.ones(n_accounts, dtype=bool)
    level = rng.uniform(1.0, 3_000.0, n_accounts)
    mrr = np.zeros((n_accounts, n_months))
    for t in range(n_months):
        mrr[:, t] = np.where((t >= start) & paying_now, level, 0.0)
        u = rng.random(n_accounts)
        churn = paying_now & (u < 0.1)
        change = paying_now & (u >= 0.1) & (u < 0.3)
        back = ~paying_now & (u < 0.3)
        paying_now = (paying_now & ~churn) | back
        level = np.where(change, rng.uniform(1.0, 3_000.0, n_accounts), level)
    a, t = np.nonzero(mrr)
    v = mrr[a, t]
    split = rng.random(len(v)) < 0.3
    part = v[split] * rng.uniform(0.1, 0.9, int(split.sum()))
    za = rng.integers(0, n_accounts + 100, 20_000)  # zero rows, some for accounts never paying
    zt = rng.integers(0, n_months, 20_000)
    accounts = np.concatenate([a[~split], a[split], a[split], za])
    months = np.concatenate([t[~split], t[split], t[split], zt])
    amounts = np.concatenate([v[~split], part, v[split] - part, np.zeros(20_000)])
    order = rng.permutation(len(accounts))
    return pd.DataFrame(
        {
            ACCOUNT: accounts[order] * 7 + 1_000,
            PERIOD: pd.PeriodIndex.from_ordinals(months[order] + 600, freq="M"),
            MRR: amounts[order],
        }
    )


@pytest.mark.parametrize("grouped", [False, True], ids=["shuffled", "grouped"])
def test_thread_count_never_changes_movements(grouped):
    df = big_table(1000)
    if grouped:
        df = df.sort_values(ACCOUNT, kind="stable").reset_index(drop=True)
    one = rt.kpi.mrr_movements(df, **KEYS, n_threads=1)
    two = rt.kpi.mrr_movements(df, **KEYS, n_threads=2)
    default = rt.kpi.mrr_movements(df, **KEYS)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one, default, check_exact=True)
    assert (one.to_numpy() == two.to_numpy()).all()
    assert_movements_match(one, oracle_movements(df), exact=False)
    check_bridge(one, exact=False)
    assert one["ending_accounts"].max() > 10_000
