"""examples/quickstart.ipynb runs top to bottom in a fresh kernel, every plot in it renders, and
the numbers it reports are right: ROC AUC against scikit-learn, NRR and MRR at risk against
pandas, the calibration's Brier score against scikit-learn."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient
from sklearn.metrics import brier_score_loss, roc_auc_score

import retain as rt

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"

# Appended to the notebook before it runs: the kernel writes what the test checks into its
# working directory (the test's tmp_path) and prints the small values as one JSON line.
READ_BACK = """
import json as _json
import sys as _sys

result.scores.to_csv("scores.csv", index=False)
fitted_result.scores.to_csv("fitted_scores.csv", index=False)
risk.scores.to_csv("calibration_scores.csv", index=False)
_mrr = book.table("mrr")
_mrr.assign(period=_mrr["period"].astype(str)).to_csv("mrr.csv", index=False)
pd.DataFrame({"p_churn": p_churn, "mrr": today["mrr"], "owner": today["owner"]}).to_csv(
    "at_risk_inputs.csv")
print(_json.dumps({
    "retain": rt.__file__,
    "prefix": _sys.prefix,
    "pooled_auc": float(result.pooled["roc_auc"]),
    "comparison": {str(k): [float(v) for v in row]
                   for k, row in report.comparison.iterrows()},
    "holdout_dates": [str(d.date()) for d in report.holdout_dates],
    "nrr": {str(p): float(v) for p, v in retention["nrr"].dropna().items()},
    "expected_mrr_lost": {str(k): float(v) for k, v in at_risk["expected_mrr_lost"].items()},
    "brier": float(risk.brier),
}))
"""

# A cell that draws: a call into rt.plot, or a .plot() method (BacktestResult, DataFrame).
DRAWS = re.compile(r"\brt\.plot\.\w+\(|\.plot\(")


def kernel_environment() -> dict[str, str]:
    """This process's environment, with relative PYTHONPATH entries made absolute: the kernel
    starts in another directory and must import the same retain as this test."""
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p
        )
    return env


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed with the read-back cell, and the folder it ran in."""
    folder = tmp_path_factory.mktemp("quickstart")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(READ_BACK))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(env=kernel_environment())
    return nb, folder


def outputs(cell) -> list:
    return cell.get("outputs", [])


def read_back(nb) -> dict:
    lines = [o["text"] for o in outputs(nb.cells[-1]) if o["output_type"] == "stream"]
    return json.loads("".join(lines).strip().splitlines()[-1])


def test_the_stored_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_it_runs_in_this_environment_without_errors_or_warnings(executed):
    nb, _ = executed
    back = read_back(nb)
    # The kernel is this interpreter's environment and imports the same retain.
    assert back["prefix"] == sys.prefix
    assert Path(back["retain"]).resolve() == Path(rt.__file__).resolve()
    for cell in nb.cells:
        for out in outputs(cell):
            assert out["output_type"] != "error", cell.source[:60]
            # A warning shows as a stderr stream: the notebook should raise none.
            if out["output_type"] == "stream":
                assert out["name"] == "stdout", (cell.source[:60], out["text"])


def test_every_plot_cell_renders_an_image(executed):
    nb, _ = executed
    drawing = [c for c in nb.cells[:-1] if c.cell_type == "code" and DRAWS.search(c.source)]
    tagged = [c for c in nb.cells if "plot" in c.metadata.get("tags", [])]
    # Bridge, cohorts, churn reasons, health scores, backtest, per-date AUC.
    assert len(drawing) == 6
    assert [c.id for c in drawing] == [c.id for c in tagged]
    for cell in drawing:
        images = [o for o in outputs(cell) if "image/png" in o.get("data", {})]
        assert len(images) == 1, cell.source[:60]
        # A real figure, not an empty canvas: a PNG of a few kilobytes at least.
        assert len(images[0]["data"]["image/png"]) > 10_000


def test_the_backtest_auc_is_scikit_learns(executed):
    nb, folder = executed
    back = read_back(nb)
    scores = pd.read_csv(folder / "scores.csv")
    oracle = roc_auc_score(scores["label"], scores["risk"])
    assert back["pooled_auc"] == pytest.approx(oracle, abs=1e-12)
    # 12 month starts of 2,000 accounts: about a thousand active accounts each.
    assert pd.to_datetime(scores["as_of"]).nunique() == 12
    assert 10_000 < len(scores) < 15_000
    assert 0.65 < oracle < 0.9
    # The summary the notebook printed shows that value.
    printed = "".join(
        o["text"]
        for c in nb.cells
        if "rt.backtest(model" in c.source
        for o in outputs(c)
        if o["output_type"] == "stream"
    )
    assert f"ROC AUC {oracle:.3f}" in printed


def test_the_fitted_models_held_out_auc_is_scikit_learns(executed):
    nb, folder = executed
    back = read_back(nb)
    before, after = back["comparison"]["pooled"]
    assert isinstance(after, float) and 0.5 < after < 1
    held = pd.to_datetime(back["holdout_dates"])
    # The held-out rows of each backtest: the same labelled rows fit_weights held out.
    default = pd.read_csv(folder / "scores.csv", parse_dates=["as_of"])
    fitted = pd.read_csv(folder / "fitted_scores.csv", parse_dates=["as_of"])
    default, fitted = default[default["as_of"].isin(held)], fitted[fitted["as_of"].isin(held)]
    assert len(held) == 4 and len(default) == len(fitted) > 3_000
    assert before == pytest.approx(roc_auc_score(default["label"], default["risk"]), abs=1e-12)
    assert after == pytest.approx(roc_auc_score(fitted["label"], fitted["risk"]), abs=1e-12)


def test_nrr_is_the_pandas_one(executed):
    nb, folder = executed
    nrr = read_back(nb)["nrr"]
    mrr = pd.read_csv(folder / "mrr.csv")
    # An account's MRR in a month is the sum of its line items; it pays when that is above 0.
    by_month = mrr.groupby(["period", "account_id"])["mrr"].sum().unstack(fill_value=0.0)
    months = pd.PeriodIndex(by_month.index, freq="M")
    assert len(nrr) == len(months) - 12 == 24
    for period, value in nrr.items():
        p = pd.Period(period, freq="M")
        start = by_month.loc[str(p - 12)]
        paying = start > 0
        oracle = by_month.loc[period][paying].sum() / start[paying].sum()
        assert value == pytest.approx(oracle, rel=1e-12), period


def test_mrr_at_risk_and_the_calibration_are_the_pandas_and_scikit_learn_ones(executed):
    nb, folder = executed
    back = read_back(nb)
    inputs = pd.read_csv(folder / "at_risk_inputs.csv", index_col="account_id")
    assert inputs["p_churn"].between(0, 1).all() and (inputs["mrr"] >= 0).all()
    oracle = (inputs["p_churn"] * inputs["mrr"]).groupby(inputs["owner"]).sum()
    lost = pd.Series(back["expected_mrr_lost"])
    assert sorted(lost.index) == sorted(oracle.index)
    assert np.allclose(lost, oracle[lost.index], rtol=1e-12)
    assert list(lost) == sorted(lost, reverse=True)  # largest first
    cal = pd.read_csv(folder / "calibration_scores.csv")
    held = cal[cal["part"] == "holdout"]
    assert back["brier"] == pytest.approx(
        brier_score_loss(held["label"], held["p_churn"]), abs=1e-12
    )
