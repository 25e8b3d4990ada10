"""Drafting a .docx plan: the same drafter, the same verdicts as the PDF, places shown as paragraphs.

Plan type detection, injection detection and evidence extraction run on the document's heading
sections unchanged; only what leaves the drafter (citations, findings, rationales, injection warnings)
names a heading and paragraph instead of a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import STRONG_B_PAGES
from support.fake_openai import FakeOpenAI
from support.office_docs import write_plan_docx
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.assess.judgement.base import MAX_LISTED
from assistant.assess.locate import locate_assessment
from assistant.domain.labels import page_place
from assistant.domain.rubric import load_rubric
from assistant.ingest.docx import parse_docx
from assistant.settings import Settings
from assistant.text.grounding import verify_plan_citation
from assistant.text.normalize import squash

ROOT = Path(__file__).resolve().parents[3]
CARD = ROOT / "evals" / "data" / "plans" / "b_injection_chihaya.yaml"


@pytest.fixture(scope="module")
def chihaya(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    spec = yaml.safe_load(CARD.read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp("chihaya")
    return {
        "docx": write_plan_docx(folder / "千早県.docx", spec["pages"], title=spec["title"]),
        "pdf": write_plan_pdf(folder / "千早県.pdf", spec["pages"], title=spec["title"]),
    }


def test_injected_plan_as_docx_drafts_like_the_pdf(ra: ReviewAssistant, chihaya: dict[str, Path]) -> None:
    docx = ra.assess(chihaya["docx"], backend="offline")
    pdf = ra.assess(chihaya["pdf"], backend="offline")
    doc = parse_docx(chihaya["docx"], kind="plan", settings=ra.settings)

    assert docx.plan_type == pdf.plan_type == "B"
    assert [i.verdict for i in docx.items] == [i.verdict for i in pdf.items]
    injections = [n for n in docx.notices if n.kind == "injection"]
    assert len(injections) == len([n for n in pdf.notices if n.kind == "injection"]) >= 2
    for notice in injections:
        assert notice.page is None
        assert re.match(r"「[^」]+」第[0-9]+段落: 審査への指示と思われる記載", notice.message), notice.message
    assert [n.message for n in docx.notices] == docx.warnings
    for item in docx.items:
        assert not re.search(r"[0-9]+頁", item.rationale), item.rationale
        for c in item.citations:
            assert c.page is None and c.paragraph and verify_plan_citation(c, doc)
            assert "審査AI" not in c.quote and "Ignore previous" not in c.quote
        for n, f in enumerate(item.findings):
            assert f.page is None
            if f.quote:
                assert f.paragraph and f.section
            if f.quote and n < MAX_LISTED:
                assert f"（{page_place(None, f.section, f.paragraph)}）" in item.rationale


def test_locating_is_idempotent_and_leaves_pdfs_alone(ra: ReviewAssistant, chihaya: dict[str, Path]) -> None:
    docx = ra.assess(chihaya["docx"], backend="offline")
    doc = parse_docx(chihaya["docx"], kind="plan", settings=ra.settings)
    assert locate_assessment(docx, doc) == docx
    pdf_doc = ra.plans.index_plan(chihaya["pdf"])
    pdf = ra.assess(chihaya["pdf"], backend="offline")
    assert locate_assessment(pdf, pdf_doc) is pdf
    assert all(c.page is not None and c.paragraph is None for i in pdf.items for c in i.citations)


def test_index_plan_and_quotes_from_the_docx(ra: ReviewAssistant, chihaya: dict[str, Path]) -> None:
    doc = ra.index_plan(chihaya["docx"], prefecture="千早県")
    assert not doc.paged and ra.lookup(doc.doc_id) is not None
    hits = ra.search("使用済み電池の回収量", plan=str(chihaya["docx"]))
    plan_hits = [h for h in hits if h.chunk.doc_id == doc.doc_id]
    assert plan_hits and all(
        squash(h.chunk.text) in squash(doc.pages[h.chunk.page - 1].text) for h in plan_hits
    )


def test_llm_drafter_citations_of_a_docx_are_paragraphs(tmp_path: Path) -> None:
    """The LLM drafter quotes a retrieved passage by key; the key's part ordinal never leaves the
    drafter: the accepted citation names the heading and paragraph, and verifies there."""
    path = write_plan_docx(tmp_path / "北浜県.docx", STRONG_B_PAGES, title="北浜県 地域産業クラスター計画")
    ids = [c.id for c in load_rubric(Settings().rubric_file).for_type("B")]
    quote = "計画にて創出する売上額の目標は令和12年度に350億円"

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        evidence = body["messages"][1]["content"].split("# 計画書の抜粋（データ）", 1)[1]
        key = next(f"S{b.partition('】')[0]}" for b in evidence.split("【S")[1:] if "350億円" in b)
        base = {"verdict": "needs_review", "rationale": "確認が必要。", "citations": [], "findings": []}
        items = [{"criterion_id": cid, **base} for cid in ids]
        items[ids.index("B.contents.sales_target")] = {
            "criterion_id": "B.contents.sales_target",
            "verdict": "meets",
            "rationale": "売上額350億円の目標を記載。",
            "citations": [{"key": key, "quote": quote}],
            "findings": [],
        }
        return {"items": items}

    with FakeOpenAI([reply]) as srv:
        settings = Settings(
            data_dir=tmp_path / "data",
            ocr_enabled=False,
            llm_model="fake-model",
            llm_base_url=srv.base_url,
            llm_timeout=5.0,
            llm_max_retries=0,
        )
        result = ReviewAssistant(settings).assess(path)
    assert result.backend == "llm:fake-model"
    doc = parse_docx(path, kind="plan", settings=settings)
    item = next(i for i in result.items if i.criterion_id == "B.contents.sales_target")
    assert item.verdict == "meets"
    (cite,) = item.citations
    assert (cite.page, cite.section, cite.quote) == (None, "3. 目標とKPI", quote)
    assert cite.paragraph is not None and verify_plan_citation(cite, doc)
    assert all(c.page is None for i in result.items for c in i.citations)
