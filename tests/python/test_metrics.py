"""retain.metrics against scikit-learn (and scipy's KS) on random data with many ties and random
weights, to 1e-12; lift / precision_at / recall_at against a brute force that averages over every
arrangement of the rows tied at the cut; row-order invariance; input types; every bad input."""

from __future__ import annotations

import itertools
import math
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import retain as rt

sk = pytest.importorskip("sklearn.metrics")
sk_calibration = pytest.importorskip("sklearn.calibration")

TOL = 1e-12


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


# ---------------------------------------------------------------------------------------------
# data: labels, risks with many ties, weights of three kinds


@st.composite
def cases(draw, max_rows: int = 80):
    n = draw(st.integers(2, max_rows))
    y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    y[0], y[1] = 1.0, 0.0  # both classes
    kind = draw(st.sampled_from(["few values", "grid", "continuous"]))
    if kind == "few values":
        values = draw(st.lists(st.floats(-3, 3), min_size=1, max_size=4))
        risk = np.array(draw(st.lists(st.sampled_from(values), min_size=n, max_size=n)))
    elif kind == "grid":
        risk = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))) / 10.0
    else:
        risk = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    weights = draw(st.sampled_from(["none", "dyadic", "continuous"]))
    if weights == "none":
        w = None
    elif weights == "dyadic":  # exact sums: the same curve points in any summation order
        w = np.array(draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))) / 4.0
    else:
        w = np.array(draw(st.lists(st.floats(0.01, 3), min_size=n, max_size=n)))
    if w is not None:
        w[0], w[1] = 1.0, 1.0
    return y, risk, w


def seeded(n: int, seed: int, decimals: int | None = 2, weighted: bool = True):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(np.float64)
    risk = rng.random(n) * 0.6 + 0.3 * y
    if decimals is not None:
        risk = np.round(risk, decimals)
    w = rng.uniform(0.0, 3.0, n) if weighted else None
    if w is not None:
        w[rng.random(n) < 0.05] = 0.0  # some rows of weight 0
    return y, risk, w


def check_ranking_against_sklearn(y, risk, w) -> None:
    assert close(rt.metrics.roc_auc(y, risk, w), sk.roc_auc_score(y, risk, sample_weight=w))
    assert close(
        rt.metrics.pr_auc(y, risk, w), sk.average_precision_score(y, risk, sample_weight=w)
    )
    # Which points lie exactly on a line is decided exactly here, and by differences of rounded
    # running sums in scikit-learn; they agree when the sums are exact (no or dyadic weights).
    exact = w is None or bool(np.all(w * 4 == np.round(w * 4)))
    full = rt.metrics.roc_curve(y, risk, w, drop_intermediate=False)
    for drop in (True, False):
        ours = rt.metrics.roc_curve(y, risk, w, drop_intermediate=drop)
        fpr, tpr, thr = sk.roc_curve(y, risk, sample_weight=w, drop_intermediate=drop)
        if drop and not exact:
            # The points kept are points of the full curve, and the area is the same.
            assert set(ours["threshold"]) <= set(full["threshold"])
            area = np.trapezoid(ours["tpr"], ours["fpr"])
            assert close(area, sk.roc_auc_score(y, risk, sample_weight=w))
            continue
        np.testing.assert_array_equal(ours["threshold"], thr)
        np.testing.assert_allclose(ours["fpr"], fpr, rtol=0, atol=TOL)
        np.testing.assert_allclose(ours["tpr"], tpr, rtol=0, atol=TOL)
        ours = rt.metrics.pr_curve(y, risk, w, drop_intermediate=drop)
        precision, recall, thr = sk.precision_recall_curve(
            y, risk, sample_weight=w, drop_intermediate=drop
        )
        np.testing.assert_array_equal(ours["threshold"].to_numpy()[:-1], thr)
        assert ours["threshold"].iloc[-1] == math.inf
        np.testing.assert_allclose(ours["precision"], precision, rtol=0, atol=TOL)
        np.testing.assert_allclose(ours["recall"], recall, rtol=0, atol=TOL)
    fpr, tpr, _ = sk.roc_curve(y, risk, sample_weight=w, drop_intermediate=False)
    assert close(rt.metrics.ks_statistic(y, risk, w), np.max(np.abs(tpr - fpr)))


def check_probabilities_against_sklearn(y, p, w) -> None:
    assert close(rt.metrics.brier(y, p, w), sk.brier_score_loss(y, p, sample_weight=w))
    assert close(
        rt.metrics.log_loss(y, p, w), sk.log_loss(y, p, sample_weight=w, labels=[0.0, 1.0])
    )
    for bins in (1, 3, 5, 10):
        table = rt.metrics.calibration(y, p, bins=bins, sample_weight=w)
        assert list(table.columns) == ["bin", "mean_predicted", "observed", "count", "weight"]
        assert len(table) == bins
        assert table["count"].sum() == len(y)
        if w is None:
            prob_true, prob_pred = sk_calibration.calibration_curve(y, p, n_bins=bins)
            full = table[table["count"] > 0]
            np.testing.assert_allclose(full["observed"], prob_true, rtol=0, atol=TOL)
            np.testing.assert_allclose(full["mean_predicted"], prob_pred, rtol=0, atol=TOL)
        else:
            # The weighted table, by a plain numpy binning that uses numpy's own edges.
            edges = np.linspace(0.0, 1.0, bins + 1)
            ids = np.searchsorted(edges[1:-1], p)
            sw = np.bincount(ids, weights=w, minlength=bins)
            np.testing.assert_allclose(table["weight"], sw, rtol=TOL, atol=TOL)
            with np.errstate(invalid="ignore", divide="ignore"):
                obs = np.bincount(ids, weights=w * y, minlength=bins) / sw
                pred = np.bincount(ids, weights=w * p, minlength=bins) / sw
            np.testing.assert_allclose(table["observed"], obs, rtol=0, atol=TOL)
            np.testing.assert_allclose(table["mean_predicted"], pred, rtol=0, atol=TOL)
            np.testing.assert_array_equal(table["count"], np.bincount(ids, minlength=bins))


# ---------------------------------------------------------------------------------------------
# against scikit-learn


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(case=cases())
def test_ranking_metrics_equal_sklearn(case):
    check_ranking_against_sklearn(*case)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(case=cases())
def test_probability_metrics_equal_sklearn(case):
    y, risk, w = case
    p = (risk - risk.min()) / (np.ptp(risk) or 1.0)  # into [0, 1], 0 and 1 included
    check_probabilities_against_sklearn(y, p, w)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("decimals", [1, 2, None])
@pytest.mark.parametrize("weighted", [False, True])
def test_bigger_seeded_data_equals_sklearn(seed, decimals, weighted):
    y, risk, w = seeded(20_000, seed, decimals, weighted)
    check_ranking_against_sklearn(y, risk, w)
    check_probabilities_against_sklearn(y, risk, w)


def test_ks_statistic_is_scipys_two_sample_ks():
    for seed in range(5):
        y, risk, _ = seeded(3_000, seed, decimals=2, weighted=False)
        expected = stats.ks_2samp(risk[y == 1], risk[y == 0]).statistic
        assert close(rt.metrics.ks_statistic(y, risk), expected)


def test_log_loss_clips_like_sklearn_at_zero_and_one():
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    p = np.array([0.0, 1.0, 1.0, 0.0, 1e-300])
    assert close(rt.metrics.log_loss(y, p), sk.log_loss(y, p))
    assert rt.metrics.log_loss([1.0], [0.0]) == pytest.approx(52 * math.log(2), rel=1e-14)


def test_log_loss_and_brier_are_defined_with_one_class():
    assert rt.metrics.log_loss([0, 0], [0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)
    assert rt.metrics.brier([1, 1], [0.5, 1.0]) == pytest.approx(0.125, rel=1e-15)


# ---------------------------------------------------------------------------------------------
# lift, precision_at, recall_at: the expectation over every arrangement of the tied rows


def top_oracle(y, risk, w, top):
    """(captured churner weight, P, W) by brute force. Integer weights become that many unit
    rows; the unit rows are put in decreasing risk, and the rows of the group straddling the cut
    are arranged in every possible way (every choice of the positions its churners take). The
    first top * W unit rows are taken, the row crossing the cut fractionally; averaged."""
    units_y = np.repeat(np.asarray(y), np.asarray(w, dtype=np.int64))
    units_r = np.repeat(np.asarray(risk), np.asarray(w, dtype=np.int64))
    total = len(units_y)
    cut = top * total
    take = np.clip(cut - np.arange(total), 0.0, 1.0)  # share taken of the unit row at position k
    caught, start = 0.0, 0
    for value in sorted(set(units_r.tolist()), reverse=True):
        group = units_y[units_r == value]
        size, churners = len(group), int(group.sum())
        shares = take[start : start + size]
        placements = list(itertools.combinations(range(size), churners))
        caught += sum(shares[list(c)].sum() for c in placements) / len(placements)
        start += size
    return caught, float(units_y.sum()), float(total)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from([0, 1]), st.integers(0, 3), st.integers(1, 2)),
        min_size=1,
        max_size=8,
    ),
    top=st.sampled_from([0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.7, 0.9, 1.0]),
    weighted=st.booleans(),
)
def test_top_fraction_metrics_equal_the_expectation_over_tie_orders(rows, top, weighted):
    y = np.array([r[0] for r in rows], dtype=np.float64)
    y[0] = 1.0
    risk = np.array([r[1] for r in rows], dtype=np.float64) / 3.0
    w = np.array([r[2] for r in rows], dtype=np.float64) if weighted else np.ones(len(rows))
    caught, positives, total = top_oracle(y, risk, w, top)
    sw = w if weighted else None
    assert rt.metrics.precision_at(y, risk, top, sw) == pytest.approx(
        caught / (top * total), rel=1e-12, abs=1e-15
    )
    assert rt.metrics.recall_at(y, risk, top, sw) == pytest.approx(
        caught / positives, rel=1e-12, abs=1e-15
    )
    assert rt.metrics.lift(y, risk, top, sw) == pytest.approx(
        caught / (top * total) / (positives / total), rel=1e-12, abs=1e-15
    )


def test_top_fraction_metrics_by_hand():
    # Top half of 4 rows: the .9 churner and half a row of the tied pair at .5 (one churner in
    # two): 1 + 1/2 = 1.5 captured of a cut of 2, of 2 churners.
    y, risk = [1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1]
    assert rt.metrics.precision_at(y, risk, top=0.5) == 0.75
    assert rt.metrics.recall_at(y, risk, top=0.5) == 0.75
    assert rt.metrics.lift(y, risk, top=0.5) == 1.5
    # The default top is 0.1: 0.4 of the .9 churner.
    assert rt.metrics.precision_at(y, risk) == pytest.approx(1.0)
    assert rt.metrics.lift(y, risk) == pytest.approx(2.0)


def test_top_fraction_metrics_ignore_the_scale_of_the_weights():
    y, risk, w = seeded(5_000, 11, decimals=2)
    for fn in (rt.metrics.lift, rt.metrics.precision_at, rt.metrics.recall_at):
        for top in (0.01, 0.1, 0.37):
            assert fn(y, risk, top, w * 0.37) == pytest.approx(fn(y, risk, top, w), rel=1e-12)


def test_a_permutation_average_agrees_with_the_fractional_count():
    # Monte Carlo over random orders of the tied rows, taking whole rows (top * n an integer).
    rng = np.random.default_rng(5)
    y = (rng.random(400) < 0.3).astype(np.float64)
    risk = rng.integers(0, 5, 400).astype(np.float64)
    draws = []
    for _ in range(4_000):
        order = np.lexsort((rng.random(400), -risk))  # by risk, ties in a random order
        draws.append(y[order][:40].sum() / 40)
    mc = np.mean(draws)
    assert rt.metrics.precision_at(y, risk, 0.1) == pytest.approx(mc, abs=4 * np.std(draws) / 63)


# ---------------------------------------------------------------------------------------------
# row order, input types, threads


ALL = [
    lambda y, r, w: rt.metrics.roc_auc(y, r, w),
    lambda y, r, w: rt.metrics.pr_auc(y, r, w),
    lambda y, r, w: rt.metrics.ks_statistic(y, r, w),
    lambda y, r, w: rt.metrics.lift(y, r, 0.1, w),
    lambda y, r, w: rt.metrics.precision_at(y, r, 0.05, w),
    lambda y, r, w: rt.metrics.recall_at(y, r, 0.3, w),
    lambda y, r, w: rt.metrics.brier(y, r, w),
    lambda y, r, w: rt.metrics.log_loss(y, r, w),
    lambda y, r, w: tuple(rt.metrics.roc_curve(y, r, w).to_numpy().ravel()),
    lambda y, r, w: tuple(rt.metrics.pr_curve(y, r, w).to_numpy().ravel()),
]


@pytest.mark.parametrize("weighted", [False, True])
def test_results_do_not_depend_on_row_order(weighted):
    y, risk, w = seeded(10_000, 3, decimals=2, weighted=weighted)
    order = np.random.default_rng(9).permutation(len(y))
    ws = None if w is None else w[order]
    for fn in ALL:
        a, b = fn(y, risk, w), fn(y[order], risk[order], ws)
        assert a == b or np.allclose(a, b, rtol=1e-14, atol=1e-15)


def test_lists_series_and_bools_are_accepted():
    y, risk = [False, False, True, True], [0.1, 0.4, 0.35, 0.8]
    assert rt.metrics.roc_auc(y, risk) == 0.75
    assert rt.metrics.roc_auc(pd.Series(y, name="churned"), pd.Series(risk)) == 0.75
    assert rt.metrics.roc_auc(np.array(y), np.array(risk, dtype=np.float32)) == 0.75
    assert rt.metrics.roc_auc([0, 0, 1, 1], [1, 4, 3, 8], sample_weight=[1, 1, 1, 1]) == 0.75
    assert rt.metrics.roc_auc(pd.Series([0, 0, 1, 1], dtype="Int64"), risk) == 0.75


def test_curves_and_calibration_are_dataframes_by_hand():
    y, risk = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    roc = rt.metrics.roc_curve(y, risk)
    assert list(roc.columns) == ["fpr", "tpr", "threshold"]
    np.testing.assert_array_equal(roc["threshold"], [math.inf, 0.8, 0.4, 0.35, 0.1])
    np.testing.assert_array_equal(roc["tpr"], [0, 0.5, 0.5, 1, 1])
    pr = rt.metrics.pr_curve(y, risk)
    assert list(pr.columns) == ["precision", "recall", "threshold"]
    np.testing.assert_allclose(pr["precision"], [0.5, 2 / 3, 0.5, 1, 1], rtol=1e-15)
    assert rt.metrics.pr_auc(y, risk) == pytest.approx(0.5 + 0.5 * 2 / 3, rel=1e-15)
    cal = rt.metrics.calibration([0, 1, 1], [0.2, 0.6, 0.9], bins=4)
    np.testing.assert_array_equal(cal["count"], [1, 0, 1, 1])
    assert cal["bin"].tolist() == [0, 1, 2, 3]
    assert math.isnan(cal["observed"][1]) and math.isnan(cal["mean_predicted"][1])
    assert cal["weight"][1] == 0.0


def test_threads_give_the_same_numbers():
    # The GIL is released in C++; several threads at once give what one gives.
    y, risk, w = seeded(200_000, 4, decimals=3)
    expected = rt.metrics.roc_auc(y, risk, w)
    results = []

    def work():
        results.append(rt.metrics.roc_auc(y, risk, w))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


# ---------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: rt.metrics.roc_auc([0, 2], [0.1, 0.2]),
            "column 'y', row 1: must be 0 or 1, got 2",
        ),
        (
            lambda: rt.metrics.roc_auc([0, np.nan], [0.1, 0.2]),
            "column 'y', row 1: must be 0 or 1, got nan",
        ),
        (
            lambda: rt.metrics.roc_auc(pd.Series([0, None, 1], dtype="Int64"), [1, 2, 3]),
            "column 'y', row 1: must be 0 or 1, got nan",
        ),
        (
            lambda: rt.metrics.pr_auc([0, 1], [np.inf, 0.2]),
            "column 'risk', row 0: must be a finite number, got inf",
        ),
        (
            lambda: rt.metrics.lift([0, 1], [0.1, np.nan]),
            "column 'risk', row 1: must be a finite number, got nan",
        ),
        (
            lambda: rt.metrics.log_loss([0, 1], [0.1, 1.5]),
            "column 'p', row 1: must be a probability in [0, 1], got 1.5",
        ),
        (
            lambda: rt.metrics.brier([0, 1], [-0.5, 0.5]),
            "column 'p', row 0: must be a probability in [0, 1], got -0.5",
        ),
        (
            lambda: rt.metrics.calibration([0, 1], [0.5, np.nan]),
            "column 'p', row 1: must be a probability in [0, 1], got nan",
        ),
        (
            lambda: rt.metrics.roc_auc([0, 1], [0.1, 0.2], sample_weight=[1, -2]),
            "column 'sample_weight', row 1: must be a finite number >= 0, got -2",
        ),
        (
            lambda: rt.metrics.roc_auc([0, 1], [0.1, 0.2], sample_weight=[np.nan, 1]),
            "column 'sample_weight', row 0: must be a finite number >= 0, got nan",
        ),
        (lambda: rt.metrics.roc_auc([0, 1], [0.1]), "roc_auc: risk has 1 rows but y has 2"),
        (
            lambda: rt.metrics.brier([0, 1], [0.1, 0.2], [1]),
            "brier: sample_weight has 1 rows but y has 2",
        ),
        (lambda: rt.metrics.lift([0, 1], [0.1, 0.2], top=0), "top: must be in (0, 1], got 0"),
        (lambda: rt.metrics.recall_at([0, 1], [0.1, 0.2], top=2), "top: must be in (0, 1], got 2"),
        (
            lambda: rt.metrics.calibration([0, 1], [0.1, 0.2], bins=0),
            "bins: must be at least 1, got 0",
        ),
        (
            lambda: rt.metrics.roc_auc([0, 0], [0.1, 0.2]),
            "roc_auc: y has one class only (all 0); ROC AUC needs both",
        ),
        (
            lambda: rt.metrics.pr_auc([1, 1], [0.1, 0.2]),
            "pr_auc: y has one class only (all 1); PR AUC needs both",
        ),
        (
            lambda: rt.metrics.ks_statistic([1, 1], [0.1, 0.2]),
            "ks_statistic: y has one class only (all 1); the KS statistic needs both",
        ),
        (
            lambda: rt.metrics.roc_curve([0], [0.1]),
            "roc_curve: y has one class only (all 0); a ROC curve needs both",
        ),
        (
            lambda: rt.metrics.pr_curve([], []),
            "pr_curve: no rows; a PR curve needs both classes",
        ),
        (
            lambda: rt.metrics.lift([0, 0], [0.1, 0.2]),
            "lift: y has no churners (all 0); lift needs some",
        ),
        (
            lambda: rt.metrics.recall_at([0, 1], [0.1, 0.2], sample_weight=[1, 0]),
            "recall_at: the rows with y == 1 have zero total weight; recall needs churners",
        ),
        (
            lambda: rt.metrics.roc_auc([0, 1], [0.1, 0.2], sample_weight=[0, 1]),
            "roc_auc: the rows with y == 0 have zero total weight; ROC AUC needs both classes",
        ),
        (
            lambda: rt.metrics.brier([0, 1], [0.1, 0.2], sample_weight=[0, 0]),
            "brier: sample_weight sums to 0; the Brier score needs some weight",
        ),
        (lambda: rt.metrics.log_loss([], []), "log_loss: no rows; log loss needs some"),
    ],
)
def test_bad_input_is_an_input_error_naming_column_and_row(call, message):
    with pytest.raises(rt.InputError) as info:
        call()
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_bad_shapes_and_types():
    with pytest.raises(rt.InputError, match="one-dimensional"):
        rt.metrics.roc_auc(np.zeros((2, 2)), [0.1, 0.2])
    with pytest.raises(rt.InputError, match="must be numeric"):
        rt.metrics.roc_auc([0, 1], ["a", "b"])
    with pytest.raises(rt.InputError, match="must be numeric"):
        rt.metrics.roc_auc([0, 1], [True, False])  # a boolean risk is almost surely a mistake
    with pytest.raises(TypeError):
        rt.metrics.calibration([0, 1], [0.1, 0.2], bins=2.5)
