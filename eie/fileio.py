"""Atomic file output: a reader never sees a half-written file, a failure leaves none."""

from __future__ import annotations

import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from eie_gen.errors import InputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "load_npz", "load_npy"]


def atomic_write_bytes(path, data: bytes) -> None:
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: directory {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        # mkstemp makes the file 0600; give it the mode an ordinary open() would (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# What numpy's and zipfile's readers raise on damaged files: unsupported zip features
# (NotImplementedError), encrypted members (RuntimeError), bad deflate data (zlib.error),
# truncated headers (struct.error), besides the obvious ones.
_LOAD_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, NotImplementedError,
                RuntimeError, zlib.error, struct.error)


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


def _np_load(path, kind: str, what: str, error):
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise error(f"no such file: {path}") from None
    except _LOAD_ERRORS as exc:
        raise error(f"{path} is not a readable {kind} {what} ({_one_line(exc)})") from None


def load_npz(path, what: str, error=InputError) -> dict:
    """All arrays of an ``.npz`` (no pickles), or ``error`` with a one-line reason."""
    data = _np_load(path, ".npz", what, error)
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise error(f"{path} is a single array, not an .npz {what}")
    with data:
        try:
            return {k: data[k] for k in data.files}
        except _LOAD_ERRORS as exc:       # e.g. a pickled object array inside
            raise error(f"{path} is not a readable .npz {what} ({_one_line(exc)})") from None


def load_npy(path, what: str, error=InputError) -> np.ndarray:
    """One array from a ``.npy`` (no pickles), or ``error`` with a one-line reason."""
    data = _np_load(path, ".npy", what, error)
    if isinstance(data, np.lib.npyio.NpzFile):
        data.close()
        raise error(f"{path} is an .npz archive, not a .npy {what}")
    return data
