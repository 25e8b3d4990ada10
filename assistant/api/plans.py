"""Finding the plan a request means: by file path (PDF or .docx), submission id or content-hash prefix.

Every route goes through an access check first, and a saved submission keeps its own copy of the
file so its pages can be shown (and a .docx re-read) after the upload is gone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.atomic import atomic_write
from assistant.domain.errors import FileChangedError, NotFoundError
from assistant.domain.models import ParsedDocument, User
from assistant.ingest import PLAN_SUFFIXES, is_docx, parse_plan
from assistant.ingest.chunking import chunk_document
from assistant.ingest.files import content_hash, file_digest, read_input, source_name
from assistant.review.records import SubmissionSummary

from . import access

if TYPE_CHECKING:
    from .assistant import ReviewAssistant


class PlanLibrary:
    """The plan-finding part of :class:`~assistant.api.ReviewAssistant`, which owns the stores."""

    def __init__(self, ra: ReviewAssistant) -> None:
        self.ra = ra
        self.settings = ra.settings

    def keep_copy(self, path: Path, digest: str) -> Path:
        """Saved submissions keep their own copy, so pages can be shown after the upload is gone.

        The copy is named by its hash, so an existing one is reused only if its bytes still hash to
        that name: a copy cut short by a kill, or damaged since, is written again, atomically, from
        the upload read through the same checks as any input.
        """
        # The copy keeps the kind of file it is: a kept .docx is re-read as a .docx.
        target = self.settings.data_dir / "plans" / f"{digest}{'.docx' if is_docx(path) else '.pdf'}"
        if file_digest(target) == digest:
            return target
        data = read_input(path, max_bytes=self.settings.max_file_bytes)
        if content_hash(data) != digest:
            raise FileChangedError(source_name(path))
        atomic_write(target, data)
        return target

    def index_plan(
        self, path: Path, *, prefecture: str | None = None, source: str | None = None
    ) -> ParsedDocument:
        """``source`` names a kept copy (stored under its hash) by the file name it was submitted as."""
        doc = parse_plan(path, settings=self.settings)
        if source:
            doc = doc.model_copy(update={"source": source})
        self.ra.index_document(doc, chunk_document(doc, self.settings, prefecture=prefecture))
        return doc

    def resolve(self, ref: str, user: User) -> ParsedDocument:
        path = Path(ref)
        if path.suffix.lower() in PLAN_SUFFIXES or is_docx(path):
            access.require_reviewer_for_path(user)
            if not path.exists():
                raise NotFoundError(f"ファイルが見つかりません / no such file: {ref}")
            return self.index_plan(path)
        try:
            summary = self.find_submission(ref, user)
        except NotFoundError as exc:
            indexed = self._find_indexed(ref) if access.is_reviewer(user) else None
            if indexed is None:
                raise access.missing(user, exc) from None
            return indexed
        access.check_submission(user, summary)
        doc = self.ra.lookup(summary.content_hash)
        if doc is None or not self.ra.index.has_document(summary.content_hash):
            if not summary.pdf_path or not Path(summary.pdf_path).exists():
                kind = "Word文書" if is_docx(Path(summary.pdf_path or "")) else "PDF"
                raise NotFoundError(f"提出物 {summary.id} の{kind}が見つかりません / {kind} missing")
            doc = self.index_plan(
                Path(summary.pdf_path), prefecture=summary.prefecture, source=summary.file_name
            )
        return doc

    def _find_indexed(self, ref: str) -> ParsedDocument | None:
        """A plan indexed earlier (e.g. by `ask --plan file.pdf`) by its content-hash prefix."""
        if not re.fullmatch(r"[0-9a-f]{8,64}", ref.lower()):
            return None
        docs = [
            d
            for d in (self.ra.lookup(m) for m in self.ra.documents.ids_with_prefix(ref.lower()))
            if d is not None and d.kind == "plan"
        ]
        return docs[0] if len(docs) == 1 and self.ra.index.has_document(docs[0].doc_id) else None

    def find_submission(self, ref: str, user: User) -> SubmissionSummary:
        """Only among the submissions ``user`` may see, so that whether a hash prefix is ambiguous
        says nothing about anyone else's plans."""
        subs = self.ra.submissions(user)
        if ref.isdigit():
            for s in subs:
                if s.id == int(ref):
                    return s
        matches = [s for s in subs if len(ref) >= 8 and s.content_hash.startswith(ref.lower())]
        if len(matches) == 1:
            return matches[0]
        raise NotFoundError(f"計画書「{ref}」が見つかりません / no such plan or submission")
