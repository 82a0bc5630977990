"""ROC AUC and PR AUC on ten million rows: retain against scikit-learn.

Both start from the same numpy arrays (y as float64 0/1, risk as float64) and compute the same
number; the numbers are checked equal (1e-12) before any time is printed. Two kinds of risk:
rounded to 3 decimals (1,001 distinct values, heavy ties, as scores from a health model are) and
continuous (almost every value distinct). A third, weighted, case times sample weights.

    .venv/bin/python benchmarks/bench_metrics.py [--n N] [--repeat R]

Target (issue 5): roc_auc on 10 million rows at least 3x faster than scikit-learn's
roc_auc_score.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
from collections.abc import Callable

import numpy as np
import sklearn
from sklearn import metrics as skm

import retain as rt

TARGET = 3.0


def best_time(fn: Callable[[], float], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def make_data(n: int, seed: int = 2026) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Churn labels (about 8 % churners) and a risk that ranks them better than chance."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(np.float64)
    risk = 1.0 / (1.0 + np.exp(-(rng.normal(size=n) + 1.2 * y - 2.0)))
    weight = rng.uniform(0.5, 2.0, n)
    none = np.empty(0)
    return {
        "risk rounded to 3 decimals": (y, np.round(risk, 3), none),
        "continuous risk": (y, risk, none),
        "rounded risk, sample_weight": (y, np.round(risk, 3), weight),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    args = parser.parse_args()

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores ({affinity} usable)")
    print(
        f"python {platform.python_version()}, retain {rt.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    )
    cases = make_data(args.n)
    print(f"data: {args.n:,} rows, {cases['continuous risk'][0].mean():.1%} churners")

    metrics = [
        ("roc_auc", rt.metrics.roc_auc, skm.roc_auc_score),
        ("pr_auc", rt.metrics.pr_auc, skm.average_precision_score),
    ]
    t0 = time.perf_counter()
    for label, (y, risk, weight) in cases.items():
        w = weight if weight.size else None
        for name, ours, theirs in metrics:
            a, b = ours(y, risk, sample_weight=w), theirs(y, risk, sample_weight=w)
            assert abs(a - b) <= 1e-12, f"{name}, {label}: retain {a!r} != scikit-learn {b!r}"
    took = time.perf_counter() - t0
    print(f"check: retain equals scikit-learn (1e-12) in every case, in {took:.1f} s")

    print()
    print(f"best of {args.repeat}, seconds, from the same numpy arrays")
    header = (
        f"| {'metric':<8} | {'risk':<28} | {'retain':>8} | {'scikit-learn':>12} | {'ratio':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    roc_ratios = []
    for label, (y, risk, weight) in cases.items():
        w = weight if weight.size else None
        for name, ours, theirs in metrics:
            r = best_time(lambda f=ours, a=(y, risk, w): f(*a[:2], sample_weight=a[2]), args.repeat)
            s = best_time(
                lambda f=theirs, a=(y, risk, w): f(*a[:2], sample_weight=a[2]), args.repeat
            )
            if name == "roc_auc":
                roc_ratios.append(s / r)
            print(f"| {name:<8} | {label:<28} | {r:>8.3f} | {s:>12.3f} | {s / r:>6.1f}x |")

    low = min(roc_ratios)
    print(
        f"Target: roc_auc on {args.n:,} rows >= {TARGET:.0f}x faster than scikit-learn "
        f"(issue 5): {'MET' if low >= TARGET else 'NOT MET'} (lowest {low:.1f}x)"
    )


if __name__ == "__main__":
    main()
