"""Revenue KPIs with pandas in and out: MRR movements, churn and retention, NRR/GRR, cohorts,
unit economics and NPS.

Every function that reads the long MRR table takes the DataFrame with its column names as
keywords (``account=``, ``period=``, ``mrr=``), or a :class:`retain.MrrTable` built from it once
(faster when several KPIs are computed from the same data). Rows of the same account and period
are line items and are summed; periods may be ``Period[M]``, datetime64 (floored to the month),
integer month numbers or
'YYYY-MM' text, and results are labelled with periods of the same kind ('YYYY-MM' text gives
``Period[M]``). Months between the first and last period of the data with no row for an account
count as MRR 0 for it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core, _frames
from .account import MrrTable, as_mrr_table
from .errors import InputError

__all__ = [
    "NpsResult",
    "arpa",
    "cac",
    "cac_payback_months",
    "churn_rate",
    "cohort_retention",
    "grr",
    "ltv",
    "ltv_to_cac",
    "mrr_movements",
    "nps",
    "nrr",
    "quick_ratio",
    "retention_rate",
]


def mrr_movements(
    df: pd.DataFrame | MrrTable,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    *,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Revenue movements per month, from the first to the last period of ``df``.

    For each account and month, with ``prev`` its MRR the month before (0 before the data
    starts) and ``cur`` its MRR now, exactly one of:

    - ``new``: prev = 0 < cur, the first time the account pays (amount cur);
    - ``reactivation``: prev = 0 < cur after it had paid before (amount cur);
    - ``churned``: prev > 0 = cur (amount prev);
    - ``expansion``: 0 < prev < cur (amount cur - prev);
    - ``contraction``: 0 < cur < prev (amount prev - cur);
    - no movement when equal.

    Returns a DataFrame indexed by period (same kind as the input's) with the columns
    ``starting_mrr new expansion contraction churned reactivation ending_mrr starting_accounts
    new_accounts expansion_accounts contraction_accounts churned_accounts reactivated_accounts
    ending_accounts``. The bridge ``starting_mrr + new + expansion + reactivation - contraction
    - churned == ending_mrr`` holds in every month (sums are compensated: exact for whole
    amounts, to rounding otherwise), and each month starts where the previous one ended.

    ``n_threads`` (default: every core) never changes the result.

    >>> mv = rt.kpi.mrr_movements(df, account="account_id", period="month", mrr="mrr")
    """
    table = as_mrr_table(df, account, period, mrr)
    first, columns = _core.kpi.mrr_movements(table._core, _threads(n_threads))
    n = len(columns["ending_mrr"])
    return pd.DataFrame(columns, index=table._kind.range(first, n))


def churn_rate(mv: pd.DataFrame, kind: str = "logo") -> pd.Series:
    """Churn per month of a movements table (from :func:`mrr_movements`).

    - ``"logo"``: churned_accounts / starting_accounts;
    - ``"gross_revenue"``: (contraction + churned) / starting_mrr;
    - ``"net_revenue"``: (contraction + churned - expansion - reactivation) / starting_mrr, as
      ChartMogul defines it: negative when expansion outweighs losses.

    NaN where the denominator is 0 (no accounts or revenue at the start of the month, such as the
    first month of the data).
    """
    values = _core.kpi.churn_rate(_frames.movement_columns(mv), kind)
    return pd.Series(values, index=mv.index, name=f"{kind}_churn")


def retention_rate(mv: pd.DataFrame, kind: str = "logo") -> pd.Series:
    """``1 - churn_rate(mv, kind)`` per month; NaN where churn is NaN."""
    values = _core.kpi.retention_rate(_frames.movement_columns(mv), kind)
    return pd.Series(values, index=mv.index, name=f"{kind}_retention")


def quick_ratio(mv: pd.DataFrame) -> pd.Series:
    """SaaS quick ratio per month: (new + expansion + reactivation) / (contraction + churned).

    Reactivation counts as growth. NaN where nothing was lost (contraction + churned == 0).
    """
    values = _core.kpi.quick_ratio(_frames.movement_columns(mv))
    return pd.Series(values, index=mv.index, name="quick_ratio")


def arpa(mv: pd.DataFrame) -> pd.Series:
    """Average revenue per account per month: ending_mrr / ending_accounts (NaN with none)."""
    values = _core.kpi.arpa(_frames.movement_columns(mv))
    return pd.Series(values, index=mv.index, name="arpa")


def nrr(
    df: pd.DataFrame | MrrTable,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    months: int = 12,
) -> pd.Series:
    """Net revenue retention (NRR, also NDR) per period.

    For the accounts paying at ``p - months``: their total MRR at ``p`` over their total MRR at
    ``p - months``. Accounts that start paying after ``p - months`` are not counted; one that
    paid then, left and came back by ``p`` counts with its MRR at ``p``. One value per period
    ``p`` of the data that has ``p - months`` in the data; NaN where nobody paid at
    ``p - months``.
    """
    return _retention("nrr", df, account, period, mrr, months)


def grr(
    df: pd.DataFrame | MrrTable,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    months: int = 12,
) -> pd.Series:
    """Gross revenue retention per period: as :func:`nrr`, each account's MRR at ``p`` capped at
    its MRR at ``p - months``, so that ``grr <= 1`` and ``grr <= nrr``."""
    return _retention("grr", df, account, period, mrr, months)


def cohort_retention(
    df: pd.DataFrame | MrrTable,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    kind: str = "logo",
) -> pd.DataFrame:
    """Cohort x age retention matrix.

    A cohort is the accounts whose first paying period is the same. Rows are cohorts (periods of
    the input's kind, index named ``cohort``), columns are ages 0, 1, 2, ... months (named
    ``age``). ``kind="logo"``: the share of the cohort's accounts paying at that age (a returning
    account counts again); ``kind="revenue"``: the cohort's MRR at that age over its MRR at age 0
    (it may exceed 1). NaN beyond the data's last period.
    """
    table = as_mrr_table(df, account, period, mrr)
    cohorts, _sizes, values = _core.kpi.cohort_retention(table._core, kind)
    return pd.DataFrame(
        values,
        index=table._kind.labels(cohorts, name="cohort"),
        columns=pd.RangeIndex(values.shape[1], name="age"),
    )


def ltv(arpa: float, gross_margin: float, churn_rate: float, discount_rate: float = 0.0) -> float:
    """Customer lifetime value = arpa x gross_margin x (1 + d) / (d + churn_rate).

    ``arpa`` per month, ``gross_margin`` a share (0.75 for 75 %), ``churn_rate`` the monthly logo
    churn, ``discount_rate`` d a monthly rate. With d = 0 this is ARPA x margin x lifetime, the
    lifetime being 1 / churn_rate months: ``ltv(50_000, 0.75, 1/12) == 450_000``. With d > 0 it
    is the present value of the margin of payments received at the start of each month while the
    account stays.
    """
    return _core.kpi.ltv(arpa, gross_margin, churn_rate, discount_rate)


def cac(spend: float, new_customers: float) -> float:
    """Customer acquisition cost: sales and marketing spend / new customers won with it."""
    return _core.kpi.cac(spend, new_customers)


def ltv_to_cac(ltv: float, cac: float) -> float:
    """LTV:CAC ratio (3 or more is the usual rule of thumb)."""
    return _core.kpi.ltv_to_cac(ltv, cac)


def cac_payback_months(cac: float, arpa: float, gross_margin: float) -> float:
    """Months of gross-margin revenue that repay the acquisition cost: cac / (arpa x margin)."""
    return _core.kpi.cac_payback_months(cac, arpa, gross_margin)


class NpsResult(NamedTuple):
    """Net promoter score and its parts.

    ``nps`` in [-100, 100]; ``promoters`` (9-10), ``passives`` (7-8) and ``detractors`` (0-6)
    are counts of answers, ``n`` their total; ``stderr`` = 100 sqrt((p + d - (p - d)^2) / n) with
    p, d the promoter and detractor shares, and ``margin95`` = 1.96 stderr.
    """

    nps: float
    promoters: int
    passives: int
    detractors: int
    n: int
    stderr: float
    margin95: float


def nps(scores: Any) -> NpsResult:
    """Net promoter score of answers on the 0-10 scale.

    ``scores`` is any 1-d array-like (a Series, list or array) of integers 0-10. A NaN, a
    fraction or a value outside 0-10 is an :class:`InputError` naming the row: drop unanswered
    surveys first (``scores.dropna()``). With no answers every number is NaN and ``n`` is 0.
    """
    values, name = _frames.vector(scores, "scores")
    r = _core.kpi.nps(values, name)
    return NpsResult(r.nps, r.promoters, r.passives, r.detractors, r.n, r.stderr, r.margin95)


def _retention(which: str, df, account, period, mrr, months) -> pd.Series:
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)):
        raise InputError(f"months: must be a whole number of months, got {months!r}")
    table = as_mrr_table(df, account, period, mrr)
    first, values = getattr(_core.kpi, which)(table._core, int(months))
    return pd.Series(values, index=table._kind.range(first, len(values)), name=which)


def _threads(n_threads: int | None) -> int:
    if n_threads is None:
        return 0
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise InputError(f"n_threads: must be a whole number >= 1 or None, got {n_threads!r}")
    return int(n_threads)
