"""Drafting one plan's checklist: type, injected text, evidence, then a draft per criterion.

The backend ("offline" or "llm") is chosen by the caller (the API decides it once); an LLM that
fails or may not see plans falls back to the offline drafter with a notice saying so.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.embeddings import Embeddings

from assistant.domain.errors import LLMUnavailableError, PlanEndpointNotAllowedError
from assistant.domain.models import Assessment, ParsedDocument, PlanType
from assistant.domain.notices import Notice, messages
from assistant.domain.rubric import Rubric
from assistant.llm.client import backend_name
from assistant.settings import Settings
from assistant.text.injection import find_injections, notice_for

from .evidence import PlanEvidence
from .llm_drafter import draft_llm
from .locate import injection_place, locate_assessment
from .ocr_quotes import mark_ocr_readings
from .offline import draft_item_offline
from .plan_type import detect_plan_type

Backend = Literal["offline", "llm"]


def assess_document(
    doc: ParsedDocument,
    *,
    plan_type: PlanType | None,
    backend: Backend,
    settings: Settings,
    rubric: Rubric,
    embeddings: Embeddings,
) -> Assessment:
    notices = list(doc.notices)
    if plan_type is None:
        detection = detect_plan_type(doc, rubric)
        plan_type = detection.plan_type
        if not detection.confident:
            notices.append(
                Notice(
                    kind="type_unsure",
                    message=f"計画種別を「{plan_type}：{rubric.type_label(plan_type)}」と推定しました"
                    f"（{detection.reason}）。誤っている場合は計画種別を指定して下書きし直してください。",
                )
            )
    injections = find_injections(doc)
    notices.extend(notice_for(f, place=injection_place(doc, f.page, f.start)) for f in injections)
    plan = PlanEvidence.build(doc, settings, embeddings, injections)
    criteria = rubric.for_type(plan_type)
    backend_label = "offline"
    if backend == "llm":
        try:
            items = draft_llm(criteria, plan, settings, injected=bool(injections))
            backend_label = backend_name(settings)
        except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
            notices.append(
                Notice(
                    kind="llm_fallback",
                    message=f"LLMを利用できないため、オフライン下書きに切り替えました：{exc}",
                )
            )
            items = [draft_item_offline(c, plan) for c in criteria]
    else:
        items = [draft_item_offline(c, plan) for c in criteria]
    presence = {c.id for c in criteria if c.kind == "presence"}
    items = mark_ocr_readings(items, doc, settings, presence=presence)
    # The drafter worked on part ordinals; a .docx's citations leave it as headings and paragraphs.
    return locate_assessment(
        Assessment(
            plan=doc.source,
            plan_type=plan_type,
            backend=backend_label,
            warnings=messages(notices),
            notices=notices,
            items=items,
        ),
        doc,
    )
