"""The shifted-beta-geometric model against Fader and Hardie's published fits and scipy: its own
maximum-likelihood fit (one cohort, and several cohorts of different lengths jointly), the
beta-function formulas and the hypergeometric closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1

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
    with pytest.raises(rt.NotFittedError, match="not fitted yet; call fit"):
        SBG().survival(3)
    model = SBG().fit([1000, 631, 468, 382])
    with pytest.raises(rt.InputError, match="discount_rate: must be > 0"):
        model.discounted_expected_lifetime(0)
    with pytest.raises(rt.InputError, match="t: must be a whole period >= 1"):
        model.retention(0)
    assert SBG(max_iter=5).get_params() == {"max_iter": 5, "tol": 1e-10}
    assert "alpha_=" in repr(model)


# ------------------------------------------------------------------------- several cohorts


def joint_negative_ll(log_params, cohorts):
    """Fader and Hardie's multi-cohort likelihood, negated: per cohort, the customers lost in
    period t add log P(T = t), the last survivors log S(T)."""
    a, b = np.exp(log_params)
    total = 0.0
    for n in cohorts:
        n = np.asarray(n, float)
        t = np.arange(1, len(n))
        total += np.sum((n[:-1] - n[1:]) * (betaln(a + 1, b + t - 1) - betaln(a, b)))
        total += n[-1] * (betaln(a, b + len(n) - 1) - betaln(a, b))
    return -total


def joint_gradient(log_params, cohorts):
    """d(-LL)/d(log alpha, log beta), from d log B(x, y)/dx = psi(x) - psi(x + y)."""
    a, b = np.exp(log_params)
    ga = gb = 0.0
    for n in cohorts:
        n = np.asarray(n, float)
        t = np.arange(1, len(n))
        lost, last, size = n[:-1] - n[1:], n[-1], n[0]
        x, y = a + 1, b + t - 1
        ga += np.sum(lost * (digamma(x) - digamma(x + y)))
        gb += np.sum(lost * (digamma(y) - digamma(x + y)))
        y = b + len(n) - 1
        ga += last * (digamma(a) - digamma(a + y))
        gb += last * (digamma(y) - digamma(a + y))
        ga -= size * (digamma(a) - digamma(a + b))
        gb -= size * (digamma(b) - digamma(a + b))
    return -np.array([ga * a, gb * b])


def scipy_joint_fit(cohorts):
    opts = {"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000}
    rough = minimize(
        joint_negative_ll, [0.0, 0.0], args=(cohorts,), method="Nelder-Mead", options=opts
    )
    fine = minimize(
        joint_negative_ll,
        rough.x,
        args=(cohorts,),
        jac=joint_gradient,
        method="BFGS",
        options={"gtol": 1e-10},
    )
    return *np.exp(fine.x), -fine.fun


def simulated_cohorts(rng, a, b, sizes, lengths):
    cohorts = []
    for size, length in zip(sizes, lengths, strict=True):
        lifetime = rng.geometric(rng.beta(a, b, size=size))
        cohorts.append([int((lifetime > t).sum()) for t in range(length + 1)])
    return cohorts


def as_table(cohorts):
    width = max(len(c) for c in cohorts)
    values = np.full((len(cohorts), width), np.nan)
    for k, c in enumerate(cohorts):
        values[k, : len(c)] = c
    index = pd.period_range("2023-01", periods=len(cohorts), freq="M", name="cohort")
    return pd.DataFrame(values, index=index)


@pytest.mark.parametrize("seed", range(5))
def test_fit_cohorts_matches_scipy_on_simulated_cohorts(seed):
    rng = np.random.default_rng(100 + seed)
    a, b = rng.uniform(0.4, 2.5), rng.uniform(0.8, 6.0)
    n_cohorts = int(rng.integers(3, 10))
    lengths = sorted(rng.integers(1, 14, size=n_cohorts), reverse=True)  # later: fewer periods
    cohorts = simulated_cohorts(rng, a, b, rng.integers(50, 800, size=n_cohorts), lengths)
    model = SBG().fit_cohorts(as_table(cohorts))
    alpha, beta, ll = scipy_joint_fit(cohorts)
    assert model.alpha_ == pytest.approx(alpha, rel=1e-6)
    assert model.beta_ == pytest.approx(beta, rel=1e-6)
    assert model.log_likelihood_ == pytest.approx(ll, rel=1e-10)
    assert model.n_periods_ == max(lengths)


def test_fit_cohorts_of_one_cohort_is_fit():
    counts = [1000, 631, 468, 382, 326, 289, 262, 241]
    joint = SBG().fit_cohorts(as_table([counts]))
    single = SBG().fit(counts)
    assert joint.alpha_ == pytest.approx(single.alpha_, rel=1e-10)
    assert joint.beta_ == pytest.approx(single.beta_, rel=1e-10)


def sbg_book(seed, a=0.8, b=2.5, as_of="2024-06-30"):
    """A Book of monthly cohorts whose accounts churn as the sBG model says: theta ~ Beta(a, b),
    lost in period p ~ Geometric(theta), dated strictly between the (p - 1)- and p-month
    anniversaries; a third of those lost come back and churn again. Returns the Book and the
    survivor counts that follow from the draws: cohort -> [#(p > t) for t = 0..T], T the periods
    its latest signer completes by as_of (pandas' DateOffset)."""
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp(as_of)
    accounts, churns, expected = [], [], {}
    next_id = 0
    for cohort in pd.period_range("2022-07", "2024-05", freq="M"):
        size = int(rng.integers(40, 160))
        signed = cohort.to_timestamp() + pd.to_timedelta(rng.integers(0, 28, size), unit="D")
        period = rng.geometric(rng.beta(a, b, size=size))
        for s, p in zip(signed, period, strict=True):
            next_id += 1
            accounts.append((next_id, s))
            if p > 36:  # lost long after as_of: no churn record yet
                continue
            lost = (
                s + pd.DateOffset(months=int(p) - 1) + pd.Timedelta(days=int(rng.integers(1, 28)))
            )
            back = rng.random() < 1 / 3
            returned = lost + pd.Timedelta(days=int(rng.integers(5, 60))) if back else pd.NaT
            churns.append((next_id, lost, returned))
            if back:
                churns.append((next_id, returned + pd.Timedelta(days=90), pd.NaT))
        periods = 0
        while signed.max() + pd.DateOffset(months=periods + 1) <= as_of:
            periods += 1
        if periods > 0:
            expected[cohort] = [int((period > t).sum()) for t in range(periods + 1)]
    book = rt.Book(
        pd.DataFrame(accounts, columns=["account_id", "signed_at"]),
        churns=pd.DataFrame(churns, columns=["account_id", "churned_at", "returned_at"]),
    )
    return book, expected


def test_fit_cohorts_on_a_book_equals_scipy_on_its_cohorts():
    book, expected = sbg_book(seed=1)
    model = SBG().fit_cohorts(book, as_of="2024-06-30")
    table = model.survivors_
    assert {p: table.loc[p].dropna().tolist() for p in table.index} == expected
    alpha, beta, ll = scipy_joint_fit(list(expected.values()))
    assert model.alpha_ == pytest.approx(alpha, rel=1e-6)
    assert model.beta_ == pytest.approx(beta, rel=1e-6)
    assert model.log_likelihood_ == pytest.approx(ll, rel=1e-10)
    assert model.alpha_ == pytest.approx(0.8, rel=0.3)  # near the truth, loosely
    assert model.beta_ == pytest.approx(2.5, rel=0.3)


def test_returning_accounts_break_naive_counts_not_fit_cohorts():
    book, expected = sbg_book(seed=2)
    churns = book.table("churns")
    accounts = book.accounts.set_index("account_id")["signed_at"]
    # Naive survivors: accounts of the cohort that are customers at each anniversary (not in a
    # churn without return). Accounts that come back make them rise, which fit refuses.
    cohort = pd.Period("2022-07", "M")
    members = accounts[accounts.dt.to_period("M") == cohort]
    naive = []
    for t in range(len(expected[cohort])):
        gone = 0
        for account, s in members.items():
            at = s + pd.DateOffset(months=t)
            own = churns[(churns["account_id"] == account) & (churns["churned_at"] <= at)]
            if len(own) and not (own["returned_at"].iloc[-1] <= at):
                gone += 1
        naive.append(len(members) - gone)
    assert (np.diff(naive) > 0).any()
    with pytest.raises(rt.InputError, match=r"survivors cannot increase.*fit_cohorts"):
        SBG().fit(naive)
    model = SBG().fit_cohorts(book, as_of="2024-06-30")
    assert model.survivors_.loc[cohort].dropna().tolist() == expected[cohort]
    assert 0.4 < model.alpha_ < 1.6


def test_fit_cohorts_too_small_and_bad_arguments():
    accounts = pd.DataFrame(
        {
            "account_id": [1, 2, 3, 4],
            "signed_at": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10"]),
        }
    )
    churns = pd.DataFrame({"account_id": [1], "churned_at": ["2024-12-01"]})
    book = rt.Book(accounts, churns=churns)
    # As of May 31, 2024-01's latest signer (Jan 20) has 4 full periods, 2024-02's (Feb 10) 3.
    with pytest.raises(
        rt.InputError,
        match=r"too small to fit the sBG model: nobody churned.*cohort 2024-01: 2, 2, 2, 2, 2; "
        r"cohort 2024-02: 2, 2, 2, 2$",
    ):
        SBG().fit_cohorts(book, as_of="2024-05-31")
    with pytest.raises(rt.InputError, match=r"too small to fit the sBG model: no cohort has a "):
        SBG().fit_cohorts(book, as_of="2024-02-15")
    with pytest.raises(rt.InputError, match=r"cohort: must be one of 'signed', got 'plan'"):
        SBG().fit_cohorts(book, cohort="plan")
    with pytest.raises(TypeError, match=r"takes a retain\.Book or a table"):
        SBG().fit_cohorts([[10, 8, 7]])
    holes = as_table([[10, 8, 7], [5, 4, 3]])
    holes.iloc[1, 1] = np.nan
    with pytest.raises(rt.InputError, match=r"cohort 2023-02: survivors are missing \(NaN\)"):
        SBG().fit_cohorts(holes)
