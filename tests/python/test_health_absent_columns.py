"""A measure whose column the frame lacks gives a retain.RetainWarning naming the measure and the
column (issue 9): a misspelt column must not silently lower coverage. The "error" policy still
raises instead."""

import numpy as np
import pandas as pd
import pytest

import retain as rt

DOC = {
    "version": 1,
    "groups": [{"name": "usage"}, {"name": "satisfaction"}],
    "measures": [
        {
            "name": "active_users",
            "column": "active_users_30d",
            "group": "usage",
            "transform": {"kind": "linear", "lo": 0, "hi": 20},
        },
        {
            "name": "nps",
            "group": "satisfaction",
            "transform": {"kind": "linear", "lo": 0, "hi": 10},
        },
    ],
}


def test_a_misspelt_column_warns_naming_the_measure_and_the_column():
    typo = pd.DataFrame({"active_user_30d": [10.0, 20.0], "nps": [5.0, 10.0]})
    model = rt.HealthModel(DOC)
    with pytest.warns(rt.RetainWarning) as record:
        scored = model.score(typo)
    assert len(record) == 1
    text = str(record[0].message)
    assert "measure 'active_users'" in text and "column 'active_users_30d'" in text
    assert "did you mean 'active_user_30d'" in text
    assert record[0].filename == __file__  # points at the caller's line, not retain's
    # Scored as missing in every row: nps alone, coverage halved.
    assert scored["score"].tolist() == [50.0, 100.0]
    assert scored["coverage"].tolist() == [0.5, 0.5]
    with pytest.warns(rt.RetainWarning, match="measure 'active_users'"):
        model.explain(typo)
    # With the right column, no warning (pytest turns any warning into an error).
    fixed = typo.rename(columns={"active_user_30d": "active_users_30d"})
    assert model.score(fixed)["coverage"].tolist() == [1.0, 1.0]
    # NaN values in a present column are missing values, not a missing column: no warning.
    model.score(fixed.assign(nps=np.nan))


def test_the_error_policy_raises_without_a_warning():
    model = rt.HealthModel({**DOC, "missing": "error"})
    frame = pd.DataFrame({"active_user_30d": [10.0], "nps": [5.0]})
    with pytest.raises(rt.ColumnError, match="active_users_30d"):
        model.score(frame)
    with pytest.raises(rt.ColumnError, match="active_users_30d"):
        model.explain(frame)


def test_a_model_set_names_the_model_and_only_models_that_score_rows():
    lean = {**DOC, "groups": DOC["groups"][1:], "measures": DOC["measures"][1:]}
    models = rt.ModelSet(
        {"adoption": rt.HealthModel(DOC), "renewal": rt.HealthModel(lean)}, by="stage"
    )
    frame = pd.DataFrame({"stage": ["adoption", "renewal"], "nps": [5.0, 10.0]})
    with pytest.warns(rt.RetainWarning, match="model 'adoption': .*measure 'active_users'"):
        scored = models.score(frame)
    assert scored["score"].tolist() == [50.0, 100.0]
    models.score(frame.iloc[1:])  # only renewal rows: renewal reads nps, present; no warning


def test_a_backtest_warns_once_for_all_its_dates():
    dates = pd.date_range("2024-01-01", periods=5, freq="MS")
    snaps = pd.DataFrame(
        {
            "account_id": np.repeat([1, 2, 3], 5),
            "as_of": np.tile(dates, 3),
            "nps": [5.0, 6, 7, 8, 9] * 3,
        }
    )
    churns = pd.DataFrame({"account_id": [2], "churned_at": pd.to_datetime(["2024-02-10"])})
    with pytest.warns(rt.RetainWarning) as record:
        rt.backtest(rt.HealthModel(DOC), snaps, churns, 30, dates[-1] + pd.Timedelta(days=30))
    assert len(record) == 1 and "measure 'active_users'" in str(record[0].message)
