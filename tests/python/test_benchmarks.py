"""The benchmarks run (at a toy size) and their checks pass: each one first asserts that its
baselines (pandas, polars, numpy, scikit-learn, lifelines, ...) and retain computed the same
numbers, so this is also an oracle test. Each test skips only when a library its own benchmark
imports is missing, never because another benchmark's baseline is."""

from __future__ import annotations

import ast
import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
# Always there where retain is: a benchmark without them is broken, not skipped.
PROJECT_DEPENDENCIES = {"numpy", "pandas", "retain"}
CATCHES_IMPORT_ERROR = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:  # a bare except
            return True
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(getattr(kind, "id", None) in CATCHES_IMPORT_ERROR for kind in kinds):
            return True
    return False


def _imported_modules(tree: ast.AST) -> set[str]:
    """Top-level names of the modules a script imports, anywhere in it, except under a ``try``
    that catches ImportError (an optional import the script does without)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Try) and _catches_import_error(node):
            children = [*node.handlers, *node.orelse, *node.finalbody]
        for child in children:
            visit(child)

    visit(tree)
    return names


@functools.cache
def baselines(script: str) -> frozenset[str]:
    """The third-party libraries benchmarks/<script> needs: what it imports, and what the
    benchmark modules it imports (bench_health, _common, ...) import, less the standard library
    and retain's own dependencies."""
    seen, todo, found = set(), [script], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        modules = _imported_modules(ast.parse((BENCHMARKS / name).read_text()))
        for module in modules:
            if (BENCHMARKS / f"{module}.py").exists():
                todo.append(f"{module}.py")
            elif module not in sys.stdlib_module_names and module not in PROJECT_DEPENDENCIES:
                found.add(module)
    return frozenset(found)


def require_baselines(script: str) -> None:
    """Skips the calling test when a library benchmarks/<script> imports is not installed (as
    pytest.importorskip would, without importing it here: the benchmark runs in its own process)."""
    for module in sorted(baselines(script)):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{script} compares with {module}, which is not installed")


def run_benchmark(script: str, *args: str) -> str:
    """Runs benchmarks/<script> with toy-size arguments; returns its output, failing on an error.
    Skips first when one of the script's own baseline libraries is missing."""
    require_baselines(script)
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_missing_library_skips_only_the_benchmarks_that_import_it(monkeypatch):
    scripts = sorted(p.name for p in BENCHMARKS.glob("bench_*.py"))
    needs = {script: baselines(script) for script in scripts}
    # The baselines the benchmarks are documented to compare with are found.
    assert "polars" in needs["bench_kpi.py"] and "lifelines" in needs["bench_survival.py"]
    for library in sorted(set().union(*needs.values())):
        with monkeypatch.context() as blocked:
            blocked.setitem(sys.modules, library, None)  # as if it were not installed
            for script in scripts:
                if library in needs[script]:
                    with pytest.raises(pytest.skip.Exception, match=library):
                        require_baselines(script)
                else:
                    require_baselines(script)  # no skip: unrelated library


def test_optional_imports_are_not_baselines():
    tree = ast.parse(
        "import polars\n"
        "from sklearn.metrics import roc_auc_score\n"
        "import os.path\n"
        "try:\n    import sksurv\nexcept ImportError:\n    sksurv = None\n"
        "try:\n    import lifelines\nexcept (ValueError, ModuleNotFoundError):\n    pass\n"
        "try:\n    import scipy\nexcept KeyError:\n    pass\n"
        "try:\n    import polars_ds\nexcept:\n    pass\n"
        "def f():\n    import pyarrow\n"
        "from . import local\n"
    )
    assert _imported_modules(tree) == {"polars", "sklearn", "os", "scipy", "pyarrow"}


def assert_checked_and_targeted(out: str, *compared: str) -> None:
    """The benchmark printed its equality check (the script stops with an error when a side
    disagrees), naming every baseline it compared, and at least one target line."""
    checks = [line for line in out.splitlines() if line.startswith("check:")]
    assert checks, out
    for name in compared:
        assert any(name in line for line in checks), (name, checks)
    assert any(line.startswith("Target:") for line in out.splitlines()), out


def test_bench_kpi_agrees_with_the_numpy_way_and_polars():
    out = run_benchmark("bench_kpi.py", "--quick")
    assert_checked_and_targeted(out, "numpy way", "polars")


def test_bench_survival_agrees_with_numpy_lifelines_and_scikit_survival():
    out = run_benchmark("bench_survival.py", "--quick")
    assert_checked_and_targeted(out, "numpy way", "lifelines", "scikit-survival")


def test_bench_engagement_agrees_with_pandas_and_polars():
    out = run_benchmark("bench_engagement.py", "--quick")
    assert_checked_and_targeted(out, "pandas", "polars")


def test_bench_health_agrees_with_numpy():
    out = run_benchmark("bench_health.py", "--quick")
    assert_checked_and_targeted(out, "numpy")
    for layout in ("columns", "matrix"):
        for ids in ("str-shuffled", "int-sorted"):
            checked = "n_threads 1, 2 and every core; score, grade, groups, coverage)"
            assert f"{checked} on {layout} / {ids}" in out
    assert out.count("Target: health score, retain on every core") == 4


def test_bench_threads_checks_the_threads_agree():
    out = run_benchmark("bench_threads.py", "--rows", "2000", "--repeat", "1")
    assert_checked_and_targeted(out)


def test_bench_metrics_agrees_with_scikit_learn_and_the_plain_way():
    out = run_benchmark("bench_metrics.py", "--quick")
    assert_checked_and_targeted(out, "scikit-learn", "plain way")


def test_bench_logistic_agrees_with_scikit_learn():
    out = run_benchmark("bench_logistic.py", "--quick")
    assert_checked_and_targeted(out, "scikit-learn")


def test_bench_backtest_agrees_with_the_plain_way():
    out = run_benchmark("bench_backtest.py", "--quick")
    assert_checked_and_targeted(out, "pandas merge_asof", "scikit-learn")
    targets = [line for line in out.splitlines() if line.startswith("Target:")]
    assert any("(str-shuffled)" in t for t in targets) and any("(int-sorted)" in t for t in targets)


def test_bench_book_agrees_with_the_plain_way():
    out = run_benchmark(
        "bench_book.py",
        *("--accounts", "300", "--events", "30000", "--dates", "4", "--repeat", "1"),
    )
    assert_checked_and_targeted(out, "the plain way equals retain")


def test_bench_reasons_agrees_with_the_plain_way():
    out = run_benchmark("bench_reasons.py", "--quick")
    assert_checked_and_targeted(out, "the plain way equals retain")


def test_speed_section_renders_the_json_of_a_run_between_the_readme_markers(tmp_path):
    # The README's speed tables come from the benchmarks' --json files, never from hand edits.
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import speed_section
    finally:
        sys.path.remove(str(BENCHMARKS))
    result = {
        "benchmark": "bench_x",
        "date": "2026-12-02",
        "machine": {"cpu": "Test CPU", "cores": 2},
        "rows": [{"side": "retain, 1 thread", "s": 0.5}, {"side": "numpy", "s": 1.25}],
        "targets": [{"text": "x >= 2x numpy", "ratio": 2.5, "target": 2.0, "met": True}],
    }
    section = speed_section.render([result])
    assert "Test CPU, 2 cores" in section
    assert "| side | s |" in section and "| numpy | 1.25 |" in section
    assert "- x >= 2x numpy: 2.50x (met)" in section
    # Byte counts read in MiB, a missing value as a blank cell, each input described once.
    bytes_result = dict(
        result,
        rows=[
            {
                "input": "a",
                "input_description": "ids as text",
                "side": "numpy",
                "peak_bytes": 3 * 2**20,
                "build_s": None,
            },
            {
                "input": "a",
                "input_description": "ids as text",
                "side": "retain",
                "peak_bytes": 2**19,
                "build_s": 0.25,
            },
        ],
    )
    shown = speed_section.render([bytes_result], ["bench_y"])
    assert "(`benchmarks/bench_y.py`)" in shown
    assert shown.count("ids as text") == 1 and "- `a`: ids as text" in shown
    assert "| input | side | peak MiB | build s |" in shown
    assert "| a | numpy | 3 |  |" in shown and "| a | retain | 0.5 | 0.25 |" in shown
    text = f"before\n{speed_section.BEGIN}\nold\n{speed_section.END}\nafter\n"
    assert speed_section.replace_section(text, section) == (
        f"before\n{speed_section.BEGIN}\n{section}{speed_section.END}\nafter\n"
    )
    readme = speed_section.README.read_text()
    assert readme.count(speed_section.BEGIN) == 1 and readme.count(speed_section.END) == 1


def test_bench_dist_agrees_with_one_process():
    out = run_benchmark("bench_dist.py", "--quick")
    assert_checked_and_targeted(out, "equals one process on the usage features", "on the scores")
    assert "overhead: " in out and "Target: usage features + scores, Dask on 2 workers" in out
