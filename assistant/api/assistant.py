"""The one library API that the CLI and the UI are thin layers over.

Access control lives here: a ``prefecture`` user only ever gets guideline chunks plus their own
prefecture's plans, whatever ids, scope values or questions they send.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Literal

from langchain_core.documents import Document
from pydantic import BaseModel

from .answer import AnswerContext, llm_answer, offline_answer, stream_llm_answer
from .assess import assess_document
from .errors import AccessDeniedError, IngestError, NotFoundError
from .export import export_submission
from .index import Scope, VectorIndex
from .ingest import chunk_document, content_hash, iter_corpus_files, parse_file, parse_pdf
from .models import CLI_USER, Answer, Assessment, ParsedDocument, PlanType, User, Verdict
from .retrieve import HybridRetriever, Mode
from .review_store import ItemView, ReviewStore, SubmissionSummary, SubmissionView
from .rubric import Rubric, load_rubric
from .settings import Settings, apply_process_env, get_settings

Backend = Literal["auto", "offline", "llm"]


class IndexResult(BaseModel):
    source: str
    status: Literal["indexed", "unchanged", "error"]
    chunks: int = 0
    error: str | None = None


class ReviewAssistant:
    def __init__(self, settings: Settings | None = None) -> None:
        apply_process_env()
        self.settings = settings or get_settings()
        self._docs: dict[str, ParsedDocument] = {}

    # -- components ------------------------------------------------------------------------
    @cached_property
    def index(self) -> VectorIndex:
        return VectorIndex(self.settings)

    @cached_property
    def reviews(self) -> ReviewStore:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return ReviewStore(self.settings.review_db)

    @cached_property
    def rubric(self) -> Rubric:
        return load_rubric(self.settings)

    def resolve_backend(self, backend: Backend) -> Literal["offline", "llm"]:
        if backend == "auto":
            return "llm" if self.settings.llm_enabled else "offline"
        return backend

    # -- indexing --------------------------------------------------------------------------
    def index_paths(self, paths: list[Path] | None = None) -> list[IndexResult]:
        """Index guideline files (the bundled corpus by default); one bad file never stops the rest."""
        files: list[Path] = []
        for p in paths or [self.settings.corpus_dir]:
            files.extend(iter_corpus_files(p) if p.is_dir() else [p])
        results = []
        for f in files:
            try:
                doc = parse_file(f, kind="guideline", settings=self.settings)
                n = self.index.add_document(doc, chunk_document(doc, self.settings))
                results.append(IndexResult(source=f.name, status="indexed" if n else "unchanged", chunks=n))
            except IngestError as exc:
                results.append(IndexResult(source=f.name, status="error", error=exc.message))
        return results

    def ensure_corpus(self) -> None:
        if not self.index.collection.get(where={"kind": "guideline"}, limit=1, include=[])["ids"]:
            self.index_paths()

    def lookup(self, doc_id: str) -> ParsedDocument | None:
        if doc_id not in self._docs:
            doc = self.index.load_document(doc_id)
            if doc is None:
                return None
            self._docs[doc_id] = doc
        return self._docs[doc_id]

    # -- plans and access ------------------------------------------------------------------
    def _check_submission_access(self, user: User, summary: SubmissionSummary) -> None:
        if user.role == "reviewer":
            return
        if not user.prefecture or summary.prefecture != user.prefecture:
            raise AccessDeniedError(f"この提出物（{summary.id}）を閲覧する権限がありません / access denied")

    def _keep_pdf(self, path: Path, digest: str) -> Path:
        """Saved submissions keep their own copy, so pages can be shown after the upload is gone."""
        target = self.settings.data_dir / "plans" / f"{digest}.pdf"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return target

    def index_plan(
        self, path: Path, *, prefecture: str | None = None, source: str | None = None
    ) -> ParsedDocument:
        """``source`` names a kept copy (stored under its hash) by the file name it was submitted as."""
        doc = parse_pdf(path, kind="plan", settings=self.settings)
        if source:
            doc = doc.model_copy(update={"source": source})
        self.index.add_document(doc, chunk_document(doc, self.settings, prefecture=prefecture))
        self._docs[doc.doc_id] = doc
        return doc

    def plan_doc_for(self, ref: str, user: User = CLI_USER) -> ParsedDocument:
        """A plan by PDF path, submission id or content-hash prefix, after the access check."""
        path = Path(ref)
        if path.suffix.lower() == ".pdf":
            if not path.exists():
                raise NotFoundError(f"ファイルが見つかりません / no such file: {ref}")
            if user.role != "reviewer":
                raise AccessDeniedError(
                    "ファイルパスによる計画書の指定は審査担当者のみ可能です / reviewers only"
                )
            return self.index_plan(path)
        try:
            summary = self._find_submission(ref)
        except NotFoundError:
            indexed = self._find_indexed_plan(ref) if user.role == "reviewer" else None
            if indexed is None:
                raise
            return indexed
        self._check_submission_access(user, summary)
        doc = self.lookup(summary.content_hash)
        if doc is None or not self.index.has_document(summary.content_hash):
            if not summary.pdf_path or not Path(summary.pdf_path).exists():
                raise NotFoundError(f"提出物 {summary.id} のPDFが見つかりません / PDF missing")
            doc = self.index_plan(
                Path(summary.pdf_path), prefecture=summary.prefecture, source=summary.file_name
            )
        return doc

    def _find_indexed_plan(self, ref: str) -> ParsedDocument | None:
        """A plan indexed earlier (e.g. by `ask --plan file.pdf`) by its content-hash prefix."""
        if not re.fullmatch(r"[0-9a-f]{8,64}", ref.lower()) or not self.index.documents_dir.exists():
            return None
        matches = [p.stem for p in self.index.documents_dir.glob(f"{ref.lower()}*.json")]
        docs = [d for d in (self.lookup(m) for m in matches) if d is not None and d.kind == "plan"]
        return docs[0] if len(docs) == 1 and self.index.has_document(docs[0].doc_id) else None

    def _find_submission(self, ref: str) -> SubmissionSummary:
        subs = self.reviews.list_submissions()
        if ref.isdigit():
            for s in subs:
                if s.id == int(ref):
                    return s
        matches = [s for s in subs if len(ref) >= 8 and s.content_hash.startswith(ref.lower())]
        if len(matches) == 1:
            return matches[0]
        raise NotFoundError(f"計画書「{ref}」が見つかりません / no such plan or submission")

    # -- search and Q&A --------------------------------------------------------------------
    def retriever(
        self, scope: Scope | None = None, *, k: int | None = None, mode: Mode = "hybrid"
    ) -> HybridRetriever:
        return HybridRetriever(
            store=self.index,
            settings=self.settings,
            scope=scope or Scope(),
            k=k or self.settings.top_k,
            mode=mode,
        )

    def search(
        self, query: str, *, k: int = 5, mode: Mode = "hybrid", plan: str | None = None, user: User = CLI_USER
    ) -> list[Document]:
        self.ensure_corpus()
        return self.retriever(self._scope(plan, user), k=k, mode=mode).search(query)

    def _scope(self, plan: str | None, user: User) -> Scope:
        if not plan:
            return Scope()
        return Scope(plan_ids=frozenset({self.plan_doc_for(plan, user).doc_id}))

    def _answer_context(self, plan: str | None, user: User) -> AnswerContext:
        self.ensure_corpus()
        plan_doc = self.plan_doc_for(plan, user) if plan else None
        scope = Scope(plan_ids=frozenset({plan_doc.doc_id})) if plan_doc else Scope()
        return AnswerContext(
            retriever=self.retriever(scope),
            lookup=self.lookup,
            settings=self.settings,
            rubric=self.rubric,
            plan_ids=scope.plan_ids,
            plan_doc=plan_doc,
            k=self.settings.top_k,
        )

    def ask(
        self, question: str, *, plan: str | None = None, user: User = CLI_USER, backend: Backend = "auto"
    ) -> Answer:
        ctx = self._answer_context(plan, user)
        if self.resolve_backend(backend) == "llm":
            return llm_answer(question, ctx)
        return offline_answer(question, ctx)

    def stream_ask(
        self, question: str, *, plan: str | None = None, user: User = CLI_USER, backend: Backend = "auto"
    ) -> Iterator[str | Answer]:
        """Text deltas while an LLM writes, then the verified answer; offline yields the answer only."""
        ctx = self._answer_context(plan, user)
        if self.resolve_backend(backend) == "llm":
            yield from stream_llm_answer(question, ctx)
        else:
            yield offline_answer(question, ctx)

    # -- assessment and review -------------------------------------------------------------
    def assess(
        self, path: Path, *, plan_type: PlanType | None = None, backend: Backend = "auto"
    ) -> Assessment:
        doc = parse_pdf(path, kind="plan", settings=self.settings)
        return assess_document(
            doc,
            plan_type=plan_type,
            backend=self.resolve_backend(backend),
            settings=self.settings,
            rubric=self.rubric,
        )

    def save(
        self, assessment: Assessment, pdf: Path, *, prefecture: str | None = None, user: User = CLI_USER
    ) -> SubmissionView:
        if user.role == "prefecture":
            if prefecture not in (None, user.prefecture):
                raise AccessDeniedError("他の都道府県として登録することはできません / access denied")
            prefecture = user.prefecture
        # Only the content hash is needed: re-parsing (and re-OCRing) the PDF here would double
        # the cost of every saved assessment, batch --save included.
        digest = content_hash(pdf.read_bytes())
        if user.role == "prefecture":
            # The same bytes reuse a submission; without this, re-uploading another prefecture's
            # PDF would move that submission, decisions included, into the uploader's prefecture.
            for existing in self.reviews.list_submissions():
                if existing.content_hash == digest:
                    self._check_submission_access(user, existing)
        kept = self._keep_pdf(pdf, digest)
        model = self.settings.llm_model if assessment.backend.startswith("llm:") else None
        return self.reviews.save_assessment(
            assessment,
            content_hash=digest,
            prefecture=prefecture,
            model=model,
            pdf_path=str(kept),
            actor=user.name,
        )

    def submissions(
        self, user: User = CLI_USER, *, status: str | None = None, prefecture: str | None = None
    ) -> list[SubmissionSummary]:
        if user.role == "prefecture":
            if prefecture not in (None, user.prefecture):
                return []
            prefecture = user.prefecture or "\0"
        return self.reviews.list_submissions(status=status, prefecture=prefecture)

    def submission(self, submission_id: int, user: User = CLI_USER) -> SubmissionView:
        view = self.reviews.get(submission_id)
        self._check_submission_access(user, view)
        return view

    def decide(
        self,
        submission_id: int,
        criterion_id: str,
        *,
        verdict: Verdict,
        comment: str,
        user: User = CLI_USER,
        reviewer: str | None = None,
        expected_version: int | None = None,
    ) -> ItemView:
        if user.role != "reviewer":
            raise AccessDeniedError("判定の確定は審査担当者のみ可能です / only reviewers can decide")
        self.submission(submission_id, user)
        return self.reviews.decide(
            submission_id,
            criterion_id,
            verdict=verdict,
            comment=comment,
            reviewer=reviewer or user.name,
            expected_version=expected_version,
        )

    def export(
        self, submission_id: int, fmt: Literal["xlsx", "csv", "md", "html"], out: Path, user: User = CLI_USER
    ) -> Path:
        return export_submission(self.submission(submission_id, user), fmt, out)
