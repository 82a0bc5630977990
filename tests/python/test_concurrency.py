"""One model and one Book shared by many Python threads: the core releases the GIL while it works
and reads them without writing, so concurrent calls give what one thread gives, bit for bit."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import retain as rt

DATES = ["2023-06-30", "2023-09-30", "2023-12-31", "2024-03-31"]


def _book() -> rt.Book:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rt.RetainWarning)
        return rt.datasets.synthetic_saas(accounts=1_500, months=18, random_state=5)


BOOK = _book()


def test_eight_threads_scoring_one_model_agree_with_one_thread():
    snaps = BOOK.snapshots(DATES)
    model = rt.models.default()
    want = model.score(snaps, n_threads=1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda _: model.score(snaps, n_threads=1), range(8)))
    for result in got:
        pd.testing.assert_frame_equal(result, want, check_exact=True)
    reasons = model.reasons(snaps, 2, n_threads=1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for result in pool.map(lambda _: model.reasons(snaps, 2, n_threads=1), range(8)):
            pd.testing.assert_frame_equal(result, reasons, check_exact=True)


def test_threads_sharing_one_book_agree_with_one_thread():
    # Each thread snapshots, labels and summarises the same Book at its own date, with the
    # core's own threads too, while the others do the same.
    def work(date: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        snaps = BOOK.snapshots([date])
        labelled = BOOK.labels(snaps, 60, observed_until="2024-06-30").frame
        return snaps, labelled, rt.kpi.mrr_movements(BOOK)

    want = [work(date) for date in DATES]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(work, DATES * 2))
    for k, result in enumerate(got):
        for a, b in zip(result, want[k % len(DATES)], strict=True):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
