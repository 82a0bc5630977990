"""ROC AUC on ten million rows: retain against scikit-learn and the one-sort rank AUC.

The data, as users have them: a scored table (one row per account and date, in no particular
order) with a 0/1 integer ``churned`` column (about 8 % ones), a float64 ``risk`` and, for the
weighted case, a float64 ``weight`` (uniform in [0.5, 2]). Three cases, each timed on its own:
risk rounded to 3 decimals (1,001 distinct values, heavy ties, as health scores are), continuous
risk (almost every value distinct), and the rounded risk with sample weights. Default size:
10,000,000 rows. Ids and timestamps do not enter: every side starts from the same columns.

- retain: ``rt.metrics.roc_auc(df["churned"], df["risk"], sample_weight=...)``;
- scikit-learn: ``roc_auc_score`` on the same columns;
- the plain way, the fastest a data scientist writes: without weights the Mann-Whitney statistic
  from one sort, ``scipy.stats.rankdata(risk)`` (average ranks for ties) summed over the
  churners, ``(R1 - n1 (n1 + 1) / 2) / (n1 n0)``; with weights one ``argsort`` of the risk, the
  churners' and the stayers' weights cumulated (``cumsum``) and read at the end of each run of
  tied risks, ``sum_g W1_g (N_<g + N_g / 2) / (W1 N)``.

Checks first: retain (1 thread and every core) equals scikit-learn and the plain way to 1e-9
relative in every case (the largest difference is printed), then the timings.

Timing and memory: each side runs in its own fresh child process (retain on 1 thread, retain on
every core, scikit-learn, the plain way), best of --repeat runs on each case. retain's
``roc_auc`` takes no ``n_threads`` argument (one sort, on the calling thread); its 1-thread row
then pins the child to one core (``sched_setaffinity``), and the table says so. Peak memory per
row is the child's resident-set high-water mark (VmHWM), reset before each case's data are made
(``/proc/self/clear_refs``), printed beside the mark right after the data were made.

    .venv/bin/python benchmarks/bench_metrics.py [--n N] [--repeat R] [--quick] [--json PATH]

Targets (issue 5, kept by issue 13), retain on every core, the lowest ratio of the three cases:
>= 3x scikit-learn's roc_auc_score, and >= 3x the plain way.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time

import numpy as np
import pandas as pd

import _common
from _common import (
    pin_to_one_core,
    run_child,
    time_cases,
    verdict,
    write_json,
)

CASES = ["risk rounded to 3 decimals", "continuous risk", "rounded risk, sample_weight"]
RTOL = 1e-9
TARGETS = [
    ("sklearn", "scikit-learn's roc_auc_score", 3.0),
    ("plain", "the plain way (one-sort rankdata; weighted: argsort + cumsum)", 3.0),
]
SIDES = ["retain-1", "retain-all", "sklearn", "plain"]
NAMES = {
    "sklearn": "scikit-learn roc_auc_score",
}


def label(side: str, case: str, cores: int, pinned: bool) -> str:
    if side == "retain-1":
        return (
            "retain, 1 core (pinned: roc_auc takes no n_threads)"
            if pinned
            else "retain, n_threads=1"
        )
    if side == "retain-all":
        return f"retain, every core ({cores})"
    if side == "plain":
        return (
            "plain: argsort + cumsum"
            if case.endswith("sample_weight")
            else "plain: scipy.stats.rankdata"
        )
    return NAMES[side]


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def make_case(case: str, n: int, seed: int = 2026) -> pd.DataFrame:
    """A scored table of n rows: churned (0/1 int64), risk and, when weighted, weight."""
    rng = np.random.default_rng(seed)
    churned = (rng.random(n) < 0.08).astype(np.int64)
    risk = 1.0 / (1.0 + np.exp(-(rng.normal(size=n) + 1.2 * churned - 2.0)))
    frame = pd.DataFrame(
        {"churned": churned, "risk": risk if case == "continuous risk" else np.round(risk, 3)}
    )
    if case.endswith("sample_weight"):
        frame["weight"] = rng.uniform(0.5, 2.0, n)
    return frame


# ---------------------------------------------------------------------------------------------
# The sides
# ---------------------------------------------------------------------------------------------


def rank_auc(churned: np.ndarray, risk: np.ndarray) -> float:
    """Mann-Whitney: the churners' rank sum from one sort (ties get their average rank)."""
    from scipy.stats import rankdata

    pos = churned == 1
    n1 = np.count_nonzero(pos)
    n0 = len(pos) - n1
    return float((rankdata(risk)[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def weighted_auc(churned: np.ndarray, risk: np.ndarray, weight: np.ndarray) -> float:
    """Pairs weigh the product of their weights: one argsort, cumulated weights per tie run."""
    order = np.argsort(risk)
    ranked = risk[order]
    w = weight[order]
    w1 = np.where(churned[order] == 1, w, 0.0)
    last = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])  # end of each run of ties
    c1, c0 = np.cumsum(w1)[last], np.cumsum(w - w1)[last]
    g1, g0 = np.diff(c1, prepend=0.0), np.diff(c0, prepend=0.0)
    return float(np.sum(g1 * (c0 - 0.5 * g0)) / (c1[-1] * c0[-1]))


def retain_takes_threads() -> bool:
    import retain as rt

    return "n_threads" in inspect.signature(rt.metrics.roc_auc).parameters


def side_function(side: str):
    """The call each side times, on a scored table."""

    def weight(df: pd.DataFrame):
        return df["weight"] if "weight" in df else None

    if side.startswith("retain"):
        import retain as rt

        kw = {}
        if retain_takes_threads():
            kw["n_threads"] = 1 if side == "retain-1" else None
        return lambda df: rt.metrics.roc_auc(
            df["churned"], df["risk"], sample_weight=weight(df), **kw
        )
    if side == "sklearn":
        from sklearn.metrics import roc_auc_score

        return lambda df: roc_auc_score(df["churned"], df["risk"], sample_weight=weight(df))
    import scipy.stats  # noqa: F401  (imported before the data, as the other sides' libraries)

    def plain(df: pd.DataFrame) -> float:
        churned, risk = df["churned"].to_numpy(), df["risk"].to_numpy()
        if "weight" in df:
            return weighted_auc(churned, risk, df["weight"].to_numpy())
        return rank_auc(churned, risk)

    return plain


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Times one side on each case; prints its numbers as JSON."""
    side = args.child
    if side == "retain-1" and not retain_takes_threads():
        pin_to_one_core()
    fn = side_function(side)  # imports the side's library before the data
    out = time_cases(CASES, lambda case: make_case(case, args.n), lambda case: fn, args.repeat)
    print(json.dumps(out))


def run_side(side: str, args: argparse.Namespace) -> dict:
    return run_child(__file__, ["--child", side, "--n", str(args.n), "--repeat", str(args.repeat)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (20,000 rows, 1 run) to check that it works",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.n, args.repeat = 20_000, 1
    if args.child:
        child(args)
        return

    import scipy
    import sklearn

    import retain as rt

    cores = os.cpu_count()
    print(
        f"{cores} cores; retain {rt.__version__}, scikit-learn {sklearn.__version__}, "
        f"scipy {scipy.__version__}, numpy {np.__version__}"
    )
    print(
        f"data: {args.n:,} rows, 8 % churners, rows in no order; risk rounded to 3 decimals, "
        f"continuous, and rounded with sample weights in [0.5, 2]"
    )

    start = time.perf_counter()
    worst = {"sklearn": 0.0, "plain": 0.0}
    for case in CASES:
        frame = make_case(case, args.n)
        ours = [side_function(s)(frame) for s in ("retain-1", "retain-all")]
        assert ours[0] == ours[1], f"{case}: 1 thread {ours[0]!r} != every core {ours[1]!r}"
        for side in worst:
            theirs = side_function(side)(frame)
            diff = abs(ours[0] - theirs) / abs(theirs)
            assert diff <= RTOL, f"{case}: retain {ours[0]!r} != {side} {theirs!r}"
            worst[side] = max(worst[side], diff)
        del frame
    print(
        f"check: retain equals scikit-learn and the plain way (1 thread and every core, "
        f"{RTOL:g} relative) in every case; largest relative difference: scikit-learn "
        f"{worst['sklearn']:.1e}, plain {worst['plain']:.1e} "
        f"({time.perf_counter() - start:.1f} s)"
    )

    results = {side: run_side(side, args) for side in SIDES}
    pinned = not retain_takes_threads()
    print()
    print(
        f"best of {args.repeat} runs each, seconds, every side in a fresh child process, from "
        f"the same DataFrame columns; scikit-learn, scipy and numpy compute on one thread"
    )
    print()
    print("| risk | side | seconds | this / retain every core | peak MiB | data MiB |")
    print("|---|---|---:|---:|---:|---:|")
    rows = []
    for case in CASES:
        ours = results["retain-all"][case]["seconds"]
        for side in SIDES:
            r = results[side][case]
            ratio = r["seconds"] / ours
            name = label(side, case, cores, pinned)
            print(
                f"| {case} | {name} | {r['seconds']:.3f} | {ratio:.1f} | "
                f"{r['peak'] / 2**20:.0f} | {r['data_peak'] / 2**20:.0f} |"
            )
            rows.append(
                {
                    "risk": case,
                    "side": name,
                    "seconds": r["seconds"],
                    "ratio_to_retain_every_core": ratio,
                    "peak_bytes": r["peak"],
                    "data_bytes": r["data_peak"],
                }
            )
    print()
    reset = all(r[case]["peak_reset"] for r in results.values() for case in CASES)
    print(
        "peak = the child's resident-set high-water mark (VmHWM) while it made and timed that "
        "case"
        + (
            ""
            if reset
            else " (could not be reset between cases: a row is the peak "
            "over it and the cases before)"
        )
        + "; data = the same mark right after making the table (interpreter, libraries, data)"
    )
    targets = []
    for baseline, name, target in TARGETS:
        ratio, ratio_1 = (
            min(results[baseline][c]["seconds"] / results[kind][c]["seconds"] for c in CASES)
            for kind in ("retain-all", "retain-1")
        )
        met = ratio >= target
        text = (
            f"roc_auc >= {target:.0f}x {name} (retain on every core, the lowest of the three cases)"
        )
        print(f"Target: {text}: {ratio:.2f}x ({verdict(met)})")
        print(f"        retain on 1 thread: {ratio_1:.2f}x")
        targets.append(
            {"text": text, "ratio": ratio, "target": target, "met": met, "ratio_1_thread": ratio_1}
        )

    if args.json:
        write_json(
            args.json,
            "metrics",
            rows,
            targets,
            {k: v for k, v in vars(args).items() if k not in ("child", "json")},
        )


if __name__ == "__main__":
    main()
