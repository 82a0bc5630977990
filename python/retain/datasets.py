"""Synthetic data that behaves like a subscription business, for demos, tests and benchmarks.

:func:`synthetic_saas` makes a :class:`~retain.Book` with every table retain reads; the same
arguments always give the same tables. :func:`write` saves a Book as the folder of exports that
:meth:`retain.Book.read` reads.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _files, _frames
from .book import Book
from .errors import InputError, RetainWarning

__all__ = ["synthetic_saas", "write"]

# plan: (share of sign-ups, seats low, seats high, price per seat, monthly voluntary churn
# hazard of an account of average health). The hazards differ little between plans on purpose:
# churn is driven by health, so that plan size alone (seats) foresees it poorly.
_PLANS = {
    "starter": (0.45, 1, 5, 15.0, 0.013),
    "growth": (0.30, 5, 25, 25.0, 0.011),
    "business": (0.18, 20, 100, 40.0, 0.009),
    "enterprise": (0.07, 100, 1000, 55.0, 0.007),
}
_FEATURES = ["dashboard", "reports", "export", "api", "automation", "integrations", "sso"]
# Feature mix per plan (rows in _PLANS order): bigger plans use the API and automation more.
_FEATURE_MIX = np.array(
    [
        [0.45, 0.30, 0.20, 0.05, 0.00, 0.00, 0.00],
        [0.35, 0.25, 0.15, 0.10, 0.10, 0.05, 0.00],
        [0.25, 0.20, 0.10, 0.15, 0.15, 0.10, 0.05],
        [0.20, 0.15, 0.05, 0.20, 0.15, 0.15, 0.10],
    ]
)
_INDUSTRIES = ["software", "retail", "finance", "healthcare", "manufacturing", "education"]
_REGIONS = ["North America", "EMEA", "APAC", "LATAM"]  # not "NA": CSV readers take it as null
_REGION_SHARE = [0.45, 0.32, 0.15, 0.08]
# Tier by plan (strategic accounts get the most CSM time) and the CSMs who own each tier.
_TIER_OF_PLAN = np.array(["tech_touch", "scale", "scale", "strategic"])
_OWNERS = {
    "strategic": ["Ana Lima", "Ben Okafor", "Chloe Martin"],
    "scale": ["Dev Patel", "Eva Novak", "Farid Haddad", "Grace Kim"],
    "tech_touch": ["Hugo Silva", "Ines Moreau"],
}
# CSM touches per account and month by tier; the activity types and their mix.
_TOUCH_RATE = {"strategic": 3.0, "scale": 1.2, "tech_touch": 0.35}
_ACTIVITY_TYPES = ["call", "email", "meeting", "qbr", "note"]
_ACTIVITY_MIX = [0.28, 0.40, 0.12, 0.05, 0.15]
_REASONS = ["price", "product_fit", "budget", "competitor"]
# Voluntary churn reasons per plan (small plans leave over price and budget, large ones for a
# competitor or a poor fit).
_REASON_MIX = np.array(
    [
        [0.40, 0.20, 0.30, 0.10],
        [0.30, 0.30, 0.20, 0.20],
        [0.20, 0.35, 0.15, 0.30],
        [0.15, 0.40, 0.10, 0.35],
    ]
)
_MILESTONES = [
    ("kickoff", 2, 10),
    ("integrated", 5, 30),
    ("first_value", 7, 40),
    ("onboarded", 7, 30),
]
_PRIORITIES = np.array(["low", "normal", "high", "urgent"])

# The latent health: an AR(1) walk around each account's own level, month by month.
_HEALTH_KEEP = 0.9
_HEALTH_STEP = 0.38
_CHURN_SLOPE = 2.6  # log hazard per unit of health
_INVOLUNTARY_HAZARD = 0.0025  # payment failures, whatever the health
_RETURN_HAZARD = 0.03
_MAX_USERS = 25  # users simulated per account (an enterprise's other seats log in elsewhere)
_EVENTS_PER_USER = 4.0  # events per active user and month, at average health


def _check_arguments(accounts: Any, months: Any, random_state: Any, start: Any) -> pd.Period:
    n = _frames.whole(accounts, "accounts")
    if n < 1:
        raise InputError(f"accounts: must be at least 1, got {n}")
    m = _frames.whole(months, "months")
    if m < 2:
        raise InputError(f"months: must be at least 2, got {m}")
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(
        random_state, (int, np.integer)
    ):
        raise InputError(f"random_state: must be a whole number >= 0, got {random_state!r}")
    if random_state < 0:
        raise InputError(f"random_state: must be a whole number >= 0, got {random_state}")
    try:
        return pd.Period(start, freq="M")
    except (ValueError, TypeError) as exc:
        raise InputError(f"start: cannot read the month {start!r} (give 'YYYY-MM')") from exc


def synthetic_saas(
    accounts: int = 5_000, months: int = 36, random_state: int = 0, start: str = "2023-01"
) -> Book:
    """A made-up subscription business of ``accounts`` accounts over ``months`` months.

    A third of the accounts are customers when the data starts (signed up to three years
    before), the rest sign up month by month. Each account has a latent health, a slowly moving
    random walk around its own level, that drives everything observable: how many of its users
    are active and how much they use the product, its NPS answers, how many support tickets it
    opens and how long they stay open, whether it finishes onboarding, seat expansion and
    contraction, and its monthly churn hazard. Health moves slowly, so usage and NPS fall months
    before an account churns; payment failures (involuntary churn) strike regardless of health.

    Parameters
    ----------
    accounts : int
        Number of accounts, at least 1.
    months : int
        Months of data from ``start``, at least 2.
    random_state : int
        Seed (a whole number >= 0); the same arguments always give identical tables.
    start : str
        First month of the MRR table, ``"YYYY-MM"``.

    Returns
    -------
    retain.Book
        In time zone UTC, with ``internal_activity_types=["note"]``, holding:

        - ``accounts``: account_id ("ACC-00001"), signed_at, plan, industry, region, seats (at
          signing), tier, owner (the CSM), parent (the group's head account for a few groups,
          else missing);
        - ``mrr``: account_id, period (Period[M]), product ("core", "addon" or "credit"), plan,
          mrr: one line item per product; seat expansion and contraction, add-ons bought and
          dropped, downgrades to a free plan (a 0 line) and back, reactivations after returns,
          and a few credit notes (negative lines, less than the month's bill);
        - ``events``: account_id, user_id, timestamp (fewer on weekends), feature (a mix per
          plan);
        - ``surveys``: account_id, answered_at, score, kind ("nps" 0-10, or "csat" 1-5 after a
          closed ticket);
        - ``tickets``: account_id, opened_at, closed_at (missing while open), priority;
        - ``milestones``: account_id, milestone (kickoff, integrated, first_value, onboarded),
          reached_at; some accounts stall before ``onboarded``;
        - ``churns``: account_id, churned_at, returned_at, reason ("price", "product_fit",
          "budget", "competitor", or "payment_failed"), kind ("voluntary" or "involuntary" for
          payment failures). Billing is in advance: a churn dated before the 15th ends the MRR
          in its own month, a later one after that month; a return restarts it in the month of
          ``returned_at``;
        - ``activities``: account_id, at, type (call, email, meeting, qbr, or note: an internal
          note, not a touch), owner.

    Raises
    ------
    InputError
        accounts < 1, months < 2, a random_state that is not a whole number >= 0, or an
        unreadable ``start``.

    Examples
    --------
    >>> book = rt.datasets.synthetic_saas(accounts=1_000, months=24, random_state=1)
    >>> rt.kpi.mrr_movements(book).tail()
    """
    first = _check_arguments(accounts, months, random_state, start)
    n, n_months = int(accounts), int(months)
    rng = np.random.default_rng(int(random_state))
    # Day numbers (days since 1970-01-01) of month starts from 36 months before the data
    # through the month after it.
    month0 = first.ordinal
    ordinals = np.arange(month0 - 36, month0 + n_months + 1)
    month_day = ordinals.astype("datetime64[M]").astype("datetime64[D]").view(np.int64)

    def day_of(month: int | np.ndarray) -> np.ndarray:
        days: np.ndarray = month_day[np.asarray(month) + 36]
        return days

    def length(month: np.ndarray) -> np.ndarray:
        days: np.ndarray = day_of(np.asarray(month) + 1) - day_of(month)
        return days

    end_day = int(day_of(n_months))  # the day after the data ends

    # ---- accounts
    plan_names = list(_PLANS)
    shares = np.array([p[0] for p in _PLANS.values()])
    plan = rng.choice(len(plan_names), size=n, p=shares / shares.sum())
    lo = np.array([p[1] for p in _PLANS.values()])[plan]
    hi = np.array([p[2] for p in _PLANS.values()])[plan]
    price = np.array([p[3] for p in _PLANS.values()])[plan]
    hazard = np.array([p[4] for p in _PLANS.values()])[plan]
    seats0 = np.round(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).clip(lo, hi)
    before = rng.random(n) < 1 / 3
    signed_month = np.where(before, -rng.integers(1, 36, size=n), rng.integers(0, n_months, size=n))
    signed_day = day_of(signed_month) + rng.integers(0, 28, size=n)
    level = rng.normal(0.0, 0.55, n)  # each account's own long-run health
    industry = rng.choice(_INDUSTRIES, size=n)
    region = rng.choice(_REGIONS, size=n, p=_REGION_SHARE)
    tier = _TIER_OF_PLAN[plan]
    owner = np.empty(n, dtype=object)
    for name, csms in _OWNERS.items():
        rows = np.flatnonzero(tier == name)
        owner[rows] = np.array(csms, dtype=object)[rng.integers(0, len(csms), len(rows))]
    width = max(5, len(str(n)))
    ids = np.array([f"ACC-{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    parent = np.full(n, None, dtype=object)
    if n >= 20:  # a few groups: a head account and some subsidiaries
        order = rng.permutation(n)
        heads = order[: max(1, n // 150)]
        children = order[len(heads) : len(heads) + max(2, n // 50)]
        parent[children] = ids[heads[rng.integers(0, len(heads), len(children))]]
    users = np.minimum(seats0, _MAX_USERS).astype(np.int64)

    # ---- the months, one vectorised step each
    status = np.zeros(n, dtype=np.int8)  # 0 not yet, 1 paying, 2 churned, 3 on the free plan
    health = level + rng.normal(0.0, 0.6, n)
    seats = seats0.copy()
    addon = rng.random(n) < 0.2
    churned_in = np.full(n, -99)
    shape = (n_months, n)
    h_of = np.zeros(shape)
    pays = np.zeros(shape, dtype=bool)  # a line item this month (0 on the free plan)
    core = np.zeros(shape)
    extra = np.zeros(shape)
    window_lo = np.zeros(shape, dtype=np.int64)  # the days the account is a customer
    window_hi = np.zeros(shape, dtype=np.int64)
    churn_rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    returns: list[tuple[np.ndarray, np.ndarray]] = []
    for m in range(n_months):
        lo_day, hi_day = int(day_of(m)), int(day_of(m + 1))
        health = (
            _HEALTH_KEEP * health + (1 - _HEALTH_KEEP) * level + rng.normal(0.0, _HEALTH_STEP, n)
        )
        starts = (signed_month == m) | ((signed_month < 0) & (m == 0))
        status[starts] = 1
        wlo = np.where(signed_month == m, signed_day, lo_day)
        whi = np.full(n, hi_day)
        u = rng.random(n)
        before_m = (status == 1) & ~starts
        voluntary = hazard * np.exp(-_CHURN_SLOPE * health)
        churn = before_m & (u < voluntary + _INVOLUNTARY_HAZARD)
        involuntary = churn & (u < _INVOLUNTARY_HAZARD)
        back = (status == 2) & (m - churned_in >= 2) & (rng.random(n) < _RETURN_HAZARD)
        pause = before_m & ~churn & (rng.random(n) < 0.002 * np.exp(-0.5 * health))
        unpause = (status == 3) & (rng.random(n) < 0.4)
        churn_day = lo_day + rng.integers(0, hi_day - lo_day, n)
        # A churned account pays its month when the cancellation comes late in it.
        paid_out = churn & (churn_day - lo_day >= 14)
        if churn.any():
            rows = np.flatnonzero(churn)
            reason = (rng.random(len(rows))[:, None] > _REASON_MIX[plan[rows]].cumsum(1)).sum(1)
            reason = np.array(_REASONS, dtype=object)[np.minimum(reason, len(_REASONS) - 1)]
            reason[involuntary[rows]] = "payment_failed"
            churn_rows.append((rows, churn_day[rows], reason, involuntary[rows]))
        if back.any():
            rows = np.flatnonzero(back)
            day = lo_day + rng.integers(0, 28, len(rows))
            returns.append((rows, day))
            wlo[rows] = day
            health[rows] = level[rows] + rng.normal(0.3, 0.5, len(rows))  # a fresh start
        status[churn] = 2
        churned_in[churn] = m
        status[back] = 1
        status[pause] = 3
        status[unpause] = 1
        customer = (status == 1) | (status == 3) | churn
        whi[churn] = churn_day[churn]
        # Seats grow with good health and shrink with bad; add-ons come and go.
        steady = status == 1
        grow = steady & (rng.random(n) < 0.05 * np.exp(0.6 * health))
        shrink = steady & ~grow & (rng.random(n) < 0.025 * np.exp(-0.6 * health))
        seats = np.where(grow, np.ceil(seats * rng.uniform(1.1, 1.5, n)), seats)
        seats = np.where(shrink, np.maximum(1, np.floor(seats * rng.uniform(0.6, 0.95, n))), seats)
        addon = np.where(steady & ~addon & (rng.random(n) < 0.01), True, addon)
        addon = np.where(
            steady & addon & (rng.random(n) < 0.02 * np.exp(-0.5 * health)), False, addon
        )
        h_of[m] = health
        pays[m] = (status == 1) | (status == 3) | paid_out
        core[m] = np.where(status == 3, 0.0, seats * price)
        extra[m] = np.where(addon & (status != 3), np.round(0.2 * seats * price, 2), 0.0)
        window_lo[m] = np.where(customer, wlo, 0)
        window_hi[m] = np.where(customer, whi, 0)

    # ---- mrr: line items
    month_of, acct = np.nonzero(pays)
    period = month0 + month_of
    lines = [(acct, period, "core", core[month_of, acct])]
    has_extra = extra[month_of, acct] > 0
    lines.append((acct[has_extra], period[has_extra], "addon", extra[month_of, acct][has_extra]))
    bill = core[month_of, acct] + extra[month_of, acct]
    credit = (bill > 0) & (rng.random(len(acct)) < 0.004)
    amount = -np.round(bill[credit] * rng.uniform(0.1, 0.5, credit.sum()), 2)
    lines.append((acct[credit], period[credit], "credit", amount))
    mrr_acct = np.concatenate([x[0] for x in lines])
    mrr = pd.DataFrame(
        {
            "account_id": ids[mrr_acct],
            "period": pd.PeriodIndex.from_ordinals(
                np.concatenate([x[1] for x in lines]).astype(np.int64), freq="M"
            ),
            "product": np.concatenate([np.full(len(x[0]), x[2], dtype=object) for x in lines]),
            "plan": np.array(plan_names, dtype=object)[plan[mrr_acct]],
            "mrr": np.concatenate([x[3] for x in lines]).astype(np.float64),
        }
    )
    mrr.loc[(mrr["product"] == "core") & (mrr["mrr"] == 0), "plan"] = "free"
    mrr = mrr.sort_values(["account_id", "period", "product"], kind="stable", ignore_index=True)

    # ---- customer months: every usage-driven table draws from these
    cm_month, cm_acct = np.nonzero(window_hi > window_lo)
    cm_lo = window_lo[cm_month, cm_acct]
    cm_hi = window_hi[cm_month, cm_acct]
    cm_h = h_of[cm_month, cm_acct]
    cm_frac = (cm_hi - cm_lo) / length(cm_month)

    def spread(counts: np.ndarray, weighted: bool) -> tuple[np.ndarray, np.ndarray]:
        """Customer-month rows repeated ``counts`` times and a day in each one's window (fewer
        on weekends when ``weighted``)."""
        rows = np.repeat(np.arange(len(counts)), counts)
        lo_d, hi_d = cm_lo[rows], cm_hi[rows]
        if not weighted:
            return rows, lo_d + (rng.random(len(rows)) * (hi_d - lo_d)).astype(np.int64)
        base = int(month_day[0])
        weekday = (np.arange(base, end_day + 1) + 3) % 7  # 0 = Monday (1970-01-01 a Thursday)
        cum = np.concatenate([[0.0], np.cumsum(np.where(weekday >= 5, 0.25, 1.0))])
        a, b = cum[lo_d - base], cum[hi_d - base]
        day = np.searchsorted(cum, a + rng.random(len(rows)) * (b - a), side="right") - 1
        return rows, np.clip(day + base, lo_d, hi_d - 1)

    def stamp(day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        stamps: np.ndarray = (day * 86_400 + seconds).astype("datetime64[s]")
        return stamps.astype("datetime64[ns]")

    # ---- events: active users by health, events per active user by health
    p_active = 1 / (1 + np.exp(-(0.4 + 1.8 * cm_h)))
    active = rng.binomial(users[cm_acct], p_active)
    counts = rng.poisson(active * _EVENTS_PER_USER * np.exp(0.5 * cm_h) * cm_frac)
    rows, day = spread(counts, weighted=True)
    user = (rng.random(len(rows)) * active[rows]).astype(np.int64)
    ev_acct = cm_acct[rows]
    seconds = rng.integers(7 * 3600, 20 * 3600, len(rows))
    # The feature is the count of the plan's cumulative mix below a uniform draw, found per plan
    # by binary search (a rows x features matrix would cost a third of the generation time).
    draw = rng.random(len(rows))
    feature = np.empty(len(rows), dtype=np.int64)
    event_plan = plan[ev_acct]
    for p, mix in enumerate(_FEATURE_MIX.cumsum(1)):
        chosen = event_plan == p
        feature[chosen] = np.searchsorted(mix, draw[chosen], side="left")
    events = pd.DataFrame(
        {
            "account_id": _arrow_text(ids, ev_acct),
            "user_id": (ev_acct.astype(np.int64) + 1) * 1_000 + user,
            "timestamp": stamp(day, seconds),
            "feature": _arrow_text(_FEATURES, np.minimum(feature, len(_FEATURES) - 1)),
        }
    )

    # ---- tickets: more, and slower to close, when health is low
    t_counts = rng.poisson(
        0.12 * (1 + np.log1p(users[cm_acct]) / 2) * np.exp(-0.8 * cm_h) * cm_frac
    )
    t_rows, t_day = spread(t_counts, weighted=True)
    t_h = cm_h[t_rows]
    opened = t_day * 86_400 + rng.integers(6 * 3600, 21 * 3600, len(t_rows))
    resolve = rng.lognormal(np.log(3 * 86_400) - 0.5 * t_h, 1.1, len(t_rows))
    closed = opened + resolve.astype(np.int64)
    is_open = closed >= end_day * 86_400
    priority = _PRIORITIES[np.searchsorted([0.3, 0.8, 0.95], rng.random(len(t_rows)), side="right")]
    closed_at = closed.astype("datetime64[s]").astype("datetime64[ns]")
    closed_at[is_open] = np.datetime64("NaT")
    tickets = pd.DataFrame(
        {
            "account_id": ids[cm_acct[t_rows]],
            "opened_at": opened.astype("datetime64[s]").astype("datetime64[ns]"),
            "closed_at": closed_at,
            "priority": priority.astype(object),
        }
    )

    # ---- surveys: NPS now and then, CSAT after some closed tickets
    asked = rng.random(len(cm_month)) < 0.25 * cm_frac
    s_rows, s_day = spread(asked.astype(np.int64), weighted=False)
    nps = np.clip(np.round(7.2 + 2.0 * cm_h[s_rows] + rng.normal(0, 1.4, len(s_rows))), 0, 10)
    rated = ~is_open & (rng.random(len(t_rows)) < 0.4)
    csat_at = closed[rated] + rng.integers(600, 2 * 86_400, rated.sum())
    keep = csat_at < end_day * 86_400
    csat = np.clip(np.round(3.8 + 0.8 * t_h[rated] + rng.normal(0, 0.8, rated.sum())), 1, 5)[keep]
    surveys = pd.DataFrame(
        {
            "account_id": np.concatenate([ids[cm_acct[s_rows]], ids[cm_acct[t_rows][rated][keep]]]),
            "answered_at": np.concatenate(
                [
                    stamp(s_day, rng.integers(8 * 3600, 20 * 3600, len(s_rows))),
                    csat_at[keep].astype("datetime64[s]").astype("datetime64[ns]"),
                ]
            ),
            "score": np.concatenate([nps, csat]).astype(np.float64),
            "kind": np.array(["nps"] * len(s_rows) + ["csat"] * int(keep.sum()), dtype=object),
        }
    )
    surveys = surveys.sort_values(["answered_at", "account_id"], kind="stable", ignore_index=True)

    # ---- activities: CSM touches by tier, a few more for engaged accounts
    rate = np.vectorize(_TOUCH_RATE.get)(tier)[cm_acct] * np.exp(0.25 * cm_h) * cm_frac
    a_rows, a_day = spread(rng.poisson(rate), weighted=True)
    a_acct = cm_acct[a_rows]
    kinds = np.searchsorted(np.cumsum(_ACTIVITY_MIX), rng.random(len(a_rows)), side="right")
    kinds = np.minimum(kinds, len(_ACTIVITY_TYPES) - 1)
    kinds[(kinds == 3) & (tier[a_acct] == "tech_touch")] = 1  # no QBRs for tech touch: an email
    activities = pd.DataFrame(
        {
            "account_id": ids[a_acct],
            "at": stamp(a_day, rng.integers(8 * 3600, 18 * 3600, len(a_rows))),
            "type": np.array(_ACTIVITY_TYPES, dtype=object)[kinds],
            "owner": owner[a_acct],
        }
    )

    # ---- milestones: each step reached with a chance that grows with the account's level
    m_acct, m_name, m_day = [], [], []
    reached = np.ones(n, dtype=bool)
    when = signed_day.copy()
    for name, lo_d, hi_d in _MILESTONES:
        reached &= rng.random(n) < 1 / (1 + np.exp(-(2.6 + 2.5 * level)))
        when = when + rng.integers(lo_d, hi_d + 1, n)
        ok = np.flatnonzero(reached & (when < end_day))
        m_acct.append(ok)
        m_name.append(np.full(len(ok), name, dtype=object))
        m_day.append(when[ok])
    ms_acct = np.concatenate(m_acct)
    milestones = pd.DataFrame(
        {
            "account_id": ids[ms_acct],
            "milestone": np.concatenate(m_name),
            "reached_at": stamp(
                np.concatenate(m_day), rng.integers(9 * 3600, 18 * 3600, len(ms_acct))
            ),
        }
    )
    milestones = milestones.sort_values(
        ["reached_at", "account_id"], kind="stable", ignore_index=True
    )

    # ---- churns, each with the account's next return
    if churn_rows:
        c_acct = np.concatenate([r[0] for r in churn_rows])
        c_day = np.concatenate([r[1] for r in churn_rows])
        c_reason = np.concatenate([r[2] for r in churn_rows])
        c_invol = np.concatenate([r[3] for r in churn_rows])
    else:
        c_acct = c_day = np.empty(0, dtype=np.int64)
        c_reason, c_invol = np.empty(0, dtype=object), np.empty(0, dtype=bool)
    ret_acct = np.concatenate([r[0] for r in returns]) if returns else np.empty(0, np.int64)
    ret_day = np.concatenate([r[1] for r in returns]) if returns else np.empty(0, np.int64)
    # A return follows the account's latest churn: match by account in time order.
    returned = np.full(len(c_acct), -1, dtype=np.int64)
    c_order = np.lexsort((c_day, c_acct))
    r_order = np.lexsort((ret_day, ret_acct))
    for r in r_order:
        a, d = ret_acct[r], ret_day[r]
        mine = c_order[(c_acct[c_order] == a) & (c_day[c_order] < d)]
        returned[mine[-1]] = d
    ret_stamp = (
        np.where(returned >= 0, returned, 0).astype("datetime64[D]").astype("datetime64[ns]")
    )
    ret_stamp[returned < 0] = np.datetime64("NaT")
    churns = pd.DataFrame(
        {
            "account_id": ids[c_acct],
            "churned_at": c_day.astype("datetime64[D]").astype("datetime64[ns]"),
            "returned_at": ret_stamp,
            "reason": c_reason,
            "kind": np.where(c_invol, "involuntary", "voluntary").astype(object),
        }
    )
    churns = churns.sort_values(["churned_at", "account_id"], kind="stable", ignore_index=True)

    accounts_table = pd.DataFrame(
        {
            "account_id": ids,
            "signed_at": signed_day.astype("datetime64[D]").astype("datetime64[ns]"),
            "plan": np.array(plan_names, dtype=object)[plan],
            "industry": industry.astype(object),
            "region": region.astype(object),
            "seats": seats0.astype(np.int64),
            "tier": tier.astype(object),
            "owner": owner,
            "parent": parent,
        }
    )
    with warnings.catch_warnings():
        # A tiny business may have no tickets or notes yet: every table is still given.
        warnings.filterwarnings("ignore", "the .* table has no rows", RetainWarning)
        warnings.filterwarnings("ignore", "internal_activity_types: 'note'", RetainWarning)
        return _book(accounts_table, mrr, events, surveys, tickets, milestones, churns, activities)


def _arrow_text(values: Any, index: np.ndarray) -> pd.arrays.ArrowExtensionArray:
    """``values[index]`` as a pyarrow-backed text column. The events table has millions of rows:
    taking from a small Arrow array skips a Python string object per row, which the Book would
    only convert back to Arrow (a third of the generation time and most of its memory)."""
    import pyarrow as pa

    taken = pa.array(list(values), type=pa.large_string()).take(pa.array(index))
    return pd.arrays.ArrowExtensionArray(taken)


def _book(
    accounts: pd.DataFrame,
    mrr: pd.DataFrame,
    events: pd.DataFrame,
    surveys: pd.DataFrame,
    tickets: pd.DataFrame,
    milestones: pd.DataFrame,
    churns: pd.DataFrame,
    activities: pd.DataFrame,
) -> Book:
    return Book(
        accounts,
        mrr=mrr,
        events=events,
        surveys=surveys,
        tickets=tickets,
        milestones=milestones,
        churns=churns,
        activities=activities,
        tz="UTC",
        internal_activity_types=["note"],
    )


_FORMATS = ("csv", "parquet")


def write(
    book: Book, folder: str | os.PathLike[str], format: str = "csv", overwrite: bool = False
) -> Path:
    """Write a Book's tables to ``folder``, one file per table, as :meth:`Book.read` reads them.

    Each table is written as the Book holds it, with its columns under the contract's names
    (``accounts.csv``, ``mrr.csv``, ...); periods are written as ``"YYYY-MM"``, dates as the
    Book holds them (ISO 8601 in CSV; dates without a zone are wall time of the Book's zone).
    Read the folder back with the Book's time zone and internal activity types, e.g.
    ``rt.Book.read(folder, internal_activity_types=["note"])`` for a :func:`synthetic_saas`
    Book. The tables are written to a temporary folder beside
    ``folder`` first and moved in only when all are written, so an error leaves nothing
    half-written.

    Parameters
    ----------
    book : retain.Book
        The Book to write.
    folder : str or path
        The folder; created when missing.
    format : {"csv", "parquet"}
        The file format.
    overwrite : bool
        Replace the tables of a folder that already holds some (the files of every table of
        the contract, in either format, are removed first). Other files are left alone.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    InputError
        ``format`` is not "csv" or "parquet", ``folder`` is a file, or it already holds tables
        and ``overwrite`` is false.
    """
    from .book import TABLES

    if not isinstance(book, Book):
        raise TypeError(f"book must be a retain.Book, got {type(book).__name__}")
    if format not in _FORMATS:
        raise InputError(f"format: must be 'csv' or 'parquet', got {format!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"folder: {str(folder)!r} is a file, not a folder")
    present = [
        folder / f"{t}.{ext}"
        for t in TABLES
        for ext in _FORMATS
        if (folder / f"{t}.{ext}").exists()
    ]
    if present and not overwrite:
        raise InputError(
            f"folder: {str(folder)!r} already holds {present[0].name}; pass overwrite=True to "
            "replace its tables"
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    staging.chmod(0o777 & ~_files.umask())  # mkdtemp's 0700 would outlive the rename
    try:
        for name in book.tables:
            _write_table(_exportable(book.table(name)), staging / f"{name}.{format}", format)
        if not folder.exists():
            os.replace(staging, folder)
            return folder
        # Each new file replaces its old one in one rename, and only then are the tables this
        # Book lacks (or held in the other format) removed: a run killed midway leaves every
        # file whole, never a table missing that was there before.
        written = {path.name for path in staging.iterdir()}
        for name in sorted(written):
            os.replace(staging / name, folder / name)
        for path in present:
            if path.name not in written:
                path.unlink()
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _exportable(frame: pd.DataFrame) -> pd.DataFrame:
    """Periods as "YYYY-MM" text (neither CSV nor Parquet keeps a pandas Period)."""
    out = frame
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.PeriodDtype):
            if out is frame:
                out = frame.copy()
            out[column] = frame[column].astype(str)
    return out


def _write_table(frame: pd.DataFrame, path: Path, format: str) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        # A column of mixed kinds (numbers beside text, say) has no one file type.
        raise InputError(f"table {path.stem!r}: cannot write it ({exc})") from exc
    if format == "parquet":
        # Microseconds, which every reader takes (Spark refuses Parquet's nanosecond
        # timestamps); a time with finer digits is an error, not silently truncated.
        try:
            pq.write_table(table, path, coerce_timestamps="us", allow_truncated_timestamps=False)
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"table {path.stem!r}: cannot write it to Parquet in microseconds ({exc})"
            ) from exc
    else:
        pacsv.write_csv(table, path)
