"""Customer KPIs of retain.kpi (satisfaction, grouped NPS, churn with an interval, upsell,
cross-sell, onboarding, time to value), each compared with a plain numpy/pandas/scipy
re-implementation written here from the documented definitions, plus hand-worked values and
bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import retain as rt

# ---------------------------------------------------------------------------------------------
# oracles


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half, centre + half)


def nps_oracle(scores: pd.Series) -> dict:
    n = len(scores)
    promoters = int((scores >= 9).sum())
    detractors = int((scores <= 6).sum())
    p, d = promoters / n, detractors / n
    stderr = 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    return {
        "nps": 100 * (p - d),
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
        "n": n,
        "stderr": stderr,
        "margin95": 1.96 * stderr,
    }


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------------------------------------
# wilson_interval, csat, ces


@pytest.mark.parametrize(
    ("successes", "n"), [(0, 1), (1, 1), (0, 10), (8, 10), (10, 10), (3, 7), (450, 1000)]
)
@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_wilson_interval_equals_the_formula(successes, n, confidence):
    lower, upper = rt.kpi.wilson_interval(successes, n, confidence)
    want = wilson(successes, n, confidence)
    assert lower == pytest.approx(max(0.0, want[0]), abs=1e-12)
    assert upper == pytest.approx(min(1.0, want[1]), abs=1e-12)


def test_wilson_interval_textbook_value_and_edges():
    lower, upper = rt.kpi.wilson_interval(8, 10)
    assert (round(lower, 4), round(upper, 4)) == (0.4902, 0.9433)
    assert rt.kpi.wilson_interval(0, 5)[0] == 0.0
    assert rt.kpi.wilson_interval(5, 5)[1] == 1.0
    assert all(math.isnan(x) for x in rt.kpi.wilson_interval(0, 0))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((11, 10), "successes"),
        ((-1, 10), "successes"),
        ((1, -2), "n:"),
        ((1, 2, 0.0), "confidence"),
        ((1, 2, 1.5), "confidence"),
        ((1.5, 2), "successes: must be a whole number"),
        ((1, 2, "95%"), "confidence: must be a confidence level"),
    ],
)
def test_wilson_interval_bad_arguments(args, match):
    with pytest.raises(rt.InputError, match=match):
        rt.kpi.wilson_interval(*args)


@pytest.mark.parametrize("seed", range(8))
def test_csat_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    scale = int(rng.integers(2, 11))
    satisfied_min = int(rng.integers(1, scale + 1))
    scores = pd.Series(rng.integers(1, scale + 1, size=int(rng.integers(1, 300))), name="answer")
    r = rt.kpi.csat(scores, scale=scale, satisfied_min=satisfied_min)
    satisfied = int((scores >= satisfied_min).sum())
    assert (r.satisfied, r.n) == (satisfied, len(scores))
    assert r.csat == satisfied / len(scores)
    lower, upper = wilson(satisfied, len(scores))
    assert r.ci_lower == pytest.approx(max(0.0, lower), abs=1e-12)
    assert r.ci_upper == pytest.approx(min(1.0, upper), abs=1e-12)


def test_csat_hand_worked_and_empty():
    r = rt.kpi.csat([5, 4, 3, 5, 1, 4, 2, 5, 5, 4])
    assert isinstance(r, rt.kpi.CsatResult)
    assert r[:3] == (0.7, 7, 10)
    assert (round(r.ci_lower, 4), round(r.ci_upper, 4)) == (0.3968, 0.8922)
    empty = rt.kpi.csat([])
    assert empty.n == 0 and empty.satisfied == 0
    assert math.isnan(empty.csat) and math.isnan(empty.ci_lower) and math.isnan(empty.ci_upper)


@pytest.mark.parametrize(
    ("scores", "kwargs", "match"),
    [
        (pd.Series([5, 0], name="answer"), {}, "column 'answer', row 1: CSAT score must be"),
        ([5, 6], {}, "row 1"),
        ([4.5], {}, "row 0"),
        ([4, np.nan], {}, "row 1"),
        ([8], {"scale": 7, "satisfied_min": 5}, "from 1 to 7"),
        ([1], {"scale": 1, "satisfied_min": 1}, "scale"),
        ([1], {"satisfied_min": 6}, "satisfied_min"),
        ([1], {"satisfied_min": 0}, "satisfied_min"),
        ([1], {"scale": 5.5}, "scale: must be a whole number"),
        (["a"], {}, "numeric"),
    ],
)
def test_csat_bad_inputs(scores, kwargs, match):
    with pytest.raises(rt.InputError, match=match):
        rt.kpi.csat(scores, **kwargs)


@pytest.mark.parametrize("seed", range(8))
def test_ces_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 8, size=int(rng.integers(2, 200))).astype(float)
    r = rt.kpi.ces(scores)
    n = len(scores)
    mean, std = scores.mean(), scores.std(ddof=1)
    half = stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)
    assert r.n == n
    assert r.ces == pytest.approx(mean, rel=1e-13)
    assert r.std == pytest.approx(std, rel=1e-12)
    assert r.ci_lower == pytest.approx(mean - half, rel=1e-10)
    assert r.ci_upper == pytest.approx(mean + half, rel=1e-10)
    # scipy's own interval for a mean, the same thing by another route.
    lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(scores))
    assert (r.ci_lower, r.ci_upper) == pytest.approx((lo, hi), rel=1e-10)


def test_ces_hand_worked_small_and_bad():
    r = rt.kpi.ces([2, 3, 4, 5, 6])
    assert isinstance(r, rt.kpi.CesResult)
    assert (r.ces, r.n) == (4.0, 5)
    assert r.std == pytest.approx(math.sqrt(2.5))
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert (r.ci_lower, r.ci_upper) == pytest.approx((4 - half, 4 + half))
    one = rt.kpi.ces([3])
    assert one.ces == 3.0 and one.n == 1
    assert math.isnan(one.std) and math.isnan(one.ci_lower) and math.isnan(one.ci_upper)
    empty = rt.kpi.ces([])
    assert empty.n == 0 and math.isnan(empty.ces)
    with pytest.raises(
        rt.InputError, match="column 'effort', row 2: effort score must be a finite number, got nan"
    ):
        rt.kpi.ces(pd.Series([1.0, 2.0, np.nan], name="effort"))
    with pytest.raises(rt.InputError, match="row 0"):
        rt.kpi.ces([np.inf])


# ---------------------------------------------------------------------------------------------
# nps_by


@pytest.mark.parametrize("seed", range(6))
def test_nps_by_equals_a_groupby_of_the_oracle(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    surveys = pd.DataFrame(
        {
            "plan": rng.choice(["pro", "starter", "enterprise"], size=n),
            "region": rng.integers(0, 3, size=n),
            "answer": rng.integers(0, 11, size=n),
        }
    )
    for by in ("plan", ["plan", "region"]):
        got = rt.kpi.nps_by(surveys, by=by, score="answer")
        want = pd.DataFrame(
            {key: nps_oracle(g["answer"]) for key, g in surveys.groupby(by, sort=True)}
        ).T
        assert list(got.columns) == [
            "nps",
            "promoters",
            "passives",
            "detractors",
            "n",
            "stderr",
            "margin95",
        ]
        assert list(got.index) == list(want.index)
        assert got.index.names == ([by] if isinstance(by, str) else by)
        for column in got.columns:
            for a, b in zip(got[column], want[column], strict=True):
                assert close(float(a), float(b)), column
        assert (got["n"].dtype, got["promoters"].dtype) == (np.int64, np.int64)


def test_nps_by_hand_worked_empty_and_bad():
    surveys = pd.DataFrame({"plan": ["a", "b", "a", "b", "a"], "score": [10, 0, 9, 7, 3]})
    got = rt.kpi.nps_by(surveys, by="plan")
    assert got.loc["a", "nps"] == pytest.approx(100 / 3)
    assert got.loc["b", "nps"] == -50.0
    assert got.loc["b"].drop(["nps", "stderr", "margin95"]).tolist() == [0, 1, 1, 2]
    empty = rt.kpi.nps_by(surveys.iloc[:0], by="plan")
    assert empty.empty and empty.columns[0] == "nps"
    with pytest.raises(rt.InputError, match="column 'score', row 1: NPS score"):
        rt.kpi.nps_by(surveys.assign(score=[10, 11, 9, 7, 3]), by="plan")
    with pytest.raises(rt.InputError, match="column 'plan', row 2: missing group key"):
        rt.kpi.nps_by(surveys.assign(plan=["a", "b", None, "b", "a"]), by="plan")
    with pytest.raises(rt.ColumnError, match="segment"):
        rt.kpi.nps_by(surveys, by="segment")
    with pytest.raises(rt.ColumnError, match="answer"):
        rt.kpi.nps_by(surveys, by="plan", score="answer")


# ---------------------------------------------------------------------------------------------
# churn_rate with ci, upsell_rate


def random_mrr(seed: int, n_accounts: int = 60, n_months: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_accounts):
        for m in range(n_months):
            if rng.random() < 0.6:
                rows.append((f"acct{a}", m, float(rng.choice([0, 10, 20, 50]))))
    return pd.DataFrame(rows, columns=["account_id", "period", "mrr"])


def movements_oracle(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.pivot_table(index="account_id", columns="period", values="mrr", aggfunc="sum")
    wide = wide.reindex(columns=range(df["period"].min(), df["period"].max() + 1)).fillna(0.0)
    prev = wide.shift(1, axis=1, fill_value=0.0)
    paying, was = wide > 0, prev > 0
    return pd.DataFrame(
        {
            "starting_accounts": was.sum(),
            "churned_accounts": (was & ~paying).sum(),
            "expansion_accounts": (was & paying & (wide > prev)).sum(),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_churn_rate_with_ci_equals_the_oracle(seed):
    df = random_mrr(seed, n_accounts=int(np.random.default_rng(seed).integers(5, 80)))
    mv = rt.kpi.mrr_movements(df)
    got = rt.kpi.churn_rate(mv, kind="logo", ci=0.9)
    want = movements_oracle(df)
    assert list(got.columns) == ["churn_rate", "ci_lower", "ci_upper", "n", "small_sample"]
    assert got["n"].tolist() == want["starting_accounts"].tolist()
    assert got["small_sample"].tolist() == (want["starting_accounts"] < 30).tolist()
    pairs = zip(want["churned_accounts"], want["starting_accounts"], strict=True)
    for k, (s, n) in enumerate(pairs):
        rate = s / n if n else math.nan
        lower, upper = wilson(int(s), int(n), 0.9)
        assert close(got["churn_rate"].iloc[k], rate)
        assert close(got["ci_lower"].iloc[k], max(0.0, lower) if n else math.nan)
        assert close(got["ci_upper"].iloc[k], min(1.0, upper) if n else math.nan)
    # The rate is the one churn_rate gives without ci.
    plain = rt.kpi.churn_rate(mv, kind="logo")
    assert plain.name == "logo_churn"
    np.testing.assert_array_equal(got["churn_rate"].to_numpy(), plain.to_numpy())


def test_churn_rate_ci_hand_worked_and_refused_for_revenue():
    # January: a, b and c pay; February: only a.
    df = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "a"],
            "period": pd.PeriodIndex(["2024-01"] * 3 + ["2024-02"], freq="M"),
            "mrr": [10.0, 10.0, 10.0, 10.0],
        }
    )
    mv = rt.kpi.mrr_movements(df)
    got = rt.kpi.churn_rate(mv, ci=0.95)
    feb = got.loc[pd.Period("2024-02", "M")]
    assert feb["churn_rate"] == pytest.approx(2 / 3)
    assert (feb["n"], bool(feb["small_sample"])) == (3, True)
    assert (feb["ci_lower"], feb["ci_upper"]) == pytest.approx(wilson(2, 3))
    assert math.isnan(got["churn_rate"].iloc[0]) and got["n"].iloc[0] == 0
    for kind in ("gross_revenue", "net_revenue"):
        with pytest.raises(rt.InputError, match="account counts only"):
            rt.kpi.churn_rate(mv, kind=kind, ci=0.95)
    with pytest.raises(rt.InputError, match="ci:"):
        rt.kpi.churn_rate(mv, ci=1.5)
    with pytest.raises(rt.InputError, match="ci:"):
        rt.kpi.churn_rate(mv, ci="95%")


@pytest.mark.parametrize("seed", range(5))
def test_upsell_rate_equals_the_oracle(seed):
    df = random_mrr(seed)
    got = rt.kpi.upsell_rate(rt.kpi.mrr_movements(df))
    want = movements_oracle(df)
    expected = (want["expansion_accounts"] / want["starting_accounts"].replace(0, np.nan)).tolist()
    assert got.name == "upsell_rate"
    for a, b in zip(got, expected, strict=True):
        assert close(a, b)


def test_upsell_rate_hand_worked():
    # a: 10 -> 20 (expansion), b: 10 -> 10: one of two accounts upsold in February.
    df = pd.DataFrame(
        {"account_id": ["a", "b", "a", "b"], "period": [1, 1, 2, 2], "mrr": [10, 10, 20, 10.0]}
    )
    got = rt.kpi.upsell_rate(rt.kpi.mrr_movements(df))
    assert math.isnan(got.loc[1]) and got.loc[2] == 0.5


# ---------------------------------------------------------------------------------------------
# cross_sell_rate


def cross_sell_oracle(df: pd.DataFrame) -> pd.Series:
    sums = df.groupby(["account", "month", "sku"])["mrr"].sum()
    paid = sums[sums > 0].reset_index()
    products = {
        (a, m): set(g["sku"]) for (a, m), g in paid.groupby(["account", "month"], sort=False)
    }
    months = range(df["month"].min() + 1, df["month"].max() + 1)
    values = []
    for p in months:
        base = [a for (a, m) in products if m == p - 1]
        crossed = [a for a in base if products.get((a, p), set()) - products[(a, p - 1)]]
        values.append(len(crossed) / len(base) if base else math.nan)
    return pd.Series(values, index=list(months), dtype=float)


@pytest.mark.parametrize("seed", range(8))
def test_cross_sell_rate_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    df = pd.DataFrame(
        {
            "account": rng.integers(0, 30, size=n),
            "month": rng.integers(600, 600 + int(rng.integers(1, 8)), size=n),
            "sku": rng.choice(["seats", "storage", "support", "api"], size=n),
            "mrr": rng.choice([0.0, 5.0, 10.0], size=n),
        }
    )
    got = rt.kpi.cross_sell_rate(df, account="account", period="month", product="sku", mrr="mrr")
    want = cross_sell_oracle(df)
    assert got.name == "cross_sell_rate"
    assert list(got.index) == list(want.index)
    for a, b in zip(got, want, strict=True):
        assert close(a, b)


def test_cross_sell_rate_hand_worked():
    # Jan: a {crm}, b {crm}; Feb: a {crm, chat}, b {crm}, c {chat} (new); Mar: c {chat, crm},
    # a {chat}, b {crm} plus a chat line item at 0. Feb: a of {a, b}; Mar: c of {a, b, c}.
    df = pd.DataFrame(
        {
            "account_id": ["a", "b", "a", "a", "b", "c", "c", "c", "a", "b", "b"],
            "period": ["2024-01"] * 2 + ["2024-02"] * 4 + ["2024-03"] * 5,
            "product": "crm crm crm chat crm chat chat crm chat crm chat".split(),
            "mrr": [10, 10, 10, 5, 10, 5, 5, 5, 5, 10, 0.0],
        }
    )
    got = rt.kpi.cross_sell_rate(df)
    assert list(got.index) == list(pd.PeriodIndex(["2024-02", "2024-03"], freq="M"))
    assert got.tolist() == pytest.approx([1 / 2, 1 / 3])


def test_cross_sell_rate_empty_and_bad_inputs():
    cols = {"account_id": [], "period": pd.PeriodIndex([], freq="M"), "product": [], "mrr": []}
    assert rt.kpi.cross_sell_rate(pd.DataFrame(cols)).empty
    one = pd.DataFrame({"account_id": ["a"], "period": [3], "product": ["x"], "mrr": [1.0]})
    assert rt.kpi.cross_sell_rate(one).empty  # one period: no period has a previous one
    df = pd.DataFrame(
        {"account_id": ["a", "a"], "period": [1, 2], "product": ["x", "y"], "mrr": [1.0, -2.0]}
    )
    with pytest.raises(rt.InputError, match="column 'mrr', row 1: MRR must be"):
        rt.kpi.cross_sell_rate(df)
    with pytest.raises(rt.InputError, match="column 'product', row 0: missing product"):
        rt.kpi.cross_sell_rate(df.assign(product=[None, "y"], mrr=1.0))
    with pytest.raises(rt.InputError, match="column 'account_id', row 1: missing account id"):
        rt.kpi.cross_sell_rate(df.assign(account_id=["a", None], mrr=1.0))
    with pytest.raises(rt.ColumnError, match="sku"):
        rt.kpi.cross_sell_rate(df, product="sku")


# ---------------------------------------------------------------------------------------------
# onboarding_completion, time_to_value

AS_OF = pd.Timestamp("2024-06-30")


def example_onboarding() -> tuple[pd.DataFrame, pd.DataFrame]:
    # a: kickoff 01-12, report 02-05 (day 26)       eligible, completed within 30 days
    # b: report 03-01 (day 41)                       eligible, too late
    # c: kickoff only; a webinar is not required     eligible, not done
    # d: signed 06-15: both within days              pending (window to 07-15)
    # e: signed 07-05, after as_of                   not counted
    # f: signed 05-20: report 07-01, after as_of     eligible, not done
    accounts = pd.DataFrame(
        {
            "account_id": list("abcdef"),
            "signed_at": pd.to_datetime(
                ["2024-01-10", "2024-01-20", "2024-02-15", "2024-06-15", "2024-07-05", "2024-05-20"]
            ),
        }
    )
    milestones = pd.DataFrame(
        {
            "account_id": list("aaabbccddff"),
            "milestone": "kickoff kickoff report kickoff report kickoff webinar kickoff report "
            "kickoff report".split(),
            "reached_at": pd.to_datetime(
                "2024-01-12 2024-03-01 2024-02-05 2024-01-21 2024-03-01 2024-02-16 2024-02-20 "
                "2024-06-16 2024-06-20 2024-05-21 2024-07-01".split()
            ),
        }
    )
    return accounts, milestones


def onboarding_oracle(accounts, milestones, required, within_days, as_of):
    as_of = pd.Timestamp(as_of).floor("D")
    signed = accounts.set_index("account_id")["signed_at"].dt.floor("D")
    signed = signed[signed <= as_of]
    ms = milestones[milestones["milestone"].isin(required)].copy()
    ms["reached_at"] = ms["reached_at"].dt.floor("D")
    ms = ms[ms["reached_at"] <= as_of]
    ms = ms.join(signed.rename("signed"), on="account_id")
    ms = ms[ms["reached_at"] <= ms["signed"] + pd.Timedelta(days=within_days)]
    done = ms.groupby("account_id")["milestone"].nunique()
    frame = pd.DataFrame({"signed": signed})
    frame["cohort"] = frame["signed"].dt.to_period("M")
    frame["eligible"] = frame["signed"] + pd.Timedelta(days=within_days) <= as_of
    frame["pending"] = ~frame["eligible"]
    frame["completed"] = frame["eligible"] & (done.reindex(frame.index).fillna(0) == len(required))

    def summarise(part):
        completed, eligible = int(part["completed"].sum()), int(part["eligible"].sum())
        lower, upper = wilson(completed, eligible)
        return {
            "completed": completed,
            "eligible": eligible,
            "pending": int(part["pending"].sum()),
            "rate": completed / eligible if eligible else math.nan,
            "ci_lower": max(0.0, lower) if eligible else math.nan,
            "ci_upper": min(1.0, upper) if eligible else math.nan,
            "small_sample": eligible < 30,
        }

    by_cohort = {c: summarise(g) for c, g in frame.groupby("cohort", sort=True)}
    return by_cohort, summarise(frame)


def assert_rows_equal(got: pd.Series, want: dict):
    for key, value in want.items():
        if isinstance(value, float):
            assert close(float(got[key]), value), key
        else:
            assert got[key] == value, key


def test_onboarding_completion_hand_worked():
    accounts, milestones = example_onboarding()
    r = rt.kpi.onboarding_completion(
        accounts, milestones, required=["kickoff", "report"], within_days=30, as_of=AS_OF
    )
    assert isinstance(r, rt.kpi.OnboardingCompletion)
    assert list(r.by_cohort.index) == list(
        pd.PeriodIndex(["2024-01", "2024-02", "2024-05", "2024-06"], freq="M")
    )
    assert r.by_cohort.index.name == "cohort"
    assert list(r.by_cohort.columns) == [
        "completed",
        "eligible",
        "pending",
        "rate",
        "ci_lower",
        "ci_upper",
        "small_sample",
    ]
    assert r.by_cohort["completed"].tolist() == [1, 0, 0, 0]
    assert r.by_cohort["eligible"].tolist() == [2, 1, 1, 0]
    assert r.by_cohort["pending"].tolist() == [0, 0, 0, 1]
    assert r.by_cohort["rate"].iloc[0] == 0.5 and math.isnan(r.by_cohort["rate"].iloc[3])
    assert (r.overall["completed"], r.overall["eligible"], r.overall["pending"]) == (1, 4, 1)
    assert r.overall["rate"] == 0.25
    assert (r.overall["ci_lower"], r.overall["ci_upper"]) == pytest.approx(wilson(1, 4))


def test_onboarding_milestones_after_as_of_do_not_count():
    # g signed 04-01 reached kickoff 04-05 and report 04-20, both within 30 days of signing.
    accounts = pd.DataFrame({"account_id": ["g"], "signed_at": pd.to_datetime(["2024-04-01"])})
    milestones = pd.DataFrame(
        {
            "account_id": ["g", "g"],
            "milestone": ["kickoff", "report"],
            "reached_at": pd.to_datetime(["2024-04-05", "2024-04-20"]),
        }
    )
    req = ["kickoff", "report"]
    done = rt.kpi.onboarding_completion(accounts, milestones, req, 30, as_of="2024-05-01")
    assert (done.overall["eligible"], done.overall["completed"]) == (1, 1)
    # Reported on 04-15 with a 10-day window (ended 04-11): eligible, and the report of 04-20 is
    # after as_of, so it is not counted (it would also be late here).
    early = rt.kpi.onboarding_completion(accounts, milestones, req, 10, as_of="2024-04-15")
    assert (early.overall["eligible"], early.overall["completed"]) == (1, 0)
    # With the 30-day window on 04-15 g is pending: not failed, not completed.
    pending = rt.kpi.onboarding_completion(accounts, milestones, req, 30, as_of="2024-04-15")
    assert (pending.overall["pending"], pending.overall["eligible"]) == (1, 0)
    # Time to value on 04-15: the report of 04-20 is not known yet, so g is censored at 14 days.
    t = rt.kpi.time_to_value(accounts, milestones, "report", as_of="2024-04-15")
    assert t.per_account[["days", "reached"]].values.tolist() == [[14.0, False]]


@pytest.mark.parametrize("seed", range(8))
def test_onboarding_completion_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    start = np.datetime64("2023-01-01")
    accounts = pd.DataFrame(
        {
            "account_id": [f"acct{i}" for i in range(n)],
            "signed_at": pd.to_datetime(start + rng.integers(0, 540, size=n))
            + pd.to_timedelta(rng.integers(0, 86_400, size=n), unit="s"),
        }
    )
    k = int(rng.integers(0, 4 * n))
    who = rng.integers(0, n, size=k)
    milestones = pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy()[who],
            "milestone": rng.choice(["kickoff", "integration", "report", "training"], size=k),
            "reached_at": accounts["signed_at"].to_numpy()[who]
            + pd.to_timedelta(rng.integers(-5, 150, size=k), unit="D"),
        }
    )
    required = ["kickoff", "integration", "report"][: int(rng.integers(1, 4))]
    within = int(rng.integers(0, 120))
    as_of = pd.Timestamp("2024-03-15 12:00")
    got = rt.kpi.onboarding_completion(
        accounts, milestones, required, within_days=within, as_of=as_of
    )
    by_cohort, overall = onboarding_oracle(accounts, milestones, required, within, as_of)
    assert list(got.by_cohort.index) == list(by_cohort)
    for cohort, want in by_cohort.items():
        assert_rows_equal(got.by_cohort.loc[cohort], want)
    assert_rows_equal(got.overall, overall)


def test_onboarding_completion_empty_and_bad_inputs():
    accounts, milestones = example_onboarding()
    req = ["kickoff", "report"]
    empty = rt.kpi.onboarding_completion(accounts, milestones, req, as_of="2023-01-01")
    assert empty.by_cohort.empty
    assert empty.overall["eligible"] == 0 and math.isnan(empty.overall["rate"])
    with pytest.raises(rt.InputError, match="required: give at least one"):
        rt.kpi.onboarding_completion(accounts, milestones, [], as_of=AS_OF)
    with pytest.raises(rt.InputError, match="within_days"):
        rt.kpi.onboarding_completion(accounts, milestones, req, within_days=-1, as_of=AS_OF)
    with pytest.raises(rt.InputError, match="within_days: must be a whole number"):
        rt.kpi.onboarding_completion(accounts, milestones, req, within_days=1.5, as_of=AS_OF)
    with pytest.raises(rt.InputError, match="as_of: cannot read date"):
        rt.kpi.onboarding_completion(accounts, milestones, req, as_of="not a date")
    with pytest.raises(rt.InputError, match="row 3: account 'zz' is not in the accounts table"):
        bad = milestones.copy()
        bad.loc[3, "account_id"] = "zz"
        rt.kpi.onboarding_completion(accounts, bad, req, as_of=AS_OF)
    with pytest.raises(rt.InputError, match="row 2: account 'a' appears twice"):
        rt.kpi.onboarding_completion(
            accounts.assign(account_id=["a", "b", "a", "d", "e", "f"]), milestones, req, as_of=AS_OF
        )
    with pytest.raises(rt.InputError, match="column 'signed_at', row 1: missing date"):
        rt.kpi.onboarding_completion(
            accounts.assign(
                signed_at=[accounts["signed_at"][0], pd.NaT, *accounts["signed_at"][2:]]
            ),
            milestones,
            req,
            as_of=AS_OF,
        )
    text = milestones.assign(reached_at=milestones["reached_at"].dt.strftime("%Y-%m-%d"))
    text.loc[4, "reached_at"] = "2024-13-01"
    with pytest.raises(
        rt.InputError, match=r"column 'reached_at', row 4: cannot read '2024-13-01' as a date"
    ):
        rt.kpi.onboarding_completion(accounts, text, req, as_of=AS_OF)
    with pytest.raises(rt.InputError, match="column 'milestone', row 0: missing milestone"):
        rt.kpi.onboarding_completion(
            accounts,
            milestones.assign(milestone=[None, *milestones["milestone"][1:]]),
            req,
            as_of=AS_OF,
        )
    with pytest.raises(rt.InputError, match="column 'signed_at': give dates"):
        rt.kpi.onboarding_completion(accounts.assign(signed_at=1), milestones, req, as_of=AS_OF)
    with pytest.raises(rt.ColumnError, match="reached"):
        rt.kpi.onboarding_completion(accounts, milestones, req, as_of=AS_OF, reached_at="reached")


def test_onboarding_dates_as_text_and_tz_aware_give_the_same_result():
    accounts, milestones = example_onboarding()
    want = rt.kpi.onboarding_completion(
        accounts, milestones, ["kickoff", "report"], 30, as_of=AS_OF
    )
    text = rt.kpi.onboarding_completion(
        accounts.assign(signed_at=accounts["signed_at"].dt.strftime("%Y-%m-%d")),
        milestones.assign(reached_at=milestones["reached_at"].dt.strftime("%Y-%m-%d")),
        ["kickoff", "report"],
        30,
        as_of="2024-06-30",
    )
    zoned = rt.kpi.onboarding_completion(
        accounts.assign(signed_at=accounts["signed_at"].dt.tz_localize("America/New_York")),
        milestones,
        ["kickoff", "report"],
        30,
        as_of=AS_OF.tz_localize("Asia/Tokyo"),
    )
    pd.testing.assert_frame_equal(text.by_cohort, want.by_cohort)
    pd.testing.assert_frame_equal(zoned.by_cohort, want.by_cohort)


def ttv_oracle(accounts, milestones, name, as_of):
    from lifelines import KaplanMeierFitter

    as_of = pd.Timestamp(as_of).floor("D")
    signed = accounts.set_index("account_id")["signed_at"].dt.floor("D")
    signed = signed[signed <= as_of]
    ms = milestones[(milestones["milestone"] == name)].copy()
    ms["reached_at"] = ms["reached_at"].dt.floor("D")
    first = ms[ms["reached_at"] <= as_of].groupby("account_id")["reached_at"].min()
    first = first.reindex(signed.index)
    reached = first.notna()
    days = np.where(
        reached, np.maximum((first - signed).dt.days.fillna(0), 0), (as_of - signed).dt.days
    ).astype(float)
    quantiles = {}
    if len(days):
        km = KaplanMeierFitter().fit(days, reached.to_numpy())
        sf = km.survival_function_.iloc[:, 0]
        for key, q in (("median", 0.5), ("p75", 0.75), ("p90", 0.9)):
            below = sf[sf <= 1 - q]
            quantiles[key] = float(below.index[0]) if len(below) else math.inf
    else:
        quantiles = dict.fromkeys(("median", "p75", "p90"), math.nan)
    return pd.DataFrame(
        {"account_id": signed.index, "days": days, "reached": reached.to_numpy()}
    ), quantiles


def test_time_to_value_hand_worked():
    accounts, milestones = example_onboarding()
    t = rt.kpi.time_to_value(accounts, milestones, "report", as_of=AS_OF)
    assert isinstance(t, rt.kpi.TimeToValue)
    assert t.per_account["account_id"].tolist() == list("abcdf")
    assert t.per_account["days"].tolist() == [26, 41, 136, 5, 41]
    # f's report on 07-01 comes after as_of: censored at 41 days, not reached.
    assert t.per_account["reached"].tolist() == [True, True, False, True, False]
    # S(5) = 4/5, S(26) = 3/5, S(41) = 2/5: the median is 41, survival never reaches 1/4.
    assert t.summary["median"] == 41.0
    assert math.isinf(t.summary["p75"]) and math.isinf(t.summary["p90"])
    kickoff = rt.kpi.time_to_value(accounts, milestones, "kickoff", as_of=AS_OF)
    assert kickoff.per_account["days"].tolist() == [2, 1, 1, 1, 1]
    # S(1) = 1/5 (four of five on day 1), S(2) = 0: median and p75 1, p90 needs S <= 0.1: day 2.
    assert kickoff.summary.tolist() == [1.0, 1.0, 2.0]


@pytest.mark.parametrize("seed", range(8))
def test_time_to_value_equals_the_oracle(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    start = np.datetime64("2023-06-01")
    accounts = pd.DataFrame(
        {
            "account_id": rng.permutation(n) * 7,
            "signed_at": pd.to_datetime(start + rng.integers(0, 300, size=n)),
        }
    )
    k = int(rng.integers(0, 3 * n))
    who = rng.integers(0, n, size=k)
    milestones = pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy()[who],
            "milestone": rng.choice(["kickoff", "first_value"], size=k),
            "reached_at": accounts["signed_at"].to_numpy()[who]
            + pd.to_timedelta(rng.integers(-3, 200, size=k), unit="D"),
        }
    )
    as_of = "2024-02-01"
    t = rt.kpi.time_to_value(accounts, milestones, "first_value", as_of=as_of)
    per_account, quantiles = ttv_oracle(accounts, milestones, "first_value", as_of)
    pd.testing.assert_frame_equal(t.per_account, per_account)
    assert t.summary.to_dict() == quantiles


def test_time_to_value_empty_and_bad():
    accounts, milestones = example_onboarding()
    none = rt.kpi.time_to_value(accounts, milestones, "report", as_of="2020-01-01")
    assert none.per_account.empty and list(none.per_account.columns) == [
        "account_id",
        "days",
        "reached",
    ]
    assert none.summary.isna().all()
    with pytest.raises(rt.InputError, match="as_of: a date is required"):
        rt.kpi.time_to_value(accounts, milestones, "report", as_of=pd.NaT)
    with pytest.raises(rt.InputError, match="milestone: give the name of one milestone"):
        rt.kpi.time_to_value(accounts, milestones, ["report", "kickoff"], as_of=AS_OF)
    with pytest.raises(rt.ColumnError, match="step"):
        rt.kpi.time_to_value(accounts, milestones, "report", as_of=AS_OF, milestone_col="step")
