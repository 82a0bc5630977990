"""The ``retain`` command. ``retain demo`` prints the revenue KPIs of built-in sample data."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import datasets, kpi


def demo(accounts: int, months: int, seed: int) -> str:
    book = datasets.synthetic_saas(accounts=accounts, months=months, random_state=seed)
    mv = kpi.mrr_movements(book)
    amounts = ["starting_mrr", "new", "expansion", "contraction", "churned", "reactivation"]
    report = mv[[*amounts, "ending_mrr", "ending_accounts"]].copy()
    report["logo_churn"] = kpi.churn_rate(mv, "logo")
    report["net_rev_churn"] = kpi.churn_rate(mv, "net_revenue")
    report["quick_ratio"] = kpi.quick_ratio(mv)
    report["arpa"] = kpi.arpa(mv)
    report["nrr_12m"] = kpi.nrr(book, months=12)
    report["grr_12m"] = kpi.grr(book, months=12)

    def fmt(pattern: str):
        return lambda x: "" if pd.isna(x) else pattern.format(x)

    money, share, ratio = fmt("{:,.0f}"), fmt("{:.1%}"), fmt("{:.2f}")
    formatters = {name: money for name in [*amounts, "ending_mrr", "arpa"]}
    formatters.update(
        logo_churn=share, net_rev_churn=share, nrr_12m=share, grr_12m=share, quick_ratio=ratio
    )

    last = mv.iloc[-12:]
    churn_12m = last["churned_accounts"].sum() / last["starting_accounts"].sum()
    arpa_now = float(report["arpa"].iloc[-1])
    value = kpi.ltv(arpa=arpa_now, gross_margin=0.8, churn_rate=churn_12m)
    lines = [
        f"retain demo: {accounts:,} synthetic accounts over {months} months (seed {seed})",
        "",
        "Revenue movements and KPIs per month (churn and retention rates of the month; NRR and",
        "GRR over the 12 months before; blank where undefined, e.g. no revenue a year earlier)",
        report.to_string(formatters=formatters, na_rep=""),
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
