"""Atomic file writes: readers see the old file or the new one, never half of either.

Every file the product writes for others to read (batch results, kept copies of plans, the users
file) goes through here: write beside the target, flush and fsync, rename over it, then fsync the
folder so the rename itself survives a power cut. Temporary names carry a marker so a later run
can remove what a killed one left behind.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

TMP_PREFIX = ".ra-tmp-"
TMP_SUFFIX = ".tmp"


def atomic_write(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """``mode`` applies before the umask: 0o666 lets the office read results, 0o600 keeps secrets private."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}{TMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode & 0o077 == 0:
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_stale_temp_files(*folders: Path) -> None:
    for folder in folders:
        for leftover in folder.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
