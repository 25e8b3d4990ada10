"""An answer as the chat shows it: the answer-first line large, then its parts, with every source a
chip that opens the passage it came from.

The chat sanitises what it renders and drops ``data-`` attributes, so a chip carries its reference
in a class (``ra-ref-<turn>-<citation>``) that the page script reads. Everything is one HTML block
without blank lines, so the chat's Markdown renderer leaves it alone, and every piece of text is
escaped: quotes come from plans, which are untrusted.
"""

from __future__ import annotations

import html
import re
import unicodedata

from assistant.domain.labels import where
from assistant.domain.models import Answer, Citation
from assistant.domain.notices import Notice

from .format import answer_mode, warnings_html

_MARKER = re.compile(r"\[(\d{1,3})\]")
#: Characters of a quote shown on its chip; the side panel shows the whole passage.
CHIP_QUOTE = 80
PROVISIONAL = "作成中・引用の検証前"


def ocr_note(confidence: float | None, low: bool) -> str:
    """「・OCR読取（信頼度82%）」: a scanned page's words may be misread, numbers above all."""
    note = "・OCR読取" + (f"（信頼度{round(confidence * 100)}%）" if confidence is not None else "")
    return note + ("・読取が不確かです。原本で確認してください" if low else "")


def place(c: Citation) -> str:
    """Where a citation is (page, or .docx section and paragraph), and whether OCR read it."""
    label = where(c.source, c.page, c.section, c.paragraph)
    return label + (ocr_note(c.confidence, c.low_confidence) if c.reading == "ocr" else "")


def _chip(turn: int, n: int, c: Citation, *, flagged: bool) -> str:
    quote = c.quote if len(c.quote) <= CHIP_QUOTE else c.quote[: CHIP_QUOTE - 1] + "…"
    danger = " ra-chip-danger" if flagged else ""
    warn = '<span class="ra-chip-warn">⚠ 審査への指示と思われる記載がある頁</span>' if flagged else ""
    return (
        f'<button type="button" class="ra-chip ra-ref-{turn}-{n}{danger}" title="クリックで原文を表示">'
        f'<span class="ra-chip-n">[{n + 1}]</span><span class="ra-chip-q">「{html.escape(quote)}」</span>'
        f'<span class="ra-chip-src">{html.escape(place(c))}</span>{warn}</button>'
    )


def _inline(text: str, turn: int, citations: int) -> str:
    """Escaped text whose [n] markers become small chips that open source n."""

    def chip(m: re.Match[str]) -> str:
        n = int(m.group(1)) - 1
        if not 0 <= n < citations:
            return m.group(0)
        return f'<button type="button" class="ra-chip ra-chip-inline ra-ref-{turn}-{n}">[{n + 1}]</button>'

    return _MARKER.sub(chip, html.escape(text)).replace("\n", "<br>")


def flagged_pages(notices: list[Notice], plan_file: str | None) -> set[tuple[str, int]]:
    """Plan pages with a detected instruction to the assessor: quotes from them get a red mark."""
    if plan_file is None:
        return set()
    return {(plan_file, n.page) for n in notices if n.is_danger and n.page is not None}


def answer_html(answer: Answer, *, turn: int, notices: list[Notice], plan_file: str | None) -> str:
    """Parts in order; a heading is shown only with something under it, and sources no part quotes
    are listed at the end, so every source can be opened."""
    flagged = flagged_pages(notices, plan_file)
    count = len(answer.citations)

    def is_flagged(c: Citation) -> bool:
        return c.page is not None and (c.source, c.page) in flagged

    blocks: list[str] = []
    heading: str | None = None
    shown: set[int] = set()
    for part in answer.parts:
        if part.kind == "heading":
            heading = part.text
            continue
        if part.kind == "quote" and part.citation is not None and 0 <= part.citation < count:
            shown.add(part.citation)
            body = _chip(
                turn,
                part.citation,
                answer.citations[part.citation],
                flagged=is_flagged(answer.citations[part.citation]),
            )
        elif part.kind == "notice":
            body = f'<div class="ra-box ra-warn">{html.escape(part.text)}</div>'
        elif part.kind == "lead":
            body = f'<p class="ra-lead">{_inline(part.text, turn, count)}</p>'
        else:
            css = {"verdict": "ra-verdict", "note": "ra-note"}.get(part.kind, "ra-sentence")
            body = f'<p class="{css}">{_inline(part.text, turn, count)}</p>'
        if heading is not None:
            blocks.append(f'<p class="ra-heading">{html.escape(heading)}</p>')
            heading = None
        blocks.append(body)
    if not answer.parts:
        blocks.append(f'<p class="ra-lead">{_inline(answer.answer, turn, count)}</p>')
    rest = [n for n in range(count) if n not in shown]
    if rest:
        blocks.append('<p class="ra-heading">【出典】</p>')
        blocks.extend(
            _chip(turn, n, answer.citations[n], flagged=is_flagged(answer.citations[n])) for n in rest
        )
    cites_plan = plan_file is not None and any(c.source == plan_file for c in answer.citations)
    mode = f'<p class="ra-mode">回答の方式：{html.escape(answer_mode(answer.backend, cites_plan=cites_plan))}</p>'
    return f'<div class="ra-answer">{warnings_html(notices)}{"".join(blocks)}{mode}</div>'


def provisional_html(text: str) -> str:
    """Text still being written (an LLM's stream, or an offline answer being revealed)."""
    return (
        f'<div class="ra-answer ra-provisional"><p class="ra-lead">{html.escape(text)}</p>'
        f'<p class="ra-note">（{PROVISIONAL}）</p></div>'
    )


def reveal_steps(answer: Answer, steps: int = 4) -> list[str]:
    """Growing prefixes of the answer-first line, so an offline answer appears as a streamed one does."""
    lead = next((p.text for p in answer.parts if p.kind == "lead"), answer.answer)
    size = max(1, -(-len(lead) // steps))
    return [lead[:end] for end in range(size, len(lead), size)]


def _folded(text: str) -> tuple[str, list[int]]:
    """NFKC without whitespace, and for each folded character the index it came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if not c.isspace():
                out.append(c)
                index.append(i)
    return "".join(out), index


def highlight(text: str, quote: str) -> str:
    """Escaped text with every occurrence of the quote marked, matched as quotes are verified
    (NFKC, whitespace ignored), so a quote across a line break is still found."""
    folded, index = _folded(text)
    target, _ = _folded(quote)
    spans: list[tuple[int, int]] = []
    start = folded.find(target) if target else -1
    while start != -1:
        spans.append((index[start], index[start + len(target) - 1] + 1))
        start = folded.find(target, start + len(target))
    out, at = [], 0
    for begin, end in spans:
        out.append(html.escape(text[at:begin]))
        out.append(f'<mark class="ra-mark">{html.escape(text[begin:end])}</mark>')
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)
