"""rt.HealthModel against the plain per-row oracle in health_oracle.py (written from the contract,
never by calling retain), on random documents and frames: every transform (inverted linear ranges,
bands with values on their edges, percentiles full of ties, with and without stored references),
weights including zeros, every missing policy with NaN and absent columns, grades or none; and the
benchmark's vectorized numpy scorer against the same oracle, so the benchmark's check means
something. Floats agree within 1e-9 (relative, and absolute on the 0-100 scale)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from health_oracle import (
    OracleColumnMissing,
    OracleValueMissing,
    oracle_explain,
    oracle_score,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import percentileofscore

import retain as rt

TOL = {"rtol": 1e-9, "atol": 1e-9}
POLICIES = ("reweight", "neutral", "zero", "error")


def load_bench_health():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_health.py"
    spec = importlib.util.spec_from_file_location("bench_health", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_health"] = module  # dataclasses look their module up there
    # As when it runs as a script: its folder on the path, for the benchmarks' shared _common.
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


bench = load_bench_health()
ISSUE_DOCUMENT = bench.ISSUE_DOCUMENT


# ---------------------------------------------------------------------------------------------
# Random documents and frames

# Values, edges, lo/hi and references come from one small grid, so that ties and values exactly
# on an edge or at lo / hi are common.
GRID = [-2.0, 0.0, 0.5, 1.0, 2.0, 3.0, 3.5, 5.0, 7.0, 9.0, 10.0]
GROUP_WEIGHTS = [0.0, 0.2, 0.5, 1.0, 3.0, None]  # None: the key is left out (default 1)
MEASURE_WEIGHTS = [0.0, 0.5, 1.0, 2.0, None]
BAND_SCORES = [0, 10, 25, 33.3, 50, 75, 90, 100]


@st.composite
def transforms(draw, reference_allowed: bool = True) -> dict:
    kind = draw(st.sampled_from(["linear", "bands", "percentile", "boolean"]))
    if kind == "linear":
        lo, hi = draw(st.lists(st.sampled_from(GRID), min_size=2, max_size=2, unique=True))
        return {"kind": "linear", "lo": lo, "hi": hi}  # lo > hi half the time: lower is better
    if kind == "bands":
        edges = sorted(draw(st.lists(st.sampled_from(GRID), min_size=1, max_size=4, unique=True)))
        scores = draw(
            st.lists(st.sampled_from(BAND_SCORES), min_size=len(edges) + 1, max_size=len(edges) + 1)
        )
        return {"kind": "bands", "edges": edges, "scores": scores}
    if kind == "percentile":
        t = {"kind": "percentile"}
        if reference_allowed and draw(st.booleans()):
            t["reference"] = sorted(draw(st.lists(st.sampled_from(GRID), min_size=1, max_size=12)))
        return t
    return {"kind": "boolean"}


@st.composite
def documents(draw, policies=POLICIES) -> dict:
    n_groups = draw(st.integers(1, 3))
    n_measures = draw(st.integers(n_groups, 6))
    groups = []
    for g in range(n_groups):
        group = {"name": f"g{g}"}
        w = draw(st.sampled_from(GROUP_WEIGHTS))
        if w is not None:
            group["weight"] = w
        groups.append(group)
    # Every group has a measure; the rest go anywhere.
    owner = list(range(n_groups)) + [
        draw(st.integers(0, n_groups - 1)) for _ in range(n_measures - n_groups)
    ]
    owner = draw(st.permutations(owner))
    measures = []
    for k, g in enumerate(owner):
        m = {"name": f"m{k}", "group": f"g{g}"}
        if draw(st.booleans()):
            m["column"] = f"col_{k}"
        w = draw(st.sampled_from(MEASURE_WEIGHTS))
        if w is not None:
            m["weight"] = w
        m["transform"] = draw(transforms())
        measures.append(m)
    # The effective weights must be able to sum to 1: some group of weight > 0 (1 by default)
    # holds a measure of weight > 0.
    live = {m["group"] for m in measures if m.get("weight", 1) > 0}
    if not any(g.get("weight", 1) > 0 and g["name"] in live for g in groups):
        groups[owner[0]].pop("weight", None)
        measures[0].pop("weight", None)
    doc = {"version": 1, "name": "random", "groups": groups, "measures": measures}
    policy = draw(st.sampled_from([*policies, None]))
    if policy is not None:
        doc["missing"] = policy
    if draw(st.booleans()):
        mins = sorted(
            draw(st.lists(st.sampled_from([10, 25, 40, 50, 70, 90]), max_size=3, unique=True))
        )
        doc["grades"] = [{"min": m, "label": f"grade{k}"} for k, m in enumerate([0, *mins])]
    return doc


def column_of(m: dict) -> str:
    return m.get("column", m["name"])


@contextlib.contextmanager
def absent_warned(doc: dict, frame: pd.DataFrame):
    """Expects, around a score or explain, one RetainWarning naming every measure whose column
    ``frame`` lacks; none when every column is there or under the error policy (which raises).
    Any other warning fails the test (pytest turns warnings into errors)."""
    names = [m["name"] for m in doc["measures"] if column_of(m) not in frame.columns]
    if doc.get("missing") == "error" or not names:
        yield
        return
    with pytest.warns(rt.RetainWarning) as record:
        yield
    texts = [str(w.message) for w in record if issubclass(w.category, rt.RetainWarning)]
    assert len(texts) == 1, texts
    for name in names:
        assert f"measure {name!r}" in texts[0], (name, texts[0])


@st.composite
def frames(draw, doc: dict, max_rows: int = 25, complete: bool = False) -> pd.DataFrame:
    """Values from GRID; unless ``complete``, some columns absent and some values NaN."""
    n = draw(st.integers(0, max_rows))
    data = {}
    for m in doc["measures"]:
        if not complete and draw(st.integers(0, 9)) == 0:
            continue  # the column is absent
        nan_share = 0.0 if complete else draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
        values = [
            math.nan if draw(st.floats(0, 1)) < nan_share else draw(st.sampled_from(GRID))
            for _ in range(n)
        ]
        data[column_of(m)] = np.array(values, dtype=np.float64)
    data["unused"] = np.arange(n, dtype=np.float64)  # a column no measure reads
    index = pd.Index([f"acct{7 * k}" for k in range(n)], name="account_id")
    return pd.DataFrame(data, index=index)


@st.composite
def documents_and_frames(draw, policies=POLICIES):
    doc = draw(documents(policies))
    return doc, draw(frames(doc))


def seeded_frame(doc: dict, n: int, seed: int) -> pd.DataFrame:
    """A bigger frame than hypothesis draws: every column present, 10 % NaN, values on GRID plus
    some uniform ones, one row with nothing present."""
    rng = np.random.default_rng(seed)
    data = {}
    for m in doc["measures"]:
        values = rng.choice(GRID, n)
        spread = rng.random(n) < 0.3
        values[spread] = rng.uniform(-3, 11, n)[spread]
        values[rng.random(n) < 0.1] = np.nan
        if n:
            values[0] = np.nan
        data[column_of(m)] = values
    return pd.DataFrame(data, index=pd.RangeIndex(10, 10 + n))


# ---------------------------------------------------------------------------------------------
# Comparisons


def labels(doc: dict) -> list[str]:
    return [g["label"] for g in doc.get("grades") or []]


def assert_scores_equal(got: pd.DataFrame, expected: pd.DataFrame, doc: dict) -> None:
    groups = [g["name"] for g in doc["groups"]]
    assert list(got.columns) == ["score", "grade", *groups, "coverage"]
    pd.testing.assert_index_equal(got.index, expected.index)
    for name in ["score", *groups, "coverage"]:
        assert got[name].dtype == np.float64, name
        np.testing.assert_allclose(
            got[name].to_numpy(), expected[name].to_numpy(), equal_nan=True, err_msg=name, **TOL
        )
    grade = got["grade"]
    assert isinstance(grade.dtype, pd.CategoricalDtype)
    assert list(grade.cat.categories) == labels(doc)
    assert grade.astype(object).where(grade.notna(), None).tolist() == expected["grade"].tolist()


def assert_explain_equal(got: pd.DataFrame, doc: dict, frame: pd.DataFrame) -> None:
    names = [m["name"] for m in doc["measures"]]
    contributions, measure_scores = oracle_explain(doc, frame)
    assert list(got.columns) == [("contribution", n) for n in names] + [
        ("measure_score", n) for n in names
    ]
    pd.testing.assert_index_equal(got.index, frame.index)
    for part, expected in [("contribution", contributions), ("measure_score", measure_scores)]:
        np.testing.assert_allclose(
            got[part].to_numpy(dtype=np.float64),
            expected.to_numpy(),
            equal_nan=True,
            err_msg=part,
            **TOL,
        )


def expected_or_error(doc: dict, frame: pd.DataFrame):
    """The oracle's scores, or the (retain error class, column) the error policy must raise."""
    try:
        return oracle_score(doc, frame), None
    except OracleColumnMissing as exc:
        return None, (rt.ColumnError, exc)
    except OracleValueMissing as exc:
        return None, (rt.InputError, exc)


# ---------------------------------------------------------------------------------------------
# The oracle itself, by hand


def issue_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "active_users_30d": [10.0, 25.0, np.nan],
            "nps": [8.0, 9.0, np.nan],
            "open_tickets": [2.0, 12.0, np.nan],
            "seat_util": [0.5, 0.9, np.nan],
            "exec_sponsor": [1.0, 1.0, np.nan],
        },
        index=pd.Index(["a", "b", "c"], name="account_id"),
    )


def test_oracle_scores_the_issue_document_by_hand():
    got = oracle_score(ISSUE_DOCUMENT, issue_frame())
    # a: usage (2 * 50 + 25) / 3, satisfaction (50 + 0.5 * 80) / 1.5, customer 100.
    usage_a, sat_a = 125 / 3, 60.0
    # b: usage (2 * 100 + 75) / 3, satisfaction (100 + 0) / 1.5, customer 100.
    usage_b, sat_b = 275 / 3, 200 / 3
    assert got["usage"].tolist()[:2] == pytest.approx([usage_a, usage_b], rel=1e-15)
    assert got["satisfaction"].tolist()[:2] == pytest.approx([sat_a, sat_b], rel=1e-15)
    assert got["customer"].tolist()[:2] == [100.0, 100.0]
    scores = [0.5 * usage_a + 0.3 * sat_a + 0.2 * 100, 0.5 * usage_b + 0.3 * sat_b + 0.2 * 100]
    assert got["score"].tolist()[:2] == pytest.approx(scores, rel=1e-15)
    assert got["grade"].tolist() == ["yellow", "green", None]
    assert got["coverage"].tolist() == [1.0, 1.0, 0.0]
    assert math.isnan(got["score"].iloc[2]) and got.loc["c", ["usage", "customer"]].isna().all()
    contributions, measure_scores = oracle_explain(ISSUE_DOCUMENT, issue_frame())
    assert contributions.sum(axis=1).tolist()[:2] == pytest.approx(scores, rel=1e-15)
    assert measure_scores.loc["a"].tolist() == [50.0, 50.0, 80.0, 25.0, 100.0]
    assert contributions.loc["c"].isna().all()


def test_oracle_policies_by_hand():
    doc = {
        "version": 1,
        "groups": [{"name": "u", "weight": 3}, {"name": "s"}],
        "measures": [
            {"name": "a", "group": "u", "transform": {"kind": "linear", "lo": 10, "hi": 0}},
            {"name": "b", "group": "u", "weight": 3, "transform": {"kind": "boolean"}},
            {"name": "c", "group": "s", "transform": {"kind": "boolean"}},
        ],
    }
    frame = pd.DataFrame({"a": [2.5, 2.5], "b": [np.nan, 1.0]})  # no column c
    # Effective weights: a 3/4 * 1/4, b 3/4 * 3/4, c 1/4.
    got = oracle_score(doc, frame)
    assert got["coverage"].tolist() == [3 / 16, 3 / 4]
    assert got["score"].tolist() == [75.0, (75 + 300) / 4]  # reweight: u alone
    got = oracle_score({**doc, "missing": "neutral"}, frame)
    assert got["u"].tolist() == [(75 + 150) / 4, (75 + 300) / 4]
    assert got["score"].tolist() == [(3 * 225 / 4 + 50) / 4, (3 * 375 / 4 + 50) / 4]
    got = oracle_score({**doc, "missing": "zero"}, frame)
    assert got["score"].tolist() == [3 * 75 / 16, 3 * 375 / 16]
    with pytest.raises(OracleColumnMissing, match="'c'"):
        oracle_score({**doc, "missing": "error"}, frame)


# ---------------------------------------------------------------------------------------------
# The benchmark's numpy scorer against the oracle


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(case=documents_and_frames(policies=("reweight", "neutral", "zero")))
def test_benchmark_numpy_scorer_equals_the_oracle(case):
    doc, frame = case
    expected = oracle_score(doc, frame)
    expected["grade"] = pd.Categorical(expected["grade"], categories=labels(doc))
    bench.check_equal(expected, bench.numpy_score(bench.plan_of(doc), frame), "numpy")


@pytest.mark.parametrize("policy", ["reweight", "neutral", "zero"])
def test_benchmark_numpy_scorer_equals_the_oracle_on_the_benchmark_data(policy):
    doc = {**bench.scaled_document(), "missing": policy}
    frame = bench.make_features(400, "columns", "int-sorted")
    frame.iloc[3] = np.nan  # a row with nothing present
    expected = oracle_score(doc, frame)
    expected["grade"] = pd.Categorical(expected["grade"], categories=labels(doc))
    bench.check_equal(expected, bench.numpy_score(bench.plan_of(doc), frame), policy)
    assert set(expected["grade"].dropna()) == {"red", "yellow", "green"}


# ---------------------------------------------------------------------------------------------
# rt.HealthModel against the oracle


def check_model(doc: dict, frame: pd.DataFrame) -> None:
    """score and explain equal the oracle's, or both raise what the error policy says."""
    model = rt.HealthModel(doc)
    expected, error = expected_or_error(doc, frame)
    if error is not None:
        cls, exc = error
        for call in (model.score, model.explain):
            with pytest.raises(cls) as info:
                call(frame)
            assert any(c in str(info.value) for c in exc.columns), (str(info.value), exc.columns)
        return
    with absent_warned(doc, frame):
        scored = model.score(frame)
    assert_scores_equal(scored, expected, doc)
    with absent_warned(doc, frame):
        explained = model.explain(frame)
    assert_explain_equal(explained, doc, frame)
    # Contributions sum to the score, row by row; NaN rows have NaN contributions.
    total = explained["contribution"].sum(axis=1, min_count=1).to_numpy()
    np.testing.assert_allclose(total, scored["score"].to_numpy(), equal_nan=True, **TOL)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(case=documents_and_frames())
def test_score_and_explain_equal_the_oracle(case):
    check_model(*case)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(data=st.data(), doc=documents(policies=("error",)))
def test_the_error_policy_without_missing_values_equals_the_oracle(data, doc):
    frame = data.draw(frames(doc, complete=True))
    assert doc.get("missing") in ("error", None)
    check_model(doc, frame)


def seeded_document(seed: int) -> dict:
    """The benchmark's 20-measure document with random weights (zeros included), some linear
    ranges inverted, a random policy and, for some percentiles, a stored reference."""
    rng = np.random.default_rng(seed)
    doc = bench.scaled_document()
    for g in doc["groups"]:
        g["weight"] = float(rng.choice([0.0, 0.25, 1.0, 2.0]))
    doc["groups"][0]["weight"] = 1.0
    for m in doc["measures"]:
        m["weight"] = float(rng.choice([0.0, 0.5, 1.0, 3.0]))
        t = m["transform"]
        if t["kind"] == "linear" and rng.random() < 0.5:
            t["lo"], t["hi"] = t["hi"], t["lo"]
        if t["kind"] == "percentile" and rng.random() < 0.5:
            t["reference"] = sorted(rng.choice(GRID, int(rng.integers(1, 40))).tolist())
    doc["measures"][0]["weight"] = 1.0
    doc["missing"] = ["reweight", "neutral", "zero"][seed % 3]
    return doc


@pytest.mark.parametrize("seed", range(6))
def test_score_equals_the_oracle_on_seeded_frames_for_any_thread_count(seed):
    doc = seeded_document(seed)
    frame = seeded_frame(doc, 3_000, seed)
    if seed % 2:
        frame = frame.drop(columns=column_of(doc["measures"][seed]))
    model = rt.HealthModel(doc)
    with absent_warned(doc, frame):
        scored = model.score(frame)
    assert_scores_equal(scored, oracle_score(doc, frame), doc)
    with absent_warned(doc, frame):
        assert_explain_equal(model.explain(frame), doc, frame)
    for n_threads in (1, 2, 3):
        with absent_warned(doc, frame):
            pd.testing.assert_frame_equal(model.score(frame, n_threads=n_threads), scored)


def test_the_issue_document_by_hand():
    model = rt.HealthModel(ISSUE_DOCUMENT)
    frame = issue_frame()
    assert_scores_equal(model.score(frame), oracle_score(ISSUE_DOCUMENT, frame), ISSUE_DOCUMENT)
    assert model.score(frame)["grade"].tolist()[:2] == ["yellow", "green"]
    assert_explain_equal(model.explain(frame), ISSUE_DOCUMENT, frame)


def single(transform: dict, missing: str | None = None) -> dict:
    doc = {
        "version": 1,
        "groups": [{"name": "g"}],
        "measures": [{"name": "x", "group": "g", "transform": transform}],
    }
    if missing:
        doc["missing"] = missing
    return doc


def test_percentile_equals_scipy_percentileofscore_mean_with_many_ties():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, 2_000).astype(float)
    x[rng.random(2_000) < 0.1] = np.nan
    frame = pd.DataFrame({"x": x})
    present = x[~np.isnan(x)]
    expected = np.array([percentileofscore(present, v, kind="mean") for v in present])
    got = rt.HealthModel(single({"kind": "percentile"})).score(frame)["score"].to_numpy()
    np.testing.assert_allclose(got[~np.isnan(x)], expected, **TOL)
    assert np.isnan(got[np.isnan(x)]).all()
    # Against a stored reference, values inside, outside and on it.
    reference = sorted(rng.integers(1, 5, 37).astype(float).tolist())
    doc = single({"kind": "percentile", "reference": reference})
    got = rt.HealthModel(doc).score(frame)["score"].to_numpy()
    expected = np.array([percentileofscore(reference, v, kind="mean") for v in present])
    np.testing.assert_allclose(got[~np.isnan(x)], expected, **TOL)


def test_linear_inverted_and_bands_on_their_edges_by_hand():
    frame = pd.DataFrame({"x": [-1.0, 0.0, 2.5, 7.0, 8.999, 9.0, 10.0, 11.0]})
    inverted = rt.HealthModel(single({"kind": "linear", "lo": 10, "hi": 0})).score(frame)
    assert inverted["score"].tolist() == pytest.approx(
        [100, 100, 75, 30, 10.01, 10, 0, 0], rel=1e-12
    )
    bands = single({"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]})
    assert rt.HealthModel(bands).score(frame)["score"].tolist() == [0, 0, 0, 50, 50, 100, 100, 100]


def test_error_policy_names_the_column_and_row():
    doc = {**ISSUE_DOCUMENT, "missing": "error"}
    model = rt.HealthModel(doc)
    frame = issue_frame().iloc[:2]
    with pytest.raises(rt.ColumnError, match="seat_util"):
        model.score(frame.drop(columns="seat_util"))
    with pytest.raises(KeyError):
        model.score(frame.drop(columns="seat_util"))
    holed = frame.copy()
    holed.iloc[1, holed.columns.get_loc("nps")] = np.nan
    with pytest.raises(rt.InputError, match=r"nps") as info:
        model.score(holed)
    assert "1" in str(info.value)  # the row (position 1)
    assert isinstance(info.value, ValueError)
    rt.HealthModel(doc).score(frame)  # nothing missing: no error


def test_zero_weights():
    doc = {
        "version": 1,
        "groups": [{"name": "a", "weight": 0}, {"name": "b"}, {"name": "c"}],
        "measures": [
            {"name": "p", "group": "a", "transform": {"kind": "boolean"}},
            {"name": "q", "group": "b", "transform": {"kind": "boolean"}},
            {"name": "r", "group": "b", "weight": 0, "transform": {"kind": "boolean"}},
            {"name": "s", "group": "c", "weight": 0, "transform": {"kind": "boolean"}},
        ],
    }
    frame = pd.DataFrame(
        {"p": [1.0, 1.0, 0.0], "q": [0.0, np.nan, 1.0], "r": [1.0, 1.0, 1.0], "s": [1.0] * 3}
    )
    got = rt.HealthModel(doc).score(frame)
    # Only q carries weight (group c is not live, r weighs 0): coverage is q's presence.
    assert got["coverage"].tolist() == [1.0, 0.0, 1.0]
    assert got["score"].tolist()[::2] == [0.0, 100.0]
    assert np.isnan(got["score"].iloc[1])
    assert_scores_equal(got, oracle_score(doc, frame), doc)
    assert_explain_equal(rt.HealthModel(doc).explain(frame), doc, frame)


def test_a_row_with_nothing_present_is_nan_in_every_policy():
    frame = pd.DataFrame({"active_users_30d": [np.nan, 5.0]})  # every other column absent
    for policy in ("reweight", "neutral", "zero"):
        doc = {**ISSUE_DOCUMENT, "missing": policy}
        with absent_warned(doc, frame):
            got = rt.HealthModel(doc).score(frame)
        assert np.isnan(got["score"].iloc[0]) and got["coverage"].iloc[0] == 0
        assert pd.isna(got["grade"].iloc[0])
        assert_scores_equal(got, oracle_score(doc, frame), doc)
        with absent_warned(doc, frame):
            assert_explain_equal(rt.HealthModel(doc).explain(frame), doc, frame)


# ---------------------------------------------------------------------------------------------
# calibrate, round trips


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(data=st.data(), doc=documents(policies=("reweight", "neutral", "zero")))
def test_calibrate_stores_sorted_references_and_scores_like_the_oracle(data, doc):
    fit_on, later = data.draw(frames(doc)), data.draw(frames(doc))
    percentile = [m for m in doc["measures"] if m["transform"]["kind"] == "percentile"]
    for m in percentile:  # every percentile column has a value to calibrate on
        column = column_of(m)
        if column not in fit_on or fit_on[column].isna().all():
            fit_on = pd.concat([fit_on, pd.DataFrame({column: [1.0]}, index=["extra"])])
    model = rt.HealthModel(doc)
    calibrated = model.calibrate(fit_on)
    assert model.to_dict() == doc  # the model calibrated is left as it was
    expected = json.loads(json.dumps(doc))
    for m in expected["measures"]:
        if m["transform"]["kind"] == "percentile":
            values = fit_on[column_of(m)].dropna().to_numpy(dtype=float)
            m["transform"]["reference"] = np.sort(values).tolist()
    got = calibrated.to_dict()
    assert got == expected
    for m in got["measures"]:
        if "reference" in m["transform"]:
            assert all(type(v) is float for v in m["transform"]["reference"])
    check_model(expected, later)
    with absent_warned(doc, later):
        mine = calibrated.score(later)
    with absent_warned(doc, later):
        pd.testing.assert_frame_equal(mine, rt.HealthModel(expected).score(later))


def same_json(a, b) -> bool:
    """Equal, with the same types all the way down (1 stays int, 1.0 float), key order aside."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(case=documents_and_frames(policies=("reweight", "neutral", "zero")))
def test_round_trips_are_exact(case):
    doc, frame = case
    model = rt.HealthModel(doc)
    assert same_json(model.to_dict(), doc)
    assert same_json(json.loads(model.to_json()), doc)
    with absent_warned(doc, frame):
        scored = model.score(frame)
    copies = [
        rt.HealthModel.from_dict(model.to_dict()),
        rt.HealthModel.from_json(model.to_json()),
        pickle.loads(pickle.dumps(model)),
        rt.HealthModel.from_json(json.dumps(doc)),
    ]
    for other in copies:
        assert other == model
        assert same_json(other.to_dict(), doc)
        with absent_warned(doc, frame):
            pd.testing.assert_frame_equal(other.score(frame), scored)
