"""Kaplan-Meier against lifelines (the oracle the issue names), to 1e-10, and its bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retain as rt

lifelines = pytest.importorskip("lifelines")
from lifelines.exceptions import StatError  # noqa: E402
from lifelines.utils import restricted_mean_survival_time  # noqa: E402


def lifelines_km(durations, observed, timeline=None, alpha=0.05):
    fitter = lifelines.KaplanMeierFitter(alpha=alpha)
    return fitter.fit(np.asarray(durations, float), np.asarray(observed), timeline=timeline)


def assert_matches_lifelines(km: pd.DataFrame, fitter) -> None:
    expected_sf = fitter.survival_function_.iloc[:, 0]
    expected_ci = fitter.confidence_interval_
    np.testing.assert_array_equal(km["time"].to_numpy(), expected_sf.index.to_numpy(float))
    np.testing.assert_allclose(km["survival"], expected_sf.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(km["ci_lower"], expected_ci.iloc[:, 0].to_numpy(), atol=1e-10)
    np.testing.assert_allclose(km["ci_upper"], expected_ci.iloc[:, 1].to_numpy(), atol=1e-10)


def random_durations(rng, n, whole):
    d = rng.exponential(12.0, n)
    return np.floor(d) if whole else np.round(d, 3)


@pytest.mark.parametrize("whole", [True, False], ids=["whole-months", "fractional"])
@pytest.mark.parametrize("seed", range(6))
def test_kaplan_meier_equals_lifelines(seed, whole):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    durations = random_durations(rng, n, whole)
    observed = rng.random(n) < rng.uniform(0.2, 1.0)
    km = rt.survival.kaplan_meier(durations, observed)
    fitter = lifelines_km(durations, observed)
    assert_matches_lifelines(km, fitter)
    table = fitter.event_table
    np.testing.assert_array_equal(km["at_risk"], table["at_risk"])
    np.testing.assert_array_equal(km["events"], table["observed"])
    np.testing.assert_array_equal(km["censored"], table["censored"])
    assert rt.survival.median_survival(km) == fitter.median_survival_time_
    for horizon in (0.0, 3.5, 12.0, float(durations.max()) + 5):
        assert rt.survival.restricted_mean(km, horizon) == pytest.approx(
            restricted_mean_survival_time(fitter, t=horizon), rel=1e-10, abs=1e-10
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=40),
    st.sampled_from([0.01, 0.05, 0.2]),
)
def test_small_samples_with_ties_equal_lifelines(rows, alpha):
    durations = np.array([d for d, _ in rows], dtype=float)
    observed = np.array([o for _, o in rows])
    km = rt.survival.kaplan_meier(durations, observed, alpha=alpha)
    assert_matches_lifelines(km, lifelines_km(durations, observed, alpha=alpha))
    assert km.attrs["alpha"] == alpha


def test_a_given_timeline_equals_lifelines_on_it():
    rng = np.random.default_rng(9)
    durations = random_durations(rng, 300, whole=False)
    observed = rng.random(300) < 0.7
    timeline = np.linspace(0, 40, 81)
    km = rt.survival.kaplan_meier(durations, observed, timeline=timeline)
    assert_matches_lifelines(km, lifelines_km(durations, observed, timeline=timeline))
    # Counts over (previous time, time]: they add up to every duration up to the last time.
    inside = durations <= timeline[-1]
    assert km["events"].sum() == (observed & inside).sum()
    assert km["censored"].sum() == (~observed & inside).sum()
    assert km["at_risk"].tolist() == [(durations >= t).sum() for t in timeline]


def test_default_observed_means_every_duration_is_an_event():
    km = rt.survival.kaplan_meier(pd.Series([2.0, 1.0, 2.0, 4.0], name="tenure"))
    assert km["events"].tolist() == [0, 1, 2, 1]
    assert km["survival"].tolist() == pytest.approx([1.0, 0.75, 0.25, 0.0])
    assert rt.survival.median_survival(km) == 2.0


def test_retention_curves_are_one_curve_per_segment():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["starter", "pro", "enterprise"], 500),
            "duration": np.floor(rng.exponential(10, 500)),
            "observed": rng.random(500) < 0.6,
        }
    )
    curves = rt.survival.retention_curves(frame, by="plan")
    assert list(curves.columns[:2]) == ["plan", "time"]
    assert list(pd.unique(curves["plan"])) == ["enterprise", "pro", "starter"]
    for plan, group in frame.groupby("plan"):
        own = curves[curves["plan"] == plan].drop(columns="plan").reset_index(drop=True)
        assert_matches_lifelines(own, lifelines_km(group["duration"], group["observed"]))


@pytest.mark.parametrize(
    ("durations", "observed", "message"),
    [
        ([1.0, -2.0], None, r"column 'durations', row 1: duration must be a finite number >= 0"),
        (pd.Series([1.0, np.nan], name="tenure"), None, r"column 'tenure', row 1"),
        ([1.0, np.inf], None, r"row 1: duration must be a finite number"),
        ([1.0, 2.0], [1, 2], r"column 'observed', row 1: observed flag must be 0 .* got 2"),
        ([1.0, 2.0], [1.0, np.nan], r"column 'observed', row 1"),
        ([1.0, 2.0], [1], r"columns differ in length"),
        (["1", "2"], None, r"column 'durations' must be numeric"),
        (np.ones((2, 2)), None, r"durations must be one-dimensional"),
    ],
)
def test_bad_survival_input_names_column_and_row(durations, observed, message):
    with pytest.raises(rt.InputError, match=message):
        rt.survival.kaplan_meier(durations, observed)


def test_bad_survival_arguments():
    with pytest.raises(rt.InputError, match="timeline: must be finite and strictly increasing"):
        rt.survival.kaplan_meier([1.0, 2.0], timeline=[3.0, 1.0])
    with pytest.raises(rt.InputError, match="alpha: must be strictly between 0 and 1"):
        rt.survival.kaplan_meier([1.0, 2.0], alpha=0)
    km = rt.survival.kaplan_meier([1.0, 2.0])
    with pytest.raises(rt.InputError, match="horizon: must be a finite number >= 0"):
        rt.survival.restricted_mean(km, -1)
    with pytest.raises(rt.ColumnError, match="no column 'survival'"):
        rt.survival.median_survival(km.drop(columns="survival"))
    with pytest.raises(rt.ColumnError, match="no column 'observed'"):
        rt.survival.retention_curves(pd.DataFrame({"plan": ["a"], "duration": [1.0]}), by="plan")


def test_empty_input_gives_an_empty_table():
    km = rt.survival.kaplan_meier([])
    assert len(km) == 0
    assert list(km.columns) == [
        "time",
        "at_risk",
        "events",
        "censored",
        "survival",
        "ci_lower",
        "ci_upper",
    ]
    assert np.isnan(rt.survival.median_survival(km))
    assert np.isnan(rt.survival.restricted_mean(km, 10))
    empty = pd.DataFrame({"plan": pd.Series([], dtype=str), "duration": [], "observed": []})
    assert len(rt.survival.retention_curves(empty, by="plan")) == 0


def test_retention_curves_by_two_keys_and_a_missing_key():
    frame = pd.DataFrame(
        {
            "plan": ["a", "a", "b", "b", "a"],
            "region": ["eu", "us", "eu", "eu", "eu"],
            "duration": [3.0, 1.0, 4.0, 2.0, 5.0],
            "observed": [1, 0, 1, 1, 1],
        }
    )
    curves = rt.survival.retention_curves(frame, by=["plan", "region"])
    assert list(curves.columns[:3]) == ["plan", "region", "time"]
    segments = curves[["plan", "region"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert segments == [("a", "eu"), ("a", "us"), ("b", "eu")]
    eu_a = curves[(curves["plan"] == "a") & (curves["region"] == "eu")]
    assert eu_a["survival"].tolist() == pytest.approx([1.0, 0.5, 0.0])  # 3 and 5, both events
    frame.loc[2, "plan"] = None
    with pytest.raises(rt.InputError, match=r"column 'plan', row 2: missing group key"):
        rt.survival.retention_curves(frame, by="plan")


# ----------------------------------------------------------------------------- late entry


def late_entry_sample(rng, n, whole=True):
    """Durations with ties, entries in [0, duration], a fifth of them equal to the duration."""
    durations = (
        rng.integers(0, 25, n).astype(float) if whole else np.round(rng.exponential(9, n), 2)
    )
    entry = np.minimum(np.floor(rng.random(n) * (durations + 1)), durations)
    same = rng.random(n) < 0.2
    entry[same] = durations[same]
    observed = rng.random(n) < 0.7
    return durations, observed, entry


def lifelines_with_entry(durations, observed, entry, timeline=None, alpha=0.05):
    fitter = lifelines.KaplanMeierFitter(alpha=alpha)
    return fitter.fit(durations, observed, entry=entry, timeline=timeline)


@pytest.mark.parametrize("whole", [True, False], ids=["ties", "fractional"])
@pytest.mark.parametrize("seed", range(40))
def test_late_entry_equals_lifelines(seed, whole):
    rng = np.random.default_rng(seed)
    while True:  # lifelines refuses a risk set that empties early (retain does not): redraw
        durations, observed, entry = late_entry_sample(rng, int(rng.integers(5, 300)), whole)
        try:
            fitter = lifelines_with_entry(durations, observed, entry)
            break
        except StatError:
            continue
    km = rt.survival.kaplan_meier(durations, observed, entry=entry)
    assert_matches_lifelines(km, fitter)
    table = fitter.event_table
    np.testing.assert_array_equal(km["at_risk"], table["at_risk"])
    np.testing.assert_array_equal(km["events"], table["observed"])
    np.testing.assert_array_equal(km["censored"], table["censored"])
    assert (entry == durations).any()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.booleans()), min_size=1, max_size=30
    )
)
def test_small_samples_with_entries_equal_lifelines(rows):
    # Entries equal to durations, and risk sets outnumbered by entrants' events, included.
    durations = np.array([max(a, b) for a, b, _ in rows], dtype=float)
    entry = np.array([min(a, b) for a, b, _ in rows], dtype=float)
    observed = np.array([o for _, _, o in rows])
    try:
        fitter = lifelines_with_entry(durations, observed, entry)
    except StatError:
        return
    assert_matches_lifelines(rt.survival.kaplan_meier(durations, observed, entry=entry), fitter)


def test_late_entry_on_a_timeline_equals_lifelines():
    rng = np.random.default_rng(3)
    durations, observed, entry = late_entry_sample(rng, 400)
    timeline = np.arange(entry.min(), 30, 0.5)
    fitter = lifelines_with_entry(durations, observed, entry, timeline=timeline)
    km = rt.survival.kaplan_meier(durations, observed, timeline=timeline, entry=entry)
    assert_matches_lifelines(km, fitter)
    assert km["at_risk"].tolist() == [((entry <= t) & (t <= durations)).sum() for t in timeline]


def test_entries_of_zero_are_the_curve_without_entries():
    rng = np.random.default_rng(5)
    durations, observed, _ = late_entry_sample(rng, 200)
    plain = rt.survival.kaplan_meier(durations, observed)
    pd.testing.assert_frame_equal(
        rt.survival.kaplan_meier(durations, observed, entry=np.zeros(200)), plain
    )


def test_retention_curves_with_entry_equal_lifelines_per_segment():
    rng = np.random.default_rng(8)
    durations, observed, entry = late_entry_sample(rng, 600)
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["pro", "starter"], 600),
            "duration": durations,
            "observed": observed,
            "entry": entry,
        }
    )
    curves = rt.survival.retention_curves(frame, by="plan", entry="entry")
    for plan, group in frame.groupby("plan"):
        own = curves[curves["plan"] == plan].drop(columns="plan").reset_index(drop=True)
        fitter = lifelines_with_entry(group["duration"], group["observed"], group["entry"])
        assert_matches_lifelines(own, fitter)
    with pytest.raises(rt.ColumnError, match="no column 'joined'"):
        rt.survival.retention_curves(frame, by="plan", entry="joined")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ([0.0, 6.0, 1.0], r"column 'entry', row 1: entry 6 is after the duration 5"),
        (pd.Series([0.0, 1.0, -1.0], name="joined"), r"column 'joined', row 2: entry must be"),
        ([0.0, np.nan, 1.0], r"column 'entry', row 1: entry must be a finite number"),
        ([0.0, np.inf, 1.0], r"column 'entry', row 1"),
        ([0.0, 1.0], r"columns differ in length: 'durations' has 3 rows, 'entry' 2"),
        (["0", "1", "2"], r"column 'entry' must be numeric"),
    ],
)
def test_bad_entries_name_the_column_and_row(entry, message):
    with pytest.raises(rt.InputError, match=message):
        rt.survival.kaplan_meier([3.0, 5.0, 4.0], entry=entry)


# -------------------------------------------------------------------- discounted lifetime


def by_definition(times, surv, horizon, d, period):
    """sum over t * period < horizon of S(t * period) / (1 + d)^t, S a right-continuous step."""
    total, t = 0.0, 0
    while t * period < horizon:
        x = t * period
        passed = [s for u, s in zip(times, surv, strict=True) if u <= x]
        total += (passed[-1] if passed else 1.0) / (1 + d) ** t
        t += 1
    return total


@pytest.mark.parametrize(
    ("horizon", "rate", "period"), [(12, 0.0, 1.0), (12, 0.02, 1.0), (30.5, 0.01, 2.5), (0, 0.1, 1)]
)
def test_discounted_lifetime_by_definition(horizon, rate, period):
    rng = np.random.default_rng(11)
    km = rt.survival.kaplan_meier(rng.integers(0, 20, 100).astype(float), rng.random(100) < 0.6)
    expected = by_definition(km["time"], km["survival"], horizon, rate, period)
    assert rt.survival.discounted_lifetime(km, horizon, rate, period) == pytest.approx(
        expected, rel=1e-12, abs=1e-12
    )


def test_discounted_lifetime_by_hand_and_the_ltv_identity():
    km = pd.DataFrame({"time": [0.0, 2.0, 5.0], "survival": [1.0, 0.5, 0.2]})
    # Months 0..5 of a 6-month horizon: 1, 1, .5, .5, .5, .2.
    assert rt.survival.discounted_lifetime(km, 6) == pytest.approx(3.7)
    c, d = 0.04, 0.01
    t = np.arange(0, 2000, dtype=float)
    geometric = pd.DataFrame({"time": t, "survival": (1 - c) ** t})
    # LTV's discounted lifetime: sum over t >= 0 of (1 - c)^t / (1 + d)^t = (1 + d) / (d + c).
    assert rt.survival.discounted_lifetime(geometric, 2000, d) == pytest.approx(
        (1 + d) / (d + c), rel=1e-12
    )
    assert rt.survival.discounted_lifetime(geometric, np.inf, d) == pytest.approx(
        (1 + d) / (d + c), rel=1e-12
    )


def test_discounted_lifetime_bad_arguments():
    km = rt.survival.kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
    with pytest.raises(rt.InputError, match="horizon: must be a number >= 0"):
        rt.survival.discounted_lifetime(km, -1)
    with pytest.raises(rt.InputError, match="discount_rate: must be a finite number >= 0"):
        rt.survival.discounted_lifetime(km, 5, -0.1)
    with pytest.raises(rt.InputError, match="period: must be a finite number > 0"):
        rt.survival.discounted_lifetime(km, 5, 0.1, 0)
    with pytest.raises(rt.InputError, match="horizon: is infinite while discount_rate is 0"):
        rt.survival.discounted_lifetime(rt.survival.kaplan_meier([1.0, 2.0], [1, 0]), np.inf)
    with pytest.raises(rt.InputError, match="km: the survival table is empty"):
        rt.survival.discounted_lifetime(rt.survival.kaplan_meier([]), 5)
    with pytest.raises(rt.InputError, match="horizon: must be a number"):
        rt.survival.discounted_lifetime(km, "5")
    with pytest.raises(rt.ColumnError, match="no column 'survival'"):
        rt.survival.discounted_lifetime(km.drop(columns="survival"), 5)


def numpy_counts(durations, observed):
    """Times, at-risk, event and censored counts by np.unique (a row at 0 first when no
    duration is 0), and the product-limit survival: the definition, independently of retain."""
    time, removed = np.unique(durations, return_counts=True)
    event_time, n_events = np.unique(durations[observed], return_counts=True)
    events = np.zeros(len(time), np.int64)
    events[np.searchsorted(time, event_time)] = n_events
    at_risk = np.cumsum(removed[::-1])[::-1]
    if time[0] != 0.0:
        time, removed = np.r_[0.0, time], np.r_[0, removed]
        events, at_risk = np.r_[0, events], np.r_[len(durations), at_risk]
    return time, at_risk, events, removed - events, np.cumprod(1.0 - events / at_risk)


@pytest.mark.parametrize("kind", ["whole days", "4 decimals", "any doubles"])
def test_large_curves_equal_numpy_and_do_not_depend_on_threads(kind):
    rng = np.random.default_rng(13)
    n = 120_000
    months = rng.exponential(14.0, n)
    durations = {
        "whole days": np.floor(months * 30),
        "4 decimals": np.round(months, 4),
        "any doubles": np.where(np.arange(n) % 4 == 0, months[np.arange(n) // 2], months),
    }[kind]
    churned = pd.Series(rng.random(n) < 0.6, name="churned")
    tenure = pd.Series(durations, name="tenure")
    one = rt.survival.kaplan_meier(tenure, churned, n_threads=1)
    two = rt.survival.kaplan_meier(tenure, churned, n_threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    as_floats = rt.survival.kaplan_meier(tenure, churned.astype(float), n_threads=2)
    pd.testing.assert_frame_equal(one, as_floats, check_exact=True)
    time, at_risk, events, censored, survival = numpy_counts(durations, churned.to_numpy())
    np.testing.assert_array_equal(one["time"], time)
    np.testing.assert_array_equal(one["at_risk"], at_risk)
    np.testing.assert_array_equal(one["events"], events)
    np.testing.assert_array_equal(one["censored"], censored)
    np.testing.assert_allclose(one["survival"], survival, rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    ("durations", "observed", "message"),
    [
        (
            pd.Series([1.5, -2.25, 3.0], name="tenure"),
            pd.Series([True, False, True], name="churned"),
            r"column 'tenure', row 1: duration must be a finite number >= 0, got -2.25",
        ),
        (
            pd.Series([1.0, 2.0, np.nan], name="tenure"),
            np.array([True, False, True]),
            r"column 'tenure', row 2: duration must be a finite number >= 0",
        ),
        (
            [1.0, 2.0, 3.0],
            pd.Series([True, pd.NA, False], dtype="boolean", name="churned"),
            r"column 'churned', row 1: observed flag must be 0 .* got nan",
        ),
        ([1.0, 2.0], np.array([True, False, True]), r"columns differ in length"),
    ],
)
def test_boolean_flags_bad_input_names_column_and_row(durations, observed, message):
    with pytest.raises(rt.InputError, match=message):
        rt.survival.kaplan_meier(durations, observed)


def test_boolean_flags_equal_lifelines_on_a_strided_view():
    # A non-contiguous boolean view is read correctly (copied by the binding).
    rng = np.random.default_rng(3)
    durations = np.round(rng.exponential(5.0, 400), 2)
    flags = (rng.random(800) < 0.5)[::2]
    km = rt.survival.kaplan_meier(durations, flags)
    assert_matches_lifelines(km, lifelines_km(durations, flags))
