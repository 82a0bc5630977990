"""The benchmarks run (at a toy size) and their checks pass: each one first asserts that pandas,
polars and retain computed the same numbers, so this is also an oracle test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

pytest.importorskip("polars", reason="the benchmarks compare with polars (pip install .[bench])")


def test_bench_kpi_agrees_with_pandas_and_polars_and_prints_ratios():
    run = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_kpi.py"),
            "--accounts",
            "400",
            "--months",
            "14",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "check: pandas and polars equal retain" in run.stdout
    assert run.stdout.count("Target: >= 20x faster than pandas") == 2


def test_bench_survival_agrees_with_lifelines_and_prints_ratios():
    pytest.importorskip("lifelines")
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_survival.py"), "--n", "5000", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Target: Kaplan-Meier >= 20x faster than lifelines" in run.stdout


def test_bench_engagement_agrees_with_pandas_and_prints_the_target_line():
    run = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_engagement.py"),
            "--events",
            "20000",
            "--accounts",
            "60",
            "--as-of",
            "6",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "check: pandas equals retain" in run.stdout
    assert "Target: >= 30x faster than pandas and < 4 GiB peak memory (issue #3)" in run.stdout
