"""rt.HealthModel and rt.ModelSet, worked by hand from the definitions (issue 4). The random
documents against an independent implementation are in test_health_oracle.py."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

import retain as rt

ISSUE_DOC = {
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


def doc(**changes):
    out = copy.deepcopy(ISSUE_DOC)
    out.update(changes)
    return out


# Four accounts. seat_util ranks against the four values scored: 0.5 -> (1 + 2/2)/4 = 50,
# 0.2 -> (0 + 1/2)/4 = 12.5, 0.95 -> (3 + 1/2)/4 = 87.5.
FRAME = pd.DataFrame(
    {
        "active_users_30d": [10.0, np.nan, 30.0, np.nan],
        "nps": [8.0, 10.0, 6.0, np.nan],
        "open_tickets": [2.0, 12.0, 0.0, np.nan],
        "seat_util": [0.5, 0.95, 0.2, 0.5],
        "exec_sponsor": [True, False, True, False],
        "lifecycle_stage": ["adoption", "onboarding", "adoption", "onboarding"],
    },
    index=pd.Index(["acme", "bolt", "core", "dune"], name="account"),
)


def test_score_by_hand():
    m = rt.HealthModel(ISSUE_DOC)
    s = m.score(FRAME)
    assert list(s.columns) == ["score", "grade", "usage", "satisfaction", "customer", "coverage"]
    assert s.index.equals(FRAME.index)
    # acme: usage (2*50 + 50)/3 = 50; satisfaction (50 + 0.5*80)/1.5 = 60; customer 100.
    # bolt: usage 87.5 (seat alone); satisfaction (100 + 0)/1.5; customer 0.
    # core: usage (2*100 + 12.5)/3; satisfaction (0 + 0.5*100)/1.5; customer 100.
    # dune: usage 50 (seat alone); satisfaction none; customer 0 -> (0.5*50 + 0.2*0)/0.7.
    usage = [50, 87.5, 212.5 / 3, 50]
    satisfaction = [60, 200 / 3, 100 / 3, np.nan]
    customer = [100, 0, 100, 0]
    np.testing.assert_allclose(s["usage"], usage)
    np.testing.assert_allclose(s["satisfaction"], satisfaction)
    np.testing.assert_allclose(s["customer"], customer)
    expected = [
        0.5 * 50 + 0.3 * 60 + 0.2 * 100,
        0.5 * 87.5 + 0.3 * 200 / 3,
        0.5 * 212.5 / 3 + 0.3 * 100 / 3 + 0.2 * 100,
        0.5 * 50 / 0.7,
    ]
    np.testing.assert_allclose(s["score"], expected)
    assert list(s["grade"]) == ["yellow", "yellow", "yellow", "red"]
    assert list(s["grade"].cat.categories) == ["red", "yellow", "green"]
    # coverage: active_users is 0.5 * 2/3 of the weight, nps 0.3 * 1/1.5, tickets 0.3 * 0.5/1.5.
    np.testing.assert_allclose(s["coverage"], [1, 1 - 1 / 3, 1, 1 - 1 / 3 - 0.2 - 0.1])


@pytest.mark.parametrize("policy, fill", [("neutral", 50.0), ("zero", 0.0)])
def test_imputing_policies(policy, fill):
    s = rt.HealthModel(doc(missing=policy)).score(FRAME)
    # bolt: active users counts as `fill` in usage; dune also has nps and tickets filled in.
    bolt = 0.5 * (2 * fill + 87.5) / 3 + 0.3 * 200 / 3
    dune = 0.5 * (2 * fill + 50) / 3 + 0.3 * fill
    np.testing.assert_allclose(s["score"].iloc[[1, 3]], [bolt, dune])
    # Coverage does not depend on the policy: bolt lacks 1/3 of the weight, dune has only
    # seat_util (1/6) and exec_sponsor (0.2).
    np.testing.assert_allclose(s["coverage"].iloc[[1, 3]], [2 / 3, 1 / 6 + 0.2])


def test_nothing_present_scores_nan_under_every_policy():
    empty = pd.DataFrame({"nps": [np.nan, 9.0]}, index=["x", "y"])
    for policy in ("reweight", "neutral", "zero"):
        with pytest.warns(rt.RetainWarning, match="measure 'active_users_30d'"):
            s = rt.HealthModel(doc(missing=policy)).score(empty)
        assert np.isnan(s["score"].iloc[0]) and s["coverage"].iloc[0] == 0
        assert pd.isna(s["grade"].iloc[0])
        assert s[["usage", "satisfaction", "customer"]].iloc[0].isna().all()
    # A frame with none of the model's columns still has its rows.
    with pytest.warns(rt.RetainWarning, match="no column for measure"):
        s = rt.HealthModel(ISSUE_DOC).score(pd.DataFrame(index=[1, 2]))
    assert len(s) == 2 and s["score"].isna().all() and (s["coverage"] == 0).all()


def test_error_policy_names_column_and_row():
    m = rt.HealthModel(doc(missing="error"))
    with pytest.raises(rt.InputError, match=r"column 'active_users_30d', row 1: missing value"):
        m.score(FRAME)
    with pytest.raises(rt.ColumnError, match=r"measures\[4\].column: no column 'exec_sponsor'"):
        m.score(FRAME.drop(columns="exec_sponsor").fillna(1))
    # The culprit as attributes too: the column, the row, the document's key.
    with pytest.raises(rt.InputError) as missing:
        m.score(FRAME)
    assert (missing.value.column, missing.value.row, missing.value.table) == (
        "active_users_30d",
        1,
        None,
    )
    with pytest.raises(rt.ColumnError) as absent:
        m.score(FRAME.drop(columns="exec_sponsor").fillna(1))
    assert (absent.value.column, absent.value.path) == ("exec_sponsor", "measures[4].column")
    with pytest.raises(rt.ConfigError) as bad_doc:
        rt.HealthModel(doc(grades=[{"name": "red", "min": 150}]))
    assert bad_doc.value.path is not None and bad_doc.value.path.startswith("grades")


def test_explain_contributions_sum_to_score():
    m = rt.HealthModel(ISSUE_DOC)
    ex = m.explain(FRAME)
    assert list(ex.columns.levels[0]) == ["contribution", "measure_score"]
    np.testing.assert_allclose(ex["contribution"].sum(axis=1), m.score(FRAME)["score"])
    # acme: active 0.5*(2/3)*50, nps 0.3*(1/1.5)*50, tickets 0.3*(0.5/1.5)*80, seat 0.5/3*50.
    np.testing.assert_allclose(
        ex["contribution"].loc["acme"], [50 / 3, 10, 8, 25 / 3, 20], rtol=1e-12
    )
    np.testing.assert_allclose(ex["measure_score"].loc["acme"], [50, 50, 80, 50, 100])
    # bolt lacks active users: contribution 0, measure score NaN.
    assert ex[("contribution", "active_users_30d")].loc["bolt"] == 0
    assert np.isnan(ex[("measure_score", "active_users_30d")].loc["bolt"])


def test_explain_change_splits_the_change():
    m = rt.HealthModel(doc(measures=[*ISSUE_DOC["measures"][:3], ISSUE_DOC["measures"][4]]))
    before = FRAME.iloc[:2]
    after = before.assign(nps=[10.0, 10.0], exec_sponsor=[False, False])
    out = m.explain_change(before, after)
    assert list(out.columns[:3]) == ["score_before", "score_after", "change"]
    # acme: nps 50 -> 100 moves 0.3 * (1/1.5) * 50 = +10; sponsor 100 -> 0 moves -20.
    assert out.loc["acme", "nps"] == pytest.approx(10)
    assert out.loc["acme", "exec_sponsor"] == pytest.approx(-20)
    assert out.loc["acme", "change"] == pytest.approx(-10)
    np.testing.assert_allclose(out[m.measures].sum(axis=1), out["change"])
    # Only accounts in both frames, in after's order.
    out = m.explain_change(before, after.iloc[::-1].rename(index={"acme": "new"}))
    assert list(out.index) == ["bolt"]


def test_previous_gives_score_change_and_previous_grade():
    m = rt.HealthModel(ISSUE_DOC)
    earlier = FRAME.assign(exec_sponsor=True)
    now = m.score(FRAME, previous=earlier)
    then = m.score(earlier)
    np.testing.assert_allclose(now["score_change"], now["score"] - then["score"])
    assert list(now["previous_grade"]) == list(then["grade"])
    # A scored frame works as well, and an account it lacks has no change.
    now2 = m.score(FRAME, previous=then.drop(index="core"))
    assert np.isnan(now2.loc["core", "score_change"])
    np.testing.assert_allclose(
        now2.drop(index="core")["score_change"], now.drop(index="core")["score_change"]
    )


def test_overrides_replace_the_score_and_keep_the_computed_one():
    m = rt.HealthModel(ISSUE_DOC)
    computed = m.score(FRAME)["score"]
    s = m.score(
        FRAME,
        overrides={"acme": 10, "bolt": (95, "2026-12-01"), "core": (5, "2026-11-01"), "zed": 1},
        as_of="2026-11-24",
    )
    assert list(s["overridden"]) == [True, True, False, False]
    np.testing.assert_allclose(s["score"], [10, 95, computed["core"], computed["dune"]])
    np.testing.assert_allclose(s["computed_score"], computed)
    assert list(s["grade"]) == ["red", "green", "yellow", "red"]
    # A DataFrame or a Series works too.
    table = pd.DataFrame({"score": [10.0]}, index=["dune"])
    assert m.score(FRAME, overrides=table)["overridden"].tolist() == [False, False, False, True]
    assert m.score(FRAME, overrides=pd.Series({"dune": 10.0}))["score"]["dune"] == 10
    with pytest.raises(rt.InputError, match=r"expiry dates need as_of="):
        m.score(FRAME, overrides={"acme": (10, "2026-12-01")})
    with pytest.raises(rt.InputError, match=r"overrides\['acme'\]: score must be a number in"):
        m.score(FRAME, overrides={"acme": 120})
    with pytest.raises(TypeError, match="overrides must be"):
        m.score(FRAME, overrides=[("acme", 10)])


def test_percentile_matches_scipy_and_calibrate_freezes_the_population():
    m = rt.HealthModel(
        {
            "version": 1,
            "groups": [{"name": "g"}],
            "measures": [{"name": "x", "group": "g", "transform": {"kind": "percentile"}}],
        }
    )
    rng = np.random.default_rng(7)
    x = rng.integers(0, 12, 500).astype(float)
    x[::17] = np.nan
    frame = pd.DataFrame({"x": x})
    got = m.score(frame)["score"].to_numpy()
    ref = x[~np.isnan(x)]
    want = [percentileofscore(ref, v, kind="mean") if v == v else np.nan for v in x]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    calibrated = m.calibrate(frame)
    assert calibrated.to_dict()["measures"][0]["transform"]["reference"] == sorted(ref.tolist())
    later = pd.DataFrame({"x": [-1.0, 3.0, 100.0]})
    np.testing.assert_allclose(
        calibrated.score(later)["score"],
        [percentileofscore(ref, v, kind="mean") for v in (-1, 3, 100)],
    )
    assert m.to_dict() != calibrated.to_dict()  # calibrate returns a new model
    with pytest.raises(rt.ColumnError, match="cannot calibrate percentile measure 'x'"):
        m.calibrate(pd.DataFrame({"y": [1.0]}))


def test_model_set_scores_each_stage_with_its_model():
    adoption = rt.HealthModel(ISSUE_DOC)
    onboarding = rt.HealthModel(
        {
            "version": 1,
            "groups": [{"name": "customer"}, {"name": "setup"}],
            "measures": [
                {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}},
                {
                    "name": "seat_util",
                    "group": "setup",
                    "transform": {"kind": "linear", "lo": 0, "hi": 1},
                },
            ],
            "grades": [{"min": 0, "label": "at_risk"}, {"min": 50, "label": "on_track"}],
        }
    )
    models = rt.ModelSet({"onboarding": onboarding, "adoption": adoption}, by="lifecycle_stage")
    s = models.score(FRAME)
    assert list(s.columns) == [
        "model",
        "score",
        "grade",
        "customer",
        "setup",
        "usage",
        "satisfaction",
        "coverage",
    ]
    assert list(s["model"]) == ["adoption", "onboarding", "adoption", "onboarding"]
    on = FRAME["lifecycle_stage"] == "onboarding"
    alone = onboarding.score(FRAME[on])
    np.testing.assert_allclose(s.loc[on, "score"], alone["score"])
    assert list(s.loc[on, "grade"]) == list(alone["grade"])
    assert s.loc[on, "usage"].isna().all()
    ad = adoption.score(FRAME[~on])
    np.testing.assert_allclose(s.loc[~on, "score"], ad["score"])
    assert list(s["grade"].cat.categories) == ["at_risk", "on_track", "red", "yellow", "green"]
    with pytest.raises(
        rt.InputError, match=r"column 'lifecycle_stage', row 3: no model for 'renewal'"
    ):
        models.score(FRAME.assign(lifecycle_stage=["adoption"] * 3 + ["renewal"]))
    with pytest.raises(rt.ColumnError, match="lifecycle_stage"):
        models.score(FRAME.drop(columns="lifecycle_stage"))
    # An override is graded by the row's own model: 45 is at_risk for onboarding (bolt) and
    # yellow for adoption (acme).
    overridden = models.score(FRAME, overrides={"bolt": 45, "acme": 45})
    assert overridden.loc[["acme", "bolt"], "grade"].tolist() == ["yellow", "at_risk"]
    back = pickle.loads(pickle.dumps(models))
    assert back == models


def test_document_round_trips_and_pickles():
    m = rt.HealthModel(ISSUE_DOC)
    assert m.to_dict() == ISSUE_DOC
    assert rt.HealthModel.from_json(m.to_json()) == m
    assert rt.HealthModel.from_dict(m.to_dict()).to_dict() == ISSUE_DOC
    assert pickle.loads(pickle.dumps(m)) == m
    assert m.groups == ["usage", "satisfaction", "customer"]
    assert m.grades == ["red", "yellow", "green"]
    assert m.required_columns == [
        "active_users_30d",
        "nps",
        "open_tickets",
        "seat_util",
        "exec_sponsor",
    ]
    np.testing.assert_allclose(m.effective_weights, [1 / 3, 0.2, 0.1, 1 / 6, 0.2])
    assert m.effective_weights.sum() == pytest.approx(1)
    # numpy numbers are fine in a dict document.
    d = doc()
    d["groups"][0]["weight"] = np.float64(0.5)
    assert rt.HealthModel(d) == m


@pytest.mark.parametrize(
    "change, message",
    [
        ({"version": 2}, r"^version: unsupported version 2 \(expected 1\)$"),
        ({"colour": "red"}, r"^colour: unknown key"),
        ({"missing": "skip"}, r"^missing: unknown policy string 'skip'"),
        (
            {"grades": [{"min": 5, "label": "red"}]},
            r"^grades\[0\].min: the first grade starts at 0",
        ),
        ({"groups": [{"name": "usage"}]}, r"^measures\[1\].group: unknown group 'satisfaction'"),
    ],
)
def test_document_errors_name_the_key(change, message):
    with pytest.raises(rt.ConfigError, match=message):
        rt.HealthModel(doc(**change))


def test_measure_errors_name_the_key():
    d = doc()
    d["measures"][1]["transform"]["edges"] = [9, 7]
    with pytest.raises(
        rt.ConfigError, match=r"^measures\[1\].transform.edges: must be strictly increasing"
    ):
        rt.HealthModel(d)
    d = doc()
    d["measures"][0]["transform"]["hi"] = 0
    with pytest.raises(rt.ConfigError, match=r"^measures\[0\].transform.hi: must differ from lo"):
        rt.HealthModel(d)
    d = doc()
    d["measures"][2]["weight"] = float("nan")
    with pytest.raises(rt.ConfigError, match="NaN and infinite values are not allowed"):
        rt.HealthModel(d)
    with pytest.raises(rt.ConfigError, match=r"^model: not valid JSON"):
        rt.HealthModel.from_json("{")
    with pytest.raises(TypeError, match="model must be a dict"):
        rt.HealthModel("{}")


def test_bad_feature_values():
    m = rt.HealthModel(ISSUE_DOC)
    with pytest.raises(rt.InputError, match=r"column 'nps', row 2: infinite value"):
        m.score(FRAME.assign(nps=[1.0, 2.0, np.inf, 4.0]))
    with pytest.raises(rt.InputError, match="column 'nps' must be numeric or boolean"):
        m.score(FRAME.assign(nps=["a", "b", "c", "d"]))
    with pytest.raises(rt.InputError, match="more than one column 'nps'"):
        m.score(pd.concat([FRAME, FRAME[["nps"]]], axis=1))
    with pytest.raises(rt.InputError, match="n_threads"):
        m.score(FRAME, n_threads=-1)
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        m.score(FRAME.to_numpy())
    # Nullable integers: pd.NA is missing.
    nullable = FRAME.assign(nps=pd.array([8, 10, 6, None], dtype="Int64"))
    pd.testing.assert_frame_equal(m.score(nullable), m.score(FRAME))


def test_threads_do_not_change_scores():
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame(
        {
            "active_users_30d": rng.integers(0, 40, n).astype(float),
            "nps": rng.integers(0, 11, n).astype(float),
            "open_tickets": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 15, n)),
            "seat_util": rng.random(n).round(2),
            "exec_sponsor": rng.random(n) < 0.3,
        }
    )
    m = rt.HealthModel(ISSUE_DOC)
    pd.testing.assert_frame_equal(m.score(frame, n_threads=1), m.score(frame, n_threads=2))
    pd.testing.assert_frame_equal(m.explain(frame, n_threads=1), m.explain(frame, n_threads=None))
