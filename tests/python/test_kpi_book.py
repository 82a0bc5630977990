"""The KPIs of a Book (issue 9): ``by=`` an account attribute, ``freq=`` for survey KPIs, cohorts
by signing month, and the partial sums of NRR/GRR that merge across shards.

Two kinds of checks: a small Book worked by hand (every expected number written out below), and
random Books against an oracle written here with plain pandas/numpy from the raw tables (a dense
account x month matrix, ``groupby`` on the accounts' attributes, ``tz_convert`` for the Book's
days) — never retain checked against retain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt

# Random and hand-made tables here include accounts that pay before they sign and lags longer
# than the data (an empty answer is the one checked); the warnings about them are tested in
# test_bad_input.py.
pytestmark = [
    pytest.mark.filterwarnings("ignore:table '(mrr|churns)'.*before they signed"),
    pytest.mark.filterwarnings("ignore:(nrr|grr). no period has"),
]

MOVEMENTS = [
    "starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr",
    "starting_accounts", "new_accounts", "expansion_accounts", "contraction_accounts",
    "churned_accounts", "reactivated_accounts", "ending_accounts",
]
NAN = np.nan


def P(text: str) -> pd.Period:
    return pd.Period(text, freq="M")


# ----------------------------------------------------------------------------- the hand-worked Book
#
# accounts   plan   segment  signed (New York)
#   a1       basic  smb      2024-01-10
#   a2       pro    ent      2024-01-25
#   a3       basic  ent      2024-02-03
#   a4       (none) smb      2024-02-15
#
# MRR        Jan   Feb       Mar   Apr
#   a1       100   60 + 40   150   -
#   a2       200   150       -     200
#   a3       -     50        50    80
#   a4       -     -         30    30


def hand_book(**kwargs) -> rt.Book:
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a4"],
        "signed_at": ["2024-01-10", "2024-01-25", "2024-02-03", "2024-02-15"],
        "plan": ["basic", "pro", "basic", None],
        "segment": ["smb", "ent", "ent", "smb"],
    })
    mrr = pd.DataFrame({
        "account_id": ["a1", "a1", "a1", "a1", "a2", "a2", "a2", "a3", "a3", "a3", "a4", "a4"],
        "period": ["2024-01", "2024-02", "2024-02", "2024-03", "2024-01", "2024-02", "2024-04",
                   "2024-02", "2024-03", "2024-04", "2024-03", "2024-04"],
        "mrr": [100, 60, 40, 150, 200, 150, 200, 50, 50, 80, 30, 30],
    })
    surveys = pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a1", "a2", "a3", "a1", "a4"],
        # a1's second NPS answer is 2024-02-29 21:00 in New York: a February answer
        "answered_at": ["2024-01-15", "2024-01-20", "2024-02-10", "2024-03-01T02:00:00Z",
                        "2024-02-20", "2024-02-21", "2024-03-02", "2024-03-03"],
        "score": [9, 6, 10, 7, 5, 3, 4, 0],
        "kind": ["nps", "nps", "nps", "nps", "csat", "csat", "csat", "nps"],
    })
    return rt.Book(accounts, mrr=mrr, surveys=surveys, tz="America/New_York", **kwargs)


def test_hand_worked_movements_by_plan():
    mv = rt.kpi.mrr_movements(hand_book(), by="plan")
    assert mv.index.names == ["plan", "period"]
    assert list(mv.index) == [(plan, P(m)) for plan in ("basic", "pro")
                              for m in ("2024-01", "2024-02", "2024-03", "2024-04")]
    assert list(mv.columns) == MOVEMENTS
    cols = ["starting_mrr", "new", "expansion", "contraction", "churned", "reactivation",
            "ending_mrr", "starting_accounts", "churned_accounts", "ending_accounts"]
    want = pd.DataFrame(
        [
            [0, 100, 0, 0, 0, 0, 100, 0, 0, 1],      # basic Jan: a1 new
            [100, 50, 0, 0, 0, 0, 150, 1, 0, 2],     # basic Feb: a3 new
            [150, 0, 50, 0, 0, 0, 200, 2, 0, 2],     # basic Mar: a1 100 -> 150
            [200, 0, 30, 0, 150, 0, 80, 2, 1, 1],    # basic Apr: a1 gone, a3 50 -> 80
            [0, 200, 0, 0, 0, 0, 200, 0, 0, 1],      # pro Jan: a2 new
            [200, 0, 0, 50, 0, 0, 150, 1, 0, 1],     # pro Feb: a2 200 -> 150
            [150, 0, 0, 0, 150, 0, 0, 1, 1, 0],      # pro Mar: a2 gone
            [0, 0, 0, 0, 0, 200, 200, 0, 0, 1],      # pro Apr: a2 back
        ],
        columns=cols, index=mv.index,
    )
    pd.testing.assert_frame_equal(mv[cols], want, check_dtype=False)
    assert mv["reactivated_accounts"].tolist() == [0, 0, 0, 0, 0, 0, 0, 1]


def test_hand_worked_missing_attribute_is_left_out_or_its_own_group():
    book = hand_book()
    kept = rt.kpi.mrr_movements(book, by="plan", dropna=False)
    assert kept.index.get_level_values("plan")[-4:].isna().all()
    assert kept["ending_mrr"].tolist()[-4:] == [0, 0, 30, 30]  # a4 alone
    assert kept["new"].tolist()[-4:] == [0, 0, 30, 0]
    # every account in exactly one group: the groups add up to the whole Book
    whole = rt.kpi.mrr_movements(book)
    summed = kept.groupby(level="period").sum()
    pd.testing.assert_frame_equal(summed, whole, check_dtype=False, check_freq=False)
    dropped = rt.kpi.mrr_movements(book, by="plan")
    assert set(dropped.index.get_level_values("plan")) == {"basic", "pro"}


def test_hand_worked_movements_by_two_attributes():
    mv = rt.kpi.mrr_movements(hand_book(), by=["plan", "segment"])
    assert mv.index.names == ["plan", "segment", "period"]
    assert sorted(set(mv.index.droplevel("period"))) == [
        ("basic", "ent"), ("basic", "smb"), ("pro", "ent")]
    assert mv.loc[("basic", "ent"), "ending_mrr"].tolist() == [0, 50, 50, 80]


def test_hand_worked_churn_and_nrr_grr_by_plan():
    book = hand_book()
    churn = rt.kpi.churn_rate(book, kind="logo", by="plan")
    assert churn.name == "logo_churn"
    np.testing.assert_array_equal(churn.to_numpy(), [NAN, 0, 0, 0.5, NAN, 0, 1, NAN])
    nrr = rt.kpi.nrr(book, months=1, by="plan")
    assert nrr.name == "nrr" and nrr.index.names == ["plan", "period"]
    assert list(nrr.index.get_level_values("period")[:3]) == [P("2024-02"), P("2024-03"),
                                                              P("2024-04")]
    np.testing.assert_allclose(nrr.to_numpy(), [1.0, 200 / 150, 80 / 200, 0.75, 0.0, NAN],
                               rtol=1e-12)
    grr = rt.kpi.grr(book, months=1, by="plan")
    np.testing.assert_allclose(grr.to_numpy(), [1.0, 1.0, 50 / 200, 0.75, 0.0, NAN], rtol=1e-12)
    parts = rt.kpi.grr(book, months=1, by="plan", parts=True)
    assert list(parts.columns) == ["start_mrr", "end_mrr", "start_accounts"]
    assert parts["start_mrr"].tolist() == [100, 150, 200, 200, 150, 0]
    assert parts["end_mrr"].tolist() == [100, 150, 50, 150, 0, 0]
    assert parts["start_accounts"].tolist() == [1, 2, 2, 1, 1, 0]
    nparts = rt.kpi.nrr(book, months=1, parts=True)  # the whole Book, a4 included
    assert nparts.index.name == "period"
    assert nparts["start_mrr"].tolist() == [300, 300, 230]
    assert nparts["end_mrr"].tolist() == [250, 200, 110]  # a4 is new in March
    # months longer than the span: no period
    assert len(rt.kpi.nrr(book, months=4, by="plan")) == 0
    assert len(rt.kpi.nrr(book, months=4, by="plan", parts=True)) == 0


def test_hand_worked_cohorts():
    book = hand_book()
    first = rt.kpi.cohort_retention(book, by="plan")
    assert first.index.names == ["plan", "cohort"] and first.columns.name == "age"
    assert list(first.index) == [("basic", P("2024-01")), ("basic", P("2024-02")),
                                 ("pro", P("2024-01"))]
    np.testing.assert_array_equal(first.to_numpy(), [[1, 1, 1, 0], [1, 1, 1, NAN],
                                                     [1, 1, 0, 1]])
    signed = rt.kpi.cohort_retention(book, cohort="signed")
    assert list(signed.index) == [P("2024-01"), P("2024-02")]
    assert signed.index.name == "cohort"
    # Jan: a1, a2; Feb: a3, a4 (a4 does not pay in its signing month)
    np.testing.assert_array_equal(signed.to_numpy(), [[1, 1, 0.5, 0.5], [0.5, 1, 1, NAN]])
    revenue = rt.kpi.cohort_retention(book, kind="revenue", cohort="signed")
    np.testing.assert_allclose(revenue.to_numpy(), [[1, 250 / 300, 150 / 300, 200 / 300],
                                                    [1, 80 / 50, 110 / 50, NAN]], rtol=1e-12)
    by_segment = rt.kpi.cohort_retention(book, cohort="signed", by="segment")
    assert list(by_segment.index) == [("ent", P("2024-01")), ("ent", P("2024-02")),
                                      ("smb", P("2024-01")), ("smb", P("2024-02"))]
    np.testing.assert_array_equal(by_segment.to_numpy(), [[1, 1, 0, 1], [1, 1, 1, NAN],
                                                          [1, 1, 1, 0], [0, 1, 1, NAN]])


def test_hand_worked_nps_and_csat_by_month_in_the_books_zone():
    book = hand_book()
    nps = rt.kpi.nps_by(book, by="plan", freq="M")
    assert nps.index.names == ["plan", "period"]
    assert list(nps.index) == [("basic", P("2024-01")), ("basic", P("2024-02")),
                               ("pro", P("2024-01"))]
    assert nps["nps"].tolist() == [100, 50, -100]
    assert nps["n"].tolist() == [1, 2, 1]
    assert nps["passives"].tolist() == [0, 1, 0]
    every = rt.kpi.nps_by(book, by="plan", freq="M", dropna=False)
    assert every["nps"].tolist() == [100, 50, -100, -100]  # a4's 0 in March, under NaN
    assert pd.isna(every.index[-1][0]) and every.index[-1][1] == P("2024-03")
    months = rt.kpi.nps_by(book, freq="M")
    assert list(months.index) == [P("2024-01"), P("2024-02"), P("2024-03")]
    assert months["nps"].tolist() == [0, 50, -100]
    quarter = rt.kpi.nps_by(book, freq="Q")
    assert list(quarter.index) == [pd.Period("2024Q1", freq="Q")] and quarter["n"].item() == 5
    overall = rt.kpi.nps_by(book, by="segment")
    assert list(overall.index) == ["ent", "smb"] and overall.index.name == "segment"
    assert overall["n"].tolist() == [2, 3]
    csat = rt.kpi.csat_by(book, by="plan", freq="M")
    assert list(csat.index) == [("basic", P("2024-02")), ("basic", P("2024-03")),
                                ("pro", P("2024-02"))]
    assert list(csat.columns) == ["csat", "satisfied", "n", "ci_lower", "ci_upper"]
    assert csat["csat"].tolist() == [0, 1, 1] and csat["satisfied"].tolist() == [0, 1, 1]
    # in UTC, a1's "2024-03-01T02:00:00Z" answer is a March one
    utc = rt.Book(book.accounts, surveys=book.table("surveys"))
    assert rt.kpi.nps_by(utc, by="plan", freq="M")["n"].tolist() == [1, 1, 1, 1]


def test_book_without_by_equals_the_dataframe():
    book = hand_book()
    mrr = book.table("mrr")
    pd.testing.assert_frame_equal(rt.kpi.mrr_movements(book), rt.kpi.mrr_movements(mrr))
    for f in (rt.kpi.nrr, rt.kpi.grr):
        pd.testing.assert_series_equal(f(book, months=1), f(mrr, months=1))
        pd.testing.assert_frame_equal(f(book, months=2, parts=True), f(mrr, months=2, parts=True))
    for kind in ("logo", "revenue"):
        pd.testing.assert_frame_equal(rt.kpi.cohort_retention(book, kind=kind),
                                      rt.kpi.cohort_retention(mrr, kind=kind))
    pd.testing.assert_series_equal(rt.kpi.churn_rate(book), rt.kpi.churn_rate(
        rt.kpi.mrr_movements(mrr)))


def test_a_month_of_mrr_zero_widens_the_span():
    """A row of MRR 0 has no revenue but is data: the span (and so the last month's churn) comes
    from it, with a Book as with the DataFrame."""
    accounts = pd.DataFrame({"account_id": [1, 2], "signed_at": ["2024-01-01"] * 2,
                             "plan": ["x", "y"]})
    mrr = pd.DataFrame({"account_id": [1, 2], "period": ["2024-01", "2024-03"], "mrr": [10, 0]})
    book = rt.Book(accounts, mrr=mrr)
    mv = rt.kpi.mrr_movements(book, by="plan")
    assert list(mv.index.get_level_values("period").unique()) == [P("2024-01"), P("2024-02"),
                                                                  P("2024-03")]
    assert mv.loc["x", "churned"].tolist() == [0, 10, 0]
    assert mv.loc["y", "ending_mrr"].tolist() == [0, 0, 0]
    pd.testing.assert_frame_equal(rt.kpi.mrr_movements(book), rt.kpi.mrr_movements(mrr))


# ------------------------------------------------------------------------- random Books, oracle

TZ = "Asia/Tokyo"
MONTHS = pd.period_range("2023-11", "2024-06", freq="M")


def random_book_tables(seed: int, n_accounts: int = 45):
    rng = np.random.default_rng(seed)
    ids = [f"c{k:03d}" for k in range(n_accounts)]
    plan = rng.choice(np.array(["basic", "pro", "team", None], dtype=object), n_accounts,
                      p=[0.35, 0.3, 0.25, 0.1])
    segment = rng.choice(["smb", "mid", "ent"], n_accounts)
    # instants in UTC: near a month's end, the signing month in Tokyo is the next one
    signed = (pd.Timestamp("2023-09-20", tz="UTC")
              + pd.to_timedelta(rng.integers(0, 300 * 24, n_accounts), unit="h"))
    accounts = pd.DataFrame({"customer": ids, "signed_at": signed, "plan": plan,
                             "segment": segment})
    rows = []
    for k, a in enumerate(ids):
        level = rng.choice([0, 10, 20, 50])
        for m in MONTHS:
            r = rng.random()
            if r < 0.15:
                continue
            if r < 0.25:
                level = 0
            elif r < 0.5:
                level = int(rng.choice([0, 10, 20, 50, 80]))
            if level == 0 and rng.random() < 0.5:
                continue
            items = [level] if rng.random() < 0.7 else [level // 2, level - level // 2]
            rows += [(a, str(m), v) for v in items]
        if k == 0:  # the span is the data's: a row of MRR 0 in the last month
            rows.append((a, str(MONTHS[-1]), 0))
    mrr = pd.DataFrame(rows, columns=["customer", "month", "amount"])
    n = 160
    kind = rng.choice(["nps", "csat"], n)
    score = np.where(kind == "nps", rng.integers(0, 11, n), rng.integers(1, 6, n))
    answered = (pd.Timestamp("2024-01-01", tz="UTC")
                + pd.to_timedelta(rng.integers(0, 150 * 24 * 60, n), unit="min"))
    surveys = pd.DataFrame({"customer": rng.choice(ids, n), "answered_at": answered,
                            "score": score, "kind": kind})
    return accounts, mrr, surveys


def make_book(accounts, mrr, surveys=None) -> rt.Book:
    columns = {"accounts": {"account_id": "customer"},
               "mrr": {"account_id": "customer", "period": "month", "mrr": "amount"}}
    if surveys is not None:
        columns["surveys"] = {"account_id": "customer"}
    return rt.Book(accounts, mrr=mrr, surveys=surveys, columns=columns, tz=TZ)


def dense(accounts, mrr) -> tuple[np.ndarray, pd.PeriodIndex]:
    """Account (in the accounts table's order) x month MRR over the data's span."""
    periods = pd.PeriodIndex(mrr["month"], freq="M")
    span = pd.period_range(periods.min(), periods.max(), freq="M")
    wide = (mrr.assign(month=periods)
            .pivot_table(index="customer", columns="month", values="amount", aggfunc="sum")
            .reindex(index=accounts["customer"], columns=span).fillna(0))
    return wide.to_numpy(dtype=float), span


def groups_of(accounts, by, dropna=True):
    """{group label: boolean mask of accounts}: sorted values, then NaN (unless dropna)."""
    values = accounts[by]
    out = {key: (values == key).to_numpy() for key in sorted(values.dropna().unique())}
    if not dropna and values.isna().any():
        out[np.nan] = values.isna().to_numpy()
    return out


def movements_oracle(matrix: np.ndarray, span) -> pd.DataFrame:
    cur = matrix
    prev = np.zeros_like(cur)
    prev[:, 1:] = cur[:, :-1]
    paying, was = cur > 0, prev > 0
    before = np.zeros_like(paying)
    before[:, 1:] = np.logical_or.accumulate(paying, axis=1)[:, :-1]
    starts = paying & ~was
    moves = {
        "starting_mrr": (was, prev), "new": (starts & ~before, cur),
        "expansion": (was & (cur > prev), cur - prev),
        "contraction": (paying & (cur < prev), prev - cur),
        "churned": (was & ~paying, prev), "reactivation": (starts & before, cur),
        "ending_mrr": (paying, cur),
    }
    counts = ["starting_accounts", "new_accounts", "expansion_accounts", "contraction_accounts",
              "churned_accounts", "reactivated_accounts", "ending_accounts"]
    out = {name: (mask * amount).sum(axis=0) for name, (mask, amount) in moves.items()}
    out |= {c: mask.sum(axis=0) for c, (mask, _) in zip(counts, moves.values(), strict=True)}
    return pd.DataFrame(out, index=pd.PeriodIndex(span, name="period"))[MOVEMENTS]


def stack(frames: dict, name) -> pd.DataFrame:
    return pd.concat(frames, names=[name])


@pytest.mark.parametrize("seed", range(6))
def test_movements_and_churn_by_attribute_equal_the_oracle(seed):
    accounts, mrr, _ = random_book_tables(seed)
    book = make_book(accounts, mrr)
    matrix, span = dense(accounts, mrr)
    for by in ("plan", "segment"):
        for dropna in (True, False):
            want = stack({k: movements_oracle(matrix[m], span)
                          for k, m in groups_of(accounts, by, dropna).items()}, by)
            got = rt.kpi.mrr_movements(book, by=by, dropna=dropna)
            assert got.index.names == [by, "period"]
            # labels compared as columns: a NaN label is a MultiIndex code -1, not a level
            pd.testing.assert_frame_equal(got.reset_index(), want.reset_index(),
                                          check_dtype=False)
            lost = want["churned_accounts"] / want["starting_accounts"].where(
                want["starting_accounts"] > 0)
            np.testing.assert_allclose(rt.kpi.churn_rate(book, by=by, dropna=dropna).to_numpy(),
                                       lost.to_numpy(), rtol=1e-12)


def retention_oracle(matrix, span, months, capped):
    rows = {}
    for p in range(months, len(span)):
        base = matrix[:, p - months]
        paying = base > 0
        end = matrix[paying, p]
        if capped:
            end = np.minimum(end, base[paying])
        rows[span[p]] = {"start_mrr": base[paying].sum(), "end_mrr": end.sum(),
                         "start_accounts": int(paying.sum())}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["start_mrr", "end_mrr", "start_accounts"])
    out.index = pd.PeriodIndex(list(rows), freq="M", name="period")
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("months", [1, 3])
def test_nrr_grr_and_parts_by_attribute_equal_the_oracle(seed, months):
    accounts, mrr, _ = random_book_tables(seed)
    book = make_book(accounts, mrr)
    matrix, span = dense(accounts, mrr)
    for which, capped in (("nrr", False), ("grr", True)):
        f = getattr(rt.kpi, which)
        want = stack({k: retention_oracle(matrix[m], span, months, capped)
                      for k, m in groups_of(accounts, "plan").items()}, "plan")
        parts = f(book, months=months, by="plan", parts=True)
        pd.testing.assert_frame_equal(parts, want, check_dtype=False, check_freq=False)
        ratio = want["end_mrr"] / want["start_mrr"].where(want["start_mrr"] > 0)
        got = f(book, months=months, by="plan")
        assert got.index.equals(want.index)
        np.testing.assert_allclose(got.to_numpy(), ratio.to_numpy(), rtol=1e-12)
        # parts of the long DataFrame (no Book) as well
        whole = retention_oracle(matrix, span, months, capped)
        frame_parts = f(mrr, account="customer", period="month", mrr="amount", months=months,
                        parts=True)
        pd.testing.assert_frame_equal(frame_parts, whole.rename_axis("month"), check_dtype=False,
                                      check_freq=False)


def cohort_oracle(matrix, span, cohort_of, kind):
    """cohort_of: each account's cohort position in span (may be < 0 or NaN = no cohort)."""
    n = len(span)
    rows = {}
    valid = ~np.isnan(cohort_of)
    cohorts = sorted({int(c) for c in cohort_of[valid] if c <= n - 1})
    width = n - min(cohorts) if cohorts else 0
    for c in cohorts:
        members = valid & (cohort_of == c)
        row = np.full(width, np.nan)
        for age in range(width):
            m = c + age
            if m < 0 or m >= n:
                continue
            if kind == "logo":
                row[age] = (matrix[members, m] > 0).sum() / members.sum()
            elif c >= 0 and matrix[members, c].sum() > 0:
                row[age] = matrix[members, m].sum() / matrix[members, c].sum()
        rows[span[0] + c] = row
    out = pd.DataFrame.from_dict(rows, orient="index", columns=pd.RangeIndex(width, name="age"))
    out.index = pd.PeriodIndex(list(rows), freq="M", name="cohort")
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["logo", "revenue"])
def test_cohort_retention_both_cohort_kinds_equal_the_oracle(seed, kind):
    accounts, mrr, _ = random_book_tables(seed)
    book = make_book(accounts, mrr)
    matrix, span = dense(accounts, mrr)
    paying = matrix > 0
    first_paid = np.where(paying.any(axis=1), paying.argmax(axis=1), np.nan)
    signed_month = accounts["signed_at"].dt.tz_convert(TZ).dt.tz_localize(None).dt.to_period("M")
    signed = np.array([(s - span[0]).n for s in signed_month], dtype=float)
    for cohort, cohort_of in (("first_paid", first_paid), ("signed", signed)):
        want = cohort_oracle(matrix, span, cohort_of, kind)
        got = rt.kpi.cohort_retention(book, kind=kind, cohort=cohort)
        pd.testing.assert_frame_equal(got, want, check_freq=False, rtol=1e-12)
        # by plan: each group's cohorts, the ages of the whole Book's span for first_paid
        groups = groups_of(accounts, "plan")
        parts = {k: cohort_oracle(matrix, span, np.where(m, cohort_of, np.nan), kind)
                 for k, m in groups.items()}
        width = (len(span) if cohort == "first_paid"
                 else max(len(p.columns) for p in parts.values()))
        parts = {k: p.reindex(columns=pd.RangeIndex(width, name="age")) for k, p in parts.items()}
        got = rt.kpi.cohort_retention(book, kind=kind, cohort=cohort, by="plan")
        if cohort == "signed":  # the ages every group shares: from the earliest cohort of all
            got = got.loc[:, : width - 1]
        pd.testing.assert_frame_equal(got, stack(parts, "plan"), check_freq=False, rtol=1e-12)


def survey_oracle(accounts, surveys, by, freq, kind, tz=TZ):
    table = surveys.merge(accounts[["customer", *by]], on="customer")
    table = table[table["kind"] == kind].assign(
        period=table["answered_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.to_period(freq))
    keys = [*by, "period"] if freq else by
    s = table.groupby(keys)["score"]
    if kind == "nps":
        out = pd.DataFrame({
            "promoters": s.apply(lambda x: (x >= 9).sum()),
            "passives": s.apply(lambda x: x.between(7, 8).sum()),
            "detractors": s.apply(lambda x: (x <= 6).sum()),
            "n": s.size(),
        })
        out.insert(0, "nps", 100 * (out["promoters"] - out["detractors"]) / out["n"])
        return out
    return pd.DataFrame({"csat": s.apply(lambda x: (x >= 4).mean()),
                         "satisfied": s.apply(lambda x: (x >= 4).sum()), "n": s.size()})


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("freq", ["M", "Q"])
def test_nps_and_csat_by_attribute_and_month_equal_the_oracle(seed, freq):
    accounts, mrr, surveys = random_book_tables(seed)
    book = make_book(accounts, mrr, surveys)
    for by in (["plan"], ["plan", "segment"]):
        want = survey_oracle(accounts, surveys, by, freq, "nps")
        got = rt.kpi.nps_by(book, by=by if len(by) > 1 else by[0], freq=freq)
        assert got.index.names == [*by, "period"]
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False,
                                      check_index_type=False)
        want = survey_oracle(accounts, surveys, by, freq, "csat")
        got = rt.kpi.csat_by(book, by=by if len(by) > 1 else by[0], freq=freq)
        pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False,
                                      check_index_type=False)
    # no by: one row per month of answers
    want = survey_oracle(accounts.assign(_=0), surveys, ["_"], freq, "nps").droplevel("_")
    got = rt.kpi.nps_by(book, freq=freq)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


@pytest.mark.parametrize("seed", range(4))
def test_csat_by_dataframe_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"team": rng.choice(["a", "b", "c"], 50),
                          "answer": rng.integers(1, 8, 50)})
    got = rt.kpi.csat_by(frame, by="team", score="answer", scale=7, satisfied_min=6)
    s = frame.groupby("team")["answer"]
    want = pd.DataFrame({"csat": s.apply(lambda x: (x >= 6).mean()),
                         "satisfied": s.apply(lambda x: (x >= 6).sum()), "n": s.size()})
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)
    empty = rt.kpi.csat_by(frame.iloc[:0], by="team", score="answer")
    assert len(empty) == 0 and list(empty.columns) == ["csat", "satisfied", "n", "ci_lower",
                                                        "ci_upper"]


def test_unknown_accounts_dropped_from_survey_kpis():
    book = hand_book()
    surveys = pd.concat([book.table("surveys"), pd.DataFrame({
        "account_id": ["zz"], "answered_at": ["2024-01-05"], "score": [0], "kind": ["nps"]})])
    dropping = rt.Book(book.accounts, mrr=book.table("mrr"), surveys=surveys,
                       tz="America/New_York", unknown_accounts="drop")
    assert dropping.dropped == {"surveys": 1}
    pd.testing.assert_frame_equal(rt.kpi.nps_by(dropping, freq="M"),
                                  rt.kpi.nps_by(book, freq="M"))


# ----------------------------------------------------------------------------------------- shards


@pytest.mark.parametrize("seed", range(4))
def test_shards_merge_by_summing_movements_and_parts(seed):
    accounts, mrr, _ = random_book_tables(seed)
    matrix, span = dense(accounts, mrr)
    shard_of = np.arange(len(accounts)) % 3
    movements, parts = [], []
    for s in range(3):
        acc = accounts[shard_of == s]
        rows = mrr[mrr["customer"].isin(acc["customer"])]
        # every shard spans the same months: a row of MRR 0 in the first and last month
        pad = pd.DataFrame({"customer": acc["customer"].iloc[0],
                            "month": [str(span[0]), str(span[-1])], "amount": 0})
        book = make_book(acc, pd.concat([rows, pad]))
        movements.append(rt.kpi.mrr_movements(book, by="segment"))
        parts.append(rt.kpi.nrr(book, months=2, parts=True))
    merged = pd.concat(movements).groupby(level=["segment", "period"]).sum()
    want = stack({k: movements_oracle(matrix[m], span)
                  for k, m in groups_of(accounts, "segment").items()}, "segment")
    pd.testing.assert_frame_equal(merged, want, check_dtype=False, check_freq=False)
    total = pd.concat(parts).groupby(level="period").sum()
    whole = retention_oracle(matrix, span, 2, capped=False)
    pd.testing.assert_frame_equal(total, whole, check_dtype=False, check_freq=False)


# ------------------------------------------------------------------------------------ bad inputs


def test_by_must_be_an_attribute():
    book = hand_book()
    with pytest.raises(rt.ColumnError, match=r"'region' is not an attribute.*'plan', 'segment'"):
        rt.kpi.mrr_movements(book, by="region")
    with pytest.raises(rt.ColumnError, match="region"):
        rt.kpi.nps_by(book, by=["plan", "region"], freq="M")
    for f in (rt.kpi.nrr, rt.kpi.grr, rt.kpi.cohort_retention, rt.kpi.churn_rate,
              rt.kpi.csat_by):
        with pytest.raises(rt.ColumnError, match="not an attribute"):
            f(book, by="signed_at")
    # the MRR table's plan is not an account attribute
    accounts = pd.DataFrame({"account_id": [1], "signed_at": ["2024-01-01"]})
    mrr = pd.DataFrame({"account_id": [1], "period": ["2024-01"], "mrr": [5], "plan": ["x"]})
    with pytest.raises(rt.ColumnError, match="plan changes month to month"):
        rt.kpi.mrr_movements(rt.Book(accounts, mrr=mrr), by="plan")
    with pytest.raises(rt.InputError, match="by: give"):
        rt.kpi.mrr_movements(book, by=[])
    with pytest.raises(rt.InputError, match="dropna"):
        rt.kpi.mrr_movements(book, by="plan", dropna="no")


@pytest.mark.parametrize("freq", ["W", "month", "ME", 3])
def test_freq_must_be_a_calendar_period(freq):
    with pytest.raises(rt.InputError, match="freq: must be one of 'M', 'Q', 'Y'"):
        rt.kpi.nps_by(hand_book(), by="plan", freq=freq)
    with pytest.raises(rt.InputError, match="freq"):
        rt.kpi.csat_by(hand_book(), freq=freq)


def test_cohort_and_kind_must_be_known():
    book = hand_book()
    with pytest.raises(rt.InputError, match="cohort: must be one of 'first_paid', 'signed'"):
        rt.kpi.cohort_retention(book, cohort="signup")
    with pytest.raises(rt.InputError, match=r"kind: unknown cohort retention kind 'arr'"):
        rt.kpi.cohort_retention(book, kind="arr", cohort="signed")
    with pytest.raises(rt.InputError, match="signing dates"):
        rt.kpi.cohort_retention(book.table("mrr"), cohort="signed")


def test_dataframe_inputs_refuse_book_options_and_parts_needs_the_rows():
    book = hand_book()
    mrr, surveys = book.table("mrr"), book.table("surveys")
    with pytest.raises(rt.InputError, match=r"by= groups a retain\.Book"):
        rt.kpi.mrr_movements(mrr, by="plan")
    with pytest.raises(rt.InputError, match=r"by= groups a retain\.Book"):
        rt.kpi.nrr(mrr, by="plan", parts=True)
    with pytest.raises(rt.InputError, match=r"by= groups a retain\.Book"):
        rt.kpi.churn_rate(rt.kpi.mrr_movements(mrr), by="plan")
    with pytest.raises(rt.InputError, match="freq"):
        rt.kpi.nps_by(surveys, by="kind", freq="M")
    with pytest.raises(rt.InputError, match="by: give"):
        rt.kpi.nps_by(surveys)
    with pytest.raises(rt.InputError, match="MrrTable keeps no per-account"):
        rt.kpi.nrr(rt.MrrTable(mrr), months=1, parts=True)
    with pytest.raises(rt.InputError, match="parts: must be True or False"):
        rt.kpi.grr(mrr, months=1, parts="yes")
    for data in (mrr, book):
        with pytest.raises(rt.InputError, match="months must be >= 1"):
            rt.kpi.nrr(data, months=0, parts=True)
    # the DataFrame's parts still validate the rows
    bad = mrr.assign(mrr=mrr["mrr"].astype(float))
    bad.loc[3, "mrr"] = np.nan
    with pytest.raises(rt.InputError, match="row 3"):
        rt.kpi.nrr(bad, months=1, parts=True)


def test_book_refuses_column_keywords_and_missing_tables():
    book = hand_book()
    with pytest.raises(rt.InputError, match="mrr='amount' does not apply to a Book"):
        rt.kpi.mrr_movements(book, mrr="amount")
    with pytest.raises(rt.InputError, match="score='answer' does not apply to a Book"):
        rt.kpi.nps_by(book, by="plan", score="answer")
    with pytest.raises(rt.InputError, match=r"give by= .* and/or freq="):
        rt.kpi.nps_by(book)
    bare = rt.Book(book.accounts)
    with pytest.raises(rt.ColumnError, match="no 'mrr' table"):
        rt.kpi.mrr_movements(bare, by="plan")
    with pytest.raises(rt.ColumnError, match="no 'mrr' table"):
        rt.kpi.cohort_retention(bare, cohort="signed")
    with pytest.raises(rt.ColumnError, match="no 'surveys' table"):
        rt.kpi.csat_by(bare, by="plan")


def test_csat_by_scale_errors_name_the_surveys_row():
    with pytest.raises(rt.InputError, match=r"table 'surveys', column 'score', row 4: .* 1-3"):
        rt.kpi.csat_by(hand_book(), by="plan", scale=3, satisfied_min=2)
    with pytest.raises(rt.InputError, match="satisfied_min"):
        rt.kpi.csat_by(hand_book(), by="plan", satisfied_min=9)
