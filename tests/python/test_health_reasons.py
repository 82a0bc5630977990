"""HealthModel.reasons (issue 11, "Ranked reasons"): the measures that cost each account the most
points, and with previous= the measures that moved its score most. Points, ranks and measure
scores are checked against health_oracle.py (a per-row implementation of the score written from
the contract, never calling retain), the sentences against text written by hand."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from health_oracle import oracle_explain, oracle_points_lost, oracle_score, oracle_weights

import retain as rt

TOL = {"rtol": 1e-9, "atol": 1e-9}
DASH = "\u2014"  # the em dash of a reason sentence
ARROW = "\u2192"  # the arrow of a change sentence

# Effective weights all differ (usage 0.5 split 2:1, satisfaction 0.3 split 1:0.6, customer 0.2
# split 1:0.7), so that two measures cost a row the same points only by design.
DOC = {
    "version": 1,
    "groups": [
        {"name": "usage", "weight": 0.5},
        {"name": "satisfaction", "weight": 0.3},
        {"name": "customer", "weight": 0.2},
    ],
    "measures": [
        {
            "name": "active_users_30d",
            "label": "active users in 30 days",
            "group": "usage",
            "weight": 2,
            "transform": {"kind": "linear", "lo": 0, "hi": 20},
        },
        {"name": "seat_util", "group": "usage", "transform": {"kind": "percentile"}},
        {
            "name": "nps",
            "group": "satisfaction",
            "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
        },
        {
            "name": "open_tickets",
            "group": "satisfaction",
            "weight": 0.6,
            "transform": {"kind": "linear", "lo": 10, "hi": 0},
        },
        {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}},
        {
            "name": "tenure_months",
            "group": "customer",
            "weight": 0.7,
            "transform": {"kind": "linear", "lo": 0, "hi": 36},
        },
    ],
    "missing": "reweight",
}
NAMES = [m["name"] for m in DOC["measures"]]
REASON_COLUMNS = ["measure", "label", "value", "measure_score", "points_lost", "reason"]
CHANGE_COLUMNS = ["measure", "label", "value_before", "value", "points", "reason"]


def doc(**changes):
    out = copy.deepcopy(DOC)
    out.update(changes)
    return out


def random_frame(seed: int, n: int = 300, missing: float = 0.2) -> pd.DataFrame:
    """Features of n accounts, each value missing with probability ``missing``, and the last two
    rows with nothing present."""
    rng = np.random.default_rng(seed)
    data = {
        "active_users_30d": rng.uniform(0, 25, n),
        "seat_util": rng.uniform(0, 1, n),
        "nps": rng.integers(0, 11, n).astype(float),
        "open_tickets": rng.integers(0, 15, n).astype(float),
        "exec_sponsor": rng.integers(0, 2, n).astype(float),
        "tenure_months": rng.uniform(0, 48, n),
    }
    for column in data.values():
        column[rng.random(n) < missing] = np.nan
        column[-2:] = np.nan
    index = pd.Index([f"acct-{seed}-{i:03d}" for i in range(n)], name="account")
    return pd.DataFrame(data, index=index)


def expected_reasons(document: dict, frame: pd.DataFrame, top: int) -> list[tuple]:
    """(account, rank, measure, points lost) from the oracle: per row, the measures with points
    lost > 0, most first, ties in document order, at most ``top``."""
    points = oracle_points_lost(document, frame)
    names = [m["name"] for m in document["measures"]]
    out = []
    for account, row in points.iterrows():
        listed = sorted((-row[n], k, n) for k, n in enumerate(names) if row[n] > 0)
        for rank, (negative, _, name) in enumerate(listed[:top], start=1):
            out.append((account, rank, name, -negative))
    return out


def same_values(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


# ---------------------------------------------------------------------------------------------
# Points lost, ranks and the sum identity against the oracle


@pytest.mark.parametrize("policy", ["reweight", "neutral", "zero"])
@pytest.mark.parametrize("seed", [1, 2])
def test_reasons_match_the_oracle(policy, seed):
    document = doc(missing=policy)
    frame = random_frame(seed)
    model = rt.HealthModel(document)
    for top in (1, 3, len(NAMES)):
        got = model.reasons(frame, top=top)
        expected = expected_reasons(document, frame, top)
        assert list(got.columns) == REASON_COLUMNS
        assert got.index.names == ["account", "rank"]
        assert list(got.index) == [(a, r) for a, r, _, _ in expected]
        assert list(got["measure"]) == [m for _, _, m, _ in expected]
        np.testing.assert_allclose(got["points_lost"], [p for *_, p in expected], **TOL)

    # Measure scores, labels and raw values of every listed reason.
    got = model.reasons(frame, top=len(NAMES))
    _, measure_scores = oracle_explain(document, frame)
    accounts = got.index.get_level_values("account")
    expected_scores = [
        measure_scores.at[a, m] for a, m in zip(accounts, got["measure"], strict=True)
    ]
    np.testing.assert_allclose(got["measure_score"], expected_scores, **TOL)
    columns = {m["name"]: m.get("column", m["name"]) for m in document["measures"]}
    values = [frame.at[a, columns[m]] for a, m in zip(accounts, got["measure"], strict=True)]
    assert same_values(got["value"], values)
    labels = {"active_users_30d": "active users in 30 days", "seat_util": "seat util"}
    assert list(got["label"]) == [labels.get(m, m.replace("_", " ")) for m in got["measure"]]

    # Over every measure of a row the points lost sum to 100 - score; a row that lost nothing
    # scores 100, and a row with nothing present (score NaN) lists no reason.
    score = oracle_score(document, frame)["score"]
    lost = got["points_lost"].groupby(level="account").sum().reindex(frame.index, fill_value=0.0)
    scored = score.notna()
    np.testing.assert_allclose(lost[scored], 100.0 - score[scored], **TOL)
    assert not accounts.isin(frame.index[~scored]).any()
    assert (~scored).sum() >= 2


@pytest.mark.parametrize("policy", ["reweight", "neutral", "zero"])
def test_the_weights_behind_the_points(policy):
    """What a missing measure costs under each policy, from the oracle's effective weights:
    nothing under reweight; its full weight x 50 (neutral) or x 100 (zero) otherwise."""
    document = doc(missing=policy)
    frame = random_frame(3, n=120)
    got = rt.HealthModel(document).reasons(frame, top=len(NAMES))
    weights = oracle_weights(document, frame)
    missing_rows = got[got["value"].isna()]
    if policy == "reweight":
        assert missing_rows.empty
        return
    fill = 50.0 if policy == "neutral" else 0.0
    assert len(missing_rows) > 20
    assert (missing_rows["measure_score"] == fill).all()
    accounts = missing_rows.index.get_level_values("account")
    w = [weights.at[a, m] for a, m in zip(accounts, missing_rows["measure"], strict=True)]
    np.testing.assert_allclose(missing_rows["points_lost"], np.array(w) * (100 - fill), **TOL)
    assert all(
        r.startswith(f"{label}: missing {DASH} counted as {fill:.0f} of 100, costs ")
        for label, r in zip(missing_rows["label"], missing_rows["reason"], strict=True)
    )


def test_reasons_by_hand_and_their_sentences():
    # usage 0.3, satisfaction 0.25, customer 0.45 (neutral): active users 4 -> 4/20 = 20 of
    # 100, weight 0.3 -> 0.3 * 80 = 24 points; nps missing -> 50, weight 0.25 -> 12.5 points;
    # exec sponsor 1 -> 100, 0 points, not listed. Score 0.3*20 + 0.25*50 + 0.45*100 = 63.5,
    # and 24 + 12.5 = 36.5 = 100 - 63.5.
    # bolt: sponsor 0 costs all its 0.45 * 100 = 45 points; nps 9.5 -> 100, nothing; active
    # users 12.5 -> 62.5 of 100, 0.3 * 37.5 = 11.25 points (shown to one decimal, 11.2).
    document = {
        "version": 1,
        "groups": [
            {"name": "usage", "weight": 0.3},
            {"name": "satisfaction", "weight": 0.25},
            {"name": "customer", "weight": 0.45},
        ],
        "measures": [
            {
                "name": "active_users_30d",
                "label": "active users in 30 days",
                "group": "usage",
                "transform": {"kind": "linear", "lo": 0, "hi": 20},
            },
            {
                "name": "nps",
                "group": "satisfaction",
                "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
            },
            {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}},
        ],
        "missing": "neutral",
    }
    frame = pd.DataFrame(
        {"active_users_30d": [4.0, 12.5], "nps": [np.nan, 9.5], "exec_sponsor": [1.0, 0.0]},
        index=pd.Index(["acme", "bolt"], name="account"),
    )
    got = rt.HealthModel(document).reasons(frame)
    assert list(got.index) == [("acme", 1), ("acme", 2), ("bolt", 1), ("bolt", 2)]
    assert list(got["reason"]) == [
        f"active users in 30 days: 4 {DASH} scores 20 of 100, costs 24.0 points",
        f"nps: missing {DASH} counted as 50 of 100, costs 12.5 points",
        f"exec sponsor: 0 {DASH} scores 0 of 100, costs 45.0 points",
        f"active users in 30 days: 12.5 {DASH} scores 62.5 of 100, costs 11.2 points",
    ]
    np.testing.assert_allclose(got["points_lost"], [24, 12.5, 45, 11.25])
    np.testing.assert_allclose(got["measure_score"], [20, 50, 0, 62.5])
    labels = ["active users in 30 days", "nps", "exec sponsor", "active users in 30 days"]
    assert list(got["label"]) == labels
    assert got.loc["acme", "points_lost"].sum() == pytest.approx(100 - 63.5)

    # Change: acme's nps was 9 (100) and is missing now (50 under neutral): 0.25 * -50 =
    # -12.5; active users 10 -> 4: 0.3 * (20 - 50) = -9. bolt's sponsor was 1: -45.
    previous = pd.DataFrame(
        {"active_users_30d": [12.5, 10.0], "nps": [9.5, 9.0], "exec_sponsor": [1.0, 1.0]},
        index=pd.Index(["bolt", "acme"], name="account"),  # aligned by account, not by row
    )
    change = rt.HealthModel(document).reasons(frame, previous=previous)
    assert list(change.columns) == CHANGE_COLUMNS
    assert list(change.index) == [("acme", 1), ("acme", 2), ("bolt", 1)]
    assert list(change["reason"]) == [
        f"nps: 9 {ARROW} missing, -12.5 points",
        f"active users in 30 days: 10 {ARROW} 4, -9.0 points",
        f"exec sponsor: 1 {ARROW} 0, -45.0 points",
    ]
    np.testing.assert_allclose(change["points"], [-12.5, -9, -45])
    assert same_values(change["value_before"], [9, 10, 1])
    assert same_values(change["value"], [np.nan, 4, 0])


# ---------------------------------------------------------------------------------------------
# previous=: what moved the score, against the oracle's scores of both frames


@pytest.mark.parametrize("policy", ["reweight", "neutral", "zero"])
def test_reasons_of_a_change_match_the_oracle(policy):
    # seat_util ranks against a stored reference: against each frame's own values, an account
    # whose features did not change could still move.
    document = doc(missing=policy)
    document["measures"][1]["transform"]["reference"] = [0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 1.0]
    after = random_frame(4, n=200)
    before = random_frame(5, n=200)
    before.index = after.index
    before.iloc[::3] = after.iloc[::3]  # a third of the accounts did not change at all
    before.iloc[1::3, 2] = after.iloc[1::3, 2]  # and others kept their nps
    # previous comes in another order, with an account that has left since: ignored.
    extra = pd.DataFrame({"nps": [3.0]}, index=pd.Index(["gone"], name="account"))
    previous = pd.concat([before.iloc[::-1], extra])
    got = rt.HealthModel(document).reasons(after, top=len(NAMES), previous=previous)

    c_before, _ = oracle_explain(document, before)
    c_after, _ = oracle_explain(document, after)
    moved = c_after - c_before
    expected = []
    for account, row in moved.iterrows():
        listed = sorted((-abs(row[n]), k, n) for k, n in enumerate(NAMES) if abs(row[n]) > 0)
        expected += [(account, r, n, row[n]) for r, (_, _, n) in enumerate(listed, start=1)]
    assert list(got.index) == [(a, r) for a, r, _, _ in expected]
    assert list(got["measure"]) == [n for _, _, n, _ in expected]
    np.testing.assert_allclose(got["points"], [p for *_, p in expected], **TOL)

    accounts = got.index.get_level_values("account")
    assert same_values(
        got["value_before"],
        [before.at[a, m] for a, m in zip(accounts, got["measure"], strict=True)],
    )
    assert same_values(
        got["value"], [after.at[a, m] for a, m in zip(accounts, got["measure"], strict=True)]
    )

    # The moves of a row sum to its change of score; unchanged accounts list nothing, and
    # neither does an account scoring NaN at either date.
    change = oracle_score(document, after)["score"] - oracle_score(document, before)["score"]
    total = got["points"].groupby(level="account").sum().reindex(after.index, fill_value=0.0)
    defined = change.notna()
    np.testing.assert_allclose(total[defined], change[defined], **TOL)
    assert not accounts.isin(after.index[::3]).any()
    assert not accounts.isin(after.index[~defined]).any()

    top2 = rt.HealthModel(document).reasons(after, top=2, previous=previous)
    assert list(top2.index) == [(a, r) for a, r, _, _ in expected if r <= 2]


# ---------------------------------------------------------------------------------------------
# Labels in the document


def test_labels_default_round_trip_and_are_checked():
    model = rt.HealthModel(DOC)
    assert model.labels == [
        "active users in 30 days",
        "seat util",
        "nps",
        "open tickets",
        "exec sponsor",
        "tenure months",
    ]
    assert model.to_dict() == DOC
    assert rt.HealthModel.from_dict(model.to_dict()) == model
    assert rt.HealthModel.from_json(model.to_json()).labels == model.labels
    for bad, kind in [("", "string ''"), (3, "number"), (None, "null")]:
        d = doc()
        d["measures"][1]["label"] = bad
        with pytest.raises(rt.ConfigError, match=rf"^measures\[1\]\.label: .*got {kind}"):
            rt.HealthModel(d)
    d = doc()
    d["measures"][2]["lable"] = "NPS"
    with pytest.raises(rt.ConfigError, match=r"measures\[2\]\.lable: unknown key"):
        rt.HealthModel(d)


# ---------------------------------------------------------------------------------------------
# Bad inputs


@pytest.mark.parametrize("top", [0, -1, 1.5, 2.0, True, "3", None])
def test_top_must_be_a_whole_number_at_least_1(top):
    with pytest.raises(rt.InputError, match=r"^top: "):
        rt.HealthModel(DOC).reasons(random_frame(6, n=5), top=top)


def test_bad_frames():
    model = rt.HealthModel(DOC)
    frame = random_frame(7, n=6)
    with pytest.raises(TypeError, match="DataFrame"):
        model.reasons(frame.to_dict())
    bad = frame.copy()
    bad.iloc[4, 3] = np.inf
    with pytest.raises(rt.InputError, match="column 'open_tickets', row 4: infinite value"):
        model.reasons(bad)
    with pytest.raises(rt.InputError, match="column 'open_tickets', row 4: infinite value"):
        model.reasons(frame, previous=bad)
    # A column the model reads is absent: missing in every row, with a warning naming it...
    with pytest.warns(rt.RetainWarning, match="'seat_util'.*did you mean 'seat_utl'"):
        got = model.reasons(frame.rename(columns={"seat_util": "seat_utl"}))
    assert "seat_util" not in set(got["measure"])
    # ... and an error under the error policy.
    strict = rt.HealthModel(doc(missing="error"))
    with pytest.raises(rt.ColumnError, match="no column 'tenure_months'"):
        strict.reasons(frame.drop(columns="tenure_months").fillna(1.0))
    with pytest.raises(rt.InputError, match=r"row \d+: missing value"):
        strict.reasons(frame)
    with pytest.raises(rt.ColumnError, match="no column 'nps'"):
        strict.reasons(frame.fillna(1.0), previous=frame.fillna(1.0).drop(columns="nps"))


def test_previous_must_hold_the_same_accounts():
    model = rt.HealthModel(DOC)
    frame = random_frame(8, n=6)
    with pytest.raises(rt.InputError, match=r"account 'acct-8-003' \(row 3.*not in previous"):
        model.reasons(frame, previous=frame.drop(index="acct-8-003"))
    with pytest.raises(rt.InputError, match="previous: account 'acct-8-001' appears more"):
        model.reasons(frame, previous=pd.concat([frame, frame.iloc[[1]]]))
    with pytest.raises(rt.InputError, match="account 'acct-8-002' appears more"):
        model.reasons(pd.concat([frame, frame.iloc[[2]]]), previous=frame)
    with pytest.raises(TypeError, match="previous must be a pandas DataFrame"):
        model.reasons(frame, previous=[1, 2])


# ---------------------------------------------------------------------------------------------
# Shapes, threads, ModelSet


def test_nothing_lost_gives_an_empty_frame_of_the_same_shape():
    frame = pd.DataFrame(
        {"active_users_30d": [30.0], "nps": [10.0], "exec_sponsor": [1.0]}, index=["a"]
    )
    d = doc(measures=[DOC["measures"][k] for k in (0, 2, 4)])
    got = rt.HealthModel(d).reasons(frame)
    assert got.empty
    assert list(got.columns) == REASON_COLUMNS
    assert got.index.names == [None, "rank"]
    assert got["points_lost"].dtype == np.float64
    changed = rt.HealthModel(d).reasons(frame, previous=frame)
    assert changed.empty and list(changed.columns) == CHANGE_COLUMNS


def test_a_multiindex_keeps_its_levels():
    frame = random_frame(9, n=4)
    frame.index = pd.MultiIndex.from_tuples(
        [("eu", 1), ("eu", 2), ("us", 1), ("us", 2)], names=["region", "id"]
    )
    got = rt.HealthModel(DOC).reasons(frame, top=1)
    assert got.index.names == ["region", "id", "rank"]
    assert list(got.index) == [("eu", 1, 1), ("eu", 2, 1)]  # the us rows have nothing present


def test_threads_do_not_change_the_reasons():
    frame = random_frame(10, n=3000)
    model = rt.HealthModel(doc(missing="neutral"))
    one = model.reasons(frame, n_threads=1)
    many = model.reasons(frame, n_threads=4)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    previous = random_frame(11, n=3000).set_axis(frame.index)
    pd.testing.assert_frame_equal(
        model.reasons(frame, previous=previous, n_threads=1),
        model.reasons(frame, previous=previous, n_threads=3),
        check_exact=True,
    )


def test_model_set_explains_each_row_with_its_model():
    adoption = doc(missing="zero")
    onboarding = doc(groups=DOC["groups"][1:], measures=DOC["measures"][2:])
    frame = random_frame(12, n=80)
    frame["stage"] = np.where(np.arange(80) % 3 == 0, "onboarding", "adoption")
    models = {"adoption": rt.HealthModel(adoption), "onboarding": rt.HealthModel(onboarding)}
    got = rt.ModelSet(models, by="stage").reasons(frame, top=4)
    # The oracle on each model's own rows (a percentile ranks within them), in frame order.
    expected = {}
    for key, document in (("adoption", adoption), ("onboarding", onboarding)):
        rows = frame[frame["stage"] == key]
        for account, rank, measure, points in expected_reasons(document, rows, 4):
            expected[(account, rank)] = (measure, points)
    order = {a: i for i, a in enumerate(frame.index)}
    keys = sorted(expected, key=lambda k: (order[k[0]], k[1]))
    assert list(got.index) == keys
    assert list(got["measure"]) == [expected[k][0] for k in keys]
    np.testing.assert_allclose(got["points_lost"], [expected[k][1] for k in keys], **TOL)

    bad = frame.copy()
    bad.iloc[6, 0] = np.inf  # row 6 is an onboarding row, whose model does not read column 0
    bad.iloc[7, 0] = np.inf
    with pytest.raises(rt.InputError, match="column 'active_users_30d', row 7: infinite"):
        rt.ModelSet(models, by="stage").reasons(bad)


def test_previous_indexed_otherwise_than_the_frame_says_so():
    # Snapshots' ids come as Arrow text; a previous frame left with its RangeIndex used to crash
    # inside pandas' isin.
    model = rt.HealthModel({"version": 1, "groups": [{"name": "u"}], "measures": [
        {"name": "x", "group": "u", "transform": {"kind": "linear", "lo": 0, "hi": 10}}]})
    ids = pd.Index(["a", "b"], dtype="string[pyarrow]", name="account_id")
    now = pd.DataFrame({"x": [1.0, 9.0]}, index=ids)
    before = pd.DataFrame({"account_id": ["a", "b"], "x": [5.0, 9.0]})
    with pytest.raises(rt.InputError, match=r"previous: its index holds numbers .* index both "
                       r"by account id"):
        model.reasons(now, previous=before)
    # Indexed by id (object text against Arrow text), it works: x fell 5 -> 1, 40 points.
    moved = model.reasons(now, previous=before.set_index("account_id"))
    assert moved["points"].tolist() == [pytest.approx(-40.0)]


def test_an_absent_column_is_matched_to_the_snapshots_name():
    # The README's models read "nps"; snapshots call it "nps_score": the warning says so.
    model = rt.HealthModel({"version": 1, "groups": [{"name": "s"}], "measures": [
        {"name": "nps", "group": "s",
         "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]}}]})
    frame = pd.DataFrame({"nps_score": [9.0], "x": [1.0]})
    with pytest.warns(rt.RetainWarning, match=r"column 'nps', did you mean 'nps_score'\?"):
        model.score(frame)
