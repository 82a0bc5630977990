"""Outputs that appear whole or not at all: written beside their place, then renamed into it.

A rename within one folder is atomic, so a reader (or a failed run) sees the old output or the
new one, never a part. Folders are replaced only when they hold an earlier output of the same
kind, holding nothing else, so a mistyped ``--out`` cannot wipe a user's files.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError


def umask() -> int:
    """The process's file-creation mask (reading it means setting it: set it back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_folder(out: str | os.PathLike[str], own: tuple[str, ...]) -> Path:
    """``out`` as a Path, if it may be replaced by a new output: absent, empty, or an earlier
    output holding only files that match the patterns ``own`` (relative paths, fnmatch style,
    the first one the output's marker file). Anything else is an InputError naming a file."""
    out = Path(out)
    if not out.exists():
        return out
    if not out.is_dir():
        raise InputError(f"out: {str(out)!r} is a file, not a folder")
    found = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    if not found:
        return out
    if own[0] not in found:
        raise InputError(
            f"out: {str(out)!r} is not empty and holds no {own[0]}; give a new folder "
            "(retain replaces only its own earlier output)"
        )
    foreign = [f for f in found if not any(fnmatch.fnmatchcase(f, p) for p in own)]
    if foreign:
        raise InputError(
            f"out: {str(out)!r} holds {foreign[0]!r}, which retain did not write; move it or "
            "give a new folder (replacing the output would delete it)"
        )
    return out


def replace_folder(
    out: str | os.PathLike[str], save: Callable[[Path], None], own: tuple[str, ...]
) -> Path:
    """Fill a new folder with ``save(folder)``, then put it at ``out`` (see check_folder)."""
    out = check_folder(out, own)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    staging.chmod(0o777 & ~umask())  # mkdtemp's 0700 would outlive the rename
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


def check_file(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """``path`` as a Path, if a new file may be put there: absent, or ``overwrite``."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"out: {str(target)!r} is a folder; give a file name")
    if target.exists() and not overwrite:
        raise InputError(f"out: {str(target)!r} exists; pass --overwrite to replace it")
    return target


def replace_file(
    path: str | os.PathLike[str], write: Callable[[Path], object], overwrite: bool = False
) -> Path:
    """Write ``write(temporary)`` beside ``path``, then rename it to ``path``."""
    target = check_file(path, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~umask())
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
