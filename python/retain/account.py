"""The account model: validated tables that the formulas read.

Build an :class:`MrrTable` once from a long DataFrame and hand it to every revenue KPI instead
of the DataFrame: validation, id interning and the per-account layout are then paid once, not
per call.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import _frames

__all__ = ["MrrTable"]


class MrrTable:
    """MRR per account and month, validated and laid out for the revenue KPIs.

    ``MrrTable(df, account="account_id", period="period", mrr="mrr")`` reads a long table with
    one row per account, period and line item (line items are summed). Periods may be
    ``Period[M]``, datetime64 (floored to the month), integer month numbers or 'YYYY-MM' text;
    results computed from the table are labelled with periods of the same kind. Bad input raises
    :class:`retain.InputError` / :class:`retain.ColumnError` naming the column and row.

    Every function of :mod:`retain.kpi` that takes the long DataFrame also takes an MrrTable
    (the column keywords are then not needed)::

        table = rt.MrrTable(df, account="account_id", period="month", mrr="mrr")
        mv = rt.kpi.mrr_movements(table)
        nrr = rt.kpi.nrr(table, months=12)
    """

    def __init__(
        self,
        df: pd.DataFrame,
        account: Any = "account_id",
        period: Any = "period",
        mrr: Any = "mrr",
    ) -> None:
        self._core, self._kind = _frames.mrr_table(df, account, period, mrr)

    @property
    def n_accounts(self) -> int:
        """Distinct accounts in the input (paying or not)."""
        return self._core.n_accounts

    @property
    def periods(self) -> pd.Index:
        """Every month from the first to the last period of the input, of the input's kind."""
        return self._kind.range(self._core.first_month, self._core.n_months)

    def __len__(self) -> int:
        """Number of (account, paying month) entries after summing line items."""
        return self._core.n_entries

    def __repr__(self) -> str:
        span = "" if self._core.n_months == 0 else f", {self.periods[0]} to {self.periods[-1]}"
        return (
            f"MrrTable({self.n_accounts:,} accounts, {self._core.n_months} months{span}, "
            f"{len(self):,} paying account-months)"
        )


def as_mrr_table(data: Any, account: Any, period: Any, mrr: Any) -> MrrTable:
    """``data`` itself when it is an MrrTable, else the MrrTable of the DataFrame ``data``."""
    return data if isinstance(data, MrrTable) else MrrTable(data, account, period, mrr)
