"""Evidence for one criterion in one plan: sentences about its topic, with their heading and cues.

A plan is prepared once (sanitised of injected text, chunked, embedded into an in-memory hybrid
index) and then asked about every criterion of its type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import takewhile

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field

from assistant.domain.chunks import Chunk
from assistant.domain.models import ParsedDocument, PlanCitation
from assistant.domain.rubric import Criterion
from assistant.ingest.chunking import chunk_document
from assistant.search.hybrid import HybridRetriever
from assistant.search.stores import MemoryStore, Scope
from assistant.settings import Settings
from assistant.text.cues import find_cues, is_non_commitment
from assistant.text.grounding import chunk_sentences, clean_quote, quote_on_page
from assistant.text.injection import InjectionFinding, is_injection, strip_injections
from assistant.text.normalize import (
    CELL_SEP,
    is_table_header,
    match_form,
    sentence_spans,
    squash,
    table_cells,
)

#: Cosine similarity to the criterion above which a sentence with one shared keyword counts as
#: being about the criterion (two shared keywords always do).
DENSE_RELEVANT = 0.15

_HEADING_NUMBER = re.compile(
    r"^\s*(?:第?[0-9０-９一二三四五六七八九十]+[\.．章節)）]?|[（(][0-9０-９]+[)）]|[■□●◆【#]+)\s*"
)


def is_heading(line: str) -> bool:
    """Short lines with no sentence end, no label/value colon and no figures are headings.

    Read in :func:`~assistant.text.normalize.match_form`, so an office export's 「第 3 章推進体制」
    is numbered like 「第3章推進体制」. A table row is never a heading, however short.
    """
    if CELL_SEP in line:
        return False
    text = match_form(line).strip()
    if not text or len(text) > 25 or line.rstrip().endswith(("。", "．")) or re.search(r"[：:]", text[1:]):
        return False
    body = _HEADING_NUMBER.sub("", text)
    return bool(body) and not re.search(r"[0-9０-９]", body)


def display(sentence: str) -> str:
    """A table row reads with full-width spaces between its cells (whitespace, so it still verifies)."""
    return sentence.replace(CELL_SEP, "\u3000")


@dataclass
class PageOutline:
    """What each place on a page sits under: its heading and, inside a table, the column labels.

    ``contexts`` are (offset, context) in page order; ``headers`` are the spans of table header rows,
    which label the rows below them and are not evidence themselves.
    """

    contexts: list[tuple[int, str]]
    headers: list[tuple[int, int]]

    @classmethod
    def read(cls, text: str) -> PageOutline:
        contexts: list[tuple[int, str]] = []
        headers: list[tuple[int, int]] = []
        heading = ""
        offset = 0
        lines = text.split("\n")
        rows = [table_cells(line) for line in lines]
        labelled = False
        for k, (line, cells) in enumerate(zip(lines, rows, strict=True)):
            if cells and not (k and rows[k - 1]):
                table = list(takewhile(bool, rows[k:]))
                labelled = is_table_header(table)
                if labelled:
                    headers.append((offset, offset + len(line)))
                    contexts.append((offset, f"{heading} {' '.join(cells)}".strip()))
            elif not cells and labelled:
                contexts.append((offset - 1, heading))  # the table ended: back to the section heading
                labelled = False
            if is_heading(line):
                heading = line.strip()
                contexts.append((offset, heading))
            offset += len(line) + 1
        return cls(contexts=contexts, headers=headers)

    def context_at(self, at: int, *, inclusive: bool) -> str:
        before = [c for off, c in self.contexts if (off <= at if inclusive else off < at)]
        return before[-1] if before else ""

    def is_header(self, at: int) -> bool:
        return any(start <= at < end for start, end in self.headers)


class PlanSentence(BaseModel):
    """A sentence (or table row) of the sanitised plan with the heading it sits under."""

    page: int
    text: str
    context: str = ""
    ocr: bool = False
    cells: list[str] = Field(default_factory=list, description="A table row's cells; [] for prose")


class Evidence(BaseModel):
    page: int
    text: str
    context: str = ""
    score: float
    keyword_hits: list[str]
    cues: set[str]
    non_commitment: bool
    ocr: bool = False


@dataclass
class PlanEvidence:
    """One plan prepared for per-criterion retrieval: sanitised chunks in an in-memory hybrid index."""

    original: ParsedDocument
    sanitised: ParsedDocument
    retriever: HybridRetriever
    embeddings: Embeddings
    injections: list[InjectionFinding]
    _vec_cache: dict[str, np.ndarray] = field(default_factory=dict)
    _outlines: dict[int, PageOutline] = field(default_factory=dict)
    _sentences: list[PlanSentence] | None = None

    @classmethod
    def build(
        cls,
        doc: ParsedDocument,
        settings: Settings,
        embeddings: Embeddings,
        injections: list[InjectionFinding],
    ) -> PlanEvidence:
        sanitised = strip_injections(doc, injections)
        store = MemoryStore(chunk_document(sanitised, settings), embeddings)
        retriever = HybridRetriever(
            store=store,
            settings=settings,
            scope=Scope(guidelines=False, plan_ids=frozenset({doc.doc_id})),
            k=6,
        )
        return cls(
            original=doc,
            sanitised=sanitised,
            retriever=retriever,
            embeddings=embeddings,
            injections=injections,
        )

    def vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vec_cache]
        if missing:
            for t, v in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                vec = np.asarray(v, dtype=np.float32)
                self._vec_cache[t] = vec / max(float(np.linalg.norm(vec)), 1e-9)
        return np.stack([self._vec_cache[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    def chunks_for(self, criterion: Criterion) -> list[Chunk]:
        """Fuse the rankings of every hint query: a criterion is asked about in several ways."""
        scores: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for query in [criterion.text, *criterion.queries]:
            for rank, hit in enumerate(self.retriever.search(query, k=6)):
                chunks[hit.chunk.id] = hit.chunk
                scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + 1.0 / (rank + 1)
        return [chunks[k] for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]

    def outline(self, page: int) -> PageOutline:
        """The page's headings and table labels, which give list and table rows their topic."""
        if page not in self._outlines:
            text = next((p.text for p in self.sanitised.pages if p.page == page), "")
            self._outlines[page] = PageOutline.read(text)
        return self._outlines[page]

    def headings(self, page: int) -> list[tuple[int, str]]:
        """(offset, context) of the places on a page where the topic changes."""
        return self.outline(page).contexts

    def sentences(self) -> list[PlanSentence]:
        """Every sentence and table row of the plan, in page order, headings excluded.

        Judgement criteria read the whole plan rather than the top retrieved passages: what they
        weigh (a dependence on one buyer, an imported key part) may sit in any table or aside.
        Injected text is already blanked in the sanitised copy, so it never appears here.
        """
        if self._sentences is None:
            out = []
            for page in self.sanitised.pages:
                if page.page is None:
                    continue
                outline = self.outline(page.page)
                for start, end in sentence_spans(page.text):
                    text = clean_quote(page.text[start:end])
                    if len(text) < 4 or is_heading(text) or outline.is_header(start):
                        continue
                    out.append(
                        PlanSentence(
                            page=page.page,
                            text=display(text),
                            context=outline.context_at(start, inclusive=True),
                            ocr=page.ocr,
                            cells=table_cells(text),
                        )
                    )
            self._sentences = out
        return self._sentences

    def _offset(self, chunk: Chunk, sentence: str) -> int:
        return chunk.start + max(chunk.text.find(sentence), 0)

    def context_of(self, chunk: Chunk, sentence: str) -> str:
        return self.outline(chunk.page or 0).context_at(self._offset(chunk, sentence), inclusive=False)

    def evidence_for(self, criterion: Criterion) -> list[Evidence]:
        """Sentences about the criterion: a topic keyword in the sentence or its heading, and close
        enough in meaning (or carrying the criterion's cue). Headings themselves are context, not
        evidence: a heading shows a topic exists but states nothing."""
        seen: set[tuple[int, str]] = set()
        candidates: list[tuple[Chunk, str, str]] = []
        for chunk in self.chunks_for(criterion):
            for sentence in chunk_sentences(chunk.text):
                key = (chunk.page or 0, squash(sentence))
                if key in seen or is_heading(sentence) or is_injection(sentence):
                    continue
                seen.add(key)
                if self.outline(chunk.page or 0).is_header(self._offset(chunk, sentence)):
                    continue
                candidates.append((chunk, display(sentence), self.context_of(chunk, sentence)))
        if not candidates:
            return []
        target = self.vectors([criterion.text + " " + " ".join(criterion.queries)])[0]
        sims = self.vectors([f"{ctx} {s}".strip() for _, s, ctx in candidates]) @ target
        keywords = [match_form(k) for k in criterion.keywords]
        out = []
        for (chunk, sentence, ctx), sim in zip(candidates, sims, strict=True):
            norm = match_form(ctx + " " + sentence)
            hits = [k for k in keywords if k in norm]
            cues = find_cues(sentence, ctx)
            if not hits or (len(hits) < 2 and sim < DENSE_RELEVANT and not cues & set(criterion.cues)):
                continue
            score = float(sim) + 0.15 * min(len(hits), 3) + 0.1 * len(cues & set(criterion.cues))
            out.append(
                Evidence(
                    page=chunk.page or 0,
                    text=sentence,
                    context=ctx,
                    score=score,
                    keyword_hits=hits,
                    cues=cues,
                    non_commitment=is_non_commitment(sentence),
                    ocr=chunk.ocr,
                )
            )
        out.sort(key=lambda e: (-e.score, e.page, e.text))
        return out

    def verified(self, evidence: list[Evidence]) -> list[PlanCitation]:
        return [
            PlanCitation(page=e.page, quote=e.text)
            for e in evidence
            if quote_on_page(self.original, e.page, None, e.text)
        ]
