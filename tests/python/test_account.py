"""The account model's adapters (retain._frames): period kinds, id kinds, and every bad input
named by column and row."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import retain as rt
from retain import _core


def long_table(period_values, account=("a", "a", "b"), mrr=(10.0, 20.0, 5.0)) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(account), "period": period_values, "mrr": list(mrr)})


# ---------------------------------------------------------------------------------------------
# period kinds: the output index keeps the input's kind


def test_period_m_input_gives_period_index():
    df = long_table(pd.PeriodIndex(["2024-01", "2024-03", "2024-01"], freq="M"))
    mv = rt.kpi.mrr_movements(df)
    assert isinstance(mv.index, pd.PeriodIndex)
    assert list(mv.index.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    assert mv.index.name == "period"


def test_datetime_input_is_floored_to_month_starts_in_its_unit():
    stamps = pd.to_datetime(["2024-01-31 23:59", "2024-03-01 00:00", "2024-01-02 00:00"]).as_unit(
        "s"
    )
    mv = rt.kpi.mrr_movements(long_table(stamps))
    assert isinstance(mv.index, pd.DatetimeIndex)
    assert mv.index.dtype == np.dtype("datetime64[s]")
    assert list(mv.index) == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    # a's January and March rows: new 10 in Jan, churned in Feb, reactivated in Mar.
    assert mv["reactivation"].tolist() == [0.0, 0.0, 20.0]


def test_tz_aware_datetimes_are_instants_taken_in_utc_and_keep_the_zone():
    # 2024-02-01 00:30 in Berlin is still January in UTC. Outside a Book every instant is taken
    # in UTC (the Book's default), so MRR months, engagement days and onboarding days agree;
    # a Book with tz="Europe/Berlin" takes the local calendar instead.
    stamps = pd.DatetimeIndex(["2024-02-01 00:30", "2024-02-15", "2024-03-10"]).tz_localize(
        "Europe/Berlin"
    )
    mv = rt.kpi.mrr_movements(long_table(stamps, account=("a", "a", "a")))
    assert str(mv.index.tz) == "Europe/Berlin"
    assert list(mv.index.strftime("%Y-%m")) == ["2024-01", "2024-02", "2024-03"]
    assert mv["ending_mrr"].tolist() == [10.0, 20.0, 5.0]
    local = rt.Book(
        pd.DataFrame({"account_id": ["a"], "signed_at": ["2024-01-01"]}),
        mrr=long_table(stamps, account=("a", "a", "a")),
        tz="Europe/Berlin",
    )
    assert rt.kpi.mrr_movements(local)["ending_mrr"].tolist() == [30.0, 5.0]


def test_integer_month_numbers_give_an_integer_index():
    mv = rt.kpi.mrr_movements(long_table([3, 5, 3]))
    assert mv.index.dtype == np.int64
    assert list(mv.index) == [3, 4, 5]


def test_text_periods_parse_to_period_index():
    mv = rt.kpi.mrr_movements(long_table(["2024-01", "2024-02-15", "2024-01"]))
    assert isinstance(mv.index, pd.PeriodIndex)
    assert list(mv.index.astype(str)) == ["2024-01", "2024-02"]


def test_integer_and_string_and_float_ids_agree():
    base = long_table([0, 1, 1], account=("x", "y", "x"), mrr=(1.0, 2.0, 3.0))
    expected = rt.kpi.mrr_movements(base)
    for ids in ([7, 9, 7], [7.0, 9.0, 7.0], pd.array([7, 9, 7], dtype="Int64")):
        got = rt.kpi.mrr_movements(base.assign(account_id=ids))
        pd.testing.assert_frame_equal(got, expected)


def test_empty_input_gives_an_empty_result_with_all_columns():
    empty = pd.DataFrame(
        {
            "account_id": pd.Series([], dtype="int64"),
            "period": pd.PeriodIndex([], freq="M"),
            "mrr": pd.Series([], dtype="float64"),
        }
    )
    mv = rt.kpi.mrr_movements(empty)
    assert len(mv) == 0
    assert list(mv.columns) == list(_core.kpi.MOVEMENT_COLUMNS)
    assert isinstance(mv.index, pd.PeriodIndex)
    assert len(rt.kpi.nrr(empty)) == 0
    assert rt.kpi.cohort_retention(empty).shape == (0, 0)
    assert len(rt.kpi.churn_rate(mv)) == 0


# ---------------------------------------------------------------------------------------------
# bad input: a clear error naming the column and the row


def test_error_family_maps_to_builtin_exceptions():
    assert issubclass(rt.InputError, rt.RetainError)
    assert issubclass(rt.InputError, ValueError)
    assert issubclass(rt.ColumnError, KeyError)
    assert issubclass(rt.ConfigError, ValueError)
    assert rt.InputError.__module__ == "retain"


def test_missing_column_is_a_column_error_naming_it():
    df = long_table([0, 1, 1]).rename(columns={"mrr": "amount"})
    with pytest.raises(rt.ColumnError, match="no column 'mrr'"):
        rt.kpi.mrr_movements(df)
    with pytest.raises(KeyError, match="no column 'revenue'"):
        rt.kpi.nrr(df, mrr="revenue")


@pytest.mark.parametrize(
    ("mrr", "message"),
    [
        ([10.0, -5.0, 1.0], r"column 'mrr', row 1: MRR must be a finite number >= 0, got -5"),
        ([10.0, 1.0, np.nan], r"column 'mrr', row 2: MRR must be a finite number >= 0, got nan"),
        ([np.inf, 1.0, 1.0], r"column 'mrr', row 0: MRR must be a finite number >= 0, got inf"),
    ],
)
def test_bad_mrr_values_name_column_and_row(mrr, message):
    with pytest.raises(rt.InputError, match=message):
        rt.kpi.mrr_movements(long_table([0, 1, 1], mrr=mrr))


def test_nullable_missing_mrr_names_the_row():
    df = long_table([0, 1, 1]).assign(mrr=pd.array([1.0, None, 2.0], dtype="Float64"))
    with pytest.raises(rt.InputError, match=r"column 'mrr', row 1"):
        rt.kpi.mrr_movements(df)


def test_non_numeric_mrr_is_rejected():
    with pytest.raises(rt.InputError, match="column 'mrr' must be numeric"):
        rt.kpi.mrr_movements(long_table([0, 1, 1], mrr=["10", "20", "5"]))
    with pytest.raises(rt.InputError, match="column 'mrr' must be numeric"):
        rt.kpi.mrr_movements(long_table([0, 1, 1], mrr=[True, False, True]))


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        (
            ["2024-01", "2024-13", "2024-02"],
            r"column 'period', row 1: cannot parse period '2024-13'",
        ),
        (["2024-01", "2024-02", "Jan 2024"], r"column 'period', row 2: cannot parse period"),
        (["2024-01", None, "2024-02"], r"column 'period', row 1: missing period"),
        ([1.0, 2.0, 3.0], r"column 'period': float periods are ambiguous"),
        ([True, False, True], r"column 'period': booleans are not periods"),
        (pd.PeriodIndex(["2024Q1", "2024Q2", "2024Q1"], freq="Q"), r"not monthly"),
        (pd.to_datetime(["2024-01-01", None, "2024-02-01"]), r"column 'period', row 1: missing"),
        # Neither all yyyymm nor all plausible month numbers: the user is asked which.
        ([0, 202401, 1], r"column 'period', row 1: integer period 202401 is neither yyyymm"),
        ([202312, 202313, 202401], r"column 'period', row 1: integer period 202313 is neither"),
    ],
)
def test_bad_periods_name_column_and_row(periods, message):
    with pytest.raises(rt.InputError, match=message):
        rt.kpi.mrr_movements(long_table(periods))


def test_missing_account_ids_name_the_row():
    with pytest.raises(rt.InputError, match=r"column 'account_id', row 2: missing account id"):
        rt.kpi.mrr_movements(long_table([0, 1, 1], account=("a", "b", None)))
    ids = pd.array([1, None, 2], dtype="Int64")
    with pytest.raises(rt.InputError, match=r"column 'account_id', row 1: missing account id"):
        rt.kpi.mrr_movements(long_table([0, 1, 1], account=ids))


def test_columns_of_different_lengths_are_rejected_by_the_core():
    with pytest.raises(rt.InputError, match="columns differ in length"):
        _core.MrrTable(np.zeros(3, dtype=np.int64), 1, np.zeros(2, dtype=np.int64), np.ones(3))


def test_not_a_dataframe_is_a_type_error():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        rt.kpi.mrr_movements({"account_id": [1], "period": [0], "mrr": [1.0]})


def test_bad_arguments_name_the_argument():
    df = long_table([0, 1, 1])
    mv = rt.kpi.mrr_movements(df)
    with pytest.raises(rt.InputError, match="kind: unknown churn kind 'revenue'"):
        rt.kpi.churn_rate(mv, "revenue")
    with pytest.raises(rt.InputError, match="kind: unknown cohort retention kind"):
        rt.kpi.cohort_retention(df, kind="seats")
    with pytest.raises(rt.InputError, match="nrr: months must be >= 1, got 0"):
        rt.kpi.nrr(df, months=0)
    with pytest.raises(rt.InputError, match="months: must be a whole number"):
        rt.kpi.grr(df, months=1.5)
    with pytest.raises(rt.InputError, match="n_threads"):
        rt.kpi.mrr_movements(df, n_threads=0)
    with pytest.raises(rt.ColumnError, match="no column 'churned_accounts'"):
        rt.kpi.churn_rate(mv.drop(columns="churned_accounts"))
    with pytest.raises(rt.InputError, match="column 'expansion', row 0: missing value"):
        rt.kpi.quick_ratio(mv.assign(expansion=np.nan))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rt.kpi.ltv(50_000, 75, 0.1), r"gross_margin: must be a share between 0 and 1"),
        (lambda: rt.kpi.ltv(50_000, 0.75, 0.0), r"churn_rate: is 0 and so is discount_rate"),
        (lambda: rt.kpi.ltv(-1, 0.75, 0.1), r"arpa: must be a finite number >= 0"),
        (lambda: rt.kpi.ltv(1, 0.75, 1.2), r"churn_rate: must be a monthly share"),
        (lambda: rt.kpi.ltv(1, 0.75, 0.1, -0.1), r"discount_rate: must be a finite monthly rate"),
        (lambda: rt.kpi.cac(1000, 0), r"new_customers: must be > 0, got 0"),
        (lambda: rt.kpi.ltv_to_cac(1000, 0), r"cac: must be > 0"),
        (lambda: rt.kpi.cac_payback_months(1000, 0, 0.8), r"arpa: must be > 0"),
        (lambda: rt.kpi.cac_payback_months(1000, 10, 0.0), r"gross_margin: must be a share"),
    ],
)
def test_unit_economics_reject_impossible_arguments(call, message):
    with pytest.raises(rt.InputError, match=message):
        call()


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ([9, 10, 11], r"column 'scores', row 2: NPS score must be an integer from 0 to 10, got 11"),
        ([9, -1], r"row 1: NPS score must be an integer from 0 to 10, got -1"),
        ([9, 7.5], r"row 1: .* got 7.5"),
        ([9.0, np.nan], r"row 1: .* got nan"),
        (pd.Series([9, 8, None], name="likely", dtype="Int64"), r"column 'likely', row 2"),
        (["9", "10"], r"column 'scores' must be numeric"),
        (np.zeros((2, 2)), r"scores must be one-dimensional"),
    ],
)
def test_bad_nps_scores_name_the_row(scores, message):
    with pytest.raises(rt.InputError, match=message):
        rt.kpi.nps(scores)


def test_nps_of_no_answers_is_nan_with_n_zero():
    r = rt.kpi.nps([])
    assert r.n == 0
    assert np.isnan(r.nps)
    assert np.isnan(r.stderr)


# ---------------------------------------------------------------------------------------------
# the GIL is released around the core: concurrent calls from threads agree with a serial one


def test_concurrent_calls_from_threads_agree():
    data = rt.datasets.synthetic_saas(accounts=3_000, months=24, random_state=3).table("mrr")
    data = data[data["product"] != "credit"]  # a DataFrame's line items must be >= 0
    expected = rt.kpi.mrr_movements(data)
    results: list[pd.DataFrame] = []
    errors: list[BaseException] = []

    def work():
        try:
            results.append(rt.kpi.mrr_movements(data))
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
        pd.testing.assert_frame_equal(got, expected)


def test_synthetic_data_is_deterministic_and_sums_line_items():
    a = rt.datasets.synthetic_saas(accounts=500, months=12, random_state=11)
    b = rt.datasets.synthetic_saas(accounts=500, months=12, random_state=11)
    a_mrr = a.table("mrr")
    pd.testing.assert_frame_equal(a_mrr, b.table("mrr"))
    pd.testing.assert_frame_equal(a.table("accounts"), b.table("accounts"))
    # Some accounts have two products (or a credit note) in a month: the movements see their sum.
    assert a_mrr.duplicated(["account_id", "period"]).any()
    per_month = a_mrr.groupby("period")["mrr"].sum()
    mv = rt.kpi.mrr_movements(a)
    np.testing.assert_allclose(mv["ending_mrr"].to_numpy(), per_month.to_numpy(), rtol=1e-12)


def test_versions_agree():
    assert rt.__version__ == _core.__version__
    from importlib.metadata import version

    assert version("retain") == rt.__version__


# ---------------------------------------------------------------------------------------------
# rt.MrrTable: built once, accepted by every revenue KPI in place of the DataFrame


def test_prepared_table_gives_the_same_results_as_the_dataframe():
    data = rt.datasets.synthetic_saas(accounts=800, months=18, random_state=5).table("mrr")
    data = data[data["product"] != "credit"]  # a DataFrame's line items must be >= 0
    cols = {"account": "account_id", "period": "period", "mrr": "mrr"}
    table = rt.MrrTable(data, **cols)
    pd.testing.assert_frame_equal(rt.kpi.mrr_movements(table), rt.kpi.mrr_movements(data, **cols))
    for months in (1, 12):
        pd.testing.assert_series_equal(
            rt.kpi.nrr(table, months=months), rt.kpi.nrr(data, **cols, months=months)
        )
        pd.testing.assert_series_equal(
            rt.kpi.grr(table, months=months), rt.kpi.grr(data, **cols, months=months)
        )
    for kind in ("logo", "revenue"):
        pd.testing.assert_frame_equal(
            rt.kpi.cohort_retention(table, kind=kind),
            rt.kpi.cohort_retention(data, **cols, kind=kind),
        )


def test_prepared_table_describes_itself():
    # a pays Jan and Mar (two line items in Mar), b pays only Feb, c never pays.
    df = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "b", "c"],
            "period": ["2024-01", "2024-03", "2024-03", "2024-02", "2024-02"],
            "mrr": [10.0, 5.0, 5.0, 7.0, 0.0],
        }
    )
    table = rt.MrrTable(df)
    assert table.n_accounts == 3
    assert len(table) == 3  # a-Jan, a-Mar (summed), b-Feb
    assert list(table.periods.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    assert (
        repr(table) == "MrrTable(3 accounts, 3 months, 2024-01 to 2024-03, 3 paying account-months)"
    )


def test_prepared_table_validates_on_construction():
    with pytest.raises(rt.InputError, match=r"column 'mrr', row 1"):
        rt.MrrTable(long_table([0, 1, 1], mrr=[1.0, -1.0, 1.0]))
    with pytest.raises(rt.ColumnError, match="no column 'month'"):
        rt.MrrTable(long_table([0, 1, 1]), period="month")


def test_yyyymm_periods_are_read_as_such_and_labelled_the_same_way():
    # 202312 and 202401 are consecutive months, not 89 months apart.
    df = pd.DataFrame({"account_id": [1, 1, 2], "period": [202312, 202401, 202401],
                       "mrr": [10.0, 10.0, 5.0]})
    mv = rt.kpi.mrr_movements(df)
    assert mv.index.tolist() == [202312, 202401]
    assert mv["new"].tolist() == [10.0, 5.0]
    assert mv["churned"].tolist() == [0.0, 0.0]
