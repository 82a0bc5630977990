"""Revenue and customer KPIs with pandas in and out: MRR movements, churn and retention, NRR/GRR,
cohorts, unit economics, NPS, CSAT and CES, upsell and cross-sell, onboarding and time to value.

Every function that reads the long MRR table takes the DataFrame with its column names as
keywords (``account=``, ``period=``, ``mrr=``), or a :class:`retain.MrrTable` built from it once
(faster when several KPIs are computed from the same data). Rows of the same account and period
are line items and are summed; periods may be ``Period[M]``, datetime64 (floored to the month),
integer month numbers or
'YYYY-MM' text, and results are labelled with periods of the same kind ('YYYY-MM' text gives
``Period[M]``). Months between the first and last period of the data with no row for an account
count as MRR 0 for it.

**A Book.** The revenue KPIs (:func:`mrr_movements`, :func:`churn_rate`, :func:`nrr`,
:func:`grr`, :func:`cohort_retention`, ...) and :func:`nps_by` / :func:`csat_by` also take a
:class:`retain.Book`, which knows its column names (no column keyword then) and its time zone.
Results are labelled with ``pd.Period`` (freq M) in an index level named ``period`` (``cohort``
for cohorts). ``by=`` names an attribute of the Book's accounts table (or a list of them) and
groups accounts by it, pandas-style: the result gets one outer index level per attribute, groups
in sorted order, and accounts whose attribute is missing are left out (``dropna=True``, as in
``DataFrame.groupby``) or form their own group (``dropna=False``). Revenue tables by group cover
the Book's whole MRR span for every group (months without revenue are rows of 0), so groups line
up and, with ``dropna=False``, sum to the Book's table.

**Shards.** Results that are sums over accounts merge across shards split by account:
the :func:`mrr_movements` table is additive column by column per period (amounts and account
counts alike), and :func:`nrr` / :func:`grr` with ``parts=True`` give the numerator and
denominator per period to add up before dividing::

    parts = pd.concat([rt.kpi.nrr(shard, parts=True) for shard in shards])
    total = parts.groupby(level="period").sum()
    nrr = total["end_mrr"] / total["start_mrr"]

Every shard must span the same months, because an account's MRR after the last month of its
shard's data is unknown rather than 0: give each shard a row (MRR 0 will do) in the first and the
last month of the whole data.
"""

from __future__ import annotations

import difflib
import itertools
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core, _frames
from .account import MrrTable, as_mrr_table
from .book import Book
from .calibration import mrr_at_risk
from .errors import ColumnError, InputError, RetainWarning

__all__ = [
    "CesResult",
    "CsatResult",
    "NpsResult",
    "OnboardingCompletion",
    "TimeToValue",
    "arpa",
    "cac",
    "cac_payback_months",
    "ces",
    "churn_rate",
    "churn_reasons",
    "cohort_retention",
    "coverage",
    "cross_sell_rate",
    "csat",
    "csat_by",
    "grr",
    "ltv",
    "ltv_to_cac",
    "mrr_at_risk",
    "mrr_movements",
    "nps",
    "nps_by",
    "nrr",
    "onboarding_completion",
    "quick_ratio",
    "retention_rate",
    "time_to_value",
    "touches",
    "upsell_rate",
    "wilson_interval",
]

SMALL_SAMPLE = 30
"""Below this many accounts a rate is flagged ``small_sample``: its interval is wide and the
normal approximations behind the usual rules of thumb do not hold."""


def mrr_movements(
    df: pd.DataFrame | MrrTable | Book,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    *,
    by: Any = None,
    dropna: bool = True,
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

    ``df`` may be a :class:`retain.Book` (no column keywords then): the rows are the Book's
    MRR months, labelled with ``pd.Period`` (freq M) in an index named ``period``; without
    ``by`` the table equals the one of the Book's MRR DataFrame. ``by`` (a Book only) names an
    attribute of the accounts table, or a list of them: the result is indexed by (``by``...,
    ``period``), groups sorted, each group over the Book's whole span of months (rows of 0 where
    it has no revenue) so that groups line up. Accounts whose attribute is missing are left out
    with ``dropna=True`` (as ``DataFrame.groupby`` does) and form their own group (labelled NaN)
    with ``dropna=False``, in which case the groups sum to the whole Book's table.

    The table is mergeable: for shards split by account and spanning the same months, the sum
    of the shards' tables per period (``pd.concat(tables).groupby(level="period").sum()``) is
    the table of the whole, every column (amounts and account counts) and every bridge included.

    ``n_threads`` (default: every core) never changes the result.

    Parameters
    ----------
    df : DataFrame, MrrTable or Book
        The long MRR table (one row per account, period and line item), or a Book.
    account, period, mrr : column names
        The DataFrame's columns (not used with an MrrTable or a Book).
    by : str or list of str, optional
        Account attribute(s) to group by (a Book only). A name that is not an attribute is a
        :class:`retain.ColumnError` listing the attributes.
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.
    n_threads : int, optional
        Threads (None: every core).

    Returns
    -------
    DataFrame
        One row per month (per group and month with ``by``), the columns above.

    >>> mv = rt.kpi.mrr_movements(df, account="account_id", period="month", mrr="mrr")
    >>> rt.kpi.mrr_movements(book, by="plan").loc["pro"]
    """
    threads = _frames.threads(n_threads)
    if isinstance(df, Book):
        _book_columns("mrr_movements", account=account, period=period, mrr=mrr)
        if by is None:
            table = _book_table(df)
        else:
            groups = _account_groups(df, by, dropna)
            tables, first, n = _group_tables(df, groups)
            results = [_core.kpi.mrr_movements(t, threads)[1] for t in tables]
            if not results:  # no group: the columns of the right types, without rows
                results = [
                    {
                        k: v[:0]
                        for k, v in _core.kpi.mrr_movements(df._core.mrr_table(), 1)[1].items()
                    }
                ]
            columns = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
            periods = _BOOK_PERIODS.range(first, n)
            index = _group_index(
                groups.index,
                np.full(len(groups.index), n),
                periods[np.tile(np.arange(n), len(groups.index))],
            )
            return pd.DataFrame(columns, index=index)
    else:
        _no_book_option("mrr_movements", by=by)
        table = as_mrr_table(df, account, period, mrr)
    first, columns = _core.kpi.mrr_movements(table._core, threads)
    n = len(columns["ending_mrr"])
    return pd.DataFrame(columns, index=table._kind.range(first, n))


def churn_rate(
    mv: pd.DataFrame | Book,
    kind: str = "logo",
    ci: float | None = None,
    *,
    by: Any = None,
    dropna: bool = True,
) -> pd.Series | pd.DataFrame:
    """Churn per month of a movements table (from :func:`mrr_movements`).

    - ``"logo"``: churned_accounts / starting_accounts;
    - ``"gross_revenue"``: (contraction + churned) / starting_mrr;
    - ``"net_revenue"``: (contraction + churned - expansion - reactivation) / starting_mrr, as
      ChartMogul defines it: negative when expansion outweighs losses.

    NaN where the denominator is 0 (no accounts or revenue at the start of the month, such as the
    first month of the data).

    With ``ci=None`` (the default) the result is a Series named ``<kind>_churn``. With a
    confidence level ``ci`` (0.95 for 95 %) and ``kind="logo"`` it is a DataFrame with the
    columns ``churn_rate``, ``ci_lower``, ``ci_upper`` (the Wilson interval of churned_accounts
    out of starting_accounts, see :func:`wilson_interval`), ``n`` (= starting_accounts) and
    ``small_sample`` (n < 30); rate and interval are NaN where n is 0. A Wilson interval is for a
    share of accounts, so ``ci`` with a revenue kind is an :class:`InputError`.

    ``mv`` may also be a :class:`retain.Book`: the churn of ``mrr_movements(book, by=by,
    dropna=dropna)``, indexed by (``by``..., ``period``) with ``by`` (see :func:`mrr_movements`
    for the groups, the missing-attribute rule and the ``Period`` labels). A group's first month
    and months where it has nobody (or no revenue) at the start are NaN.

    Parameters
    ----------
    mv : DataFrame or Book
        A movements table (from :func:`mrr_movements`), or a Book.
    kind : {"logo", "gross_revenue", "net_revenue"}
        The churn to compute.
    ci : float, optional
        Confidence level of a Wilson interval (logo churn only).
    by : str or list of str, optional
        A Book's account attribute(s) to group by.
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.

    Returns
    -------
    Series or DataFrame
        Indexed as the movements table.
    """
    mv = _movements_of(mv, by, dropna, "churn_rate")
    columns = _frames.movement_columns(mv)
    if ci is None:
        values = _core.kpi.churn_rate(columns, kind)
        return pd.Series(values, index=mv.index, name=f"{kind}_churn")
    level = _level(ci, "ci")
    out = pd.DataFrame(_core.kpi.churn_rate_interval(columns, kind, level), index=mv.index)
    out["small_sample"] = out["n"] < SMALL_SAMPLE
    return out


def retention_rate(
    mv: pd.DataFrame | Book, kind: str = "logo", *, by: Any = None, dropna: bool = True
) -> pd.Series:
    """``1 - churn_rate(mv, kind)`` per month; NaN where churn is NaN.

    ``mv`` is a movements table or a :class:`retain.Book` (grouped with ``by`` and ``dropna``
    as in :func:`mrr_movements`).

    Parameters
    ----------
    mv : DataFrame or Book
        A movements table (from :func:`mrr_movements`), or a Book.
    by : str or list of str, optional
        A Book's account attribute(s) to group by (see :func:`mrr_movements`).
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.

    Returns
    -------
    Series
        Indexed as the movements table (by ``period``, or by (``by``..., ``period``)).
    """
    mv = _movements_of(mv, by, dropna, "retention_rate")
    values = _core.kpi.retention_rate(_frames.movement_columns(mv), kind)
    return pd.Series(values, index=mv.index, name=f"{kind}_retention")


def quick_ratio(mv: pd.DataFrame | Book, *, by: Any = None, dropna: bool = True) -> pd.Series:
    """SaaS quick ratio per month: (new + expansion + reactivation) / (contraction + churned).

    Reactivation counts as growth. NaN where nothing was lost (contraction + churned == 0).
    ``mv`` is a movements table or a :class:`retain.Book` (grouped with ``by`` and ``dropna``
    as in :func:`mrr_movements`).

    Parameters
    ----------
    mv : DataFrame or Book
        A movements table (from :func:`mrr_movements`), or a Book.
    by : str or list of str, optional
        A Book's account attribute(s) to group by (see :func:`mrr_movements`).
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.

    Returns
    -------
    Series
        Indexed as the movements table (by ``period``, or by (``by``..., ``period``)).
    """
    mv = _movements_of(mv, by, dropna, "quick_ratio")
    values = _core.kpi.quick_ratio(_frames.movement_columns(mv))
    return pd.Series(values, index=mv.index, name="quick_ratio")


def arpa(mv: pd.DataFrame | Book, *, by: Any = None, dropna: bool = True) -> pd.Series:
    """Average revenue per account per month: ending_mrr / ending_accounts (NaN with none).

    ``mv`` is a movements table or a :class:`retain.Book` (grouped with ``by`` and ``dropna``
    as in :func:`mrr_movements`).

    Parameters
    ----------
    mv : DataFrame or Book
        A movements table (from :func:`mrr_movements`), or a Book.
    by : str or list of str, optional
        A Book's account attribute(s) to group by (see :func:`mrr_movements`).
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.

    Returns
    -------
    Series
        Indexed as the movements table (by ``period``, or by (``by``..., ``period``)).
    """
    mv = _movements_of(mv, by, dropna, "arpa")
    values = _core.kpi.arpa(_frames.movement_columns(mv))
    return pd.Series(values, index=mv.index, name="arpa")


def nrr(
    df: pd.DataFrame | MrrTable | Book,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    months: int = 12,
    *,
    by: Any = None,
    dropna: bool = True,
    parts: bool = False,
) -> pd.Series | pd.DataFrame:
    """Net revenue retention (NRR, also NDR) per period.

    For the accounts paying at ``p - months``: their total MRR at ``p`` over their total MRR at
    ``p - months``. Accounts that start paying after ``p - months`` are not counted; one that
    paid then, left and came back by ``p`` counts with its MRR at ``p``. One value per period
    ``p`` of the data that has ``p - months`` in the data; NaN where nobody paid at
    ``p - months``.

    Parameters
    ----------
    df : DataFrame, MrrTable or Book
        The long MRR table, or a :class:`retain.Book` (no column keywords then; periods are
        labelled with ``pd.Period``, freq M, in an index named ``period``).
    account, period, mrr : column names
        The DataFrame's columns.
    months : int, default 12
        The lag, >= 1 (1 for monthly NRR).
    by : str or list of str, optional
        A Book's account attribute(s) to group by: the result is indexed by (``by``...,
        ``period``), every group over the same periods. Accounts whose attribute is missing are
        left out (``dropna=True``) or form their own group (``dropna=False``); see
        :func:`mrr_movements`.
    dropna : bool, default True
        See ``by``.
    parts : bool, default False
        Return the partial sums instead of the ratio: a DataFrame with the columns
        ``start_mrr`` (the MRR at ``p - months`` of the accounts paying then), ``end_mrr``
        (their MRR at ``p``) and ``start_accounts`` (how many they are), so that
        ``nrr == end_mrr / start_mrr``. The parts are sums over accounts: for shards split by
        account (each spanning the same months) add them up per period, then divide. Takes a
        DataFrame or a Book (an MrrTable keeps no per-account sums to give back).

    Returns
    -------
    Series named ``nrr`` (or, with ``parts=True``, the DataFrame of parts), indexed by period.
    """
    return _retention("nrr", df, account, period, mrr, months, by, dropna, parts)


def grr(
    df: pd.DataFrame | MrrTable | Book,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    months: int = 12,
    *,
    by: Any = None,
    dropna: bool = True,
    parts: bool = False,
) -> pd.Series | pd.DataFrame:
    """Gross revenue retention per period: as :func:`nrr`, each account's MRR at ``p`` capped at
    its MRR at ``p - months``, so that ``grr <= 1`` and ``grr <= nrr``.

    ``by``, ``dropna`` and ``parts`` are as for :func:`nrr`; with ``parts=True``, ``end_mrr`` is
    the sum of the capped amounts (``min(MRR at p, MRR at p - months)`` per account), so that
    ``grr == end_mrr / start_mrr`` and the parts add up across shards.

    Returns
    -------
    Series named ``grr`` (or, with ``parts=True``, the DataFrame of parts), indexed by period.
    """
    return _retention("grr", df, account, period, mrr, months, by, dropna, parts)


def cohort_retention(
    df: pd.DataFrame | MrrTable | Book,
    account: Any = "account_id",
    period: Any = "period",
    mrr: Any = "mrr",
    kind: str = "logo",
    *,
    cohort: str = "first_paid",
    by: Any = None,
    dropna: bool = True,
) -> pd.DataFrame:
    """Cohort x age retention matrix.

    A cohort is the accounts whose first paying period is the same. Rows are cohorts (periods of
    the input's kind, index named ``cohort``), columns are ages 0, 1, 2, ... months (named
    ``age``). ``kind="logo"``: the share of the cohort's accounts paying at that age (a returning
    account counts again); ``kind="revenue"``: the cohort's MRR at that age over its MRR at age 0
    (it may exceed 1). NaN beyond the data's last period.

    Parameters
    ----------
    df : DataFrame, MrrTable or Book
        The long MRR table, or a :class:`retain.Book` (no column keywords then; cohorts are
        labelled with ``pd.Period``, freq M).
    account, period, mrr : column names
        The DataFrame's columns.
    kind : {"logo", "revenue"}
        Share of accounts paying, or MRR relative to age 0.
    cohort : {"first_paid", "signed"}
        ``"first_paid"`` (the default): cohorts by first paying month, as above.
        ``"signed"`` (a Book only): cohorts by the month of ``signed_at`` (in the Book's time
        zone), ages counted from that month. Every account signed that month is in the cohort,
        also one that never pays (so logo retention may be below 1 at age 0), and its MRR before
        the signing month is not counted. Revenue retention is over the cohort's MRR in its
        signing month (NaN for the whole row where that is 0). Cells whose month lies outside
        the Book's MRR span are NaN (before it: not observed; after it: not yet), and cohorts
        signed after the span's last month are left out.
    by : str or list of str, optional
        A Book's account attribute(s): the result is indexed by (``by``..., ``cohort``), groups
        sorted, each group's cohorts computed from its own accounts, with the same age columns
        for all. Missing attribute values as in :func:`mrr_movements` (``dropna``).
    dropna : bool, default True
        See ``by``.

    Returns
    -------
    DataFrame
        Cohorts x ages, values in [0, 1] for logo retention.
    """
    if cohort not in _COHORTS:
        raise InputError(f"cohort: must be one of {', '.join(map(repr, _COHORTS))}, got {cohort!r}")
    if kind not in _COHORT_KINDS:  # the core's words
        raise InputError(f"kind: unknown cohort retention kind '{kind}' (expected logo or revenue)")
    if isinstance(df, Book):
        _book_columns("cohort_retention", account=account, period=period, mrr=mrr)
        groups = None if by is None else _account_groups(df, by, dropna)
        if cohort == "signed":
            return _signed_cohorts(df, kind, groups)
        if groups is None:
            table = _book_table(df)
        else:
            return _first_paid_cohorts_by(df, kind, groups)
    else:
        if cohort == "signed":
            raise InputError(
                "cohort='signed' needs the accounts' signing dates: pass a "
                "retain.Book (the MRR table alone has none)"
            )
        _no_book_option("cohort_retention", by=by)
        table = as_mrr_table(df, account, period, mrr)
    cohorts, _sizes, values = _core.kpi.cohort_retention(table._core, kind)
    return pd.DataFrame(
        values,
        index=table._kind.labels(cohorts, name="cohort"),
        columns=pd.RangeIndex(values.shape[1], name="age"),
    )


def ltv(
    arpa: float,
    gross_margin: float,
    churn_rate: float | None = None,
    discount_rate: float = 0.0,
    *,
    method: str = "formula",
    curve: pd.DataFrame | None = None,
    horizon: float | None = None,
    period: float | None = None,
    model: Any = None,
    renewals: int = 0,
) -> float:
    """Customer lifetime value: ARPA x gross margin x the expected (discounted) lifetime in
    payments, the lifetime taken from a constant churn rate, a survival curve or an sBG model.

    ``arpa`` per period (month), ``gross_margin`` a share (0.75 for 75 %), ``discount_rate`` d a
    rate per period. Payments come at the start of each period while the account stays.

    - ``method="formula"`` (the default): ``churn_rate`` c is the monthly logo churn and
      LTV = arpa x margin x (1 + d) / (d + c). With d = 0 this is ARPA x margin x lifetime, the
      lifetime being 1 / c months: ``ltv(50_000, 0.75, 1/12) == 450_000``.
    - ``method="survival"``: ``curve`` is a :func:`retain.survival.kaplan_meier` table (of
      ``book.tenure(...)``, say) and the lifetime its restricted, discounted mean:
      sum over t = 0, 1, ... with t x ``period`` < ``horizon`` of S(t x period) / (1 + d)^t
      (:func:`retain.survival.discounted_lifetime`). Needs ``horizon`` (beyond its last time a
      curve says nothing, so the mean is restricted to what the data show) and ``period``, one
      billing period in the curve's time unit: 1 for a curve in months, 30.4375 for one in days
      (as ``book.tenure`` gives them) — no default, as a wrong one is off by a factor of 30.
    - ``method="sbg"``: ``model`` is a fitted :class:`retain.survival.ShiftedBetaGeometric` and
      the lifetime its discounted expected residual lifetime after ``renewals`` renewals
      (d > 0; ``renewals=0`` for a customer about to make its first renewal).

    >>> rt.kpi.ltv(50_000, 0.75, 1 / 12)
    450000.0
    >>> km = rt.survival.kaplan_meier(tenure["duration"] / 30.4375, tenure["churned"])
    >>> rt.kpi.ltv(500, 0.8, discount_rate=0.01, method="survival", curve=km, horizon=36,
    ...            period=1)
    """
    given = {"curve": curve, "horizon": horizon, "period": period, "model": model}
    allowed = {"formula": (), "survival": ("curve", "horizon", "period"), "sbg": ("model",)}
    if method not in allowed:
        raise InputError(f"method: must be one of {list(allowed)}, got {method!r}")
    extra = [k for k, v in given.items() if v is not None and k not in allowed[method]]
    if extra:
        raise InputError(f"{', '.join(extra)}: not used by method={method!r}")
    if method == "formula":
        if churn_rate is None:
            raise InputError("churn_rate: give the monthly churn rate (method='formula')")
        return _core.kpi.ltv(arpa, gross_margin, churn_rate, discount_rate)
    if churn_rate is not None:
        raise InputError(f"churn_rate: not used by method={method!r}")
    from . import survival

    if method == "survival":
        if curve is None or horizon is None:
            raise InputError("method='survival' needs curve= (a kaplan_meier table) and horizon=")
        if period is None:
            raise InputError(
                "period: give one billing period in the curve's time unit (1 for a curve in "
                "months, 30.4375 for a curve in days, as book.tenure gives them)"
            )
        lifetime = survival.discounted_lifetime(curve, horizon, discount_rate, period)
    else:
        if model is None:
            raise InputError("method='sbg' needs model= (a fitted ShiftedBetaGeometric)")
        lifetime = model.discounted_residual_lifetime(discount_rate, renewals)
    return _core.kpi.ltv_of_lifetime(arpa, gross_margin, lifetime)


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


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval ``(lower, upper)`` of the proportion ``successes / n``.

    With p = successes / n and z the standard normal quantile at 1 - (1 - confidence) / 2::

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))

    It stays within [0, 1] and is not empty at p = 0 or 1, unlike the normal (Wald) interval.
    ``(nan, nan)`` for n = 0. ``0 <= successes <= n`` and ``0 < confidence < 1``, else
    :class:`InputError`. ``wilson_interval(8, 10)`` is about (0.4902, 0.9433).
    """
    return _core.kpi.wilson_interval(
        _frames.whole(successes, "successes"),
        _frames.whole(n, "n"),
        _level(confidence, "confidence"),
    )


class CsatResult(NamedTuple):
    """Customer satisfaction: ``csat`` = satisfied / n, the share of answers at or above
    ``satisfied_min``; ``ci_lower``/``ci_upper`` its Wilson 95 % interval. With no answers
    ``csat`` and the interval are NaN and ``n`` is 0."""

    csat: float
    satisfied: int
    n: int
    ci_lower: float
    ci_upper: float


def csat(scores: Any, scale: int = 5, satisfied_min: int = 4) -> CsatResult:
    """CSAT of answers on a 1..``scale`` integer scale (a Series, list or array).

    ``csat`` is the share of answers >= ``satisfied_min`` (4 and 5 on the usual 5-point survey),
    with the Wilson 95 % interval of that share (see :func:`wilson_interval`). A NaN, a fraction
    or a value outside 1..scale is an :class:`InputError` naming the row (drop unanswered surveys
    first); ``scale`` must be >= 2 and ``1 <= satisfied_min <= scale``. No answers give NaN.

    >>> rt.kpi.csat([5, 4, 3, 5, 1, 4, 2, 5, 5, 4])   # 7 of 10 satisfied
    CsatResult(csat=0.7, satisfied=7, n=10, ci_lower=0.3968..., ci_upper=0.8922...)
    """
    values, name = _frames.vector(scores, "scores")
    r = _core.kpi.csat(
        values, _frames.whole(scale, "scale"), _frames.whole(satisfied_min, "satisfied_min"), name
    )
    return CsatResult(*r)


class CesResult(NamedTuple):
    """Customer effort score: ``ces`` the mean answer, ``std`` the sample standard deviation
    (n - 1 in the denominator) and ``ci_lower``/``ci_upper`` the Student's t 95 % interval
    ``ces -+ t(0.975, n - 1) * std / sqrt(n)``. ``std`` and the interval are NaN for n < 2,
    everything is NaN for n = 0."""

    ces: float
    n: int
    std: float
    ci_lower: float
    ci_upper: float


def ces(scores: Any) -> CesResult:
    """Customer effort score: the mean of the answers with a Student's t 95 % interval.

    ``scores`` is a 1-d array-like of finite numbers on the survey's scale (1-7 usually; the scale
    is not checked). A NaN or infinite answer is an :class:`InputError` naming the row. See
    :class:`CesResult` for the definitions and the NaN conventions.
    """
    values, name = _frames.vector(scores, "scores")
    return CesResult(*_core.kpi.ces(values, name))


_NPS_COLUMNS = ["nps", "promoters", "passives", "detractors", "n", "stderr", "margin95"]


def nps_by(
    frame: pd.DataFrame | Book,
    by: Any = None,
    score: Any = "score",
    *,
    freq: str | None = None,
    dropna: bool = True,
) -> pd.DataFrame:
    """NPS per group: :func:`nps` of the ``score`` answers of each group of ``frame``.

    ``by`` is a column name or a list of them. Returns a DataFrame indexed by the group key(s)
    (sorted; a MultiIndex for several keys) with the columns ``nps promoters passives detractors
    n stderr margin95``, defined as in :class:`NpsResult`. Only groups with answers appear, so
    no row is NaN; an empty frame gives an empty table. A missing group key or a score that is
    not an integer 0-10 is an :class:`InputError` naming the column and row.

    Parameters
    ----------
    frame : DataFrame or Book
        A survey table with one row per answer, or a :class:`retain.Book` with a surveys table:
        its NPS answers (``kind`` "nps", or every answer without a kind column), no column
        keywords.
    by : str or list of str, optional
        With a DataFrame, its column(s) (required). With a Book, account attribute(s) of its
        accounts table (a name that is not one is a :class:`retain.ColumnError` listing them);
        answers of accounts whose attribute is missing are left out with ``dropna=True`` (as
        ``DataFrame.groupby`` does) and grouped under NaN with ``dropna=False``.
    score : column name
        The DataFrame's score column.
    freq : {"M", "Q", "Y"}, optional
        A Book only: also group by the calendar month (quarter, year) of ``answered_at`` in the
        Book's time zone, as a last index level ``period`` of ``pd.Period`` labels. Periods
        without answers do not appear (use ``.unstack()`` to line groups up).
    dropna : bool, default True
        See ``by`` (a Book only; with a DataFrame a missing key is an error).

    Returns
    -------
    DataFrame
        One row per group (and period) with answers, in sorted order.

    >>> rt.kpi.nps_by(book, by="segment", freq="M")
    """
    if isinstance(frame, Book):
        _book_columns("nps_by", score=score)
        values, codes, index = _book_answers(frame, "nps", by, freq, dropna, "nps_by")
        if len(values) == 0:
            return _empty_table(index, _NPS_COLUMNS, ("nps", "stderr", "margin95"))
        columns = _core.kpi.nps_by(codes, len(index), values, "score")
        return pd.DataFrame({c: columns[c] for c in _NPS_COLUMNS}, index=index)
    frame, keys, values = _frame_answers(frame, by, score, freq)
    if len(frame) == 0:
        return _empty_table(_empty_keys(frame, keys), _NPS_COLUMNS, ("nps", "stderr", "margin95"))
    codes, index = _frames.group_codes(frame, keys)
    columns = _core.kpi.nps_by(codes, len(index), values, str(score))
    return pd.DataFrame({c: columns[c] for c in _NPS_COLUMNS}, index=index)


_CSAT_COLUMNS = ["csat", "satisfied", "n", "ci_lower", "ci_upper"]


def csat_by(
    frame: pd.DataFrame | Book,
    by: Any = None,
    score: Any = "score",
    *,
    freq: str | None = None,
    scale: int = 5,
    satisfied_min: int = 4,
    dropna: bool = True,
) -> pd.DataFrame:
    """CSAT per group: :func:`csat` of the ``score`` answers of each group of ``frame``.

    The mirror of :func:`nps_by`: the same ``frame``, ``by``, ``freq`` and ``dropna`` rules,
    with a Book's CSAT answers (``kind`` "csat"; a surveys table without a kind column has none).
    Columns ``csat satisfied n ci_lower ci_upper`` as in :class:`CsatResult`: ``csat`` is the
    share of answers >= ``satisfied_min`` on the 1..``scale`` scale, with its Wilson 95 %
    interval. Only groups (and periods) with answers appear, so no row is NaN.

    Parameters
    ----------
    frame : DataFrame or Book
        A survey table with one row per answer, or a :class:`retain.Book` with a surveys table.
    by : str or list of str, optional
        The DataFrame's column(s) (required), or a Book's account attribute(s).
    score : column name
        The DataFrame's score column.
    freq : {"M", "Q", "Y"}, optional
        A Book only: also group by the calendar month (quarter, year) of ``answered_at`` in the
        Book's time zone (last index level ``period``, ``pd.Period`` labels).
    scale, satisfied_min : int
        As for :func:`csat`. A score that is not an integer 1..scale is an :class:`InputError`
        naming the column and row.
    dropna : bool, default True
        A Book only: leave out answers of accounts whose attribute is missing (True) or group
        them under NaN (False).

    Returns
    -------
    DataFrame
        One row per group (and period) with answers, in sorted order.

    >>> rt.kpi.csat_by(book, by="plan", freq="Q")
    """
    scale, satisfied_min = (
        _frames.whole(scale, "scale"),
        _frames.whole(satisfied_min, "satisfied_min"),
    )
    _core.kpi.csat(np.empty(0), scale, satisfied_min, "score")  # checks the scale
    if isinstance(frame, Book):
        _book_columns("csat_by", score=score)
        values, codes, index = _book_answers(
            frame, "csat", by, freq, dropna, "csat_by", scale=scale
        )
        name = "score"
    else:
        frame, keys, values = _frame_answers(frame, by, score, freq)
        _core.kpi.csat(values, scale, satisfied_min, str(score))  # errors name the frame's row
        if len(frame) == 0:
            return _empty_table(
                _empty_keys(frame, keys), _CSAT_COLUMNS, ("csat", "ci_lower", "ci_upper")
            )
        codes, index = _frames.group_codes(frame, keys)
        name = str(score)
    if len(values) == 0:
        return _empty_table(index, _CSAT_COLUMNS, ("csat", "ci_lower", "ci_upper"))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(index) + 1))
    rows = [
        _core.kpi.csat(values[order[lo:hi]], scale, satisfied_min, name)
        for lo, hi in itertools.pairwise(bounds)
    ]
    out = pd.DataFrame(rows, columns=_CSAT_COLUMNS, index=index)
    return out.astype({"satisfied": np.int64, "n": np.int64})


def upsell_rate(mv: pd.DataFrame | Book, *, by: Any = None, dropna: bool = True) -> pd.Series:
    """Upsell rate per month of a movements table: expansion_accounts / starting_accounts, the
    share of the accounts paying at the start of the month that pay more than the month before.
    NaN where no account starts the month (such as the first month of the data). ``mv`` may be
    a :class:`retain.Book` (grouped with ``by`` and ``dropna`` as in :func:`mrr_movements`).

    Parameters
    ----------
    mv : DataFrame or Book
        A movements table (from :func:`mrr_movements`), or a Book.
    by : str or list of str, optional
        A Book's account attribute(s) to group by (see :func:`mrr_movements`).
    dropna : bool, default True
        With ``by``: leave out accounts whose attribute is missing (True) or give them a group.

    Returns
    -------
    Series
        Indexed as the movements table (by ``period``, or by (``by``..., ``period``)).
    """
    mv = _movements_of(mv, by, dropna, "upsell_rate")
    values = _core.kpi.upsell_rate(_frames.movement_columns(mv))
    return pd.Series(values, index=mv.index, name="upsell_rate")


def cross_sell_rate(
    df: pd.DataFrame,
    account: Any = "account_id",
    period: Any = "period",
    product: Any = "product",
    mrr: Any = "mrr",
) -> pd.Series:
    """Cross-sell rate per period, from a long MRR table with a product column.

    For each period p from the second period of the data: among the accounts paying at the start
    of p (total MRR > 0 in p - 1), the share that pay (MRR > 0) in p for a product they did not
    pay for in p - 1. Line items of the same account, period and product are summed first; a
    product at MRR 0 is not paid for. Periods are read as in :func:`mrr_movements` and label the
    result the same way; NaN where no account paid in p - 1. Bad ids, periods, products or MRR
    are :class:`InputError` naming the column and row.
    """
    df = _frames.require_frame(df, "the MRR table")
    _frames.require_columns(df, [account, period, product, mrr], "the MRR table")
    codes, n_accounts = _frames.account_codes(df[account], account)
    months, kind = _frames.period_months(df[period], period)
    products, n_products = _frames.account_codes(df[product], product, "product")
    values = _frames.amounts(df[mrr], mrr)
    first, rates = _core.kpi.cross_sell_rate(
        codes,
        n_accounts,
        products,
        n_products,
        np.asarray(months, dtype=np.int64),
        values,
        str(account),
        str(period),
        str(mrr),
        str(product),
    )
    return pd.Series(rates, index=kind.range(first, len(rates)), name="cross_sell_rate")


class OnboardingCompletion(NamedTuple):
    """Onboarding completion in two parts: ``by_cohort``, a DataFrame indexed by signing month
    (``Period[M]``, index named ``cohort``), and ``overall``, a Series with the same fields over
    every cohort. Fields: ``completed eligible pending rate ci_lower ci_upper small_sample``."""

    by_cohort: pd.DataFrame
    overall: pd.Series


_ONBOARDING_COLUMNS = ["completed", "eligible", "pending", "rate", "ci_lower", "ci_upper"]


def onboarding_completion(
    accounts: pd.DataFrame,
    milestones: pd.DataFrame,
    required: Any,
    within_days: int = 90,
    *,
    as_of: Any,
    account: Any = "account_id",
    signed_at: Any = "signed_at",
    milestone: Any = "milestone",
    reached_at: Any = "reached_at",
) -> OnboardingCompletion:
    """Share of accounts that reached every ``required`` milestone within ``within_days`` of
    signing, per signing month (cohort) and overall.

    ``accounts`` has one row per account (``account``, ``signed_at``); ``milestones`` one row per
    milestone reached (``account``, ``milestone``, ``reached_at``; other milestones are ignored).
    Dates are datetime64 (floored to the day, in UTC for tz-aware values) or ISO text;
    ``as_of`` is the report date. For an account signed on day s <= as_of:

    - ``eligible`` when s + within_days <= as_of (its window has ended); it is ``completed`` when
      each required milestone was reached on or before day s + within_days (one reached before
      signing counts);
    - ``pending`` when its window is still open: counted apart, neither completed nor failed.

    Accounts signed after ``as_of`` and milestones reached after ``as_of`` are not counted.
    ``rate`` = completed / eligible (NaN where no account is eligible) with its Wilson 95 %
    interval (:func:`wilson_interval`); ``small_sample`` flags eligible < 30. Returns an
    :class:`OnboardingCompletion` (``.by_cohort``, ``.overall``); without accounts signed by
    ``as_of``, ``by_cohort`` is empty and the overall rate NaN. A required milestone that nobody
    reached is not an error (the rate is then 0). Account ids must be unique in ``accounts``,
    and every milestone row's account must be in it (:class:`InputError` naming the row).
    """
    signed, m_account, m_code, reached, n_required = _onboarding_inputs(
        accounts, milestones, required, account, signed_at, milestone, reached_at
    )
    cohorts, columns = _core.kpi.onboarding_completion(
        signed,
        m_account,
        m_code,
        reached,
        n_required,
        _frames.whole(within_days, "within_days"),
        _frames.day_number(as_of, "as_of"),
        str(account),
        str(milestone),
        str(reached_at),
        str(signed_at),
    )
    table = pd.DataFrame({c: columns[c] for c in _ONBOARDING_COLUMNS})
    table["small_sample"] = table["eligible"] < SMALL_SAMPLE
    by_cohort = table.iloc[:-1].set_axis(
        pd.PeriodIndex.from_ordinals(cohorts, freq="M", name="cohort")
    )
    overall = table.iloc[-1].rename("overall")
    return OnboardingCompletion(by_cohort, overall)


class TimeToValue(NamedTuple):
    """Time to value: ``per_account`` (DataFrame with columns ``account_id days reached``, the
    first column named as the input's account column) and ``summary`` (Series ``median p75 p90``
    of days, from the Kaplan-Meier estimate)."""

    per_account: pd.DataFrame
    summary: pd.Series


def time_to_value(
    accounts: pd.DataFrame,
    milestones: pd.DataFrame,
    milestone: Any,
    *,
    as_of: Any,
    account: Any = "account_id",
    signed_at: Any = "signed_at",
    milestone_col: Any = "milestone",
    reached_at: Any = "reached_at",
) -> TimeToValue:
    """Days from signing to the ``milestone`` (the name of a milestone, e.g. "first_report").

    Tables, dates and ``as_of`` are read as in :func:`onboarding_completion` (the milestones
    table's milestone column is ``milestone_col``). For each account signed by ``as_of`` (in the
    accounts table's order): ``days`` from signing to the first time it reached the milestone by
    ``as_of`` (0 if reached before signing), ``reached`` True; or, if it had not by then, the days
    from signing to ``as_of``, ``reached`` False: such an account is censored, never dropped.
    Accounts signed after ``as_of`` are left out, and so are milestones reached after it.

    ``summary`` holds ``median``, ``p75`` and ``p90`` of days from the Kaplan-Meier estimate
    (see :func:`retain.survival.kaplan_meier`, with ``reached`` as the event): the q-quantile is
    the first time at which survival <= 1 - q, ``inf`` if it never falls that low (too few
    accounts got there), NaN without accounts.
    """
    if isinstance(milestone, (list, tuple, set, pd.Index, np.ndarray, pd.Series)):
        raise InputError(f"milestone: give the name of one milestone, got {milestone!r}")
    signed, m_account, m_code, reached, _ = _onboarding_inputs(
        accounts, milestones, [milestone], account, signed_at, milestone_col, reached_at
    )
    index, days, got, median, p75, p90 = _core.kpi.time_to_value(
        signed,
        m_account,
        m_code,
        reached,
        _frames.day_number(as_of, "as_of"),
        str(account),
        str(milestone_col),
        str(reached_at),
        str(signed_at),
    )
    ids = accounts[account].to_numpy()[index]
    per_account = pd.DataFrame({account: ids, "days": days, "reached": got.astype(bool)})
    summary = pd.Series({"median": median, "p75": p75, "p90": p90}, name="days")
    return TimeToValue(per_account, summary)


def _onboarding_inputs(
    accounts: Any,
    milestones: Any,
    required: Any,
    account: Any,
    signed_at: Any,
    milestone: Any,
    reached_at: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    accounts = _frames.require_frame(accounts, "the accounts table")
    milestones = _frames.require_frame(milestones, "the milestones table")
    _frames.require_columns(accounts, [account, signed_at], "the accounts table")
    _frames.require_columns(milestones, [account, milestone, reached_at], "the milestones table")
    if isinstance(required, str) or not isinstance(required, (list, tuple, pd.Index, np.ndarray)):
        required = [required]
    required = list(dict.fromkeys(required))
    if not required:
        raise InputError("required: give at least one required milestone")
    ids = _frames.unique_accounts(accounts[account], account)
    signed = _frames.day_numbers(accounts[signed_at], signed_at)
    m_ids = milestones[account]
    if len(m_ids):
        _frames.account_codes(m_ids, account)
    m_account = pd.Index(ids).get_indexer(m_ids).astype(np.int64)
    unknown = m_account < 0
    if unknown.any():
        row = _frames.first_row(unknown)
        raise InputError(
            f"column {account!r} of the milestones table, row {row}: account "
            f"{m_ids.iloc[row]!r} is not in the accounts table"
        )
    labels = milestones[milestone]
    missing = labels.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"column {milestone!r}, row {_frames.first_row(missing)}: missing milestone"
        )
    m_code = pd.Index(required).get_indexer(labels).astype(np.int64)
    present = set(labels.unique())
    absent = [name for name in required if name not in present]
    if absent and len(labels):  # a misspelt name would read as "nobody reached it"
        warnings.warn(
            f"milestone {absent[0]!r} does not appear in column {milestone!r} of the milestones "
            f"table (its milestones: {sorted(map(str, present))[:10]}); no account reaches it",
            RetainWarning,
            stacklevel=3,
        )
    reached = _frames.day_numbers(milestones[reached_at], reached_at)
    return signed, m_account, m_code, reached, len(required)


_REASON_COLUMNS = (
    "churned_accounts",
    "mrr_lost",
    "voluntary_accounts",
    "involuntary_accounts",
    "unknown_kind_accounts",
    "voluntary_mrr",
    "involuntary_mrr",
    "unknown_kind_mrr",
)


def churn_reasons(
    book: Book,
    freq: str = "M",
    by: Any = None,
    *,
    names: dict[str, str] | None = None,
    dropna: bool = True,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Churn by reason: per period (and group), per reason, the churned accounts, the MRR they
    took, its share of the period's churned MRR, and the voluntary / involuntary split.

    A churn is the MRR bridge's (:func:`mrr_movements`): an account that paid in month g - 1
    and pays nothing in g churned in g, taking its MRR of g - 1. So ``mrr_lost`` summed over
    the reasons of a month is the bridge's ``churned`` of that month, and ``churned_accounts``
    its ``churned_accounts``. Each churn takes the reason and kind of the account's first churn
    record dated in month g - 1 or g (a cancellation ends revenue from its own month or the
    next; a Book keeps churn days, so records of one day come in table order); a bridge churn
    without such a record is filed under ``"unrecorded"`` and a record without a reason under
    ``"unspecified"``. Records that no bridge churn matches (the account kept paying) are not
    churn here; :meth:`retain.Book.reconcile` lists them.

    Parameters
    ----------
    book : retain.Book
        With an MRR table (and, for reasons, a churns table with ``reason`` and ``kind``).
    freq : {"M", "Q", "Y"}
        Calendar month, quarter or year of the churn month.
    by : str or list of str, optional
        Account attributes to group by, as for the other Book KPIs (outer index levels).
    names : dict, optional
        Display names of reason ids (``{"price": "Too expensive"}``), given in a
        ``reason_name`` column; ids without one keep their id. A key that is no reason of the
        Book (nor ``"unrecorded"`` / ``"unspecified"``) is an :class:`~retain.InputError`.
    dropna : bool
        As for :func:`mrr_movements` with ``by=``.
    n_threads : int, optional
        Threads (None: every core); the result does not depend on it.

    Returns
    -------
    DataFrame
        Indexed by [by levels...,] ``period`` (``pd.Period``) and ``reason`` (the id as given),
        one row per pair with a churn; columns ``churned_accounts``, ``mrr_lost``,
        ``share_of_churned_mrr`` (within its period and group), ``voluntary_accounts``,
        ``involuntary_accounts``, ``unknown_kind_accounts``, ``voluntary_mrr``,
        ``involuntary_mrr``, ``unknown_kind_mrr`` [, ``reason_name``].

    >>> rt.kpi.churn_reasons(book, freq="Q", names={"price": "Too expensive"})
    """
    _require_book(book, "churn_reasons")
    if _check_freq(freq) is None:  # else it is freq, checked
        raise InputError("freq: churn by reason is per period: give 'M', 'Q' or 'Y'")
    groups = None if by is None else _account_groups(book, by, dropna)
    codes = np.zeros(0, np.int64) if groups is None else groups.codes
    n_groups = 1 if groups is None else len(groups.index)
    raw = _core.book_kpi.churn_reasons(
        book._core, codes, n_groups, _frames.threads(n_threads)
    )
    reasons = list(raw["reasons"])
    mapping = _reason_names(names, reasons)
    months = pd.PeriodIndex.from_ordinals(raw["month"], freq="M")
    reason_text = np.asarray(reasons, dtype=object)[raw["reason"]]
    frame = pd.DataFrame(
        {
            "group": raw["group"],
            "period": (months.asfreq(freq) if freq != "M" else months).asi8,
            "reason": reason_text,
            **{c: raw[c] for c in _REASON_COLUMNS},
        }
    )
    table = frame.groupby(["group", "period", "reason"], sort=True).sum()
    total = table["mrr_lost"].groupby(level=["group", "period"]).transform("sum")
    table.insert(2, "share_of_churned_mrr", table["mrr_lost"] / total)
    period = pd.PeriodIndex.from_ordinals(
        table.index.get_level_values("period").to_numpy(np.int64), freq=freq
    )
    inner = [period, pd.Index(table.index.get_level_values("reason"), dtype=object)]
    if groups is None:
        table.index = pd.MultiIndex.from_arrays(inner, names=["period", "reason"])
    else:
        outer = groups.index.take(table.index.get_level_values("group").to_numpy(np.int64))
        levels = [outer.get_level_values(i) for i in range(outer.nlevels)]
        table.index = pd.MultiIndex.from_arrays(
            [*levels, *inner], names=[*groups.index.names, "period", "reason"]
        )
    if mapping is not None:
        table["reason_name"] = pd.Series(
            [mapping.get(r, r) for r in table.index.get_level_values("reason")],
            index=table.index,
            dtype=object,
        )
    return table


def _reason_names(names: Any, reasons: list[str]) -> dict[str, str] | None:
    if names is None:
        return None
    if not isinstance(names, dict):
        raise InputError(
            f"names: give a dict of reason id -> display name, got {type(names).__name__}"
        )
    for key, value in names.items():
        if key not in reasons:
            raise InputError(
                f"names: {key!r} is not a churn reason of the Book (its reasons: {reasons})"
            )
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"names: the display name of {key!r} must be text, got {value!r}")
    return dict(names)


def touches(
    book: Book, freq: str = "M", by: str | None = "type", *, n_threads: int | None = None
) -> pd.DataFrame:
    """CSM touches per account and period, one column per activity type (or owner).

    Touches are the Book's activities except its internal types (``Book(...,
    internal_activity_types=[...])``), each in the period of its day in the Book's zone.

    Parameters
    ----------
    book : retain.Book
        With an activities table.
    freq : {"M", "Q", "Y"}
    by : {"type", "owner", None}
        The activities' column whose values become the columns (a touch without one counts under
        ``"(none)"``); None gives one column, ``touches``.
    n_threads : int, optional
        Threads (None: every core); the result does not depend on it.

    Returns
    -------
    DataFrame
        Indexed by the account id and ``period``, only the pairs with a touch; int64 columns (in
        sorted order) and, with ``by``, a ``total`` column.

    >>> rt.kpi.touches(book, by="type").groupby(level="period").sum()   # touches per month
    """
    _require_book(book, "touches")
    if _check_freq(freq) is None:  # else it is freq, checked
        raise InputError("freq: touches are counted per period: give 'M', 'Q' or 'Y'")
    if by is not None and by not in ("type", "owner"):
        raise InputError(f"by: must be 'type', 'owner' or None, got {by!r}")
    if by is not None and "activities" in book.tables and by not in book.table("activities"):
        raise ColumnError(
            f"by: the activities table has no {by!r} column (its columns: "
            f"{list(book.table('activities').columns)})"
        )
    raw = _core.book_kpi.touches(book._core, by or "", _frames.threads(n_threads))
    months = pd.PeriodIndex.from_ordinals(raw["month"], freq="M")
    period = months.asfreq(freq) if freq != "M" else months
    if by is None:
        labels = np.full(len(raw["key"]), "touches", dtype=object)
    else:
        names = book._core.activity_types if by == "type" else book._core.activity_owners
        labels = np.asarray([*names, "(none)"], dtype=object)[raw["key"]]
    frame = pd.DataFrame(
        {"account": raw["account"], "period": period, "key": labels, "n": raw["touches"]}
    )
    wide = frame.pivot_table(
        index=["account", "period"], columns="key", values="n", aggfunc="sum", fill_value=0
    )
    wide.columns.name = None
    if by is not None:
        wide["total"] = wide.sum(axis=1)
    account = wide.index.get_level_values("account").to_numpy()
    wide.index = pd.MultiIndex.from_arrays(
        [book.ids.take(account), wide.index.get_level_values("period")],
        names=[book.ids.name, "period"],
    )
    if len(wide) == 0 and by is None:
        wide["touches"] = np.zeros(0, np.int64)
    return wide.astype(np.int64)


def coverage(
    book: Book,
    as_of: Any,
    max_gap_days: int = 30,
    by: Any = "owner",
    *,
    accounts: Any = None,
    dropna: bool = True,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """Each CSM's (or tier's) book on one day: accounts, ARR, recent touches, and the accounts
    nobody has touched within ``max_gap_days``.

    Counted are the accounts that are customers on ``as_of`` (signed by then; with MRR, paying
    in its month; with churns, not churned without return by then: the rule of the snapshots'
    ``active`` column). ``touches`` counts touches dated in ``(as_of - max_gap_days, as_of]``
    (the window of the snapshots' ``touches_30d`` for 30); an account without one is
    *untouched*. Touches dated after ``as_of`` are not read, as everywhere "as of" a date.

    Parameters
    ----------
    book : retain.Book
        With an activities table (and MRR for ARR).
    as_of : date
        The day, in the Book's zone (a tz-aware time is converted to it).
    max_gap_days : int
        Days without a touch after which an account counts as untouched (>= 1).
    by : str, list of str or None
        Account attributes of the accounts table to group by (``"owner"``, ``"tier"``...), as
        for the other Book KPIs; None for one row over all accounts.
    accounts : list-like of account ids, or boolean Series indexed by account id, optional
        Only these accounts (the red ones, say).
    dropna : bool
        As for :func:`mrr_movements` with ``by=``.

    Returns
    -------
    DataFrame
        One row per group (groups in sorted order, those without accounts too): ``accounts``,
        ``arr`` (12 x the MRR of ``as_of``'s month; NaN without an MRR table), ``touches``,
        ``untouched``, ``untouched_arr``, ``untouched_accounts`` (list of ids, largest ARR
        first).

    >>> red = scored.index[scored["grade"] == "red"]
    >>> rt.kpi.coverage(book, "2024-06-30", by="owner", accounts=red)
    """
    _require_book(book, "coverage")
    days, stamps = book._as_of(as_of)
    if len(days) != 1:
        raise InputError(f"as_of: give one date, got {len(days)}")
    _warn_past_the_end(book, stamps[0])
    gap = _frames.whole(max_gap_days, "max_gap_days")
    if by is None:
        groups = None
    else:
        try:
            groups = _account_groups(book, by, dropna)
        except ColumnError as exc:
            if by == "owner" and "activities" in book.tables:
                raise ColumnError(
                    f"{exc.args[0]}; an activity's owner is who made the touch, not whose "
                    "account it is: add an owner column to the accounts table"
                ) from None
            raise
    include = _account_mask(book, accounts)
    raw = _core.book_kpi.coverage(
        book._core,
        int(days[0]),
        gap,
        np.zeros(0, np.int64) if groups is None else groups.codes,
        1 if groups is None else len(groups.index),
        include,
        _frames.threads(n_threads),
    )
    out = pd.DataFrame(
        {c: raw[c] for c in ("accounts", "arr", "touches", "untouched", "untouched_arr")},
        index=pd.Index(["all"], name="group") if groups is None else groups.index,
    )
    out["untouched_accounts"] = [list(book.ids.take(codes)) for codes in raw["untouched_accounts"]]
    return out


def _warn_past_the_end(book: Book, day: pd.Timestamp) -> None:
    """A RetainWarning when ``day`` is past the MRR table's last month: nobody pays then, so no
    customer is counted, and a job run on "today" with a lagging billing export hears of it."""
    mrr = book._ranges.get("mrr")
    if mrr is not None and day.to_period("M") > mrr[1]:
        warnings.warn(
            f"the MRR table ends in {mrr[1]}; as_of {day.date()} reads past it (nobody pays "
            "then, so no customer is counted)",
            RetainWarning,
            stacklevel=3,
        )


def _account_mask(book: Book, accounts: Any) -> np.ndarray:
    """uint8 flags by Book code for the ``accounts=`` argument (empty: every account)."""
    if accounts is None:
        return np.zeros(0, np.uint8)
    if isinstance(accounts, pd.Series) and pd.api.types.is_bool_dtype(accounts.dtype):
        accounts = accounts.index[accounts.to_numpy(dtype=bool)]
    ids = pd.Index(accounts)
    codes = book.ids.get_indexer(ids)
    if (codes < 0).any():
        row = _frames.first_row(codes < 0)
        raise InputError(f"accounts: {ids[row]!r} (position {row}) is not an account of the Book")
    mask = np.zeros(book.n_accounts, np.uint8)
    mask[codes] = 1
    return mask


def _require_book(book: Any, func: str) -> None:
    if not isinstance(book, Book):
        raise TypeError(
            f"{func}: reads a retain.Book (its MRR, churns and activities together), got "
            f"{type(book).__name__}; build one with rt.Book(accounts, mrr=..., ...)"
        )


def _level(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: must be a confidence level such as 0.95, got {value!r}")
    return float(value)


def _retention(
    which: str,
    df: pd.DataFrame | MrrTable | Book,
    account: Any,
    period: Any,
    mrr: Any,
    months: int,
    by: Any,
    dropna: bool,
    parts: bool,
) -> pd.Series | pd.DataFrame:
    out = _retention_values(which, df, account, period, mrr, months, by, dropna, parts)
    if len(out) == 0 and _has_mrr_rows(df):
        # Every period needs the month `months` before it in the data: an empty answer from
        # rows is a lag longer than the data, which would otherwise pass unnoticed.
        warnings.warn(
            f"{which}: no period has the month {months} month(s) before it in the data, so the "
            f"result is empty (the MRR data spans fewer than {months + 1} months); give a "
            "smaller months=",
            RetainWarning,
            stacklevel=3,
        )
    return out


def _has_mrr_rows(df: pd.DataFrame | MrrTable | Book) -> bool:
    if isinstance(df, Book):
        return "mrr" in df._tables and len(df._tables["mrr"].frame) > 0
    if isinstance(df, MrrTable):
        return int(df._core.n_months) > 0
    return len(df) > 0


def _retention_values(
    which: str,
    df: pd.DataFrame | MrrTable | Book,
    account: Any,
    period: Any,
    mrr: Any,
    months: int,
    by: Any,
    dropna: bool,
    parts: bool,
) -> pd.Series | pd.DataFrame:
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)):
        raise InputError(f"months: must be a whole number of months, got {months!r}")
    months = int(months)
    if months < 1:
        raise InputError(f"{which}: months must be >= 1, got {months}")
    if not isinstance(parts, (bool, np.bool_)):
        raise InputError(f"parts: must be True or False, got {parts!r}")
    if isinstance(df, Book):
        _book_columns(which, account=account, period=period, mrr=mrr)
        groups = None if by is None else _account_groups(df, by, dropna)
        if parts:
            whole = _book_mrr(df)
            first, n = int(whole.first_month), int(whole.n_months)
            entries, n_groups = _group_entries(df, groups)
            columns = _retention_parts(which, *entries, n_groups, first, n, months)
            periods = _BOOK_PERIODS.range(first + months, max(n - months, 0))
            index = periods if groups is None else _group_rows(groups.index, periods)
            return pd.DataFrame(columns, index=index)
        if groups is None:
            table = _book_table(df)
        else:
            tables, first, n = _group_tables(df, groups)
            results = [getattr(_core.kpi, which)(t, months)[1] for t in tables]
            values = np.concatenate(results) if results else np.empty(0)
            periods = _BOOK_PERIODS.range(first + months, max(n - months, 0))
            return pd.Series(values, index=_group_rows(groups.index, periods), name=which)
    else:
        _no_book_option(which, by=by)
        table = as_mrr_table(df, account, period, mrr)
        if parts:
            if isinstance(df, MrrTable):
                raise InputError(
                    f"{which}(parts=True): give the long DataFrame or a Book; an "
                    "MrrTable keeps no per-account sums to give back"
                )
            first, n = int(table._core.first_month), int(table._core.n_months)
            codes, _ = _frames.account_codes(df[account], account)
            month, kind = _frames.period_months(df[period], period)
            amount = _frames.amounts(df[mrr], mrr)
            span = max(n, 1)  # line items of one account and month summed
            keys, inverse = np.unique(
                codes * span + (np.asarray(month) - first), return_inverse=True
            )
            sums = np.bincount(inverse.ravel(), weights=amount, minlength=len(keys))
            entries = (keys // span, keys % span + first, sums, np.zeros(len(keys), np.int64))
            columns = _retention_parts(which, *entries, 1, first, n, months)
            return pd.DataFrame(columns, index=kind.range(first + months, max(n - months, 0)))
    first, values = getattr(_core.kpi, which)(table._core, months)
    return pd.Series(values, index=table._kind.range(first, len(values)), name=which)


def _retention_parts(
    which: str,
    account: np.ndarray,
    month: np.ndarray,
    amount: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    first: int,
    n: int,
    months: int,
) -> dict[str, np.ndarray]:
    """NRR/GRR partial sums per (group, period), group-major, period k being first + months + k:
    start_mrr, end_mrr (capped per account for GRR) and start_accounts. One entry per account
    and month (line items summed)."""
    n_out = max(n - months, 0)
    size = n_groups * n_out
    span = n + months
    key = account * span + (month - first)
    order = np.argsort(key, kind="stable")
    sorted_key, sorted_amount = key[order], amount[order]
    start = (amount > 0) & (month - first < n_out)
    target = key[start] + months
    begin = amount[start]
    end = np.zeros(len(target))
    if len(target):  # the same account's MRR `months` later (0 without an entry)
        at = np.minimum(np.searchsorted(sorted_key, target), len(sorted_key) - 1)
        end = np.where(sorted_key[at] == target, sorted_amount[at], 0.0)
    if which == "grr":
        end = np.minimum(end, begin)
    bins = group[start] * n_out + (month[start] - first)
    return {
        "start_mrr": np.bincount(bins, weights=begin, minlength=size).astype(np.float64),
        "end_mrr": np.bincount(bins, weights=end, minlength=size).astype(np.float64),
        "start_accounts": np.bincount(bins, minlength=size).astype(np.int64),
    }


# --------------------------------------------------------------------------- Books and groups

_BOOK_PERIODS = _frames.PeriodKind("period", "period")
_COHORTS = ("first_paid", "signed")
_COHORT_KINDS = ("logo", "revenue")
_FREQS = ("M", "Q", "Y")
_BOOK_DEFAULTS = {"account": "account_id", "period": "period", "mrr": "mrr", "score": "score"}


def _book_columns(func: str, **given: Any) -> None:
    """A Book knows its column names: a column keyword other than its default is an error."""
    for name, value in given.items():
        if not (isinstance(value, str) and value == _BOOK_DEFAULTS[name]):
            raise InputError(
                f"{func}: {name}={value!r} does not apply to a Book, which knows its columns; "
                "map yours when building it (rt.Book(..., columns={...}))"
            )


def _no_book_option(func: str, **options: Any) -> None:
    for name, value in options.items():
        if value is not None:
            raise InputError(
                f"{func}: {name}= groups a retain.Book's accounts by an attribute; with a "
                "DataFrame, build a Book (or group the DataFrame yourself)"
            )


def _movements_of(mv: Any, by: Any, dropna: bool, func: str) -> pd.DataFrame:
    if isinstance(mv, Book):
        return mrr_movements(mv, by=by, dropna=dropna)
    _no_book_option(func, by=by)
    return mv


def _book_mrr(book: Book) -> Any:
    """The Book's C++ MRR table; a Book without one is a ColumnError."""
    if "mrr" not in book.tables:
        book.table("mrr")  # raises, naming the tables it has
    return book._core.mrr_table()


def _book_table(book: Book) -> MrrTable:
    """The Book's MRR table as an MrrTable labelled with Period[M] named 'period'."""
    table = MrrTable.__new__(MrrTable)
    table._core, table._kind = _book_mrr(book), _BOOK_PERIODS
    return table


@dataclass(frozen=True)
class _Groups:
    """Accounts of a Book grouped by attribute(s)."""

    codes: np.ndarray  # group of each account (Book code), -1 for those in none (missing value)
    index: pd.Index  # the groups' labels, sorted (a MultiIndex for several attributes)
    local: np.ndarray  # each account's position within its group
    sizes: np.ndarray  # accounts per group


def _account_groups(book: Book, by: Any, dropna: Any) -> _Groups:
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    if not keys:
        raise InputError("by: give an account attribute (or a list of them) to group by")
    if not isinstance(dropna, (bool, np.bool_)):
        raise InputError(f"dropna: must be True or False, got {dropna!r}")
    # A Book never changes, so its groupings are kept: a report asks for the same by= often.
    try:
        cache_key = (tuple(keys), bool(dropna))
        hash(cache_key)
    except TypeError:
        cache_key = None
    cache: dict[Any, _Groups] = book.__dict__.setdefault("_groups_cache", {})
    if cache_key is not None and cache_key in cache:
        return cache[cache_key]
    groups = _account_groups_of(book, keys, dropna)
    if cache_key is not None:
        cache[cache_key] = groups
    return groups


def _account_groups_of(book: Book, keys: list[Any], dropna: Any) -> _Groups:
    accounts = book.accounts
    attributes = [c for c in accounts.columns if c not in ("account_id", "signed_at")]
    for key in keys:
        try:
            known = key in attributes
        except (TypeError, ValueError):  # an array or other unhashable value
            known = False
        if not known:
            close = difflib.get_close_matches(str(key), [str(a) for a in attributes], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            if key == "plan" and "mrr" in book.tables and "plan" in book.table("mrr").columns:
                hint = (
                    "; the MRR table's plan changes month to month and is not an account "
                    "attribute: add the plan to the accounts table to group by it"
                )
            raise ColumnError(
                f"by: {key!r} is not an attribute of the Book's accounts (its attributes: "
                f"{attributes}){hint}"
            )
    if len(set(keys)) != len(keys):
        raise InputError(f"by: an attribute is named twice in {keys!r}")
    grouped = accounts.groupby(
        keys if len(keys) > 1 else keys[0], sort=True, observed=True, dropna=bool(dropna)
    )
    codes = grouped.ngroup().to_numpy(dtype=np.float64, na_value=np.nan)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
    index = grouped.size().index
    inside = codes >= 0
    local = np.zeros(len(codes), dtype=np.int64)
    local[inside] = pd.Series(codes[inside]).groupby(codes[inside]).cumcount().to_numpy()
    sizes = np.bincount(codes[inside], minlength=len(index))
    for shared in (codes, local, sizes):  # kept in the Book's cache: nobody may write to them
        shared.flags.writeable = False
    return _Groups(codes, index, local, sizes)


_Entries = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""(account, month, MRR, group) arrays of a Book's MRR entries, one element per entry."""


def _group_entries(book: Book, groups: _Groups | None) -> tuple[_Entries, int]:
    """The Book's (account, month, MRR, group) entries of accounts in a group, and the number
    of groups (one without ``groups``)."""
    account, month, amount, _plan = book._core.mrr_entries()
    if groups is None:
        return (account, month, amount, np.zeros(len(account), np.int64)), 1
    group = groups.codes[account]
    keep = group >= 0
    return (account[keep], month[keep], amount[keep], group[keep]), len(groups.index)


def _group_tables(book: Book, groups: _Groups) -> tuple[list[_core.MrrTable], int, int]:
    """One C++ MrrTable per group, each over the Book's whole span of months (a row of MRR 0 in
    its first and last month sets the span, adding no revenue), and that span."""
    whole = _book_mrr(book)
    first, n = int(whole.first_month), int(whole.n_months)
    (account, month, amount, group), n_groups = _group_entries(book, groups)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    span = np.array([first, first + n - 1] if n else [], dtype=np.int64)
    tables = []
    for g in range(n_groups):
        rows = order[bounds[g] : bounds[g + 1]]
        tables.append(
            _core.MrrTable(
                np.concatenate([groups.local[account[rows]], np.zeros(len(span), np.int64)]),
                int(groups.sizes[g]),
                np.concatenate([month[rows], span]),
                np.concatenate([amount[rows], np.zeros(len(span))]),
                "account_id",
                "period",
                "mrr",
            )
        )
    return tables, first, n


def _group_index(groups: pd.Index, counts: np.ndarray, inner: pd.Index) -> pd.MultiIndex:
    """The MultiIndex of ``groups[k]`` repeated ``counts[k]`` times beside ``inner``."""
    outer = groups.repeat(counts)
    levels = [outer.get_level_values(i) for i in range(outer.nlevels)]
    return pd.MultiIndex.from_arrays([*levels, inner], names=[*groups.names, inner.name])


def _group_rows(groups: pd.Index, periods: pd.Index) -> pd.MultiIndex:
    """(group, period) for every group and every one of ``periods``."""
    n = len(periods)
    return _group_index(
        groups, np.full(len(groups), n), periods[np.tile(np.arange(n), len(groups))]
    )


def _first_paid_cohorts_by(book: Book, kind: str, groups: _Groups) -> pd.DataFrame:
    tables, _first, n = _group_tables(book, groups)
    blocks, cohorts, counts = [], [], []
    for table in tables:
        months, _sizes, values = _core.kpi.cohort_retention(table, kind)
        block = np.full((len(months), n), np.nan)
        width = min(values.shape[1], n)
        block[:, :width] = values[:, :width]
        blocks.append(block)
        cohorts.append(np.asarray(months, dtype=np.int64))
        counts.append(len(months))
    values = np.vstack(blocks) if blocks else np.empty((0, n))
    inner = pd.PeriodIndex.from_ordinals(
        np.concatenate(cohorts) if cohorts else np.empty(0, np.int64), freq="M", name="cohort"
    )
    index = _group_index(groups.index, np.asarray(counts, dtype=np.int64), inner)
    return pd.DataFrame(values, index=index, columns=pd.RangeIndex(n, name="age"))


def _signed_cohorts(book: Book, kind: str, groups: _Groups | None) -> pd.DataFrame:
    """Cohorts by signing month (see cohort_retention)."""
    whole = _book_mrr(book)
    first, n = int(whole.first_month), int(whole.n_months)
    last = first + n - 1
    days = book._days("accounts", "signed_at")
    signed = days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    group = np.zeros(len(signed), np.int64) if groups is None else groups.codes
    member = (group >= 0) & (signed <= last) & (n > 0)
    # Rows: distinct (group, signing month) of the members, sorted.
    lo = int(signed[member].min()) if member.any() else 0
    width = last - lo + 1 if member.any() else 0
    keys, inverse = np.unique(
        group[member] * max(width, 1) + (signed[member] - lo), return_inverse=True
    )
    row = np.full(len(signed), -1, dtype=np.int64)
    row[member] = inverse.ravel()
    sizes = np.bincount(row[member], minlength=len(keys))
    row_group, row_cohort = keys // max(width, 1), keys % max(width, 1) + lo
    # Paying months of members at ages >= 0 from their signing month.
    account, month, amount, _plan = book._core.mrr_entries()
    age = month - signed[account]
    use = (amount > 0) & (row[account] >= 0) & (age >= 0)
    cells = row[account[use]] * width + age[use]
    size = len(keys) * width
    values: np.ndarray
    if kind == "logo":
        values = np.bincount(cells, minlength=size).reshape(len(keys), width).astype(np.float64)
        values /= sizes[:, None]
    else:
        values = np.bincount(cells, weights=amount[use], minlength=size).reshape(len(keys), width)
        base = values[:, :1].copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(base > 0, values / np.where(base > 0, base, 1.0), np.nan)
        values[row_cohort < first, :] = np.nan  # age 0 not observed
    when = row_cohort[:, None] + np.arange(width)[None, :]
    values[(when < first) | (when > last)] = np.nan
    inner = pd.PeriodIndex.from_ordinals(row_cohort.astype(np.int64), freq="M", name="cohort")
    if groups is None:
        index: pd.Index = inner
    else:
        counts = np.bincount(row_group, minlength=len(groups.index))
        index = _group_index(groups.index, counts, inner)
    return pd.DataFrame(values, index=index, columns=pd.RangeIndex(width, name="age"))


def _check_freq(freq: Any) -> str | None:
    if freq is None:
        return None
    if not isinstance(freq, str) or freq not in _FREQS:
        raise InputError(
            f"freq: must be one of {', '.join(map(repr, _FREQS))} (calendar month, "
            f"quarter, year) or None, got {freq!r}"
        )
    return freq


def _book_answers(
    book: Book, kind: str, by: Any, freq: Any, dropna: bool, func: str, scale: int | None = None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The scores of a Book's answers of one kind, their group codes (by account attribute and
    period of the answer day in the Book's zone, numbered in sorted order) and the groups'
    index."""
    if by is None and freq is None:
        raise InputError(
            f"{func}: give by= (account attributes) and/or freq= ({', '.join(map(repr, _FREQS))})"
        )
    freq = _check_freq(freq)
    groups = None if by is None else _account_groups(book, by, dropna)
    surveys = book.table("surveys")
    t = book._tables["surveys"]
    account = book.ids.get_indexer(surveys["account_id"])
    unknown = account < 0
    if int(unknown.sum()) != book.dropped.get("surveys", 0):
        row = _frames.first_row(unknown) if unknown.any() else 0
        raise InputError(
            f"{t.where('account_id', row)}: the surveys' account ids do not match "
            "the accounts table's; give both tables ids of one type"
        )
    keep = ~unknown
    if "kind" in surveys.columns:
        text = surveys["kind"].astype("string").str.strip().str.lower()
        keep &= (text == kind).fillna(False).to_numpy(dtype=bool)
    elif kind != "nps":
        keep[:] = False
    values = surveys["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    if scale is not None:
        bad = keep & ((values < 1) | (values > scale))
        if bad.any():
            row = _frames.first_row(bad)
            raise InputError(
                f"{t.where('score', row)}: a CSAT answer must be a whole number "
                f"1-{scale}, got {values[row]:g}"
            )
    group = np.zeros(len(surveys), np.int64)
    if groups is not None:
        group = groups.codes[np.where(keep, account, 0)]
        keep &= group >= 0
    rows = np.flatnonzero(keep)
    period = np.zeros(len(rows), np.int64)
    if freq is not None:
        days = book._days("surveys", "answered_at")[rows]
        period = pd.DatetimeIndex(days.astype("datetime64[D]")).to_period(freq).asi8
    g = group[rows]
    lo = int(period.min()) if len(rows) else 0
    width = int(period.max()) - lo + 1 if len(rows) else 1
    keys, inverse = np.unique(g * width + (period - lo), return_inverse=True)
    periods = pd.PeriodIndex.from_ordinals(keys % width + lo, freq=freq or "M", name="period")
    if groups is None:
        index: pd.Index = periods
    elif freq is None:
        index = groups.index.take(keys // width)
    else:
        counts = np.bincount(keys // width, minlength=len(groups.index))
        index = _group_index(groups.index, counts, periods)
    return values[rows], inverse.ravel().astype(np.int64), index


def _frame_answers(
    frame: Any, by: Any, score: Any, freq: Any
) -> tuple[pd.DataFrame, list[Any], Any]:
    frame = _frames.require_frame(frame, "the survey table")
    if freq is not None:
        raise InputError(
            "freq: groups a retain.Book's answers by period of answered_at; with "
            "a DataFrame, add a period column and group by it"
        )
    if by is None:
        raise InputError("by: give the column(s) of the survey table to group by")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    if not keys:
        raise InputError("by: give at least one column to group by")
    _frames.require_columns(frame, [*keys, score], "the survey table")
    values, _ = _frames.vector(frame[score], str(score))
    return frame, keys, values


def _empty_keys(frame: pd.DataFrame, keys: list[Any]) -> pd.Index:
    if len(keys) > 1:
        return pd.MultiIndex.from_arrays([frame[k] for k in keys])
    return pd.Index(frame[keys[0]])


def _empty_table(index: pd.Index, columns: list[str], floats: tuple[str, ...]) -> pd.DataFrame:
    out = {c: np.empty(0, dtype=np.float64 if c in floats else np.int64) for c in columns}
    return pd.DataFrame(out, index=index)
