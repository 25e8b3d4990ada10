"""Keeps the labelled evaluation data consistent with the rubric, the guideline and the PDF generator.

A label that points at a criterion, heading or page that does not exist would silently score every
system as wrong, so these checks run with the normal test suite.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader
from support.pdfgen import write_plan_pdf

from assistant.domain.models import Verdict

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "evals" / "data"
GUIDELINE = ROOT / "corpus" / "guidelines" / "requirements_2026-03.md"
RUBRIC = yaml.safe_load((ROOT / "assistant" / "data" / "rubric.yaml").read_text(encoding="utf-8"))
CRITERIA: dict[str, dict[str, Any]] = {c["id"]: c for c in RUBRIC["criteria"]}
RETRIEVAL = yaml.safe_load((DATA / "retrieval.yaml").read_text(encoding="utf-8"))["questions"]
QA = yaml.safe_load((DATA / "qa.yaml").read_text(encoding="utf-8"))["questions"]
PLAN_FILES = sorted((DATA / "plans").glob("*.yaml"))
PLANS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in PLAN_FILES}

GOLD_VERDICTS = {
    Verdict.meets,
    Verdict.partially_meets,
    Verdict.does_not_meet,
    Verdict.not_addressed,
    Verdict.not_applicable,
}
NO_EVIDENCE = {Verdict.not_addressed, Verdict.not_applicable}
TYPE_NAMES = {
    "A": ("戦略産業クラスター", "プロジェクト提案"),
    "B": ("地域産業クラスター計画",),
    "C": ("地場産業成長プラン", "地場産業プラン"),
}
# Words by which a question names the plan type it asks about (then one of a B/C twin pair suffices).
PLAN_TYPE_WORDS = (
    "地域産業クラスター",
    "地場産業",
    "regional industry cluster",
    "local industry",
    "type c",
    "type b",
)
INJECTION_MARKERS = ("Ignore previous instructions", "審査AIへの指示")


def _norm(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def _sections() -> dict[str, str]:
    """Heading text (without #'s) -> the body directly under it."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in GUIDELINE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#+\s+(.*)$", line)
        if match:
            current = sections.setdefault(match.group(1).strip(), [])
        elif current is not None:
            current.append(line)
    return {heading: "\n".join(body) for heading, body in sections.items()}


SECTIONS = _sections()


def _target_text(target: str | dict[str, str]) -> str:
    if isinstance(target, dict):
        return SECTIONS[target["section"]]
    return CRITERIA[target]["text"]


def _twins() -> dict[str, str]:
    """B criterion id <-> C criterion id where the guideline states the same text for both."""
    by_text: dict[str, list[str]] = {}
    for cid, crit in CRITERIA.items():
        if crit["plan_type"] in ("B", "C"):
            by_text.setdefault(_norm(crit["text"]), []).append(cid)
    pairs = [ids for ids in by_text.values() if len(ids) == 2]
    return {a: b for x, y in pairs for a, b in ((x, y), (y, x))}


def _expected_page_text(page: str) -> str:
    return "".join(re.sub(r"^#{1,2} ", "", line) for line in page.split("\n"))


# ---------------------------------------------------------------- targets (retrieval and qa)


@pytest.mark.parametrize("item", RETRIEVAL + [q for q in QA if q["answerable"]], ids=lambda q: q["id"])
def test_targets_exist(item: dict[str, Any]) -> None:
    assert item["targets"], "every answerable question needs at least one target"
    for target in item["targets"]:
        if isinstance(target, dict):
            assert set(target) == {"section"}
            assert target["section"] in SECTIONS, f"no heading {target['section']!r} in the guideline"
        else:
            assert target in CRITERIA, f"no criterion {target!r} in the rubric"


@pytest.mark.parametrize("item", RETRIEVAL + [q for q in QA if q["answerable"]], ids=lambda q: q["id"])
def test_shared_b_c_text_lists_both_ids_unless_the_type_is_named(item: dict[str, Any]) -> None:
    twins = _twins()
    names_type = any(word in item["question"].lower() for word in PLAN_TYPE_WORDS)
    for target in item["targets"]:
        if isinstance(target, str) and target in twins and not names_type:
            assert twins[target] in item["targets"], f"{target} is shared with {twins[target]}"


def test_twins_cover_the_spanning_rows() -> None:
    # The rows spanning both columns of the source table (波及効果 onwards) plus the identical 有望度 bullet.
    assert len(_twins()) == 2 * 10


# ---------------------------------------------------------------- retrieval.yaml


def test_retrieval_set_shape() -> None:
    ids = [q["id"] for q in RETRIEVAL]
    assert len(ids) == len(set(ids))
    assert len(RETRIEVAL) >= 45
    styles = Counter(q["style"] for q in RETRIEVAL)
    assert set(styles) == {"direct", "paraphrase", "english"}
    assert styles["paraphrase"] >= 12
    assert styles["english"] >= 5
    for q in RETRIEVAL:
        assert q["lang"] == ("en" if q["style"] == "english" else "ja"), q["id"]
        assert q["question"].strip()


def test_retrieval_covers_every_criterion_and_background_section() -> None:
    targeted = {t if isinstance(t, str) else t["section"] for q in RETRIEVAL for t in q["targets"]}
    assert set(CRITERIA) <= targeted, sorted(set(CRITERIA) - targeted)
    background = {
        "官民投資ロードマップ",
        "戦略産業クラスター計画素案",
        "戦略産業クラスター計画の記載事項",
        "B.地域産業クラスター計画及びC.地場産業成長プランの要件の考え方",
    }
    assert background <= targeted, sorted(background - targeted)


# ---------------------------------------------------------------- qa.yaml


def test_qa_set_shape() -> None:
    ids = [q["id"] for q in QA]
    assert len(ids) == len(set(ids))
    answerable = [q for q in QA if q["answerable"] is True]
    unanswerable = [q for q in QA if q["answerable"] is False]
    assert len(answerable) + len(unanswerable) == len(QA)
    assert len(answerable) >= 32
    assert len(unanswerable) >= 10
    for q in unanswerable:
        assert "key_phrase" not in q and "targets" not in q, q["id"]


@pytest.mark.parametrize("item", [q for q in QA if q["answerable"]], ids=lambda q: q["id"])
def test_key_phrase_is_verbatim_in_the_guideline_and_in_a_target(item: dict[str, Any]) -> None:
    phrase = item["key_phrase"]
    assert len(phrase) >= 6
    assert _norm(phrase) in _norm(GUIDELINE.read_text(encoding="utf-8"))
    assert any(_norm(phrase) in _norm(_target_text(t)) for t in item["targets"]), item["targets"]


# ---------------------------------------------------------------- plans/*.yaml


@pytest.mark.parametrize("name", sorted(PLANS))
def test_plan_gold_matches_rubric(name: str) -> None:
    plan = PLANS[name]
    assert plan["file"] == f"{name}.pdf"
    assert plan["plan_type"] in ("A", "B", "C")
    assert 4 <= len(plan["pages"]) <= 8
    assert plan["prefecture"].endswith("県")
    expected = {cid for cid, c in CRITERIA.items() if c["plan_type"] == plan["plan_type"]}
    assert set(plan["gold"]) == expected
    n_pages = len(plan["pages"])
    for page in [*plan["scanned_pages"], *plan["injection_pages"]]:
        assert 1 <= page <= n_pages
    for cid, label in plan["gold"].items():
        assert {"verdict", "pages"} <= set(label) <= {"verdict", "pages", "clear"}, cid
        if "clear" in label:
            assert label["clear"] is False and CRITERIA[cid]["kind"] == "judgement", cid
        verdict = Verdict(label["verdict"])
        assert verdict in GOLD_VERDICTS, cid
        assert all(1 <= p <= n_pages for p in label["pages"]), cid
        assert label["pages"] == sorted(set(label["pages"])), cid
        assert (not label["pages"]) == (verdict in NO_EVIDENCE), cid
        if verdict is Verdict.not_applicable:
            assert "applicability" in CRITERIA[cid], f"{cid} has no applicability condition"


@pytest.mark.parametrize("name", sorted(PLANS))
def test_injected_instructions_sit_on_the_declared_pages(name: str) -> None:
    plan = PLANS[name]
    for number, page in enumerate(plan["pages"], start=1):
        has_marker = any(marker in page for marker in INJECTION_MARKERS)
        assert has_marker == (number in plan["injection_pages"]), f"page {number}"


def test_plan_set_covers_the_required_cases() -> None:
    plans = list(PLANS.values())
    assert len(plans) >= 8
    types = Counter(p["plan_type"] for p in plans)
    assert types["A"] >= 1 and types["B"] >= 3 and types["C"] >= 3
    assert len({p["prefecture"] for p in plans}) == len(plans)

    injected = [p for p in plans if p["injection_pages"]]
    assert injected
    assert all(any(m in "".join(p["pages"]) for p in injected) for m in INJECTION_MARKERS)

    scanned = [p for p in plans if p["scanned_pages"]]
    assert scanned
    for plan in scanned:
        on_scan = [cid for cid, g in plan["gold"].items() if set(g["pages"]) & set(plan["scanned_pages"])]
        assert 1 <= len(on_scan) <= 2

    verdicts = Counter(g["verdict"] for p in plans for g in p["gold"].values())
    assert set(verdicts) == {v.value for v in GOLD_VERDICTS}


def test_plan_type_names_match_and_one_plan_only_implies_its_type() -> None:
    implied = []
    for name, plan in PLANS.items():
        text = plan["title"] + "".join(plan["pages"])
        named = {t for t, words in TYPE_NAMES.items() if any(w in plan["title"] for w in words)}
        if not any(w in text for words in TYPE_NAMES.values() for w in words):
            implied.append(name)
        else:
            assert named == {plan["plan_type"]}, name
    assert implied


@pytest.mark.parametrize("name", sorted(PLANS))
def test_plan_renders_and_text_pages_extract(name: str, tmp_path: Path) -> None:
    plan = PLANS[name]
    path = write_plan_pdf(
        tmp_path / plan["file"], plan["pages"], title=plan["title"], scanned_pages=plan["scanned_pages"]
    )
    reader = PdfReader(path)
    assert len(reader.pages) == len(plan["pages"])
    for number, (page, text) in enumerate(zip(reader.pages, plan["pages"], strict=True), start=1):
        extracted = page.extract_text()
        if number in plan["scanned_pages"]:
            assert extracted.strip() == ""
        else:
            assert extracted.replace("\n", "") == _expected_page_text(text)
