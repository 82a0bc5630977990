"""Health models shipped with retain.

:func:`default` is a starting point for a team without a model of its own: it reads the standard
features of :meth:`retain.Book.snapshots` (usage, satisfaction, support tickets, onboarding,
tenure and CSM touches) with weights chosen by judgement, not fitted to any data. Score with it,
backtest it on your history (:func:`retain.backtest`), then fit its weights
(:func:`retain.fit_weights`) or edit the document (``model.to_dict()``) to make it yours.
"""

from __future__ import annotations

from importlib import resources

from .health_model import HealthModel

__all__ = ["default"]


def default() -> HealthModel:
    """The default health model (the document ``retain/default_model.json`` in the package).

    Groups and weights: usage 0.40 (active days and events in the last 30 days, the trend
    against the 30 days before, days since the last event), satisfaction 0.25 (latest NPS and
    CSAT answers), support 0.10 (open tickets), onboarding 0.10 (milestones reached, 4 for full
    marks) and relationship 0.15 (tenure up to a year, days since the last CSM touch). Missing
    values are reweighted; grades are red below 50, yellow below 75, green from 75.

    >>> model = rt.models.default()
    >>> model.score(book.snapshots(["2024-06-30"]))
    """
    text = resources.files("retain").joinpath("default_model.json").read_text(encoding="utf-8")
    return HealthModel.from_json(text)
