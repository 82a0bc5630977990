"""The bad-input matrix: public functions x the classes of bad input that apply to them. Each case
asserts the retain error (or warning) and the words that name the culprit: table, column, row,
key. The cases are data, so the README's count of them is checked here too."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

import retain as rt

ACCOUNTS = pd.DataFrame(
    {"account_id": ["a", "b", "c"], "signed_at": ["2024-01-01", "2024-01-05", "2024-02-01"]}
)
MRR = pd.DataFrame(
    {
        "account_id": ["a", "b", "c"],
        "period": ["2024-01", "2024-01", "2024-02"],
        "mrr": [10.0, 20.0, 30.0],
    }
)
EVENTS = pd.DataFrame(
    {
        "account_id": ["a", "b"],
        "user_id": ["u1", "u2"],
        "timestamp": ["2024-01-02T10:00", "2024-01-03T10:00"],
    }
)
LINEAR = {"kind": "linear", "lo": 0, "hi": 1}
DOC = {
    "version": 1,
    "groups": [{"name": "g"}],
    "measures": [{"name": "x", "group": "g", "transform": LINEAR}],
}


class Case(NamedTuple):
    name: str
    call: Callable[[], object]
    error: type
    says: str  # a regex the message must match: the culprit named


def _model(**changes: object) -> rt.HealthModel:
    return rt.HealthModel.from_dict({**DOC, **changes})


CASES = [
    # The Book: its tables, columns, rows and options.
    Case(
        "book: no accounts table",
        lambda: rt.Book(None),
        TypeError,
        "the accounts table is required",
    ),
    Case(
        "book: missing column",
        lambda: rt.Book(ACCOUNTS.drop(columns="signed_at")),
        rt.ColumnError,
        "signed_at",
    ),
    Case(
        "book: repeated account",
        lambda: rt.Book(pd.concat([ACCOUNTS, ACCOUNTS.iloc[:1]])),
        rt.InputError,
        r"table 'accounts', column 'account_id', row 3: account 'a' appears twice",
    ),
    Case(
        "book: missing date (NaT)",
        lambda: rt.Book(ACCOUNTS.assign(signed_at=["2024-01-01", None, "2024-02-01"])),
        rt.InputError,
        r"table 'accounts', column 'signed_at', row 1: missing date",
    ),
    Case(
        "book: booleans as ids",
        lambda: rt.Book(ACCOUNTS.assign(account_id=[True, False, True])),
        rt.InputError,
        r"column 'account_id', row 0: booleans are not ids",
    ),
    Case(
        "book: empty accounts table",
        lambda: rt.Book(ACCOUNTS.iloc[:0]),
        rt.RetainWarning,
        "the accounts table has no rows",
    ),
    Case(
        "book: negative money",
        lambda: rt.Book(ACCOUNTS, mrr=MRR.assign(mrr=[10.0, -5.0, 1.0])),
        rt.InputError,
        r"table 'mrr', column 'mrr', row 1: account 'b' sums to -5",
    ),
    Case(
        "book: infinite money",
        lambda: rt.Book(ACCOUNTS, mrr=MRR.assign(mrr=[10.0, np.inf, 1.0])),
        rt.InputError,
        r"table 'mrr', column 'mrr', row 1: MRR must be a finite number",
    ),
    Case(
        "book: money as text",
        lambda: rt.Book(ACCOUNTS, mrr=MRR.assign(mrr=["10", "1,200.50", "3"])),
        rt.InputError,
        r"table 'mrr', column 'mrr', row 1: '1,200.50' is not a number",
    ),
    Case(
        "book: id absent from accounts",
        lambda: rt.Book(ACCOUNTS, mrr=MRR.assign(account_id=["a", "z", "c"])),
        rt.InputError,
        r"table 'mrr', column 'account_id', row 1: account 'z' is not in the accounts table",
    ),
    Case(
        "book: unreadable timestamp",
        lambda: rt.Book(ACCOUNTS, events=EVENTS.assign(timestamp=["2024-01-02", "yesterday"])),
        rt.InputError,
        r"table 'events', column 'timestamp', row 1: .*'yesterday'",
    ),
    Case(
        "book: bad option",
        lambda: rt.Book(ACCOUNTS, unknown_accounts="keep"),
        rt.InputError,
        "unknown_accounts: must be 'error' or 'drop'",
    ),
    Case(
        "book: unknown time zone",
        lambda: rt.Book(ACCOUNTS, tz="Mars/Olympus"),
        rt.InputError,
        "Mars/Olympus",
    ),
    # Revenue KPIs on a frame.
    Case(
        "kpi: missing column",
        lambda: rt.kpi.mrr_movements(MRR.rename(columns={"mrr": "amount"})),
        rt.ColumnError,
        "no column 'mrr'",
    ),
    Case(
        "kpi: NaN money",
        lambda: rt.kpi.mrr_movements(MRR.assign(mrr=[1.0, np.nan, 2.0])),
        rt.InputError,
        r"column 'mrr', row 1: .* got nan",
    ),
    Case(
        "kpi: negative money",
        lambda: rt.kpi.mrr_movements(MRR.assign(mrr=[1.0, -3.0, 2.0])),
        rt.InputError,
        r"column 'mrr', row 1: .* got -3",
    ),
    Case(
        "kpi: money of the wrong dtype",
        lambda: rt.kpi.mrr_movements(MRR.assign(mrr=["1", "x", "2"])),
        rt.InputError,
        "column 'mrr' must be numeric",
    ),
    Case(
        "kpi: NPS out of its scale",
        lambda: rt.kpi.nps([1, 11]),
        rt.InputError,
        r"row 1: NPS score must be an integer from 0 to 10, got 11",
    ),
    Case("kpi: NPS NaN", lambda: rt.kpi.nps([1, np.nan]), rt.InputError, r"row 1: .* got nan"),
    # Health model documents and scoring.
    Case("model: unknown key", lambda: _model(colour=1), rt.ConfigError, r"colour: unknown key"),
    Case(
        "model: wrong JSON type",
        lambda: _model(version="1"),
        rt.ConfigError,
        r"version: unsupported version",
    ),
    Case(
        "model: non-increasing bands",
        lambda: _model(
            measures=[
                {
                    "name": "x",
                    "group": "g",
                    "transform": {"kind": "bands", "edges": [5, 3], "scores": [0, 50, 100]},
                }
            ]
        ),
        rt.ConfigError,
        r"measures\[0\]\.transform\.edges: must be strictly increasing",
    ),
    Case(
        "model: zero total weight",
        lambda: _model(groups=[{"name": "g", "weight": 0}]),
        rt.ConfigError,
        "no group has both a positive weight",
    ),
    Case(
        "score: misspelt measure column",
        lambda: _model().score(pd.DataFrame({"y": [1.0]})),
        rt.RetainWarning,
        "no column for measure 'x'",
    ),
    Case(
        "score: infinite feature",
        lambda: _model().score(pd.DataFrame({"x": [0.5, np.inf]})),
        rt.InputError,
        r"column 'x', row 1: infinite value",
    ),
    Case(
        "segmenter: unknown key",
        lambda: rt.Segmenter.from_dict({"version": 1, "segmentz": []}),
        rt.ConfigError,
        "segmentz: unknown key",
    ),
    # Survival and metrics.
    Case(
        "km: negative duration",
        lambda: rt.survival.kaplan_meier([1, -2]),
        rt.InputError,
        r"column 'durations', row 1: .* got -2",
    ),
    Case(
        "km: mismatched lengths",
        lambda: rt.survival.kaplan_meier([1, 2], [1]),
        rt.InputError,
        "'durations' has 2 rows, 'observed' 1",
    ),
    Case(
        "auc: one class only",
        lambda: rt.metrics.roc_auc([0, 0], [0.1, 0.2]),
        rt.InputError,
        "y has one class only",
    ),
    Case(
        "auc: mismatched lengths",
        lambda: rt.metrics.roc_auc([0, 1], [0.1]),
        rt.InputError,
        "risk has 1 rows but y has 2",
    ),
    # Churn models.
    Case(
        "logistic: three classes",
        lambda: rt.LogisticChurnModel().fit(np.eye(3), [0, 1, 2]),
        rt.InputError,
        "Only binary classification is supported",
    ),
    Case(
        "logistic: before fit",
        lambda: rt.LogisticChurnModel().predict(np.eye(2)),
        rt.NotFittedError,
        "not fitted yet",
    ),
    Case(
        "sbg: before fit",
        lambda: rt.survival.ShiftedBetaGeometric().survival(2),
        rt.NotFittedError,
        "not fitted yet",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_named(case):
    if issubclass(case.error, Warning):
        with pytest.warns(case.error, match=case.says), warnings.catch_warnings():
            warnings.simplefilter("default", case.error)
            case.call()
    else:
        with pytest.raises(case.error, match=case.says):
            case.call()


def test_the_readme_quotes_the_matrix_size():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    quoted = re.search(
        r"bad-input matrix \(`tests/python/test_bad_input.py`, (\d+) cases\)", readme
    )
    assert quoted is not None and int(quoted.group(1)) == len(CASES)
