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


class RetainWarning(UserWarning):
    """Base of the warnings retain emits."""


class ConvergenceWarning(RetainWarning):
    """An iterative fit stopped at its iteration limit before its tolerance was met."""
