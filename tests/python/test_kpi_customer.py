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
