"""The `retain` command: `retain demo` prints the revenue KPIs of the built-in sample data."""

from __future__ import annotations

import pandas as pd

import retain as rt
from retain.__main__ import main


def test_demo_prints_the_movements_of_the_sample_data(capsys):
    assert main(["demo", "--accounts", "300", "--months", "14", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "300 synthetic accounts over 14 months (seed 2)" in out
    assert "nan" not in out.lower()  # undefined rates are blank, not NaN
    # The last month's ending MRR is what the sample's accounts pay that month, summed.
    data = rt.datasets.synthetic_saas(accounts=300, months=14, random_state=2).table("mrr")
    last = data["period"].max()
    paid = data.loc[data["period"] == last, "mrr"].sum()
    row = next(line for line in out.splitlines() if line.startswith(str(last)))
    assert f"{paid:,.0f}" in row.split()
    assert "LTV at 80 % gross margin" in out


def test_demo_is_the_same_every_time(capsys):
    main(["demo", "--accounts", "200", "--months", "13"])
    first = capsys.readouterr().out
    main(["demo", "--accounts", "200", "--months", "13"])
    assert capsys.readouterr().out == first
    assert isinstance(pd.Period(first.splitlines()[6].split()[0], "M"), pd.Period)
