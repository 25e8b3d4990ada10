"""Where a quote is, as a reviewer is told: the one conversion from internal part ordinals to headings
and paragraph numbers.

A .docx is parsed into heading sections numbered 1, 2, 3 … internally (``PageText.page``), so the
drafter, the retriever and every grounding check work on it exactly as on a PDF's pages. Those
ordinals are not pages, so nothing shown outside may carry them: an assessment's citations and
findings, an answer's citations, an injection warning and a search hit name the heading and the
document-wide paragraph number instead, with ``page`` null. Each kind of output is converted here,
once, where it leaves the drafter or the answerer; for a PDF (``doc.paged``) everything is returned
unchanged, so PDF outputs stay byte-identical.
"""

from __future__ import annotations

from assistant.domain.chunks import Chunk
from assistant.domain.labels import page_place
from assistant.domain.models import Assessment, ChecklistItem, Citation, Finding, ParsedDocument, PlanCitation
from assistant.text.paragraphs import paragraph_at, paragraph_of


def is_docx(doc: ParsedDocument | None) -> bool:
    return doc is not None and not doc.paged


def locate(citation: PlanCitation, doc: ParsedDocument) -> PlanCitation:
    """A plan citation as shown outside: for a .docx, ``page`` null with the heading and paragraph."""
    if doc.paged or citation.paragraph is not None:
        return citation
    found = paragraph_of(doc, citation.page, citation.quote)
    section, paragraph = found if found is not None else (citation.section, None)
    return citation.model_copy(update={"page": None, "section": section, "paragraph": paragraph})


def locate_finding(finding: Finding, doc: ParsedDocument) -> Finding:
    """Findings without a quote (a gap) have no place; quoted ones get the quote's paragraph."""
    if doc.paged:
        return finding
    if finding.quote is None or finding.page is None:
        return finding.model_copy(update={"page": None})
    if finding.paragraph is not None:
        return finding.model_copy(update={"page": None})
    found = paragraph_of(doc, finding.page, finding.quote)
    section, paragraph = found if found is not None else (None, None)
    return finding.model_copy(update={"page": None, "section": section, "paragraph": paragraph})


def with_place(finding: Finding, doc: ParsedDocument) -> Finding:
    """A finding while the drafter still works on it: its part ordinal kept, its heading and paragraph
    added, so the rationale written from it can name the paragraph (see :func:`finding_place`)."""
    if doc.paged or finding.quote is None or finding.page is None:
        return finding
    found = paragraph_of(doc, finding.page, finding.quote)
    if found is None:
        return finding
    return finding.model_copy(update={"section": found[0], "paragraph": found[1]})


def finding_place(finding: Finding) -> str:
    """「3頁」 for a PDF page, 「「市場ニーズ」第7段落」 for a .docx paragraph."""
    if finding.paragraph is not None:
        return page_place(None, finding.section, finding.paragraph)
    return page_place(finding.page, None)


def locate_item(item: ChecklistItem, doc: ParsedDocument) -> ChecklistItem:
    if doc.paged:
        return item
    return item.model_copy(
        update={
            "citations": [locate(c, doc) for c in item.citations],
            "findings": [locate_finding(f, doc) for f in item.findings],
        }
    )


def locate_assessment(assessment: Assessment, doc: ParsedDocument) -> Assessment:
    """The assessment as it leaves the drafter (``assess --json``, batch, saved drafts)."""
    if doc.paged:
        return assessment
    return assessment.model_copy(update={"items": [locate_item(i, doc) for i in assessment.items]})


def locate_answer(citation: Citation, doc: ParsedDocument | None) -> Citation:
    """An answer's citation of a .docx (plan or guideline): the heading and paragraph, no page."""
    if doc is None or doc.paged or citation.paragraph is not None or citation.page is None:
        return citation
    found = paragraph_of(doc, citation.page, citation.quote)
    if found is None:
        return citation.model_copy(update={"page": None})
    return citation.model_copy(update={"page": None, "section": found[0], "paragraph": found[1]})


def injection_place(doc: ParsedDocument, page: int | None, offset: int) -> str | None:
    """How an injection warning names its place in a .docx; ``None`` for a PDF (it names the page)."""
    if doc.paged:
        return None
    found = paragraph_at(doc, page, offset)
    return page_place(None, found[0], found[1]) if found is not None else None


def chunk_place(chunk: Chunk, doc: ParsedDocument | None) -> tuple[int | None, str | None, int | None]:
    """(page, section, paragraph) of a retrieved chunk as shown outside (``search``)."""
    if doc is None or doc.paged or chunk.page is None:
        return chunk.page, chunk.section, None
    found = paragraph_at(doc, chunk.page, chunk.start)
    return (None, found[0], found[1]) if found is not None else (None, chunk.section, None)
