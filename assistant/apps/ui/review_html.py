"""The 審査 tab's two panes as HTML: the criteria list with coloured verdicts on the left, the selected
item (criterion, verdicts, rationale, findings, quotes) on the right.

The list is plain buttons carrying the criterion id; the page script turns a click into a request
for that item, and the server checks it against the submission the user may see.
"""

from __future__ import annotations

import html
from collections import Counter

from assistant.api import ReviewAssistant
from assistant.domain.labels import VERDICT_LABELS_JA, citation_place
from assistant.domain.models import PlanCitation, Verdict
from assistant.review.conflicts import japan_time
from assistant.review.records import ItemView, SubmissionView

from .answer_html import ocr_note
from .format import OFFLINE_LABEL, verdict_badge

FINDING_KINDS_JA = {"evidence": "根拠", "risk": "リスク", "mitigation": "対策", "gap": "不足"}
CONFIDENCE_JA = {"high": "高", "medium": "中", "low": "低"}
SHORTCUTS = "キーボード：J 次の項目　K 前の項目　＋／－ 頁画像の拡大・縮小（入力欄の外で）"


def current_verdict(item: ItemView) -> Verdict:
    return item.final_verdict or item.draft_verdict


def summary_html(ra: ReviewAssistant, view: SubmissionView) -> str:
    draft = view.draft
    backend = OFFLINE_LABEL if draft.backend == "offline" else draft.backend
    return (
        f'<div class="ra-summary"><strong>提出物 {view.id}：{html.escape(view.file_name)}</strong>'
        f"　{html.escape(view.prefecture or '都道府県未設定')}・{view.plan_type} "
        f"{html.escape(ra.rubric.type_label(view.plan_type))}　下書き：{html.escape(backend)}・"
        f"{html.escape(japan_time(draft.drafted_at))}</div>"
    )


def counts_html(view: SubmissionView) -> str:
    """How many items stand at each verdict (the decision where there is one, else the draft)."""
    counts = Counter(current_verdict(i) for i in view.items)
    badges = "".join(
        f'<span class="ra-count">{verdict_badge(v, small=True)}<b>{counts[v]}</b></span>'
        for v in Verdict
        if counts[v]
    )
    done = f'<span class="ra-count ra-count-done">確定 <b>{view.decided_count}/{view.item_count}</b></span>'
    return f'<div class="ra-counts">{done}{badges}</div>'


def criteria_html(ra: ReviewAssistant, view: SubmissionView, current: str | None) -> str:
    rows = []
    for n, item in enumerate(view.items, start=1):
        c = ra.rubric.view(item.criterion_id)
        css = "ra-crit" + (" ra-crit-current" if item.criterion_id == current else "")
        css += " ra-crit-done" if item.decision else ""
        final = (
            verdict_badge(item.final_verdict, small=True)
            if item.decision
            else '<span class="ra-undecided">未確定</span>'
        )
        rows.append(
            f'<li><button type="button" class="{css}" data-item="{html.escape(item.criterion_id)}"'
            f' title="{html.escape(c.text)}"><span class="ra-crit-n">{n}</span>'
            f'<span class="ra-crit-label"><small>{html.escape(c.group)}</small>{html.escape(c.label)}</span>'
            f'<span class="ra-crit-v">{verdict_badge(item.draft_verdict, small=True)}'
            f'<span class="ra-arrow">→</span>{final}</span></button></li>'
        )
    return f'<ol class="ra-criteria" aria-label="審査項目">{"".join(rows)}</ol>'


def _citation_place(c: PlanCitation) -> str:
    return citation_place(c) + (ocr_note(c.confidence, c.low_confidence) if c.source == "ocr" else "")


def item_html(ra: ReviewAssistant, view: SubmissionView, item: ItemView) -> str:
    c = ra.rubric.view(item.criterion_id)
    position = next(n for n, i in enumerate(view.items, start=1) if i.criterion_id == item.criterion_id)
    confidence = f"（確度：{CONFIDENCE_JA[item.confidence]}）" if item.confidence else ""
    parts = [
        f'<div class="ra-item-pos">項目 {position} / {len(view.items)}</div>',
        f"<h3>{html.escape(c.group)}｜{html.escape(c.label)}</h3>",
        f'<div class="ra-criterion"><span>基準（ガイドライン「{html.escape(c.section)}」）</span>'
        f"<blockquote>{html.escape(c.text)}</blockquote></div>",
        f'<p class="ra-item-verdicts">判定（案）{verdict_badge(item.draft_verdict)}{confidence}'
        f"　判定（確定）{verdict_badge(item.final_verdict)}</p>",
    ]
    if item.decision:
        d = item.decision
        parts.append(
            f'<p class="ra-decision">審査者：{html.escape(d.reviewer)}（{html.escape(japan_time(d.decided_at))}、'
            f"版 {d.version}）　コメント：{html.escape(d.comment) or '（なし）'}</p>"
        )
    parts.append(
        f'<div class="ra-rationale"><strong>下書きの理由</strong><p>{html.escape(item.rationale)}</p></div>'
    )
    if item.findings:
        lis = "".join(
            f'<li><span class="ra-kind ra-kind-{f.kind}">{FINDING_KINDS_JA[f.kind]}</span>{html.escape(f.text)}'
            + (
                f'<span class="ra-where">（{html.escape(citation_place(f))}）</span>'
                if f.page or f.paragraph
                else ""
            )
            + (f'<span class="ra-fq">「{html.escape(f.quote)}」</span>' if f.quote else "")
            + "</li>"
            for f in item.findings
        )
        parts.append(f'<div class="ra-findings"><strong>判断材料</strong><ul>{lis}</ul></div>')
    if item.citations:
        lis = "".join(
            f'<li><button type="button" class="ra-quote-link" data-page="{q.page or ""}">'
            f"{html.escape(_citation_place(q))}</button>「{html.escape(q.quote)}」</li>"
            for q in item.citations
        )
        parts.append(f'<div class="ra-quotes"><strong>引用</strong><ol>{lis}</ol></div>')
    else:
        parts.append('<div class="ra-quotes"><strong>引用</strong>：なし</div>')
    parts.append(f'<p class="ra-id">項目ID：{html.escape(item.criterion_id)}</p>')
    return f'<div class="ra-item">{"".join(parts)}</div>'


def decide_hint(item: ItemView) -> str:
    """What the reviewer has to do for this item, said before they try."""
    if current_verdict(item) == Verdict.needs_review:
        return (
            '<div class="ra-box ra-warn">この項目の下書きは「要確認」です。判定を選び、理由をコメントに書いて'
            "「選んだ判定で確定」を押してください（要確認のままでは確定できません）。</div>"
        )
    return ""


def final_choices() -> list[tuple[str, str]]:
    """Every verdict a person can conclude: 要確認 hands an item to a person, it is not a conclusion."""
    return [(label, v.value) for v, label in VERDICT_LABELS_JA.items() if v != Verdict.needs_review]
