"""Kaplan-Meier on a million durations: retain against lifelines, scikit-survival and numpy.

The data, as users have them: a tenure table (one row per account, in no particular order) with
a duration column and a boolean ``churned`` column (60 % churned, the rest censored), as
``Book.tenure`` or an export gives it. Two kinds of durations, each timed on its own:
tenure in whole days (exponential, mean 400 days: about 3,400 distinct values, heavy ties) and
tenure in fractional months (exponential, mean 14 months, 4 decimals: about 360,000 distinct
values at a million rows). Default size: 1,000,000 accounts. Ids and timestamps do not enter:
every side starts from the same two columns.

Every side computes the same table: the product-limit survival at every distinct duration with
its 95 % log(-log) interval from Greenwood's variance (lifelines' ``KaplanMeierFitter`` default,
scikit-survival's ``conf_type="log-log"``).

- retain: ``rt.survival.kaplan_meier(df[duration], df["churned"])``, a DataFrame of time,
  at_risk, events, censored, survival, ci_lower, ci_upper;
- lifelines: ``KaplanMeierFitter().fit(df[duration], df["churned"])`` (survival function,
  interval, event table);
- scikit-survival: ``kaplan_meier_estimator(churned, duration, conf_type="log-log")``, when it
  is installed (``pip install scikit-survival``); otherwise its rows are skipped and the output
  says so;
- the plain way, ten lines of numpy: ``np.unique`` with counts of all durations and of the
  churned ones (``searchsorted`` puts the second on the first), at-risk counts by a reverse
  ``cumsum``, survival by ``cumprod``, Greenwood's variance by ``cumsum``, the interval
  vectorised. (For whole days, ``np.bincount`` of the integer days would skip the sort; the
  benchmark keeps the general ``np.unique`` way issue 13 names, which works for any duration.)

Checks first: retain (1 thread and every core) equals each other side on every row they share
(times, at-risk and event counts exactly; survival and both interval bounds to 1e-9 relative),
then the timings.

Timing and memory: each side runs in its own fresh child process (retain on 1 thread, retain on
every core, numpy, lifelines, scikit-survival), best of --repeat runs on both kinds of durations.
retain's 1-thread row passes ``n_threads=1`` and also pins its child to one core
(``sched_setaffinity``), so nothing else of retain's can run beside it; the every-core row passes
``n_threads=None`` (every core). Peak memory per row is the child's resident-set high-water mark
(VmHWM), reset before each kind of durations is made (``/proc/self/clear_refs``), printed beside
the mark right after the data were made.

    .venv/bin/python benchmarks/bench_survival.py [--n N] [--repeat R] [--quick] [--json PATH]

Targets (issue 13), retain on every core, the lower ratio of the two kinds of durations:
>= 20x lifelines and >= 3x the numpy way.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from statistics import NormalDist

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

CASES = {"whole days": "tenure_days", "fractional months": "tenure_months"}
ALPHA = 0.05
RTOL = 1e-9
TARGETS = [("lifelines", 20.0), ("numpy", 3.0)]
SIDES = ["retain-1", "retain-all", "numpy", "lifelines", "sksurv"]
NAMES = {
    "numpy": "numpy (np.unique, cumsum, cumprod)",
    "lifelines": "lifelines KaplanMeierFitter",
    "sksurv": "scikit-survival kaplan_meier_estimator",
}


# ---------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------


def make_case(case: str, n: int, seed: int = 2026) -> pd.DataFrame:
    """A tenure table of n accounts: one duration column (see CASES) and ``churned``."""
    rng = np.random.default_rng(seed)
    churned = rng.random(n) < 0.6
    if case == "whole days":
        duration = np.floor(rng.exponential(400.0, n))
    else:
        duration = np.round(rng.exponential(14.0, n), 4)
    return pd.DataFrame({CASES[case]: duration, "churned": churned})


# ---------------------------------------------------------------------------------------------
# The sides
# ---------------------------------------------------------------------------------------------


def numpy_km(duration: np.ndarray, churned: np.ndarray, alpha: float = ALPHA) -> dict:
    """Kaplan-Meier the plain numpy way: one row per distinct duration."""
    time, removed = np.unique(duration, return_counts=True)
    event_time, n_events = np.unique(duration[churned], return_counts=True)
    events = np.zeros(len(time), np.int64)
    events[np.searchsorted(time, event_time)] = n_events
    at_risk = np.cumsum(removed[::-1])[::-1]
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):  # the last row may empty the risk set
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(survival)
        spread = np.exp(NormalDist().inv_cdf(1.0 - alpha / 2.0) * np.sqrt(greenwood) / log_s)
        # lifelines' conventions: 1 while survival is 1 (undefined), 0 once it is 0
        lower = np.where(survival == 1.0, 1.0, np.exp(log_s / spread))
        upper = np.where(survival == 1.0, 1.0, np.exp(log_s * spread))
        lower[survival == 0.0] = upper[survival == 0.0] = 0.0
    return {
        "time": time,
        "at_risk": at_risk,
        "events": events,
        "survival": survival,
        "ci_lower": lower,
        "ci_upper": upper,
    }


def side_function(side: str, case: str):
    """The call each side times, on a tenure table."""
    column = CASES[case]
    if side.startswith("retain"):
        import retain as rt

        n_threads = 1 if side == "retain-1" else None
        return lambda df: rt.survival.kaplan_meier(df[column], df["churned"], n_threads=n_threads)
    if side == "numpy":
        return lambda df: numpy_km(df[column].to_numpy(), df["churned"].to_numpy())
    if side == "lifelines":
        from lifelines import KaplanMeierFitter

        return lambda df: KaplanMeierFitter(alpha=ALPHA).fit(df[column], df["churned"])
    from sksurv.nonparametric import kaplan_meier_estimator

    return lambda df: kaplan_meier_estimator(
        df["churned"].to_numpy(), df[column].to_numpy(), conf_type="log-log", conf_level=1.0 - ALPHA
    )


def have_sksurv() -> bool:
    try:
        import sksurv.nonparametric  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def rows_at(km: pd.DataFrame, times: np.ndarray, who: str) -> pd.DataFrame:
    """retain's rows at the other side's times (retain adds a row at 0 when no duration is 0)."""
    at = np.searchsorted(km["time"].to_numpy(), times)
    assert at.max(initial=0) < len(km) and np.array_equal(km["time"].to_numpy()[at], times), (
        f"{who}: the times differ"
    )
    assert len(km) - len(times) <= 1 and (len(km) == len(times) or km["time"].iloc[0] == 0.0), (
        f"{who}: retain has times the other side has not"
    )
    return km.iloc[at]


def same(ours: pd.Series, theirs, who: str, column: str, exact: bool = False) -> None:
    a, b = ours.to_numpy(), np.asarray(theirs)
    if exact:
        np.testing.assert_array_equal(a, b, err_msg=f"{who}: {column}")
    else:
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=0, err_msg=f"{who}: {column}")


def check_case(case: str, n: int, sksurv: bool) -> int:
    """Asserts that every side computes retain's table; returns its number of rows."""
    frame = make_case(case, n)
    duration, churned = frame[CASES[case]].to_numpy(), frame["churned"].to_numpy()
    tables = [side_function(s, case)(frame) for s in ("retain-1", "retain-all")]
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
    km = tables[0]

    plain = numpy_km(duration, churned)
    mine = rows_at(km, plain["time"], "numpy")
    for col in ("at_risk", "events"):
        same(mine[col], plain[col], "numpy", col, exact=True)
    for col in ("survival", "ci_lower", "ci_upper"):
        same(mine[col], plain[col], "numpy", col)

    fitter = side_function("lifelines", case)(frame)
    times = fitter.survival_function_.index.to_numpy()
    mine = rows_at(km, times, "lifelines")
    same(mine["survival"], fitter.survival_function_.iloc[:, 0], "lifelines", "survival")
    same(mine["ci_lower"], fitter.confidence_interval_.iloc[:, 0], "lifelines", "ci_lower")
    same(mine["ci_upper"], fitter.confidence_interval_.iloc[:, 1], "lifelines", "ci_upper")
    table = fitter.event_table.reindex(times)
    for col, theirs in (("at_risk", "at_risk"), ("events", "observed"), ("censored", "censored")):
        same(mine[col], table[theirs].to_numpy(), "lifelines", col, exact=True)

    if sksurv:
        times, survival, interval = side_function("sksurv", case)(frame)
        mine = rows_at(km, times, "scikit-survival")
        same(mine["survival"], survival, "scikit-survival", "survival")
        same(mine["ci_lower"], interval[0], "scikit-survival", "ci_lower")
        same(mine["ci_upper"], interval[1], "scikit-survival", "ci_upper")
    return len(km)


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Times one side on each kind of durations; prints its numbers as JSON."""
    side = args.child
    if side == "retain-1":
        pin_to_one_core()
    out = time_cases(
        CASES,
        lambda case: make_case(case, args.n),
        lambda case: side_function(side, case),
        args.repeat,
    )
    print(json.dumps(out))


def run_side(side: str, args: argparse.Namespace) -> dict:
    return run_child(__file__, ["--child", side, "--n", str(args.n), "--repeat", str(args.repeat)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="durations (accounts)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (5,000 durations, 1 run) to check that it works",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.n, args.repeat = 5_000, 1
    if args.child:
        child(args)
        return

    import lifelines

    import retain as rt

    sksurv = have_sksurv()
    cores = os.cpu_count()
    versions = f"retain {rt.__version__}, lifelines {lifelines.__version__}, numpy {np.__version__}"
    if sksurv:
        import sksurv as sks

        versions += f", scikit-survival {sks.__version__}"
    print(f"{cores} cores; {versions}")
    print(
        f"data: {args.n:,} accounts, 60 % churned; durations in whole days (exponential, mean "
        f"400) and in fractional months (exponential, mean 14, 4 decimals); rows in no order"
    )
    if not sksurv:
        print(
            "scikit-survival is not installed: its rows are skipped "
            "(pip install scikit-survival to time it)"
        )

    start = time.perf_counter()
    n_rows = {case: check_case(case, args.n, sksurv) for case in CASES}
    others = (
        "the numpy way, lifelines and scikit-survival" if sksurv else "the numpy way and lifelines"
    )
    print(
        f"check: retain equals {others} (1 thread and every core; times, at-risk and event "
        f"counts exact, survival and interval to {RTOL:g} relative): "
        + ", ".join(f"{case} {rows:,} rows" for case, rows in n_rows.items())
        + f" ({time.perf_counter() - start:.1f} s)"
    )

    sides = [s for s in SIDES if s != "sksurv" or sksurv]
    results = {side: run_side(side, args) for side in sides}
    labels = {
        "retain-1": "retain, n_threads=1 (pinned to one core)",
        "retain-all": f"retain, every core ({cores})",
        **NAMES,
    }
    print()
    print(
        f"best of {args.repeat} runs each, seconds, every side in a fresh child process; "
        f"the baselines run as their libraries do (numpy, lifelines and scikit-survival "
        f"compute on one thread)"
    )
    print()
    print("| durations | side | seconds | this / retain every core | peak MiB | data MiB |")
    print("|---|---|---:|---:|---:|---:|")
    rows = []
    for case in CASES:
        ours = results["retain-all"][case]["seconds"]
        for side in sides:
            r = results[side][case]
            ratio = r["seconds"] / ours
            print(
                f"| {case} | {labels[side]} | {r['seconds']:.4f} | {ratio:.1f} | "
                f"{r['peak'] / 2**20:.0f} | {r['data_peak'] / 2**20:.0f} |"
            )
            rows.append(
                {
                    "durations": case,
                    "side": labels[side],
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
        "kind of durations"
        + (
            ""
            if reset
            else " (could not be reset between the kinds: the fractional row is the peak over both)"
        )
        + "; data = the same mark right after making the table (interpreter, libraries, data)"
    )
    targets = []
    for baseline, target in TARGETS:
        ratio, ratio_1 = (
            min(results[baseline][c]["seconds"] / results[kind][c]["seconds"] for c in CASES)
            for kind in ("retain-all", "retain-1")
        )
        met = ratio >= target
        name = "the numpy way" if baseline == "numpy" else baseline
        text = (
            f"Kaplan-Meier >= {target:.0f}x {name} (retain on every core, the lower of the "
            f"two kinds of durations)"
        )
        print(f"Target: {text}: {ratio:.2f}x ({verdict(met)})")
        print(f"        retain on 1 thread: {ratio_1:.2f}x {name}")
        targets.append(
            {"text": text, "ratio": ratio, "target": target, "met": met, "ratio_1_thread": ratio_1}
        )
    if sksurv:
        ratio = min(
            results["sksurv"][c]["seconds"] / results["retain-all"][c]["seconds"] for c in CASES
        )
        print(f"(no target) scikit-survival / retain on every core: {ratio:.1f}x")

    if args.json:
        write_json(
            args.json,
            "survival",
            rows,
            targets,
            {k: v for k, v in vars(args).items() if k not in ("child", "json")},
        )


if __name__ == "__main__":
    main()
