"""Turning guideline files and plan files (PDF or Word .docx) into page-aware documents and chunks."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.domain.models import DocKind, ParsedDocument
from assistant.settings import Settings

from .docx import parse_docx
from .markdown import parse_markdown
from .pdf import parse_pdf

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
#: Word's own format, read directly with python-docx; an old binary .doc goes the same way, to be
#: named as one. Anything else that is not text is read as a PDF (and a file that is not one gets
#: the PDF reader's "not a PDF" message).
WORD_SUFFIXES = (".docx", ".doc")
#: What folders are searched for. A .doc is read (and named as an old format) only when given by name:
#: a folder's .doc files are left out as they always were.
PLAN_SUFFIXES = (".pdf", ".docx")


def is_docx(path: Path) -> bool:
    """Read as a Word document (and kept as ``.docx``): no pages, headings and paragraphs instead."""
    return path.suffix.lower() in WORD_SUFFIXES


def parse_plan(
    path: Path, *, settings: Settings, kind: DocKind = "plan", data: bytes | None = None
) -> ParsedDocument:
    """A plan file by its name: ``.docx`` (and ``.doc``) through python-docx, everything else through
    the PDF reader."""
    if is_docx(path):
        return parse_docx(path, kind=kind, settings=settings, data=data)
    return parse_pdf(path, kind=kind, settings=settings, data=data)


def parse_file(path: Path, *, kind: DocKind | None, settings: Settings) -> ParsedDocument:
    if path.suffix.lower() in TEXT_SUFFIXES:
        return parse_markdown(path, kind=kind or "guideline")
    return parse_plan(path, kind=kind or "plan", settings=settings)


def iter_corpus_files(folder: Path) -> Iterable[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | set(PLAN_SUFFIXES):
            yield p
