"""Tenure and cohort survivors from a Book, against independent pandas computations of the rules
(first churn, the MRR bridge, late entry, calendar anniversaries with pandas' DateOffset) and
against counts worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retain as rt

# ------------------------------------------------------------------- the oracle, in pandas


def first_churns(accounts, as_of, churns=None, mrr=None):
    """Each account's first churn on or before as_of: its first record, or the first month the
    MRR bridge shows it stop paying when no record is dated in that month or the one before."""
    as_of = pd.Timestamp(as_of)
    candidates = []
    if churns is not None:
        candidates.append(churns.groupby("account_id")["churned_at"].min().dt.normalize())
    if mrr is not None:
        monthly = mrr.groupby(["account_id", "period"])["mrr"].sum()
        paying = monthly[monthly > 0].reset_index()
        last = mrr["period"].max()
        record_months = {}
        if churns is not None:
            for account, day in zip(churns["account_id"], churns["churned_at"], strict=True):
                record_months.setdefault(account, set()).add(pd.Timestamp(day).to_period("M"))
        stops = {}
        for account, group in paying.groupby("account_id"):
            months = set(group["period"])
            near = record_months.get(account, set())
            gaps = sorted(
                m + 1
                for m in months
                if m + 1 not in months and m + 1 <= last and not ({m, m + 1} & near)
            )
            if gaps:
                stops[account] = gaps[0].to_timestamp()
        candidates.append(pd.Series(stops, dtype="datetime64[ns]"))
    first = pd.concat(candidates).groupby(level=0).min()
    return first[first <= as_of]


def default_start(accounts, mrr=None):
    if mrr is not None:
        return mrr["period"].min().to_timestamp()
    return accounts["signed_at"].dt.normalize().min()


def oracle_tenure(accounts, as_of, start=None, churns=None, mrr=None):
    as_of = pd.Timestamp(as_of)
    start = default_start(accounts, mrr) if start is None else pd.Timestamp(start)
    signed = accounts.set_index("account_id")["signed_at"].dt.normalize()
    signed = signed[signed <= as_of]
    churn = first_churns(accounts, as_of, churns, mrr).reindex(signed.index)
    before_start = churn < start
    signed, churn = signed[~before_start], churn[~before_start]
    frame = pd.DataFrame(
        {
            "signed_at": signed,
            "duration": (churn.fillna(as_of) - signed).dt.days.astype(np.int64),
            "churned": churn.notna(),
            "entry": (start - signed).dt.days.clip(lower=0).astype(np.int64),
        }
    )
    return frame, int(before_start.sum())


def oracle_survivors(accounts, as_of, start=None, churns=None, mrr=None):
    """Survivors per signing month at each fully observed anniversary (DateOffset clamps to the
    month's end, as the rule says)."""
    as_of = pd.Timestamp(as_of)
    start = default_start(accounts, mrr) if start is None else pd.Timestamp(start)
    signed = accounts.set_index("account_id")["signed_at"].dt.normalize()
    signed = signed[signed <= as_of]
    churn = first_churns(accounts, as_of, churns, mrr).reindex(signed.index)
    rows = {}
    for cohort, s in signed.groupby(signed.dt.to_period("M")):
        if (s < start).any():
            continue
        periods = 0
        while s.max() + pd.DateOffset(months=periods + 1) <= as_of:
            periods += 1
        if periods == 0:
            continue
        c = churn.reindex(s.index)
        counts = [len(s)]
        for t in range(1, periods + 1):
            anniversary = s + pd.DateOffset(months=t)
            counts.append(int(len(s) - (c.notna() & (c <= anniversary)).sum()))
        rows[cohort] = counts
    return rows


# --------------------------------------------------------------------- a hand-made Book

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7"],
        "signed_at": pd.to_datetime(
            [
                "2023-11-10",  # before the MRR starts: late entry
                "2024-01-15",  # churns, returns, churns again
                "2023-06-01",  # churns before the MRR starts: left out
                "2024-07-05",  # signs after as_of
                "2024-02-29",  # churns after as_of: censored
                "2023-12-20",  # churns on the first day of the MRR
                "2024-03-31",  # still a customer
            ]
        ),
    }
)
CHURNS = pd.DataFrame(
    {
        "account_id": ["A2", "A2", "A3", "A5", "A6"],
        "churned_at": pd.to_datetime(
            ["2024-05-20", "2024-03-10", "2023-12-15", "2024-07-15", "2024-01-01"]
        ),
    }
)


def mrr_rows(paying: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(a, pd.Period(m, "M"), 100.0) for a, months in paying.items() for m in months]
    return pd.DataFrame(rows, columns=["account_id", "period", "mrr"])


# A2 stops in March and comes back in April; A6 pays January only; A3 never pays.
MRR = mrr_rows(
    {
        "A1": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"],
        "A2": ["2024-01", "2024-02", "2024-04", "2024-05"],
        "A5": ["2024-03", "2024-04", "2024-05", "2024-06"],
        "A6": ["2024-01"],
        "A7": ["2024-04", "2024-05", "2024-06"],
    }
)


def test_tenure_from_churns_by_hand_and_against_pandas():
    book = rt.Book(ACCOUNTS, mrr=MRR, churns=CHURNS)
    t = book.tenure("2024-06-30")
    assert t.index.tolist() == ["A1", "A2", "A5", "A6", "A7"]
    assert t.index.name == "account_id"
    assert t["duration"].tolist() == [233, 55, 122, 12, 91]
    assert t["churned"].tolist() == [False, True, False, True, False]
    assert t["entry"].tolist() == [52, 0, 0, 12, 0]
    assert t.attrs["left_out"] == 1  # A3
    assert t.attrs["start"] == pd.Timestamp("2024-01-01")
    assert t.attrs["as_of"] == pd.Timestamp("2024-06-30")
    assert t.dtypes.to_dict() == {
        "signed_at": np.dtype("datetime64[ns]"),
        "duration": np.dtype("int64"),
        "churned": np.dtype("bool"),
        "entry": np.dtype("int64"),
    }
    expected, left_out = oracle_tenure(ACCOUNTS, "2024-06-30", churns=CHURNS, mrr=MRR)
    pd.testing.assert_frame_equal(t, expected, check_names=False)
    assert left_out == t.attrs["left_out"]


def test_tenure_from_the_mrr_bridge_without_a_churns_table():
    book = rt.Book(ACCOUNTS, mrr=MRR)
    t = book.tenure("2024-06-30")
    # A2 lost on 2024-03-01 (its first stop), A6 on 2024-02-01; A3 never paid: censored.
    assert t.loc["A2", "duration"] == (pd.Timestamp("2024-03-01") - pd.Timestamp("2024-01-15")).days
    assert t.loc["A6", "duration"] == 43
    assert t.loc["A3", "entry"] == 214
    assert not t.loc["A3", "churned"]
    expected, left_out = oracle_tenure(ACCOUNTS, "2024-06-30", mrr=MRR)
    pd.testing.assert_frame_equal(t, expected, check_names=False)
    assert t.attrs["left_out"] == left_out == 0
    # Before March ends nothing of A2's stop is seen... but its first day is: as of 2024-03-01.
    on_the_day = book.tenure("2024-03-01")
    assert bool(on_the_day.loc["A2", "churned"])
    assert not bool(book.tenure("2024-02-29").loc["A2", "churned"])


@pytest.mark.parametrize("as_of", ["2024-01-01", "2024-03-10", "2024-05-31", "2024-12-31"])
@pytest.mark.parametrize("start", [None, "2023-06-01", "2024-02-15"])
def test_tenure_equals_pandas_for_any_dates(as_of, start):
    if start is not None and pd.Timestamp(start) > pd.Timestamp(as_of):
        return
    for churns in (CHURNS, None):
        book = rt.Book(ACCOUNTS, mrr=MRR, churns=churns)
        t = book.tenure(as_of, start=start)
        expected, left_out = oracle_tenure(ACCOUNTS, as_of, start, churns=churns, mrr=MRR)
        pd.testing.assert_frame_equal(t, expected, check_names=False)
        assert t.attrs["left_out"] == left_out


def test_tenure_without_mrr_has_no_truncation():
    book = rt.Book(ACCOUNTS, churns=CHURNS)
    t = book.tenure("2024-06-30")
    assert (t["entry"] == 0).all()
    assert t.attrs["start"] == pd.Timestamp("2023-06-01")
    assert t.attrs["left_out"] == 0
    assert bool(t.loc["A3", "churned"])
    expected, _ = oracle_tenure(ACCOUNTS, "2024-06-30", churns=CHURNS)
    pd.testing.assert_frame_equal(t, expected, check_names=False)


def test_tenure_feeds_kaplan_meier_with_late_entry():
    lifelines = pytest.importorskip("lifelines")
    data = rt.datasets.synthetic_saas(accounts=400, months=18, random_state=2)
    book = rt.Book(data.table("accounts"), mrr=data.table("mrr"))
    t = book.tenure("2024-06-30")
    mrr = data.table("mrr")
    expected, left_out = oracle_tenure(data.table("accounts"), "2024-06-30", mrr=mrr)
    pd.testing.assert_frame_equal(t, expected, check_names=False)
    # Bridge churns fall inside the MRR table, so none before its start; entries do.
    assert t.attrs["left_out"] == left_out == 0
    assert (t["entry"] > 0).sum() > 50
    km = rt.survival.kaplan_meier(t["duration"], t["churned"], entry=t["entry"])
    fitter = lifelines.KaplanMeierFitter().fit(t["duration"], t["churned"], entry=t["entry"])
    np.testing.assert_allclose(km["survival"], fitter.survival_function_.iloc[:, 0], atol=1e-10)


def test_tenure_dates_follow_the_books_time_zone():
    accounts = pd.DataFrame(
        {"account_id": [1, 2], "signed_at": pd.to_datetime(["2024-01-10", "2024-02-01"])}
    )
    churns = pd.DataFrame({"account_id": [1], "churned_at": ["2024-06-30T23:30:00"]})
    book = rt.Book(accounts, churns=churns, tz="America/New_York")
    # 03:00 UTC on July 1st is June 30th, 23:00 in New York: the churn is seen.
    t = book.tenure("2024-07-01T03:00:00Z")
    assert t.attrs["as_of"] == pd.Timestamp("2024-06-30")
    assert t["churned"].tolist() == [True, False]
    assert t["duration"].tolist() == [172, 150]
    assert book.tenure(pd.Timestamp("2024-06-29", tz="America/New_York"))["churned"].tolist() == [
        False,
        False,
    ]
    # A datetime.date, a numpy datetime64 and a Timestamp read alike.
    for as_of in (pd.Timestamp("2024-06-30").date(), np.datetime64("2024-06-30")):
        assert book.tenure(as_of)["duration"].tolist() == [172, 150]


def test_tenure_errors():
    book = rt.Book(ACCOUNTS, mrr=MRR, churns=CHURNS)
    with pytest.raises(rt.InputError, match="as_of: cannot read the date 'June'"):
        book.tenure("June")
    with pytest.raises(rt.InputError, match="as_of: give one date"):
        book.tenure(["2024-01-01", "2024-02-01"])
    with pytest.raises(rt.InputError, match="as_of: give a date"):
        book.tenure(20240101)
    with pytest.raises(rt.InputError, match="as_of: missing date"):
        book.tenure(pd.NaT)
    with pytest.raises(rt.InputError, match=r"start: is after as_of \(2024-05-01 > 2024-04-01\)"):
        book.tenure("2024-04-01", start="2024-05-01")
    with pytest.raises(rt.InputError, match="as_of: is before the Book's observation start"):
        book.tenure("2023-12-01")
    with pytest.raises(TypeError, match=r"book must be a retain\.Book"):
        rt.survival.tenure(ACCOUNTS, "2024-06-30")
    with pytest.raises(rt.InputError, match="neither a churns nor an MRR table"):
        rt.Book(ACCOUNTS).tenure("2024-06-30")
    early = pd.DataFrame({"account_id": ["A7"], "churned_at": pd.to_datetime(["2024-03-01"])})
    with pytest.warns(rt.RetainWarning, match="have a churn dated before they signed"):
        early_book = rt.Book(ACCOUNTS, churns=early)
    with pytest.raises(rt.InputError) as info:
        early_book.tenure("2024-06-30")
    assert str(info.value) == (
        "account 'A7': its first churn (2024-03-01, from the churns table) is before it signed "
        "(2024-03-31)"
    )
    assert info.value.table == "accounts"
    assert info.value.row == 6


# --------------------------------------------------------------------- cohort survivors

COHORT_ACCOUNTS = pd.DataFrame(
    {
        "account_id": range(1, 10),
        "signed_at": pd.to_datetime(
            [
                "2023-12-10",  # before start
                "2024-01-15",  # churns Feb 16: after its 1-month anniversary (Feb 15), period 2
                "2024-01-15",  # churns Mar 15, its 2-month anniversary: period 2
                "2024-01-31",  # churns Feb 29, its anniversary (clamped): period 1
                "2024-01-31",  # stays
                "2024-02-10",  # churns the day it signs: period 1
                "2024-02-20",  # churns Apr 21, returns, ...: period 3 (not seen by as_of)
                "2024-04-05",  # no full period by as_of
                "2024-05-02",  # signs after as_of
            ]
        ),
    }
)
COHORT_CHURNS = pd.DataFrame(
    {
        "account_id": [2, 3, 4, 6, 7, 7],
        "churned_at": pd.to_datetime(
            ["2024-02-16", "2024-03-15", "2024-02-29", "2024-02-10", "2024-04-21", "2024-06-01"]
        ),
        "returned_at": pd.to_datetime([None, None, None, None, "2024-05-01", None]),
    }
)


def test_cohort_survivors_by_hand():
    book = rt.Book(COHORT_ACCOUNTS, churns=COHORT_CHURNS)
    table = rt.survival.cohort_survivors(book, as_of="2024-04-30", start="2024-01-01")
    assert table.index.tolist() == [pd.Period("2024-01", "M"), pd.Period("2024-02", "M")]
    assert table.index.name == "cohort"
    assert isinstance(table.index, pd.PeriodIndex)
    assert table.columns.tolist() == [0, 1, 2, 3]
    # 2024-01's latest signer (Jan 31) completes 3 periods on Apr 30; 2024-02's (Feb 20) two,
    # on Apr 20 (Apr 21's churn is in its third period, not observed).
    np.testing.assert_array_equal(table.loc["2024-01"].to_numpy(), [4, 3, 1, 1])
    np.testing.assert_array_equal(table.loc["2024-02"].to_numpy(), [2, 1, 1, np.nan])
    assert table.attrs["skipped_before_start"] == [pd.Period("2023-12", "M")]
    assert table.attrs["skipped_unobserved"] == [pd.Period("2024-04", "M")]
    expected = oracle_survivors(COHORT_ACCOUNTS, "2024-04-30", "2024-01-01", churns=COHORT_CHURNS)
    assert {p: table.loc[p].dropna().tolist() for p in table.index} == expected


@pytest.mark.parametrize("as_of", ["2024-06-30", "2024-09-15", "2025-01-31"])
def test_cohort_survivors_equal_pandas_on_a_synthetic_book(as_of):
    data = rt.datasets.synthetic_saas(accounts=600, months=24, random_state=5)
    book = rt.Book(data.table("accounts"), mrr=data.table("mrr"))
    table = rt.survival.cohort_survivors(book, as_of=as_of)
    mrr = data.table("mrr")
    expected = oracle_survivors(data.table("accounts"), as_of, mrr=mrr)
    assert {p: table.loc[p].dropna().tolist() for p in table.index} == expected
    assert len(expected) > 5
    # Accounts signed before the MRR starts are in cohorts before start.
    assert min(table.attrs["skipped_before_start"]) < pd.Period("2023-01", "M")


def test_cohort_survivors_default_as_of_is_the_last_day_of_data():
    data = rt.datasets.synthetic_saas(accounts=200, months=12, random_state=1)
    book = rt.Book(data.table("accounts"), mrr=data.table("mrr"))
    table = rt.survival.cohort_survivors(book)
    assert table.attrs["as_of"] == pd.Timestamp("2023-12-31")  # the last MRR month's last day
    assert table.attrs["start"] == pd.Timestamp("2023-01-01")
    pd.testing.assert_frame_equal(table, rt.survival.cohort_survivors(book, as_of="2023-12-31"))


def test_cohort_survivors_errors():
    book = rt.Book(COHORT_ACCOUNTS, churns=COHORT_CHURNS)
    with pytest.raises(rt.InputError, match="start: is after as_of"):
        rt.survival.cohort_survivors(book, as_of="2024-04-30", start="2024-05-01")
    with pytest.raises(rt.InputError, match="as_of: cannot read the date"):
        rt.survival.cohort_survivors(book, as_of="soon")
    with pytest.raises(TypeError, match=r"book must be a retain\.Book"):
        rt.survival.cohort_survivors(COHORT_ACCOUNTS)


def test_a_bridge_churn_without_a_record_ends_tenure_too():
    # x pays Jan-Mar 2024 and stops (no record): lost on Apr 1, 91 days after signing on Jan 1.
    # y's record (Feb 10) is its churn; its bridge churn in March is that record's.
    accounts = pd.DataFrame({"account_id": ["x", "y"], "signed_at": ["2024-01-01"] * 2})
    mrr = pd.DataFrame({"account_id": ["x"] * 3 + ["y"] * 2 + ["z"] * 6,
                        "period": pd.PeriodIndex(["2024-01", "2024-02", "2024-03",
                                                  "2024-01", "2024-02", *[f"2024-0{m}" for
                                                                          m in range(1, 7)]],
                                                 freq="M"),
                        "mrr": 10.0})
    churns = pd.DataFrame({"account_id": ["y"], "churned_at": pd.to_datetime(["2024-02-10"])})
    accounts.loc[2] = ["z", "2024-01-01"]
    accounts["signed_at"] = pd.to_datetime(accounts["signed_at"])
    book = rt.Book(accounts, mrr=mrr, churns=churns)
    got = book.tenure("2024-06-30")
    assert got["churned"].tolist() == [True, True, False]
    assert got["duration"].tolist() == [91, 40, 181]
    expected, _ = oracle_tenure(accounts, "2024-06-30", churns=churns, mrr=mrr)
    assert got["duration"].tolist() == expected["duration"].tolist()
