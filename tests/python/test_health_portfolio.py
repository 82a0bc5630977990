"""rt.health.rollup and rt.health.alerts: hand-worked cases, every bad input, and a plain pandas
oracle (groupby + np.average and idxmin; boolean masks and a stable sort) on random frames.

The scored frames are built by hand, as HealthModel.score would return them, so these tests do
not depend on the model."""

from __future__ import annotations

import doctest
import re
import threading

import numpy as np
import pandas as pd
import pytest

import retain as rt

GRADES = ["red", "yellow", "green"]


def grades(labels) -> pd.Categorical:
    return pd.Categorical(labels, categories=GRADES)


# ---------------------------------------------------------------------------------------------
# rollup


def children() -> pd.DataFrame:
    """Parent acme: us 80 (arr 100), eu 40 (300), jp unscored (50); globex: uk 60 (10), de 60 (30);
    initech: only an unscored child."""
    return pd.DataFrame(
        {
            "score": [80.0, 60.0, 40.0, 60.0, np.nan, np.nan],
            "grade": grades(["green", "yellow", "yellow", "yellow", None, None]),
            "group": ["acme", "globex", "acme", "globex", "acme", "initech"],
            "arr": [100.0, 10.0, 300.0, 30.0, 50.0, 5.0],
        },
        index=pd.Index(
            ["acme-us", "globex-uk", "acme-eu", "globex-de", "acme-jp", "ini-1"], name="account"
        ),
    )


def test_rollup_hand_worked_weighted_by_arr():
    out = rt.health.rollup(children(), parent="group", weight="arr")
    assert list(out.index) == ["acme", "globex", "initech"]  # first appearance
    assert out.index.name == "group"
    assert list(out.columns) == [
        "score",
        "children",
        "scored_children",
        "weight",
        "worst_child",
        "worst_score",
        "worst_grade",
    ]
    # acme: (100*80 + 300*40) / (100 + 300) = 20000 / 400 = 50; weight 100 + 300 + 50 = 450.
    # globex: (10*60 + 30*60) / 40 = 60, a tie: the first row (globex-uk) is the worst.
    assert out["score"].iloc[:2].tolist() == [50.0, 60.0]
    assert np.isnan(out.loc["initech", "score"])
    assert out["children"].tolist() == [3, 2, 1]
    assert out["scored_children"].tolist() == [2, 2, 0]
    assert out["weight"].tolist() == [450.0, 40.0, 5.0]
    assert out["worst_child"].tolist()[:2] == ["acme-eu", "globex-uk"]
    assert pd.isna(out.loc["initech", "worst_child"])
    assert out["worst_score"].iloc[:2].tolist() == [40.0, 60.0]
    assert np.isnan(out.loc["initech", "worst_score"])
    assert isinstance(out["worst_grade"].dtype, pd.CategoricalDtype)
    assert list(out["worst_grade"].cat.categories) == GRADES
    assert out["worst_grade"].tolist()[:2] == ["yellow", "yellow"]
    assert pd.isna(out.loc["initech", "worst_grade"])
    assert out["children"].dtype == np.int64


def test_rollup_equal_weights_and_no_grade_column():
    frame = children().drop(columns="grade")
    out = rt.health.rollup(frame, parent="group", weight=None)
    # acme: (80 + 40) / 2 = 60, weight = 3 children.
    assert out.loc["acme", "score"] == 60.0
    assert out["weight"].tolist() == [3.0, 2.0, 1.0]
    assert "worst_grade" not in out.columns


def test_rollup_parent_as_a_series_mapping_child_to_parent():
    frame = children().drop(columns="group")
    mapping = pd.Series(
        {
            "ini-1": "initech",
            "acme-us": "acme",
            "acme-eu": "acme",
            "acme-jp": "acme",
            "globex-uk": "globex",
            "globex-de": "globex",
            "other": "x",
        },
        name="holding",
    )
    out = rt.health.rollup(frame, parent=mapping)
    assert out.index.name == "holding"
    # Order of first appearance in the scored frame, not in the mapping.
    assert list(out.index) == ["acme", "globex", "initech"]
    assert out["score"].iloc[:2].tolist() == [50.0, 60.0]
    unnamed = rt.health.rollup(frame, parent=mapping.rename(None))
    assert unnamed.index.name == "parent"
    with pytest.raises(
        rt.InputError, match=re.escape("parent, row 5: child account 'ini-1' has no parent")
    ):
        rt.health.rollup(frame, parent=mapping.drop("ini-1"))


def test_rollup_zero_weights_give_nan_yet_keep_the_worst_child():
    frame = pd.DataFrame(
        {
            "score": [50.0, 20.0, 10.0, 70.0, 90.0],
            "p": [1, 1, 2, 2, 2],
            "arr": [0.0, 0.0, 0.0, 2.0, 2.0],
        },
        index=pd.Index([11, 12, 21, 22, 23], name="account"),
    )
    out = rt.health.rollup(frame, parent="p")
    # Parent 1: all scored weight is 0 -> NaN; parent 2: (0*10 + 2*70 + 2*90) / 4 = 80, the
    # zero-weight child (10) is still the worst.
    assert np.isnan(out.loc[1, "score"])
    assert out.loc[2, "score"] == 80.0
    assert out["worst_child"].tolist() == [12, 21]
    assert out["weight"].tolist() == [0.0, 4.0]
    # Integer parents and children keep their dtype.
    assert out.index.dtype == np.int64
    assert out["worst_child"].dtype == np.int64


def test_rollup_integer_children_without_a_worst_child_stay_integers():
    frame = pd.DataFrame(
        {"score": [np.nan, 30.0], "p": ["a", "b"]}, index=pd.Index([7, 8], name="account")
    )
    out = rt.health.rollup(frame, parent="p", weight=None)
    assert str(out["worst_child"].dtype) == "Int64"
    assert out["worst_child"].tolist()[1] == 8
    assert pd.isna(out["worst_child"].iloc[0])


def test_rollup_bad_inputs_name_the_column_and_row():
    frame = children()
    bad = frame.assign(arr=[100.0, -5.0, 1, 1, 1, 1])
    with pytest.raises(
        rt.InputError,
        match=re.escape("column 'arr', row 1: weight must be a finite number >= 0, got -5"),
    ):
        rt.health.rollup(bad, parent="group")
    with pytest.raises(
        rt.InputError,
        match=re.escape("column 'arr', row 2: weight must be a finite number >= 0, got nan"),
    ):
        rt.health.rollup(frame.assign(arr=[1, 1, np.nan, 1, 1, 1]), parent="group")
    with pytest.raises(
        rt.InputError,
        match=re.escape("column 'arr', row 0: weight must be a finite number >= 0, got inf"),
    ):
        rt.health.rollup(frame.assign(arr=[np.inf, 1, 1, 1, 1, 1]), parent="group")
    with pytest.raises(
        rt.InputError,
        match=re.escape("column 'score', row 3: score must be finite or missing (NaN), got inf"),
    ):
        rt.health.rollup(frame.assign(score=[1, 1, 1, np.inf, 1, 1]), parent="group")
    with pytest.raises(rt.InputError, match=re.escape("column 'group', row 2: missing parent id")):
        rt.health.rollup(frame.assign(group=["a", "b", None, "a", "a", "a"]), parent="group")
    with pytest.raises(rt.InputError, match=re.escape("column 'arr' must be numeric")):
        rt.health.rollup(frame.assign(arr=list("abcdef")), parent="group")
    with pytest.raises(rt.ColumnError, match=re.escape("has no weight column 'seats'")) as info:
        rt.health.rollup(frame, parent="group", weight="seats")
    assert "pass weight=None for equal weights" in str(info.value)
    with pytest.raises(rt.ColumnError, match=re.escape("the scored frame has no column 'parent'")):
        rt.health.rollup(frame, parent="parent")
    with pytest.raises(rt.ColumnError, match=re.escape("the scored frame has no column 'score'")):
        rt.health.rollup(frame.drop(columns="score"), parent="group")
    with pytest.raises(
        rt.InputError,
        match=re.escape("the scored frame: child account 'acme-us' appears more than once"),
    ):
        rt.health.rollup(frame.rename(index={"acme-eu": "acme-us"}), parent="group")
    with pytest.raises(TypeError, match="the scored frame must be a pandas DataFrame"):
        rt.health.rollup(frame.to_numpy(), parent="group")


def labels(column: pd.Series) -> list:
    """The values, any kind of missing value as None."""
    return [None if pd.isna(x) else x for x in column]


def rollup_oracle(frame: pd.DataFrame, parent: str, weight: str | None) -> pd.DataFrame:
    """The same rollup the plain pandas way."""
    w = frame[weight] if weight is not None else pd.Series(1.0, index=frame.index)
    rows = []
    for key, group in frame.groupby(parent, sort=False):
        scored = group["score"].notna()
        gw = w[group.index][scored]
        mean = np.average(group["score"][scored], weights=gw) if gw.sum() > 0 else np.nan
        worst = group["score"].idxmin() if scored.any() else None
        rows.append(
            {
                parent: key,
                "score": mean,
                "children": len(group),
                "scored_children": int(scored.sum()),
                "weight": w[group.index].sum(),
                "worst_child": worst,
                "worst_score": group["score"].min(),
            }
        )
    return pd.DataFrame(rows).set_index(parent)


def random_children(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n)  # continuous: no ties, so row order does not pick the worst
    score[rng.random(n) < 0.2] = np.nan
    arr = rng.choice([0.0, 1_000.0, 12_500.5, 250_000.0], n) * rng.uniform(0.5, 2, n)
    arr[rng.random(n) < 0.1] = 0.0
    return pd.DataFrame(
        {"score": score, "parent": rng.integers(0, 60, n).astype(str), "arr": arr},
        index=pd.Index([f"c{i}" for i in range(n)], name="account"),
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weight", ["arr", None])
def test_rollup_matches_a_pandas_oracle_on_random_frames(seed, weight):
    frame = random_children(seed)
    out = rt.health.rollup(frame, parent="parent", weight=weight)
    expected = rollup_oracle(frame, "parent", weight)
    assert list(out.index) == list(expected.index)
    np.testing.assert_allclose(out["score"], expected["score"], rtol=1e-12)
    np.testing.assert_allclose(out["weight"], expected["weight"], rtol=1e-12)
    np.testing.assert_array_equal(out["children"], expected["children"])
    np.testing.assert_array_equal(out["scored_children"], expected["scored_children"])
    assert labels(out["worst_child"]) == labels(expected["worst_child"])
    np.testing.assert_array_equal(out["worst_score"], expected["worst_score"])
    # Shuffled rows: the same parents with the same values (only their order follows the rows).
    shuffled = frame.sample(frac=1, random_state=seed)
    again = rt.health.rollup(shuffled, parent="parent", weight=weight).loc[out.index]
    np.testing.assert_allclose(again["score"], out["score"], rtol=1e-12)
    np.testing.assert_allclose(again["weight"], out["weight"], rtol=1e-12)
    assert labels(again["worst_child"]) == labels(out["worst_child"])


# ---------------------------------------------------------------------------------------------
# alerts


def scored_with_previous() -> pd.DataFrame:
    """The C++ test's rows, as HealthModel.score(frame, previous=...) would give them."""
    return pd.DataFrame(
        {
            "score": [55.0, 35.0, 75.0, 60.0, 10.0, 20.0, np.nan, 30.0, 30.0, 90.0],
            "grade": grades(
                ["yellow", "red", "green", "yellow", "red", "red", None, "red", "red", "green"]
            ),
            "coverage": 1.0,
            "score_change": [-12.5, -3, -10, -9.99, -30, np.nan, np.nan, 5, -12.5, 20],
            "previous_grade": grades(
                ["green", "yellow", "green", "green", "red", None, "yellow", None, "yellow", "red"]
            ),
        },
        index=pd.Index([f"a{i}" for i in range(10)], name="account"),
    )


def test_alerts_hand_worked():
    frame = scored_with_previous()
    frame.loc["a6", "grade"] = "red"  # row 6: yellow -> red with no score change known
    out = rt.health.alerts(frame, min_drop=10, into=("red",))
    # -30 (a4), -12.5 (a0), -12.5 (a8, after a0), -10 (a2), -3 (a1), +5 (a7), NaN (a6).
    # a3 fell 9.99 < 10 and stays yellow; a5 is new in red (no previous score); a9 rose.
    assert list(out.index) == ["a4", "a0", "a8", "a2", "a1", "a7", "a6"]
    assert out.index.name == "account"
    assert list(out.columns) == [
        "score",
        "score_change",
        "grade",
        "previous_grade",
        "dropped",
        "entered",
        "reason",
    ]
    assert out["dropped"].tolist() == [True, True, True, True, False, False, False]
    assert out["entered"].tolist() == [False, False, True, False, True, True, True]
    assert out["reason"].tolist() == [
        "score fell 30",
        "score fell 12.5",
        "score fell 12.5; entered red",
        "score fell 10",
        "entered red",
        "entered red",
        "entered red",
    ]
    assert out["score"].tolist()[:5] == [10.0, 55.0, 30.0, 75.0, 35.0]
    assert out["dropped"].dtype == bool and out["entered"].dtype == bool
    for column in ("grade", "previous_grade"):
        assert isinstance(out[column].dtype, pd.CategoricalDtype)
        assert list(out[column].cat.categories) == GRADES
    assert out["previous_grade"].tolist()[:2] == ["red", "green"]
    assert pd.isna(out.loc["a7", "previous_grade"])


def test_alerts_watching_several_grades_a_single_label_or_none():
    frame = scored_with_previous()
    # into yellow and red: a0 green -> yellow is an entry; a1 and a8 yellow -> red are not.
    both = rt.health.alerts(frame, min_drop=20, into=["red", "yellow"])
    assert list(both.index) == ["a4", "a0", "a3", "a7"]
    assert both["reason"].tolist() == [
        "score fell 30",
        "entered yellow",
        "entered yellow",
        "entered red",
    ]
    # A single label needs no tuple.
    pd.testing.assert_frame_equal(
        rt.health.alerts(frame, into="red"), rt.health.alerts(frame, into=("red",))
    )
    drops = rt.health.alerts(frame, min_drop=12.5, into=())
    assert list(drops.index) == ["a4", "a0", "a8"]
    assert not drops["entered"].any()
    nothing = rt.health.alerts(frame, min_drop=50, into=())
    assert len(nothing) == 0
    assert list(nothing.columns) == list(both.columns)


def test_alerts_previous_grades_as_plain_labels():
    frame = scored_with_previous()
    plain = frame.assign(previous_grade=frame["previous_grade"].astype(object))
    pd.testing.assert_frame_equal(rt.health.alerts(plain), rt.health.alerts(frame))
    bad = plain.copy()
    bad.loc["a3", "previous_grade"] = "amber"
    with pytest.raises(
        rt.InputError,
        match=re.escape(
            "column 'previous_grade', row 3: 'amber' is not a grade "
            "(grades: ['red', 'yellow', 'green'])"
        ),
    ):
        rt.health.alerts(bad)


def test_alerts_bad_inputs():
    frame = scored_with_previous()
    for column in ("score_change", "previous_grade"):
        with pytest.raises(
            rt.ColumnError, match=re.escape(f"the scored frame has no column '{column}'")
        ) as info:
            rt.health.alerts(frame.drop(columns=column))
        assert "score with previous=" in str(info.value)
    with pytest.raises(rt.ColumnError, match=re.escape("the scored frame has no column 'grade'")):
        rt.health.alerts(frame.drop(columns="grade"))
    with pytest.raises(
        rt.InputError,
        match=re.escape("into: 'purple' is not a grade (grades: ['red', 'yellow', 'green'])"),
    ):
        rt.health.alerts(frame, into=("red", "purple"))
    for bad, shown in ((0, "0"), (-5, "-5"), (np.inf, "inf"), (np.nan, "nan")):
        with pytest.raises(
            rt.InputError,
            match=re.escape(f"min_drop: must be a positive finite number, got {shown}"),
        ):
            rt.health.alerts(frame, min_drop=bad)
    with pytest.raises(rt.InputError, match=re.escape("min_drop: expected a number, got '10'")):
        rt.health.alerts(frame, min_drop="10")
    with pytest.raises(rt.InputError, match="column 'grade' must be a pandas Categorical"):
        rt.health.alerts(frame.assign(grade=frame["grade"].astype(object)))
    with pytest.raises(
        rt.InputError,
        match=re.escape(
            "column 'score_change', row 1: score change must be finite or missing (NaN), got -inf"
        ),
    ):
        rt.health.alerts(frame.assign(score_change=[0, -np.inf, 0, 0, 0, 0, 0, 0, 0, 0]))


def alerts_oracle(frame: pd.DataFrame, min_drop: float, into: list[str]) -> pd.DataFrame:
    change = frame["score_change"]
    now_in = frame["grade"].isin(into)
    before_in = frame["previous_grade"].isin(into)
    was_scored = frame["previous_grade"].notna() | change.notna()
    dropped = change <= -min_drop
    entered = now_in & ~before_in & was_scored
    hits = frame[dropped | entered].assign(dropped=dropped, entered=entered)
    return hits.sort_values("score_change", kind="stable", na_position="last")


def random_scored(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, n).round(1)
    score[rng.random(n) < 0.05] = np.nan
    before = rng.uniform(0, 100, n).round(1)
    before[rng.random(n) < 0.15] = np.nan
    cut = [-np.inf, 40, 70, np.inf]
    return pd.DataFrame(
        {
            "score": score,
            "grade": pd.cut(score, cut, right=False, labels=GRADES),
            "score_change": score - before,
            "previous_grade": pd.cut(before, cut, right=False, labels=GRADES),
        },
        index=pd.Index(rng.permutation(10 * n)[:n], name="account"),
    )


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("min_drop", "into"), [(10, ["red"]), (5.5, ["red", "yellow"]), (30, [])])
def test_alerts_match_boolean_masks_on_random_frames(seed, min_drop, into):
    frame = random_scored(seed)
    out = rt.health.alerts(frame, min_drop=min_drop, into=into)
    expected = alerts_oracle(frame, min_drop, into)
    assert len(out) > 0
    assert out.index.tolist() == expected.index.tolist()
    assert out["dropped"].tolist() == expected["dropped"].tolist()
    assert out["entered"].tolist() == expected["entered"].tolist()
    np.testing.assert_array_equal(out["score_change"], expected["score_change"])
    assert out["grade"].tolist() == expected["grade"].tolist()
    # Shuffled rows: the same alerts, the same order up to ties in score_change.
    shuffled = rt.health.alerts(frame.sample(frac=1, random_state=seed), min_drop, into)
    assert sorted(shuffled.index) == sorted(out.index)
    np.testing.assert_array_equal(shuffled["score_change"], out["score_change"])
    pd.testing.assert_frame_equal(shuffled.loc[out.index], out)


def test_concurrent_calls_from_threads_agree():
    # The GIL is released around the core, which reads only the caller's arrays.
    children, scored = random_children(7, n=20_000), random_scored(7, n=20_000)
    expected = rt.health.rollup(children, "parent"), rt.health.alerts(scored)
    results: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    errors: list[BaseException] = []

    def work():
        try:
            results.append((rt.health.rollup(children, "parent"), rt.health.alerts(scored)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4
    for got in results:
        pd.testing.assert_frame_equal(got[0], expected[0])
        pd.testing.assert_frame_equal(got[1], expected[1])


def test_docstring_examples_run():
    result = doctest.testmod(
        rt.health, extraglobs={"rt": rt, "pd": pd}, optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted >= 4
    assert result.failed == 0
