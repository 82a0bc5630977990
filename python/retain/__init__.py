"""retain: customer-success analytics for subscription businesses.

Revenue movements, churn, NRR, LTV, NPS and the rest, computed by one compiled C++ core and
offered here with pandas in and out::

    import retain as rt
    mv = rt.kpi.mrr_movements(df, account="account_id", period="month", mrr="mrr")
"""

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "retain's compiled core (retain._core) could not be imported. Build and install the "
        "package from a checkout with `pip install .` (or run `./dev test`, see README.md)."
    ) from exc

from . import (
    account,
    backtest,
    book,
    calibration,
    datasets,
    dist,
    engagement,
    health,
    health_model,
    kpi,
    labels,
    logistic,
    metrics,
    models,
    plot,
    report,
    segment,
    splits,
    survival,
)
from .account import MrrTable
from .backtest import fit_weights, walk_forward
from .book import Book
from .calibration import RiskCalibration, calibrate_risk
from .errors import (
    ColumnError,
    ConfigError,
    ConvergenceWarning,
    InputError,
    NotFittedError,
    RetainError,
    RetainWarning,
)
from .health_model import HealthModel, ModelSet
from .labels import label_churn
from .logistic import LogisticChurnModel
from .segment import Segmenter
from .snapshots import snapshots

__version__ = _core.__version__

__all__ = [
    "Book",
    "ColumnError",
    "ConfigError",
    "ConvergenceWarning",
    "HealthModel",
    "InputError",
    "LogisticChurnModel",
    "ModelSet",
    "MrrTable",
    "NotFittedError",
    "RetainError",
    "RetainWarning",
    "RiskCalibration",
    "Segmenter",
    "__version__",
    "account",
    "backtest",
    "book",
    "calibrate_risk",
    "calibration",
    "datasets",
    "dist",
    "engagement",
    "fit_weights",
    "health",
    "health_model",
    "kpi",
    "label_churn",
    "labels",
    "logistic",
    "metrics",
    "models",
    "plot",
    "report",
    "segment",
    "snapshots",
    "splits",
    "survival",
    "walk_forward",
]
