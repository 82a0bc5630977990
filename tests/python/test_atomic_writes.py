"""Every file retain writes appears whole or not at all.

Each writer is made to fail partway (a disk that fills after some bytes: part of a file is on
disk when the error comes). Its earlier output must then be there byte for byte, a new target
must not appear, and no temporary file or folder may be left beside it. The writers: the
``retain`` command's score, fit and backtest outputs, ``rt.datasets.write`` in both formats,
and the report (its own test, tests/python/test_report.py, fails it the same way).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import retain as rt
from retain.__main__ import main


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    book = rt.datasets.synthetic_saas(accounts=120, months=14, random_state=3)
    return book, rt.datasets.write(book, tmp_path_factory.mktemp("exports") / "data")


def _files(place: Path) -> dict[str, bytes]:
    if place.is_file():
        return {place.name: place.read_bytes()}
    return {str(p.relative_to(place)): p.read_bytes() for p in place.rglob("*") if p.is_file()}


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


class DiskFull:
    """Lets ``allowed`` writes through, then writes part of the next file and raises ENOSPC.

    Wraps a writing function whose argument ``path_at`` is the file written."""

    def __init__(self, write, allowed: int, path_at: int = 1):
        self.write, self.allowed, self.path_at, self.calls = write, allowed, path_at, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.allowed:
            return self.write(*args, **kwargs)
        path = Path(args[self.path_at])
        with open(path, "wb") as part:  # not Path.write_bytes: that may be the patched writer
            part.write(b"account_id,score\nacc-1,4")  # a row cut short
        raise OSError(28, "No space left on device", str(path))


def _cli(command: list[str], folder: Path, out: Path) -> int:
    return main(
        [*command, "--data", str(folder), "--internal-types", "note", "--out", str(out), "--quiet"]
    )


def _score(folder, out, overwrite):
    return _cli(["score", "--as-of", "2024-01-31"] + ["--overwrite"] * overwrite, folder, out)


def _fit(folder, out, overwrite):
    return _cli(["fit", "--holdout", "0.25"] + ["--overwrite"] * overwrite, folder, out)


def _backtest(folder, out, overwrite):  # a backtest folder is always replaced
    return _cli(["backtest", "--horizon-days", "60"], folder, out)


CLI_WRITERS = {
    # name: (run, the class and method that write, writes that succeed first, output's name)
    "score": (_score, (pd.DataFrame, "to_csv"), 0, "scores.csv"),
    "fit": (_fit, (Path, "write_text"), 0, "model.json"),
    "backtest": (_backtest, (pd.DataFrame, "to_csv"), 2, "backtest"),  # then pooled.csv fails
}


def _fill_disk(monkeypatch, where, allowed: int) -> DiskFull:
    owner, method = where
    full = DiskFull(getattr(owner, method), allowed, path_at=0 if owner is Path else 1)
    monkeypatch.setattr(owner, method, lambda *args, **kwargs: full(*args, **kwargs))
    return full


@pytest.mark.parametrize("name", sorted(CLI_WRITERS))
def test_a_command_whose_disk_fills_keeps_its_earlier_output(
    name, exports, tmp_path, monkeypatch, capsys
):
    run, where, allowed, leaf = CLI_WRITERS[name]
    _, folder = exports
    out = tmp_path / leaf
    assert run(folder, out, overwrite=False) == 0
    before = _files(out)
    assert before  # something real was written the first time
    capsys.readouterr()

    with monkeypatch.context() as patch:
        full = _fill_disk(patch, where, allowed)
        assert run(folder, out, overwrite=True) == 2
        assert full.calls == allowed + 1  # the disk did fill partway through
    assert "No space left on device" in capsys.readouterr().err
    assert _files(out) == before
    assert _hidden(tmp_path) == []

    # Into a new place: nothing appears at all.
    fresh = tmp_path / f"new-{leaf}"
    with monkeypatch.context() as patch:
        _fill_disk(patch, where, allowed)
        assert run(folder, fresh, overwrite=False) == 2
    assert not fresh.exists()
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_datasets_write_whose_disk_fills_keeps_the_earlier_tables(
    format, exports, tmp_path, monkeypatch
):
    book, _ = exports
    folder = tmp_path / "tables"
    rt.datasets.write(book, folder, format=format)
    (folder / "notes.txt").write_text("mine")  # a file of the user's, left alone throughout
    before = _files(folder)
    module, writer = (pacsv, "write_csv") if format == "csv" else (pq, "write_table")
    full = DiskFull(getattr(module, writer), allowed=3)
    monkeypatch.setattr(module, writer, full)
    with pytest.raises(OSError, match="No space left"):
        rt.datasets.write(book, folder, format=format, overwrite=True)
    assert full.calls == 4
    assert _files(folder) == before
    assert _hidden(tmp_path) == []
    with pytest.raises(OSError):
        rt.datasets.write(book, tmp_path / "fresh", format=format)
    assert not (tmp_path / "fresh").exists()
    assert _hidden(tmp_path) == []


def test_datasets_write_over_the_other_format_replaces_each_table_whole(exports, tmp_path):
    # The Parquet tables of a folder give way to CSV ones; the user's file stays.
    book, _ = exports
    folder = tmp_path / "tables"
    rt.datasets.write(book, folder, format="parquet")
    (folder / "notes.txt").write_text("mine")
    rt.datasets.write(book, folder, format="csv", overwrite=True)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"{t}.csv" for t in book.tables] + ["notes.txt"])
    # Each table is what a write into an empty folder gives, byte for byte.
    fresh = _files(rt.datasets.write(book, tmp_path / "fresh", format="csv"))
    assert _files(folder) == {**fresh, "notes.txt": b"mine"}
