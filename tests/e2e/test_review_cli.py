"""`review-assistant review …` end to end: a real store in a temp data dir, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assistant.apps.cli.main import main
from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, Verdict
from assistant.domain.rubric import load_rubric
from assistant.review.records import SubmissionView
from assistant.review.store import ReviewStore
from assistant.settings import Settings, get_settings

B = load_rubric(Settings().rubric_file).for_type("B")
CLI = Path(sys.executable).parent / "review-assistant"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "160")  # rich wraps tables to 80 columns when not on a terminal
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def submission(data_dir: Path) -> SubmissionView:
    assessment = Assessment(
        plan="秋田県_地域産業クラスター計画.pdf",
        plan_type="B",
        backend="offline",
        items=[
            ChecklistItem(
                criterion_id=c.id,
                verdict=Verdict.meets if n % 3 else Verdict.needs_review,
                rationale=f"{c.label}の記載あり",
                citations=[PlanCitation(page=n + 1, quote=f"{c.label}：計画書の記述{n}")],
            )
            for n, c in enumerate(B)
        ],
    )
    return ReviewStore(data_dir / "reviews.sqlite").save_assessment(
        assessment, content_hash="c" * 64, prefecture="秋田県"
    )


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_list_and_show(submission: SubmissionView, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "list"]) == 0
    out = capsys.readouterr().out
    assert "秋田県_地域産業クラスター計画.pdf" in out and "未審査" in out and "0/15" in out

    listed = _json(capsys, ["review", "list", "--json", "--status", "draft", "--prefecture", "秋田県"])
    assert [s["id"] for s in listed] == [submission.id]  # type: ignore[index,union-attr]
    assert _json(capsys, ["review", "list", "--json", "--status", "final"]) == []
    assert main(["review", "list", "--prefecture", "山形県"]) == 0
    assert "該当する提出物はありません" in capsys.readouterr().out

    shown = SubmissionView.model_validate(_json(capsys, ["review", "show", str(submission.id), "--json"]))
    assert shown == submission
    assert main(["review", "show", str(submission.id)]) == 0
    out = capsys.readouterr().out
    assert all(c.id in out for c in B) and "要確認" in out and "未確定" in out


def test_errors_go_to_stderr_with_exit_1(
    submission: SubmissionView, capsys: pytest.CaptureFixture[str]
) -> None:
    decide = [
        "review",
        "decide",
        str(submission.id),
        B[0].id,
        "--verdict",
        "meets",
        "--comment",
        "",
        "--reviewer",
    ]
    assert main([*decide, "佐藤", "--expected-version", "0"]) == 1
    assert "理由をコメント" in capsys.readouterr().err, "an override needs a reason, on the CLI as in the UI"
    decide[-2] = "市場ニーズの根拠を確認"
    assert main([*decide, "佐藤", "--expected-version", "0"]) == 0
    capsys.readouterr()

    assert main([*decide, "鈴木", "--expected-version", "0"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "佐藤" in captured.err and "changed by 佐藤" in captured.err

    assert (
        main(
            [
                "review",
                "decide",
                str(submission.id),
                "B.no.such",
                "--verdict",
                "meets",
                "--comment",
                "",
                "--reviewer",
                "佐藤",
            ]
        )
        == 1
    )
    assert "B.no.such" in capsys.readouterr().err
    assert main(["review", "show", "999"]) == 1
    assert "999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main([*decide[:5], "great", "--comment", "", "--reviewer", "佐藤"])
    assert usage.value.code == 2
    assert ReviewStore(get_settings().review_db).get(submission.id).items[0].decision.reviewer == "佐藤"  # type: ignore[union-attr]


def test_review_every_item_then_export_xlsx(
    submission: SubmissionView, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = {B[0].id: Verdict.does_not_meet, B[4].id: Verdict.partially_meets}
    for n, item in enumerate(submission.items):
        # 要確認 is never a final verdict: the reviewer chooses one (with a reason) for those items.
        drafted = Verdict.not_addressed if item.draft_verdict == Verdict.needs_review else item.draft_verdict
        verdict = overrides.get(item.criterion_id, drafted)
        comment = "数値目標の記載がない" if item.criterion_id in overrides else "案のとおり"
        argv = ["review", "decide", str(submission.id), item.criterion_id, "--verdict", verdict.value]
        argv += ["--comment", comment, "--reviewer", "佐藤" if n % 2 else "鈴木", "--expected-version", "0"]
        assert main(argv) == 0
    assert "確定（15/15 項目確定）" in capsys.readouterr().out.splitlines()[-1]

    out = tmp_path / "審査結果.xlsx"
    assert main(["review", "export", str(submission.id), "--format", "xlsx", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"出力しました：{out}\n"
    rows = list(
        load_workbook(out)[f"{submission.id}_秋田県_地域産業クラスター計画"].iter_rows(values_only=True)
    )
    by_id = {row[10]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {c.id for c in B}
    first = by_id[B[0].id]
    assert (first["判定（案）"], first["判定（確定）"], first["審査者"]) == ("要確認", "満たさない", "鈴木")
    assert first["コメント"] == "数値目標の記載がない"
    assert f"「{B[0].label}：計画書の記述0」（p.1）" in first["根拠"]
    fifth = by_id[B[4].id]
    assert (fifth["判定（案）"], fifth["判定（確定）"], fifth["審査者"]) == ("満たす", "一部満たす", "鈴木")
    kept = by_id[B[1].id]
    assert (kept["判定（案）"], kept["判定（確定）"], kept["審査者"], kept["コメント"]) == (
        "満たす",
        "満たす",
        "佐藤",
        "案のとおり",
    )
    assert all(row["確定日時"] for row in by_id.values())

    summary = list(load_workbook(out)["サマリー"].iter_rows(values_only=True))
    assert summary[1][4] == "確定"
    final = SubmissionView.model_validate(_json(capsys, ["review", "show", str(submission.id), "--json"]))
    assert final.status == "final" and final.decided_count == 15
    assert [s.id for s in ReviewStore(get_settings().review_db).list_submissions(status="final")] == [
        submission.id
    ]


def test_installed_console_script(submission: SubmissionView, data_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "RA_DATA_DIR": str(data_dir)}
    decide = subprocess.run(
        [
            str(CLI),
            "review",
            "decide",
            str(submission.id),
            B[2].id,
            "--verdict",
            "not_applicable",
            "--comment",
            "誘致企業なし",
            "--reviewer",
            "高橋",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert decide.returncode == 0, decide.stderr
    assert "対象外" in decide.stdout and "審査中" in decide.stdout

    out = tmp_path / "r.csv"
    export = subprocess.run(
        [str(CLI), "review", "export", str(submission.id), "--format", "csv", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert export.returncode == 0, export.stderr
    text = out.read_text(encoding="utf-8-sig")
    assert "高橋" in text and "誘致企業なし" in text
