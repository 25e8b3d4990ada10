"""Exports read back the way their recipients read them: openpyxl, Excel-style CSV, text."""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, Verdict
from assistant.domain.rubric import load_rubric
from assistant.reports.export import export_submission
from assistant.reports.submission import HEADERS, SUMMARY_SHEET, export_xlsx
from assistant.review.records import SubmissionView
from assistant.review.store import ReviewStore
from assistant.settings import Settings

RUBRIC = load_rubric(Settings().rubric_file)
B = RUBRIC.for_type("B")
HOSTILE_QUOTE = '=HYPERLINK("http://evil.example","押して") <script>alert(1)</script>'


def _assessment(plan: str) -> Assessment:
    items = []
    for n, criterion in enumerate(B):
        citations = [PlanCitation(page=n + 2, quote=f"{criterion.label}に関する記載{n}")]
        if n == 0:
            citations = [
                PlanCitation(page=5, quote=HOSTILE_QUOTE),
                PlanCitation(page=3, quote="二つ目\x07の引用"),
            ]
        items.append(
            ChecklistItem(
                criterion_id=criterion.id,
                verdict=Verdict.meets if n % 2 else Verdict.partially_meets,
                rationale=f"{criterion.label}の根拠です" if n else "=1+1 と書かれている",
                citations=citations,
            )
        )
    return Assessment(plan=plan, plan_type="B", backend="offline", warnings=["2頁はOCR"], items=items)


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(tmp_path / "reviews.sqlite")


@pytest.fixture
def view(store: ReviewStore) -> SubmissionView:
    saved = store.save_assessment(
        _assessment("山形県_計画<案>.pdf"), content_hash="a" * 64, prefecture="山形県"
    )
    store.decide(saved.id, B[0].id, verdict=Verdict.does_not_meet, comment="数値がない", reviewer="佐藤")
    store.decide(saved.id, B[1].id, verdict=Verdict.meets, comment="", reviewer="鈴木")
    return store.get(saved.id)


def test_xlsx_has_japanese_layout_and_content(view: SubmissionView, tmp_path: Path) -> None:
    out = export_submission(view, "xlsx", tmp_path / "out" / "review.xlsx", rubric=RUBRIC)
    wb = load_workbook(out)
    assert wb.sheetnames == [SUMMARY_SHEET, "1_山形県_計画<案>"]
    ws = wb["1_山形県_計画<案>"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0][:9]) == [
        "要件区分",
        "項目",
        "基準",
        "判定（案）",
        "判定（確定）",
        "根拠",
        "頁",
        "審査者",
        "コメント",
    ]
    assert len(rows) == 1 + len(B)
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert (first["要件区分"], first["項目"], first["基準"]) == (B[0].group, B[0].label, B[0].text)
    assert (first["判定（案）"], first["判定（確定）"]) == ("一部満たす", "満たさない")
    assert (first["審査者"], first["コメント"], first["頁"]) == ("佐藤", "数値がない", "3, 5")
    assert first["根拠"].splitlines() == [
        "=1+1 と書かれている",
        f"「{HOSTILE_QUOTE}」（p.5）",
        "「二つ目の引用」（p.3）",
    ]
    assert ws["F2"].data_type == "s"
    undecided = dict(zip(HEADERS, rows[3], strict=True))
    assert (undecided["判定（案）"], undecided["判定（確定）"], undecided["審査者"]) == (
        "一部満たす",
        None,
        None,
    )
    assert undecided["根拠"] == f"{B[2].label}の根拠です\n「{B[2].label}に関する記載2」（p.4）"
    assert ws.freeze_panes == "A2"
    assert ws["F2"].alignment.wrap_text
    assert ws.column_dimensions["F"].width > ws.column_dimensions["D"].width > 8


def test_xlsx_summary_and_many_submissions(store: ReviewStore, view: SubmissionView, tmp_path: Path) -> None:
    other = store.save_assessment(
        _assessment("山形県_計画<案>.pdf"), content_hash="b" * 64, prefecture="秋田県"
    )
    out = export_xlsx([view, other], tmp_path / "all.xlsx", rubric=RUBRIC)
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 3 and len(set(wb.sheetnames)) == 3
    summary = list(wb[SUMMARY_SHEET].iter_rows(values_only=True))
    header = summary[0]
    rows = [dict(zip(header, row, strict=True)) for row in summary[1:]]
    assert [r["提出物ID"] for r in rows] == [view.id, other.id]
    first = rows[0]
    assert (first["都道府県"], first["計画種別"], first["状態"]) == (
        "山形県",
        "B 地域産業クラスター計画",
        "審査中",
    )
    assert (first["確定済"], first["満たさない"], first["満たす"], first["未確定"]) == (2, 1, 1, len(B) - 2)
    assert (rows[1]["都道府県"], rows[1]["状態"], rows[1]["未確定"]) == ("秋田県", "未審査", len(B))
    for title in wb.sheetnames[1:]:
        assert wb[title].max_row == 1 + len(B)


def test_csv_opens_in_excel_as_utf8(view: SubmissionView, tmp_path: Path) -> None:
    out = export_submission(view, "csv", tmp_path / "review.csv", rubric=RUBRIC)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == 1 + len(B)
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert (first["判定（案）"], first["判定（確定）"], first["審査者"]) == (
        "一部満たす",
        "満たさない",
        "佐藤",
    )
    assert first["根拠"].startswith("'=1+1")
    assert f"「{HOSTILE_QUOTE}」（p.5）" in first["根拠"]
    second = dict(zip(HEADERS, rows[2], strict=True))
    assert (second["判定（確定）"], second["審査者"], second["項目ID"]) == ("満たす", "鈴木", B[1].id)


def test_markdown_report(view: SubmissionView, tmp_path: Path) -> None:
    text = export_submission(view, "md", tmp_path / "review.md", rubric=RUBRIC).read_text(encoding="utf-8")
    assert text.startswith("# 審査結果：山形県\\_計画\\<案\\>.pdf\n")
    assert "B 地域産業クラスター計画" in text and "審査中（2/15 項目確定）" in text
    assert "<script>" not in text and "\\<script\\>" in text
    for criterion in B:
        assert criterion.text in text
    assert "- 判定（案）：一部満たす\n- 判定（確定）：満たさない\n- 審査者：佐藤" in text
    assert "- コメント：数値がない" in text
    assert "> 二つ目の引用\n> — p.3" in text
    assert text.count("- 判定（確定）：未確定") == len(B) - 2


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_plan_text_and_is_self_contained(view: SubmissionView, tmp_path: Path) -> None:
    page = export_submission(view, "html", tmp_path / "review.html", rubric=RUBRIC).read_text(
        encoding="utf-8"
    )
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert {name for name, _ in parsed.attrs} <= {"lang", "charset", "class", "id"}
    text = "".join(parsed.text)
    assert "審査結果：山形県_計画<案>.pdf" in text
    assert HOSTILE_QUOTE in text
    assert parsed.attrs.count(("class", "item")) == len(B)
    for criterion in B:
        assert criterion.text in text
    assert "佐藤" in text and "数値がない" in text and "満たさない" in text
    assert "2頁はOCR" in text
    assert "二つ目の引用" in text and "\x07" not in page


def test_verdict_labels_cover_every_verdict(store: ReviewStore, tmp_path: Path) -> None:
    assessment = _assessment("p.pdf")
    for item, verdict in zip(assessment.items, Verdict, strict=False):
        item.verdict = verdict
    view = store.save_assessment(assessment, content_hash="c" * 64)
    rows = list(
        load_workbook(export_xlsx([view], tmp_path / "v.xlsx", rubric=RUBRIC))["1_p"].iter_rows(
            values_only=True
        )
    )
    assert [r[3] for r in rows[1 : 1 + len(Verdict)]] == [VERDICT_LABELS_JA[v] for v in Verdict]


def test_criterion_missing_from_current_rubric_still_exports(store: ReviewStore, tmp_path: Path) -> None:
    retired = ChecklistItem(criterion_id="B.retired.item", verdict=Verdict.meets, rationale="旧基準の根拠")
    assessment = Assessment(plan="old.pdf", plan_type="B", backend="offline", items=[retired])
    view = store.save_assessment(assessment, content_hash="d" * 64)
    with export_submission(view, "csv", tmp_path / "old.csv", rubric=RUBRIC).open(
        encoding="utf-8-sig", newline=""
    ) as fh:
        row = dict(zip(HEADERS, list(csv.reader(fh))[1], strict=True))
    assert (row["要件区分"], row["項目"], row["基準"], row["根拠"]) == (
        "",
        "B.retired.item",
        "",
        "旧基準の根拠",
    )
