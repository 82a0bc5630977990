"""The shifted-beta-geometric model against Fader and Hardie's published fits and scipy: its own
maximum-likelihood fit, the beta-function formulas and the hypergeometric closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

import retain as rt

SBG = rt.survival.ShiftedBetaGeometric


def scipy_fit(counts):
    n = np.asarray(counts, float)
    t = np.arange(1, len(n))

    def negative_ll(p):
        a, b = np.exp(p)
        log_p = betaln(a + 1, b + t - 1) - betaln(a, b)
        log_s = betaln(a, b + len(n) - 1) - betaln(a, b)
        return -(np.sum((n[:-1] - n[1:]) * log_p) + n[-1] * log_s)

    opts = {"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20_000}
    r = minimize(negative_ll, [0.0, 0.0], method="Nelder-Mead", options=opts)
    return *np.exp(r.x), -r.fun


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"),
    [
        ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182),  # "regular"
        ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806),  # "high end"
    ],
)
def test_published_fits(counts, alpha, beta):
    model = SBG().fit(counts)
    assert model.alpha_ == pytest.approx(alpha, abs=5e-4)
    assert model.beta_ == pytest.approx(beta, abs=5e-4)
    assert model.n_periods_ == 7


@pytest.mark.parametrize("seed", range(5))
def test_fit_matches_scipy_on_simulated_cohorts(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.3, 3.0), rng.uniform(0.5, 8.0)
    theta = rng.beta(a, b, size=5_000)
    lifetime = rng.geometric(theta)  # the period in which each customer churns
    periods = int(rng.integers(3, 12))
    counts = [int((lifetime > t).sum()) for t in range(periods + 1)]
    model = SBG().fit(counts)
    alpha, beta, ll = scipy_fit(counts)
    assert model.log_likelihood_ >= ll - 1e-8
    assert model.alpha_ == pytest.approx(alpha, rel=1e-4)
    assert model.beta_ == pytest.approx(beta, rel=1e-4)


def test_curves_and_lifetimes_equal_the_closed_forms():
    model = SBG().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    a, b = model.alpha_, model.beta_
    t = np.arange(0, 30)
    np.testing.assert_allclose(model.survival(t), np.exp(betaln(a, b + t) - betaln(a, b)))
    u = t[1:]
    np.testing.assert_allclose(model.retention(u), (b + u - 1) / (a + b + u - 1))
    np.testing.assert_allclose(
        model.churn_probability(u), np.exp(betaln(a + 1, b + u - 1) - betaln(a, b))
    )
    for d in (0.01, 0.1, 0.5):
        z = 1 / (1 + d)
        assert model.discounted_expected_lifetime(d) == pytest.approx(
            hyp2f1(1, b, a + b, z), rel=1e-10
        )
        for renewals in (0, 1, 4):
            n = renewals + 1
            closed = np.exp(betaln(a, b + n) - betaln(a, b + n - 1)) * hyp2f1(
                1, b + n, a + b + n, z
            )
            assert model.discounted_residual_lifetime(d, renewals) == pytest.approx(
                closed, rel=1e-10
            )


def test_bad_counts_and_calls_are_named():
    with pytest.raises(rt.InputError, match=r"survivors\[2\]: survivors cannot increase"):
        SBG().fit([100, 80, 90])
    with pytest.raises(rt.InputError, match=r"survivors\[1\]: must be a whole number"):
        SBG().fit([100, 80.5, 70])
    with pytest.raises(rt.InputError, match="at least two periods"):
        SBG().fit([100, 60])
    with pytest.raises(rt.InputError, match="nobody churned"):
        SBG().fit([100, 100, 100])
    with pytest.raises(rt.InputError, match="call fit"):
        SBG().survival(3)
    model = SBG().fit([1000, 631, 468, 382])
    with pytest.raises(rt.InputError, match="discount_rate: must be > 0"):
        model.discounted_expected_lifetime(0)
    with pytest.raises(rt.InputError, match="t: must be a whole period >= 1"):
        model.retention(0)
    assert SBG(max_iter=5).get_params() == {"max_iter": 5, "tol": 1e-10}
    assert "alpha_=" in repr(model)
