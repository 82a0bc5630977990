"""Churn models: L2-regularised logistic regression, fitted by Newton's method in C++.

:class:`LogisticChurnModel` minimises the objective of scikit-learn's
``LogisticRegression(C=C)`` for two classes,

    C * sum_i w_i * logloss_i + 0.5 * ||coef||^2        (the intercept is not penalised)

with ``w_i = sample_weight_i * class_weight[y_i]``, and follows scikit-learn's estimator interface,
so it works in ``Pipeline``, ``cross_val_score``, ``GridSearchCV`` and ``clone`` (scikit-learn is
not needed to use it, and is not imported by ``import retain``)::

    import numpy as np
    import retain as rt

    X = np.array([[-1.0], [1.0]])
    y = np.array([0, 1])
    m = rt.LogisticChurnModel(standardize=False).fit(X, y)   # warns: separable classes
    m.coef_           # array([[0.67483161]]): beta = 2 / (1 + exp(beta)), zero gradient
    m.intercept_      # array([0.]) by symmetry

**Standardization** (``standardize=True``, the default): the fit runs on the features centred and
scaled like scikit-learn's ``StandardScaler`` (mean and population standard deviation, ddof 0,
weighted by ``sample_weight``; a constant column keeps scale 1), so the penalty treats every
feature alike whatever its unit. ``coef_`` and ``intercept_`` are then converted back to the
**original features**: ``decision_function(X) == X @ coef_.T + intercept_`` on the data as given,
as a user of a single estimator expects. The standardized-scale coefficients, comparable across
features and equal to those of ``make_pipeline(StandardScaler(), LogisticRegression(C=C))``, are
``coef_standardized_`` and ``intercept_standardized_``; ``mean_`` and ``scale_`` hold the
standardization (``coef_ = coef_standardized_ / scale_``).
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import _core, _frames
from .errors import ColumnError, ConvergenceWarning, InputError, RetainWarning, not_fitted

__all__ = ["LogisticChurnModel"]


class LogisticChurnModel:
    """L2-regularised logistic regression for churn (class 1 = churned), fitted in C++.

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularisation strength (scikit-learn's ``C``): smaller is stronger.
    standardize : bool, default True
        Fit on standardized features (see the module docstring); ``coef_`` is reported for the
        original features either way.
    class_weight : None, "balanced" or dict, default None
        Weights of classes 0 and 1 multiplying ``sample_weight``: ``{0: w0, 1: w1}`` (a class left
        out weighs 1), or ``"balanced"``: class c weighs ``W / (2 * W_c)``, W the total sample
        weight and W_c that of class c (row counts without sample weights), as scikit-learn.
    max_iter : int, default 100
        Newton steps at most. Stopping there is a :class:`retain.ConvergenceWarning`.
    tol : float, default 1e-8
        Stop when max |gradient| / (C * total weight) <= tol (the gradient of scikit-learn's
        scaled objective) or a Newton step changes no parameter by more than tol * (1 + max
        |parameter|). Newton converges quadratically: a few steps more give full precision.
    n_threads : int or None, default None
        Threads for the passes over the rows (None: every core). Results do not depend on it.

    Attributes (after ``fit``)
    --------------------------
    coef_ : ndarray (1, n_features), intercept_ : ndarray (1,)
        For the original features: ``decision_function(X) = X @ coef_.T + intercept_``.
    coef_standardized_ : ndarray (1, n_features), intercept_standardized_ : ndarray (1,)
        For ``(X - mean_) / scale_``; the same as coef_ without standardization.
    mean_, scale_ : ndarray (n_features,)
        The standardization used (0 and 1 without it).
    classes_ : ndarray ``[0, 1]``; n_features_in_ : int; feature_names_in_ : ndarray of str
        (only when fitted on a DataFrame whose column names are all strings).
    n_iter_ : ndarray (1,) of int32, Newton steps taken; converged_ : bool
    class_weight_ : dict {0: w0, 1: w1}, the class weights used.
    constant_features_ : list, the features constant over the rows of positive weight.
    separable_ : bool, the classes are perfectly separated by the fitted score.

    Warnings
    --------
    :class:`retain.RetainWarning` for a constant feature (with standardization its coefficient is
    exactly 0) and for perfectly separable classes (the coefficients are finite only because of
    the penalty, and grow with C); :class:`retain.ConvergenceWarning` when max_iter is reached.
    The fit is kept in every case.

    Errors
    ------
    :class:`retain.InputError` (a ValueError) naming the column and row for NaN or infinite
    features, a y that is not 0/1, a negative or non-finite sample weight; naming the argument
    for one class only, a bad C, max_iter, tol or class_weight.

    Examples
    --------
    >>> import numpy as np, retain as rt
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> m = rt.LogisticChurnModel(C=1.0).fit(X, [0, 1, 0, 1])
    >>> m.predict_proba(X).shape
    (4, 2)
    """

    _estimator_type = "classifier"  # scikit-learn < 1.6 reads this; newer reads the tags

    def __init__(
        self,
        C: float = 1.0,
        standardize: bool = True,
        class_weight: str | dict[Any, float] | None = None,
        max_iter: int = 100,
        tol: float = 1e-8,
        n_threads: int | None = None,
    ) -> None:
        self.C = C
        self.standardize = standardize
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.n_threads = n_threads

    # -----------------------------------------------------------------------------------------
    # scikit-learn's estimator protocol, without importing scikit-learn

    @classmethod
    def _get_param_names(cls) -> list[str]:
        params = inspect.signature(cls.__init__).parameters
        return sorted(name for name in params if name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters as a dict (scikit-learn's convention; ``deep`` has no
        effect: no parameter is an estimator)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> LogisticChurnModel:
        """Set constructor parameters by name; returns self. An unknown name is a ValueError."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        # Like scikit-learn: only the parameters that differ from their defaults.
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not (type(value) is type(defaults[name]) and value == defaults[name])
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self) -> Any:
        # Called by scikit-learn >= 1.6 only, so the import is there to be had.
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=False),
            input_tags=InputTags(allow_nan=False, sparse=False),
        )

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"binary_only": True, "requires_y": True, "allow_nan": False}

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    # -----------------------------------------------------------------------------------------
    # Fitting

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticChurnModel:
        """Fit to features ``X`` (a DataFrame of numeric or boolean columns, or a 2-d array) and
        labels ``y`` (0/1 or booleans, 1 = churned), with optional non-negative
        ``sample_weight``. Returns self. Warns (see the class docstring) but keeps the fit."""
        options = self._options()
        matrix, columns = _frames.feature_matrix(X)
        for axis, what in ((0, "sample(s)"), (1, "feature(s)")):
            if matrix.shape[axis] == 0:
                raise InputError(
                    f"X: found 0 {what} (shape={matrix.shape}) while a minimum of 1 is required."
                )
        labels, classes = _binary_labels(y)
        options["class_weight"] = _class_weights(self.class_weight, classes)
        weights = None
        if sample_weight is not None:
            weights, _ = _frames.vector(sample_weight, "sample_weight")
        n_features = matrix.shape[1]
        names = [str(c) for c in columns] if columns is not None else []
        fit = _core.logistic.fit(matrix, labels, weights, feature_names=names, **options)

        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)  # a refit forgets what the last fit learned
        self.coef_ = fit["coef"].reshape(1, n_features)
        self.intercept_ = np.array([fit["intercept"]])
        self.coef_standardized_ = fit["coef_standardized"].reshape(1, n_features)
        self.intercept_standardized_ = np.array([fit["intercept_standardized"]])
        self.mean_ = fit["mean"]
        self.scale_ = fit["scale"]
        self.classes_ = classes
        self.n_features_in_ = n_features
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.array(columns, dtype=object)
        self.n_iter_ = np.array([fit["n_iter"]], dtype=np.int32)
        self.converged_ = bool(fit["converged"])
        self.class_weight_ = dict(zip(classes.tolist(), fit["class_weight"], strict=True))
        label = names if names else [f"x{j}" for j in range(n_features)]
        self.constant_features_ = [
            columns[j] if columns is not None else label[j] for j in fit["constant_columns"]
        ]
        self.separable_ = bool(fit["separable"])
        self._names = names
        self._warn(fit, label)
        return self

    def _options(self) -> dict[str, Any]:
        C, max_iter, tol = self.C, self.max_iter, self.tol
        n_threads = _frames.threads(self.n_threads)
        if isinstance(C, bool) or not isinstance(C, numbers.Real):
            raise InputError(f"C: must be a positive finite number, got {C!r}")
        if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral):
            raise InputError(f"max_iter: must be an integer >= 1, got {max_iter!r}")
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
            raise InputError(f"tol: must be a finite number >= 0, got {tol!r}")
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise InputError(f"standardize: must be True or False, got {self.standardize!r}")
        cw = self.class_weight
        balanced = cw == "balanced" if isinstance(cw, str) else False
        if isinstance(cw, str) and not balanced:
            raise InputError(f"class_weight: must be None, 'balanced' or a dict, got {cw!r}")
        if isinstance(cw, dict):
            for key, value in cw.items():
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise InputError(f"class_weight: the weight of class {key} must be a number")
        elif cw is not None and not isinstance(cw, str):
            raise InputError(f"class_weight: must be None, 'balanced' or a dict, got {cw!r}")
        return {
            "C": float(C),
            "standardize": bool(self.standardize),
            "class_weight": (1.0, 1.0),
            "balanced": balanced,
            "max_iter": min(max(int(max_iter), -(2**31)), 2**31 - 1),
            "tol": float(tol),
            "n_threads": n_threads,
        }

    def _warn(self, fit: dict[str, Any], label: list[str]) -> None:
        if fit["constant_columns"]:
            names = ", ".join(repr(label[j]) for j in fit["constant_columns"])
            effect = (
                "their coefficient is 0"
                if self.standardize
                else "they act as a second intercept (standardize=True gives them coefficient 0)"
            )
            warnings.warn(
                f"LogisticChurnModel: constant feature(s) {names} carry no information; {effect}",
                RetainWarning,
                stacklevel=3,
            )
        if fit["separable"]:
            warnings.warn(
                "LogisticChurnModel: the training classes are perfectly separable (every churner "
                "scores above every non-churner); the coefficients are finite only because of the "
                f"L2 penalty (C={self.C}) and grow with C, and the probabilities are overconfident",
                RetainWarning,
                stacklevel=3,
            )
        if not fit["converged"]:
            warnings.warn(
                f"LogisticChurnModel: stopped after {fit['n_iter']} Newton steps without meeting "
                f"tol={self.tol} (scaled max |gradient| {fit['gradient_max']:.3g}); the fit is "
                "kept. Raise max_iter, or check the data for huge or collinear features",
                ConvergenceWarning,
                stacklevel=3,
            )

    # -----------------------------------------------------------------------------------------
    # Prediction

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise not_fitted(
                "This LogisticChurnModel instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )

    def _matrix(self, X: Any) -> tuple[np.ndarray, list[str]]:
        names = getattr(self, "feature_names_in_", None)
        if names is not None and isinstance(X, pd.DataFrame):
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise ColumnError(
                    f"X has no column {missing[0]!r} the model was fitted on "
                    f"(fitted on {list(names)}, got {list(X.columns)})"
                )
            if list(X.columns) != list(names):
                X = X[list(names)]  # by name, as fitted
        matrix, _ = _frames.feature_matrix(X)
        if matrix.shape[1] != self.n_features_in_:
            raise InputError(
                f"X has {matrix.shape[1]} features, but LogisticChurnModel is expecting "
                f"{self.n_features_in_} features as input (as fitted)"
            )
        return matrix, self._names

    def decision_function(self, X: Any) -> np.ndarray:
        """The log-odds of churn, ``X @ coef_.T + intercept_``, one per row (float64)."""
        self._check_fitted()
        matrix, names = self._matrix(X)
        return _core.logistic.decision_function(
            matrix, self.coef_[0], float(self.intercept_[0]), self._threads(), names
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of class 0 and class 1 (churn), an (n, 2) array whose rows sum to 1."""
        z = self.decision_function(X)
        # 1 / (1 + exp(-z)) without overflow on either side.
        e = np.exp(-np.abs(z))
        p1 = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        p0 = np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
        return np.column_stack([p0, p1])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed without underflow."""
        z = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` (churn) where its probability is above 0.5 (score above 0), else
        ``classes_[0]``: 1 and 0 (int64) for 0/1 labels."""
        churn = self.decision_function(X) > 0  # first: unfitted is a NotFittedError
        return self.classes_[churn.astype(np.intp)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` (weighted by ``sample_weight``), scikit-learn's default
        score for classifiers."""
        hits = (self.predict(X) == _label_array(y)).astype(np.float64)
        if sample_weight is None:
            return float(hits.mean())
        weights, _ = _frames.vector(sample_weight, "sample_weight")
        return float(np.average(hits, weights=weights))

    def _threads(self) -> int:
        return _frames.threads(self.n_threads)


def _label_array(y: Any) -> np.ndarray:
    """``y`` as a 1-d array; a column vector warns (scikit-learn's DataConversionWarning where
    scikit-learn is loaded) and is flattened; None or more dimensions are an InputError."""
    import sys

    if y is None:
        raise InputError("LogisticChurnModel requires y to be passed, but the target y is None")
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        exceptions = sys.modules.get("sklearn.exceptions")
        kind = exceptions.DataConversionWarning if exceptions is not None else RetainWarning
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected: it is read as one",
            kind,
            stacklevel=3,
        )
        array = array.ravel()
    if array.ndim != 1:
        raise InputError(f"y should be a 1d array, got an array of shape {array.shape}")
    return array


def _binary_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels as 0/1 floats for the core, 1 for the second of the two classes, and the classes
    (sorted, as ``numpy.unique`` gives them: ``classes_``). Any two labels (0/1, booleans, text)
    are a binary target; a missing label names its row; fractions are a continuous target and
    more than two classes are not binary, both ValueErrors as scikit-learn words them."""
    name = getattr(y, "name", None) or "y"
    array = _label_array(y)
    if array.dtype.kind == "c":
        raise InputError("Complex data not supported (y)")
    missing = pd.isna(array) if array.dtype.kind in "Of" else np.zeros(len(array), bool)
    if missing.any():
        raise InputError(f"column {name!r}, row {_frames.first_row(missing)}: missing label")
    if array.dtype.kind == "f":
        fraction = array != np.round(array)
        if fraction.any():
            row = _frames.first_row(fraction)
            raise InputError(
                f"Unknown label type: continuous (column {name!r}, row {row}: {array[row]}); "
                "LogisticChurnModel tells two classes apart"
            )
    try:
        classes = np.unique(array)
    except TypeError as exc:
        raise InputError(
            f"Unknown label type: {name!r} mixes labels that cannot be ordered ({exc})"
        ) from exc
    if array.dtype.kind == "O" and not all(
        isinstance(c, (str, numbers.Integral, np.bool_)) for c in classes
    ):
        raise InputError(f"Unknown label type: {name!r} holds {classes[:3].tolist()!r}")
    if len(classes) > 2:
        raise InputError(
            f"Only binary classification is supported: {name!r} has {len(classes)} classes "
            f"({classes[:5].tolist()!r}...); LogisticChurnModel tells churn from no churn"
        )
    if len(classes) < 2:
        only = classes[0].item() if len(classes) else "no rows"
        if isinstance(only, float) and only.is_integer():
            only = int(only)
        raise InputError(f"y: has one class only (all {only}); a churn model needs both classes")
    return (array == classes[1]).astype(np.float64), classes


def _class_weights(class_weight: Any, classes: np.ndarray) -> tuple[float, float]:
    """The weights of the two classes from a dict keyed by class label (a class left out
    weighs 1); an unknown key names itself and the classes."""
    if not isinstance(class_weight, dict):
        return (1.0, 1.0)
    weights = [1.0, 1.0]
    known = classes.tolist()
    for key, value in class_weight.items():
        # True is not the class 1, nor 1 the class True.
        same_kind = isinstance(key, (bool, np.bool_)) == (classes.dtype.kind == "b")
        matches = [j for j, c in enumerate(known) if same_kind and c == key]
        if not matches:
            raise InputError(f"class_weight: unknown class {key!r} (the classes are {known!r})")
        weights[matches[0]] = float(value)
    return (weights[0], weights[1])
