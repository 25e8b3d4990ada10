"""Reading submitted files: their bytes and the content hash that identifies a plan everywhere.

Every plan enters through :func:`read_input`, before any parser sees it. A path from a user or a
folder may name anything: a FIFO (a plain ``read`` blocks for ever), ``/dev/zero`` behind a link
(a plain ``read`` fills memory), a directory, a link loop. Each becomes its own typed error, and no
read ever takes more than the size cap plus one byte.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from assistant.domain.errors import (
    DanglingLinkError,
    FileMissingError,
    FileTooLargeError,
    IngestError,
    LinkLoopError,
    NotRegularFileError,
    UnreadableFileError,
)

_CHUNK = 1 << 20
# O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, before any check can run.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_name(path: Path) -> str:
    """What messages call the file: its name, or the whole path when it has none (``/``, ``..``)."""
    return path.name or str(path)


def read_input(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or a typed :class:`IngestError`.

    The checks run twice: on the path (so a directory or device is named as such) and on the opened
    descriptor, so a file swapped for a FIFO or device between the two cannot slip through.
    """
    source = source_name(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _stat_error(path, source, exc) from None
    _require_regular(info, source)
    _require_size(info.st_size, max_bytes, source)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _stat_error(path, source, exc) from None
    try:
        info = os.fstat(fd)
        _require_regular(info, source)
        _require_size(info.st_size, max_bytes, source)
        return _read_bounded(fd, max_bytes, source)
    except OSError as exc:
        raise UnreadableFileError(source, _oneline(exc)) from None
    finally:
        os.close(fd)


def file_digest(path: Path) -> str | None:
    """sha256 of a file we wrote ourselves (a kept copy), streamed; ``None`` when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _read_bounded(fd: int, max_bytes: int, source: str) -> bytes:
    """Read at most ``max_bytes + 1`` bytes: a file that grew after the size check is still refused."""
    parts: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    _require_size(total, max_bytes, source)
    return b"".join(parts)


def _require_regular(info: os.stat_result, source: str) -> None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "フォルダ / a directory"
    elif stat.S_ISFIFO(mode):
        kind = "名前付きパイプ / a FIFO"
    elif stat.S_ISSOCK(mode):
        kind = "ソケット / a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "デバイス / a device"
    else:
        kind = "特殊ファイル / a special file"
    raise NotRegularFileError(source, kind)


def _require_size(size: int, max_bytes: int, source: str) -> None:
    if size > max_bytes:
        raise FileTooLargeError(
            source,
            f"{size:,} バイト以上、上限 {max_bytes:,} バイト / at least {size:,} bytes, limit {max_bytes:,}",
        )


def _stat_error(path: Path, source: str, exc: OSError) -> IngestError:
    if exc.errno == errno.ELOOP:
        return LinkLoopError(source)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(path):
            return DanglingLinkError(source)
        return FileMissingError(source)
    if exc.errno == errno.ENXIO:
        return NotRegularFileError(source, "ソケットまたはデバイス / a socket or device")
    return UnreadableFileError(source, _oneline(exc))


def _oneline(exc: OSError) -> str:
    return exc.strerror or str(exc).replace("\n", " ")
