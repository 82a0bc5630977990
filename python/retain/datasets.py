"""Synthetic, realistic SaaS data for demos, tests and benchmarks (the same for the same
random_state)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["SyntheticSaas", "synthetic_saas"]

# plan: (share of sign-ups, seats low, seats high, price per seat, monthly churn hazard)
_PLANS = {
    "starter": (0.45, 1, 5, 15.0, 0.035),
    "growth": (0.30, 5, 25, 25.0, 0.022),
    "business": (0.18, 20, 100, 40.0, 0.012),
    "enterprise": (0.07, 100, 1000, 55.0, 0.006),
}


@dataclass(frozen=True)
class SyntheticSaas:
    """Tables of a made-up subscription business.

    ``accounts``: account_id, signed_at (datetime64), plan, seats (at signing).
    ``mrr``: account_id, month (Period[M]), product ("core" or "addon"), mrr — one row per
    paying account, month and product, so an account with the add-on has two line items.
    """

    accounts: pd.DataFrame
    mrr: pd.DataFrame


def synthetic_saas(
    accounts: int = 1_000, months: int = 24, random_state: int = 0, start: str = "2023-01"
) -> SyntheticSaas:
    """A subscription business of ``accounts`` accounts over ``months`` months from ``start``.

    A third of the accounts are customers when the data starts, the rest sign up month by month.
    Each month a paying account may churn (hazard by plan), add or drop seats, and a churned one
    may come back; a fifth of the accounts also pay for an add-on (10 % of their core MRR).
    The same arguments always give the same tables.
    """
    if accounts < 0 or months < 1:
        raise InputError(f"accounts must be >= 0 and months >= 1, got {accounts} and {months}")
    rng = np.random.default_rng(random_state)
    first = pd.Period(start, freq="M")
    names = list(_PLANS)
    shares = np.array([p[0] for p in _PLANS.values()])
    plan = rng.choice(len(names), size=accounts, p=shares / shares.sum())
    lo = np.array([p[1] for p in _PLANS.values()])[plan]
    hi = np.array([p[2] for p in _PLANS.values()])[plan]
    price = np.array([p[3] for p in _PLANS.values()])[plan]
    hazard = np.array([p[4] for p in _PLANS.values()])[plan]
    seats0 = rng.integers(lo, hi + 1)
    at_start = rng.random(accounts) < 1 / 3
    signed_month = np.where(
        at_start, -rng.integers(1, 36, size=accounts), rng.integers(0, months, size=accounts)
    )
    has_addon = rng.random(accounts) < 0.2
    signed_at = (
        first.to_timestamp()
        + pd.to_timedelta(signed_month * 30.4375, unit="D")
        + pd.to_timedelta(rng.integers(0, 28, size=accounts), unit="D")
    ).normalize()

    seats = seats0.astype(np.float64)
    paying = np.zeros(accounts, dtype=bool)
    ever_paid = np.zeros(accounts, dtype=bool)
    cols: dict[str, list[np.ndarray]] = {"account_id": [], "month": [], "product": [], "mrr": []}
    ids = np.arange(1, accounts + 1, dtype=np.int64) + 10_000
    for m in range(months):
        u = rng.random(accounts)
        starts_now = (signed_month == m) | ((signed_month < 0) & (m == 0))
        churn = paying & (u < hazard)
        back = ~paying & ever_paid & (u < 0.02)
        paying = (paying & ~churn) | starts_now | back
        ever_paid |= paying
        grow = paying & (rng.random(accounts) < 0.06)
        shrink = paying & ~grow & (rng.random(accounts) < 0.03)
        seats = np.where(grow, np.ceil(seats * rng.uniform(1.1, 1.5, accounts)), seats)
        seats = np.where(
            shrink, np.maximum(1, np.floor(seats * rng.uniform(0.6, 0.95, accounts))), seats
        )
        core = seats * price
        who = np.flatnonzero(paying)
        addon = np.flatnonzero(paying & has_addon)
        for rows, product, amount in (
            (who, "core", core[who]),
            (addon, "addon", np.round(0.1 * core[addon], 2)),
        ):
            cols["account_id"].append(ids[rows])
            cols["month"].append(np.full(len(rows), first.ordinal + m, dtype=np.int64))
            cols["product"].append(np.full(len(rows), product, dtype=object))
            cols["mrr"].append(amount)

    def joined(name: str) -> np.ndarray:
        return np.concatenate(cols[name]) if cols[name] else np.array([])

    mrr = pd.DataFrame(
        {
            "account_id": joined("account_id").astype(np.int64),
            "month": pd.PeriodIndex.from_ordinals(joined("month").astype(np.int64), freq="M"),
            "product": joined("product").astype(str),
            "mrr": joined("mrr").astype(np.float64),
        }
    ).sort_values(["account_id", "month", "product"], ignore_index=True)
    table = pd.DataFrame(
        {
            "account_id": ids,
            "signed_at": signed_at,
            "plan": pd.Categorical.from_codes(plan, categories=names),
            "seats": seats0.astype(np.int64),
        }
    )
    return SyntheticSaas(accounts=table, mrr=mrr)
