"""Finding the plan files of a batch and naming their results."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.domain.errors import IngestError, UnreadableFileError
from assistant.ingest import PLAN_SUFFIXES
from assistant.ingest.files import content_hash, source_name


@dataclass(frozen=True)
class Input:
    path: Path
    label: str
    error: IngestError | None = None
    """Set for a folder that could not be listed: it is reported as a row of its own."""


def discover_inputs(inputs: Sequence[Path]) -> list[Input]:
    """Folders are searched recursively for ``*.pdf`` and ``*.docx`` (any case); a path named explicitly
    is always taken.

    Taking explicit paths whatever they are means a mis-named upload gets a ``not_pdf`` row, and a
    missing path or a FIFO its own error row, instead of silently vanishing from the batch. The same
    file reached twice is listed once.
    """
    found: list[Input] = []
    seen: set[str] = set()
    for given in inputs:
        candidates = _walk(given) if os.path.isdir(given) else [Input(path=given, label=given.as_posix())]
        for item in candidates:
            key = _identity(item.path) if item.error is None else f"folder:{item.path.as_posix()}"
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _walk(root: Path) -> list[Input]:
    """Every entry named ``*.pdf`` or ``*.docx`` below ``root`` that is not a folder, and every folder
    that cannot be listed, sorted by path.

    Entries are taken whatever they are (links, FIFOs, devices), for the read check to name each one;
    links to folders are not followed, so a link cannot send the walk round in a loop.
    """
    found: list[Input] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = [(entry.name, _is_folder(entry)) for entry in listing]
        except OSError as exc:
            error = UnreadableFileError(
                source_name(folder),
                f"フォルダを一覧できません / cannot list the folder: {exc.strerror or exc}",
            )
            found.append(Input(path=folder, label=folder.as_posix(), error=error))
            continue
        for name, is_folder in entries:
            path = folder / name
            if is_folder:
                folders.append(path)
            elif name.lower().endswith(PLAN_SUFFIXES):
                found.append(Input(path=path, label=path.as_posix()))
    return sorted(found, key=lambda item: item.path)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _identity(path: Path) -> str:
    """The real path, without failing on link loops (``Path.resolve`` raises on them in 3.11)."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def output_names(entries: Iterable[tuple[str, str]]) -> list[str]:
    """JSON names for (file name, content hash) pairs: ``<stem>.json`` unless another input shares the stem.

    Then every member of the clash (not all but the first, so no name depends on the order in which
    files were found) becomes ``<stem>__<hash8>.json``; only identical bytes under two different
    names, whose JSON differs in its ``plan`` field, need a further tag from the name. Stems are
    compared case-insensitively because the out dir may live on a Windows or macOS file system.
    Identical (name, hash) pairs share one name: their JSON is the same.
    """
    pairs = list(entries)
    groups: dict[str, set[tuple[str, str]]] = {}
    for name, digest in pairs:
        groups.setdefault(Path(name).stem.casefold(), set()).add((name, digest))
    names = []
    for name, digest in pairs:
        stem = Path(name).stem
        group = groups[stem.casefold()]
        if len(group) == 1:
            names.append(f"{stem}.json")
        elif sum(d == digest for _, d in group) == 1:
            names.append(f"{stem}__{digest[:8]}.json")
        else:
            names.append(f"{stem}__{digest[:8]}_{content_hash(name.encode('utf-8'))[:4]}.json")
    return names
