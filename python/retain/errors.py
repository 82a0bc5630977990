"""The error family of retain, shared by the C++ core and the Python layer.

``RetainError`` is the base. ``InputError`` (a ``ValueError``) means a bad value in the data or an
argument, and its message names the column and row (rows are 0-based positions). ``ColumnError``
(a ``KeyError``) means a column or key is missing. ``ConfigError`` (a ``ValueError``) names the
configuration key at fault.
"""

from ._core import ColumnError, ConfigError, InputError, RetainError

__all__ = ["ColumnError", "ConfigError", "InputError", "RetainError"]
