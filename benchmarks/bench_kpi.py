"""The demo's revenue KPIs (issue 13), end to end from the DataFrames: retain against the fastest
plain numpy way and a polars way, in one run.

The work, as the demo's report does it: MRR movements per month (the 14 columns of
``rt.kpi.mrr_movements``), the logo, gross revenue and net revenue churn rates (from the
movements), NRR and GRR over 12 months, and the logo cohort retention matrix (cohort = first
paying month, x age in months).

The data: 100,000 accounts x 36 months by default. The MRR table has a row per paying month (a
third of them with a second line item, an add-on of whole dollars, to be summed) and a few rows
of MRR 0: about 3.6 M rows at the default size. Accounts start over the span, churn, come back,
expand and contract. The accounts table (id, tz-aware ``signed_at``) is there because a Book
needs one. Two inputs, each its own block of rows in the printed table:

- ``str-shuffled``, as an export has it: string ids ("ACC-0000042"), one string object per row
  (as ``pd.read_csv`` makes them: a shuffled id seldom repeats inside one of its parser chunks),
  rows in no order, periods as 'YYYY-MM' text;
- ``int-sorted``, as a typed pipeline has it: int64 ids, rows sorted by (account, month),
  periods as ``Period[M]``.

The sides, each starting from the same pandas DataFrames:

- retain with a Book (the headline): ``rt.Book(accounts, mrr=mrr)``, then the KPI calls on it;
- retain with an MrrTable: ``rt.MrrTable(mrr)`` (no accounts table), then the same calls;
- the plain numpy way: ``pd.factorize`` the ids (on ids that are separate objects it is several
  times faster than ``Index.get_indexer`` against the accounts' ids), months from the
  factorized period text (or ``Period.asi8``), one ``np.bincount`` into a month x account MRR
  matrix (line items summed), then every KPI by vectorised masks and sums over that matrix, the
  cohorts by one ``bincount`` of (first paying month, age);
- polars without a cross join: the columns as polars Series (string ids as categorical codes),
  months parsed from the text, line items summed by ``group_by``, sorted once by (account,
  month); each row's previous and next paying month by a ``shift`` masked where the account
  changes (what ``shift().over(account)`` gives on sorted rows, about 40x faster than ``over``
  here), the cohort by a forward fill of each account's first month, everything summed by
  ``group_by(month)``; NRR/GRR by one join of each paying month with the same account 12
  months later.

Every side is checked equal to the Book's results first, on the benchmark's own data (counts and
cohort cells exactly, amounts, rates, NRR and GRR to 1e-9 relative), then timed.

Timing: "build / prepare" is the Book or the MrrTable (retain), the matrix (numpy: ids, months,
bincount) or the summed, sorted rows (polars: conversion, parsing, group_by, sort); "KPIs" is the
rest, up to the results as pandas objects (numpy and polars build the same DataFrames and Series
retain returns). "End to end" is the best of --repeat runs of both together; the two parts are
each their own best, so they need not add up to it. Not timed: making the DataFrames, the checks,
importing the libraries. Each row is a fresh child process. retain runs on 1 core (the process
pinned to one CPU, and ``n_threads=1`` where a call takes one: in Python ``rt.Book``,
``MrrTable``, ``nrr``, ``grr`` and ``cohort_retention`` take no thread count, so pinning is what
holds them to one core) and on every core (default threads); numpy is single threaded; polars
runs on its own pool (every core). Peak memory is the child's resident-set high-water mark
(VmHWM), beside the same mark right after making the DataFrames. The "boundary" line times, in
the parent, what the Book's build costs on string ids beside ``pd.factorize`` and a pyarrow
conversion of the same id column: the floor under the string-id target. ``--quick`` (a toy size)
times every side in one process, to check that the script works, not to measure.

    .venv/bin/python benchmarks/bench_kpi.py [--accounts N] [--months M] [--repeat R]
        [--inputs str-shuffled int-sorted] [--quick] [--json PATH]

Targets (issue 13), retain with the Book on every core, end to end, against the numpy way:
>= 3x on string ids (str-shuffled), >= 10x on sorted integer ids (int-sorted).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from typing import Any

import numpy as np
import pandas as pd

import _common
from _common import (
    best_of,
    cpu_model,
    peak_rss_bytes,
    pin_to_one_core,
    run_child,
    verdict,
    write_json,
)

LAG = 12  # NRR / GRR over 12 months, as the demo reports them
FIRST_MONTH = pd.Period("2021-01", freq="M")
INPUTS = {
    "str-shuffled": "string ids, rows shuffled, 'YYYY-MM' text",
    "int-sorted": "int64 ids, rows sorted by account, Period[M]",
}
TARGETS = {"str-shuffled": 3.0, "int-sorted": 10.0}
RATE_KINDS = ("logo", "gross_revenue", "net_revenue")
AMOUNT_COLUMNS = [
    "starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr",
]  # fmt: skip
COUNT_COLUMNS = [
    "starting_accounts", "new_accounts", "expansion_accounts", "contraction_accounts",
    "churned_accounts", "reactivated_accounts", "ending_accounts",
]  # fmt: skip
COUNT_OF = {  # the count column of each kind of movement
    "new": "new_accounts",
    "expansion": "expansion_accounts",
    "contraction": "contraction_accounts",
    "churned": "churned_accounts",
    "reactivation": "reactivated_accounts",
}
SIDES = {
    "retain-book-1": "retain `rt.Book`, 1 core",
    "retain-book-all": "retain `rt.Book`, every core",
    "retain-table-1": "retain `rt.MrrTable`, 1 core",
    "retain-table-all": "retain `rt.MrrTable`, every core",
    "numpy": "pandas + numpy (the plain way)",
    "polars": "polars",
}


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def make_data(n_accounts: int, n_months: int, ids: str, seed: int = 13) -> dict[str, pd.DataFrame]:
    """The accounts and MRR DataFrames of one input (see the module docstring)."""
    rng = np.random.default_rng(seed)
    a = n_accounts
    prices = np.array([19.0, 29.0, 49.0, 99.0, 149.0, 299.0, 499.0, 999.0, 49.99, 99.5])
    price_p = np.array([0.10, 0.14, 0.18, 0.18, 0.10, 0.10, 0.06, 0.04, 0.05, 0.05])
    start = np.where(rng.random(a) < 0.7, 0, rng.integers(0, n_months, a))
    seats = rng.integers(1, 6, a).astype(np.float64)
    price = rng.choice(prices, a, p=price_p)
    active = np.zeros(a, dtype=bool)
    started = np.zeros(a, dtype=bool)
    mrr = np.zeros((a, n_months))
    for k in range(n_months):
        u = rng.random(a)
        starting = ~started & (start == k)
        started |= starting
        churn = active & (u < 0.015)
        back = started & ~active & ~starting & (u < 0.05)
        active = (active & ~churn) | starting | back
        stay = active & ~starting & ~back  # expansions and contractions of those who stay
        v = rng.random(a)
        grow = stay & (v < 0.06)
        shrink = stay & (v >= 0.06) & (v < 0.09) & (seats > 1)
        seats += grow * rng.integers(1, 4, a)
        seats -= shrink
        upgrade = stay & (v >= 0.09) & (v < 0.10)
        price = np.where(upgrade, rng.choice(prices, a, p=price_p), price)
        mrr[:, k] = np.where(active, np.round(seats * price, 2), 0.0)

    # Line items: the plan, for a third of the paying months an add-on of whole dollars (at
    # most two items, so that any order of summing gives the same float), 1 % of the unpaid
    # months a row of 0.
    pay_acc, pay_month = np.nonzero(mrr > 0)
    amount = mrr[pay_acc, pay_month].copy()
    addon = np.flatnonzero(rng.random(len(pay_acc)) < 0.35)
    part = np.minimum(rng.choice([5.0, 10.0, 20.0, 50.0], len(addon)), np.floor(amount[addon]))
    amount[addon] -= part
    zero_acc, zero_month = np.nonzero((mrr == 0) & (rng.random(mrr.shape) < 0.01))
    acc = np.concatenate([pay_acc, pay_acc[addon], zero_acc])
    month = np.concatenate([pay_month, pay_month[addon], zero_month])
    value = np.concatenate([amount, part, np.zeros(len(zero_acc))])

    # Signed up to a year before the first month of revenue, as instants in UTC.
    signed_month = FIRST_MONTH.ordinal + start - rng.integers(0, 12, a)
    month_start = pd.PeriodIndex.from_ordinals(signed_month, freq="M").to_timestamp().asi8
    signed = pd.DatetimeIndex(month_start + rng.integers(0, 28 * 86_400, a) * 10**9, tz="UTC")

    if ids == "str-shuffled":
        order = rng.permutation(len(acc))
        acc, month, value = acc[order], month[order], value[order]
        names = np.char.add("ACC-", np.char.zfill(np.arange(a).astype(str), 7))
        # One str object per row, as read_csv makes them (astype(object) of a numpy unicode
        # array makes a new object per element; in slices, so that no large temporary lifts
        # the memory marks); the period texts are shared, as the parser shares repeats within
        # a chunk.
        row_ids = np.empty(len(acc), dtype=object)
        for lo in range(0, len(acc), 1 << 16):
            row_ids[lo : lo + (1 << 16)] = names[acc[lo : lo + (1 << 16)]].astype(object)
        text = pd.period_range(FIRST_MONTH, periods=n_months, freq="M").strftime("%Y-%m")
        periods: Any = np.asarray(text, dtype=object)[month]
        account_order = rng.permutation(a)
        account_ids = names[account_order].astype(object)
    else:
        order = np.lexsort((month, acc))
        acc, month, value = acc[order], month[order], value[order]
        names = 1_000_000 + 7 * np.arange(a, dtype=np.int64)
        row_ids = names[acc]
        periods = pd.PeriodIndex.from_ordinals(FIRST_MONTH.ordinal + month, freq="M")
        account_order = np.arange(a)
        account_ids = names
    accounts = pd.DataFrame({"account_id": account_ids, "signed_at": signed[account_order]})
    mrr_table = pd.DataFrame({"account_id": row_ids, "period": periods, "mrr": value})
    return {"accounts": accounts, "mrr": mrr_table}


# ---------------------------------------------------------------------------------------------
# retain
# ---------------------------------------------------------------------------------------------


def retain_build(tables: dict, how: str) -> Any:
    import retain as rt

    if how == "book":
        return rt.Book(tables["accounts"], mrr=tables["mrr"])
    return rt.MrrTable(tables["mrr"], account="account_id", period="period", mrr="mrr")


def retain_kpis(source: Any, n_threads: int | None) -> dict:
    import retain as rt

    mv = rt.kpi.mrr_movements(source, n_threads=n_threads)
    return {
        "movements": mv,
        "rates": {kind: rt.kpi.churn_rate(mv, kind) for kind in RATE_KINDS},
        "nrr": rt.kpi.nrr(source, months=LAG),
        "grr": rt.kpi.grr(source, months=LAG),
        "cohorts": rt.kpi.cohort_retention(source, kind="logo"),
    }


# ---------------------------------------------------------------------------------------------
# The plain way: pandas to factorize, numpy on an account x month matrix
# ---------------------------------------------------------------------------------------------


def numpy_prepare(tables: dict) -> tuple[np.ndarray, int]:
    """The month x account MRR matrix (line items summed) and the first month's number."""
    mrr = tables["mrr"]
    account, _ = pd.factorize(mrr["account_id"])
    period = mrr["period"]
    if isinstance(period.dtype, pd.PeriodDtype):
        month = period.array.asi8
    else:  # 'YYYY-MM' text: parse the few distinct values, not every row
        codes, texts = pd.factorize(period)
        month = pd.PeriodIndex(texts, freq="M").asi8[codes]
    first = int(month.min())
    n_months = int(month.max()) - first + 1
    n_accounts = int(account.max()) + 1
    matrix = np.bincount(
        (month - first) * n_accounts + account,
        weights=mrr["mrr"].to_numpy(dtype=np.float64),
        minlength=n_months * n_accounts,
    ).reshape(n_months, n_accounts)
    return matrix, first


def numpy_kpis(prepared: tuple[np.ndarray, int]) -> dict:
    m, first = prepared
    n_months = m.shape[0]
    prev = np.zeros_like(m)
    prev[1:] = m[:-1]
    paying, paid = m > 0, prev > 0
    first_paid = np.argmax(paying, axis=0)  # an account's first paying month (0 if never)
    starts = paying & ~paid
    new = starts & (np.arange(n_months)[:, None] == first_paid)
    kinds = {
        "new": (new, m),
        "expansion": (paid & (m > prev), m - prev),
        "contraction": (paying & (m < prev), prev - m),
        "churned": (paid & ~paying, prev),
        "reactivation": (starts & ~new, m),
    }
    mv = {"starting_mrr": prev.sum(axis=1)}
    for name, (mask, amount) in kinds.items():
        mv[name] = np.where(mask, amount, 0.0).sum(axis=1)
    mv["ending_mrr"] = m.sum(axis=1)
    mv["starting_accounts"] = paid.sum(axis=1)
    for name, (mask, _) in kinds.items():
        mv[COUNT_OF[name]] = mask.sum(axis=1)
    mv["ending_accounts"] = paying.sum(axis=1)
    mv = pd.DataFrame(
        mv, index=pd.PeriodIndex.from_ordinals(first + np.arange(n_months), freq="M", name="period")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = {
            "logo": mv["churned_accounts"]
            / mv["starting_accounts"].where(mv["starting_accounts"] > 0),
            "gross_revenue": (mv["contraction"] + mv["churned"])
            / mv["starting_mrr"].where(mv["starting_mrr"] > 0),
            "net_revenue": (
                mv["contraction"] + mv["churned"] - mv["expansion"] - mv["reactivation"]
            )
            / mv["starting_mrr"].where(mv["starting_mrr"] > 0),
        }
        base, now = m[:-LAG], m[LAG:]
        kept = base > 0
        start_mrr = np.where(kept, base, 0.0).sum(axis=1)
        nrr = np.where(kept, now, 0.0).sum(axis=1) / start_mrr
        grr = np.where(kept, np.minimum(now, base), 0.0).sum(axis=1) / start_mrr
    later = pd.PeriodIndex.from_ordinals(
        first + LAG + np.arange(max(n_months - LAG, 0)), freq="M", name="period"
    )
    # Cohorts: every paying cell counted at (first paying month, age) by one bincount.
    month, account = np.nonzero(paying)
    cohort = first_paid[account]
    cells = np.bincount(cohort * n_months + (month - cohort), minlength=n_months * n_months)
    cells = cells.reshape(n_months, n_months)
    used = np.flatnonzero(cells[:, 0])
    values = cells[used] / cells[used, :1]
    values[used[:, None] + np.arange(n_months) >= n_months] = np.nan  # after the last month
    cohorts = pd.DataFrame(
        values,
        index=pd.PeriodIndex.from_ordinals(first + used, freq="M", name="cohort"),
        columns=pd.RangeIndex(n_months, name="age"),
    )
    return {
        "movements": mv,
        "rates": rates,
        "nrr": pd.Series(nrr, index=later, name="nrr"),
        "grr": pd.Series(grr, index=later, name="grr"),
        "cohorts": cohorts,
    }


# ---------------------------------------------------------------------------------------------
# polars: sorted once by (account, month), shifts over the account, group_by month
# ---------------------------------------------------------------------------------------------


def polars_prepare(tables: dict) -> Any:
    """Paying (account, month, mrr) rows, line items summed, sorted by (account, month); string
    ids as categorical codes (sorting and grouping integers, not text), months as month numbers
    (months since 1970-01)."""
    import polars as pl

    mrr = tables["mrr"]
    period = mrr["period"]
    if isinstance(period.dtype, pd.PeriodDtype):
        month = pl.Series("month", period.array.asi8)
    else:
        text = pl.Series("period", period.to_numpy(), dtype=pl.String)
        month = (
            (text.str.slice(0, 4).cast(pl.Int64) - 1970) * 12
            + text.str.slice(5, 2).cast(pl.Int64)
            - 1
        ).alias("month")
    ids = mrr["account_id"].to_numpy()
    if ids.dtype == object:
        account = pl.Series("account", ids, dtype=pl.String).cast(pl.Categorical).to_physical()
    else:
        account = pl.Series("account", ids)
    frame = pl.DataFrame([account, month, pl.Series("mrr", mrr["mrr"].to_numpy())])
    return (
        frame.lazy()
        .group_by("account", "month")
        .agg(pl.col("mrr").sum())
        .filter(pl.col("mrr") > 0)
        .sort("account", "month")
        .collect()
    )


def polars_kpis(rows: Any) -> dict:
    import polars as pl

    first, last = rows["month"].min(), rows["month"].max()
    n_months = last - first + 1
    month, mrr = pl.col("month"), pl.col("mrr")
    account = pl.col("account")
    # The rows are sorted by (account, month): a shift masked where the account changes is
    # shift().over("account") without hashing the key (about 40x faster here).
    steps = (
        rows.lazy()
        .with_columns(same_prev=account == account.shift(1), same_next=account == account.shift(-1))
        .with_columns(
            prev_month=pl.when("same_prev").then(month.shift(1)),
            prev_mrr=pl.when("same_prev").then(mrr.shift(1)),
            next_month=pl.when("same_next").then(month.shift(-1)),
            cohort=pl.when(pl.col("same_prev").fill_null(False))
            .then(None)
            .otherwise(month)
            .forward_fill(),
        )
        .collect()
        .lazy()  # computed once for the three queries below
    )
    kept_on = (pl.col("prev_month") == month - 1).fill_null(False)
    starts = ~kept_on
    new = starts & pl.col("prev_month").is_null()
    prev = pl.col("prev_mrr")
    kinds = {
        "new": (new, mrr),
        "expansion": (kept_on & (mrr > prev), mrr - prev),
        "contraction": (kept_on & (mrr < prev), prev - mrr),
        "reactivation": (starts & ~new, mrr),
    }
    aggs = [
        pl.when(mask).then(amount).otherwise(0.0).sum().alias(name)
        for name, (mask, amount) in kinds.items()
    ]
    aggs += [mask.sum().alias(COUNT_OF[name]) for name, (mask, _) in kinds.items()]
    aggs += [mrr.sum().alias("ending_mrr"), pl.len().alias("ending_accounts")]
    per_month = steps.group_by("month").agg(aggs)
    # A churn is a paying month not followed by the next one (within the data).
    churned = (
        steps.filter((pl.col("next_month") != month + 1).fill_null(True) & (month < last))
        .group_by(month=month + 1)
        .agg(mrr.sum().alias("churned"), pl.len().alias("churned_accounts"))
    )
    amount_names = AMOUNT_COLUMNS[1:6]
    count_names = COUNT_COLUMNS[1:6]
    mv = (
        pl.LazyFrame({"month": pl.int_range(first, last + 1, eager=True)})
        .join(per_month, on="month", how="left")
        .join(churned, on="month", how="left")
        .with_columns(
            [pl.col(c).fill_null(0.0) for c in [*amount_names, "ending_mrr"]]
            + [pl.col(c).fill_null(0).cast(pl.Int64) for c in [*count_names, "ending_accounts"]]
        )
        .sort("month")
        .with_columns(
            starting_mrr=pl.col("ending_mrr").shift(1, fill_value=0.0),
            starting_accounts=pl.col("ending_accounts").shift(1, fill_value=0),
        )
        .with_columns(
            logo=pl.col("churned_accounts") / pl.col("starting_accounts"),
            gross_revenue=(pl.col("contraction") + pl.col("churned")) / pl.col("starting_mrr"),
            net_revenue=(
                pl.col("contraction")
                + pl.col("churned")
                - pl.col("expansion")
                - pl.col("reactivation")
            )
            / pl.col("starting_mrr"),
        )
        .collect()
    )
    # NRR / GRR: each paying month joined with the same account LAG months later.
    later = rows.lazy().select("account", "month", now=mrr)
    retention = (
        rows.lazy()
        .filter(month <= last - LAG)
        .select("account", month=month + LAG, base=mrr)
        .join(later, on=["account", "month"], how="left")
        .with_columns(pl.col("now").fill_null(0.0))
        .group_by("month")
        .agg(
            base=pl.col("base").sum(),
            nrr=pl.col("now").sum(),
            grr=pl.min_horizontal("now", "base").sum(),
        )
    )
    retention = (
        pl.LazyFrame({"month": pl.int_range(first + LAG, last + 1, eager=True)})
        .join(retention, on="month", how="left")
        .sort("month")
        .select("month", nrr=pl.col("nrr") / pl.col("base"), grr=pl.col("grr") / pl.col("base"))
        .collect()
    )
    cells = steps.group_by("cohort", age=month - pl.col("cohort")).agg(pl.len()).collect()
    cohort = cells["cohort"].to_numpy() - first
    count = np.zeros((n_months, n_months))
    count[cohort, cells["age"].to_numpy()] = cells["len"].to_numpy()
    used = np.flatnonzero(count[:, 0])
    values = count[used] / count[used, :1]
    values[used[:, None] + np.arange(n_months) >= n_months] = np.nan

    index = pd.PeriodIndex.from_ordinals(mv["month"].to_numpy(), freq="M", name="period")
    columns = {c: mv[c].to_numpy() for c in AMOUNT_COLUMNS + COUNT_COLUMNS}
    later_index = pd.PeriodIndex.from_ordinals(
        retention["month"].to_numpy(), freq="M", name="period"
    )
    return {
        "movements": pd.DataFrame(columns, index=index),
        "rates": {k: pd.Series(mv[k].to_numpy(), index=index) for k in RATE_KINDS},
        "nrr": pd.Series(retention["nrr"].to_numpy(), index=later_index),
        "grr": pd.Series(retention["grr"].to_numpy(), index=later_index),
        "cohorts": pd.DataFrame(
            values,
            index=pd.PeriodIndex.from_ordinals(first + used, freq="M", name="cohort"),
            columns=pd.RangeIndex(n_months, name="age"),
        ),
    }


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def months_of(index: pd.Index) -> np.ndarray:
    """Month numbers of an index of periods: Period[M] or 'YYYY-MM' text."""
    if isinstance(index, pd.PeriodIndex):
        return index.asi8.copy()
    return pd.PeriodIndex(index.astype(str), freq="M").asi8


def close(expected: Any, got: Any, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(got, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=1e-9,
        atol=0,
        equal_nan=True,
        err_msg=what,
    )


def check_equal(ours: dict, theirs: dict, who: str) -> None:
    """``theirs`` equals the Book's results ``ours``: counts and cohort cells exactly, amounts,
    rates and NRR/GRR to 1e-9 relative, the same months in the same order."""
    mv, other = ours["movements"], theirs["movements"]
    assert list(mv.columns) == AMOUNT_COLUMNS + COUNT_COLUMNS, list(mv.columns)
    np.testing.assert_array_equal(
        months_of(other.index), months_of(mv.index), err_msg=f"{who}: months"
    )
    for c in AMOUNT_COLUMNS:
        close(mv[c], other[c], f"{who}: {c}")
    for c in COUNT_COLUMNS:
        np.testing.assert_array_equal(
            other[c].to_numpy().astype(np.int64), mv[c].to_numpy(), err_msg=f"{who}: {c}"
        )
    for kind in RATE_KINDS:
        close(ours["rates"][kind], theirs["rates"][kind], f"{who}: {kind} churn")
    for name in ("nrr", "grr"):
        np.testing.assert_array_equal(
            months_of(theirs[name].index),
            months_of(ours[name].index),
            err_msg=f"{who}: {name} months",
        )
        close(ours[name], theirs[name], f"{who}: {name}")
    a, b = ours["cohorts"], theirs["cohorts"]
    np.testing.assert_array_equal(months_of(b.index), months_of(a.index), err_msg=f"{who}: cohorts")
    assert list(b.columns) == list(a.columns), f"{who}: cohort ages"
    # Shares of whole counts: the same division of the same integers, so exactly equal.
    np.testing.assert_array_equal(b.to_numpy(), a.to_numpy(), err_msg=f"{who}: cohort cells")


def check_input(args: argparse.Namespace, ids: str) -> str:
    """Computes everything once on every side, checks it, and returns the check line."""
    start = time.perf_counter()
    tables = make_data(args.accounts, args.months, ids)
    ours = retain_kpis(retain_build(tables, "book"), None)
    mv = ours["movements"]
    bridge = (
        mv["starting_mrr"]
        + mv["new"]
        + mv["expansion"]
        + mv["reactivation"]
        - mv["contraction"]
        - mv["churned"]
    )
    close(mv["ending_mrr"], bridge, "retain: the bridge")
    np.testing.assert_array_equal(mv["starting_mrr"].iloc[1:], mv["ending_mrr"].iloc[:-1])
    assert ours["nrr"].notna().all() and (ours["grr"] <= ours["nrr"]).all()
    check_equal(ours, retain_kpis(retain_build(tables, "book"), 1), "retain Book, n_threads=1")
    table = retain_build(tables, "table")
    check_equal(ours, retain_kpis(table, None), "retain MrrTable")
    check_equal(ours, retain_kpis(table, 1), "retain MrrTable, n_threads=1")
    check_equal(ours, numpy_kpis(numpy_prepare(tables)), "the numpy way")
    check_equal(ours, polars_kpis(polars_prepare(tables)), "polars")
    moves = int(mv[COUNT_COLUMNS[1:6]].to_numpy().sum())
    return (
        f"check: the numpy way, polars and rt.MrrTable equal rt.Book (n_threads 1 and every "
        f"core) on {ids}: {len(tables['mrr']):,} MRR rows, {len(mv)} months x 14 movement "
        f"columns ({moves:,} movements), 3 churn rates, NRR and GRR ({len(ours['nrr'])} "
        f"months), logo cohorts {ours['cohorts'].shape[0]} x {ours['cohorts'].shape[1]}; "
        f"counts and cohort cells exact, amounts and rates to 1e-9 "
        f"({time.perf_counter() - start:.1f} s)"
    )


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def time_side(side: str, ids: str, args: argparse.Namespace) -> dict:
    """Best of --repeat runs of one side on one input: build / prepare, KPIs, both together."""
    if side.startswith("retain"):
        import retain  # noqa: F401  (imported before the data, as the others import theirs)

        how = "book" if "book" in side else "table"
        threads = 1 if side.endswith("-1") else None

        def prepare(t):
            return retain_build(t, how)

        def kpis(p):
            return retain_kpis(p, threads)
    elif side == "numpy":
        prepare, kpis = numpy_prepare, numpy_kpis
    else:
        import polars  # noqa: F401

        prepare, kpis = polars_prepare, polars_kpis
    tables = make_data(args.accounts, args.months, ids)
    gc.collect()
    data_peak = peak_rss_bytes()
    best = {"prepare": float("inf"), "kpis": float("inf"), "total": float("inf")}
    for _ in range(args.repeat):
        gc.collect()
        t0 = time.perf_counter()
        prepared = prepare(tables)
        t1 = time.perf_counter()
        kpis(prepared)
        t2 = time.perf_counter()
        del prepared
        for key, value in (("prepare", t1 - t0), ("kpis", t2 - t1), ("total", t2 - t0)):
            best[key] = min(best[key], value)
    return {**best, "peak": peak_rss_bytes(), "data_peak": data_peak}


def child(args: argparse.Namespace) -> None:
    """Times one side in this fresh process and prints its numbers as JSON."""
    if args.child.endswith("-1"):  # one core for every retain call, those without n_threads too
        pin_to_one_core()
    print(json.dumps(time_side(args.child, args.ids, args)))


def boundary(args: argparse.Namespace) -> str:
    """Where the Book's time goes on string ids, beside what reading the id column costs any
    tool: the floor under the string-id target."""
    import pyarrow as pa

    import retain as rt

    tables = make_data(args.accounts, args.months, "str-shuffled")
    accounts, mrr = tables["accounts"], tables["mrr"]
    ids = mrr["account_id"]
    steps = {
        "rt.Book(accounts) alone": lambda: rt.Book(accounts),
        "rt.Book(accounts, mrr=mrr)": lambda: rt.Book(accounts, mrr=mrr),
        "pd.factorize of the MRR id column": lambda: pd.factorize(ids),
        "pyarrow large_string of that column": lambda: pa.array(
            ids.to_numpy(), type=pa.large_string(), from_pandas=True
        ),
    }
    times = {name: best_of(args.repeat, fn)[0] for name, fn in steps.items()}
    return (
        f"boundary on str-shuffled (this process, every core, best of {args.repeat}): "
        + ", ".join(f"{name} {t:.3f} s" for name, t in times.items())
    )


def run_side(side: str, ids: str, args: argparse.Namespace) -> dict:
    return run_child(
        __file__,
        [
            *("--child", side, "--ids", ids, "--accounts", str(args.accounts)),
            *("--months", str(args.months), "--repeat", str(args.repeat)),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (2,000 accounts x 18 months, 1 run) to check it works",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--child", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--ids", choices=list(INPUTS), help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.accounts, args.months, args.repeat = 2_000, 18, 1
    if args.months <= LAG:
        parser.error(f"--months must be more than {LAG} (NRR over {LAG} months)")
    if args.accounts < 1 or args.repeat < 1:
        parser.error("--accounts and --repeat must be at least 1")
    if args.child:
        child(args)
        return

    import polars as pl

    import retain as rt

    cores = os.cpu_count() or 1
    print(
        f"{cores} cores ({cpu_model()}); retain {rt.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, polars {pl.__version__} ({pl.thread_pool_size()} threads)"
    )
    print(
        f"data: {args.accounts:,} accounts x {args.months} months; work: mrr_movements, "
        f"churn_rate (logo, gross_revenue, net_revenue), nrr and grr (months={LAG}), "
        f"cohort_retention (logo)"
    )
    for ids in args.inputs:
        print(check_input(args, ids))
        gc.collect()

    rows, targets = [], []
    print()
    where = (
        "--quick: every row in this process, not pinned, peaks cumulative (a smoke "
        "test, not a measurement)"
        if args.quick
        else "every row a fresh child process"
    )
    print(f"best of {args.repeat} runs each, seconds, {where}; end to end from the DataFrames")
    print()
    header = [
        "input",
        "side",
        "build / prepare s",
        "KPIs s",
        "end to end s",
        "numpy way / this (end to end)",
        "peak GiB",
        "data GiB",
    ]
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    for ids in args.inputs:
        if args.quick:  # toy size: every side in this process, to finish in seconds
            results = {side: time_side(side, ids, args) for side in SIDES}
        else:
            results = {side: run_side(side, ids, args) for side in SIDES}
        plain = results["numpy"]["total"]
        for side, label in SIDES.items():
            r = results[side]
            ratio = plain / r["total"]
            print(
                f"| {ids} | {label} | {r['prepare']:.3f} | {r['kpis']:.3f} | "
                f"{r['total']:.3f} | {ratio:.2f}x | {r['peak'] / 2**30:.2f} | "
                f"{r['data_peak'] / 2**30:.2f} |",
                flush=True,
            )
            threads = (
                1
                if side.endswith("-1") or side == "numpy"
                else (pl.thread_pool_size() if side == "polars" else cores)
            )
            rows.append(
                {
                    "input": ids,
                    "input_description": INPUTS[ids],
                    "side": label,
                    "threads": threads,
                    "build_s": r["prepare"],
                    "kpis_s": r["kpis"],
                    "end_to_end_s": r["total"],
                    "numpy_over_this": ratio,
                    "peak_gib": r["peak"] / 2**30,
                    "data_gib": r["data_peak"] / 2**30,
                }
            )
        target = TARGETS[ids]
        ratio = plain / results["retain-book-all"]["total"]
        text = (
            f"the KPI set end to end incl. rt.Book, retain on every core >= {target:g}x the "
            f"numpy way on {INPUTS[ids]} ({ids})"
        )
        targets.append({"text": text, "ratio": ratio, "target": target, "met": ratio >= target})
    print()
    print(
        "build / prepare: rt.Book(accounts, mrr=...) or rt.MrrTable(mrr); numpy: factorize, "
        "months, bincount matrix; polars: columns, months, group_by sum, sort. The parts are "
        "each their best run, end to end the best run of both together."
    )
    print(
        "1 core: the child pinned to one CPU (n_threads=1 where a call takes it); numpy runs "
        f"on one thread, polars on its pool of {pl.thread_pool_size()}."
    )
    print(
        "peak = the child's resident-set high-water mark (VmHWM); data = the same mark right "
        "after making the DataFrames."
    )
    if "str-shuffled" in args.inputs:
        print(boundary(args))
    print()
    for t in targets:
        print(f"Target: {t['text']}: {t['ratio']:.2f}x ({verdict(t['met'])})")

    if args.json:
        write_json(
            args.json,
            "bench_kpi",
            rows,
            targets,
            {
                "accounts": args.accounts,
                "months": args.months,
                "repeat": args.repeat,
                "inputs": args.inputs,
                "quick": args.quick,
            },
        )


if __name__ == "__main__":
    main()
