"""The one door into the library: the CLI, the UI and batch call :class:`ReviewAssistant` only.

It owns the stores, chooses the backend, and asks :mod:`.access` before every read or write, so a
rule holds whichever screen or command a request comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from assistant.answer.context import AnswerContext
from assistant.answer.llm import llm_answer, stream_llm_answer
from assistant.answer.offline import offline_answer
from assistant.assess.drafter import assess_document
from assistant.assess.ocr_quotes import mark_answer_readings
from assistant.domain.chunks import Chunk, ScoredChunk
from assistant.domain.errors import IngestError, InvalidRequestError, NotFoundError
from assistant.domain.models import (
    CLI_USER,
    Answer,
    Assessment,
    ParsedDocument,
    PlanType,
    StreamEvent,
    Turn,
    User,
    Verdict,
)
from assistant.domain.rubric import Rubric, load_rubric
from assistant.ingest import iter_corpus_files, parse_file, parse_plan
from assistant.ingest.chunking import chunk_document
from assistant.ingest.files import content_hash, read_input
from assistant.ingest.pdf import parse_pdf
from assistant.llm.client import backend_name
from assistant.review.records import DraftRun, ItemView, SubmissionStatus, SubmissionSummary, SubmissionView
from assistant.review.stats import ReviewStats, review_stats
from assistant.review.store import ReviewStore
from assistant.search.documents import DocumentStore
from assistant.search.embeddings import get_embeddings
from assistant.search.hybrid import HybridRetriever, Mode
from assistant.search.stores import Scope
from assistant.settings import Settings, apply_process_env, get_settings

from . import access
from .conversations import Conversations
from .downloads import PersonalFiles
from .plans import PlanLibrary

if TYPE_CHECKING:
    from assistant.batch.models import BatchReport, ProgressEvent
    from assistant.evaluation.labelled import LabelledPlan
    from assistant.evaluation.scoring import PlanScore, Report
    from assistant.reports.export import ExportFormat
    from assistant.search.chroma import VectorIndex

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
        self.plans = PlanLibrary(self)

    # -- components (created on first use: `review` commands never load a model) ---------------
    @cached_property
    def embeddings(self) -> Embeddings:
        return get_embeddings(self.settings)

    @cached_property
    def index(self) -> VectorIndex:
        from assistant.search.chroma import VectorIndex

        return VectorIndex(self.settings, self.embeddings)

    @cached_property
    def documents(self) -> DocumentStore:
        return DocumentStore(self.settings.data_dir / "documents")

    @cached_property
    def reviews(self) -> ReviewStore:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return ReviewStore(self.settings.review_db, busy_timeout=self.settings.store_busy_timeout)

    @cached_property
    def rubric(self) -> Rubric:
        return load_rubric(self.settings.rubric_file)

    @cached_property
    def conversations(self) -> Conversations:
        """The 質問 tab's conversations, each user's own (see :mod:`.conversations`)."""
        return Conversations(self)

    @cached_property
    def downloads(self) -> PersonalFiles:
        """Files a screen made for one user, served to that user only (see :mod:`.downloads`)."""
        return PersonalFiles(self.settings.ui_download_ttl)

    def resolve_backend(self, backend: Backend = "auto") -> Literal["offline", "llm"]:
        """The one place the backend is chosen: ``auto`` means the LLM when one is configured."""
        if backend == "auto":
            return "llm" if self.settings.llm_enabled else "offline"
        return backend

    # -- indexing --------------------------------------------------------------------------
    def index_document(self, doc: ParsedDocument, chunks: list[Chunk]) -> int:
        """Guidelines are keyed by file name (an edited file replaces its chunks), plans by content."""
        self.documents.save(doc)
        self._docs[doc.doc_id] = doc
        key = doc.source if doc.kind == "guideline" else doc.doc_id
        return self.index.add_chunks(doc.doc_id, key, chunks)

    def index_paths(self, paths: list[Path] | None = None) -> list[IndexResult]:
        """Index guideline files (the bundled corpus by default); one bad file never stops the rest."""
        files: list[Path] = []
        for p in paths or [self.settings.corpus_dir]:
            files.extend(iter_corpus_files(p) if p.is_dir() else [p])
        results = []
        for f in files:
            try:
                doc = parse_file(f, kind="guideline", settings=self.settings)
                n = self.index_document(doc, chunk_document(doc, self.settings))
                results.append(IndexResult(source=f.name, status="indexed" if n else "unchanged", chunks=n))
            except IngestError as exc:
                results.append(IndexResult(source=f.name, status="error", error=exc.message))
        return results

    def ensure_corpus(self) -> None:
        if not self.index.has_guidelines():
            self.index_paths()

    def lookup(self, doc_id: str) -> ParsedDocument | None:
        if doc_id not in self._docs:
            doc = self.documents.load(doc_id)
            if doc is None:
                return None
            self._docs[doc_id] = doc
        return self._docs[doc_id]

    def index_plan(self, path: Path, *, prefecture: str | None = None) -> ParsedDocument:
        return self.plans.index_plan(path, prefecture=prefecture)

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
    ) -> list[ScoredChunk]:
        self.ensure_corpus()
        scope = Scope(plan_ids=frozenset({self.plans.resolve(plan, user).doc_id})) if plan else Scope()
        return self.retriever(scope, k=k, mode=mode).search(query)

    def _answer_context(self, plan: str | None, user: User) -> AnswerContext:
        self.ensure_corpus()
        plan_doc = self.plans.resolve(plan, user) if plan else None
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
        self,
        question: str,
        *,
        plan: str | None = None,
        user: User = CLI_USER,
        backend: Backend = "auto",
        history: list[Turn] | None = None,
    ) -> Answer:
        """``history`` is the conversation so far: a short follow-up inherits its topic."""
        ctx = self._answer_context(plan, user)
        if self.resolve_backend(backend) == "llm":
            answer = llm_answer(question, ctx, history)
        else:
            answer = offline_answer(question, ctx, history=history)
        return mark_answer_readings(answer, ctx.plan_doc, self.settings)

    def stream_ask(
        self,
        question: str,
        *,
        plan: str | None = None,
        user: User = CLI_USER,
        backend: Backend = "auto",
        history: list[Turn] | None = None,
    ) -> Iterator[StreamEvent]:
        """Deltas while an LLM writes, then the verified answer; offline yields the answer only."""
        ctx = self._answer_context(plan, user)
        if self.resolve_backend(backend) == "llm":
            events: Iterator[StreamEvent] = stream_llm_answer(question, ctx, history)
        else:
            events = iter([offline_answer(question, ctx, history=history)])
        for event in events:
            yield (
                mark_answer_readings(event, ctx.plan_doc, self.settings)
                if isinstance(event, Answer)
                else event
            )

    # -- assessment ------------------------------------------------------------------------
    def assess(
        self, path: Path, *, plan_type: PlanType | None = None, backend: Backend = "auto"
    ) -> Assessment:
        """Draft a checklist for one plan file (PDF or .docx); nothing is stored (see :meth:`save`).

        The file is read through :func:`~assistant.ingest.files.read_input` inside the parser, so a
        FIFO, device, link loop or oversized file is a typed error here, never a hang. A .docx's
        citations name a heading and paragraph (``page`` null) instead of a page.
        """
        return assess_document(
            parse_plan(path, settings=self.settings),
            plan_type=plan_type,
            backend=self.resolve_backend(backend),
            settings=self.settings,
            rubric=self.rubric,
            embeddings=self.embeddings,
        )

    def save(
        self, assessment: Assessment, pdf: Path, *, prefecture: str | None = None, user: User = CLI_USER
    ) -> SubmissionView:
        """The same bytes re-use their submission, so the rules about that submission (another
        prefecture's, or final) are checked inside the store's write, where no decision can race them."""
        prefecture = access.filing_prefecture(user, prefecture)
        # Only the content hash is needed: re-parsing (and re-OCRing) the PDF here would double
        # the cost of every saved assessment, batch --save included. A .docx is kept as a .docx.
        digest = content_hash(read_input(pdf, max_bytes=self.settings.max_file_bytes))
        kept = self.plans.keep_copy(pdf, digest)
        model = self.settings.llm_model if assessment.backend.startswith("llm:") else None
        return self.reviews.save_assessment(
            assessment,
            content_hash=digest,
            prefecture=prefecture,
            model=model,
            pdf_path=str(kept),
            actor=user.name,
            guard=lambda existing: access.check_resave(user, existing),
        )

    # -- review ----------------------------------------------------------------------------
    def submissions(
        self, user: User = CLI_USER, *, status: SubmissionStatus | None = None, prefecture: str | None = None
    ) -> list[SubmissionSummary]:
        return self.reviews.list_submissions(
            status=status, prefecture=access.listing_prefecture(user, prefecture)
        )

    def submission(self, submission_id: int, user: User = CLI_USER) -> SubmissionView:
        try:
            view = self.reviews.get(submission_id)
        except NotFoundError as exc:
            raise access.missing(user, exc) from None
        access.check_submission(user, view)
        return view

    def drafts(self, submission_id: int, user: User = CLI_USER) -> list[DraftRun]:
        """Every draft run of a submission, oldest first (a re-assessment adds one, never replaces)."""
        self.submission(submission_id, user)
        return self.reviews.drafts(submission_id)

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
        access.require_reviewer(user, "判定の確定", "deciding")
        view = self.submission(submission_id, user)
        item = next((i for i in view.items if i.criterion_id == criterion_id), None)
        if item is not None:
            access.check_decision(user, draft=item.draft_verdict, verdict=Verdict(verdict), comment=comment)
        return self.reviews.decide(
            submission_id,
            criterion_id,
            verdict=verdict,
            comment=comment,
            reviewer=reviewer or user.name,
            expected_version=expected_version,
            label=self.rubric.view(criterion_id).label,
        )

    def review_stats(self, user: User = CLI_USER) -> ReviewStats:
        """Agreement between drafts and reviewers' final verdicts, per criterion group and backend."""
        access.require_reviewer(user, "審査の一致率の閲覧", "review statistics")
        return review_stats(self.settings.review_db, self.rubric)

    def export(self, submission_id: int, fmt: ExportFormat, out: Path, user: User = CLI_USER) -> Path:
        from assistant.reports.export import export_submission

        return export_submission(self.submission(submission_id, user), fmt, out, rubric=self.rubric)

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(
        self,
        *,
        backend: Backend = "offline",
        user: User = CLI_USER,
        folder: Path | None = None,
        on_plan: Callable[[PlanScore], None] | None = None,
    ) -> Report:
        """Draft every labelled plan (the set that ships with the package by default) with the
        chosen backend and score it against its labels, so an operator can measure an endpoint
        before trusting it."""
        from assistant.evaluation.labelled import load_labelled_plans
        from assistant.evaluation.runner import evaluate_plans

        access.require_reviewer(user, "評価", "evaluation")
        resolved = self.resolve_backend(backend)
        if resolved == "llm" and not self.settings.llm_enabled:
            raise InvalidRequestError(
                "LLMが設定されていません（RA_LLM_MODEL など） / no LLM is configured (set RA_LLM_MODEL)"
            )

        def draft(plan: LabelledPlan) -> tuple[Assessment, ParsedDocument]:
            doc = parse_pdf(plan.pdf(), kind="plan", settings=self.settings)
            result = assess_document(
                doc,
                plan_type=plan.plan_type,
                backend=resolved,
                settings=self.settings,
                rubric=self.rubric,
                embeddings=self.embeddings,
            )
            return result, doc

        plans = load_labelled_plans(folder or self.settings.eval_plans_dir)
        label = backend_name(self.settings) if resolved == "llm" else "offline"
        return evaluate_plans(plans, draft, self.rubric, backend=label, on_plan=on_plan)

    # -- batch -----------------------------------------------------------------------------
    def run_batch(
        self,
        inputs: list[Path],
        out_dir: Path,
        *,
        user: User = CLI_USER,
        plan_type: PlanType | None = None,
        workers: int | None = None,
        backend: Backend = "offline",
        save: bool = False,
        prefecture: str | None = None,
        labels: dict[str, str] | None = None,
        on_progress: Callable[[ProgressEvent], None] | None = None,
    ) -> BatchReport:
        """Assess every plan under ``inputs`` into ``out_dir``; rerunning skips plans already done."""
        from assistant.batch.runner import run_batch

        access.require_reviewer(user, "一括処理", "batch processing")
        return run_batch(
            self,
            inputs,
            out_dir,
            plan_type=plan_type,
            workers=workers,
            backend=self.resolve_backend(backend),
            save=save,
            prefecture=prefecture,
            user=user,
            labels=labels,
            on_progress=on_progress,
        )
