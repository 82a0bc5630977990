"""HealthModel.score from every frame layout a user hands it (issue 13): pd.DataFrame(matrix)
over one row-major matrix (strided columns, read in place), separate columns, mixed dtypes,
a non-contiguous selection of a matrix's columns and rows. Each is checked against a numpy
computation of the document written here from its definition, never against retain."""

import numpy as np
import pandas as pd
import pytest

import retain as rt

# A small hand-set model with every transform: two groups, a stored-reference percentile and
# one that ranks against the values being scored.
DOC = {
    "version": 1,
    "groups": [{"name": "usage", "weight": 0.6}, {"name": "satisfaction", "weight": 0.4}],
    "measures": [
        {
            "name": "logins",
            "group": "usage",
            "weight": 2,
            "transform": {"kind": "linear", "lo": 0, "hi": 10},
        },
        {
            "name": "seats",
            "group": "usage",
            "transform": {"kind": "percentile", "reference": [1, 2, 2, 3, 5]},
        },
        {"name": "activity", "group": "usage", "transform": {"kind": "percentile"}},
        {
            "name": "nps",
            "group": "satisfaction",
            "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]},
        },
        {
            "name": "tickets",
            "group": "satisfaction",
            "weight": 0.5,
            "transform": {"kind": "linear", "lo": 5, "hi": 0},
        },
        {"name": "sponsor", "group": "satisfaction", "transform": {"kind": "boolean"}},
    ],
    "grades": [
        {"min": 0, "label": "red"},
        {"min": 40, "label": "yellow"},
        {"min": 70, "label": "green"},
    ],
}
COLUMNS = ["logins", "seats", "activity", "nps", "tickets", "sponsor"]


def numpy_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """The document's definition with whole-column numpy (reweight policy)."""
    x = {c: frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in COLUMNS}
    present = {c: ~np.isnan(v) for c, v in x.items()}
    s = {
        "logins": 100 * np.clip(x["logins"] / 10, 0, 1),
        "tickets": 100 * np.clip((x["tickets"] - 5) / (0 - 5), 0, 1),
        "nps": np.select([x["nps"] >= 9, x["nps"] >= 7], [100.0, 50.0], 0.0),
        "sponsor": np.where(x["sponsor"] != 0, 100.0, 0.0),
    }
    for name, ref in (
        ("seats", np.array([1.0, 2, 2, 3, 5])),
        ("activity", np.sort(x["activity"][present["activity"]])),
    ):
        left = np.searchsorted(ref, x[name], side="left")
        right = np.searchsorted(ref, x[name], side="right")
        s[name] = 100 * (left + right) / 2 / len(ref)
    members = {
        "usage": {"logins": 2.0, "seats": 1.0, "activity": 1.0},
        "satisfaction": {"nps": 1.0, "tickets": 0.5, "sponsor": 1.0},
    }
    group_weight = {"usage": 0.6, "satisfaction": 0.4}
    n = len(frame)
    coverage = np.zeros(n)
    total, total_weight = np.zeros(n), np.zeros(n)
    out = {}
    for g, weights in members.items():
        num = sum(np.where(present[m], w * s[m], 0.0) for m, w in weights.items())
        den = sum(np.where(present[m], w, 0.0) for m, w in weights.items())
        for m, w in weights.items():
            coverage += present[m] * group_weight[g] * w / sum(weights.values())
        with np.errstate(invalid="ignore"):
            out[g] = np.where(den > 0, num / den, np.nan)
        total += np.where(den > 0, group_weight[g] * np.nan_to_num(out[g]), 0.0)
        total_weight += np.where(den > 0, group_weight[g], 0.0)
    with np.errstate(invalid="ignore"):
        score = np.where(coverage > 0, total / total_weight, np.nan)
    for g in members:
        out[g] = np.where(coverage > 0, out[g], np.nan)
    grade = np.select([score >= 70, score >= 40, score >= 0], ["green", "yellow", "red"], "")
    return pd.DataFrame(
        {
            "score": score,
            "grade": np.where(np.isnan(score), None, grade),
            **out,
            "coverage": coverage,
        },
        index=frame.index,
    )


def features(n: int = 1500, seed: int = 13) -> dict[str, np.ndarray]:
    """Feature values full of ties and NaN; every 97th row has nothing present."""
    rng = np.random.default_rng(seed)
    values = {
        "logins": rng.integers(0, 14, n).astype(float),
        "seats": rng.integers(0, 7, n).astype(float),
        "activity": np.round(rng.random(n), 2),
        "nps": rng.integers(0, 11, n).astype(float),
        "tickets": rng.integers(0, 8, n).astype(float),
        "sponsor": (rng.random(n) < 0.4).astype(float),
    }
    for v in values.values():
        v[rng.random(n) < 0.1] = np.nan
        v[::97] = np.nan
    return values


def check(frame: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """retain on 1 and 2 threads equals ``expected`` (to 1e-12) and itself exactly."""
    model = rt.HealthModel(DOC)
    one = model.score(frame, n_threads=1)
    two = model.score(frame, n_threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert one.index.equals(frame.index)
    for column in ("score", "usage", "satisfaction", "coverage"):
        np.testing.assert_allclose(
            one[column].to_numpy(),
            expected[column].to_numpy(),
            rtol=1e-12,
            atol=1e-12,
            err_msg=column,
        )
    got_grade = one["grade"].astype(object).where(one["grade"].notna(), None)
    assert got_grade.tolist() == expected["grade"].tolist()
    return one


def test_a_matrix_frame_reads_strided_columns_and_scores_as_numpy_does():
    values = features()
    matrix = np.column_stack([values[c] for c in COLUMNS])  # C order: each row together
    assert matrix.flags.c_contiguous
    frame = pd.DataFrame(matrix, columns=COLUMNS, copy=False)
    assert frame["nps"].to_numpy().strides == (8 * len(COLUMNS),)  # the layout under test
    got = check(frame, numpy_scores(frame))
    assert got["score"].isna().sum() >= len(frame) // 97  # the empty rows
    # The same accounts as separate columns: the same bits.
    separate = pd.DataFrame({c: values[c].copy() for c in COLUMNS})
    pd.testing.assert_frame_equal(rt.HealthModel(DOC).score(separate), got, check_exact=True)


def test_first_rows_worked_by_hand():
    frame = pd.DataFrame(
        [[5.0, 2.0, 0.5, 8.0, 1.0, 1.0], [np.nan, 5.0, 0.9, 10.0, 6.0, 0.0]],
        columns=COLUMNS,
    )
    # Row 0: logins 50, seats (1 + 2/2)/5 = 40, activity ranks (0 + 1/2)/2 = 25 among the two
    # rows; usage (2*50 + 40 + 25)/4 = 41.25. nps 8 -> 50, tickets (1-5)/(0-5) = 0.8 -> 80,
    # sponsor 100; satisfaction (50 + 40 + 100)/2.5 = 76. score 0.6*41.25 + 0.4*76 = 55.15.
    # Row 1: logins missing; seats 5 -> (4 + 1/2)/5 = 90, activity 75; usage (90 + 75)/2 = 82.5.
    # nps 100, tickets 6 -> 0, sponsor 0: (100 + 0 + 0)/2.5 = 40. score 49.5 + 16 = 65.5.
    matrix_frame = pd.DataFrame(np.ascontiguousarray(frame.to_numpy()), columns=COLUMNS)
    for f in (frame, matrix_frame):
        got = rt.HealthModel(DOC).score(f)
        np.testing.assert_allclose(got["score"], [55.15, 65.5], rtol=1e-12)
        np.testing.assert_allclose(got["usage"], [41.25, 82.5], rtol=1e-12)
        np.testing.assert_allclose(got["satisfaction"], [76.0, 40.0], rtol=1e-12)
        np.testing.assert_allclose(got["coverage"], [1.0, 1 - 0.6 * 2 / 4], rtol=1e-12)
        assert got["grade"].tolist() == ["yellow", "yellow"]


def test_mixed_dtypes_score_as_their_float_values():
    values = features(800, seed=3)
    frame = pd.DataFrame(
        {
            "account": [f"ACC-{i:05d}" for i in range(800)],  # not the model's: ignored
            "logins": values["logins"],  # float with NaN
            "seats": pd.array(
                [None if np.isnan(v) else v for v in values["seats"]], dtype="Float64"
            ),  # nullable with pd.NA
            "activity": values["activity"],
            "nps": np.nan_to_num(values["nps"], nan=0).astype(np.int64),
            "tickets": pd.array(
                [None if np.isnan(v) else int(v) for v in values["tickets"]], dtype="Int64"
            ),
            "sponsor": np.nan_to_num(values["sponsor"]).astype(bool),
        },
        index=pd.Index([f"ACC-{i:05d}" for i in range(800)], name="account_id"),
    )
    assert frame["seats"].isna().any() and frame["tickets"].isna().any()
    expected = numpy_scores(frame)
    check(frame, expected)


def test_a_non_contiguous_selection_of_a_wider_matrix():
    values = features(1200, seed=5)
    # The model's columns among others, out of order, in one row-major block of 9 columns.
    order = ["x0", "sponsor", "x1", "nps", "logins", "x2", "activity", "tickets", "seats"]
    rng = np.random.default_rng(0)
    matrix = np.column_stack([values.get(c, rng.random(1200)) for c in order])
    wide = pd.DataFrame(matrix, columns=order, index=pd.RangeIndex(1000, 2200), copy=False)
    check(wide, numpy_scores(wide))
    # Every third row (a stride of 3 matrix rows), reversed rows (a negative stride, copied),
    # a Fortran-ordered block (contiguous columns) and a selection of some columns.
    for frame in (
        wide.iloc[::3],
        wide.iloc[::-1],
        pd.DataFrame(np.asfortranarray(matrix), columns=order),
        wide[["seats", "logins", "nps", "activity", "tickets", "sponsor"]],
    ):
        check(frame, numpy_scores(frame))


def test_an_infinite_value_in_a_matrix_names_its_column_and_row():
    values = features(50)
    matrix = np.column_stack([values[c] for c in COLUMNS])
    matrix[17, COLUMNS.index("tickets")] = np.inf
    frame = pd.DataFrame(matrix, columns=COLUMNS, copy=False)
    with pytest.raises(rt.errors.InputError, match=r"column 'tickets', row 17: infinite value"):
        rt.HealthModel(DOC).score(frame)
