"""Turning guideline files and plan PDFs into page-aware documents and chunks."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.domain.models import DocKind, ParsedDocument
from assistant.settings import Settings

from .markdown import parse_markdown
from .pdf import parse_pdf

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


def parse_file(path: Path, *, kind: DocKind | None, settings: Settings) -> ParsedDocument:
    if path.suffix.lower() in TEXT_SUFFIXES:
        return parse_markdown(path, kind=kind or "guideline")
    return parse_pdf(path, kind=kind or "plan", settings=settings)


def iter_corpus_files(folder: Path) -> Iterable[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | {".pdf"}:
            yield p
