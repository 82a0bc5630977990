"""rt.report: the numbers of the monthly review checked against their definitions.

The headline tiles are worked by hand on a tiny Book (four accounts, fourteen months) and
recomputed in pandas from the raw tables of a synthetic business; the health tables against the
plain per-row oracle of the score (health_oracle.py); the backtest's ROC AUC against
scikit-learn. Then: the CSV files equal the tables, the same Book gives the same bytes,
``write`` leaves either the whole new report or the old one, bad inputs are named errors, and a
Book without churns, activities or surveys still makes a report that says what is not shown.
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from health_oracle import oracle_score
from sklearn.metrics import roc_auc_score

import retain as rt
import retain.report

SECTIONS = ("headline", "revenue", "health", "coverage", "backtest")
DEFAULT_DOC = json.loads(Path(rt.__file__).with_name("default_model.json").read_text())


# ------------------------------------------------------------------------------ the tiny Book

MONTHS = pd.period_range("2024-01", "2025-02", freq="M")
REVIEW_DAY = pd.Timestamp("2025-02-28")


def _paid(account: str, month: pd.Period) -> float:
    """Each account's MRR, the story the hand-worked tiles below follow."""
    if account == "A":  # 100 a month, 150 from 2024-08 (in two line items)
        return 100.0 if month < pd.Period("2024-08", "M") else 150.0
    if account == "B":  # 200 a month, churns in 2024-07
        return 200.0 if month <= pd.Period("2024-06", "M") else 0.0
    if account == "C":  # new in 2024-03 at 50, contracts to 40 in 2024-10
        if month < pd.Period("2024-03", "M"):
            return 0.0
        return 50.0 if month < pd.Period("2024-10", "M") else 40.0
    # D: 80 a month, churns in 2024-12, comes back in 2025-02
    return 80.0 if month <= pd.Period("2024-11", "M") or month == MONTHS[-1] else 0.0


def _tiny_book(c_stops_using: bool = True) -> rt.Book:
    mrr = []
    for account in "ABCD":
        for month in MONTHS:
            amount = _paid(account, month)
            if account == "A" and amount == 150.0:
                mrr += [(account, str(month), "core", 100.0), (account, str(month), "addon", 50.0)]
            elif amount > 0:
                mrr.append((account, str(month), "core", amount))
    mrr = pd.DataFrame(mrr, columns=["account_id", "period", "product", "mrr"])
    accounts = pd.DataFrame(
        {
            "account_id": list("ABCD"),
            "signed_at": ["2023-06-01", "2023-09-15", "2024-03-01", "2023-11-20"],
            "tier": ["strategic", "scale", "scale", "strategic"],
            "owner": ["Ana", "Ben", "Ben", "Ana"],
        }
    )
    # One user a day every fifth day while paying, to the last day; C stops using the product
    # after November (so it scores red on the review day).
    days = pd.date_range("2024-01-03", REVIEW_DAY, freq="5D").append(pd.DatetimeIndex([REVIEW_DAY]))
    events = pd.DataFrame(
        [
            (a, 1, d + pd.Timedelta(hours=10), "dashboard")
            for a in "ABCD"
            for d in days
            if _paid(a, d.to_period("M")) > 0
            and not (c_stops_using and a == "C" and d > pd.Timestamp("2024-11-30"))
        ],
        columns=["account_id", "user_id", "timestamp", "feature"],
    )
    surveys = pd.DataFrame(
        [
            # The 365 days up to the review day are 2024-03-01 to 2025-02-28, by the day of each
            # answer in the Book's zone. Outside:
            ("A", "2024-01-15 10:00", 0, "nps"),
            ("B", "2024-02-29 23:59", 0, "nps"),
            # Inside: 10, 9, 8, 6, 3, 10, 7.
            ("A", "2024-03-01 00:00", 10, "nps"),
            ("B", "2024-04-10 12:00", 9, "nps"),
            ("C", "2024-06-01 08:00", 8, "nps"),
            ("D", "2024-07-01 08:00", 6, "nps"),
            ("C", "2024-11-11 11:00", 3, "nps"),
            ("A", "2025-01-05 10:00", 10, "nps"),
            ("D", "2025-02-28 23:00", 7, "nps"),
            ("A", "2024-05-05 10:00", 5, "csat"),
            ("C", "2024-12-05 10:00", 4, "csat"),
            ("D", "2024-09-05 10:00", 2, "csat"),
        ],
        columns=["account_id", "answered_at", "score", "kind"],
    )
    tickets = pd.DataFrame(
        {"account_id": ["C", "A"], "opened_at": ["2025-01-10", "2024-05-01"],
         "closed_at": [None, "2024-05-03"]}
    )
    milestones = pd.DataFrame(
        {"account_id": ["A", "C"], "milestone": ["kickoff", "kickoff"],
         "reached_at": ["2023-06-10", "2024-03-05"]}
    )
    churns = pd.DataFrame(
        {"account_id": ["B", "D"], "churned_at": ["2024-06-20", "2024-11-25"],
         "returned_at": [None, "2025-02-01"], "reason": ["price", "budget"]}
    )
    activities = pd.DataFrame(
        {"account_id": ["A", "C", "D", "A"],
         "at": ["2025-02-20", "2024-12-01", "2025-02-10", "2024-10-01"],
         "type": ["call", "email", "call", "note"], "owner": ["Ana", "Ben", "Ana", "Ana"]}
    )
    return rt.Book(
        accounts, mrr=mrr, events=events, surveys=surveys, tickets=tickets,
        milestones=milestones, churns=churns, activities=activities,
        internal_activity_types=["note"],
    )


@pytest.fixture(scope="module")
def tiny():
    book = _tiny_book()
    return book, rt.report.build(book)


def test_headline_tiles_of_the_tiny_book_worked_by_hand(tiny):
    _, report = tiny
    tiles = report.tables["headline"]
    value, note = tiles["value"], tiles["note"]
    assert report.as_of == REVIEW_DAY  # the last day of the last MRR month
    # February 2025: A 100 + 50 (two line items), C 40, D 80 (back) = 270, from three accounts.
    # A year earlier (2024-02): A 100, B 200, D 80 = 380; 270 / 380 - 1 = -28.9 %.
    assert value["MRR"] == "270"
    assert note["MRR"] == "-28.9% on a year earlier"
    assert value["Customers"] == "3"
    assert note["Customers"] == "ARPA 90"  # 270 / 3
    assert report.facts["mrr"] == 270.0
    # NRR: the accounts paying in 2024-02 (A 100, B 200, D 80 = 380) pay A 150, B 0, D 80 = 230
    # in 2025-02: 230 / 380 = 60.5 %. GRR caps A at its 100: 180 / 380 = 47.4 %.
    assert value["NRR, 12 months"] == "60.5%"
    assert report.facts["nrr"] == pytest.approx(230 / 380)
    assert value["GRR, 12 months"] == "47.4%"
    # Logo churn over 2024-03..2025-02: accounts paying the month before, month by month,
    # 3 + 4 + 4 + 4 + 4 + 3 + 3 + 3 + 3 + 3 + 2 + 2 = 38; churned: B in 2024-07, D in 2024-12.
    # 2 / 38 = 5.26 % a month.
    assert value["Logo churn"] == "5.26%"
    assert note["Logo churn"] == "per month, 2024-03 to 2025-02"
    assert report.facts["logo_churn"] == pytest.approx(2 / 38)
    # Gross revenue churn: MRR the month before, summed over the same months:
    # 380 + 4 x 430 + 230 + 2 x 280 + 2 x 270 + 2 x 190 = 3810; lost: B 200 + C 10 + D 80 = 290.
    # 290 / 3810 = 7.61 %.
    assert value["Gross revenue churn"] == "7.61%"
    # Quick ratio: gains new C 50 + expansion A 50 + reactivation D 80 = 180, over 290: 0.62.
    assert value["Quick ratio"] == "0.62"
    # LTV = ARPA x margin / logo churn = 90 x 0.8 / (2 / 38) = 1368.
    assert value["LTV"] == "1,368"
    # NPS of the 7 answers inside the window: promoters 10, 9, 10; detractors 6, 3:
    # (3 - 2) / 7 = +14. stderr 100 sqrt((3/7 + 2/7 - (1/7)^2) / 7) = 31.5; 1.96 x = 62.
    assert value["NPS"] == "+14"
    assert note["NPS"] == "± 62, 7 answers, 12 months"
    # CSAT: 2 of the 3 answers are 4 or 5.
    assert value["CSAT"] == "66.7%"
    assert note["CSAT"].startswith("3 answers")


def test_the_tiny_books_health_tables_by_hand(tiny):
    _, report = tiny
    t = report.tables
    # On the review day A, C and D are customers (D back since 2025-02-01); C, without a login
    # since November and a 3 as its last NPS answer, is the lowest. A month before only A and C
    # were (D had churned): D is new to the grades.
    assert list(t["at_risk_lowest"].index) == ["C", "D", "A"]
    assert t["at_risk_lowest"].loc["C", "grade"] == "red"
    moves = t["grade_moves"]
    assert int(moves.to_numpy().sum()) == 3
    assert int(moves.loc["(new)"].sum()) == 1
    assert int(moves.loc["red", "red"]) == 1  # C was red already
    assert t["segments"]["accounts"].to_dict() == {"scale": 1, "strategic": 2}
    assert t["segments"]["arr"].to_dict() == {"scale": 12 * 40.0, "strategic": 12 * 230.0}


def test_a_grade_nobody_has_still_makes_a_report():
    # With C using the product to the end nobody is red: the grade is a column of zeros.
    report = rt.report.build(_tiny_book(c_stops_using=False))
    by_tier = report.tables["grades_by_tier"]
    assert "red" in by_tier.columns
    assert by_tier["red"].sum() == 0
    assert by_tier[["red", "yellow", "green"]].to_numpy().sum() == 3


# ------------------------------------------------------ the synthetic business, in pandas

BOOK_ARGS = dict(accounts=600, months=24, random_state=3)
DAY = pd.Timestamp("2024-12-31")  # the last day of the last of 24 months from 2023-01
# The report's backtest: month ends whose 90 days end by the review day, the latest 12.
BACKTEST_DATES = pd.date_range("2023-10-31", "2024-09-30", freq="ME")


@pytest.fixture(scope="module")
def book():
    return rt.datasets.synthetic_saas(**BOOK_ARGS)


@pytest.fixture(scope="module")
def report(book):
    return rt.report.build(book)


def _monthly_mrr(book: rt.Book) -> pd.DataFrame:
    """Accounts x months of MRR, summed over line items, 0 where nothing was billed."""
    raw = book.table("mrr")
    month = pd.PeriodIndex(raw["period"].astype(str), freq="M")
    wide = raw.assign(month=month).groupby(["account_id", "month"])["mrr"].sum().unstack()
    return wide.reindex(columns=pd.period_range(month.min(), month.max(), freq="M")).fillna(0.0)


def _movements(wide: pd.DataFrame, months: pd.PeriodIndex) -> dict:
    """Starting MRR and accounts, churned accounts and the bridge's amounts over ``months``."""
    paid_before = (wide > 0).cummax(axis=1).shift(1, axis=1, fill_value=False)
    out = dict.fromkeys(
        ["starting_accounts", "churned_accounts", "starting_mrr", "new", "expansion",
         "reactivation", "contraction", "churned"], 0.0
    )
    for m in months:
        prev, cur = wide[m - 1], wide[m]
        out["starting_accounts"] += (prev > 0).sum()
        out["churned_accounts"] += ((prev > 0) & (cur <= 0)).sum()
        out["starting_mrr"] += prev.sum()
        starts = (prev <= 0) & (cur > 0)
        out["new"] += cur[starts & ~paid_before[m]].sum()
        out["reactivation"] += cur[starts & paid_before[m]].sum()
        up, down = (prev > 0) & (cur > prev), (cur > 0) & (cur < prev)
        out["expansion"] += (cur - prev)[up].sum()
        out["contraction"] += (prev - cur)[down].sum()
        out["churned"] += prev[(prev > 0) & (cur <= 0)].sum()
    return out


def _read(text: str) -> tuple[float, float]:
    """A tile's number and half its last shown digit: "1.07M", "5.89k", "1,368", "3.63%"."""
    text = text.replace(",", "").lstrip("+")
    scale = {"%": 0.01, "k": 1e3, "M": 1e6, "B": 1e9}.get(text[-1], 1.0)
    digits = text.rstrip("%kMB")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits) * scale, 0.5 * 10.0**-decimals * scale * (1 + 1e-9)


def _close(tile: str, expected: float) -> None:
    shown, half = _read(tile)
    assert abs(shown - expected) <= half, (tile, expected)


def test_headline_tiles_equal_pandas_on_the_raw_tables(book, report):
    wide = _monthly_mrr(book)
    last = wide.columns[-1]
    assert last == DAY.to_period("M") and report.as_of == DAY
    tiles = report.tables["headline"]["value"]
    mrr_now = wide[last].sum()
    customers = int((wide[last] > 0).sum())
    assert report.facts["mrr"] == pytest.approx(mrr_now, rel=1e-12)
    _close(tiles["MRR"], mrr_now)
    year_ago = wide[last - 12].sum()
    _close(report.tables["headline"]["note"]["MRR"].split()[0], mrr_now / year_ago - 1)
    assert tiles["Customers"] == f"{customers:,}"

    mv = _movements(wide, wide.columns[-12:])
    logo = mv["churned_accounts"] / mv["starting_accounts"]
    assert report.facts["logo_churn"] == pytest.approx(logo, rel=1e-12)
    _close(tiles["Logo churn"], logo)
    _close(
        tiles["Gross revenue churn"], (mv["churned"] + mv["contraction"]) / mv["starting_mrr"]
    )
    gains = mv["new"] + mv["expansion"] + mv["reactivation"]
    _close(tiles["Quick ratio"], gains / (mv["churned"] + mv["contraction"]))
    _close(tiles["LTV"], mrr_now / customers * 0.8 / logo)

    paid = wide[last - 12] > 0
    nrr = wide.loc[paid, last].sum() / wide.loc[paid, last - 12].sum()
    grr = np.minimum(wide.loc[paid, last], wide.loc[paid, last - 12]).sum() / wide.loc[
        paid, last - 12
    ].sum()
    assert report.facts["nrr"] == pytest.approx(nrr, rel=1e-12)
    _close(tiles["NRR, 12 months"], nrr)
    _close(tiles["GRR, 12 months"], grr)


def test_nps_and_csat_tiles_from_the_raw_answers_of_the_last_365_days(book, report):
    surveys = book.table("surveys")
    day = pd.to_datetime(surveys["answered_at"]).dt.normalize()  # the synthetic Book is in UTC
    recent = surveys[(day > DAY - pd.Timedelta(days=365)) & (day <= DAY)]
    nps = recent.loc[recent["kind"] == "nps", "score"]
    csat = recent.loc[recent["kind"] == "csat", "score"]
    assert len(nps) > 100 and len(csat) > 100 and len(recent) < len(surveys)
    promoters, detractors = (nps >= 9).mean(), (nps <= 6).mean()
    tiles = report.tables["headline"]
    _close(tiles.loc["NPS", "value"], 100 * (promoters - detractors))
    assert f"{len(nps):,} answers" in tiles.loc["NPS", "note"]
    _close(tiles.loc["CSAT", "value"], (csat >= 4).mean())
    assert tiles.loc["CSAT", "note"].startswith(f"{len(csat):,} answers")


def _active_accounts(book: rt.Book, day: pd.Timestamp) -> set:
    """Customers on ``day``: signed by it, billed in its month, not churned by it without a
    return by it."""
    wide = _monthly_mrr(book)
    accounts = book.table("accounts")
    signed = pd.to_datetime(accounts.set_index("account_id")["signed_at"])
    billed = set(wide.index[wide[day.to_period("M")] > 0])
    churns = book.table("churns")
    gone = churns[
        (pd.to_datetime(churns["churned_at"]) <= day)
        & ~(pd.to_datetime(churns["returned_at"]) <= day)
    ]
    return {a for a in billed if signed[a] <= day} - set(gone["account_id"])


def _oracle(book: rt.Book, day: pd.Timestamp) -> pd.DataFrame:
    """The default model's scores by the plain oracle, with the MRR of each account."""
    snaps = book.snapshots([day]).set_index("account_id")
    return oracle_score(DEFAULT_DOC, snaps).join(snaps["mrr"])


def test_health_tables_against_the_oracle_of_the_score(book, report):
    now = _oracle(book, DAY)
    before = _oracle(book, pd.Timestamp("2024-11-30"))
    assert set(now.index) == _active_accounts(book, DAY)
    # Every account's score is the oracle's.
    shown = report.tables["health_distribution"]
    assert shown.index.is_unique and set(shown.index) == set(now.index)
    np.testing.assert_allclose(shown["score"], now.loc[shown.index, "score"], rtol=1e-12)
    # The at-risk table: the 15 lowest scores, lowest first (larger MRR first on a tie).
    at_risk = report.tables["at_risk_lowest"]
    lowest = now.sort_values(["score", "mrr"], ascending=[True, False]).head(15)
    assert list(at_risk.index) == list(lowest.index)
    np.testing.assert_allclose(at_risk["score"], lowest["score"], rtol=1e-12)
    assert at_risk["score"].max() <= now.drop(at_risk.index)["score"].min()
    # Grade moves: every account scored once; columns are today's grades, rows last month's.
    moves = report.tables["grade_moves"]
    assert int(moves.to_numpy().sum()) == len(now)
    grades = ["red", "yellow", "green"]
    assert moves.sum(axis=0).reindex(grades).tolist() == [
        int((now["grade"] == g).sum()) for g in grades
    ]
    earlier = before["grade"].reindex(now.index).fillna("(new)")
    assert moves.sum(axis=1).astype(int).to_dict() == {
        g: int((earlier == g).sum()) for g in [*grades, "(new)"]
    }
    assert report.facts["red_accounts"] == int((now["grade"] == "red").sum())


def _backtest_rows(book: rt.Book) -> rt.backtest.BacktestResult:
    return rt.backtest(
        rt.models.default(), book, as_of=BACKTEST_DATES, horizon_days=90, observed_until=DAY
    )


def test_roc_and_auc_equal_scikit_learn_on_the_backtests_own_rows(book, report):
    result = _backtest_rows(book)
    rows = result.scores
    oracle = roc_auc_score(rows["label"], rows["risk"])
    assert result.pooled["roc_auc"] == pytest.approx(oracle, abs=1e-12)
    assert report.facts["auc"] == pytest.approx(oracle, abs=1e-12)
    roc = report.tables["roc"]
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(oracle, abs=1e-12)
    assert (roc[["fpr", "tpr"]].iloc[-1] == 1.0).all()
    assert f"AUC {oracle:.3f}" in report.html()
    # Per date, on the same dates the report chose.
    per_date = report.tables["auc_by_date"]
    assert list(per_date.index) == list(BACKTEST_DATES)
    by_date = pd.Series(
        {day: roc_auc_score(g["label"], g["risk"]) for day, g in rows.groupby("as_of")}
    )
    np.testing.assert_allclose(per_date["roc_auc"], by_date.loc[per_date.index], atol=1e-12)
    assert per_date["n"].tolist() == rows.groupby("as_of").size().tolist()


def test_mrr_at_risk_by_owner_sums_probability_times_mrr(book, report):
    calibration = rt.calibrate_risk(
        rt.models.default(), book, as_of=BACKTEST_DATES, horizon_days=90, observed_until=DAY
    )
    snaps = book.snapshots([DAY])
    p = pd.Series(calibration.churn_probability(snaps).to_numpy(), index=snaps["account_id"])
    p = p.dropna()
    mrr = _monthly_mrr(book)[DAY.to_period("M")].reindex(p.index)  # raw line items
    owner = book.table("accounts").set_index("account_id")["owner"].reindex(p.index)
    expected = (p * mrr).groupby(owner).sum()
    table = report.tables["mrr_at_risk_by_owner"]
    assert table["expected_mrr_lost"].sum() == pytest.approx((p * mrr).sum(), rel=1e-12)
    np.testing.assert_allclose(
        table["expected_mrr_lost"], expected.loc[table.index], rtol=1e-12
    )
    np.testing.assert_allclose(table["mrr"], mrr.groupby(owner).sum().loc[table.index])
    assert table["expected_mrr_lost"].is_monotonic_decreasing


# --------------------------------------------------------------------------- files and bytes


def _same(text: str, value) -> bool:
    """A CSV cell (read as text) against the table's value."""
    if not isinstance(value, (list, tuple)) and pd.isna(value):
        return text == ""
    if isinstance(value, (bool, np.bool_)):
        return text == str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(text) == float(value)
    if isinstance(value, pd.Period):
        return pd.Period(text, freq=value.freqstr) == value
    if isinstance(value, pd.Timestamp):
        return pd.Timestamp(text) == value
    return text == str(value)


def test_each_csv_equals_its_table_read_back_with_pandas(report, tmp_path):
    report.write(tmp_path / "review")
    folder = tmp_path / "review" / "tables"
    tables = report.tables
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(tables)
    for name, table in tables.items():
        if all(n is None for n in table.index.names):
            # Row numbers only: written without the index, so every CSV column has a name.
            table = table.reset_index(drop=True)
            back = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            assert not any(str(c).startswith("Unnamed") for c in back.columns), name
            back.index = table.index
            levels = 1
        else:
            levels = table.index.nlevels
            back = pd.read_csv(
                folder / f"{name}.csv",
                dtype=str,
                keep_default_na=False,
                index_col=list(range(levels)),
            )
        assert back.shape == table.shape, name
        assert [str(c) for c in back.columns] == [str(c) for c in table.columns], name
        for i, key in enumerate(table.index):
            keys = key if levels > 1 else (key,)
            read = back.index[i] if levels > 1 else (back.index[i],)
            assert all(_same(t, v) for t, v in zip(read, keys, strict=True)), (name, i, read, keys)
            for j in range(table.shape[1]):
                assert _same(back.iat[i, j], table.iat[i, j]), (name, i, table.columns[j])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_the_same_book_gives_the_same_bytes(book, report, tmp_path):
    again = rt.report.build(book)
    first, second = report.write(tmp_path / "a"), again.write(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    # The stamp changes the footer line and nothing else.
    stamped = report.write(tmp_path / "c", stamp=True).read_text().splitlines()
    plain = first.read_text().splitlines()
    changed = [
        line for line in difflib.unified_diff(plain, stamped, lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert len(changed) == 2
    assert changed[0].startswith("-<footer>") and changed[1].startswith("+<footer>")
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", changed[1])


def test_the_html_has_the_contracts_sections_and_one_figure_per_chart(report):
    page = report.html()
    for section in SECTIONS:
        assert re.search(
            rf'<section class="report-section" id="{section}">\s*<h2>', page
        ), section
    assert report.sections == list(SECTIONS)
    figure = r'<figure class="chart" id="chart-([a-z0-9_]+)">(.*?)</figure>'
    figures = re.findall(figure, page, re.S)
    assert len(figures) == page.count("<figure")
    names = [name for name, _ in figures]
    assert len(names) == len(set(names))
    for name, body in figures:
        assert body.count("<svg") == 1 and body.count("<figcaption>") == 1, name
        assert f'<a href="tables/{name}.csv">' in body, name
    # Every table behind the page is one chart, one table on the page, or the tiles.
    shown_tables = re.findall(r'<div class="table" id="table-([a-z0-9_]+)">', page)
    assert sorted([*names, *shown_tables, "headline"]) == sorted(report.tables)
    assert {"mrr_bridge", "cohorts", "health_distribution", "roc"} <= set(names)


def test_write_refuses_a_folder_that_is_not_a_report(tiny, tmp_path):
    _, report = tiny
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(rt.InputError, match=r"report\.html"):
        report.write(out)
    assert _files(out) == {"notes.txt": b"keep me"}
    assert _hidden(tmp_path) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(rt.InputError, match="file"):
        report.write(tmp_path / "file")


def test_write_replaces_an_earlier_report_whole(tiny, tmp_path):
    _, report = tiny
    out = tmp_path / "review"
    path = report.write(out)
    assert path == out / "report.html"
    first = _files(out)
    # A table of an older report goes with it; a file retain did not write stops the write.
    (out / "tables" / "gone.csv").write_text("a\n1\n")
    report.write(out)
    assert _files(out) == first
    (out / "notes.txt").write_text("mine")
    with pytest.raises(rt.InputError, match=r"notes\.txt"):
        report.write(out)
    assert (out / "notes.txt").read_text() == "mine"
    assert _files(out) == {**first, "notes.txt": b"mine"}
    assert _hidden(tmp_path) == []


def test_a_failed_write_leaves_the_earlier_report_and_no_staging_folder(
    tiny, tmp_path, monkeypatch
):
    _, report = tiny
    out = tmp_path / "review"
    report.write(out)
    before = _files(out)
    last = list(report.tables)[-1]  # some tables are written before it fails

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report.tables[last], "to_csv", disk_full)
    with pytest.raises(OSError, match="No space left"):
        report.write(out)
    assert _files(out) == before
    assert _hidden(tmp_path) == []
    # Into a new folder: nothing appears.
    with pytest.raises(OSError):
        report.write(tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert _hidden(tmp_path) == []


# ------------------------------------------------------------------------------ bad inputs


def test_bad_inputs_to_build_are_named_errors(tiny):
    book, _ = tiny
    with pytest.raises(TypeError, match="Book"):
        rt.report.build(book.table("mrr"))
    accounts_only = rt.Book(book.table("accounts"))
    with pytest.raises(rt.InputError, match="mrr"):
        rt.report.build(accounts_only)
    for day in ("2030-06-30", "2023-12-31"):  # after and before the MRR months
        with pytest.raises(rt.InputError, match="as_of") as caught:
            rt.report.build(book, as_of=day)
        assert day in str(caught.value)
    with pytest.raises(rt.InputError, match="as_of"):
        rt.report.build(book, as_of="notadate")
    for model in ("default", DEFAULT_DOC):
        with pytest.raises(TypeError, match="model"):
            rt.report.build(book, model=model)


def test_a_book_without_churns_activities_or_surveys_says_what_is_not_shown():
    full = rt.datasets.synthetic_saas(accounts=300, months=18, random_state=5)
    frames = {n: full.table(n) for n in full.tables if n not in ("churns", "activities", "surveys")}
    book = rt.Book(frames.pop("accounts"), **frames)
    with warnings.catch_warnings(record=True):
        # Scoring may warn that the satisfaction and touch measures have no column; the page
        # must say so either way.
        warnings.simplefilter("always")
        report = rt.report.build(book)
    page = report.html()
    assert report.sections == list(SECTIONS)
    notes = " ".join(re.findall(r'<p class="note">(.*?)</p>', page))
    for table in ("churns", "activities", "surveys"):
        assert table in notes, table
    # What needs them is absent, not drawn empty.
    for chart in ("churn_reasons", "coverage_by_owner", "roc"):
        assert chart not in report.tables, chart
    assert "NPS" not in report.tables["headline"].index
    assert {"mrr_bridge", "cohorts", "health_distribution"} <= set(report.tables)


def test_a_report_of_a_model_set_shows_its_backtest_without_a_weight_fit(book, report):
    # Each plan scored by the default model (its percentile measures then rank within the plan,
    # so scores differ from the plain report's). The report is built, backtest included; the
    # weight fit is one model's, so it is left out, with a note saying why.
    plans = book.table("mrr")["plan"].dropna().unique()
    models = rt.ModelSet({p: rt.models.default() for p in plans}, by="plan")
    built = rt.report.build(book, model=models)
    assert len(built.tables["roc"]) > 2 and len(built.tables["auc_by_date"]) > 0
    assert set(built.tables) == set(report.tables) - {"weights"}
    assert "weights" in report.tables and "weights" not in built.tables
    assert "whose models are fitted one by one" in built.html()
