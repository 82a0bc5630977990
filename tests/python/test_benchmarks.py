"""The benchmarks run (at a toy size) and their checks pass: each one first asserts that pandas,
polars and retain computed the same numbers, so this is also an oracle test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

pytest.importorskip("polars", reason="the benchmarks compare with polars (pip install .[bench])")


def run_benchmark(script: str, *args: str) -> str:
    """Runs benchmarks/<script> with toy-size arguments; returns its output, failing on an error."""
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_bench_kpi_agrees_with_pandas_and_polars_and_prints_ratios():
    out = run_benchmark("bench_kpi.py", "--accounts", "400", "--months", "14", "--repeat", "1")
    assert "check: pandas and polars equal retain" in out
    assert out.count("Target: >= 20x faster than pandas") == 2


def test_bench_survival_agrees_with_lifelines_and_prints_ratios():
    pytest.importorskip("lifelines")
    out = run_benchmark("bench_survival.py", "--n", "5000", "--repeat", "1")
    assert "Target: Kaplan-Meier >= 20x faster than lifelines" in out


def test_bench_engagement_agrees_with_pandas_and_prints_the_target_line():
    out = run_benchmark(
        "bench_engagement.py",
        *("--events", "20000", "--accounts", "60", "--as-of", "6", "--repeat", "1"),
    )
    assert "check: pandas equals retain" in out
    assert "Target: >= 30x faster than pandas and < 4 GiB peak memory (issue #3)" in out


def test_bench_health_agrees_with_numpy_and_prints_the_targets():
    out = run_benchmark("bench_health.py", "--accounts", "3000", "--repeat", "1")
    assert "check: numpy equals retain (1 and 2 threads" in out
    assert "| uncalibrated |" in out and "| calibrated |" in out
    assert "Target: >= 5x faster than numpy single threaded (issue 4)" in out
    assert "Target: within 3x of numpy summing the feature matrix once (issue 4)" in out


def test_bench_metrics_agrees_with_sklearn_and_prints_the_target():
    pytest.importorskip("sklearn")
    out = run_benchmark("bench_metrics.py", "--n", "20000", "--repeat", "1")
    assert "check: retain equals scikit-learn (1e-12) in every case" in out
    assert out.count("| roc_auc  |") == 3 and out.count("| pr_auc   |") == 3
    assert "Target: roc_auc on 20,000 rows >= 3x faster than scikit-learn (issue 5)" in out


def test_bench_logistic_agrees_with_sklearn_and_prints_the_target():
    pytest.importorskip("sklearn")
    out = run_benchmark("bench_logistic.py", "--rows", "5000", "--repeat", "1")
    assert "check: coefficients equal (standardized scale" in out
    assert "| retain, 2 threads |" in out and "| scikit-learn lbfgs |" in out
    assert "Target: LogisticChurnModel.fit >= 2x faster than scikit-learn lbfgs" in out


def test_bench_backtest_agrees_with_the_plain_way_and_prints_the_target():
    out = run_benchmark("bench_backtest.py", "--accounts", "1500", "--dates", "8", "--repeat", "1")
    assert "check: retain equals pandas + numpy + scikit-learn on all" in out
    assert "| retain `rt.backtest` |" in out
    assert "Target: a full backtest of 8 dates x 1,500 accounts in under 2 s (issue 5)" in out


def test_bench_book_agrees_with_the_plain_way_and_prints_the_target():
    pytest.importorskip("pyarrow")
    out = run_benchmark(
        "bench_book.py",
        *("--accounts", "300", "--events", "30000", "--dates", "4", "--repeat", "1"),
    )
    assert "check: the plain way equals retain on all" in out
    assert "| retain `Book.read` + `snapshots`, n_threads=1 |" in out
    assert "Target: >= 10x faster than pandas, peak memory < 2x the loaded tables (issue 9)" in out


def test_bench_reasons_agrees_with_the_plain_way_and_prints_the_target():
    out = run_benchmark("bench_reasons.py", "--quick")
    assert "check: the plain way equals retain (1 thread and every core)" in out
    assert "| retain, n_threads=1 |" in out and "| pandas + numpy (the plain way) |" in out
    assert "Target: faster than the plain way (ratio retain / plain < 1" in out
