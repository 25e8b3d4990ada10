"""The Chroma index (embedded and server mode) and hybrid retrieval over it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import STRONG_B_PAGES
from support.pdfgen import make_bad_inputs, write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.ingest.chunking import chunk_document
from assistant.ingest.markdown import parse_markdown
from assistant.search.chroma import VectorIndex
from assistant.search.embeddings import get_embeddings
from assistant.search.stores import Scope
from assistant.settings import REPO_ROOT, Settings

GUIDELINE = REPO_ROOT / "corpus" / "guidelines" / "requirements_2026-03.md"


def _chunk_ids(index: VectorIndex, source_key: str) -> set[str]:
    return set(index.collection.get(where={"source_key": source_key}, include=[])["ids"])


def test_reindexing_unchanged_file_does_nothing_and_changed_file_replaces(tmp_path: Path) -> None:
    ra = ReviewAssistant(Settings(data_dir=tmp_path / "data"))
    guide = tmp_path / "guide.md"
    guide.write_text("# 要件\n\n具体的なKPIの設定。\n\n## 体制\n\n伴走支援体制の確立。\n", encoding="utf-8")
    first = ra.index_paths([guide])
    assert first[0].status == "indexed" and first[0].chunks == 2
    before = _chunk_ids(ra.index, "guide.md")
    assert ra.index_paths([guide])[0].status == "unchanged"
    assert _chunk_ids(ra.index, "guide.md") == before

    guide.write_text("# 要件\n\n定期的なモニタリング。\n", encoding="utf-8")
    assert ra.index_paths([guide])[0].status == "indexed"
    after = _chunk_ids(ra.index, "guide.md")
    assert after and not (after & before)
    texts = ra.index.collection.get(where={"source_key": "guide.md"})["documents"]
    assert texts == ["定期的なモニタリング。"]


def test_bad_files_are_reported_and_leave_the_index_untouched(tmp_path: Path) -> None:
    ra = ReviewAssistant(Settings(data_dir=tmp_path / "data", ocr_enabled=False))
    ra.index_paths()
    count = ra.index.count()
    bad = make_bad_inputs(tmp_path / "bad")
    results = ra.index_paths(list(bad.values()))
    assert [r.status for r in results] == ["error"] * len(bad)
    assert all(r.error for r in results)
    assert ra.index.count() == count


def test_search_external_dependency_returns_b_and_c_criteria(ra: ReviewAssistant) -> None:
    docs = ra.search("外部依存性", k=5)
    top2 = {d.chunk.section for d in docs[:2]}
    assert top2 == {"B 外部依存性（地域産業クラスター計画）", "C 外部依存性（地場産業成長プラン）"}
    assert all(d.chunk.page is None and d.chunk.source == "requirements_2026-03.md" for d in docs)


def test_scope_keeps_plans_out_unless_named(ra: ReviewAssistant, strong_b_pdf: Path, tmp_path: Path) -> None:
    other = write_plan_pdf(tmp_path / "other.pdf", STRONG_B_PAGES[2:4])
    doc = ra.index_plan(strong_b_pdf, prefecture="北浜県")
    other_doc = ra.index_plan(other, prefecture="南浜県")
    guideline_only = ra.retriever(Scope(), k=20).search("知事は記者会見で本計画を発表した")
    assert {d.chunk.kind for d in guideline_only} == {"guideline"}
    with_plan = ra.retriever(Scope(plan_ids=frozenset({doc.doc_id})), k=20).search(
        "知事は記者会見で本計画を発表した"
    )
    plan_docs = {d.chunk.doc_id for d in with_plan if d.chunk.kind == "plan"}
    assert plan_docs == {doc.doc_id}
    assert other_doc.doc_id not in {d.chunk.doc_id for d in with_plan}
    only_plan = ra.retriever(Scope(guidelines=False, plan_ids=frozenset({doc.doc_id})), k=5).search(
        "知事の発表"
    )
    assert only_plan[0].chunk.page == 3


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_retrieval_mode_finds_exact_term(ra: ReviewAssistant, mode: str) -> None:
    docs = ra.search("具体的なKPIの設定", k=3, mode=mode)
    assert any("EBPM" in d.chunk.section for d in docs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_mode_against_a_real_chroma_server(tmp_path: Path) -> None:
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        settings = Settings(data_dir=tmp_path / "data", chroma_mode="http", chroma_port=port)
        index = VectorIndex(settings, get_embeddings(settings))
        doc = parse_markdown(GUIDELINE)
        assert index.add_chunks(doc.doc_id, doc.source, chunk_document(doc, settings)) > 0
        assert index.add_chunks(doc.doc_id, doc.source, chunk_document(doc, settings)) == 0
        assert not (tmp_path / "data" / "chroma").exists(), "http mode must not create an embedded store"
        ra = ReviewAssistant(settings)
        docs = ra.search("外部依存性", k=2)
        assert {d.chunk.section for d in docs} == {
            "B 外部依存性（地域産業クラスター計画）",
            "C 外部依存性（地場産業成長プラン）",
        }
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_hybrid_retriever_works_as_a_langchain_runnable(ra: ReviewAssistant) -> None:
    docs = ra.retriever(Scope(), k=2).invoke("外部依存性")
    assert len(docs) == 2 and all("score" in d.metadata for d in docs)
