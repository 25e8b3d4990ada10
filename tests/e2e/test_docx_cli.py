""".docx submissions through every contract that accepts a PDF, with the real CLI in subprocesses.

The plan is a labelled one (``b_table_miyama``: headings, prose and a process table) written as a Word
document by the same builder the office-export tests use, and as the drawn PDF: the two must draft the
same verdicts, and every place the .docx is cited must be a heading and paragraph (``page`` null)
whose quote verifies against the document the CLI read.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.office_docs import write_plan_docx
from support.pdfgen import write_plan_pdf
from support.word_files import legacy_doc

from assistant.domain.models import Assessment, Citation, ParsedDocument, PlanCitation
from assistant.ingest.docx import parse_docx
from assistant.settings import Settings
from assistant.text.grounding import verify_citation, verify_plan_citation

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("review-assistant"))
CARD = ROOT / "evals" / "data" / "plans" / "b_table_miyama.yaml"
_PAGE_WORD = re.compile(r"[0-9]+頁")


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    spec = yaml.safe_load(CARD.read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp("docx-plans")
    return {
        "docx": write_plan_docx(folder / "深山県計画.docx", spec["pages"], title=spec["title"]),
        "pdf": write_plan_pdf(folder / "深山県計画.pdf", spec["pages"], title=spec["title"]),
    }


@pytest.fixture
def env(corpus_data_dir: Path, tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data"
    shutil.copytree(corpus_data_dir, data)
    return {**os.environ, "RA_DATA_DIR": str(data), "RA_OCR_ENABLED": "false", "COLUMNS": "200"}


def _run(args: list[str], env: dict[str, str], *, expect: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == expect, f"{args}: exit {proc.returncode}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc


def _doc(path: Path) -> ParsedDocument:
    return parse_docx(path, kind="plan", settings=Settings(ocr_enabled=False))


def _check_docx_assessment(data: dict[str, Any], doc: ParsedDocument) -> int:
    """Every citation and quoted finding names a heading and paragraph, never a page, and verifies."""
    assessment = Assessment.model_validate(data)
    cites = 0
    for item, raw in zip(assessment.items, data["items"], strict=True):
        assert not _PAGE_WORD.search(item.rationale), item.rationale
        for c, c_raw in zip(item.citations, raw["citations"], strict=True):
            assert c_raw["page"] is None and isinstance(c_raw["paragraph"], int) and c_raw["section"]
            assert verify_plan_citation(c, doc), c
            cites += 1
        for f, f_raw in zip(item.findings, raw["findings"], strict=True):
            assert f_raw["page"] is None
            if f.quote is not None:
                assert isinstance(f_raw["paragraph"], int) and f_raw["section"], f_raw
                shown = PlanCitation(page=None, quote=f.quote, section=f.section, paragraph=f.paragraph)
                assert verify_plan_citation(shown, doc), f
            else:
                assert "paragraph" not in f_raw and "section" not in f_raw
    return cites


def test_assess_json_save_show_and_export(
    plan_files: dict[str, Path], env: dict[str, str], tmp_path: Path
) -> None:
    docx, pdf = plan_files["docx"], plan_files["pdf"]
    doc = _doc(docx)
    out = tmp_path / "assessment.json"

    text = _run(
        ["assess", str(docx), "--type", "B", "--out", str(out), "--save", "--prefecture", "深山県"], env
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["plan"] == docx.name
    assert _check_docx_assessment(data, doc) >= 15
    assert "第" in text.stdout and "段落：「" in text.stdout, "the checklist names paragraphs"
    assert not _PAGE_WORD.search(text.stdout)
    kept = Path(env["RA_DATA_DIR"]) / "plans" / f"{doc.doc_id}.docx"
    assert kept.read_bytes() == docx.read_bytes(), "a saved .docx is kept as a .docx"

    drawn = json.loads(_run(["assess", str(pdf), "--type", "B", "--json"], env).stdout)
    assert [i["verdict"] for i in data["items"]] == [i["verdict"] for i in drawn["items"]]
    assert all(
        isinstance(c["page"], int) and "paragraph" not in c for i in drawn["items"] for c in i["citations"]
    )

    shown = json.loads(_run(["review", "show", "1", "--json"], env).stdout)
    cited = [c for item in shown["items"] for c in item["citations"]]
    assert cited and all(c["page"] is None and c["paragraph"] >= 1 for c in cited)
    for fmt in ("md", "csv", "html"):
        exported = tmp_path / f"export.{fmt}"
        _run(["review", "export", "1", "--format", fmt, "--out", str(exported)], env)
        body = exported.read_text(encoding="utf-8-sig")
        assert re.search(r"「3\. 製造体制」第[0-9]+段落", body), fmt
        assert "p.None" not in body and "None" not in body, fmt

    answer = json.loads(
        _run(["ask", "外部依存性の基準を満たしていますか", "--plan", "1", "--json"], env).stdout
    )
    _check_answer(answer, doc)


def _check_answer(answer: dict[str, Any], doc: ParsedDocument) -> None:
    plan_cites = [c for c in answer["citations"] if c["source"] == doc.source]
    assert plan_cites, answer["answer"]
    for raw in plan_cites:
        assert raw["page"] is None and raw["paragraph"] >= 1 and raw["section"], raw
        assert verify_citation(Citation.model_validate(raw), doc)
        assert f"「{raw['section']}」第{raw['paragraph']}段落" in answer["answer"]
    assert not re.search(rf"{re.escape(doc.source)} [0-9]+頁", answer["answer"])


def test_ask_and_search_with_a_docx_plan(plan_files: dict[str, Path], env: dict[str, str]) -> None:
    docx = plan_files["docx"]
    doc = _doc(docx)
    answer = json.loads(_run(["ask", "KPIは設定されていますか", "--plan", str(docx), "--json"], env).stdout)
    assert answer["answerable"]
    _check_answer(answer, doc)

    hits = json.loads(_run(["search", "精密減速機の調達先", "--plan", str(docx), "--json"], env).stdout)
    plan_hits = [h for h in hits if h["source"] == docx.name]
    assert plan_hits
    assert all(h["page"] is None and h["paragraph"] >= 1 and h["section"] for h in plan_hits)
    assert all("paragraph" not in h for h in hits if h["source"] != docx.name), "guideline rows unchanged"


def test_batch_over_a_folder_with_a_pdf_and_docx_files(
    plan_files: dict[str, Path], env: dict[str, str], tmp_path: Path
) -> None:
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    shutil.copy(plan_files["pdf"], inp / "深山県計画.pdf")
    shutil.copy(plan_files["docx"], inp / "sub" / "深山県計画.DOCX")
    (inp / "壊れた計画.docx").write_bytes(b"PK\x03\x04 truncated")
    (inp / "旧形式.doc").write_bytes(legacy_doc())  # not searched for: only named .doc files are read
    out = tmp_path / "out"

    _run(["batch", str(inp), "--out", str(out), "--workers", "2", "--type", "B"], env, expect=1)

    with (out / "files.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
    assert set(rows) == {"深山県計画.pdf", "深山県計画.DOCX", "壊れた計画.docx"}
    assert rows["深山県計画.pdf"]["status"] == rows["深山県計画.DOCX"]["status"] == "ok"
    broken = rows["壊れた計画.docx"]
    assert broken["status"] == "error" and broken["error"].startswith(
        "corrupt: 壊れた計画.docx: Word文書が破損"
    )
    outputs = sorted(p.name for p in out.glob("*.json"))
    assert len(outputs) == 2, outputs
    docx_json = next(
        json.loads(p.read_text(encoding="utf-8"))
        for p in out.glob("*.json")
        if "DOCX" in p.read_text(encoding="utf-8")
    )
    _check_docx_assessment(docx_json, _doc(plan_files["docx"]))
    with (out / "checklist.csv").open(encoding="utf-8-sig", newline="") as fh:
        checklist = list(csv.DictReader(fh))
    docx_pages = [r["pages"] for r in checklist if r["file"].endswith(".DOCX") and r["quote"]]
    pdf_pages = [r["pages"] for r in checklist if r["file"].endswith(".pdf") and r["quote"]]
    assert docx_pages and all(re.fullmatch(r"(「[^」]*」第[0-9]+段落;?)+", p) for p in docx_pages), docx_pages
    assert pdf_pages and all(re.fullmatch(r"[0-9;]+", p) for p in pdf_pages), pdf_pages

    named = _run(["assess", str(inp / "旧形式.doc")], env, expect=1)
    assert "旧形式のWord文書（.doc）です" in named.stderr
