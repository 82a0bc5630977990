"""n_threads on kaplan_meier and usage_features: the same result on 1 thread and on every core,
against lifelines / a pandas count as the oracle, and a bad thread count named."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

import retain as rt


def test_kaplan_meier_is_lifelines_on_one_thread_and_on_every_core():
    rng = np.random.default_rng(3)
    durations = rng.exponential(200, 20_000).round()
    observed = rng.random(20_000) < 0.7
    one = rt.survival.kaplan_meier(durations, observed, n_threads=1)
    every = rt.survival.kaplan_meier(durations, observed, n_threads=None)
    pd.testing.assert_frame_equal(one, every)
    fitter = KaplanMeierFitter().fit(durations, observed)
    expected = fitter.survival_function_["KM_estimate"]
    assert np.allclose(one.set_index("time")["survival"], expected.loc[one["time"]], rtol=1e-12)
    with pytest.raises(rt.InputError, match="n_threads"):
        rt.survival.kaplan_meier(durations, n_threads=0)


def test_usage_features_on_one_thread_equals_every_core_and_a_pandas_count():
    rng = np.random.default_rng(4)
    n = 5_000
    events = pd.DataFrame(
        {
            "account_id": rng.choice(["a", "b", "c"], n),
            "user_id": rng.integers(0, 20, n),
            "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s"),
        }
    )
    one = rt.engagement.usage_features(events, ["2024-03-01"], windows=[7, 30], n_threads=1)
    every = rt.engagement.usage_features(events, ["2024-03-01"], windows=[7, 30])
    pd.testing.assert_frame_equal(one, every)
    # events_30d: events on the 30 days ending on Mar 1 (Jan 31 00:00 .. Mar 1 23:59:59 UTC).
    day = events["timestamp"].dt.tz_convert("UTC").dt.normalize().dt.tz_localize(None)
    window = (day > pd.Timestamp("2024-01-31")) & (day <= pd.Timestamp("2024-03-01"))
    expected = events[window].groupby("account_id").size()
    got = one.set_index("account_id")["events_30d"]
    assert got.loc[expected.index].tolist() == expected.tolist()
    with pytest.raises(rt.InputError, match="n_threads"):
        rt.engagement.usage_features(events, ["2024-03-01"], n_threads=-1)
