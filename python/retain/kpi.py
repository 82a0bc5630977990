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
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _core, _frames
from .account import MrrTable, as_mrr_table
from .errors import InputError

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
    "cohort_retention",
    "cross_sell_rate",
    "csat",
    "grr",
    "ltv",
    "ltv_to_cac",
    "mrr_movements",
    "nps",
    "nps_by",
    "nrr",
    "onboarding_completion",
    "quick_ratio",
    "retention_rate",
    "time_to_value",
    "upsell_rate",
    "wilson_interval",
]

SMALL_SAMPLE = 30
"""Below this many accounts a rate is flagged ``small_sample``: its interval is wide and the
normal approximations behind the usual rules of thumb do not hold."""


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


def churn_rate(
    mv: pd.DataFrame, kind: str = "logo", ci: float | None = None
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
    """
    columns = _frames.movement_columns(mv)
    if ci is None:
        values = _core.kpi.churn_rate(columns, kind)
        return pd.Series(values, index=mv.index, name=f"{kind}_churn")
    level = _level(ci, "ci")
    out = pd.DataFrame(_core.kpi.churn_rate_interval(columns, kind, level), index=mv.index)
    out["small_sample"] = out["n"] < SMALL_SAMPLE
    return out


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
        _whole(successes, "successes"), _whole(n, "n"), _level(confidence, "confidence")
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
    r = _core.kpi.csat(values, _whole(scale, "scale"), _whole(satisfied_min, "satisfied_min"), name)
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


def nps_by(frame: pd.DataFrame, by: Any, score: Any = "score") -> pd.DataFrame:
    """NPS per group: :func:`nps` of the ``score`` answers of each group of ``frame``.

    ``by`` is a column name or a list of them. Returns a DataFrame indexed by the group key(s)
    (sorted; a MultiIndex for several keys) with the columns ``nps promoters passives detractors
    n stderr margin95``, defined as in :class:`NpsResult`. Only groups with answers appear, so
    no row is NaN; an empty frame gives an empty table. A missing group key or a score that is
    not an integer 0-10 is an :class:`InputError` naming the column and row.
    """
    frame = _frames.require_frame(frame, "the survey table")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    if not keys:
        raise InputError("by: give at least one column to group by")
    _frames.require_columns(frame, [*keys, score], "the survey table")
    values, _ = _frames.vector(frame[score], str(score))
    if len(frame) == 0:
        index = (
            pd.MultiIndex.from_arrays([frame[k] for k in keys])
            if len(keys) > 1
            else pd.Index(frame[keys[0]])
        )
        out = {c: np.empty(0, dtype=np.int64) for c in _NPS_COLUMNS}
        for c in ("nps", "stderr", "margin95"):
            out[c] = np.empty(0)
        return pd.DataFrame(out, index=index)
    codes, index = _frames.group_codes(frame, keys)
    columns = _core.kpi.nps_by(codes, len(index), values, str(score))
    return pd.DataFrame({c: columns[c] for c in _NPS_COLUMNS}, index=index)


def upsell_rate(mv: pd.DataFrame) -> pd.Series:
    """Upsell rate per month of a movements table: expansion_accounts / starting_accounts, the
    share of the accounts paying at the start of the month that pay more than the month before.
    NaN where no account starts the month (such as the first month of the data)."""
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
    Dates are datetime64 (floored to the day, wall time for tz-aware values) or ISO text;
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
        _whole(within_days, "within_days"),
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


def _onboarding_inputs(accounts, milestones, required, account, signed_at, milestone, reached_at):
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
    reached = _frames.day_numbers(milestones[reached_at], reached_at)
    return signed, m_account, m_code, reached, len(required)


def _level(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: must be a confidence level such as 0.95, got {value!r}")
    return float(value)


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}: must be a whole number, got {value!r}")
    return int(value)


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
