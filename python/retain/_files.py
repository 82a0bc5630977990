"""Outputs that appear whole or not at all: written beside their place, then renamed into it.

A rename within one folder is atomic, so a reader (or a failed run) sees the old output or the
new one, never a part. Folders are replaced only when they hold an earlier output of the same
kind (``marker``), so a mistyped ``--out`` cannot wipe a user's folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace_folder(out: str | os.PathLike, save: Callable[[Path], None], marker: str) -> Path:
    """Fill a new folder with ``save(folder)``, then put it at ``out``. ``out`` must be absent,
    empty, or an earlier output (it holds ``marker``)."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise InputError(f"out: {str(out)!r} is a file, not a folder")
        if any(out.iterdir()) and not (out / marker).is_file():
            raise InputError(
                f"out: {str(out)!r} is not empty and holds no {marker}; give a new folder "
                "(retain replaces only its own earlier output)"
            )
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would outlive the rename
    old = None
    try:
        save(staging)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=parent))
            os.replace(out, old / "previous")
        os.replace(staging, out)
    except BaseException:
        if old is not None and not out.exists():
            os.replace(old / "previous", out)  # put the earlier output back
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out


def replace_file(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Write ``write(temporary)`` beside ``path``, then rename it to ``path``."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"out: {str(target)!r} is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
