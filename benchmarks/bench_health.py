"""Health scores (issue 13): retain's HealthModel against the same document scored with
vectorised numpy, from both frame layouts a user has, in one run.

The document is the issue's example scaled up to 20 measures: four copies of its five measures
(linear, bands, inverted linear, percentile, boolean) in the same three groups, ``reweight`` for
missing values and the red / yellow / green grades. The features: 1,000,000 accounts x 20
float64 columns by default, about 5 % NaN in each, realistic and full of ties (whole user and
ticket counts, NPS 0-10 with many on the band edges, seat utilisation to the percent, a 0/1
flag).

The inputs, as users have them, each its own rows of the table:

- layout ``columns``: a frame of separate float64 columns, as ``read_csv`` / ``read_parquet``
  give (each column contiguous); layout ``matrix``: ``pd.DataFrame(matrix)`` over one row-major
  n x 20 array, as a feature pipeline hands it over (each column strided, 160 bytes apart);
- ids ``str-shuffled``: string account ids ("ACC-0000042") as the index, rows in no order;
  ids ``int-sorted``: integer ids sorted by account. The accounts and their values are the same.

The plain way is what a good data scientist writes: whole-column numpy operations on each
column (``frame[c].to_numpy()``, no copy, where the columns are contiguous; on the matrix layout
one column-major copy of the values first, inside the timing, which is faster than reading the
strided columns several times), ``np.searchsorted`` for bands and percentiles, NaN masks for
the reweighting, the same output frame (score, grade as a Categorical, one column per group,
coverage). Two models: ``uncalibrated`` (percentiles rank
against the values being scored: both sides sort each percentile column inside the timing) and
``calibrated`` (``model.calibrate(frame)``: percentiles rank against stored references; numpy
sorts its own references from the frame once, outside the timing). numpy equals retain with
n_threads 1, 2 and every core (score, groups and coverage to 1e-9 relative and absolute on the
0-100 scale, NaN in the same places, grades equal) on every input and model before anything is
timed.

The floor is numpy reading the matrix once: ``np.nansum`` of the n x 20 C-ordered matrix
(``matrix.sum()``, which neither masks nor copies, is printed beside it).

Timing and memory: every row runs in its own fresh child process (the floor; numpy; retain with
``n_threads=1``, the child pinned to one CPU; retain with ``n_threads=None``, every core), best of
--repeat runs, the same count on every side; the score call includes building its output frame on
both sides. Peak memory is the child's resident-set high-water mark (VmHWM), printed beside the
same mark right after the data was made. ``--quick`` runs every row in this process at a toy size
(a smoke test, not a measurement).

Memory (the hardening issue): scoring 10,000,000 accounts (``--memory-accounts``) peaks at no
more than 1.5x the feature matrix. Each layout and id input is scored once, with the
uncalibrated model (it ranks its percentile measures in the call, so it needs the most), by
``HealthModel.score(frame)`` on every core in a fresh child process: the resident set is read
after the imports and the model (the baseline), the frame is made, the high-water mark is
restarted (``clear_refs``), the frame is scored and the scored frame kept. The feature matrix is
the frame as the user holds it, ``frame.memory_usage(deep=True).sum()``: the 20 float64 measure
columns plus the account ids (the index: string ids are Python str objects, each its own;
sorted integer ids a RangeIndex of no size). The target's ratio is (peak - baseline) / matrix:
the memory the data and the call take at the peak, the matrix itself included, over the matrix
(the interpreter and libraries are neither); printed beside it are what the call adds,
(peak - resident after making the frame) / matrix, and the absolute peak / (baseline + matrix).
``--memory`` runs only this section; ``--quick`` runs it at a toy size in this process.

    .venv/bin/python benchmarks/bench_health.py [--accounts N] [--repeat R]
        [--layouts columns matrix] [--ids str-shuffled int-sorted]
        [--models uncalibrated calibrated] [--memory] [--memory-accounts N] [--quick]
        [--json PATH]

Targets (issue 13), retain on every core, for both layouts (the worst of the models and id
inputs): at most 2x the time numpy's ``np.nansum`` takes to read the matrix once, and at least 5x
faster than vectorised numpy. The hardening issue's memory target: the worst (peak - baseline) /
matrix of the layouts and id inputs at most 1.5.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

import _common
from _common import (
    best_of,
    cpu_model,
    peak_rss_bytes,
    pin_to_one_core,
    reset_peak,
    resident_bytes,
    run_child,
    verdict,
    write_json,
)

TARGET_SPEEDUP = 5.0  # retain on every core over vectorised numpy: at least this
TARGET_FLOOR = 2.0  # retain on every core over np.nansum of the matrix: at most this
TARGET_MEMORY = 1.5  # (peak - baseline) / feature matrix while scoring: at most this
MEMORY_ACCOUNTS = 10_000_000
COPIES = 4
NAN_SHARE = 0.05
# Answers 0-10 of a typical NPS survey: most are 7 or more.
NPS_SHARES = np.array([2, 1, 1, 2, 2, 5, 7, 15, 25, 20, 20]) / 100

LAYOUTS = {
    "columns": "a frame of separate columns (as read_csv / read_parquet give)",
    "matrix": "pd.DataFrame(matrix) of one row-major 2-d array (strided columns)",
}
IDS = {
    "str-shuffled": "string ids, rows in no order",
    "int-sorted": "integer ids sorted by account",
}
MODELS = ("uncalibrated", "calibrated")
SIDES = ("numpy", "retain-1", "retain-all")

# The issue's example document, as written there.
ISSUE_DOCUMENT: dict = {
    "version": 1,
    "name": "default",
    "groups": [
        {"name": "usage", "weight": 0.5},
        {"name": "satisfaction", "weight": 0.3},
        {"name": "customer", "weight": 0.2},
    ],
    "measures": [
        {
            "name": "active_users_30d",
            "group": "usage",
            "weight": 2,
            "transform": {"kind": "linear", "lo": 0, "hi": 20},
        },
        {
            "name": "nps",
            "group": "satisfaction",
            "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
        },
        {
            "name": "open_tickets",
            "group": "satisfaction",
            "weight": 0.5,
            "transform": {"kind": "linear", "lo": 10, "hi": 0},
        },
        {
            "name": "seat_utilization",
            "column": "seat_util",
            "group": "usage",
            "transform": {"kind": "percentile"},
        },
        {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}},
    ],
    "missing": "reweight",
    "grades": [
        {"min": 0, "label": "red"},
        {"min": 40, "label": "yellow"},
        {"min": 70, "label": "green"},
    ],
}


def scaled_document(copies: int = COPIES) -> dict:
    """The issue's document with ``copies`` copies of each measure, named ``<name>_<k>`` and
    reading column ``<column>_<k>`` (measures ordered copy by copy)."""
    doc = copy.deepcopy(ISSUE_DOCUMENT)
    doc["name"] = f"issue example x{copies}"
    measures = []
    for k in range(1, copies + 1):
        for m in ISSUE_DOCUMENT["measures"]:
            m = copy.deepcopy(m)
            m["column"] = f"{m.get('column', m['name'])}_{k}"
            m["name"] = f"{m['name']}_{k}"
            measures.append(m)
    doc["measures"] = measures
    return doc


def make_features(
    n_accounts: int, layout: str, ids: str, copies: int = COPIES, seed: int = 2027
) -> pd.DataFrame:
    """One row per account, one float64 column per measure of ``scaled_document(copies)`` with
    about 5 % NaN, in the ``layout`` and with the ``ids`` of the module docstring. Values are
    realistic and full of ties: whole user and ticket counts, NPS 0-10 (many on the band edges 7
    and 9), seat utilisation to the percent, a 0/1 sponsor flag. The same seed gives the same
    accounts with the same values in every layout and id input."""
    rng = np.random.default_rng(seed)
    columns = {}
    for k in range(1, copies + 1):
        columns[f"active_users_30d_{k}"] = rng.poisson(rng.gamma(2.0, 7.0, n_accounts))
        columns[f"nps_{k}"] = rng.choice(11, n_accounts, p=NPS_SHARES)
        columns[f"open_tickets_{k}"] = rng.poisson(2.0, n_accounts)
        columns[f"seat_util_{k}"] = np.round(rng.beta(2.0, 2.0, n_accounts) * 1.2, 2)
        columns[f"exec_sponsor_{k}"] = rng.random(n_accounts) < 0.4
    for name, values in columns.items():
        values = values.astype(np.float64)
        values[rng.random(n_accounts) < NAN_SHARE] = np.nan
        columns[name] = values
    if ids == "str-shuffled":
        order = rng.permutation(n_accounts)
        text = np.char.add("ACC-", np.char.zfill(order.astype(str), 7)).astype(object)
        index = pd.Index(text, name="account_id")
        columns = {name: values[order] for name, values in columns.items()}
    else:
        index = pd.RangeIndex(100_000, 100_000 + n_accounts, name="account_id")
    if layout == "columns":
        return pd.DataFrame(columns, index=index)
    matrix = np.empty((n_accounts, len(columns)))  # row-major: an account's measures together
    for j, values in enumerate(columns.values()):
        matrix[:, j] = values
    names = list(columns)
    del columns
    return pd.DataFrame(matrix, index=index, columns=names, copy=False)


def scaled_columns(copies: int = COPIES) -> list[str]:
    return [m.get("column", m["name"]) for m in scaled_document(copies)["measures"]]


def column_stride(frame: pd.DataFrame) -> int:
    """Bytes between two accounts' values in the first column, as the frame holds it."""
    return frame.iloc[:, 0].to_numpy().strides[0]


# ---------------------------------------------------------------------------------------------
# numpy: whole-column operations


@dataclass
class Plan:
    """A document read once into what the numpy scorer needs (calibrated percentile references
    as sorted arrays), so that the timing covers the scoring, as retain's does."""

    groups: list[str]
    group_weight: dict[str, float]
    measures: list[tuple[str, str, str, float, dict, np.ndarray | None]]
    effective: dict[str, float]
    missing: str
    grade_mins: np.ndarray
    grade_labels: list[str]


def plan_of(doc: dict, frame: pd.DataFrame | None = None) -> Plan:
    """The numpy scorer's plan of ``doc``; with ``frame``, each percentile measure ranks against
    the sorted non-missing values of its column in ``frame`` (numpy's own calibration), else
    against the document's ``reference`` when it has one."""
    groups = [g["name"] for g in doc["groups"]]
    W = {g["name"]: float(g.get("weight", 1)) for g in doc["groups"]}
    measures = []
    inside = dict.fromkeys(groups, 0.0)
    for m in doc["measures"]:
        t = m["transform"]
        column = m.get("column", m["name"])
        ref = None
        if frame is not None and t["kind"] == "percentile":
            x = frame[column].to_numpy(dtype=np.float64)
            ref = np.sort(x[~np.isnan(x)])
        elif "reference" in t:  # a calibrated document carries its references
            ref = np.sort(np.asarray(t["reference"], dtype=np.float64))
        w = float(m.get("weight", 1))
        measures.append((m["name"], column, m["group"], w, t, ref))
        inside[m["group"]] += w
    live = sum(W[g] for g in groups if inside[g] > 0)
    effective = {
        name: (W[g] / live * w / inside[g] if inside[g] > 0 else 0.0)
        for name, _, g, w, _, _ in measures
    }
    grades = doc.get("grades") or []
    return Plan(
        groups=groups,
        group_weight=W,
        measures=measures,
        effective=effective,
        missing=doc.get("missing", "reweight"),
        grade_mins=np.array([float(g["min"]) for g in grades]),
        grade_labels=[g["label"] for g in grades],
    )


def numpy_transform(t: dict, x: np.ndarray, present: np.ndarray, ref: np.ndarray | None):
    kind = t["kind"]
    if kind == "linear":
        lo, hi = float(t["lo"]), float(t["hi"])
        return 100.0 * np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    if kind == "bands":
        scores = np.asarray(t["scores"], dtype=np.float64)
        return scores[np.searchsorted(np.asarray(t["edges"], dtype=np.float64), x, side="right")]
    if kind == "percentile":
        if ref is None:
            ref = np.sort(x[present])
        if len(ref) == 0:
            return np.full(len(x), np.nan)
        left = np.searchsorted(ref, x, side="left")
        right = np.searchsorted(ref, x, side="right")
        return (left + right) * (50.0 / len(ref))
    if kind == "boolean":
        return np.where(x != 0, 100.0, 0.0)
    raise ValueError(f"unknown transform kind {kind!r}")


def contiguous_columns(frame: pd.DataFrame, names: list[str]) -> dict[str, np.ndarray]:
    """Each of ``names`` as a contiguous float64 array: the frame's own column where it holds it
    so, else a column of one column-major copy of the frame's values. On a strided frame the
    copy is faster than reading each strided column two or three times (mask, transform)."""
    if not names:
        return {}
    first = frame[names[0]].to_numpy()
    if first.dtype == np.float64 and first.strides[0] == first.itemsize:
        return {c: frame[c].to_numpy(dtype=np.float64) for c in names}
    block = np.asfortranarray(frame[names].to_numpy(dtype=np.float64))
    return {c: block[:, j] for j, c in enumerate(names)}


def numpy_score(plan: Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """score, grade, one column per group, coverage; ``reweight``, ``neutral`` and ``zero``."""
    n = len(frame)
    values = contiguous_columns(
        frame, list(dict.fromkeys(c for _, c, *_ in plan.measures if c in frame.columns))
    )
    num = {g: np.zeros(n) for g in plan.groups}
    den = {g: np.zeros(n) for g in plan.groups}
    coverage = np.zeros(n)
    for name, column, g, w, t, ref in plan.measures:
        if column in values:
            x = values[column]
            present = ~np.isnan(x)
            s = numpy_transform(t, x, present, ref)
        else:
            present = np.zeros(n, dtype=bool)
            s = np.zeros(n)
        coverage += plan.effective[name] * present
        if plan.missing == "reweight":
            num[g] += np.where(present, w * s, 0.0)
            den[g] += w * present
        elif plan.missing in ("neutral", "zero"):
            fill = 50.0 if plan.missing == "neutral" else 0.0
            num[g] += w * np.where(present, s, fill)
            den[g] += w
        else:
            raise ValueError(f"the numpy scorer has no {plan.missing!r} policy")

    nothing = coverage == 0
    total_num = np.zeros(n)
    total_den = np.zeros(n)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for g in plan.groups:
            G = np.where(den[g] > 0, num[g] / den[g], np.nan)
            G[nothing] = np.nan
            ok = ~np.isnan(G)
            total_num += np.where(ok, plan.group_weight[g] * G, 0.0)
            total_den += plan.group_weight[g] * ok
            out[g] = G
        score = total_num / total_den
    score[nothing] = np.nan

    if plan.grade_labels:
        codes = np.searchsorted(plan.grade_mins, score, side="right") - 1
        codes[np.isnan(score)] = -1
    else:
        codes = np.full(n, -1)
    grade = pd.Categorical.from_codes(codes, categories=plan.grade_labels)
    result = pd.DataFrame({"score": score, "grade": grade}, index=frame.index)
    for g in plan.groups:
        result[g] = out[g]
    result["coverage"] = coverage
    return result


# ---------------------------------------------------------------------------------------------
# Checks


def check_equal(expected: pd.DataFrame, got: pd.DataFrame, who: str) -> None:
    """Same columns and index; floats within 1e-9 (relative, and absolute on the 0-100 scale)
    with NaN in the same places; the same grades."""
    assert list(got.columns) == list(expected.columns), (who, list(got.columns))
    pd.testing.assert_index_equal(got.index, expected.index)
    for name in expected.columns:
        if name == "grade":
            a = expected[name].astype(object).where(expected[name].notna(), None)
            b = got[name].astype(object).where(got[name].notna(), None)
            assert a.tolist() == b.tolist(), f"{who}: grades differ"
            continue
        np.testing.assert_allclose(
            got[name].to_numpy(dtype=np.float64),
            expected[name].to_numpy(dtype=np.float64),
            rtol=1e-9,
            atol=1e-9,
            equal_nan=True,
            err_msg=f"{who}: {name}",
        )


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def retain_model(frame: pd.DataFrame, model: str):
    """retain's model of the scaled document, calibrated on ``frame`` for ``calibrated``."""
    import retain as rt

    health = rt.HealthModel(scaled_document())
    return health.calibrate(frame) if model == "calibrated" else health


def numpy_plan(frame: pd.DataFrame, model: str) -> Plan:
    return plan_of(scaled_document(), frame if model == "calibrated" else None)


def time_row(side: str, layout: str, ids: str, model: str, args: argparse.Namespace) -> dict:
    """Best of --repeat runs of one row (side ``floor``: np.nansum of the matrix) in this
    process: seconds, the peak and the peak right after making the data."""
    if side.startswith("retain"):
        import retain  # noqa: F401  (imported before the data, as numpy is)
    frame = make_features(args.accounts, layout, ids)
    gc.collect()
    data_peak = peak_rss_bytes()
    extra = {}
    if side == "floor":
        matrix = frame.to_numpy()
        assert matrix.flags.c_contiguous and matrix.dtype == np.float64
        seconds, _ = best_of(args.repeat, lambda: np.nansum(matrix))
        extra["sum"], _ = best_of(args.repeat, lambda: matrix.sum())
    elif side == "numpy":
        plan = numpy_plan(frame, model)
        seconds, _ = best_of(args.repeat, lambda: numpy_score(plan, frame))
    else:
        health = retain_model(frame, model)
        n_threads = 1 if side == "retain-1" else None
        seconds, _ = best_of(args.repeat, lambda: health.score(frame, n_threads=n_threads))
    return {"seconds": seconds, "peak": peak_rss_bytes(), "data_peak": data_peak, **extra}


def memory_row(n_accounts: int, layout: str, ids: str) -> dict:
    """Scores ``n_accounts`` accounts of ``layout`` / ``ids`` once with the uncalibrated model on
    every core, in this process: the resident set after the imports and the model (baseline) and
    after making the frame, the frame's bytes, the high-water mark of the call (restarted after
    the frame was made) and the resident set with the scored frame held."""
    import retain as rt

    health = rt.HealthModel(scaled_document())
    reset_peak()
    baseline = resident_bytes()
    frame = make_features(n_accounts, layout, ids)
    usage = frame.memory_usage(deep=True)
    matrix = int(usage.sum())
    measures = int(usage.drop("Index").sum())
    reset = reset_peak()
    after = resident_bytes()
    start = time.perf_counter()
    scored = health.score(frame)
    seconds = time.perf_counter() - start
    peak = peak_rss_bytes()
    reset_peak()  # collects and hands freed heap back: held is what stays in use
    held = resident_bytes()
    return {
        "accounts": n_accounts,
        "layout": layout,
        "ids": ids,
        "matrix": matrix,
        "measures": measures,
        "scored": int(scored.memory_usage(index=False, deep=True).sum()),
        "baseline": baseline,
        "after_input": after,
        "peak": peak,
        "held": held,
        "seconds": seconds,
        "peak_reset": reset,
    }


def memory_ratios(r: dict) -> dict:
    """The ratios of a memory row: ``target`` = (peak - baseline) / matrix (the target's
    reading), ``extra`` = (peak - after the input) / matrix (what the call adds), ``absolute``
    = peak / (baseline + matrix)."""
    return {
        "target": (r["peak"] - r["baseline"]) / r["matrix"],
        "extra": (r["peak"] - r["after_input"]) / r["matrix"],
        "absolute": r["peak"] / (r["baseline"] + r["matrix"]),
    }


def memory_section(args: argparse.Namespace) -> tuple[list[dict], dict]:
    """Runs and prints the memory case of every layout and id input; returns its rows (for
    --json) and its target."""
    n = args.memory_accounts
    where = (
        "--quick: in this process, a smoke test, not a measurement"
        if args.quick
        else "each row a fresh child process"
    )
    print()
    print(
        f"memory: HealthModel.score(frame) of {n:,} accounts x {len(scaled_columns())} float64 "
        f"measures, the uncalibrated model (it ranks its percentile measures in the call), every "
        f"core; {where}"
    )
    print(
        "matrix = frame.memory_usage(deep=True).sum(): the measure columns plus the account ids "
        "as the user holds them (string ids: one str object each; sorted integer ids: a "
        "RangeIndex of no size); baseline = the resident set after the imports and the model; "
        "input = the resident set after making the frame; peak = the high-water mark (VmHWM), "
        "restarted once the frame was made; held = the resident set with the scored frame kept, "
        "freed heap handed back (malloc_trim)"
    )
    print()
    header = [
        "layout",
        "ids",
        "matrix MiB",
        "of it ids MiB",
        "baseline GiB",
        "input GiB",
        "peak GiB",
        "held GiB",
        "score s",
        "(peak - baseline) / matrix",
        "(peak - input) / matrix",
        "peak / (baseline + matrix)",
    ]
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    rows = []
    for layout in args.layouts:
        for ids in args.ids:
            if args.quick:
                r = memory_row(n, layout, ids)
                gc.collect()
            else:
                r = run_child(
                    __file__,
                    [
                        *("--child", "memory", "--layout", layout, "--id", ids),
                        *("--memory-accounts", str(n)),
                    ],
                )
            ratio = memory_ratios(r)
            print(
                f"| {layout} | {ids} | {r['matrix'] / 2**20:,.1f} | "
                f"{(r['matrix'] - r['measures']) / 2**20:,.1f} | {r['baseline'] / 2**30:.3f} | "
                f"{r['after_input'] / 2**30:.3f} | {r['peak'] / 2**30:.3f} | "
                f"{r['held'] / 2**30:.3f} | {r['seconds']:.2f} | {ratio['target']:.3f}x | "
                f"{ratio['extra']:.3f}x | {ratio['absolute']:.3f}x |",
                flush=True,
            )
            if not r["peak_reset"]:
                print("(the high-water mark could not be restarted: it includes making the frame)")
            rows.append({**r, **{f"{k}_ratio": v for k, v in ratio.items()}})
    worst = max(rows, key=lambda row: row["target_ratio"])
    print()
    print(
        "the scored frame (score, grade, 3 groups, coverage; the frame's index shared) takes "
        f"{worst['scored'] / 2**20:,.1f} MiB of the held memory at {n:,} accounts"
    )
    target = {
        "text": f"scoring {n:,} accounts peaks at <= {TARGET_MEMORY:g}x the feature matrix "
        f"((peak - baseline) / matrix, the worst of the layouts and ids: {worst['layout']} / "
        f"{worst['ids']}; the call alone adds {worst['extra_ratio']:.2f}x)",
        "ratio": worst["target_ratio"],
        "target": TARGET_MEMORY,
        "met": worst["target_ratio"] <= TARGET_MEMORY,
    }
    return rows, target


def child(args: argparse.Namespace) -> None:
    """Times one row in this fresh process and prints its numbers as JSON."""
    if args.child == "memory":
        print(json.dumps(memory_row(args.memory_accounts, args.layout, args.id)))
        return
    if args.child == "retain-1":  # one core, whatever the core would otherwise start
        pin_to_one_core()
    print(json.dumps(time_row(args.child, args.layout, args.id, args.model, args)))


def run_side(side: str, layout: str, ids: str, model: str, args: argparse.Namespace) -> dict:
    return run_child(
        __file__,
        [
            *("--child", side, "--layout", layout, "--id", ids, "--model", model),
            *("--accounts", str(args.accounts), "--repeat", str(args.repeat)),
        ],
    )


def check_input(args: argparse.Namespace, layout: str, ids: str) -> str:
    """Scores one input with every model on every side, checks them equal, and returns the
    check line."""
    start = time.perf_counter()
    frame = make_features(args.accounts, layout, ids)
    grades = {}
    for model in args.models:
        expected = numpy_score(numpy_plan(frame, model), frame)
        health = retain_model(frame, model)
        for n_threads in (1, 2, None):
            got = health.score(frame, n_threads=n_threads)
            check_equal(expected, got, f"retain n_threads={n_threads}, {layout}, {ids}, {model}")
        grades[model] = expected["grade"].value_counts(dropna=False)
    counts = "; ".join(
        f"{model} " + ", ".join(f"{label} {n:,}" for label, n in counts.items())
        for model, counts in grades.items()
    )
    return (
        f"check: numpy equals retain (n_threads 1, 2 and every core; score, grade, groups, "
        f"coverage) on {layout} / {ids} (column stride {column_stride(frame)} bytes), "
        f"{' and '.join(args.models)}; grades {counts} ({time.perf_counter() - start:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument("--layouts", nargs="+", choices=list(LAYOUTS), default=list(LAYOUTS))
    parser.add_argument("--ids", nargs="+", choices=list(IDS), default=list(IDS))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a toy size (3,000 accounts, 1 run, every row in this process) to check it works",
    )
    parser.add_argument(
        "--memory", action="store_true", help="run only the memory case (see the docstring)"
    )
    parser.add_argument(
        "--memory-accounts",
        type=int,
        default=MEMORY_ACCOUNTS,
        help=f"accounts the memory case scores (default {MEMORY_ACCOUNTS:,})",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--child", choices=["floor", *SIDES, "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--layout", choices=list(LAYOUTS), help=argparse.SUPPRESS)
    parser.add_argument("--id", choices=list(IDS), help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=[*MODELS, "-"], help=argparse.SUPPRESS)
    args = _common.parse_args(parser)
    if args.quick:
        args.accounts, args.repeat, args.memory_accounts = 3_000, 1, 3_000
    if args.accounts < 1 or args.repeat < 1 or args.memory_accounts < 1:
        parser.error("--accounts, --repeat and --memory-accounts must be at least 1")
    if args.child:
        child(args)
        return

    import retain as rt

    cores = os.cpu_count() or 1
    n_measures = len(scaled_columns())
    print(
        f"{cores} cores ({cpu_model()}); retain {rt.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}"
    )
    if args.memory:
        memory_rows, memory_target = memory_section(args)
        print()
        print(
            f"Target: {memory_target['text']}: {memory_target['ratio']:.2f}x "
            f"({verdict(memory_target['met'])})"
        )
        if args.json:
            write_json(
                args.json,
                "bench_health",
                [],
                [memory_target],
                {
                    "memory_accounts": args.memory_accounts,
                    "layouts": args.layouts,
                    "ids": args.ids,
                    "quick": args.quick,
                },
                memory=memory_rows,
            )
        return
    print(
        f"data: {args.accounts:,} accounts x {n_measures} float64 measures (about "
        f"{NAN_SHARE:.0%} NaN each); document: the issue's example x{COPIES} (linear, bands, "
        f"percentile, boolean; reweight; 3 grades)"
    )
    for layout in args.layouts:
        for ids in args.ids:
            print(check_input(args, layout, ids))
            gc.collect()

    def measure(side: str, layout: str, ids: str, model: str) -> dict:
        if args.quick:  # toy size: every row in this process, to finish in seconds
            return time_row(side, layout, ids, model, args)
        return run_side(side, layout, ids, model, args)

    labels = {
        "numpy": "numpy (vectorised, 1 thread)",
        "retain-1": "retain, n_threads=1",
        "retain-all": f"retain, n_threads=None ({cores} cores)",
    }
    where = (
        "--quick: every row in this process, not pinned, peaks cumulative (a smoke test, not a "
        "measurement)"
        if args.quick
        else "every row a fresh child process"
    )
    print()
    print(
        f"best of {args.repeat} runs each, seconds, {args.accounts:,} accounts x {n_measures} "
        f"measures, {where}"
    )
    print()
    header = [
        "layout",
        "ids",
        "model",
        "side",
        "seconds",
        "numpy / this",
        "this / floor",
        "peak GiB",
        "data GiB",
    ]
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---|" + "---:|" * (len(header) - 4))
    floor = measure("floor", "matrix", "int-sorted", "-")
    print(
        f"| matrix | - | - | np.nansum of the matrix (the floor) | {floor['seconds']:.3f} | - | "
        f"1.00x | {floor['peak'] / 2**30:.2f} | {floor['data_peak'] / 2**30:.2f} |",
        flush=True,
    )
    rows = [
        {
            "layout": "matrix",
            "ids": "-",
            "model": "-",
            "side": "np.nansum of the matrix (the floor)",
            "threads": 1,
            "seconds": floor["seconds"],
            "numpy_over_this": "-",
            "this_over_floor": 1.0,
            "peak_gib": floor["peak"] / 2**30,
            "data_gib": floor["data_peak"] / 2**30,
        }
    ]
    results = {}
    for layout in args.layouts:
        for ids in args.ids:
            for model in args.models:
                plain = None
                for side in SIDES:
                    r = measure(side, layout, ids, model)
                    results[layout, ids, model, side] = r
                    plain = r["seconds"] if side == "numpy" else plain
                    speedup = plain / r["seconds"]
                    over_floor = r["seconds"] / floor["seconds"]
                    print(
                        f"| {layout} | {ids} | {model} | {labels[side]} | {r['seconds']:.3f} | "
                        f"{speedup:.2f}x | {over_floor:.2f}x | {r['peak'] / 2**30:.2f} | "
                        f"{r['data_peak'] / 2**30:.2f} |",
                        flush=True,
                    )
                    rows.append(
                        {
                            "layout": layout,
                            "ids": ids,
                            "model": model,
                            "side": labels[side],
                            "threads": cores if side == "retain-all" else 1,
                            "seconds": r["seconds"],
                            "numpy_over_this": speedup,
                            "this_over_floor": over_floor,
                            "peak_gib": r["peak"] / 2**30,
                            "data_gib": r["data_peak"] / 2**30,
                        }
                    )
    print()
    matrix_mib = args.accounts * n_measures * 8 / 2**20
    print(
        f"floor: np.nansum of the {args.accounts:,} x {n_measures} C-ordered float64 matrix "
        f"({matrix_mib:,.0f} MiB), one thread; matrix.sum() (no NaN mask, no copy) takes "
        f"{floor['sum']:.3f} s"
    )
    print(
        "the score call includes building its output frame (score, grade, groups, coverage) on "
        "both sides; calibrated references are made once, outside the timing."
    )
    print(
        "n_threads=1: the child pinned to one CPU; numpy runs on one thread. peak = the child's "
        "resident-set high-water mark (VmHWM); data = the same mark right after making the frame."
    )

    targets = []
    for layout in args.layouts:
        every_core = [
            results[layout, ids, model, "retain-all"]["seconds"]
            for ids in args.ids
            for model in args.models
        ]
        speedups = [
            results[layout, ids, model, "numpy"]["seconds"]
            / results[layout, ids, model, "retain-all"]["seconds"]
            for ids in args.ids
            for model in args.models
        ]
        where = f"from {LAYOUTS[layout]} ({layout}; the worst model and ids)"
        ratio = max(every_core) / floor["seconds"]
        targets.append(
            {
                "text": f"health score, retain on every core <= {TARGET_FLOOR:g}x the time numpy's "
                f"np.nansum reads the matrix once, {where}",
                "ratio": ratio,
                "target": TARGET_FLOOR,
                "met": ratio <= TARGET_FLOOR,
            }
        )
        ratio = min(speedups)
        targets.append(
            {
                "text": f"health score, retain on every core >= {TARGET_SPEEDUP:g}x vectorised "
                f"numpy, {where}",
                "ratio": ratio,
                "target": TARGET_SPEEDUP,
                "met": ratio >= TARGET_SPEEDUP,
            }
        )
    memory_rows, memory_target = memory_section(args)
    targets.append(memory_target)
    print()
    for t in targets:
        print(f"Target: {t['text']}: {t['ratio']:.2f}x ({verdict(t['met'])})")

    if args.json:
        write_json(
            args.json,
            "bench_health",
            rows,
            targets,
            {
                "accounts": args.accounts,
                "measures": n_measures,
                "repeat": args.repeat,
                "layouts": args.layouts,
                "ids": args.ids,
                "models": args.models,
                "memory_accounts": args.memory_accounts,
                "quick": args.quick,
            },
            memory=memory_rows,
        )


if __name__ == "__main__":
    main()
