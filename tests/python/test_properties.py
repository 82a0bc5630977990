"""Property-based tests: relations that hold for any input, not only for the worked examples.
Health scores stay on 0-100, follow each linear measure's direction and split into contributions;
the MRR bridge balances and chains; NRR >= GRR; ROC AUC flips with the risk's sign; Kaplan-Meier
never rises; churn by reason adds up to the bridge; and row order, thread count and a Book's
write-and-read round trip change nothing. hypothesis draws small tables, and every relation is
checked against something computed apart from the call under test: a pandas sum, scikit-learn,
lifelines, the same call on shuffled, tiled, negated or raised input, or another retain function
the documentation ties to it.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retain as rt

# Hypothesis draws tables of every length, some shorter than the lag: the empty answer is
# the one checked; the warning about it is tested in test_bad_input.py.
pytestmark = pytest.mark.filterwarnings("ignore:(nrr|grr). no period has")

lifelines = pytest.importorskip("lifelines")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

START = pd.Period("2024-01", "M")
N_MONTHS = 6
MAX_ACCOUNTS = 5
AMOUNTS = ["starting_mrr", "new", "expansion", "contraction", "churned", "reactivation"]

# Enough examples to find edge cases, few enough for about 15 s on a shared two-core machine.
SOME = settings(max_examples=150, deadline=None)
FEW = settings(max_examples=50, deadline=None)


# ---------------------------------------------------------------------------------------------
# Strategies


@st.composite
def mrr_rows(draw, min_size: int = 1, max_size: int = 25):
    """(account number, month offset, amount) line items and whether every amount is whole.

    Whole amounts make every sum exact, so the bridge can be checked with ==; float amounts are
    checked to rounding, which the documentation promises for them."""
    whole = draw(st.booleans())
    amount = (
        st.integers(0, 10_000).map(float)
        if whole
        else st.floats(min_value=0, max_value=1e6, allow_nan=False)
    )
    rows = draw(
        st.lists(
            st.tuples(st.integers(1, MAX_ACCOUNTS), st.integers(0, N_MONTHS - 1), amount),
            min_size=min_size,
            max_size=max_size,
        )
    )
    return rows, whole


def mrr_frame(rows, period_kind: str = "period") -> pd.DataFrame:
    periods = [START + m for _, m, _ in rows]
    if period_kind == "text":
        periods = [p.strftime("%Y-%m") for p in periods]
    return pd.DataFrame(
        {
            "account_id": [f"a{a}" for a, _, _ in rows],
            "period": pd.PeriodIndex(periods, freq="M") if period_kind == "period" else periods,
            "mrr": [float(x) for _, _, x in rows],
        }
    )


def month_totals(rows) -> pd.DataFrame:
    """The oracle's dense account x month matrix over the data's span (no row: MRR 0), summed
    by pandas from the raw line items, never through retain."""
    raw = pd.DataFrame(rows, columns=["account", "month", "mrr"])
    matrix = raw.pivot_table(
        index="account", columns="month", values="mrr", aggfunc="sum", fill_value=0.0
    )
    span = range(raw["month"].min(), raw["month"].max() + 1)
    return matrix.reindex(columns=span, fill_value=0.0)


def tolerance(rows, whole: bool) -> float:
    # Float line items are summed in different orders by retain and by pandas: allow rounding
    # relative to the table's total; whole amounts are exact in both.
    return 0.0 if whole else 1e-9 * (1.0 + sum(x for _, _, x in rows))


FEATURE = st.one_of(
    st.just(math.nan),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-50, max_value=150, allow_nan=False),
)
LIMIT = st.integers(-100, 100).map(float)


@st.composite
def health_documents(draw) -> dict:
    """Two groups, three measures (linear on logins, bands on seats_used, percentile on nps),
    positive weights and a missing policy that scores rather than raises."""
    lo, hi = draw(st.lists(LIMIT, min_size=2, max_size=2, unique=True))
    edges = sorted(draw(st.lists(LIMIT, min_size=1, max_size=3, unique=True)))
    band_scores = draw(
        st.lists(
            st.floats(min_value=0, max_value=100, allow_nan=False),
            min_size=len(edges) + 1,
            max_size=len(edges) + 1,
        )
    )
    weight = st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.0])
    return {
        "version": 1,
        "groups": [
            {"name": "usage", "weight": draw(weight)},
            {"name": "sentiment", "weight": draw(weight)},
        ],
        "measures": [
            {
                "name": "logins",
                "group": "usage",
                "weight": draw(weight),
                "transform": {"kind": "linear", "lo": lo, "hi": hi},
            },
            {
                "name": "seats_used",
                "group": "usage",
                "weight": draw(weight),
                "transform": {"kind": "bands", "edges": edges, "scores": band_scores},
            },
            {"name": "nps", "group": "sentiment", "transform": {"kind": "percentile"}},
        ],
        "missing": draw(st.sampled_from(["reweight", "neutral", "zero"])),
    }


@st.composite
def health_frames(draw, min_rows: int = 1, max_rows: int = 8) -> pd.DataFrame:
    n = draw(st.integers(min_rows, max_rows))
    column = st.lists(FEATURE, min_size=n, max_size=n)
    return pd.DataFrame(
        {"logins": draw(column), "seats_used": draw(column), "nps": draw(column)},
        index=pd.Index([f"a{k}" for k in range(1, n + 1)], name="account_id"),
    )


@st.composite
def books(draw):
    """A Book of accounts a1..a5 signed before the data, their MRR line items and churn records
    (none, or a few with reasons and kinds, some blank), with the rows it was built from."""
    rows, whole = draw(mrr_rows())
    plans = st.sampled_from(["basic", "pro", None])
    accounts = pd.DataFrame(
        {
            "account_id": [f"a{k}" for k in range(1, MAX_ACCOUNTS + 1)],
            "signed_at": pd.Timestamp("2023-11-15"),
            "plan": [draw(plans) for _ in range(MAX_ACCOUNTS)],
        }
    )
    records = draw(
        st.lists(
            st.tuples(
                st.integers(1, MAX_ACCOUNTS),
                st.integers(0, 31 * N_MONTHS),
                st.sampled_from(["price", "product", None]),
                st.sampled_from(["voluntary", "involuntary", None]),
            ),
            max_size=6,
        )
    )
    churns = None
    if records:  # an empty churns table is a warning; no table is the honest "none recorded"
        churns = pd.DataFrame(
            {
                "account_id": [f"a{a}" for a, _, _, _ in records],
                "churned_at": [
                    pd.Timestamp("2024-01-01") + pd.Timedelta(days=d) for _, d, _, _ in records
                ],
                "reason": [r for _, _, r, _ in records],
                "kind": [k for _, _, _, k in records],
            }
        )
    book = rt.Book(accounts, mrr=mrr_frame(rows), churns=churns)
    return book, rows, whole


# ---------------------------------------------------------------------------------------------
# 1-3. Health scores


@SOME
@given(health_documents(), health_frames())
def test_health_score_is_on_the_0_to_100_scale_or_nan_when_nothing_is_present(doc, frame):
    scored = rt.HealthModel.from_dict(doc).score(frame)
    score = scored["score"].to_numpy()
    nothing = frame.isna().all(axis=1).to_numpy()
    # Under every policy (even "neutral" and "zero", which score a missing value 50 or 0) a row
    # with no value present has no score, and a row with one has.
    np.testing.assert_array_equal(np.isnan(score), nothing)
    present = score[~nothing]
    assert ((present >= 0) & (present <= 100)).all(), present
    # Coverage is a share of the weight (the effective weights' sum, kept at most 1 where
    # rounding takes it a bit past: see test_full_coverage_is_exactly_one).
    coverage = scored["coverage"].to_numpy()
    assert ((coverage >= 0) & (coverage <= 1)).all(), coverage


def test_full_coverage_is_exactly_one():
    linear = {"kind": "linear", "lo": 0.0, "hi": 1.0}
    model = rt.HealthModel.from_dict(
        {
            "version": 1,
            "groups": [{"name": "usage", "weight": 1.0}, {"name": "sentiment", "weight": 0.25}],
            "measures": [
                {"name": "logins", "group": "usage", "weight": 0.25, "transform": linear},
                {"name": "seats_used", "group": "usage", "weight": 1.0, "transform": linear},
                {"name": "nps", "group": "sentiment", "transform": linear},
            ],
        }
    )
    frame = pd.DataFrame({"logins": [0.0], "seats_used": [0.0], "nps": [0.0]})
    assert model.score(frame)["coverage"].iloc[0] == 1.0


@SOME
@given(
    health_documents(),
    health_frames(),
    st.data(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_raising_a_linear_feature_moves_the_score_its_way_only(doc, frame, data, base, rise):
    model = rt.HealthModel.from_dict(doc)
    row = data.draw(st.integers(0, len(frame) - 1), label="row")
    frame = frame.copy()
    frame.iloc[row, frame.columns.get_loc("logins")] = base
    raised = frame.copy()
    raised.iloc[row, raised.columns.get_loc("logins")] = base + rise
    before = model.score(frame)["score"].to_numpy()
    after = model.score(raised)["score"].to_numpy()
    lo, hi = doc["measures"][0]["transform"]["lo"], doc["measures"][0]["transform"]["hi"]
    # A weighted mean of measure scores may round differently by an ulp; a real step is a
    # change of at least (weight share) x (100 / |hi - lo|) x rise, far above this slack.
    slack = 1e-9
    if lo < hi:
        assert after[row] >= before[row] - slack, (before[row], after[row])
    else:
        assert after[row] <= before[row] + slack, (before[row], after[row])
    # logins feeds no percentile, so no other account's score may move.
    others = np.arange(len(frame)) != row
    np.testing.assert_array_equal(after[others], before[others])
    # The linear measure score itself, from its definition: lo scores 0, hi 100, clipped.
    expected = 100.0 * min(max((base + rise - lo) / (hi - lo), 0.0), 1.0)
    got = model.explain(raised)[("measure_score", "logins")].iloc[row]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-9)


@SOME
@given(health_documents(), health_frames())
def test_contributions_add_up_to_the_score(doc, frame):
    model = rt.HealthModel.from_dict(doc)
    score = model.score(frame)["score"]
    contribution = model.explain(frame)["contribution"]
    assert list(contribution.columns) == ["logins", "seats_used", "nps"]
    unscored = score.isna()
    assert contribution[unscored].isna().all().all()
    total = contribution[~unscored].sum(axis=1)
    np.testing.assert_allclose(total, score[~unscored], rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# 4-5. The MRR bridge, NRR and GRR


@SOME
@given(mrr_rows(), st.sampled_from(["period", "text"]))
def test_mrr_bridge_balances_and_chains_in_every_month(drawn, period_kind):
    rows, whole = drawn
    mv = rt.kpi.mrr_movements(mrr_frame(rows, period_kind))
    matrix = month_totals(rows)
    tol = tolerance(rows, whole)

    first, last = matrix.columns[0], matrix.columns[-1]
    assert list(mv.index) == [START + m for m in range(first, last + 1)]
    bridge = (
        mv["starting_mrr"]
        + mv["new"]
        + mv["expansion"]
        - mv["contraction"]
        - mv["churned"]
        + mv["reactivation"]
    )
    np.testing.assert_allclose(bridge, mv["ending_mrr"], rtol=0, atol=tol)
    assert (mv[AMOUNTS] >= 0).all().all()
    # Each month starts where the last ended, and the first starts from nothing.
    assert mv["starting_mrr"].iloc[0] == 0
    assert (mv["starting_mrr"].to_numpy()[1:] == mv["ending_mrr"].to_numpy()[:-1]).all()
    # The independent oracle: what pandas sums per month from the raw line items.
    np.testing.assert_allclose(mv["ending_mrr"], matrix.sum(axis=0), rtol=0, atol=tol)
    accounts = (
        mv["starting_accounts"]
        + mv["new_accounts"]
        + mv["reactivated_accounts"]
        - mv["churned_accounts"]
    )
    np.testing.assert_array_equal(accounts, mv["ending_accounts"])
    np.testing.assert_array_equal(mv["ending_accounts"], (matrix > 0).sum(axis=0))


@SOME
@given(mrr_rows(), st.integers(1, 3))
def test_nrr_is_never_below_grr(drawn, months):
    rows, _ = drawn
    frame = mrr_frame(rows)
    nrr = rt.kpi.nrr(frame, months=months)
    grr = rt.kpi.grr(frame, months=months)
    assert nrr.index.equals(grr.index)
    # Both divide by the same starting MRR, so they are undefined in the same periods.
    np.testing.assert_array_equal(nrr.isna(), grr.isna())
    both = nrr.notna()
    # GRR's numerator caps each account's term, so it can only be smaller; the slack is for
    # two compensated sums of different terms landing an ulp apart.
    assert (nrr[both] >= grr[both] * (1 - 1e-12)).all(), pd.concat([nrr, grr], axis=1)
    assert ((grr[both] >= 0) & (grr[both] <= 1 + 1e-12)).all(), grr


# ---------------------------------------------------------------------------------------------
# 6. ROC AUC


RISK = st.one_of(
    st.integers(-3, 3).map(float),  # ties are common
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)


@SOME
@given(
    st.lists(st.tuples(st.booleans(), RISK), min_size=0, max_size=30),
    RISK,
    RISK,
)
def test_auc_of_minus_risk_is_one_minus_auc_and_matches_sklearn(pairs, churner, stayer):
    # One churner and one stayer at least, so the metric is defined.
    pairs = [*pairs, (True, churner), (False, stayer)]
    y = np.array([int(c) for c, _ in pairs])
    risk = np.array([r for _, r in pairs])
    auc = rt.metrics.roc_auc(y, risk)
    flipped = rt.metrics.roc_auc(y, -risk)
    assert flipped == pytest.approx(1 - auc, abs=1e-12)
    assert auc == pytest.approx(sklearn_metrics.roc_auc_score(y, risk), abs=1e-12)
    assert 0 <= auc <= 1


# ---------------------------------------------------------------------------------------------
# 7. Kaplan-Meier


DURATION = st.one_of(
    st.integers(0, 30).map(float),  # tenure in whole months: many ties, retain's counting path
    st.floats(min_value=0, max_value=1e3, allow_nan=False),
)


@SOME
@given(st.lists(st.tuples(DURATION, st.booleans()), min_size=1, max_size=40))
def test_kaplan_meier_never_rises_and_equals_lifelines(pairs):
    durations = np.array([d for d, _ in pairs])
    observed = np.array([o for _, o in pairs])
    km = rt.survival.kaplan_meier(durations, observed)
    survival = km["survival"].to_numpy()
    assert ((survival >= 0) & (survival <= 1)).all(), survival
    assert (np.diff(survival) <= 0).all(), survival

    fitter = lifelines.KaplanMeierFitter().fit(durations, observed)
    expected = fitter.survival_function_.iloc[:, 0]
    events = km["events"].to_numpy() > 0
    at = km["time"].to_numpy()[events]
    assert set(at) == set(durations[observed])
    np.testing.assert_allclose(survival[events], expected.loc[at].to_numpy(), rtol=0, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# 8. Churn by reason against the bridge


@FEW
@given(books())
def test_churn_reasons_add_up_to_the_bridge(drawn):
    book, rows, whole = drawn
    reasons = rt.kpi.churn_reasons(book)
    mv = rt.kpi.mrr_movements(book)
    churned = mv.loc[mv["churned_accounts"] > 0]
    per_period = reasons.groupby(level="period")[["mrr_lost", "churned_accounts"]].sum()
    # Only months with a churn have reasons, and every such month has some.
    assert list(per_period.index) == list(churned.index)
    tol = tolerance(rows, whole)
    np.testing.assert_allclose(per_period["mrr_lost"], churned["churned"], rtol=0, atol=tol)
    np.testing.assert_array_equal(per_period["churned_accounts"], churned["churned_accounts"])
    kinds = reasons[["voluntary_mrr", "involuntary_mrr", "unknown_kind_mrr"]].sum(axis=1)
    np.testing.assert_allclose(kinds, reasons["mrr_lost"], rtol=0, atol=tol)
    kind_counts = reasons[
        ["voluntary_accounts", "involuntary_accounts", "unknown_kind_accounts"]
    ].sum(axis=1)
    np.testing.assert_array_equal(kind_counts, reasons["churned_accounts"])


# ---------------------------------------------------------------------------------------------
# 9. Row order and threads


@SOME
@given(mrr_rows(min_size=2), st.randoms(use_true_random=False))
def test_mrr_movements_ignore_row_order(drawn, rnd):
    rows, _ = drawn
    frame = mrr_frame(rows)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    got, expected = rt.kpi.mrr_movements(shuffled), rt.kpi.mrr_movements(frame)
    # To the last bit: an account-month's line items are added in one order, whatever the rows'.
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_float_line_items_add_up_the_same_in_any_order():
    items = [0.99999, 32768.0, 98304.0]
    ending = [
        rt.kpi.mrr_movements(
            pd.DataFrame({"account_id": "a1", "period": ["2024-01"] * 3, "mrr": order})
        )["ending_mrr"].iloc[0]
        for order in (items, items[::-1])
    ]
    # Added in row order, [0.99999, 32768, 98304] gave 131072.99998999998 and the reverse
    # 131072.99999: retain now adds a month's items smallest first, whatever the rows' order. Not
    # the correctly rounded sum (math.fsum's) for every input, but one answer for one table.
    assert ending[0] == ending[1]
    assert abs(ending[0] - math.fsum(items)) <= 2 * np.spacing(math.fsum(items))


# The per-account work is cut into blocks of at least 4096 accounts and Kaplan-Meier's into
# blocks of 65,536 durations, so a drawn table is tiled past several blocks: otherwise a second
# thread would have nothing to do and the test could not fail.
MIN_ACCOUNTS = 9_000
MIN_DURATIONS = 140_000


@FEW
@given(mrr_rows())
def test_mrr_movements_do_not_depend_on_threads(drawn):
    rows, whole = drawn
    raw = np.array(rows, dtype=float).reshape(-1, 3)
    n = MIN_ACCOUNTS // len({a for a, _, _ in rows}) + 1
    copy = np.repeat(np.arange(n), len(raw))  # each copy's accounts get ids of their own
    tiled = pd.DataFrame(
        {
            "account_id": np.tile(raw[:, 0].astype(np.int64), n) + (MAX_ACCOUNTS + 1) * copy,
            "period": pd.PeriodIndex(np.tile([START + int(m) for m in raw[:, 1]], n), freq="M"),
            "mrr": np.tile(raw[:, 2], n),
        }
    )
    one = rt.kpi.mrr_movements(tiled, n_threads=1)
    two = rt.kpi.mrr_movements(tiled, n_threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    # Every copy moves as the drawn table does, so the tiled table is n times it.
    small = rt.kpi.mrr_movements(mrr_frame(rows))
    counts = [c for c in small.columns if c.endswith("accounts")]
    np.testing.assert_array_equal(one[counts], small[counts] * n)
    amounts = [*AMOUNTS, "ending_mrr"]
    if whole:
        np.testing.assert_array_equal(one[amounts], small[amounts] * n)
    else:
        np.testing.assert_allclose(one[amounts], small[amounts] * n, rtol=1e-9)


@FEW
@given(st.lists(st.tuples(DURATION, st.booleans()), min_size=1, max_size=10))
def test_kaplan_meier_does_not_depend_on_threads(pairs):
    n = MIN_DURATIONS // len(pairs) + 1
    durations = np.array([d for d, _ in pairs])
    observed = np.array([o for _, o in pairs])
    one = rt.survival.kaplan_meier(np.tile(durations, n), np.tile(observed, n), n_threads=1)
    two = rt.survival.kaplan_meier(np.tile(durations, n), np.tile(observed, n), n_threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    # n copies of a sample scale every risk set and event count by n: the same curve.
    small = rt.survival.kaplan_meier(durations, observed)
    np.testing.assert_array_equal(one["time"], small["time"])
    for column in ("at_risk", "events", "censored"):
        np.testing.assert_array_equal(one[column], small[column] * n)
    np.testing.assert_allclose(one["survival"], small["survival"], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# 10. A Book written and read back


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects with None for missing: a CSV or Parquet file brings ids
    and labels back as Arrow strings, a different dtype for the same values."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if (
            isinstance(column.dtype, pd.CategoricalDtype)
            or pd.api.types.is_object_dtype(column.dtype)
            or pd.api.types.is_string_dtype(column.dtype)
        ):
            values = column.astype(object)
            out[name] = values.where(values.notna(), None)
    return out


@FEW
@given(books(), st.sampled_from(["csv", "parquet"]), st.data())
def test_a_book_survives_write_and_read(drawn, fmt, data):
    book, rows, _ = drawn
    months = sorted({m for _, m, _ in rows})
    # A day inside the MRR table's span: a later one warns that nobody pays then.
    month = START + data.draw(st.integers(months[0], months[-1]), label="month")
    day = month.start_time + pd.Timedelta(days=data.draw(st.integers(0, 27), label="day"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = rt.datasets.write(book, Path(tmp) / "exports", format=fmt)
        back = rt.Book.read(folder)
    assert back.tables == book.tables
    pd.testing.assert_frame_equal(
        rt.kpi.mrr_movements(back), rt.kpi.mrr_movements(book), check_exact=True
    )
    pd.testing.assert_frame_equal(
        rt.kpi.churn_reasons(back), rt.kpi.churn_reasons(book), check_exact=True
    )
    pd.testing.assert_frame_equal(
        plain(back.snapshots([day], active_only=False)),
        plain(book.snapshots([day], active_only=False)),
        check_exact=True,
    )
