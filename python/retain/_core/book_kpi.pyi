# Stubs of retain._core.book_kpi (python/src/register_book_kpi.cpp).
from typing import Any

import numpy.typing as npt

from .book import Book

def churn_reasons(
    book: Book, group: npt.ArrayLike, n_groups: int, n_threads: int
) -> dict[str, Any]: ...
def touches(book: Book, by: str, n_threads: int) -> dict[str, Any]: ...
def coverage(
    book: Book,
    as_of: int,
    max_gap_days: int,
    group: npt.ArrayLike,
    n_groups: int,
    include: npt.ArrayLike,
    n_threads: int,
) -> dict[str, Any]: ...
