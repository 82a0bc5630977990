"""rt.Segmenter against a plain numpy implementation of the same document (np.select on the
conditions in order), its round trips, pickling, coverage, moves and bad documents."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import retain as rt

RULES = {
    "tiers": [
        {"name": "high_touch", "when": [{"column": "arr", "op": ">=", "value": 100000}]},
        {
            "name": "low_touch",
            "when": [
                {"column": "arr", "op": ">=", "value": 10000},
                {"column": "score", "op": ">=", "value": 40},
            ],
        },
        {"name": "tech_touch"},
    ]
}

# Every op, and no catch-all tier: some rows get none.
ALL_OPS = {
    "tiers": [
        {"name": "a", "when": [{"column": "x", "op": "in", "value": [1, 3, 5]}]},
        {"name": "b", "when": [{"column": "x", "op": "between", "value": [2, 4]}]},
        {"name": "c", "when": [{"column": "x", "op": "<", "value": 0}]},
        {"name": "d", "when": [{"column": "y", "op": "<=", "value": 0.5}]},
        {"name": "e", "when": [{"column": "x", "op": ">", "value": 8}]},
        {
            "name": "f",
            "when": [
                {"column": "x", "op": ">=", "value": 7},
                {"column": "y", "op": "!=", "value": 1},
            ],
        },
        {"name": "g", "when": [{"column": "x", "op": "==", "value": 6}]},
    ]
}


def condition(values: np.ndarray, op: str, value) -> np.ndarray:
    """One condition the plain way; comparisons with NaN are False in numpy, as in the document,
    except != which numpy makes True for NaN: the document says NaN never matches."""
    ok = ~np.isnan(values)
    if op == "in":
        return ok & np.isin(values, value)
    if op == "between":
        return ok & (value[0] <= values) & (values <= value[1])
    compare = {
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }
    return ok & compare[op](values, value)


def oracle(rules: dict, frame: pd.DataFrame) -> pd.Series:
    names = [t["name"] for t in rules["tiers"]]
    masks = []
    for tier in rules["tiers"]:
        mask = np.ones(len(frame), dtype=bool)
        for c in tier.get("when", []):
            mask &= condition(frame[c["column"]].to_numpy(dtype=float), c["op"], c["value"])
        masks.append(mask)
    chosen = np.select(masks, names, default="")
    out = pd.Series(pd.Categorical(chosen, categories=names), index=frame.index, name="tier")
    return out


def random_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    arr = np.round(rng.lognormal(9.5, 1.5, n), -2)
    arr[rng.random(n) < 0.05] = 100000  # on the boundary
    score = rng.integers(0, 101, n).astype(float)
    score[rng.random(n) < 0.1] = np.nan
    x = rng.integers(-2, 10, n).astype(float)
    x[rng.random(n) < 0.1] = np.nan
    y = rng.choice([0.0, 0.5, 1.0, 2.0, np.nan], n)
    index = pd.Index([f"acct{k}" for k in range(n)], name="account_id")
    return pd.DataFrame({"arr": arr, "score": score, "x": x, "y": y}, index=index)


@pytest.mark.parametrize("rules", [RULES, ALL_OPS], ids=["issue", "all-ops"])
@pytest.mark.parametrize("seed", range(5))
def test_assign_equals_the_numpy_oracle(rules, seed):
    rng = np.random.default_rng(seed)
    frame = random_frame(rng, int(rng.integers(0, 500)))
    got = rt.Segmenter.from_dict(rules).assign(frame)
    pd.testing.assert_series_equal(got, oracle(rules, frame))
    assert list(got.cat.categories) == [t["name"] for t in rules["tiers"]]


def test_assign_by_hand_first_match_wins_nan_never_matches():
    frame = pd.DataFrame(
        {"arr": [150_000, 20_000, 20_000, 5_000, np.nan], "score": [10, 50, 39, 90, 90]},
        index=[10, 11, 12, 13, 14],
    )
    tiers = rt.Segmenter.from_dict(RULES).assign(frame)
    assert tiers.tolist() == ["high_touch", "low_touch", "tech_touch", "tech_touch", "tech_touch"]
    assert tiers.index.tolist() == [10, 11, 12, 13, 14]
    assert tiers.name == "tier"
    no_catch_all = rt.Segmenter.from_dict({"tiers": RULES["tiers"][:2]})
    assert no_catch_all.assign(frame).isna().tolist() == [False, False, True, True, True]
    # Nullable integer columns read their missing values as NaN.
    nullable = pd.DataFrame({"arr": pd.array([200_000, None], dtype="Int64"), "score": [1, 2]})
    assert rt.Segmenter.from_dict(RULES).assign(nullable).tolist() == ["high_touch", "tech_touch"]


def test_a_document_without_conditions_needs_no_columns():
    seg = rt.Segmenter.from_dict({"tiers": [{"name": "everyone"}]})
    assert seg.required_columns == []
    assert seg.assign(pd.DataFrame(index=[1, 2, 3])).tolist() == ["everyone"] * 3


def test_round_trips_are_exact():
    doc = json.loads(json.dumps(RULES))
    doc["tiers"][0]["when"][0]["value"] = 99999.5
    seg = rt.Segmenter.from_dict(doc)
    assert seg.to_dict() == doc
    assert rt.Segmenter.from_dict(seg.to_dict()) == seg
    assert rt.Segmenter.from_json(seg.to_json()) == seg
    assert rt.Segmenter.from_json(seg.to_json()).to_json() == seg.to_json()
    assert json.loads(seg.to_json()) == doc
    # Integers stay integers, floats floats.
    assert isinstance(rt.Segmenter.from_dict(RULES).to_dict()["tiers"][0]["when"][0]["value"], int)
    assert rt.Segmenter.from_dict({"tiers": [{"name": "a"}]}) != seg
    assert rt.Segmenter.from_dict({"tiers": [{"name": np.str_("a")}]}).tiers == ["a"]
    with_numpy = {
        "tiers": [{"name": "a", "when": [{"column": "x", "op": "<", "value": np.int64(3)}]}]
    }
    assert rt.Segmenter.from_dict(with_numpy).to_dict()["tiers"][0]["when"][0]["value"] == 3


def test_pickle_repr_and_properties():
    seg = rt.Segmenter.from_dict(RULES)
    back = pickle.loads(pickle.dumps(seg))
    assert back == seg and back.to_json() == seg.to_json()
    assert repr(seg) == "Segmenter(tiers=['high_touch', 'low_touch', 'tech_touch'])"
    assert seg.tiers == ["high_touch", "low_touch", "tech_touch"]
    assert seg.required_columns == ["arr", "score"]
    assert hash(back) == hash(seg)
    assert seg != "not a segmenter"
    assert rt.Segmenter(RULES) == seg
    # Equal documents (1 and 1.0 are the same number) hash alike.
    one = {"tiers": [{"name": "a", "when": [{"column": "x", "op": "<", "value": 1}]}]}
    one_float = {"tiers": [{"name": "a", "when": [{"column": "x", "op": "<", "value": 1.0}]}]}
    assert rt.Segmenter(one) == rt.Segmenter(one_float)
    assert hash(rt.Segmenter(one)) == hash(rt.Segmenter(one_float))


def test_coverage_counts_accounts_and_csms():
    seg = rt.Segmenter.from_dict(RULES)
    assigned = pd.Series(["high_touch"] * 26 + ["low_touch"] * 200 + ["tech_touch"] * 7 + [None])
    cov = seg.coverage(assigned, capacity={"high_touch": 25, "low_touch": 200})
    assert cov.index.tolist() == ["high_touch", "low_touch", "tech_touch"]
    assert cov.index.name == "tier"
    assert cov["accounts"].tolist() == [26, 200, 7]
    assert cov["capacity"].tolist()[:2] == [25.0, 200.0]
    assert cov["csms_needed"].tolist()[:2] == [2.0, 1.0]
    assert np.isnan(cov.loc["tech_touch", "capacity"])
    assert np.isnan(cov.loc["tech_touch", "csms_needed"])
    # From assign() directly, with an empty tier.
    frame = pd.DataFrame({"arr": [1.0, 2.0], "score": [0.0, 0.0]})
    cov = seg.coverage(seg.assign(frame), capacity={"high_touch": 25})
    assert cov["accounts"].tolist() == [0, 0, 2]
    assert cov.loc["high_touch", "csms_needed"] == 0.0


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        ({"mid_touch": 10}, r"capacity: unknown tier 'mid_touch'"),
        ({"high_touch": 0}, r"capacity\['high_touch'\]: must be a positive number"),
        ({"high_touch": "25"}, r"capacity\['high_touch'\]: expected a number"),
    ],
)
def test_coverage_rejects_bad_capacity(capacity, message):
    seg = rt.Segmenter.from_dict(RULES)
    with pytest.raises(rt.InputError, match=message):
        seg.coverage(pd.Series(["high_touch"]), capacity=capacity)


def test_coverage_rejects_unknown_tiers():
    seg = rt.Segmenter.from_dict(RULES)
    with pytest.raises(rt.InputError, match=r"assigned, row 1: unknown tier 'vip'"):
        seg.coverage(pd.Series(["high_touch", "vip"]))


def test_moves_orders_promotions_to_the_top_then_promotions_then_demotions():
    seg = rt.Segmenter.from_dict(RULES)
    before = pd.Series(
        [
            "tech_touch",
            "low_touch",
            "high_touch",
            "tech_touch",
            "low_touch",
            "high_touch",
            "tech_touch",
        ],
        index=pd.Index(["a", "b", "c", "d", "e", "f", "g"], name="account_id"),
    )
    after = pd.Series(
        ["low_touch", "tech_touch", "high_touch", "high_touch", "high_touch", "low_touch"],
        index=pd.Index(["a", "b", "c", "d", "e", "f"], name="account_id"),
    )
    moves = seg.moves(before, after)
    assert moves.index.name == "account_id"
    assert moves.index.tolist() == ["d", "e", "a", "b", "f", "g"]
    assert moves["before"].tolist()[:5] == [
        "tech_touch",
        "low_touch",
        "tech_touch",
        "low_touch",
        "high_touch",
    ]
    assert moves["after"].tolist()[:5] == [
        "high_touch",
        "high_touch",
        "low_touch",
        "tech_touch",
        "low_touch",
    ]
    assert moves.loc["g", "before"] == "tech_touch" and pd.isna(moves.loc["g", "after"])
    assert list(moves["after"].cat.categories) == seg.tiers
    assert seg.moves(before, before).empty


def test_moves_rejects_duplicate_accounts():
    seg = rt.Segmenter.from_dict(RULES)
    twice = pd.Series(["high_touch", "low_touch"], index=["a", "a"])
    with pytest.raises(rt.InputError, match="before: account 'a' appears more than once"):
        seg.moves(twice, pd.Series(["high_touch"], index=["a"]))


def bad(path_and_what: str, tiers: list) -> tuple:
    return {"tiers": tiers}, path_and_what


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        bad(
            "tiers[1].when[0].op: unknown op '=>' (expected < <= > >= == != in between)",
            [{"name": "a"}, {"name": "b", "when": [{"column": "x", "op": "=>", "value": 1}]}],
        ),
        bad(
            "tiers[0].when[0].unit: unknown key (expected column, op, value)",
            [{"name": "a", "when": [{"column": "x", "op": "<", "value": 1, "unit": "usd"}]}],
        ),
        bad("tiers[0].colour: unknown key (expected name, when)", [{"name": "a", "colour": 1}]),
        bad("tiers[1].name: duplicate tier name 'a' (also tiers[0])", [{"name": "a"}] * 2),
        bad("tiers[0].name: expected a non-empty tier name", [{"name": ""}]),
        bad(
            "tiers[0].when[0].value: 'between' needs lo <= hi, got [3, 1]",
            [{"name": "a", "when": [{"column": "x", "op": "between", "value": [3, 1]}]}],
        ),
        bad(
            "tiers[0].when[0].value: 'in' needs a non-empty list of numbers, got list",
            [{"name": "a", "when": [{"column": "x", "op": "in", "value": []}]}],
        ),
        bad(
            "tiers[0].when[0].value: expected a number, got string '5'",
            [{"name": "a", "when": [{"column": "x", "op": "<", "value": "5"}]}],
        ),
        bad("tiers: expected a non-empty list of tiers", []),
        ({"tiers": [{"name": "a"}], "extra": 1}, "extra: unknown key (expected tiers)"),
        (
            {"tiers": [{"name": "a", "when": [{"column": "x", "op": "<", "value": float("nan")}]}]},
            "tiers[0].when[0].value: NaN and infinite values are not allowed",
        ),
    ],
)
def test_bad_documents_name_the_path(rules, message):
    with pytest.raises(rt.ConfigError) as info:
        rt.Segmenter.from_dict(rules)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


def test_bad_json_text_and_types():
    with pytest.raises(rt.ConfigError, match="rules: not valid JSON"):
        rt.Segmenter.from_json("{tiers")
    with pytest.raises(TypeError, match="rules must be a dict"):
        rt.Segmenter.from_dict("{}")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        rt.Segmenter.from_dict(RULES).assign({"arr": [1]})


def test_missing_and_non_numeric_columns():
    seg = rt.Segmenter.from_dict(RULES)
    with pytest.raises(rt.ColumnError, match=r"tiers\[1\]\.when\[1\]\.column: no column 'score'"):
        seg.assign(pd.DataFrame({"arr": [1.0]}))
    with pytest.raises(rt.ColumnError, match=r"tiers\[0\]\.when\[0\]\.column: no column 'arr'"):
        seg.assign(pd.DataFrame({"other": [1.0]}))
    twice = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["arr", "score", "score"])
    with pytest.raises(rt.InputError, match="more than one column 'score'"):
        seg.assign(twice)
    with pytest.raises(rt.InputError, match="column 'score' must be numeric"):
        seg.assign(pd.DataFrame({"arr": [1.0], "score": ["high"]}))
