"""A plain, per-row oracle of the HealthModel document (issue 4), written straight from the
contract in the issue and its notes, never by calling retain.

Everything here is a loop over rows and measures with Python floats: a measure's score is its
transform of one value, a group score is a weighted mean of the included measures of one row, and
so on, so that a reader can check each line against the definition. Percentiles come from
``scipy.stats.percentileofscore(kind="mean")``, the oracle the issue names. It is slow on purpose;
the tests use it on frames of a few hundred rows.

    oracle_score(doc, frame)   -> DataFrame(score, grade, <one column per group>, coverage)
    oracle_explain(doc, frame) -> (contributions DataFrame, measure scores DataFrame)
    oracle_weights(doc, frame) -> each measure's effective weight in each row's score
    oracle_points_lost(doc, frame) -> weight x (100 - measure score), the ranked reasons' points

Both return frames on ``frame.index``; ``grade`` holds labels (str) or None, and is all None when
the document has no grades. The ``error`` missing policy raises ``OracleColumnMissing`` (a
``KeyError``) for an absent column and ``OracleValueMissing`` (a ``ValueError``) for a NaN, each
listing the columns at fault in ``columns``.

Two readings of the contract are pinned here and worth knowing. Step 3 ("coverage 0: score NaN,
all policies") is taken to come after the ``error`` policy's check: under ``error`` any missing
value is an error, even in a row where nothing is present, and an absent column is one even in a
frame without rows (retain does the same). And a row where nothing is present has the transforms
of its present values as measure scores (no 50 or 0 for the missing ones: no policy applied).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import percentileofscore

POLICIES = ("reweight", "neutral", "zero", "error")


class OracleColumnMissing(KeyError):
    """The ``error`` policy met a measure whose column is not in the frame; ``columns`` lists
    every such column."""

    def __init__(self, message: str, columns: list[str]):
        super().__init__(message)
        self.columns = columns


class OracleValueMissing(ValueError):
    """The ``error`` policy met a NaN value; ``columns`` lists every column with one."""

    def __init__(self, message: str, columns: list[str]):
        super().__init__(message)
        self.columns = columns


@dataclass
class Measure:
    name: str
    column: str
    group: str
    weight: float
    transform: dict


def measures_of(doc: dict) -> list[Measure]:
    return [
        Measure(
            name=m["name"],
            column=m.get("column", m["name"]),
            group=m["group"],
            weight=float(m.get("weight", 1)),
            transform=m["transform"],
        )
        for m in doc["measures"]
    ]


def group_weights(doc: dict) -> dict[str, float]:
    return {g["name"]: float(g.get("weight", 1)) for g in doc["groups"]}


def effective_weights(doc: dict) -> dict[str, float]:
    """e_m = W_g / (sum of W over live groups) * w_m / (sum of w over the measures of g); 0 for
    the measures of a group that is not live (its measures' weights sum to 0)."""
    measures = measures_of(doc)
    W = group_weights(doc)
    inside = {g: 0.0 for g in W}
    for m in measures:
        inside[m.group] += m.weight
    live = [g for g in W if inside[g] > 0]
    total = sum(W[g] for g in live)
    if total <= 0:
        raise ValueError("the effective weights cannot sum to 1 (no live group has weight > 0)")
    e = {}
    for m in measures:
        if inside[m.group] > 0:
            e[m.name] = W[m.group] / total * m.weight / inside[m.group]
        else:
            e[m.name] = 0.0
    return e


def transform(t: dict, x: float, reference: list[float] | None) -> float:
    """The 0-100 score of one present value ``x``."""
    kind = t["kind"]
    if kind == "linear":
        lo, hi = float(t["lo"]), float(t["hi"])
        fraction = (x - lo) / (hi - lo)
        fraction = min(max(fraction, 0.0), 1.0)
        return 100.0 * fraction
    if kind == "bands":
        k = 0
        for edge in t["edges"]:
            if edge <= x:
                k += 1
        return float(t["scores"][k])
    if kind == "percentile":
        return float(percentileofscore(reference, x, kind="mean"))
    if kind == "boolean":
        return 100.0 if x != 0 else 0.0
    raise ValueError(f"unknown transform kind {kind!r}")


def column_values(frame: pd.DataFrame, column: str) -> list[float] | None:
    """The column's values as Python floats, or None when the frame has no such column."""
    if column not in frame.columns:
        return None
    return [float(v) for v in frame[column].to_numpy(dtype=float, na_value=np.nan)]


def grade_of(doc: dict, score: float) -> str | None:
    if math.isnan(score) or not doc.get("grades"):
        return None
    label = None
    for g in doc["grades"]:  # min values increase: the last one not above the score wins
        if g["min"] <= score:
            label = g["label"]
    return label


def _rows(doc: dict, frame: pd.DataFrame):
    """Per row: (score, {group: G_g}, coverage, {measure: c_m}, {measure: s_m}, {measure: w_m}),
    w_m being the measure's effective weight in the row (0 when it does not take part, NaN when
    the score is NaN)."""
    measures = measures_of(doc)
    W = group_weights(doc)
    e = effective_weights(doc)
    policy = doc.get("missing", "reweight")
    if policy not in POLICIES:
        raise ValueError(f"unknown missing policy {policy!r}")

    values = {m.name: column_values(frame, m.column) for m in measures}
    references = {}
    for m in measures:
        if m.transform["kind"] != "percentile":
            continue
        if "reference" in m.transform:
            references[m.name] = [float(v) for v in m.transform["reference"]]
        elif values[m.name] is not None:
            references[m.name] = [v for v in values[m.name] if not math.isnan(v)]
        else:
            references[m.name] = []

    if policy == "error":
        # Any missing value is an error, before any scoring: an absent column first (it is
        # absent for the whole frame, even one without rows), else the first NaN. The exception
        # lists every column at fault, since the contract does not say which one a message names
        # when there are several.
        absent = [m.column for m in measures if values[m.name] is None]
        if absent:
            raise OracleColumnMissing(f"absent columns {absent}", absent)
        nan_at = {}
        for m in measures:
            for i, v in enumerate(values[m.name]):
                if math.isnan(v):
                    nan_at.setdefault(m.column, i)
        if nan_at:
            raise OracleValueMissing(f"missing values (column: first row) {nan_at}", list(nan_at))

    out = []
    for i in range(len(frame)):
        present = {}
        for m in measures:
            col = values[m.name]
            present[m.name] = col is not None and not math.isnan(col[i])
        raw = {}
        for m in measures:
            if present[m.name]:
                raw[m.name] = transform(m.transform, values[m.name][i], references.get(m.name))

        coverage = 0.0
        for m in measures:
            if present[m.name]:
                coverage += e[m.name]

        if coverage == 0:
            nan = float("nan")
            scores = {m.name: raw.get(m.name, nan) for m in measures}
            out.append(
                (
                    nan,
                    dict.fromkeys(W, nan),
                    0.0,
                    dict.fromkeys(scores, nan),
                    scores,
                    dict.fromkeys(scores, nan),
                )
            )
            continue

        # Which measures take part, with which score.
        used = {}
        for m in measures:
            if present[m.name]:
                used[m.name] = raw[m.name]
            elif policy == "neutral":
                used[m.name] = 50.0
            elif policy == "zero":
                used[m.name] = 0.0
            # reweight: left out; error: raised below

        group_score = {}
        group_weight_in = {}
        for g in W:
            num = 0.0
            den = 0.0
            for m in measures:
                if m.group == g and m.name in used:
                    num += m.weight * used[m.name]
                    den += m.weight
            group_weight_in[g] = den
            group_score[g] = num / den if den > 0 else float("nan")

        num = 0.0
        den = 0.0
        for g in W:
            if not math.isnan(group_score[g]):
                num += W[g] * group_score[g]
                den += W[g]
        score = num / den

        contributions = {}
        weights = {}
        for m in measures:
            g = m.group
            if m.name in used and not math.isnan(group_score[g]):
                share = W[g] / den * m.weight / group_weight_in[g]
                contributions[m.name] = share * used[m.name]
                weights[m.name] = share
            else:
                contributions[m.name] = 0.0
                weights[m.name] = 0.0
        scores = {m.name: used.get(m.name, float("nan")) for m in measures}
        out.append((score, group_score, coverage, contributions, scores, weights))
    return out


def oracle_score(doc: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """score, grade (label or None), one column per group (document order), coverage."""
    rows = _rows(doc, frame)
    groups = [g["name"] for g in doc["groups"]]
    data = {
        "score": [r[0] for r in rows],
        "grade": [grade_of(doc, r[0]) for r in rows],
    }
    for g in groups:
        data[g] = [r[1][g] for r in rows]
    data["coverage"] = [r[2] for r in rows]
    out = pd.DataFrame(data, index=frame.index)
    for name in ["score", *groups, "coverage"]:
        out[name] = out[name].astype(np.float64)
    out["grade"] = out["grade"].astype(object)
    return out


def oracle_explain(doc: dict, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(contributions, measure scores): one float64 column per measure (document order)."""
    rows = _rows(doc, frame)
    names = [m["name"] for m in doc["measures"]]
    contributions = pd.DataFrame(
        {n: [r[3][n] for r in rows] for n in names}, index=frame.index, dtype=np.float64
    )
    scores = pd.DataFrame(
        {n: [r[4][n] for r in rows] for n in names}, index=frame.index, dtype=np.float64
    )
    return contributions, scores


def oracle_weights(doc: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Each measure's effective weight in each row's score (one float64 column per measure):
    W_g / (sum of W over the groups with a score) * w_m / (sum of w over the measures of g that
    take part), 0 for a measure that does not take part, NaN in a row whose score is NaN."""
    rows = _rows(doc, frame)
    names = [m["name"] for m in doc["measures"]]
    return pd.DataFrame(
        {n: [r[5][n] for r in rows] for n in names}, index=frame.index, dtype=np.float64
    )


def oracle_points_lost(doc: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Points each measure costs each row: weight * (100 - measure score); 0 for a measure that
    does not take part, NaN in a row whose score is NaN."""
    rows = _rows(doc, frame)
    names = [m["name"] for m in doc["measures"]]
    data = {}
    for n in names:
        column = []
        for r in rows:
            w = r[5][n]
            column.append(0.0 if w == 0.0 else w * (100.0 - r[4][n]))
        data[n] = column
    return pd.DataFrame(data, index=frame.index, dtype=np.float64)
