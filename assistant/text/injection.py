"""Detect text in a plan that tries to steer the assessment instead of describing the plan.

A plan is data. Sentences that address the reviewer, the AI or the verdict are reported as
warnings with their page, removed from the evidence, and never passed to a drafter as evidence.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.domain.models import ParsedDocument
from assistant.domain.notices import Notice

from .normalize import nfkc, sentence_spans

INJECTION_RE = re.compile(
    r"(?:審査|評価|採点|判定)\s*(?:AI|ＡＩ|システム|担当者?|者|員|委員)?\s*(?:への|に対する|向けの?)\s*(?:指示|命令|お願い|依頼)"
    r"|(?:AI|ＡＩ|人工知能|言語モデル|LLM|アシスタント|チャットボット)\s*(?:への|に対する|は|に)\s*(?:指示|命令|次の|以下)"
    r"|(?:全て|すべて|全部|全)の?\s*(?:要件|項目|基準|評価項目|審査項目)\s*(?:を|が)?\s*(?:満たす|満たしている|適合|合格)\s*(?:もの)?\s*(?:と|として)\s*(?:判定|評価|判断|採点|扱|記載)"
    r"|(?:と|として)\s*(?:判定|評価|採点)\s*(?:すること|しなさい|せよ|してください|して下さい)"
    r"|(?:以前|これまで|上記|先)の\s*(?:指示|命令|プロンプト)\s*(?:を|は)\s*(?:無視|忘れ)"
    r"|システムプロンプト"
    r"|ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|rules)"
    r"|disregard\s+(?:all\s+|the\s+)?(?:previous|prior|above)\b"
    r"|(?:mark|rate|score|grade|assess)\s+(?:every|all|each)\s+(?:criteri(?:on|a)|items?|requirements?)\s+as"
    r"|you\s+are\s+now\b|system\s+prompt|as\s+an\s+ai\b|\bassistant\s*:",
    re.IGNORECASE,
)


class InjectionFinding(BaseModel):
    page: int | None
    start: int
    end: int
    text: str


def find_injections(doc: ParsedDocument) -> list[InjectionFinding]:
    findings = []
    for page in doc.pages:
        for start, end in sentence_spans(page.text):
            sentence = page.text[start:end]
            if INJECTION_RE.search(nfkc(sentence)):
                findings.append(InjectionFinding(page=page.page, start=start, end=end, text=sentence))
    return findings


def strip_injections(doc: ParsedDocument, findings: list[InjectionFinding]) -> ParsedDocument:
    """A copy of the document whose flagged sentences are blanked with line breaks.

    Line breaks (not deletion) keep every other sentence at its place and stop a quote from
    spanning the gap, so quotes drawn from the copy still verify against the original page.
    """
    by_page: dict[int | None, list[InjectionFinding]] = {}
    for f in findings:
        by_page.setdefault(f.page, []).append(f)
    pages = []
    for page in doc.pages:
        text = page.text
        for f in by_page.get(page.page, []):
            text = text[: f.start] + "\n" * (f.end - f.start) + text[f.end :]
        pages.append(page.model_copy(update={"text": text}))
    return doc.model_copy(update={"pages": pages})


def notice_for(finding: InjectionFinding) -> Notice:
    excerpt = finding.text.strip().replace("\n", " ")
    if len(excerpt) > 60:
        excerpt = excerpt[:60] + "…"
    where = f"{finding.page}頁" if finding.page else "本文"
    return Notice(
        kind="injection",
        page=finding.page,
        message=f"{where}: 審査への指示と思われる記載（prompt injection）を検出しました。"
        f"この指示には従わず、根拠としても使用しません：「{excerpt}」",
    )
