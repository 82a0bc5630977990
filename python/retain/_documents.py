"""The JSON documents that configure retain (segmentation rules, health models), as Python
dicts: the one place a dict becomes the JSON text the compiled core validates."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import numpy as np

from .errors import ConfigError

_D = TypeVar("_D", bound="Documented")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as the Python numbers and lists json can write."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a document")


def _first_non_finite(value: Any, path: str) -> str | None:
    """The key path ("groups[0].weight", as the core names keys) of the first NaN or infinity."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_non_finite(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, (list, tuple, np.ndarray)):
        for i, item in enumerate(value):
            found = _first_non_finite(item, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return path
    return None


def to_text(document: Any, what: str) -> str:
    """``document`` (a dict, numpy numbers allowed) as JSON text; NaN, infinities and values
    JSON cannot hold are a ConfigError naming ``what``."""
    if not isinstance(document, dict):
        raise TypeError(f"{what} must be a dict, got {type(document).__name__}")
    try:
        return json.dumps(document, allow_nan=False, default=_plain)
    except ValueError as exc:
        where = _first_non_finite(document, "")
        raise ConfigError(
            f"{where or what}: NaN and infinite values are not allowed ({exc})"
        ) from exc
    except TypeError as exc:
        raise ConfigError(f"{what}: {exc}") from exc


def require_text(text: Any, what: str) -> str:
    """``text`` if it is a str (JSON text), else a TypeError naming ``what``."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be JSON text, got {type(text).__name__}")
    return text


class Documented:
    """Base of the classes a JSON document defines (Segmenter, HealthModel): built from a dict or
    JSON text that the compiled core validates, giving the document back exactly, equal when
    their documents are, and pickled as their document (so they travel to worker processes).

    A subclass sets ``_core_type`` (the compiled class, with ``from_json``, ``to_json`` and
    ``==``) and ``_what`` (the document's name in error messages)."""

    _core_type: Any
    _what: str
    _core: Any  # the instance of _core_type

    def __init__(self, document: dict[str, Any]) -> None:
        """The object of a document given as a dict; the same as :meth:`from_dict`."""
        self._core = type(self).from_dict(document)._core

    @classmethod
    def _wrap(cls: type[_D], core: Any) -> _D:
        """An object around an instance of the compiled ``_core_type``."""
        out = cls.__new__(cls)
        out._core = core
        return out

    @classmethod
    def from_json(cls: type[_D], text: str) -> _D:
        """The object of a JSON document; a bad one is a ConfigError naming the key's path."""
        return cls._wrap(cls._core_type.from_json(require_text(text, cls._what)))

    @classmethod
    def from_dict(cls: type[_D], document: dict[str, Any]) -> _D:
        """The object of a document given as a dict (numpy numbers are accepted)."""
        return cls.from_json(to_text(document, cls._what))

    def to_json(self) -> str:
        """The document as compact JSON; ``from_json(x.to_json()) == x``."""
        text: str = self._core.to_json()
        return text

    def to_dict(self) -> dict[str, Any]:
        """The document as a dict, exactly as given (no defaults filled in):
        ``from_dict(d).to_dict() == d``."""
        document: dict[str, Any] = json.loads(self.to_json())
        return document

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        equal: bool = self._core == other._core
        return equal

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (type(self).from_json, (self.to_json(),))
