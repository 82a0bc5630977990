"""rt.models.default(): the shipped starting-point health model (issue 12), scored by hand and
backtested on the synthetic business with scikit-learn's AUC as the oracle."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import retain as rt


def test_default_is_the_packaged_document():
    model = rt.models.default()
    shipped = Path(rt.__file__).with_name("default_model.json").read_text()
    assert model == rt.HealthModel.from_json(shipped)
    assert model.name == "default"
    assert model.groups == ["usage", "satisfaction", "support", "onboarding", "relationship"]
    assert model.grades == ["red", "yellow", "green"]


def test_default_scores_two_rows_by_hand():
    # Row a: every measure at its best; row b at its worst. events_30d is a percentile among the
    # two rows: a 100 * (1 + 1/2) / 2 = 75, b 25. Usage weights 2, 1, 1, 1:
    # a (2 x 100 + 75 + 100 + 100) / 5 = 95, b (0 + 25 + 0 + 0) / 5 = 5; every other group is 100
    # for a and 0 for b. a: 0.4 x 95 + 0.6 x 100 = 98; b: 0.4 x 5 = 2.
    frame = pd.DataFrame(
        {
            "active_days_30d": [20, 0], "events_30d": [100, 0], "trend_30d": [1.0, 0.5],
            "days_since_last_event": [3, 30], "nps_score": [9, 6], "csat_score": [4, 2],
            "open_tickets": [0, 5], "milestones_reached": [4, 0], "tenure_days": [365, 0],
            "days_since_touch": [14, 90],
        },
        index=pd.Index(["a", "b"], name="account_id"),
    )
    scored = rt.models.default().score(frame)
    assert scored["score"].tolist() == pytest.approx([98.0, 2.0])
    assert scored["grade"].tolist() == ["green", "red"]


def test_default_reads_the_books_snapshots_and_foresees_churn_on_the_synthetic_business():
    book = rt.datasets.synthetic_saas(accounts=3000, months=36, random_state=1)
    dates = pd.date_range("2024-12-01", periods=12, freq="MS")
    model = rt.models.default()
    # Every column the model reads is a snapshot column: scoring warns of none absent.
    snaps = book.snapshots(dates[:1])
    assert set(model.required_columns) <= set(snaps.columns)
    result = rt.backtest(model, book, as_of=dates, horizon_days=90, observed_until="2025-12-31")
    scores = result.scores
    oracle = roc_auc_score(scores["label"], scores["risk"])
    assert result.pooled["roc_auc"] == pytest.approx(oracle, abs=1e-12)
    # Not fitted to this data, and still in the band the issue asks of a sensible model.
    assert 0.70 <= oracle <= 0.90
    assert np.isfinite(scores["risk"]).all()


def test_the_document_is_valid_json_with_labels_for_every_measure():
    document = json.loads(Path(rt.__file__).with_name("default_model.json").read_text())
    assert all(m.get("label") for m in document["measures"])
    assert sum(g["weight"] for g in document["groups"]) == pytest.approx(1.0)
