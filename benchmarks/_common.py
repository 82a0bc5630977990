"""What the benchmark scripts share: how every benchmark measures, in one place.

Timing (best of the same repeat count on every side), peak memory (the child's VmHWM, restarted
once the data are made), the fresh child process per side, the pinning of a 1-thread row to one
core, and the ``--json`` document of the benchmark contract are written once here, so that no
two benchmarks can come to measure or report in different ways.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def peak_rss_bytes() -> int:
    """This process image's resident-set high-water mark (VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def resident_bytes() -> int:
    """This process's present resident set (VmRSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return peak_rss_bytes()


def reset_peak() -> bool:
    """Restarts the resident-set high-water mark from the present size (Linux 4.0+: clear_refs
    5), so that a row's peak is its own work on top of the data, not the making of the data.
    Returns False where the mark cannot be reset (peaks then include making the data)."""
    gc.collect()
    try:  # hand freed heap back first, or the data's freed temporaries would hide the work's
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds of the fastest of ``repeat`` calls of ``fn`` (garbage collected before each, the
    previous result dropped so that it does not weigh on the next), and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        out = None
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def pin_to_one_core() -> None:
    """Keeps this process, and every thread it starts, on one core: a 1-thread row measures one
    core even where a library call takes no thread count."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_child(script: str, arguments: list[str]) -> dict:
    """Runs ``script`` with ``arguments`` in a fresh Python process (its own imports, heap and
    peak memory) and returns the JSON of its last stdout line."""
    out = subprocess.run([sys.executable, script, *arguments], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the child {os.path.basename(script)} {' '.join(arguments)} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's word for it elsewhere)."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """The ``machine`` entry of the --json document: core count and CPU model."""
    return {"cores": os.cpu_count() or 1, "cpu": cpu_model()}


def write_json(
    path: str, benchmark: str, rows: list, targets: list, args: dict, **extra: Any
) -> None:
    """Writes the --json document of the benchmark contract (issue 13):
    benchmark, rows, targets, any ``extra`` entries, machine, date and args."""
    document = {
        "benchmark": benchmark,
        "rows": rows,
        "targets": targets,
        **extra,
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "args": args,
    }
    with open(path, "w") as out:
        json.dump(document, out, indent=2)


_quick = False  # set by parse_args: a --quick run's timings check that the script works


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The benchmark's arguments, noting whether it runs --quick (for verdict)."""
    global _quick
    args = parser.parse_args()
    _quick = bool(getattr(args, "quick", False))
    return args


def verdict(met: bool) -> str:
    """A target's verdict as a line prints it; a --quick run says that it measured nothing."""
    text = "met" if met else "not met"
    return f"{text} at a toy size: --quick is a smoke test, not a measurement" if _quick else text


def time_cases(
    cases: Any, make_case: Callable[[Any], Any], function_of: Callable[[Any], Callable], repeat: int
) -> dict:
    """For each case, in a child: its data made (the peak reset first), then the best of
    ``repeat`` calls of ``function_of(case)`` on it, with the peaks after the data and after
    the runs."""
    out = {}
    for case in cases:
        fn = function_of(case)  # imports the side's library before the data
        gc.collect()
        reset = reset_peak()
        data = make_case(case)
        data_peak = peak_rss_bytes()
        seconds, _ = best_of(repeat, lambda d=data, g=fn: g(d))
        out[case] = {
            "seconds": seconds,
            "peak": peak_rss_bytes(),
            "data_peak": data_peak,
            "peak_reset": reset,
        }
        del data
    return out
