"""rt.Book: construction from frames and from a folder, the column contract, errors naming
table, column, row and id, integer periods, credit notes, returns inferred from MRR,
reconcile(), shards, labels and pickling. Values are worked by hand; the snapshot columns are
checked against an independent pandas oracle in test_book_oracle.py."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import retain as rt


def accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["ACC-001", "ACC-002", "ACC-003"],
            "signed_at": ["2024-01-10T09:00:00+02:00", "2024-02-01", "2024-03-05"],
            "plan": ["pro", "basic", "pro"],
            "owner": ["kim", "lee", None],
            "seats": [12, 3, 5],
        }
    )


def mrr() -> pd.DataFrame:
    # ACC-001: Jan 100, Feb 100 and a credit note of -20, Mar 150; ACC-002: Feb 50;
    # ACC-003: Mar 80. Rows in no order.
    return pd.DataFrame(
        {
            "account_id": ["ACC-003", "ACC-001", "ACC-002", "ACC-001", "ACC-001", "ACC-001"],
            "period": [202403, 202402, 202402, 202401, 202403, 202402],
            "amount": [80.0, -20.0, 50.0, 100.0, 150.0, 100.0],
        }
    )


def test_a_book_with_renamed_columns_and_yyyymm_periods():
    book = rt.Book(accounts(), mrr=mrr(), columns={"mrr": {"mrr": "amount"}})
    assert book.n_accounts == 3
    assert book.tables == ["accounts", "mrr"]
    snaps = book.snapshots(["2024-02-15", "2024-03-15"], active_only=False)
    # 2024-02-15: ACC-001 (100 - 20) and ACC-002 (50); ACC-003 signs on 03-05.
    feb = snaps[snaps["as_of"] == "2024-02-15"]
    assert feb["account_id"].tolist() == ["ACC-001", "ACC-002"]
    assert feb["mrr"].tolist() == [80.0, 50.0]
    # Jan 10 (07:00 UTC) to Feb 15 is 36 days.
    assert feb["tenure_days"].tolist() == [36, 14]
    mar = snaps[snaps["as_of"] == "2024-03-15"]
    assert mar["mrr"].tolist() == [150.0, 0.0, 80.0]
    assert mar["active"].tolist() == [True, False, True]
    # Attributes carried through, text as category.
    assert snaps["plan"].dtype == "category"
    assert snaps["seats"].tolist() == [12, 3, 12, 3, 5]
    assert pd.isna(snaps["owner"].iloc[-1])


def test_active_only_keeps_current_customers():
    book = rt.Book(accounts(), mrr=mrr(), columns={"mrr": {"mrr": "amount"}})
    snaps = book.snapshots("2024-03-15")
    assert snaps["account_id"].tolist() == ["ACC-001", "ACC-003"]


def test_integer_periods_that_are_not_yyyymm_ask_which_they_are():
    frame = mrr()
    frame.loc[0, "period"] = 202313
    with pytest.raises(
        rt.InputError,
        match=r"table 'mrr', column 'period', row 0: integer "
        r"period 202313 is neither yyyymm",
    ):
        rt.Book(accounts(), mrr=frame, columns={"mrr": {"mrr": "amount"}})
    # Month numbers since 1970-01 are read as such (648 is 2024-01), or say so explicitly.
    months = mrr().assign(period=lambda f: (f["period"] // 100 - 1970) * 12 + f["period"] % 100 - 1)
    a = rt.Book(accounts(), mrr=months, columns={"mrr": {"mrr": "amount"}})
    b = rt.Book(accounts(), mrr=mrr(), columns={"mrr": {"mrr": "amount"}}, periods="yyyymm")
    pd.testing.assert_frame_equal(a.snapshots("2024-03-15"), b.snapshots("2024-03-15"))


def test_errors_name_table_column_row_and_id():
    bad = mrr()
    bad.loc[4, "account_id"] = "ACC-999"
    with pytest.raises(
        rt.InputError,
        match=r"table 'mrr', column 'account_id', row 4: account "
        r"'ACC-999' is not in the accounts table",
    ):
        rt.Book(accounts(), mrr=bad, columns={"mrr": {"mrr": "amount"}})
    book = rt.Book(accounts(), mrr=bad, columns={"mrr": {"mrr": "amount"}}, unknown_accounts="drop")
    assert book.dropped == {"mrr": 1}


def test_errors_carry_table_column_row_as_attributes():
    # The same facts as the message, readable one by one (retain::Error's accessors in C++).
    bad = mrr()
    bad.loc[4, "account_id"] = "ACC-999"
    with pytest.raises(rt.InputError) as caught:
        rt.Book(accounts(), mrr=bad, columns={"mrr": {"mrr": "amount"}})
    e = caught.value
    assert (e.table, e.column, e.row, e.path) == ("mrr", "account_id", 4, None)
    assert isinstance(e, ValueError) and isinstance(e, rt.RetainError)

    with pytest.raises(
        rt.ColumnError,
        match=r"table 'mrr' has no column 'mrr' .*map yours with "
        r"columns=\{'mrr': \{'mrr': 'your_column'\}\}",
    ):
        rt.Book(accounts(), mrr=mrr())
    typo = mrr().rename(columns={"period": "peroid"})
    with pytest.raises(rt.ColumnError, match=r"no column 'period'; is 'peroid' it\?"):
        rt.Book(accounts(), mrr=typo, columns={"mrr": {"mrr": "amount"}})

    credit = mrr()
    credit.loc[1, "amount"] = -200.0  # February sums to -100
    with pytest.raises(
        rt.InputError,
        match=r"table 'mrr', column 'amount', row 1: account "
        r"'ACC-001' sums to -100.000000 in month 2024-02",
    ):
        rt.Book(accounts(), mrr=credit, columns={"mrr": {"mrr": "amount"}})

    twice = pd.concat([accounts(), accounts().iloc[[1]]], ignore_index=True)
    with pytest.raises(rt.InputError, match=r"row 3: account 'ACC-002' appears twice"):
        rt.Book(twice)

    events = pd.DataFrame(
        {"account_id": ["ACC-001"], "user_id": ["u"], "timestamp": ["2024/03/01 10:00"]}
    )
    with pytest.raises(
        rt.InputError,
        match=r"table 'events', column 'timestamp', row 0: "
        r"cannot read '2024/03/01 10:00' as a date",
    ):
        rt.Book(accounts(), events=events)

    with pytest.raises(rt.InputError, match="columns: unknown table 'mrrr'"):
        rt.Book(accounts(), columns={"mrrr": {}})
    with pytest.raises(rt.InputError, match="tz: unknown time zone"):
        rt.Book(accounts(), tz="Mars/Olympus")
    with pytest.raises(rt.InputError, match="unknown_accounts"):
        rt.Book(accounts(), unknown_accounts="ignore")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        rt.Book(accounts().to_dict())


def test_empty_tables_warn_and_still_work():
    empty = pd.DataFrame({"account_id": [], "user_id": [], "timestamp": []})
    with pytest.warns(rt.RetainWarning, match="the events table has no rows"):
        book = rt.Book(accounts(), events=empty)
    with pytest.warns(rt.RetainWarning, match="the events table has no events"):
        snaps = book.snapshots("2024-03-15", windows=(7,))
    assert snaps["events_7d"].tolist() == [0, 0, 0]


def test_snapshot_argument_errors():
    book = rt.Book(accounts())
    with pytest.raises(rt.InputError, match="as_of: the date 2024-02-15 is given twice"):
        book.snapshots(["2024-02-15", "2024-02-15"])
    with pytest.raises(rt.InputError, match="windows: a window must be a whole number"):
        book.snapshots("2024-02-15", windows=(0,))
    with pytest.raises(rt.InputError, match="n_threads"):
        book.snapshots("2024-02-15", n_threads=0)
    with pytest.raises(rt.InputError, match="lead_days"):
        book.snapshots("2024-02-15", lead_days=-1)
    with pytest.raises(rt.InputError, match="lead_days: must be a whole number"):
        book.snapshots("2024-02-15", lead_days=float("inf"))


def test_one_time_zone_moves_every_day_boundary():
    # 2024-03-01T08:00+09:00 is 2024-02-29 23:00 UTC: February in UTC, March in Tokyo.
    instant = "2024-03-01T08:00:00+09:00"
    acc = pd.DataFrame({"account_id": ["a"], "signed_at": ["2024-01-01"]})
    tables = {
        "mrr": pd.DataFrame({"account_id": ["a"], "period": [instant], "mrr": [10.0]}),
        "tickets": pd.DataFrame({"account_id": ["a"], "opened_at": [instant]}),
    }
    utc = rt.Book(acc, **tables).snapshots("2024-02-29", active_only=False)
    tokyo = rt.Book(acc, **tables, tz="Asia/Tokyo").snapshots("2024-02-29", active_only=False)
    assert (utc["mrr"].item(), utc["open_tickets"].item()) == (10.0, 1)
    assert (tokyo["mrr"].item(), tokyo["open_tickets"].item()) == (0.0, 0)


def test_returns_inferred_from_mrr_and_reconcile():
    acc = pd.DataFrame({"account_id": ["a", "b"], "signed_at": ["2024-01-01", "2024-01-01"]})
    rows = [("a", m) for m in ("2024-01", "2024-02", "2024-04", "2024-05")]
    rows += [("b", f"2024-0{m}") for m in range(1, 8)]
    revenue = pd.DataFrame(rows, columns=["account_id", "period"]).assign(mrr=10.0)
    churns = pd.DataFrame({"account_id": ["a", "b"], "churned_at": ["2024-02-20", "2024-05-10"]})
    book = rt.Book(acc, mrr=revenue, churns=churns)
    gaps = book.reconcile()
    assert gaps["account_id"].tolist() == ["a", "b"]
    assert gaps["kind"].tolist() == ["bridge_churn_without_record", "record_without_bridge_churn"]
    assert gaps["month"].astype(str).tolist() == ["2024-06", "2024-05"]
    assert pd.isna(gaps["churned_at"].iloc[0])
    assert gaps["churned_at"].iloc[1] == pd.Timestamp("2024-05-10")
    # a's return is inferred on 2024-04-01: inactive on 03-15, active on 04-15.
    snaps = book.snapshots(["2024-03-15", "2024-04-15"], active_only=False)
    assert snaps["active"].tolist() == [False, True, True, True]
    labels = book.labels(snaps, horizon_days=30, observed_until="2024-07-31")
    # Rows kept: b 03-15 (0), a 04-15 (0), b 04-15 (1: churn record 05-10 in (04-15, 05-15]).
    assert labels.frame["label"].tolist() == [0, 0, 1]
    assert labels.dropped == {"inactive": 1, "unresolved": 0}


def test_shards_put_together_are_the_whole_book():
    rng = np.random.default_rng(3)
    ids = [f"ACC-{i:04d}" for i in range(60)]
    acc = pd.DataFrame(
        {"account_id": ids, "signed_at": "2023-01-01", "segment": rng.choice(["smb", "ent"], 60)}
    )
    revenue = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 500),
            "period": pd.PeriodIndex.from_ordinals(rng.integers(636, 650, 500), freq="M"),
            "mrr": rng.integers(1, 100, 500).astype(float),
        }
    )
    events = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 2000),
            "user_id": rng.integers(0, 9, 2000),
            "timestamp": pd.Timestamp("2023-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 420 * 86400, 2000), unit="s"),
        }
    )
    book = rt.Book(acc, mrr=revenue, events=events)
    as_of = ["2023-06-01", "2023-12-01", "2024-02-01"]
    whole = book.snapshots(as_of, active_only=False)
    shards = book.shards(4)
    assert sum(s.n_accounts for s in shards) == 60
    parts = pd.concat([s.snapshots(as_of, active_only=False) for s in shards])
    key = ["as_of", "account_id"]
    pd.testing.assert_frame_equal(
        parts.sort_values(key).reset_index(drop=True).astype({"segment": object}),
        whole.sort_values(key).reset_index(drop=True).astype({"segment": object}),
    )
    # The same split in another process: a stable hash of the id.
    assert [s.ids.tolist() for s in book.shards(4)] == [s.ids.tolist() for s in shards]


def test_shards_keep_every_row_the_book_matches_and_drop_what_it_dropped():
    """Accounts of mixed id types match other tables' ids as text (2 and "2"): each row goes to
    its account's shard, and a row the Book dropped as unknown is dropped in its shard too."""
    acc = pd.DataFrame(
        {"account_id": np.array(["a", 2, "c", 40], dtype=object), "signed_at": "2024-01-01"}
    )
    mrr = pd.DataFrame(
        {
            "account_id": ["a", "2", "c", "40", "zz"],
            "period": "2024-01",
            "mrr": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    churns = pd.DataFrame({"account_id": ["2", "zz"], "churned_at": ["2024-01-20"] * 2})
    book = rt.Book(acc, mrr=mrr, churns=churns, unknown_accounts="drop")
    assert book.dropped == {"mrr": 1, "churns": 1}
    for n in (1, 2, 3):
        shards = book.shards(n)
        # Hand-worked: every known row once, 1 + 2 + 3 + 4 of MRR and the churn of account 2.
        assert sum(float(rt.kpi.mrr_movements(s)["ending_mrr"].sum()) for s in shards) == 10.0
        assert sum(len(s.table("churns")) - s.dropped.get("churns", 0) for s in shards) == 1
        assert sum(s.dropped.get("mrr", 0) for s in shards) == 1
        assert sorted(map(str, pd.concat([s.ids.to_series() for s in shards]))) == [
            "2", "40", "a", "c"
        ]


def test_read_a_folder_of_csv_and_parquet(tmp_path):
    acc = accounts()
    acc.to_csv(tmp_path / "accounts.csv", index=False)
    mrr().rename(columns={"amount": "mrr"}).to_parquet(tmp_path / "mrr.parquet")
    pd.DataFrame(
        {
            "account_id": ["ACC-002"],
            "churned_at": ["2024-03-01T00:30:00+01:00"],
            "reason": ["price"],
            "kind": ["voluntary"],
        }
    ).to_csv(tmp_path / "churns.csv", index=False)
    (tmp_path / "notes.txt").write_text("ignored")
    book = rt.Book.read(tmp_path)
    assert book.tables == ["accounts", "mrr", "churns"]
    snaps = book.snapshots("2024-02-29", active_only=False)
    assert snaps["mrr"].tolist() == [80.0, 50.0]
    # The churn is 2024-02-29 23:30 UTC: ACC-002 is gone at the end of Feb 29 in UTC.
    assert snaps["active"].tolist() == [True, False]
    assert "accounts" in repr(book) and "<table>" in book._repr_html_()

    (tmp_path / "mrr.csv").write_text("account_id,period,mrr\n")
    with pytest.raises(rt.InputError, match=r"both mrr\.csv and mrr\.parquet"):
        rt.Book.read(tmp_path)
    with pytest.raises(rt.InputError, match="is not a folder"):
        rt.Book.read(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(rt.InputError, match=r"has no accounts\.csv or accounts\.parquet"):
        rt.Book.read(tmp_path / "empty")


def test_a_book_pickles():
    book = rt.Book(accounts(), mrr=mrr(), columns={"mrr": {"mrr": "amount"}}, tz="Europe/Paris")
    again = pickle.loads(pickle.dumps(book))
    assert again.tz == "Europe/Paris"
    pd.testing.assert_frame_equal(again.snapshots("2024-03-15"), book.snapshots("2024-03-15"))


def test_threads_never_change_snapshots():
    rng = np.random.default_rng(0)
    n = 3000
    acc = pd.DataFrame({"account_id": np.arange(n), "signed_at": "2023-01-01"})
    events = pd.DataFrame(
        {
            "account_id": rng.integers(0, n, 50_000),
            "user_id": rng.integers(0, 50, 50_000),
            "timestamp": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 400 * 86400, 50_000), unit="s"),
        }
    )
    book = rt.Book(acc, events=events)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        one = book.snapshots(["2023-06-01", "2024-01-01"], n_threads=1)
        many = book.snapshots(["2023-06-01", "2024-01-01"], n_threads=3)
    pd.testing.assert_frame_equal(one, many)


def test_labels_need_a_churns_table():
    book = rt.Book(accounts(), mrr=mrr(), columns={"mrr": {"mrr": "amount"}})
    snaps = book.snapshots("2024-03-15")
    with pytest.raises(rt.InputError, match="the Book has no churns table"):
        book.labels(snaps)


def test_a_book_backtest_of_a_plain_estimator_takes_the_features_it_names():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(7)
    n = 400
    ids = [f"C-{i:03d}" for i in range(n)]
    acc = pd.DataFrame({"account_id": ids, "signed_at": "2023-01-01",
                        "segment": rng.choice(["smb", "ent"], n)})
    usage = rng.integers(0, 20, n)
    # Low usage churns in 2024-02 (within 60 days of 2024-01-01); the rest stay.
    churned = usage < 5
    churns = pd.DataFrame({"account_id": np.array(ids)[churned],
                           "churned_at": "2024-02-10"})
    rows = [(i, u) for i, u in zip(ids, usage, strict=True) for _ in range(int(u))]
    events = pd.DataFrame(rows, columns=["account_id", "user_id"]).assign(
        timestamp=pd.Timestamp("2024-01-01 10:00"))
    book = rt.Book(acc, events=events, churns=churns)
    model = LogisticRegression().fit(pd.DataFrame({"events_30d": usage}), churned)
    with pytest.raises(ValueError):  # the segment attribute is text: not for a plain estimator
        rt.backtest(model, book, as_of=["2024-01-01"], horizon_days=60,
                    observed_until="2024-06-30")
    result = rt.backtest(model, book, as_of=["2024-01-01"], horizon_days=60,
                         observed_until="2024-06-30", features=["events_30d"])
    risk = model.predict_proba(pd.DataFrame({"events_30d": usage}))[:, 1]
    expected = roc_auc_score(churned, risk)
    assert result.per_date["roc_auc"].iloc[0] == pytest.approx(expected, abs=1e-12)
    with pytest.raises(rt.ColumnError, match="events_31d"):
        rt.backtest(model, book, as_of=["2024-01-01"], features=["events_31d"])


def test_the_cpp_backtest_of_a_book_is_the_python_one():
    # retain::backtest_health (what a C++ product calls) and rt.backtest on the same Book.
    rng = np.random.default_rng(11)
    n = 300
    ids = [f"C-{i:03d}" for i in range(n)]
    acc = pd.DataFrame({"account_id": ids, "signed_at": "2023-01-01"})
    revenue = pd.DataFrame({
        "account_id": np.repeat(ids, 12),
        "period": np.tile(pd.period_range("2023-06", periods=12, freq="M"), n),
        "mrr": rng.integers(10, 500, 12 * n).astype(float),
    })
    churns = pd.DataFrame({"account_id": rng.choice(ids, 60, replace=False),
                           "churned_at": pd.Timestamp("2023-07-01")
                           + pd.to_timedelta(rng.integers(0, 300, 60), unit="D")})
    book = rt.Book(acc, mrr=revenue, churns=churns)
    model = rt.HealthModel.from_dict({
        "version": 1,
        "groups": [{"name": "revenue"}],
        "measures": [{"name": "mrr", "group": "revenue", "transform": {"kind": "percentile"}}],
    })
    as_of = ["2023-08-31", "2023-10-31", "2023-12-31"]
    python = rt.backtest(model, book, as_of=as_of, horizon_days=60, observed_until="2024-05-31")
    days = pd.DatetimeIndex(as_of).to_numpy().astype("datetime64[D]").view(np.int64)
    until = int(np.datetime64("2024-05-31", "D").view(np.int64))
    cpp = book._core.backtest_health(model._core, days, 60, until, 0, [7, 30, 90], True, 0)
    np.testing.assert_array_equal(cpp["per_date"]["n"], python.per_date["n"].to_numpy())
    np.testing.assert_array_equal(cpp["per_date"]["roc_auc"], python.per_date["roc_auc"].to_numpy())
    kept = (cpp["label"] >= 0) & ~np.isnan(cpp["risk"])
    np.testing.assert_array_equal(cpp["risk"][kept], python.scores["risk"].to_numpy())


def test_a_blank_returned_at_is_read_from_mrr_and_a_given_one_is_kept():
    acc = pd.DataFrame({"account_id": ["a", "b"], "signed_at": ["2024-01-01", "2024-01-01"]})
    months = ["2024-01", "2024-02", "2024-05", "2024-06"]
    revenue = pd.DataFrame({"account_id": ["a"] * 4 + ["b"] * 4, "period": months * 2,
                            "mrr": 10.0})
    # Both churn in February and pay again from May; a's return is blank, b's is given (June 10).
    churns = pd.DataFrame({"account_id": ["a", "b"], "churned_at": ["2024-02-20", "2024-02-20"],
                           "returned_at": [None, "2024-06-10"]})
    book = rt.Book(acc, mrr=revenue, churns=churns)
    snaps = book.snapshots(["2024-05-15", "2024-06-15"], active_only=False)
    # a: back on 2024-05-01 (inferred); b: paying in May, but its recorded return is June 10.
    assert snaps["active"].tolist() == [True, False, True, True]


def test_empty_csv_tables_warn_and_read(tmp_path):
    accounts().to_csv(tmp_path / "accounts.csv", index=False)
    (tmp_path / "mrr.csv").write_text("account_id,period,mrr\n")
    (tmp_path / "surveys.csv").write_text("account_id,answered_at,score\n")
    with pytest.warns(rt.RetainWarning) as record:
        book = rt.Book.read(tmp_path)
    assert sorted(str(w.message) for w in record) == [
        "the mrr table has no rows",
        "the surveys table has no rows",
    ]
    with pytest.warns(rt.RetainWarning, match="the MRR table has no rows"):
        snaps = book.snapshots("2024-03-15", active_only=False)
    assert snaps["mrr"].tolist() == [0.0, 0.0, 0.0]
    assert snaps["nps_score"].isna().all()


def test_month_numbers_must_be_plausible():
    frame = mrr()
    with pytest.raises(rt.InputError, match=r"month number 202403 is not between 1900 and 2169"):
        rt.Book(accounts(), mrr=frame, columns={"mrr": {"mrr": "amount"}}, periods="months")


def test_a_book_backtest_says_where_the_dates_go():
    book = rt.Book(accounts(), churns=pd.DataFrame({"account_id": ["ACC-002"],
                                                    "churned_at": ["2024-03-01"]}))
    with pytest.raises(rt.InputError, match=r"leave out churns .* give the as-of dates as as_of="):
        rt.backtest("tenure_days", book, ["2024-02-01"])


def test_a_cell_that_is_no_number_is_named_by_its_row_and_value():
    # A CSV with a thousands separator in one cell reads as text: the error names that cell.
    bad = mrr().astype({"amount": object})
    bad.loc[4, "amount"] = "1,185.78"
    with pytest.raises(
        rt.InputError, match=r"table 'mrr', column 'amount', row 4: '1,185.78' is not a number"
    ):
        rt.Book(accounts(), mrr=bad, columns={"mrr": {"mrr": "amount"}})


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_truncated_file_is_an_error_naming_it(tmp_path, fmt):
    # A copy cut short mid-row (CSV) or without its footer (Parquet), as an interrupted
    # transfer leaves it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        book = rt.datasets.synthetic_saas(accounts=30, months=4)
    folder = rt.datasets.write(book, tmp_path / "export", format=fmt)
    events = folder / f"events.{fmt}"
    data = events.read_bytes()
    cut = data[: len(data) // 2 + 7]
    events.write_bytes(cut)
    # A CSV's error also names the line of the cut record: the file's last.
    lines = cut.count(b"\n") + 1
    where = f", line {lines}" if fmt == "csv" else ""
    with pytest.raises(rt.InputError, match=rf"^events\.{fmt}{where}: cannot read it \("):
        rt.Book.read(folder, internal_activity_types=["note"])
