"""The ``retain`` command: report, demo, score, backtest and fit on a folder of exports.

Commands run in-process through ``retain.__main__.main`` (fast); one demo runs as
``python -m retain`` in a subprocess, and one bad input through the console script, to check the
exit codes a shell sees. Scores are checked against the plain per-row oracle of the health model
(health_oracle.py), backtest AUCs against scikit-learn, labels and active accounts against the
raw tables in pandas.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from health_oracle import oracle_points_lost, oracle_score
from sklearn.metrics import roc_auc_score

import retain as rt
from retain.__main__ import main

COMMANDS = ("demo", "report", "score", "backtest", "fit")
SEED_ARGS = ["--accounts", "300", "--months", "18", "--seed", "5"]
LAST_DAY = pd.Timestamp("2024-06-30")  # 18 months from 2023-01
SCORE_DAY = pd.Timestamp("2024-05-31")
# The backtest's default dates: the latest 12 month ends whose 90 days end by the last day.
BACKTEST_DATES = pd.date_range("2023-04-30", "2024-03-31", freq="ME")
DEFAULT_DOC = json.loads(Path(rt.__file__).with_name("default_model.json").read_text())


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The synthetic business of ``retain demo`` with SEED_ARGS, and its folder of exports."""
    book = rt.datasets.synthetic_saas(accounts=300, months=18, random_state=5)
    folder = rt.datasets.write(book, tmp_path_factory.mktemp("exports") / "data")
    return book, folder


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _retain_env() -> dict:
    """The environment of a child process that imports the retain this test imports."""
    env = dict(os.environ)
    # Not resolved: a package dir of symlinks (a build's test tree) must stay the one imported.
    here = os.path.dirname(os.path.dirname(os.path.abspath(rt.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    return env


# ------------------------------------------------------------------------------ help, version


def test_version_prints_retains_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"retain {rt.__version__}"


@pytest.mark.parametrize("argv", [["--help"], *[[c, "--help"] for c in COMMANDS]])
def test_help_shows_an_example(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out
    if argv[0] in COMMANDS:
        assert f"retain {argv[0]} " in out.split("example:")[1]


# --------------------------------------------------------------------------- report and demo


def test_report_on_a_written_folder_equals_the_demo_on_the_same_data(data, tmp_path, capsys):
    _, folder = data
    # The demo in a child process, as a shell runs it: exit code 0, and quiet means quiet.
    demo = subprocess.run(
        [sys.executable, "-m", "retain", "demo", *SEED_ARGS, "--quiet", "--out", "demo"],
        cwd=tmp_path, env=_retain_env(), capture_output=True, text=True, timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr == ""
    assert f"report: {Path('demo') / 'report.html'}" in demo.stdout
    # The report of the exports, here, with its progress: one line per step (not a terminal).
    code = main(
        ["report", "--data", str(folder), "--internal-types", "note", "--out",
         str(tmp_path / "report")]
    )
    assert code == 0
    out, err = capsys.readouterr()
    steps = ["data", "revenue", "health", "coverage", "backtest", "write"]
    lines = err.splitlines()
    assert len(lines) == len(steps) + 1
    for k, (line, step) in enumerate(zip(lines, steps, strict=False), start=1):
        assert re.fullmatch(rf"retain: \[{k}/6\] {step} \(\d+\.\d s\)", line), line
    assert re.fullmatch(r"retain: done in \d+\.\d s", lines[-1])
    assert f"report: {tmp_path / 'report' / 'report.html'}" in out
    # Same data, same bytes: the page and every table.
    demo_files, report_files = _files(tmp_path / "demo"), _files(tmp_path / "report")
    assert demo_files["report.html"] == report_files["report.html"]
    assert demo_files == report_files
    assert _hidden(tmp_path) == []


# ------------------------------------------------------------------------------ bad inputs


def _minimal_copy(folder: Path, to: Path, tables=("accounts", "mrr")) -> Path:
    to.mkdir()
    for table in tables:
        shutil.copy(folder / f"{table}.csv", to / f"{table}.csv")
    return to


def _no_accounts(folder, tmp):
    return ["--data", str(_minimal_copy(folder, tmp / "exports", tables=("mrr",)))], [
        "accounts.csv"
    ]


def _misspelt_column(folder, tmp):
    copy = _minimal_copy(folder, tmp / "exports")
    lines = (copy / "mrr.csv").read_text().split("\n")
    assert '"period"' in lines[0]
    lines[0] = lines[0].replace('"period"', '"perod"')
    (copy / "mrr.csv").write_text("\n".join(lines))
    return ["--data", str(copy)], ["mrr", "'period'", "'perod'"]


def _bad_date(folder, tmp):
    copy = _minimal_copy(folder, tmp / "exports")
    accounts = pd.read_csv(copy / "accounts.csv", dtype=str, keep_default_na=False)
    accounts.loc[5, "signed_at"] = "2023-13-45"  # row 5 of the table, line 7 of the file
    accounts.to_csv(copy / "accounts.csv", index=False)
    return ["--data", str(copy)], ["accounts", "signed_at", "row 5", "2023-13-45"]


def _data_is_a_file(folder, tmp):
    (tmp / "exports.zip").write_bytes(b"PK")
    return ["--data", str(tmp / "exports.zip")], ["--data", "exports.zip", "not a folder"]


def _model_not_json(folder, tmp):
    (tmp / "model.json").write_text('{"version": 1, "groups": [')
    return ["--data", str(folder), "--model", str(tmp / "model.json")], [
        "--model", "model.json", "JSON"
    ]


def _as_of_not_a_date(folder, tmp):
    return ["--data", str(folder), "--as-of", "notadate"], ["--as-of", "notadate"]


@pytest.mark.parametrize(
    "bad",
    [_no_accounts, _misspelt_column, _bad_date, _data_is_a_file, _model_not_json,
     _as_of_not_a_date],
)
def test_a_bad_input_is_exit_code_2_with_its_name_and_no_output(bad, data, tmp_path, capsys):
    _, folder = data
    (tmp_path / "work").mkdir()
    args, named = bad(folder, tmp_path / "work")
    out_dir = tmp_path / "out"
    code = main(["report", *args, "--quiet", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("retain report: error: ") and err.count("\n") == 1, err
    message = err.removeprefix("retain report: error: ")
    assert not message.startswith('"'), err  # the message itself, not a repr of it
    for word in named:
        assert word in message, (word, err)
    assert not out_dir.exists()
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize(
    "command, out",
    [("score", "scores.csv"), ("backtest", "backtest"), ("fit", "fitted.json")],
)
def test_every_command_names_a_bad_column_and_writes_nothing(command, out, data, tmp_path, capsys):
    _, folder = data
    (tmp_path / "work").mkdir()
    args, named = _misspelt_column(folder, tmp_path / "work")
    extra = ["--as-of", "2024-05-31"] if command == "score" else []
    code = main([command, *args, *extra, "--quiet", "--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"retain {command}: error: ")
    assert all(word in err for word in named), err
    assert not (tmp_path / out).exists()
    assert _hidden(tmp_path) == []


def test_the_console_script_exits_2_on_a_bad_folder(tmp_path):
    script = Path(sys.executable).with_name("retain")
    if not script.exists():
        pytest.skip("no retain console script beside this Python")
    done = subprocess.run(
        [str(script), "report", "--data", str(tmp_path / "missing"), "--out", "out"],
        cwd=tmp_path, env=_retain_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "--data" in done.stderr and "missing" in done.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------ score


def _active_accounts(book: rt.Book, day: pd.Timestamp) -> set:
    """Customers on ``day``, from the raw tables: signed by it, billed in its month, not
    churned by it without a return by it."""
    mrr = book.table("mrr")
    month = pd.PeriodIndex(mrr["period"].astype(str), freq="M")
    billed = mrr[month == day.to_period("M")].groupby("account_id")["mrr"].sum()
    accounts = book.table("accounts").set_index("account_id")
    signed = pd.to_datetime(accounts["signed_at"])
    churns = book.table("churns")
    gone = churns[
        (pd.to_datetime(churns["churned_at"]) <= day)
        & ~(pd.to_datetime(churns["returned_at"]) <= day)
    ]
    return {a for a in billed.index[billed > 0] if signed[a] <= day} - set(gone["account_id"])


def test_score_writes_every_active_account_with_the_oracles_score_and_reasons(
    data, tmp_path, capsys
):
    book, folder = data
    path = tmp_path / "scores.csv"
    code = main(
        ["score", "--data", str(folder), "--internal-types", "note", "--as-of", "2024-05-31",
         "--out", str(path), "--quiet"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    scores = pd.read_csv(path, index_col="account_id")
    assert scores.index.is_unique
    assert set(scores.index) == _active_accounts(book, SCORE_DAY)
    assert (pd.to_datetime(scores["as_of"]) == SCORE_DAY).all()
    assert {"score", "grade", "reason_1", "reason_2", "reason_3"} <= set(scores.columns)
    # The scores of the plain oracle on the same day's snapshot rows.
    snaps = book.snapshots([SCORE_DAY]).set_index("account_id")
    oracle = oracle_score(DEFAULT_DOC, snaps).loc[scores.index]
    np.testing.assert_allclose(scores["score"], oracle["score"], rtol=1e-12)
    assert (scores["grade"] == oracle["grade"]).all()
    counts = oracle["grade"].value_counts()
    assert (
        f"scored {len(scores):,} accounts as of 2024-05-31: red {counts['red']:,}, "
        f"yellow {counts['yellow']:,}, green {counts['green']:,}"
    ) in out
    # The first reason is the measure that costs the most points (where it is clear-cut).
    lost = oracle_points_lost(DEFAULT_DOC, snaps).loc[scores.index]
    top_two = np.sort(lost.to_numpy(), axis=1)[:, -2:]
    clear = (top_two[:, 1] - top_two[:, 0] > 1e-6) & (top_two[:, 1] > 0)
    assert clear.sum() > 0.9 * len(scores)
    labels = {m["name"]: m["label"] for m in DEFAULT_DOC["measures"]}
    for account, measure in lost.idxmax(axis=1)[clear].items():
        assert scores.loc[account, "reason_1"].startswith(labels[measure] + ":"), account


def test_progress_is_one_line_per_step_and_nothing_when_quiet(data, tmp_path, capsys):
    _, folder = data
    args = ["score", "--data", str(folder), "--internal-types", "note", "--as-of", "2024-05-31"]
    assert main([*args, "--out", str(tmp_path / "a.csv")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [re.sub(r" \(\d+\.\d s\)$", "", line) for line in lines[:-1]] == [
        "retain: [1/3] data", "retain: [2/3] score", "retain: [3/3] write"
    ]
    assert re.fullmatch(r"retain: done in \d+\.\d s", lines[-1])
    assert main([*args, "--out", str(tmp_path / "b.csv"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# --------------------------------------------------------------------------------- backtest


def test_backtest_writes_its_tables_and_the_auc_is_scikit_learns(data, tmp_path, capsys):
    book, folder = data
    out_dir = tmp_path / "backtest"
    args = ["backtest", "--data", str(folder), "--internal-types", "note", "--out", str(out_dir)]
    assert main([*args, "--quiet"]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "per_date.csv", "pooled.csv", "scores.csv", "summary.txt"
    ]
    scores = pd.read_csv(out_dir / "scores.csv", parse_dates=["as_of"])
    pooled = pd.read_csv(out_dir / "pooled.csv", index_col=0)["pooled"]
    per_date = pd.read_csv(out_dir / "per_date.csv", index_col="as_of", parse_dates=["as_of"])
    auc = roc_auc_score(scores["label"], scores["risk"])
    assert float(pooled["roc_auc"]) == pytest.approx(auc, abs=1e-12)
    assert float(pooled["n"]) == len(scores)
    # Every one of the 12 month ends the command chose is observed to its horizon by the data's
    # last day, so every one is measured.
    assert list(per_date.index) == list(BACKTEST_DATES)
    for day, rows in scores.groupby("as_of"):
        assert per_date.loc[day, "roc_auc"] == pytest.approx(
            roc_auc_score(rows["label"], rows["risk"]), abs=1e-12
        )
    # A label is a churn record in (as_of, as_of + 90 days].
    churns = book.table("churns")
    churned = pd.to_datetime(churns["churned_at"])
    for (account, day), label in scores.set_index(["account_id", "as_of"])["label"].items():
        mine = churned[churns["account_id"] == account]
        expected = ((mine > day) & (mine <= day + pd.Timedelta(days=90))).any()
        assert label == int(expected), (account, day)
    summary = (out_dir / "summary.txt").read_text()
    assert f"ROC AUC {auc:.3f}" in summary
    # --min-auc: a failed check is exit code 1 (the output is still written), a passed one 0.
    assert main([*args, "--quiet", "--min-auc", "0.99"]) == 1
    assert "--min-auc 0.99" in capsys.readouterr().err
    assert (out_dir / "summary.txt").read_text() == summary
    assert main([*args, "--quiet", "--min-auc", "0.5"]) == 0
    assert _hidden(tmp_path) == []


# -------------------------------------------------------------------------------------- fit


def test_fit_writes_a_document_of_the_same_measures(data, tmp_path, capsys):
    _, folder = data
    # A model of our own: the default without CSAT.
    document = dict(DEFAULT_DOC)
    document["measures"] = [m for m in DEFAULT_DOC["measures"] if m["name"] != "csat_score"]
    (tmp_path / "mine.json").write_text(json.dumps(document))
    out = tmp_path / "models" / "fitted.json"
    with warnings.catch_warnings(record=True):
        # The fit may warn of measures that point the wrong way on this small business.
        warnings.simplefilter("always")
        code = main(
            ["fit", "--data", str(folder), "--internal-types", "note", "--model",
             str(tmp_path / "mine.json"), "--out", str(out), "--quiet"]
        )
    assert code == 0
    assert f"model: {out}" in capsys.readouterr().out
    fitted = rt.HealthModel.from_json(out.read_text())
    given = rt.HealthModel.from_dict(document)
    assert fitted.measures == given.measures
    assert "csat_score" not in fitted.measures
    assert fitted.groups == given.groups and fitted.grades == given.grades
    weights = {m["name"]: m.get("weight", 1) for m in fitted.to_dict()["measures"]}
    assert weights != {m["name"]: m.get("weight", 1) for m in document["measures"]}
    assert _hidden(out.parent) == []


def test_out_never_takes_a_users_files(tmp_path, capsys):
    # A file of the user's inside an earlier report, an existing scores file, the model itself:
    # each is refused with exit code 2 before any work, and left as it was.
    book = rt.datasets.synthetic_saas(accounts=300, months=18, random_state=5)
    data = tmp_path / "data"
    rt.datasets.write(book, data)
    out = tmp_path / "review"
    assert main(["report", "--data", str(data), "--out", str(out), "--quiet"]) == 0
    (out / "my_notes.txt").write_text("keep me")
    assert main(["report", "--data", str(data), "--out", str(out), "--quiet"]) == 2
    assert "my_notes.txt" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "keep me"
    mine = tmp_path / "mine.csv"
    mine.write_text("a,b\n1,2\n")
    args = ["score", "--data", str(data), "--as-of", "2024-05-31", "--out", str(mine), "--quiet"]
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert mine.read_text() == "a,b\n1,2\n"
    assert main([*args, "--overwrite"]) == 0
    assert mine.read_text().startswith("account_id,as_of,score")
    model = tmp_path / "model.json"
    model.write_text(rt.models.default().to_json())
    fit = ["fit", "--data", str(data), "--model", str(model), "--out", str(model), "--quiet"]
    assert main(fit) == 2
    assert model.read_text() == rt.models.default().to_json()


def test_unknown_accounts_drop_reads_a_folder_the_default_refuses(tmp_path, capsys):
    book = rt.datasets.synthetic_saas(accounts=300, months=18, random_state=5)
    data = tmp_path / "data"
    rt.datasets.write(book, data)
    tickets = pd.read_csv(data / "tickets.csv", dtype=str)
    tickets.loc[3, "account_id"] = "ACC-99999"  # not in accounts.csv
    tickets.to_csv(data / "tickets.csv", index=False)
    args = ["score", "--data", str(data), "--as-of", "2024-05-31", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a.csv")]) == 2
    err = capsys.readouterr().err
    assert "ACC-99999" in err and "tickets.csv, line 5" in err
    assert main([*args, "--out", str(tmp_path / "b.csv"), "--unknown-accounts", "drop"]) == 0
    scored = pd.read_csv(tmp_path / "b.csv")
    assert len(scored) > 100 and "ACC-99999" not in set(scored["account_id"])


def test_backtest_with_as_of_dates_needs_no_default_history(tmp_path, capsys):
    """Four months of MRR are too few for the default dates (two observed month ends), not for
    dates given with --as-of: the command backtests those."""
    book = rt.datasets.synthetic_saas(accounts=300, months=4, random_state=5)
    folder = rt.datasets.write(book, tmp_path / "data")
    args = ["backtest", "--data", str(folder), "--internal-types", "note", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "default")]) == 2
    assert "too few to backtest" in capsys.readouterr().err
    months = rt.kpi.mrr_movements(book).index
    day = (months[0].end_time + pd.Timedelta(days=1)).normalize()
    given = ["--horizon-days", "30", "--as-of", f"{day:%Y-%m-%d}"]
    assert main([*args, *given, "--out", str(tmp_path / "bt")]) == 0
    scores = pd.read_csv(tmp_path / "bt" / "scores.csv", parse_dates=["as_of"])
    assert set(scores["as_of"]) == {day}
    assert len(scores) > 0
