"""rt.kpi.ltv's three lifetimes (issue 11): the formula, a Kaplan-Meier curve and an sBG model,
against lifelines' curve and sums written here from the definitions."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy.special import betaln

import retain as rt


def test_survival_ltv_is_the_discounted_sum_of_the_curve_at_each_payment():
    # Durations 1, 2, 2, 3 months, all churned: S(0) = 1, S(1) = 3/4, S(2) = 1/4, S(3) = 0.
    # Undiscounted: 1 + 0.75 + 0.25 = 2 payments; 100 x 0.5 x 2 = 100.
    durations, observed = [1, 2, 2, 3], [1, 1, 1, 1]
    km = rt.survival.kaplan_meier(durations, observed)
    assert rt.kpi.ltv(
        100, 0.5, method="survival", curve=km, horizon=12, period=1
    ) == pytest.approx(100.0)
    # Discounted at 10 % a month: 1 + 0.75 / 1.1 + 0.25 / 1.21.
    expected = 100 * 0.5 * (1 + 0.75 / 1.1 + 0.25 / 1.21)
    got = rt.kpi.ltv(100, 0.5, None, 0.1, method="survival", curve=km, horizon=12, period=1)
    assert got == pytest.approx(expected, rel=1e-12)


def test_survival_ltv_matches_lifelines_curve_on_random_tenures():
    rng = np.random.default_rng(3)
    days = rng.exponential(400, 500).round() + 1
    churned = rng.random(500) < 0.7
    entry = np.minimum(rng.integers(0, 200, 500), days - 1)
    km = rt.survival.kaplan_meier(days, churned, entry=entry)
    fitter = KaplanMeierFitter().fit(days, churned, entry=entry)
    period, horizon, d = 30.4375, 730.0, 0.01
    t = np.arange(0, horizon, period)
    s = fitter.survival_function_at_times(t).to_numpy()
    expected = 120 * 0.8 * float(np.sum(s / (1 + d) ** np.arange(len(t))))
    got = rt.kpi.ltv(
        120, 0.8, discount_rate=d, method="survival", curve=km, horizon=horizon, period=period
    )
    assert got == pytest.approx(expected, rel=1e-10)


def test_a_geometric_curve_gives_the_formula():
    c, d = 1 / 12, 0.01
    t = np.arange(0, 3000)
    curve = pd.DataFrame({"time": t.astype(float), "survival": (1 - c) ** t})
    via_curve = rt.kpi.ltv(
        50_000, 0.75, discount_rate=d, method="survival", curve=curve, horizon=np.inf, period=1
    )
    assert via_curve == pytest.approx(rt.kpi.ltv(50_000, 0.75, c, d), rel=1e-9)


def test_sbg_ltv_is_the_discounted_expected_residual_lifetime():
    model = rt.survival.ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326])
    a, b = model.alpha_, model.beta_
    d = 0.1

    def survival(t):  # S(t) = B(a, b + t) / B(a, b)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    for renewals in (0, 3):
        n = renewals + 1
        t = np.arange(n, n + 2_000)  # (1.1)^-2000 is far below rounding
        derl = float(np.sum(survival(t) / survival(n - 1) / (1 + d) ** (t - n)))
        got = rt.kpi.ltv(200, 0.7, discount_rate=d, method="sbg", model=model, renewals=renewals)
        assert got == pytest.approx(200 * 0.7 * derl, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "cohort"}, "method: must be one of"),
        ({"method": "survival", "horizon": 12}, "needs curve="),
        ({"method": "survival", "horizon": 12, "curve": "km"}, "period: give one billing period"),
        ({"method": "sbg"}, "needs model="),
        ({"churn_rate": 0.1, "method": "sbg", "model": object()}, "churn_rate: not used"),
        ({"churn_rate": 0.1, "horizon": 12}, "horizon: not used by method='formula'"),
        ({}, "churn_rate: give the monthly churn rate"),
    ],
)
def test_bad_ltv_arguments_name_the_argument(kwargs, match):
    with pytest.raises(rt.InputError, match=match):
        rt.kpi.ltv(100, 0.5, **kwargs)


def test_bad_margin_with_a_curve_is_named():
    km = rt.survival.kaplan_meier([1, 2], [1, 1])
    with pytest.raises(rt.InputError, match="gross_margin"):
        rt.kpi.ltv(100, 1.5, method="survival", curve=km, horizon=6, period=1)
