"""The bad-input matrix: public functions x the classes of bad input that apply to them. Each case
asserts the retain error (or warning) and the words that name the culprit: table, column, row,
key. The cases are data, so the README's count of them is checked here too."""

from __future__ import annotations

import json
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

import retain as rt
from retain.__main__ import main

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
SURVEYS = pd.DataFrame(
    {"account_id": ["a", "b"], "answered_at": ["2024-01-10", "2024-01-11"], "score": [9, 3]}
)
CHURNS = pd.DataFrame({"account_id": ["b"], "churned_at": ["2024-02-03"]})
MILESTONES = pd.DataFrame(
    {"account_id": ["a"], "milestone": ["live"], "reached_at": ["2024-01-02"]}
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


def _events(**changes: object) -> pd.DataFrame:
    return EVENTS.assign(**{"timestamp": pd.to_datetime(EVENTS["timestamp"]), **changes})


def _book() -> rt.Book:
    """A Book whose tables run to the end of March 2024 (no cutoff warnings before then)."""
    events = EVENTS.assign(timestamp=["2024-01-02T10:00", "2024-03-30T10:00"])
    return rt.Book(ACCOUNTS, mrr=MRR, events=events, surveys=SURVEYS, churns=CHURNS)


def _snapshots() -> pd.DataFrame:
    return _book().snapshots(["2024-01-31", "2024-02-29"])


def _mrr_model() -> rt.HealthModel:
    measure = {"name": "mrr", "group": "g", "transform": {"kind": "linear", "lo": 0, "hi": 50}}
    return _model(measures=[measure])


def _folder(renamed: dict[str, str]) -> Path:
    """The tiny Book's tables written to a new folder, some files then renamed."""
    folder = rt.datasets.write(_book(), Path(tempfile.mkdtemp(prefix="retain-bad-")) / "data")
    for old, new in renamed.items():
        (folder / old).rename(folder / new)
    return folder


def _ragged_folder() -> Path:
    """The tiny Book's tables, the accounts file with a record missing its second field."""
    folder = _folder({})
    accounts = folder / "accounts.csv"
    lines = accounts.read_text().splitlines()
    lines[2] = lines[2].split(",")[0]
    accounts.write_text("\n".join(lines) + "\n")
    return folder


SEGMENTS = {"tiers": [{"name": "big", "when": [{"column": "mrr", "op": ">=", "value": 20}]}]}


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
    # More of the Book: huge and out-of-range values, options, its methods.
    Case(
        "book: huge money",
        lambda: rt.Book(ACCOUNTS, mrr=MRR.assign(mrr=[1e308, 1e308, 1.0])),
        rt.InputError,
        r"table 'mrr', column 'mrr', row 0: MRR must be at most 1e\+15",
    ),
    Case(
        "book: NPS off its scale",
        lambda: rt.Book(ACCOUNTS, surveys=SURVEYS.assign(score=[11, 3])),
        rt.InputError,
        r"table 'surveys', column 'score', row 0: an NPS answer must be a whole number 0-10",
    ),
    Case(
        "book: ticket closed before it opened",
        lambda: rt.Book(
            ACCOUNTS,
            tickets=pd.DataFrame(
                {"account_id": ["a"], "opened_at": ["2024-02-01"], "closed_at": ["2024-01-01"]}
            ),
        ),
        rt.InputError,
        r"table 'tickets', column 'closed_at', row 0: account 'a': closed on 2024-01-01, before",
    ),
    Case(
        "book: a table that is not a frame",
        lambda: rt.Book(ACCOUNTS, mrr={"account_id": ["a"], "period": ["2024-01"], "mrr": [1.0]}),
        TypeError,
        "the mrr table must be a pandas DataFrame, got dict",
    ),
    Case(
        "book: columns= names an unknown table",
        lambda: rt.Book(ACCOUNTS, columns={"mmr": {"mrr": "amount"}}),
        rt.InputError,
        "columns: unknown table 'mmr'",
    ),
    Case(
        "book: columns= names a column outside the contract",
        lambda: rt.Book(ACCOUNTS, mrr=MRR, columns={"mrr": {"amt": "mrr"}}),
        rt.InputError,
        r"columns\['mrr'\]: 'amt' is not a column of the contract",
    ),
    Case(
        "book.read: no such folder",
        lambda: rt.Book.read("/nonexistent/retain-exports"),
        rt.InputError,
        "folder: '/nonexistent/retain-exports' is not a folder",
    ),
    Case(
        "book.snapshots: negative lead",
        lambda: _book().snapshots(["2024-02-01"], lead_days=-1),
        rt.InputError,
        r"lead_days: must be a whole number of days in \[0, 36500\], got -1",
    ),
    Case(
        "book.snapshots: a window of 0 days",
        lambda: _book().snapshots(["2024-02-01"], windows=[0]),
        rt.InputError,
        "windows: a window must be a whole number of days",
    ),
    Case(
        "book.snapshots: a date out of range",
        lambda: _book().snapshots(["3024-01-01"]),
        rt.InputError,
        r"as_of: cannot read the dates \['3024-01-01'\]; write them as YYYY-MM-DD \(Out of bounds",
    ),
    Case(
        "book.snapshots: mixed time zones",
        lambda: _book().snapshots(
            [pd.Timestamp("2024-02-01", tz="UTC"), pd.Timestamp("2024-03-01")]
        ),
        rt.InputError,
        "as_of: mixes dates with a time zone and dates without",
    ),
    Case(
        "book.snapshots: a date written month first",
        lambda: _book().snapshots(["01/03/2024"]),
        rt.InputError,
        r"as_of: cannot read the dates \['01/03/2024'\]; write them as YYYY-MM-DD",
    ),
    Case(
        "Book: MRR before the account signed",
        lambda: rt.Book(
            ACCOUNTS.assign(signed_at=["2024-01-01", "2024-02-10", "2024-02-01"]), mrr=MRR
        ),
        rt.RetainWarning,
        r"table 'mrr': 1 account\(s\) pay before they signed \(the first, 'b', in 2024-01, "
        r"signed 2024-02-10\).*check the accounts' 'signed_at'",
    ),
    Case(
        "Book: a churn dated before the account signed",
        lambda: rt.Book(ACCOUNTS, churns=CHURNS.assign(churned_at=["2023-12-24"])),
        rt.RetainWarning,
        r"table 'churns': 1 account\(s\) have a churn dated before they signed \(the first, "
        r"'b', on 2023-12-24, signed 2024-01-05\)",
    ),
    Case(
        "book.labels: observed until past the data",
        lambda: _book().labels(_snapshots(), 30, observed_until="2025-01-31"),
        rt.RetainWarning,
        r"labels: observed_until \(2025-01-31\) is past the Book's last data \(20\d\d-\d\d-\d\d\)"
        r": a churn after that is not in the data",
    ),
    Case(
        "Book: no time zone",
        lambda: rt.Book(ACCOUNTS, tz=None),
        rt.InputError,
        r"tz: give a time zone \(an IANA name such as 'UTC' or 'Europe/Paris'\)",
    ),
    Case(
        "book.labels: an observed_until that is no date",
        lambda: _book().labels(_snapshots(), 30, observed_until="soon"),
        rt.InputError,
        r"observed_until: cannot read the dates 'soon'; write them as YYYY-MM-DD",
    ),
    Case(
        "kpi.nrr: a lag longer than the data",
        lambda: rt.kpi.nrr(MRR, months=12),
        rt.RetainWarning,
        r"nrr: no period has the month 12 month\(s\) before it in the data, so the result is "
        r"empty \(the MRR data spans fewer than 13 months\); give a smaller months=",
    ),
    Case(
        "book.read: a table file in capitals",
        lambda: rt.Book.read(_folder({"events.csv": "Events.csv"})),
        rt.RetainWarning,
        r"'Events.csv' in .* is not read: table files are named in lower case \(events.csv\)",
    ),
    Case(
        "book.read: a misspelt accounts file",
        lambda: rt.Book.read(_folder({"accounts.csv": "acounts.csv"})),
        rt.InputError,
        r"has no accounts.csv .*'acounts.csv' .* is not read: is it a typo\? \(accounts.csv\)",
    ),
    Case(
        "book.read: a record with a field missing",
        lambda: rt.Book.read(_ragged_folder()),
        rt.InputError,
        r"accounts.csv, line 3: cannot read it \(CSV parse error: Expected 2 columns, got 1",
    ),
    Case(
        "book.labels: no outcome known yet",
        lambda: _book().labels(_snapshots(), 90),
        rt.RetainWarning,
        r"labels: no row's outcome is known: .* observed_until \(2024-02-29\)",
    ),
    Case(
        "book.labels: a zero horizon",
        lambda: _book().labels(_snapshots(), 0),
        rt.InputError,
        "horizon_days: must be a whole number of days >= 1, got 0",
    ),
    Case(
        "book.labels: not a snapshots table",
        lambda: _book().labels(MRR, 30),
        rt.ColumnError,
        "the snapshots have no column 'as_of'",
    ),
    Case("book.tenure: NaT", lambda: _book().tenure(pd.NaT), rt.InputError, "as_of: missing date"),
    Case(
        "book.shards: zero shards",
        lambda: _book().shards(0),
        rt.InputError,
        "n: must be a whole number >= 1, got 0",
    ),
    Case(
        "book.table: misspelt table",
        lambda: _book().table("mmr"),
        rt.ColumnError,
        r"the Book has no 'mmr' table \(it has: accounts, mrr",
    ),
    # More KPIs: each argument checked, each table's columns named.
    Case(
        "kpi: huge money",
        lambda: rt.kpi.mrr_movements(MRR.assign(mrr=[1e308, 1e308, 1.0])),
        rt.InputError,
        r"column 'mrr', row 0: MRR must be at most 1e\+15",
    ),
    Case(
        "kpi: a list where a column name goes",
        lambda: rt.kpi.mrr_movements(MRR, account=["a"]),
        rt.InputError,
        r"the MRR table: a column is named by a label such as 'account_id', got \['a'\]",
    ),
    Case(
        "kpi: NaT period",
        lambda: rt.kpi.nrr(MRR.assign(period=pd.to_datetime(["2024-01-01", None, "2024-02-01"]))),
        rt.InputError,
        "column 'period', row 1: missing period",
    ),
    Case(
        "kpi: mixed time zones in periods",
        lambda: rt.kpi.mrr_movements(
            MRR.assign(
                period=[
                    pd.Timestamp("2024-01-01", tz="UTC"),
                    pd.Timestamp("2024-01-01", tz="Asia/Tokyo"),
                    pd.Timestamp("2024-02-01", tz="UTC"),
                ]
            )
        ),
        rt.InputError,
        "column 'period', row 0: cannot read period",
    ),
    Case("kpi: grr of 0 months", lambda: rt.kpi.grr(MRR, months=0), rt.InputError, "months"),
    Case(
        "kpi: arpa of a table that is not movements",
        lambda: rt.kpi.arpa(MRR),
        rt.ColumnError,
        "the movements table has no column 'starting_mrr'",
    ),
    Case(
        "kpi: unknown churn kind",
        lambda: rt.kpi.churn_rate(_book(), kind="logos"),
        rt.InputError,
        "kind: unknown churn kind 'logos'",
    ),
    Case(
        "kpi: confidence of 1.5",
        lambda: rt.kpi.churn_rate(_book(), ci=1.5),
        rt.InputError,
        "ci: confidence level must be strictly between 0 and 1",
    ),
    Case(
        "kpi: by= an attribute the accounts lack",
        lambda: rt.kpi.churn_rate(_book(), by="region"),
        rt.ColumnError,
        "by: 'region' is not an attribute of the Book's accounts",
    ),
    Case(
        "kpi: churn reasons by an unknown period",
        lambda: rt.kpi.churn_reasons(_book(), freq="X"),
        rt.InputError,
        "freq: must be one of 'M', 'Q', 'Y'",
    ),
    Case(
        "kpi: unknown cohort retention kind",
        lambda: rt.kpi.cohort_retention(MRR, kind="revenu"),
        rt.InputError,
        "kind: unknown cohort retention kind 'revenu'",
    ),
    Case(
        "kpi: cross-sell without a product column",
        lambda: rt.kpi.cross_sell_rate(MRR),
        rt.ColumnError,
        "the MRR table has no column 'product'",
    ),
    Case(
        "kpi: CSAT off its scale",
        lambda: rt.kpi.csat([1, 7]),
        rt.InputError,
        r"column 'scores', row 1: CSAT score must be an integer from 1 to 5, got 7",
    ),
    Case(
        "kpi: csat_by an absent column",
        lambda: rt.kpi.csat_by(SURVEYS, by="plan"),
        rt.ColumnError,
        "the survey table has no column 'plan'",
    ),
    Case(
        "kpi: CAC of no customers",
        lambda: rt.kpi.cac(100, 0),
        rt.InputError,
        "new_customers: must be > 0, got 0",
    ),
    Case(
        "kpi: a gross margin of 150 %",
        lambda: rt.kpi.cac_payback_months(100, 10, 1.5),
        rt.InputError,
        r"gross_margin: must be a share in \(0, 1\]",
    ),
    Case(
        "kpi: LTV that never ends",
        lambda: rt.kpi.ltv(100, 0.8, 0.0),
        rt.InputError,
        "churn_rate: is 0 and so is discount_rate",
    ),
    Case(
        "kpi: LTV of negative ARPA",
        lambda: rt.kpi.ltv(-1, 0.8, 0.1),
        rt.InputError,
        "arpa: must be a finite number >= 0, got -1",
    ),
    Case("kpi: LTV/CAC of no CAC", lambda: rt.kpi.ltv_to_cac(100, 0), rt.InputError, "cac"),
    Case(
        "kpi: MRR at risk of a probability above 1",
        lambda: rt.kpi.mrr_at_risk(pd.Series([0.5, 1.5]), pd.Series([10.0, 20.0])),
        rt.InputError,
        r"probabilities: account 1: must be a probability in \[0, 1\], got 1.5",
    ),
    Case(
        "kpi: MRR at risk of accounts that do not match",
        lambda: rt.kpi.mrr_at_risk(
            pd.Series([0.5, 0.5], index=[0, 1]), pd.Series([10.0, 20.0], index=[5, 6])
        ),
        rt.InputError,
        "mrr: account 5 is not in probabilities",
    ),
    Case(
        "kpi: nps_by without a score column",
        lambda: rt.kpi.nps_by(SURVEYS.drop(columns="score"), by="account_id"),
        rt.ColumnError,
        "no column 'score'",
    ),
    Case(
        "kpi: onboarding with no milestone required",
        lambda: rt.kpi.onboarding_completion(ACCOUNTS, MILESTONES, [], as_of="2024-03-01"),
        rt.InputError,
        "required: give at least one required milestone",
    ),
    Case(
        "kpi: onboarding within a negative window",
        lambda: rt.kpi.onboarding_completion(
            ACCOUNTS, MILESTONES, ["live"], within_days=-1, as_of="2024-03-01"
        ),
        rt.InputError,
        "within_days: must be a whole number of days",
    ),
    Case(
        "kpi: time to a misspelt milestone",
        lambda: rt.kpi.time_to_value(ACCOUNTS, MILESTONES, "lve", as_of="2024-03-01"),
        rt.RetainWarning,
        r"milestone 'lve' does not appear in column 'milestone' of the milestones table",
    ),
    Case(
        "kpi: milestones of an account absent from accounts",
        lambda: rt.kpi.time_to_value(
            ACCOUNTS, MILESTONES.assign(account_id=["zz"]), "live", as_of="2024-03-01"
        ),
        rt.InputError,
        r"column 'account_id' of the milestones table, row 0: account 'zz' is not in the",
    ),
    Case(
        "kpi: touches without activities",
        lambda: rt.kpi.touches(_book()),
        rt.InputError,
        "book: CSM activity needs the Book's activities table",
    ),
    Case(
        "kpi: Wilson interval of more successes than trials",
        lambda: rt.kpi.wilson_interval(5, 3),
        rt.InputError,
        "successes: must be between 0 and n = 3, got 5",
    ),
    # Engagement.
    Case(
        "engagement: unknown frequency",
        lambda: rt.engagement.active_users(_events(), freq="Q2"),
        rt.InputError,
        "freq: must be 'D', 'W' or 'M', got 'Q2'",
    ),
    Case(
        "engagement: missing user column",
        lambda: rt.engagement.active_users(_events().drop(columns="user_id")),
        rt.ColumnError,
        "the event log has no column 'user_id'",
    ),
    Case(
        "engagement: NaT timestamp",
        lambda: rt.engagement.stickiness(_events(timestamp=[pd.NaT, pd.Timestamp("2024-01-03")])),
        rt.InputError,
        r"column 'timestamp', row 0: missing timestamp \(NaT\)",
    ),
    Case(
        "engagement: unknown adoption level",
        lambda: rt.engagement.feature_adoption(
            _events(feature=["x", "y"]), "2024-02-01", level="team"
        ),
        rt.InputError,
        "level: must be 'account' or 'user', got 'team'",
    ),
    Case(
        "engagement: negative seats",
        lambda: rt.engagement.seat_utilization(
            _events(), pd.DataFrame({"account_id": ["a", "b"], "seats": [-1, 2]}), "2024-02-01"
        ),
        rt.InputError,
        "column 'seats', row 0: seats must be a finite number > 0, got -1",
    ),
    Case(
        "engagement: a window given twice",
        lambda: rt.engagement.usage_features(_events(), "2024-02-01", windows=(7, 7)),
        rt.InputError,
        "windows: window 7 is given twice",
    ),
    Case(
        "engagement: as-of date NaT",
        lambda: rt.engagement.usage_features(_events(), pd.NaT),
        rt.InputError,
        r"as_of: missing date \(NaT\) at position 0",
    ),
    Case(
        "engagement: an as-of date written month first",
        lambda: rt.engagement.usage_features(_events(), "03/04/2024"),
        rt.InputError,
        "as_of: cannot read the dates '03/04/2024'; write them as YYYY-MM-DD",
    ),
    Case(
        "engagement: as-of date out of range",
        lambda: rt.engagement.usage_features(_events(), "3024-02-01"),
        rt.InputError,
        "as_of: cannot read the dates '3024-02-01'",
    ),
    # Health models: documents, scoring, the other methods.
    Case(
        "model: not JSON",
        lambda: rt.HealthModel.from_json('{"version": 1,'),
        rt.ConfigError,
        "model: not valid JSON",
    ),
    Case(
        "model: a number too large for a double",
        lambda: rt.HealthModel.from_json(
            '{"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x", "group": "g",'
            ' "transform": {"kind": "linear", "lo": 0, "hi": 1e999}}]}'
        ),
        rt.ConfigError,
        "1e999",
    ),
    Case(
        "model: a NaN weight in a dict",
        lambda: _model(groups=[{"name": "g", "weight": float("nan")}]),
        rt.ConfigError,
        r"groups\[0\]\.weight: NaN and infinite values are not allowed",
    ),
    Case(
        "model: negative measure weight",
        lambda: _model(measures=[{"name": "x", "group": "g", "weight": -1, "transform": LINEAR}]),
        rt.ConfigError,
        r"measures\[0\]\.weight: must be a finite number >= 0, got -1",
    ),
    Case(
        "model: a measure of an unknown group",
        lambda: _model(measures=[{"name": "x", "group": "h", "transform": LINEAR}]),
        rt.ConfigError,
        r"measures\[0\]\.group: unknown group 'h'",
    ),
    Case(
        "model: a linear transform of zero width",
        lambda: _model(
            measures=[
                {"name": "x", "group": "g", "transform": {"kind": "linear", "lo": 1, "hi": 1}}
            ]
        ),
        rt.ConfigError,
        r"measures\[0\]\.transform\.hi: must differ from lo",
    ),
    Case(
        "model: grades that do not start at 0",
        lambda: _model(grades=[{"min": 50, "label": "a"}, {"min": 10, "label": "b"}]),
        rt.ConfigError,
        r"grades\[0\]\.min: the first grade starts at 0, got 50",
    ),
    Case(
        "model: unknown missing policy",
        lambda: _model(missing="ignore"),
        rt.ConfigError,
        "missing: unknown policy string 'ignore'",
    ),
    Case(
        "score: not a frame",
        lambda: _model().score([1, 2, 3]),
        TypeError,
        "the feature frame must be a pandas DataFrame, got list",
    ),
    Case(
        "score: text feature",
        lambda: _model().score(pd.DataFrame({"x": ["1", "2"]})),
        rt.InputError,
        "column 'x' must be numeric or boolean, got dtype object",
    ),
    Case(
        "reasons: top 0",
        lambda: _mrr_model().reasons(_snapshots(), top=0),
        rt.InputError,
        "top: must be >= 1, got 0",
    ),
    Case(
        "alerts: scores without their change",
        lambda: rt.health.alerts(_mrr_model().score(_snapshots())),
        rt.ColumnError,
        "the scored frame has no column 'score_change'",
    ),
    Case(
        "rollup: an absent parent column",
        lambda: rt.health.rollup(_mrr_model().score(_snapshots()), parent="region"),
        rt.ColumnError,
        "the scored frame has no column 'region'",
    ),
    Case(
        "model set: a segment without a model",
        lambda: rt.ModelSet({"pro": _mrr_model()}, by="seg").score(
            _snapshots().assign(seg="basic")
        ),
        rt.InputError,
        r"column 'seg', row 0: no model for 'basic' \(models: \['pro'\]\)",
    ),
    # Segmenters.
    Case(
        "segmenter: unknown op",
        lambda: rt.Segmenter.from_dict(
            {"tiers": [{"name": "t", "when": [{"column": "mrr", "op": "=~", "value": 1}]}]}
        ),
        rt.ConfigError,
        r"tiers\[0\]\.when\[0\]\.op: unknown op '=~'",
    ),
    Case(
        "segmenter: a tier named twice",
        lambda: rt.Segmenter.from_dict({"tiers": [{"name": "t"}, {"name": "t"}]}),
        rt.ConfigError,
        r"tiers\[1\]\.name: duplicate tier name 't'",
    ),
    Case(
        "segmenter: text where a number goes",
        lambda: rt.Segmenter.from_dict(
            {"tiers": [{"name": "t", "when": [{"column": "mrr", "op": ">=", "value": "big"}]}]}
        ),
        rt.ConfigError,
        r"tiers\[0\]\.when\[0\]\.value: expected a number, got string 'big'",
    ),
    Case(
        "segmenter: between reversed",
        lambda: rt.Segmenter.from_dict(
            {
                "tiers": [
                    {"name": "t", "when": [{"column": "mrr", "op": "between", "value": [5, 1]}]}
                ]
            }
        ),
        rt.ConfigError,
        "'between' needs lo <= hi, got",
    ),
    Case(
        "segmenter: assign without the column",
        lambda: rt.Segmenter.from_dict(SEGMENTS).assign(pd.DataFrame({"arr": [1.0]})),
        rt.ColumnError,
        r"tiers\[0\]\.when\[0\]\.column: no column 'mrr' in the data",
    ),
    Case(
        "segmenter: assign a text column",
        lambda: rt.Segmenter.from_dict(SEGMENTS).assign(pd.DataFrame({"mrr": ["a", "b"]})),
        rt.InputError,
        "column 'mrr' must be numeric, got dtype object",
    ),
    # Survival.
    Case(
        "km: NaN duration",
        lambda: rt.survival.kaplan_meier([1, np.nan]),
        rt.InputError,
        "column 'durations', row 1: duration must be a finite number >= 0, got nan",
    ),
    Case(
        "km: an observed flag of 2",
        lambda: rt.survival.kaplan_meier([1, 2], [1, 2]),
        rt.InputError,
        "column 'observed', row 1: observed flag must be 0",
    ),
    Case(
        "km: entry after the duration",
        lambda: rt.survival.kaplan_meier([1, 2], entry=[3, 0]),
        rt.InputError,
        "column 'entry', row 0: entry 3 is after the duration 1",
    ),
    Case(
        "km: a timeline out of order",
        lambda: rt.survival.kaplan_meier([1, 2], timeline=[3, 1]),
        rt.InputError,
        r"timeline: must be finite and strictly increasing \(at position 1\)",
    ),
    Case(
        "km: alpha of 0",
        lambda: rt.survival.kaplan_meier([1, 2], alpha=0),
        rt.InputError,
        "alpha: must be strictly between 0 and 1",
    ),
    Case(
        "survival: curves by an absent column",
        lambda: rt.survival.retention_curves(
            pd.DataFrame({"duration": [1, 2], "observed": [1, 0]}), by="plan"
        ),
        rt.ColumnError,
        "the survival table has no column 'plan'",
    ),
    Case(
        "survival: median of a table that is not a curve",
        lambda: rt.survival.median_survival(MRR),
        rt.ColumnError,
        "the Kaplan-Meier table has no column 'time'",
    ),
    Case(
        "survival: restricted mean to a NaN horizon",
        lambda: rt.survival.restricted_mean(rt.survival.kaplan_meier([1, 2]), np.nan),
        rt.InputError,
        "horizon: must be a finite number >= 0",
    ),
    Case(
        "survival: tenure from an unreadable start",
        lambda: rt.survival.tenure(_book(), "2024-03-01", start="signed"),
        rt.InputError,
        "start: cannot read the date 'signed'",
    ),
    Case(
        "sbg: survivors that increase",
        lambda: rt.survival.ShiftedBetaGeometric().fit([100, 120, 80]),
        rt.InputError,
        r"survivors\[1\]: survivors cannot increase: 120 after 100",
    ),
    Case(
        "sbg: one period only",
        lambda: rt.survival.ShiftedBetaGeometric().fit([100]),
        rt.InputError,
        "survivors: needs the cohort size and at least two periods",
    ),
    # Metrics.
    Case(
        "metrics: a probability above 1",
        lambda: rt.metrics.brier([0, 1], [0.5, 1.5]),
        rt.InputError,
        r"column 'p', row 1: must be a probability in \[0, 1\], got 1.5",
    ),
    Case(
        "metrics: a label of 2",
        lambda: rt.metrics.log_loss([0, 2], [0.5, 0.5]),
        rt.InputError,
        "column 'y', row 1: must be 0 or 1, got 2",
    ),
    Case(
        "metrics: text labels",
        lambda: rt.metrics.precision_at(["no", "yes"], [0.1, 0.2]),
        rt.InputError,
        "column 'y' must be numeric",
    ),
    Case(
        "metrics: infinite risk",
        lambda: rt.metrics.roc_curve([0, 1], [np.inf, 0.2]),
        rt.InputError,
        "column 'risk', row 0: must be a finite number, got inf",
    ),
    Case(
        "metrics: NaN risk",
        lambda: rt.metrics.ks_statistic([0, 1], [np.nan, 0.2]),
        rt.InputError,
        "column 'risk', row 0: must be a finite number, got nan",
    ),
    Case(
        "metrics: a negative weight",
        lambda: rt.metrics.pr_auc([0, 1], [0.1, 0.2], sample_weight=[1, -1]),
        rt.InputError,
        "column 'sample_weight', row 1: must be a finite number >= 0, got -1",
    ),
    Case(
        "metrics: zero total weight of churners",
        lambda: rt.metrics.pr_auc([0, 1], [0.1, 0.2], sample_weight=[1, 0]),
        rt.InputError,
        "the rows with y == 1 have zero total weight",
    ),
    Case(
        "metrics: an empty table",
        lambda: rt.metrics.pr_curve([], []),
        rt.InputError,
        "pr_curve: no rows",
    ),
    Case(
        "metrics: two-dimensional labels",
        lambda: rt.metrics.roc_auc([[0, 1]], [[0.1, 0.2]]),
        rt.InputError,
        "y must be one-dimensional, got 2 dimensions",
    ),
    Case(
        "metrics: lift of the top 200 %",
        lambda: rt.metrics.lift([0, 1], [0.1, 0.2], top=2),
        rt.InputError,
        r"top: must be in \(0, 1\], got 2",
    ),
    Case(
        "metrics: calibration in no bins",
        lambda: rt.metrics.calibration([0, 1], [0.2, 0.4], bins=0),
        rt.InputError,
        "bins: must be at least 1, got 0",
    ),
    # Backtests, labels and splits.
    Case(
        "backtest: a zero horizon",
        lambda: rt.backtest.backtest(_mrr_model(), _book(), as_of=["2024-01-31"], horizon_days=0),
        rt.InputError,
        "horizon_days: must be a whole number of days >= 1, got 0",
    ),
    Case(
        "backtest: outcomes observed before the as-of dates",
        lambda: rt.backtest.backtest(
            _mrr_model(), _book(), as_of=["2024-01-31"], observed_until="2023-01-01"
        ),
        rt.RetainWarning,
        r"backtest: no row's outcome is known: .* observed_until \(2023-01-01\)",
    ),
    Case(
        "backtest: an as-of date given twice",
        lambda: rt.backtest.backtest(_mrr_model(), _book(), as_of=["2024-01-31", "2024-01-31"]),
        rt.InputError,
        "as_of: the date 2024-01-31 is given twice",
    ),
    Case(
        "backtest: a negative bootstrap",
        lambda: rt.backtest.backtest(
            _mrr_model(), _book(), as_of=["2024-01-31"], observed_until="2024-06-30", n_boot=-1
        ),
        rt.InputError,
        "n_boot: must be >= 0, got -1",
    ),
    Case(
        "backtest: snapshots without churns",
        lambda: rt.backtest.backtest(_mrr_model(), _snapshots()),
        TypeError,
        "backtest: give the churns table",
    ),
    Case(
        "fit_weights: all dates held out",
        lambda: rt.backtest.fit_weights(_mrr_model(), _book(), as_of=["2024-01-31"], holdout=1.0),
        rt.InputError,
        r"holdout: the share of as-of dates held out, in \(0, 1\); got 1.0",
    ),
    Case(
        "walk_forward: no training date",
        lambda: rt.backtest.walk_forward(
            lambda: _mrr_model(),
            _book(),
            as_of=["2024-01-31"],
            observed_until="2024-06-30",
            min_train_dates=0,
        ),
        rt.InputError,
        "min_train_dates: must be >= 1, got 0",
    ),
    Case(
        "label_churn: churns keyed by other ids",
        lambda: rt.label_churn(
            _snapshots(), CHURNS.assign(account_id=["B"]), observed_until="2024-06-30"
        ),
        rt.RetainWarning,
        r"no account of the churns table is in the snapshots \(churns name 'B', snapshots 'a'\)",
    ),
    Case(
        "backtest: a scorer that gives no row a risk",
        lambda: rt.backtest.backtest(
            lambda frame: np.full(len(frame), np.nan),
            _book(),
            as_of=["2024-01-31"],
            observed_until="2024-06-30",
        ),
        rt.RetainWarning,
        r"the scorer gave none of the \d+ labelled rows a risk \(all NaN\)",
    ),
    Case(
        "label_churn: no outcome known yet",
        lambda: rt.label_churn(_snapshots(), CHURNS, horizon_days=90),
        rt.RetainWarning,
        r"label_churn: no row's outcome is known",
    ),
    Case(
        "label_churn: a churn without a date",
        lambda: rt.label_churn(_snapshots(), CHURNS.assign(churned_at=[pd.NaT])),
        rt.InputError,
        r"column 'churned_at', row 0: missing date \(NaT\)",
    ),
    Case(
        "label_churn: a negative horizon",
        lambda: rt.label_churn(_snapshots(), CHURNS, horizon_days=-3),
        rt.InputError,
        "horizon_days: must be a whole number of days >= 1, got -3",
    ),
    Case(
        "time_splits: more splits than dates",
        lambda: rt.backtest.time_splits(_snapshots(), n_splits=5),
        rt.InputError,
        "5 splits need at least 6 distinct as-of dates, got 2",
    ),
    Case(
        "calibrate_risk: unknown method",
        lambda: rt.calibrate_risk(_mrr_model(), _book(), as_of=["2024-01-31"], method="platts"),
        rt.InputError,
        "method: must be one of",
    ),
    # Churn models and data sets.
    Case(
        "logistic: a NaN feature",
        lambda: rt.LogisticChurnModel().fit(np.array([[np.nan], [1.0]]), [0, 1]),
        rt.InputError,
        r"column 'x0', row 0: is NaN \(features must be finite numbers\)",
    ),
    Case(
        "logistic: C of 0",
        lambda: rt.LogisticChurnModel(C=0).fit(np.eye(2), [0, 1]),
        rt.InputError,
        "C: must be a positive finite number, got 0",
    ),
    Case(
        "logistic: a negative weight",
        lambda: rt.LogisticChurnModel().fit(np.eye(2), [0, 1], sample_weight=[1, -1]),
        rt.InputError,
        "column 'sample_weight', row 1: must be a finite non-negative weight, got -1",
    ),
    Case(
        "logistic: one row",
        lambda: rt.LogisticChurnModel().fit(np.eye(1), [1]),
        rt.InputError,
        r"y: has one class only \(all 1\)",
    ),
    Case(
        "datasets: no accounts",
        lambda: rt.datasets.synthetic_saas(accounts=0),
        rt.InputError,
        "accounts: must be at least 1, got 0",
    ),
    Case(
        "datasets: an unreadable start",
        lambda: rt.datasets.synthetic_saas(accounts=10, start="2023-13"),
        rt.InputError,
        "start: cannot read the month '2023-13'",
    ),
    Case(
        "datasets: write to an unknown format",
        lambda: rt.datasets.write(_book(), "/nonexistent/out", format="xlsx"),
        rt.InputError,
        "format: must be 'csv' or 'parquet', got 'xlsx'",
    ),
]


def _score(data: Path, *more: str) -> list[str]:
    """``retain score`` of the exports on 2024-01-31, with more options."""
    return ["score", "--data", str(data), "--as-of", "2024-01-31", *more]


class CommandCase(NamedTuple):
    name: str
    argv: Callable[[Path, Path], list[str]]  # (a folder of good exports, a scratch folder)
    says: str  # a regex the one-line error must match


COMMAND_CASES = [
    CommandCase(
        "command: no such folder",
        lambda data, tmp: _score(tmp / "nope"),
        r"--data: '.*nope' is not a folder",
    ),
    CommandCase(
        "command: a folder without accounts",
        lambda data, tmp: _score(tmp),
        "has no accounts.csv or accounts.parquet",
    ),
    CommandCase(
        "command: misspelt column in a file",
        lambda data, tmp: _score(_misspelt(data, tmp)),
        r"table 'accounts' has no column 'account_id'; is 'acount_id' it\?.*\[accounts.csv\]",
    ),
    CommandCase(
        "command: a date that is not one",
        lambda data, tmp: ["score", "--data", str(data), "--as-of", "2024-13-01"],
        r"--as-of: '2024-13-01' is not a date",
    ),
    CommandCase(
        "command: a date written month first",
        lambda data, tmp: ["score", "--data", str(data), "--as-of", "03/04/2024"],
        r"--as-of: '03/04/2024' is not a date \(write it as 2025-12-31\)",
    ),
    CommandCase(
        "command: an AUC bar above 1",
        lambda data, tmp: ["backtest", "--data", str(data), "--min-auc", "1.5"],
        "--min-auc: an ROC AUC from 0 to 1, got 1.5",
    ),
    CommandCase(
        "command: a negative number of reasons",
        lambda data, tmp: _score(data, "--reasons", "-1"),
        "--reasons: a count of reasons >= 0, got -1",
    ),
    CommandCase(
        "command: unknown key in the model file",
        lambda data, tmp: _score(data, "--model", str(_bad_model(tmp))),
        r"--model .*model.json: colour: unknown key",
    ),
    CommandCase(
        "command: no model file",
        lambda data, tmp: _score(data, "--model", str(tmp / "x.json")),
        r"--model: cannot read '.*x.json': No such file or directory",
    ),
    CommandCase(
        "command: negative threads",
        lambda data, tmp: _score(data, "--threads", "-1"),
        "n_threads: must be None .* got -1",
    ),
    CommandCase(
        "command: a zero horizon",
        lambda data, tmp: ["backtest", "--data", str(data), "--horizon-days", "0"],
        "horizon_days: must be a whole number of days >= 1, got 0",
    ),
    CommandCase(
        "command: a holdout of 200 %",
        lambda data, tmp: ["fit", "--data", str(data), "--holdout", "2"],
        r"holdout: the share of as-of dates held out, in \(0, 1\); got 2.0",
    ),
    CommandCase(
        "command: an output folder of someone else's",
        lambda data, tmp: ["backtest", "--data", str(data), "--out-here", str(data)],
        "is not empty and holds no summary.txt",
    ),
    CommandCase(
        "command: a demo of no accounts",
        lambda data, tmp: ["demo", "--accounts", "0"],
        "accounts: must be at least 1, got 0",
    ),
]


def _misspelt(data: Path, tmp: Path) -> Path:
    folder = tmp / "misspelt"
    folder.mkdir()
    accounts = pd.read_csv(data / "accounts.csv").rename(columns={"account_id": "acount_id"})
    accounts.to_csv(folder / "accounts.csv", index=False)
    return folder


def _bad_model(tmp: Path) -> Path:
    path = tmp / "model.json"
    path.write_text(json.dumps({**DOC, "colour": 1}))
    return path


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    book = rt.datasets.synthetic_saas(accounts=60, months=14, random_state=1)
    return rt.datasets.write(book, tmp_path_factory.mktemp("exports") / "data")


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[c.name for c in COMMAND_CASES])
def test_the_command_names_bad_input_in_one_line(case, exports, tmp_path, capsys):
    argv = case.argv(exports, tmp_path)
    if "--out-here" in argv:  # the output is the case's culprit
        argv[argv.index("--out-here")] = "--out"
    else:
        argv += ["--out", str(tmp_path / "out" / ("scores.csv" if argv[0] == "score" else "x"))]
    assert main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"retain {argv[0]}: error: ") and "\n" not in err
    assert re.search(case.says, err), err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_named(case):
    if issubclass(case.error, Warning):
        with pytest.warns(case.error, match=case.says), warnings.catch_warnings():
            warnings.simplefilter("default", case.error)
            case.call()
    else:
        with pytest.raises(case.error, match=case.says):
            case.call()


def matrix_size() -> int:
    return len(CASES) + len(COMMAND_CASES)


def test_the_readme_quotes_the_matrix_size():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    quoted = re.search(r"bad-input matrix \(`tests/python/test_bad_input.py`, (\d+) cases:", readme)
    assert quoted is not None and int(quoted.group(1)) == matrix_size()
