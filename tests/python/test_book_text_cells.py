"""Text columns as pandas holds them (object arrays of str): the Book reads them in the core,
without a Python call per cell. Checked against pandas on the same rows, whatever the cells are
(ASCII, non-ASCII, one object per row, shared objects, Arrow strings), and on bad cells."""

import numpy as np
import pandas as pd
import pytest

import retain as rt


def _rows(seed: int = 5, n_accounts: int = 2_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    names = [f"ACC-{i:05d}" if i % 7 else f"Kunde-{i}-é" for i in range(n_accounts)]
    accounts = pd.DataFrame(
        {"account_id": names, "signed_at": ["2023-01-01T00:00:00+01:00"] * n_accounts}
    )
    rows = []
    for name in names:
        first = int(rng.integers(0, 12))
        for m in range(first, first + int(rng.integers(1, 13))):
            rows.append((name, f"2023-{m % 12 + 1:02d}" if m < 12 else f"2024-{m - 11:02d}"))
            if rng.random() < 0.3:  # a second line item in the same month
                rows.append(rows[-1])
    mrr = pd.DataFrame(rows, columns=["account_id", "period"])
    mrr["mrr"] = rng.integers(1, 500, len(mrr)).astype(float)
    return accounts, mrr.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _oracle(mrr: pd.DataFrame) -> pd.DataFrame:
    months = pd.PeriodIndex(mrr["period"], freq="M")
    per = mrr.groupby([months, mrr["account_id"]])["mrr"].sum()
    span = pd.period_range(months.min(), months.max(), freq="M")
    out = pd.DataFrame(
        {
            "ending_mrr": per.groupby(level=0).sum(),
            "ending_accounts": per.groupby(level=0).size(),
        }
    ).reindex(span, fill_value=0)
    return out


@pytest.mark.parametrize("cells", ["one object per row", "shared objects", "arrow strings"])
def test_text_cells_match_pandas(cells):
    accounts, mrr = _rows()
    if cells == "one object per row":  # as read_csv makes them: no two cells share an object
        mrr["account_id"] = [s.encode().decode() for s in mrr["account_id"]]
        assert mrr["account_id"][0] is not accounts["account_id"][0]
    elif cells == "arrow strings":
        mrr = mrr.astype({"account_id": "string[pyarrow]", "period": "string[pyarrow]"})
        accounts = accounts.astype({"account_id": "string[pyarrow]"})
    movements = rt.kpi.mrr_movements(rt.Book(accounts, mrr=mrr))
    expected = _oracle(mrr.astype({"account_id": object, "period": object}))
    assert list(movements.index) == list(expected.index)
    np.testing.assert_allclose(movements["ending_mrr"], expected["ending_mrr"], rtol=1e-12)
    np.testing.assert_array_equal(movements["ending_accounts"], expected["ending_accounts"])


def test_sorted_and_shuffled_rows_give_the_same_book():
    accounts, mrr = _rows(seed=9, n_accounts=300)
    ordered = mrr.sort_values(["account_id", "period"], kind="stable").reset_index(drop=True)
    a = rt.kpi.mrr_movements(rt.Book(accounts, mrr=mrr))
    b = rt.kpi.mrr_movements(rt.Book(accounts, mrr=ordered))
    expected = _oracle(mrr)
    np.testing.assert_allclose(a["ending_mrr"], expected["ending_mrr"], rtol=1e-12)
    np.testing.assert_allclose(b["ending_mrr"], expected["ending_mrr"], rtol=1e-12)
    pd.testing.assert_frame_equal(a, b)


def _small() -> tuple[pd.DataFrame, pd.DataFrame]:
    accounts = pd.DataFrame(
        {
            "account_id": ["Café-1", "B", "Ünï"],
            "signed_at": ["2024-01-01", "2024-01-02", "2024-02-01"],
        }
    )
    mrr = pd.DataFrame(
        {
            "account_id": ["Ünï", "Café-1", "B", "Café-1", "B"],
            "period": ["2024-02", "2024-01", "2024-01", "2024-02", "2024-02"],
            "mrr": [10.0, 20.0, 30.0, 25.0, 5.0],
        }
    )
    return accounts, mrr


def test_non_ascii_ids_by_hand():
    accounts, mrr = _small()
    mv = rt.kpi.mrr_movements(rt.Book(accounts, mrr=mrr))
    # January: Café-1 20 + B 30 new. February: Ünï 10 new, Café-1 +5, B -25.
    assert mv["new"].tolist() == [50.0, 10.0]
    assert mv["expansion"].tolist() == [0.0, 5.0]
    assert mv["contraction"].tolist() == [0.0, 25.0]


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, ""])
def test_a_missing_id_names_its_row(missing):
    accounts, mrr = _small()
    mrr.loc[3, "account_id"] = missing
    with pytest.raises(rt.InputError, match=r"table 'mrr', column 'account_id', row 3: missing"):
        rt.Book(accounts, mrr=mrr)


def test_mixed_ids_compare_as_text():
    accounts = pd.DataFrame({"account_id": [1, "x"], "signed_at": ["2024-01-01", "2024-01-02"]})
    mrr = pd.DataFrame(
        {"account_id": ["1", "x"], "period": ["2024-01", "2024-01"], "mrr": [1.0, 2.0]}
    )
    assert rt.kpi.mrr_movements(rt.Book(accounts, mrr=mrr))["ending_mrr"].tolist() == [3.0]


def test_bad_period_and_date_cells_name_their_rows():
    accounts, mrr = _small()
    bad = mrr.copy()
    bad.loc[2, "period"] = "2024-13"
    with pytest.raises(
        rt.InputError, match=r"'mrr', column 'period', row 2: cannot read '2024-13'"
    ):
        rt.Book(accounts, mrr=bad)
    bad = mrr.copy()
    bad.loc[4, "period"] = None
    with pytest.raises(rt.InputError, match=r"'mrr', column 'period', row 4: missing period"):
        rt.Book(accounts, mrr=bad)
    late = accounts.copy()
    late.loc[1, "signed_at"] = "2024-01-0é"
    with pytest.raises(rt.InputError, match=r"'signed_at', row 1: cannot read '2024-01-0é'"):
        rt.Book(late)


def test_plan_and_credit_errors_name_the_input_row():
    accounts, mrr = _small()
    plans = mrr.assign(plan=["a", "b", "c", "d", "e"])
    plans.loc[5] = ["B", "2024-02", 1.0, "f"]
    with pytest.raises(
        rt.InputError, match=r"'plan', row 5: account 'B' has two plans \('e' in row 4"
    ):
        rt.Book(accounts, mrr=plans)
    credit = mrr.copy()
    credit.loc[5] = ["B", "2024-02", -9.0]
    with pytest.raises(rt.InputError, match=r"'mrr', row 5: account 'B' sums to -4"):
        rt.Book(accounts, mrr=credit)


def test_event_log_ids_are_numbered_as_pandas_factorize_numbers_them():
    from retain import _frames

    rng = np.random.default_rng(3)
    ids = np.array(
        [f"USR-{i}" if i % 11 else f"Nutzer-{i}-ß" for i in rng.integers(0, 5_000, 200_000)],
        dtype=object,
    )
    codes, uniques = _frames.id_codes(pd.Series(ids), "user_id", "user id")
    expected_codes, expected_uniques = pd.factorize(ids)
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(uniques) == list(expected_uniques)
    assert uniques.name == "user_id"
    ids[77] = None
    with pytest.raises(rt.InputError, match=r"column 'user_id', row 77: missing user id"):
        _frames.id_codes(pd.Series(ids), "user_id", "user id")


def test_period_text_with_offsets_takes_the_month_on_the_books_clock():
    accounts = pd.DataFrame({"account_id": ["a", "b"], "signed_at": ["2024-01-01", "2024-01-01"]})
    periods = ["2024-03-01T02:00:00+00:00", "2024-03-01T02:00:00-08:00", "2024-02", "2024-03-15"]
    mrr = pd.DataFrame({"account_id": ["a", "b", "b", "a"], "period": periods, "mrr": [1.0] * 4})
    book = rt.Book(accounts, mrr=mrr, tz="America/New_York")
    # pandas: an offset is an instant, read on New York's clock; text without one is wall time.
    expected = [
        pd.Timestamp(p).tz_convert("America/New_York").strftime("%Y-%m")
        if "+" in p[10:] or "-" in p[10:]
        else p[:7]
        for p in periods
    ]
    # 02:00 UTC is 21:00 on 29 February in New York; 02:00 at -08:00 is 05:00 on 1 March there.
    assert expected == ["2024-02", "2024-03", "2024-02", "2024-03"]
    mv = rt.kpi.mrr_movements(book)
    # February: a (row 0) and b (row 2); March: b (row 1) and a (row 3).
    assert [str(p) for p in mv.index] == ["2024-02", "2024-03"]
    assert mv["ending_mrr"].tolist() == [2.0, 2.0]
    assert mv["ending_accounts"].tolist() == [2, 2]


def test_errors_raised_in_python_name_their_cell_as_the_cores_do():
    accounts, mrr = _small()
    typo = mrr.rename(columns={"account_id": "acount_id"})
    with pytest.raises(rt.ColumnError) as caught:
        rt.Book(accounts, mrr=typo)
    assert (caught.value.table, caught.value.column, caught.value.row) == (
        "mrr",
        "account_id",
        None,
    )
    assert "is 'acount_id' it?" in str(caught.value)
    blank = mrr.assign(period=["2024-02", "2024-01", None, "2024-02", "2024-02"])
    with pytest.raises(rt.InputError) as caught:
        rt.Book(accounts, mrr=blank)
    assert (caught.value.table, caught.value.column, caught.value.row) == ("mrr", "period", 2)
    text = mrr.assign(mrr=["1", "2", "abc", "4", "5"])
    with pytest.raises(rt.InputError, match="'abc' is not a number") as caught:
        rt.Book(accounts, mrr=text)
    assert (caught.value.table, caught.value.column, caught.value.row) == ("mrr", "mrr", 2)


def test_an_events_table_one_day_short_says_one_day():
    accounts, _ = _small()
    events = pd.DataFrame(
        {"account_id": ["B"], "user_id": ["u"], "timestamp": ["2024-02-28T10:00:00"]}
    )
    book = rt.Book(accounts, events=events)
    with pytest.warns(rt.RetainWarning, match=r"ends on 2024-02-28, 1 day before the cutoff"):
        book.snapshots(["2024-02-29"])
