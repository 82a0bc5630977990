"""The ``retain`` command. ``retain demo`` prints the revenue KPIs of built-in sample data."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import datasets, kpi


def demo(accounts: int, months: int, seed: int) -> str:
    data = datasets.synthetic_saas(accounts=accounts, months=months, seed=seed)
    mv = kpi.mrr_movements(data.mrr, account="account_id", period="month", mrr="mrr")
    table = mv[
        [
            "starting_mrr",
            "new",
            "expansion",
            "contraction",
            "churned",
            "reactivation",
            "ending_mrr",
            "ending_accounts",
        ]
    ].copy()
    table["logo_churn"] = kpi.churn_rate(mv, "logo")
    table["net_rev_churn"] = kpi.churn_rate(mv, "net_revenue")
    table["quick_ratio"] = kpi.quick_ratio(mv)
    table["arpa"] = kpi.arpa(mv)
    table["nrr_12m"] = kpi.nrr(data.mrr, account="account_id", period="month", mrr="mrr", months=12)
    table["grr_12m"] = kpi.grr(data.mrr, account="account_id", period="month", mrr="mrr", months=12)

    last = mv.iloc[-12:]
    churn_12m = last["churned_accounts"].sum() / last["starting_accounts"].sum()
    arpa_now = float(table["arpa"].iloc[-1])
    value = kpi.ltv(arpa=arpa_now, gross_margin=0.8, churn_rate=churn_12m)
    lines = [
        f"retain demo: {accounts:,} synthetic accounts over {months} months (seed {seed})",
        "",
        "Revenue movements and KPIs per month",
        table.to_string(float_format=lambda x: f"{x:,.3f}" if abs(x) < 10 else f"{x:,.0f}"),
        "",
        f"Monthly logo churn over the last 12 months: {churn_12m:.2%}",
        f"ARPA now: {arpa_now:,.2f}; LTV at 80 % gross margin: {value:,.0f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retain", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="print the revenue KPIs of built-in sample data")
    p.add_argument("--accounts", type=int, default=2_000)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(demo(args.accounts, args.months, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
