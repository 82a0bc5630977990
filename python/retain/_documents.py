"""The JSON documents that configure retain (segmentation rules, health models), as Python
dicts: the one place a dict becomes the JSON text the compiled core validates."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .errors import ConfigError


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as the Python numbers and lists json can write."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a document")


def to_text(document: Any, what: str) -> str:
    """``document`` (a dict, numpy numbers allowed) as JSON text; NaN, infinities and values
    JSON cannot hold are a ConfigError naming ``what``."""
    if not isinstance(document, dict):
        raise TypeError(f"{what} must be a dict, got {type(document).__name__}")
    try:
        return json.dumps(document, allow_nan=False, default=_plain)
    except ValueError as exc:
        raise ConfigError(f"{what}: NaN and infinite values are not allowed ({exc})") from exc
    except TypeError as exc:
        raise ConfigError(f"{what}: {exc}") from exc


def require_text(text: Any, what: str) -> str:
    """``text`` if it is a str (JSON text), else a TypeError naming ``what``."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be JSON text, got {type(text).__name__}")
    return text
