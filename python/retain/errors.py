"""The error family of retain, shared by the C++ core and the Python layer.

``RetainError`` is the base. ``InputError`` (a ``ValueError``) means a bad value in the data or an
argument, and its message names the column and row (rows are 0-based positions). ``ColumnError``
(a ``KeyError``) means a column or key is missing. ``ConfigError`` (a ``ValueError``) names the
configuration key at fault. ``NotFittedError`` (a ``ValueError`` and an ``AttributeError``, like
scikit-learn's) is raised by a model used before ``fit``.

Warnings: ``RetainWarning`` (a ``UserWarning``) is the base of what retain warns about — results
that are computed but deserve a look (a constant feature, perfectly separable classes);
``ConvergenceWarning`` says an iterative fit stopped at its iteration limit.
"""

from ._core import ColumnError, ConfigError, InputError, RetainError

__all__ = [
    "ColumnError",
    "ConfigError",
    "ConvergenceWarning",
    "InputError",
    "NotFittedError",
    "RetainError",
    "RetainWarning",
]


class NotFittedError(RetainError, ValueError, AttributeError):
    """A model was used before ``fit``."""


_BOTH_NOT_FITTED: type | None = None


def not_fitted(message: str) -> NotFittedError:
    """A NotFittedError to raise; where scikit-learn is loaded, one that is also its
    NotFittedError, so that either ``except`` catches it (scikit-learn is not imported for it)."""
    import sys

    global _BOTH_NOT_FITTED
    sklearn = sys.modules.get("sklearn.exceptions")
    if sklearn is None:
        return NotFittedError(message)
    if _BOTH_NOT_FITTED is None:
        _BOTH_NOT_FITTED = type("NotFittedError", (NotFittedError, sklearn.NotFittedError), {})
        _BOTH_NOT_FITTED.__module__ = NotFittedError.__module__
    error: NotFittedError = _BOTH_NOT_FITTED(message)  # a subclass of NotFittedError
    return error


class RetainWarning(UserWarning):
    """Base of the warnings retain emits."""


class ConvergenceWarning(RetainWarning):
    """An iterative fit stopped at its iteration limit before its tolerance was met."""
