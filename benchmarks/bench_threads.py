"""Eight Python threads scoring with one HealthModel at once, against one thread doing the
eight calls in turn (issue 15: "finish faster than one thread doing all eight on 2 cores").

Each call scores its own feature frame (the default model's measures, `--rows` rows) with
``n_threads=1``, so any speed-up comes from the calls running side by side: retain releases the
GIL while the core scores. The eight results are first checked equal, bit for bit, to the lone
thread's. Both sides: best of the same ``--repeat`` runs, in this one process. Also printed,
for scale: one call on all eight frames together with every core.

    python benchmarks/bench_threads.py [--rows 200000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import threading

import numpy as np
import pandas as pd

import retain as rt
from _common import best_of, peak_rss_bytes, verdict

N_CALLERS = 8


def frames(rows: int, seed: int) -> list[pd.DataFrame]:
    """One feature frame per caller, each with every column the default model reads."""
    rng = np.random.default_rng(seed)
    columns = rt.models.default().required_columns
    return [
        pd.DataFrame({c: rng.gamma(2.0, 20.0, rows) for c in columns}) for _ in range(N_CALLERS)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows per caller")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    model = rt.models.default()
    inputs = frames(args.rows, 0)

    def in_turn() -> list[pd.DataFrame]:
        return [model.score(f, n_threads=1) for f in inputs]

    def side_by_side() -> list[pd.DataFrame]:
        out: list[pd.DataFrame | None] = [None] * N_CALLERS

        def call(i: int) -> None:
            out[i] = model.score(inputs[i], n_threads=1)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(N_CALLERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out  # type: ignore[return-value]

    whole = pd.concat(inputs, ignore_index=True)

    alone_s, alone = best_of(args.repeat, in_turn)
    threads_s, threaded = best_of(args.repeat, side_by_side)
    for a, b in zip(alone, threaded, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    one_call_s, _ = best_of(args.repeat, lambda: model.score(whole))

    cores = os.cpu_count()
    print(f"check: the eight threads' scores equal one thread's, bit for bit ({N_CALLERS} frames)")
    print(
        f"{N_CALLERS} callers x {args.rows:,} rows, the default model, {cores} cores, "
        f"best of {args.repeat}"
    )
    print(f"{'side':44} {'seconds':>8} {'vs in turn':>10}")
    rows = [
        ("one thread, the eight calls in turn", alone_s),
        ("eight threads at once (n_threads=1 each)", threads_s),
        ("one call on all eight frames, every core", one_call_s),
    ]
    for name, seconds in rows:
        print(f"{name:44} {seconds:8.4f} {alone_s / seconds:9.2f}x")
    print(f"peak memory {peak_rss_bytes() / 2**30:.2f} GiB")
    print(
        "Target: eight Python threads scoring at once finish faster than one thread doing all "
        f"eight: {alone_s / threads_s:.2f}x ({verdict(threads_s < alone_s)})"
    )


if __name__ == "__main__":
    main()
