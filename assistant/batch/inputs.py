"""Finding the plan files of a batch and naming their results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.files import content_hash


@dataclass(frozen=True)
class Input:
    path: Path
    label: str


def discover_inputs(inputs: Sequence[Path]) -> list[Input]:
    """Folders are searched recursively for ``*.pdf`` (any case); a file named explicitly is always taken.

    Taking explicit files whatever their suffix means a mis-named upload gets a ``not_pdf`` row instead
    of silently vanishing from the batch. The same file reached twice is listed once.
    """
    found: list[Input] = []
    seen: set[Path] = set()
    for given in inputs:
        if given.is_dir():
            candidates = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            candidates = [given]
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(Input(path=path, label=path.as_posix()))
    return found


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
