"""What every submission report shows the same way: times, the type label, evidence, header facts."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.domain.labels import STATUS_LABELS_JA, page_place
from assistant.domain.models import PlanCitation
from assistant.domain.rubric import Rubric
from assistant.review.records import ItemView, SubmissionView


def local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def type_label(rubric: Rubric, plan_type: str) -> str:
    return f"{plan_type} {rubric.type_label(plan_type)}"


def cite_place(citation: PlanCitation) -> str:
    """「p.3」 for a PDF page, 「「推進体制」第14段落」 for a .docx paragraph (a .docx has no pages)."""
    if citation.paragraph is not None:
        return page_place(None, citation.section, citation.paragraph)
    return f"p.{citation.page}"


def cited_places(citations: list[PlanCitation]) -> list[str]:
    """The distinct places cited, in document order: pages ascending, or .docx paragraphs ascending."""
    paragraphs = sorted({(c.paragraph, c.section or "") for c in citations if c.paragraph is not None})
    docx = [page_place(None, section, number) for number, section in paragraphs]
    return [str(p) for p in sorted({c.page for c in citations if c.page is not None})] + docx


def evidence_text(item: ItemView) -> str:
    """Rationale, then each quote with its page, so a printed sheet stands on its own."""
    quotes = [f"「{c.quote}」（{cite_place(c)}）" for c in item.citations]
    return "\n".join([item.rationale, *quotes]) if item.rationale else "\n".join(quotes)


def cited_pages(item: ItemView) -> str:
    return ", ".join(cited_places(item.citations))


def header_facts(view: SubmissionView, rubric: Rubric) -> list[tuple[str, str]]:
    draft = view.draft
    backend = f"{draft.backend}（{draft.model}）" if draft.model else draft.backend
    return [
        ("提出物ID", str(view.id)),
        ("計画種別", type_label(rubric, view.plan_type)),
        ("都道府県", view.prefecture or "未設定"),
        ("状態", f"{STATUS_LABELS_JA[view.status]}（{view.decided_count}/{view.item_count} 項目確定）"),
        ("下書き", f"{backend}・{local_time(draft.drafted_at)}"),
        ("出力日時", local_time(datetime.now(UTC))),
    ]
