"""`evaluate` measures a backend on the labelled plans before anyone trusts it; `review stats` says how
often reviewers kept the drafts. Both through the real CLI, the LLM one against the scripted
OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.fake_openai import FakeOpenAI
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.domain.models import Verdict
from assistant.evaluation.labelled import load_labelled_plans
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "evals" / "data" / "plans"
TWO = ("b_domestic_asagiri", "c_retailchain_shiomi")


def _cli(*args: str, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.apps.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RA_")}
    return {**env, "RA_DATA_DIR": str(tmp / "data"), "RA_OCR_ENABLED": "false", **extra}


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("labelled")
    for stem in TWO:
        matches = sorted(PLANS.glob(f"{stem}*"))
        assert matches, f"labelled plan {stem} ships in evals/data/plans"
        for path in matches:
            shutil.copyfile(path, folder / path.name)
    return folder


def test_the_labelled_plans_ship_with_the_package() -> None:
    plans = load_labelled_plans(Settings().eval_plans_dir)
    assert len(plans) >= 14 and all(p.pdf().is_file() for p in plans)


def test_evaluate_offline_prints_the_figures_per_group(two_plans: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, RA_EVAL_PLANS_DIR=str(two_plans))
    done = _cli("evaluate", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    overall = report["overall"]
    assert report["backend"] == "offline" and overall["plans"] == 2
    assert overall["false_meets"] == 0 and overall["citation_validity"] == 1.0
    assert overall["presence"] >= 0.9
    assert "外部依存性" in report["by_group"]
    table = _cli("evaluate", env=env)
    assert table.returncode == 0 and "誤った「満たす」" in table.stdout and "要件区分ごと" in table.stdout


def test_evaluate_llm_measures_the_endpoint_it_is_given(two_plans: Path, tmp_path: Path) -> None:
    """A model that leaves every judgement to review is measured as such: its agreement is low, its
    share left for review is all, and it made no false meets — numbers an operator can act on."""

    def undecided(body: dict) -> dict:
        prompt = body["messages"][1]["content"]
        ids = [line[3:].split("（")[0] for line in prompt.splitlines() if line.startswith("## ")]
        return {
            "items": [
                {
                    "criterion_id": cid,
                    "verdict": "needs_review",
                    "rationale": "判断できない。",
                    "citations": [],
                    "findings": [],
                }
                for cid in ids
            ]
        }

    with FakeOpenAI([undecided] * 8) as srv:
        settings = Settings(
            data_dir=tmp_path / "data",
            ocr_enabled=False,
            llm_model="fake-model",
            llm_base_url=srv.base_url,
            eval_plans_dir=two_plans,
        )
        seen: list[str] = []
        report = ReviewAssistant(settings).evaluate(backend="llm", on_plan=lambda s: seen.append(s.plan))
        assert len(srv.requests) >= 2, "every plan went to the endpoint"
    assert report.backend == "llm:fake-model" and len(seen) == 2
    assert report.overall["false_meets"] == 0
    assert report.overall["judgement_needs_review"] == 1.0
    assert report.overall["seconds_per_plan"] is not None


def test_evaluate_llm_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    done = _cli("evaluate", "--backend", "llm", env=_env(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "LLMが設定されていません" in done.stderr


def test_review_stats_counts_kept_and_changed_drafts(tmp_path: Path) -> None:
    env = _env(tmp_path)
    empty = _cli("review", "stats", env=env)
    assert empty.returncode == 0 and "確定した判定はまだありません" in empty.stdout

    ra = ReviewAssistant(Settings(data_dir=tmp_path / "data", ocr_enabled=False))
    pdf = write_plan_pdf(
        tmp_path / "plan.pdf",
        [
            "# 東雲県 地場産業成長プラン\n本プランは東雲塗の販路拡大を目指す。\n売上目標：令和12年度に年間売上額30億円を達成する。",
            "# 推進体制\n県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。",
        ],
    )
    view = ra.save(ra.assess(pdf, plan_type="C", backend="offline"), pdf)
    items = view.items
    kept = next(i for i in items if i.draft_verdict not in (Verdict.needs_review,))
    changed = next(i for i in items if i.criterion_id != kept.criterion_id)
    ra.decide(view.id, kept.criterion_id, verdict=kept.draft_verdict, comment="")
    other = Verdict.does_not_meet if changed.draft_verdict != Verdict.does_not_meet else Verdict.meets
    ra.decide(view.id, changed.criterion_id, verdict=other, comment="根拠が弱い")

    done = _cli("review", "stats", "--json", env=env)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert stats["decided"] == 2
    [overall] = stats["by_backend"]
    assert overall["backend"] == "offline" and overall["kept"] == 1 and overall["rate"] == 0.5
    assert f"{changed.draft_verdict.value}→{other.value}" in overall["confusion"]
    table = _cli("review", "stats", env=env)
    assert table.returncode == 0 and "一致" in table.stdout

    # The batch summary carries the agreement so far on a sheet of its own, once decisions exist.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(pdf, inbox / "plan.pdf")
    batch = _cli("batch", str(inbox), "--out", str(tmp_path / "out"), "--workers", "1", env=env)
    assert batch.returncode == 0, batch.stderr
    book = load_workbook(tmp_path / "out" / "summary.xlsx")
    assert "審査者との一致" in book.sheetnames
    sheet = book["審査者との一致"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert any(r[1] == "offline" and r[2] == 2 and r[3] == 1 and r[4] == "50%" for r in rows)
    assert any(r[5] and "→" in r[5] for r in rows), "what the changed draft became"


def test_a_batch_without_decisions_has_no_agreement_sheet(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_plan_pdf(
        inbox / "plan.pdf",
        ["# 東雲県 地場産業成長プラン\n売上目標：令和12年度に年間売上額30億円を達成する。"],
    )
    batch = _cli("batch", str(inbox), "--out", str(tmp_path / "out"), "--workers", "1", env=_env(tmp_path))
    assert batch.returncode == 0, batch.stderr
    assert "審査者との一致" not in load_workbook(tmp_path / "out" / "summary.xlsx").sheetnames
