"""What every submission report shows the same way: times, the type label, evidence, header facts."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.domain.labels import STATUS_LABELS_JA
from assistant.domain.rubric import Rubric
from assistant.review.records import ItemView, SubmissionView


def local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def type_label(rubric: Rubric, plan_type: str) -> str:
    return f"{plan_type} {rubric.type_label(plan_type)}"


def evidence_text(item: ItemView) -> str:
    """Rationale, then each quote with its page, so a printed sheet stands on its own."""
    quotes = [f"「{c.quote}」（p.{c.page}）" for c in item.citations]
    return "\n".join([item.rationale, *quotes]) if item.rationale else "\n".join(quotes)


def cited_pages(item: ItemView) -> str:
    return ", ".join(str(p) for p in sorted({c.page for c in item.citations}))


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
