"""The README's snippets are code: the Python quick start runs, and the C++ quick start is the
example service (examples/cpp) that the C++ tests build and run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_the_first_screen_python_writes_the_demo_report(tmp_path, monkeypatch, capsys):
    # The five lines under the report's screenshot do what `retain demo` does: the same report.
    from retain.__main__ import main

    monkeypatch.chdir(tmp_path)
    exec(compile(blocks("python")[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert main(["demo", "--quiet", "--out", "cli"]) == 0
    cli = capsys.readouterr().out
    assert printed.strip() == cli.split("\nreport: ")[0].strip()
    python_page = (tmp_path / "retain-report" / "report.html").read_bytes()
    assert python_page == (tmp_path / "cli" / "report.html").read_bytes()


def test_the_book_page_runs_and_gives_the_hand_worked_values(capsys):
    snippet = blocks("python")[1]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    mv = namespace["mv"]
    basic = mv.loc["basic"]
    assert basic["new"].tolist() == [100.0, 0.0, 0.0]
    assert basic["churned"].tolist() == [0.0, 0.0, 100.0]
    pro = mv.loc["pro"]
    # ACC-1 500 from January; ACC-3 300 new in February; ACC-1 up 100 in March.
    assert pro["new"].tolist() == [500.0, 300.0, 0.0]
    assert pro["expansion"].tolist() == [0.0, 0.0, 100.0]
    snaps = namespace["snaps"]
    assert snaps["account_id"].tolist() == ["ACC-1", "ACC-2", "ACC-1", "ACC-3"]
    # ACC-2 signed at 2024-01-20 23:30 UTC; ACC-1 on Jan 5, ACC-3 on Feb 10.
    assert snaps["tenure_days"].tolist() == [26, 11, 55, 19]
    assert snaps["events_7d"].tolist() == [0, 0, 2, 0]
    # Equal weights: (events_7d / 4 x 100 + mrr / 1000 x 100) / 2.
    assert namespace["scores"].tolist() == [25.0, 5.0, 50.0, 15.0]
    per_date = namespace["bt"].per_date
    assert per_date["n"].tolist() == [2, 2]
    assert per_date["churners"].tolist() == [1, 0]
    assert per_date["roc_auc"].iloc[0] == 1.0
    assert np.isnan(per_date["roc_auc"].iloc[1])
    printed = capsys.readouterr().out
    first = re.search(r"print\(mv\.loc.*?\)\n((?:# .*\n)+)", snippet).group(1)
    expected = [line[2:].split("(")[0].split() for line in first.strip().splitlines()]
    assert [line.split() for line in printed.strip().splitlines()[: len(expected)]] == expected


def test_python_quick_start_runs_and_gives_the_hand_worked_values(capsys):
    snippet = blocks("python")[2]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    mv = namespace["mv"]
    # acme 100 -> 150 (two line items), globex 80 -> 0 -> 80, initech new at 50 then gone.
    assert mv.loc[pd.Period("2024-02", "M"), "expansion"] == 50.0
    assert mv.loc[pd.Period("2024-03", "M"), "churned"] == 200.0
    assert mv.loc[pd.Period("2024-03", "M"), "reactivation"] == 80.0
    assert namespace["logo_churn"].loc[pd.Period("2024-02", "M")] == 0.5
    # Feb: Jan payers acme and globex had 180 and now pay 150; Mar: acme and initech 200 -> 0.
    assert namespace["nrr"].tolist() == pytest.approx([150 / 180, 0.0])
    assert namespace["value"] == pytest.approx(450_000.0)
    assert namespace["score"].nps == pytest.approx(100 * (3 - 2) / 6)
    # Cohort 2024-01 (acme 100 + globex 80): 180, then 150 (acme), then 80 (globex back).
    cohorts = namespace["cohorts"]
    assert cohorts.loc[pd.Period("2024-01", "M")].tolist() == pytest.approx(
        [1, 150 / 180, 80 / 180]
    )
    # Cohort 2024-02 (initech 50): gone in March; nothing is known beyond the data.
    assert cohorts.loc[pd.Period("2024-02", "M")].tolist()[:2] == [1.0, 0.0]
    printed = capsys.readouterr().out
    expected = re.search(r"print\(mv\[.*?\]\)\n((?:# .*\n)+)", snippet).group(1)
    assert [line.split() for line in printed.strip().splitlines()] == [
        line[2:].split() for line in expected.strip().splitlines()
    ]


def test_survival_snippet_runs_and_gives_the_hand_worked_values():
    snippet = blocks("python")[3]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    # 7 at risk; events at 1, 2, 3 and two at 4: S = 6/7, x 4/5, x 3/4, x 1/3.
    s = [1, 6 / 7, 6 / 7 * 4 / 5, 6 / 7 * 4 / 5 * 3 / 4, 6 / 7 * 4 / 5 * 3 / 4 / 3]
    assert namespace["km"]["survival"].tolist()[:5] == pytest.approx(s)
    assert namespace["median"] == 4.0
    # area: 1 + S(1) + S(2) + S(3) over one month each, then S(4) for the 8 months to 12.
    assert namespace["rmst"] == pytest.approx(1 + s[1] + s[2] + s[3] + 8 * s[4])
    assert sorted(namespace["by_plan"]["plan"].unique()) == ["pro", "starter"]


def test_customer_kpi_snippet_runs_and_gives_the_hand_worked_values():
    snippet = blocks("python")[4]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    assert namespace["sat"][:3] == (0.7, 7, 10)
    overall = namespace["onboarding"].overall
    # a: kickoff day 2, report day 26 (window ends 02-09); b: no report; c signed 03-20: pending.
    assert (overall["completed"], overall["eligible"], overall["pending"]) == (1, 2, 1)
    assert overall["rate"] == 0.5
    per_account = namespace["ttv"].per_account
    # b: 01-20 to 04-01 is 11 + 29 + 31 + 1 = 72 days; c: 03-20 to 04-01 is 12.
    assert per_account["days"].tolist() == [26.0, 72.0, 12.0]
    assert per_account["reached"].tolist() == [True, False, False]
    # c leaves the risk set (censored) at day 12, so 2 are at risk at day 26 and one gets there:
    # S(26) = 1/2, the median; S stays 1/2 after, never <= 1/4.
    assert namespace["ttv"].summary["median"] == 26.0
    assert namespace["ttv"].summary["p75"] == float("inf")


def test_cpp_quick_start_is_the_example_service():
    # Word for word, so that the README and the program the tests build cannot drift apart.
    section = README.split("\n## C++ quick start\n", 1)[1].split("\n## ", 1)[0]
    example = ROOT / "examples" / "cpp"
    cmake = re.findall(r"```cmake\n(.*?)```", section, flags=re.S)
    assert cmake == [(example / "CMakeLists.txt").read_text()]
    cpp = re.findall(r"```cpp\n(.*?)```", section, flags=re.S)
    assert cpp == [(example / "main.cpp").read_text()]


def test_engagement_snippet_runs_and_gives_the_hand_worked_values():
    snippet = blocks("python")[5]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    f = namespace["features"].set_index("account_id")
    # acme, window Mar 25-31: ann Mar 30, bob Mar 31; the 7 days before: ann Mar 20.
    assert f.loc["acme", "events_7d"] == 2
    assert f.loc["acme", "trend_7d"] == 2.0
    # Mar 2-31: Mar 20, 30, 31 by ann and bob, 3 days, features search and export.
    assert f.loc["acme", ["events_30d", "active_users_30d", "active_days_30d"]].tolist() == [
        3,
        2,
        3,
    ]
    assert f.loc["acme", "distinct_features_30d"] == 2
    assert f.loc["acme", "days_since_last_event"] == 0.0
    # globex: one event on Mar 2, 29 days before, inside the 30 days; nothing in the 7 days.
    assert f.loc["globex", "events_30d"] == 1
    assert f.loc["globex", "days_since_last_event"] == 29.0
    assert np.isnan(f.loc["globex", "trend_7d"])
    assert namespace["mau"].tolist() == [3, 1]
    # March has 31 days: DAU 1 (Mar 2), 1 (Mar 20), 1 (Mar 30), 1 (Mar 31) over MAU 3.
    assert namespace["sticky"]["stickiness"].iloc[0] == pytest.approx(4 / 31 / 3)
    assert namespace["adoption"]["adoption"].tolist() == [1.0, 0.5, 0.0]  # search, export, share
    assert namespace["seats"]["utilization"].tolist() == [0.5, 0.5]


def test_segmentation_snippet_runs_and_gives_the_hand_worked_values():
    snippet = blocks("python")[6]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    # acme 250k >= 100k; globex 40k and 75; initech 40k but 30 < 40; hooli 3k (and a NaN score).
    assert namespace["tiers"].tolist() == ["high_touch", "low_touch", "tech_touch", "tech_touch"]
    cov = namespace["cov"]
    assert cov["accounts"].tolist() == [1, 1, 2]
    assert cov["csms_needed"].tolist()[:2] == [1.0, 1.0]  # ceil(1 / 25), ceil(1 / 200)
    assert np.isnan(cov.loc["tech_touch", "csms_needed"])
    moves = namespace["moves"]
    assert moves.index.tolist() == ["initech", "globex"]
    assert moves["after"].tolist() == ["high_touch", "tech_touch"]


def test_health_snippet_runs_and_gives_the_hand_worked_values():
    snippet = blocks("python")[7]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    scored = namespace["scored"]
    # acme: 0.6 * 75 + 0.4 * (100 + 0.5 * 90) / 1.5; globex: 0.6 * 20 + 0.4 * (0.5 * 40) / 1.5;
    # initech: satisfaction (50 + 0.5 * 100) / 1.5 alone.
    assert scored["score"].tolist() == pytest.approx(
        [0.6 * 75 + 0.4 * 145 / 1.5, 0.6 * 20 + 0.4 * 20 / 1.5, 100 / 1.5]
    )
    assert scored["grade"].tolist() == ["green", "red", "yellow"]
    assert scored["coverage"].tolist() == pytest.approx([1, 1, 0.4])
    assert namespace["why"].sum(axis=1).tolist() == pytest.approx(scored["score"].tolist())
    assert namespace["moved"]["score_change"].tolist() == pytest.approx([-0.4 * 100 / 1.5, 0, 0])
    assert namespace["change"].loc["acme", "nps"] == pytest.approx(-0.4 * 100 / 1.5)


def test_rollup_snippet_runs_and_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[8], "README.md", "exec"), namespace)
    parents = namespace["parents"]
    # acme: (100 * 80 + 300 * 40) / (100 + 300); acme-jp (no score) counts only in the ARR.
    assert parents.loc["acme", "score"] == pytest.approx(50.0)
    assert parents.loc["acme", "weight"] == 450.0
    assert parents.loc["acme", "worst_child"] == "acme-eu"
    assert parents.loc["globex", "score"] == 90.0


def test_alerts_snippet_runs_and_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[9], "README.md", "exec"), namespace)
    todo = namespace["todo"]
    # initech fell 20 into red; acme fell 12.5; globex entered red; hooli rose; umbrella is new.
    assert list(todo.index) == ["initech", "acme", "globex"]
    assert todo["reason"].tolist() == [
        "score fell 20; entered red",
        "score fell 12.5",
        "entered red",
    ]


def test_backtest_snippet_runs_and_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[10], "README.md", "exec"), namespace)
    result = namespace["result"]
    # Jan 1: b (0.9) above every stayer; Feb 1: d (0.3) beats a (0.2), loses to c (0.4).
    assert result.per_date["roc_auc"].tolist() == [1.0, 0.5]
    assert result.per_date["n"].tolist() == [4, 3]
    # b beats 5 stayers, d: 2 wins + a tie (1/2) of 5 -> 7.5 of 10 pairs.
    assert result.pooled["roc_auc"] == pytest.approx(0.75)
    assert result.dropped["inactive"] == 1


def test_labels_snippet_runs_and_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[11], "README.md", "exec"), namespace)
    snaps = namespace["snaps"]
    # a: Jan 5 ticket closed on Feb 1, then one opened Feb 20; b signed Feb 10 (no Feb 1 row).
    assert snaps["open_tickets"].tolist() == [0, 1, 0]
    assert snaps["tenure_days"].tolist() == [31, 60, 20]
    assert namespace["labels"].frame["label"].tolist() == [1, 1, 0]


def test_metrics_snippet_runs_and_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[12], "README.md", "exec"), namespace)
    y, risk, rt = namespace["y"], namespace["risk"], namespace["rt"]
    assert rt.metrics.roc_auc(y, risk) == pytest.approx(6 / 9)  # 6 of 9 pairs, ties 1/2
    assert rt.metrics.precision_at(y, risk, top=0.5) == pytest.approx(5 / 9)
    assert rt.metrics.lift(y, risk, top=0.5) == pytest.approx(10 / 9)


def test_logistic_snippet_runs_its_own_hand_worked_checks():
    namespace: dict = {}
    exec(compile(blocks("python")[13], "README.md", "exec"), namespace)
    b = namespace["b"]
    assert b == pytest.approx(2 / (1 + np.exp(b)), abs=1e-12)  # the zero gradient


def test_churn_reasons_and_coverage_snippet_gives_the_hand_worked_values():
    namespace: dict = {}
    exec(compile(blocks("python")[14], "README.md", "exec"), namespace)
    reasons, cover = namespace["reasons"], namespace["cover"]
    # One churn per month, so each reason holds the whole month's churned MRR.
    assert list(reasons["share_of_churned_mrr"]) == [1.0, 1.0, 1.0]
    assert cover.loc["bob", "touches"] == 2 and cover.loc["bob", "untouched_arr"] == 12 * 80


def test_reasons_snippet_gives_the_hand_worked_points():
    namespace: dict = {}
    exec(compile(blocks("python")[15], "README.md", "exec"), namespace)
    why = namespace["why"]
    assert list(why["points_lost"]) == pytest.approx([48.0, 0.4 / 1.5 * 100, 0.4 * 0.5 / 1.5 * 60])
    assert list(why["measure_score"]) == pytest.approx([20.0, 0.0, 40.0])


def test_calibration_snippet_runs_its_checks_and_beats_the_base_rate():
    namespace: dict = {}
    exec(compile(blocks("python")[16], "README.md", "exec"), namespace)
    risk, p = namespace["risk"], namespace["p"]
    assert risk.method == "isotonic" and risk.horizon_days == 60
    assert ((p >= 0) & (p <= 1)).all() and p.index.name == "account_id"


def test_survival_snippet_gives_the_hand_worked_tenure_and_ltv():
    namespace: dict = {}
    exec(compile(blocks("python")[17], "README.md", "exec"), namespace)
    km = namespace["km"]
    # Times: every entry and duration (and 0): 0, 30, 60, 121, 200, 381.
    assert list(km["time"]) == [0, 30, 60, 121, 200, 381]
    assert list(km["at_risk"]) == [3, 3, 2, 1, 1, 1]
