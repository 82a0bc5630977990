#!/usr/bin/env python3
"""What including a retain header costs a product: compiles a one-line `main` per public header
and prints the wall seconds and the compiler's peak memory, against the budget (issue 10).

    python benchmarks/compile_cost.py            # g++ (or $CXX), -O0, best of 3 per header

Every header must also compile on its own (self-contained); a header that does not is an error
(exit 1). Timings are printed, never asserted: they depend on the machine and its load.
retain/json.hpp is the opt-in header for nlohmann::json documents: it is measured, not budgeted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AREA_BUDGET = (2.0, 250.0)  # seconds, MB
UMBRELLA_BUDGET = (4.0, 400.0)
OPT_IN = {"retain/json.hpp"}


def compile_once(
    compiler: str, flags: list[str], header: str, workdir: Path
) -> tuple[float, float]:
    source = workdir / "one.cpp"
    source.write_text(f"#include <{header}>\nint main() {{ return 0; }}\n")
    errors = workdir / "errors.txt"
    command = [
        compiler,
        "-std=c++20",
        "-O0",
        *flags,
        "-c",
        str(source),
        "-o",
        str(workdir / "one.o"),
    ]
    start = time.perf_counter()
    # The compiler's messages go to a file, not a pipe: a header that fails can print more than a
    # pipe holds, and the compiler would block on it while we wait for it to exit.
    with errors.open("wb") as err_file:
        proc = subprocess.Popen(command, stderr=err_file)
        # wait4 reports the peak RSS of the child and of the children it waited for: the driver
        # waits for cc1plus, so this is the compiler proper's peak.
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{header} does not compile on its own:\n{errors.read_text()}")
    return seconds, usage.ru_maxrss / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiler", default=os.environ.get("CXX", "g++"))
    repo_include = Path(__file__).resolve().parents[1] / "include"
    parser.add_argument("--include-dir", default=str(repo_include))
    parser.add_argument("--repeat", type=int, default=3, help="best of N compiles per header")
    parser.add_argument("flags", nargs="*", help="extra compiler flags (after --)")
    args = parser.parse_args()

    root = Path(args.include_dir)
    headers = sorted(p.relative_to(root).as_posix() for p in (root / "retain").glob("*.hpp"))
    flags = ["-I", str(root), *args.flags]
    failed = []
    print(f"{'header':32} {'seconds':>8} {'peak MB':>8}  budget")
    with tempfile.TemporaryDirectory() as tmp:
        for header in headers:
            try:
                runs = [
                    compile_once(args.compiler, flags, header, Path(tmp))
                    for _ in range(args.repeat)
                ]
            except RuntimeError as e:
                print(e, file=sys.stderr)
                failed.append(header)
                continue
            seconds = min(r[0] for r in runs)
            mb = min(r[1] for r in runs)
            if header in OPT_IN:
                print(f"{header:32} {seconds:8.2f} {mb:8.0f}  opt-in (includes nlohmann/json)")
                continue
            budget = UMBRELLA_BUDGET if header == "retain/retain.hpp" else AREA_BUDGET
            verdict = "ok" if seconds <= budget[0] and mb <= budget[1] else "OVER"
            print(
                f"{header:32} {seconds:8.2f} {mb:8.0f}  <= {budget[0]:.0f} s, {budget[1]:.0f} MB"
                f"  {verdict}"
            )
    if failed:
        print(f"not self-contained: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
