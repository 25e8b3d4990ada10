"""What the UI renders from answers, warnings and pages: plan text stays text, every quote is shown."""

from __future__ import annotations

import html
import re
from pathlib import Path

import gradio as gr
import pytest
from markdown_it import MarkdownIt
from support.fake_openai import FakeOpenAI, Reply
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.apps.ui.chat import ChatHandlers
from assistant.apps.ui.format import focus_on_quote, format_answer, message_box, warnings_html
from assistant.apps.ui.session import Session
from assistant.domain.models import Answer, Citation
from assistant.domain.notices import Notice
from assistant.ingest.page_images import render_page_with_highlight
from assistant.settings import Settings
from assistant.text.markup import md_escape

HOSTILE = [
    "![x](http://example.invalid/leak.png) と [ここ](javascript:alert(1)) をクリック",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "# 見出し\n- 箇条書き\n> 引用\n**太字** _斜体_ `code` | 表 | ~~消~~ $x^2$",
    "1. 番号付き\n\\バックスラッシュ\\ {波括弧} (丸括弧) +プラス -マイナス",
    "見出しにされる行\n===\n&amp; &lt;b&gt; 2) 番号\n---",
]
_TAG = re.compile(r"<[^>]+>")


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_plan_text_renders_as_the_same_plain_text(text: str) -> None:
    rendered = _render(md_escape(text))
    tags = set(re.findall(r"<(\w+)", rendered))
    assert tags <= {"p", "br"}, (tags, rendered)
    assert html.unescape(_TAG.sub("", rendered)).split() == text.split()


@pytest.fixture(scope="module")
def ra(tmp_path_factory: pytest.TempPathFactory) -> ReviewAssistant:
    ra = ReviewAssistant(Settings(data_dir=tmp_path_factory.mktemp("ui-format") / "data", ocr_enabled=False))
    ra.ensure_corpus()
    return ra


def test_offline_answer_shows_each_quote_once_as_a_numbered_source(ra: ReviewAssistant) -> None:
    answer = ra.ask("地場産業成長プランの有望度の要件は何ですか", backend="offline")
    assert answer.answerable and answer.citations
    shown = format_answer(answer)
    text = html.unescape(_TAG.sub("", _render(shown)))
    for n, citation in enumerate(answer.citations, start=1):
        assert text.count(citation.quote) == 1, citation.quote
        assert f"[{n}] {citation.source}「{citation.section}」" in text
    assert "回答方式：offline" in text


def test_unanswerable_says_so_plainly(ra: ReviewAssistant) -> None:
    answer = ra.ask("補助金の交付決定日はいつですか", backend="offline")
    assert not answer.answerable
    assert "ガイドラインに記載がありません" in format_answer(answer)


def test_llm_answer_keeps_its_text_and_lists_pages() -> None:
    answer = Answer(
        answer="KPIは20％です[1]。",
        answerable=True,
        backend="llm:qwen",
        citations=[Citation(source="計画書.pdf", page=2, quote="KPI：海外売上比率 20％")],
    )
    rendered = _render(format_answer(answer))
    assert "<blockquote>" in rendered, "a quote the answer line does not show gets its own block"
    text = html.unescape(_TAG.sub("", rendered))
    assert "KPIは20％です[1]。" in text
    assert "[1] 計画書.pdf 2頁" in text and "KPI：海外売上比率 20％" in text
    assert "回答方式：llm:qwen" in text


def test_injection_warnings_get_the_red_box_and_stay_text() -> None:
    injection = "3頁: 審査への指示と思われる記載を検出しました：「<b>全て満たす</b>」"
    scanned = "2頁: テキスト層がありません（OCRで読み取りました）"
    box = warnings_html([Notice(kind="ocr", message=scanned), Notice(kind="injection", message=injection)])
    danger, warn = box.index("ra-danger"), box.index("ra-warn")
    assert box.index("審査への指示") > danger and box.index(scanned) > warn
    assert "<b>" not in box and "&lt;b&gt;" in box
    assert warnings_html([]) == ""
    assert "&lt;script&gt;" in message_box("danger", "<script>")


def test_page_image_is_cropped_around_the_quote(tmp_path: Path) -> None:
    pdf = write_plan_pdf(
        tmp_path / "p.pdf",
        ["# 見出し\n" + "本文の行です。\n" * 30 + "目標：売上30億円\n" + "末尾の行。\n" * 10],
    )
    shot = render_page_with_highlight(pdf, 1, "目標：売上30億円")
    crop = focus_on_quote(shot)
    assert crop.size[1] < shot.image.size[1] / 2 and crop.size[0] < shot.image.size[0]
    highlight = [
        (x, y)
        for x in range(crop.size[0])
        for y in range(0, crop.size[1], 4)
        if crop.getpixel((x, y))[2] < 150 and crop.getpixel((x, y))[0] > 200
    ]
    assert highlight, "the yellow band is inside the crop"
    missing = render_page_with_highlight(pdf, 1, "存在しない文")
    assert focus_on_quote(missing).size == missing.image.size


def test_chat_streams_a_provisional_draft_then_the_verified_answer(
    ra: ReviewAssistant, tmp_path: Path
) -> None:
    def streamed(body: dict) -> Reply:
        prompt = body["messages"][1]["content"]
        key = next(b.partition("】")[0] for b in prompt.split("【S")[1:] if "市場ニーズ" in b.split("【S")[0])
        text = f"製品・サービスが明確で市場ニーズを特定していることが求められます【S{key}】。"
        return Reply(text, chunks=[text[:12], text[12:24], text[24:]])

    with FakeOpenAI([streamed]) as srv:
        settings = ra.settings.model_copy(
            update={
                "llm_model": "fake-model",
                "llm_base_url": srv.base_url,
                "llm_timeout": 5.0,
                "llm_max_retries": 0,
            }
        )
        handlers = ChatHandlers(Session(ReviewAssistant(settings), None, tmp_path))
        steps = [
            chat[-1]["content"]
            for chat, _, _ in handlers.ask(
                "地場産業成長プランの有望度の要件は？", "guidelines", [], gr.Request()
            )
        ]
    assert srv.requests and srv.requests[0].get("stream") is True
    assert steps[0] == "検索しています…"
    drafts = [s for s in steps if "作成中・引用の検証前" in s]
    assert len(drafts) == 3, steps
    final = steps[-1]
    assert "出典" in final and "[1]" in final and "回答方式：llm:fake-model" in final
    assert "市場ニーズを特定しているものか" in final, "the verified quote is shown under the answer"
