"""Regenerate the README's speed tables from one run of the benchmarks, so the README never says
more than was measured (issue 13).

Each benchmark writes its rows and targets with ``--json`` (see a benchmark's docstring). This
script runs the benchmarks named (all by default) one after another, each in its own process on
an otherwise idle machine, then writes the part of README.md between the markers
``<!-- speed:begin -->`` and ``<!-- speed:end -->``: the machine, the date, the thread counts, one
table per benchmark and its targets, met or not. ``--from DIR`` renders JSON files of an earlier
run instead of running anything.

    .venv/bin/python benchmarks/speed_section.py [--only bench_kpi bench_metrics] [--from DIR]
        [--check]   # fail if the README's section differs from what the JSON files give
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
BEGIN, END = "<!-- speed:begin -->", "<!-- speed:end -->"
#: The benchmarks whose tables the README shows, in the README's order.
BENCHMARKS = (
    "bench_kpi",
    "bench_engagement",
    "bench_survival",
    "bench_metrics",
    "bench_logistic",
    "bench_health",
    "bench_backtest",
)


def run(names: list[str], folder: Path) -> None:
    for name in names:
        out = folder / f"{name}.json"
        print(f"running {name} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(HERE / f"{name}.py"), "--json", str(out)], check=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


#: How a JSON column name reads as a table header (the rest: underscores to spaces).
_HEADERS = {
    "numpy_over_this": "numpy way / this",
    "pandas_over_this": "pandas way / this",
    "polars_over_this": "polars / this",
    "plain_over_this": "plain way / this",
    "ratio_to_retain_every_core": "this / retain every core",
    "this_over_floor": "this / floor",
}
_UNITS = {"_s": " s", "_gib": " GiB", "_mib": " MiB"}


def _header(column: str) -> str:
    if column in _HEADERS:
        return _HEADERS[column]
    for suffix, unit in _UNITS.items():
        if column.endswith(suffix):
            return column[: -len(suffix)].replace("_", " ") + unit
    return column.replace("_", " ")


def _table(rows: list[dict]) -> list[str]:
    """A Markdown table of a benchmark's rows: byte counts shown in MiB, input descriptions
    listed once above the table instead of on every row."""
    described: dict[str, str] = {}
    shown = []
    for row in rows:
        kept: dict = {}
        for key, value in row.items():
            if key == "input_description":
                described.setdefault(str(row.get("input", "")), str(value))
            elif key.endswith("_bytes"):
                kept[key[: -len("_bytes")] + "_mib"] = None if value is None else value / 2**20
            else:
                kept[key] = value
        shown.append(kept)
    lines = [f"- `{name}`: {text}" for name, text in described.items()]
    if lines:
        lines.append("")
    columns = list(shown[0])
    lines.append("| " + " | ".join(_header(c) for c in columns) + " |")
    lines.append("|" + "---|" * len(columns))
    for row in shown:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    lines.append("")
    return lines


def render(results: list[dict], files: list[str] | None = None) -> str:
    """The README section of the benchmarks' JSON documents (``files``: the script of each)."""
    if not results:
        return ""
    machine = results[0].get("machine", {})
    dates = sorted({r.get("date", "?") for r in results})
    lines = [
        f"Measured by `benchmarks/speed_section.py` on {', '.join(dates)}: "
        f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores; retain on 1 "
        "thread and on every core as separate rows, each side in its own process, the same "
        "repeat count on both sides, results checked equal before timing.",
        "",
    ]
    for k, result in enumerate(results):
        script = files[k] if files else result["benchmark"]
        rows = result.get("rows", [])
        lines.append(f"**{result['benchmark']}** (`benchmarks/{script}.py`)")
        lines.append("")
        if rows:
            lines.extend(_table(rows))
        for target in result.get("targets", []):
            verdict = "met" if target.get("met") else "not met"
            lines.append(f"- {target['text']}: {target['ratio']:.2f}x ({verdict})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def replace_section(text: str, section: str) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{section}{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", default=list(BENCHMARKS))
    parser.add_argument("--from", dest="source", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.source or Path(tmp)
        if args.source is None:
            run(args.only, folder)
        found = [name for name in args.only if (folder / f"{name}.json").is_file()]
        results = [json.loads((folder / f"{name}.json").read_text()) for name in found]
    text = README.read_text()
    updated = replace_section(text, render(results, found))
    if args.check:
        return 0 if updated == text else 1
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
