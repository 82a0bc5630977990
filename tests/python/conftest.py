"""What a test run prints beyond pass and fail: the size of the bad-input matrix, which the
README's "Reliability" section quotes."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    matrix = sys.modules.get("test_bad_input")
    if matrix is not None:
        terminalreporter.write_line(
            f"bad-input matrix: {matrix.matrix_size()} cases "
            f"({len(matrix.CASES)} calls, {len(matrix.COMMAND_CASES)} commands)"
        )
