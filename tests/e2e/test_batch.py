"""Batch pre-screening against real generated PDFs, the real CLI, real worker processes and SQLite."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support import pool_tasks
from support.pdfgen import make_bad_inputs, synthetic_plan_pages, write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.apps.cli.main import main
from assistant.batch.inputs import output_names
from assistant.batch.models import BatchReport, ProgressEvent
from assistant.batch.pool import run_jobs
from assistant.batch.worker import Job, Outcome
from assistant.domain.labels import VERDICT_CODES, VERDICT_LABELS_JA
from assistant.domain.models import Assessment, Verdict
from assistant.domain.rubric import load_rubric
from assistant.ingest.files import content_hash
from assistant.reports.batch import CHECKLIST_HEADER, FILES_HEADER, QUOTE_SEPARATOR
from assistant.review.store import ReviewStore
from assistant.settings import Settings, get_settings

CLI = [str(Path(sys.executable).with_name("review-assistant"))]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """OCR off so a scanned file reports ``no_text`` (OCR is tested elsewhere); data dir in tmp."""
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RA_OCR_ENABLED", "false")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def run_batch(inputs: list[Path], out: Path, **options: object) -> BatchReport:
    return ReviewAssistant(get_settings()).run_batch(inputs, out, **options)  # type: ignore[arg-type]


def _plan(path: Path, plan_type: str, seed: int, pages: int = 2) -> Path:
    return write_plan_pdf(path, synthetic_plan_pages(plan_type, pages, seed=seed))  # type: ignore[arg-type]


def _csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must carry a UTF-8 BOM for Excel"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def _json_outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))}


def test_mixed_folder_gives_exact_rows_outputs_and_exit_code(tmp_path: Path, settings: Settings) -> None:
    inp = tmp_path / "in"
    _plan(inp / "alpha.pdf", "B", 1)
    _plan(inp / "beta.PDF", "C", 2)
    _plan(inp / "sub" / "alpha.pdf", "C", 3, pages=1)
    (inp / "notes.txt").write_text("フォルダ内のPDF以外は対象外", encoding="utf-8")
    make_bad_inputs(inp / "bad")
    stray = tmp_path / "readme.txt"
    stray.write_text("PDFではない提出物", encoding="utf-8")
    out = tmp_path / "out"

    code = main(["batch", str(inp), str(stray), "--out", str(out), "--workers", "2"])

    assert code == 1
    rows = _csv(out / "files.csv")
    assert _header(out / "files.csv") == list(FILES_HEADER)
    expected = [
        ("alpha.pdf", "ok", "B", ""),
        ("bad/corrupt.pdf", "error", "", "corrupt"),
        ("bad/empty.pdf", "error", "", "empty"),
        ("bad/encrypted.pdf", "error", "", "encrypted"),
        ("bad/garbled.pdf", "error", "", "garbled"),
        ("bad/not_pdf.pdf", "error", "", "not_pdf"),
        ("bad/scanned.pdf", "error", "", "no_text"),
        ("beta.PDF", "ok", "C", ""),
        ("sub/alpha.pdf", "ok", "C", ""),
    ]
    want = [((inp / f).as_posix(), s, t, c) for f, s, t, c in expected] + [
        (stray.as_posix(), "error", "", "not_pdf")
    ]
    assert [(r["file"], r["status"], r["plan_type"], r["error"].split(":")[0]) for r in rows] == want
    rubric = load_rubric(settings.rubric_file)
    for r in rows:
        if r["status"] == "ok":
            assert int(r["items"]) == len(rubric.for_type(r["plan_type"]))
            assert float(r["seconds"]) > 0
        else:
            assert r["error"].split(": ", 1)[1], "the error names the specific reason"
    assert "パスワード" in next(r["error"] for r in rows if r["file"].endswith("encrypted.pdf"))

    # Two plans share the stem "alpha": both get the hash-tagged name, nothing is overwritten.
    expected_json = {
        (inp / f).as_posix(): name.format(content_hash((inp / f).read_bytes())[:8])
        for f, name in (
            ("alpha.pdf", "alpha__{}.json"),
            ("beta.PDF", "beta.json"),
            ("sub/alpha.pdf", "alpha__{}.json"),
        )
    }
    assert sorted(_json_outputs(out)) == sorted(expected_json.values())
    for source in ("beta.PDF", "sub/alpha.pdf"):
        single = subprocess.run(
            [*CLI, "assess", str(inp / source), "--json"], capture_output=True, check=True
        ).stdout
        assert (out / expected_json[(inp / source).as_posix()]).read_bytes() == single
    assessments = {
        f: Assessment.model_validate_json((out / n).read_bytes()) for f, n in expected_json.items()
    }

    checklist = _csv(out / "checklist.csv")
    assert _header(out / "checklist.csv") == list(CHECKLIST_HEADER)
    assert len(checklist) == sum(len(a.items) for a in assessments.values())
    for line in checklist:
        item = next(i for i in assessments[line["file"]].items if i.criterion_id == line["criterion_id"])
        assert line["plan_type"] == assessments[line["file"]].plan_type
        assert line["verdict"] == item.verdict.value
        assert line["pages"] == ";".join(str(p) for p in sorted({c.page for c in item.citations}))
        assert line["quote"] == QUOTE_SEPARATOR.join(c.quote for c in item.citations)

    wb = load_workbook(out / "summary.xlsx")
    sheet = wb["一覧"]
    ids = [c.value for c in sheet[1]]
    labels = [c.value for c in sheet[2]]
    assert sheet.freeze_panes == "B3" and sheet.auto_filter.ref.startswith("A2:")
    by_file = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    assert list(by_file) == [r["file"] for r in rows]
    for file, assessment in assessments.items():
        cells = by_file[file]
        assert cells[1].value == assessment.plan_type
        for item in assessment.items:
            column = ids.index(item.criterion_id)
            assert cells[column].value == VERDICT_CODES[item.verdict]
            assert labels[column] == rubric.get(item.criterion_id).label
    legend = [tuple(c.value for c in row) for row in wb["凡例"].iter_rows(min_row=2)]
    assert legend == [(VERDICT_CODES[v], VERDICT_LABELS_JA[v], v.value) for v in Verdict]


def test_rerun_skips_done_plans_and_leaves_their_outputs_untouched(
    tmp_path: Path, settings: Settings
) -> None:
    inp = tmp_path / "in"
    _plan(inp / "one.pdf", "B", 11)
    _plan(inp / "two.pdf", "C", 12)
    out = tmp_path / "out"
    first = run_batch([inp], out, workers=1)
    assert [r.status for r in first.rows] == ["ok", "ok"] and first.exit_code == 0
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.json")}
    checklist = (out / "checklist.csv").read_bytes()

    seen: list[ProgressEvent] = []
    second = run_batch([inp], out, workers=1, on_progress=seen.append)

    assert [r.status for r in second.rows] == ["skipped", "skipped"] and second.exit_code == 0
    assert [(e.kind, e.done, e.total, e.row and e.row.file) for e in seen] == [
        ("start", 0, 2, None),
        ("file", 1, 2, first.rows[0].file),
        ("file", 2, 2, first.rows[1].file),
    ]
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("*.json")} == before
    assert (out / "checklist.csv").read_bytes() == checklist
    assert [r["status"] for r in _csv(out / "files.csv")] == ["skipped", "skipped"]
    assert [(r.plan_type, r.items) for r in second.rows] == [(r.plan_type, r.items) for r in first.rows]

    # A lost output is restored from the state without assessing again.
    (out / "one.json").unlink()
    third = run_batch([inp], out, workers=1)
    assert [r.status for r in third.rows] == ["skipped", "skipped"]
    assert (out / "one.json").read_bytes() == before["one.json"][0]

    # Other options mean another assessment, not a stale skip.
    forced = run_batch([inp], out, workers=1, plan_type="C")
    assert [(r.status, r.plan_type) for r in forced.rows] == [("ok", "C"), ("ok", "C")]


def test_killed_batch_resumes_to_a_consistent_out_dir(tmp_path: Path, settings: Settings) -> None:
    inp = tmp_path / "in"
    for i in range(8):
        _plan(inp / f"plan{i}.pdf", "BC"[i % 2], 100 + i)
    out = tmp_path / "out"
    command = [*CLI, "batch", str(inp), "--out", str(out), "--workers", "1"]

    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "files.csv").exists()

    resumed = subprocess.run(command, capture_output=True, text=True)

    assert resumed.returncode == 0, resumed.stderr
    rows = _csv(out / "files.csv")
    assert sorted(r["file"] for r in rows) == sorted((inp / f"plan{i}.pdf").as_posix() for i in range(8))
    statuses = Counter(r["status"] for r in rows)
    assert statuses["skipped"] >= 1 and statuses["ok"] >= 1 and statuses["error"] == 0
    outputs = _json_outputs(out)
    assert sorted(outputs) == [f"plan{i}.json" for i in range(8)]
    plans = {name: Assessment.model_validate_json(blob) for name, blob in outputs.items()}
    checklist = _csv(out / "checklist.csv")
    keys = [(r["file"], r["criterion_id"]) for r in checklist]
    assert len(keys) == len(set(keys)) == sum(len(a.items) for a in plans.values())
    assert not [p for p in out.rglob("*") if p.name.startswith(".ra-tmp-")]
    assert len(list((out / ".batch" / "results").glob("*.json"))) == 8
    assert sum(line.startswith("[") for line in resumed.stdout.splitlines()) == 8, "one plain line per file"


def test_save_stores_each_plan_once_even_when_the_state_is_lost(tmp_path: Path, settings: Settings) -> None:
    inp = tmp_path / "in"
    _plan(inp / "one.pdf", "B", 21)
    _plan(inp / "two.pdf", "C", 22)
    out = tmp_path / "out"
    store = ReviewStore(settings.review_db)

    first = run_batch([inp], out, workers=1, save=True, prefecture="青葉県")
    subs = store.list_submissions()
    assert sorted(s.file_name for s in subs) == ["one.pdf", "two.pdf"]
    assert {s.prefecture for s in subs} == {"青葉県"}
    assert sorted(r.submission_id for r in first.rows) == sorted(s.id for s in subs)
    for s in subs:
        saved = store.drafts(s.id)
        assert len(saved) == 1
        assessment = Assessment.model_validate_json((out / f"{Path(s.file_name).stem}.json").read_bytes())
        assert saved[0].items == assessment.items

    run_batch([inp], out, workers=1, save=True, prefecture="青葉県")
    for path in (out / ".batch" / "results").iterdir():
        path.unlink()
    again = run_batch([inp], out, workers=1, save=True, prefecture="青葉県")

    assert [r.status for r in again.rows] == ["ok", "ok"]
    assert [len(store.drafts(s.id)) for s in store.list_submissions()] == [1, 1]
    assert [r.submission_id for r in again.rows] == [r.submission_id for r in first.rows]


def _report(outcomes: list[tuple[str, Outcome]]):
    return lambda job, outcome: outcomes.append((job.key, outcome))


def test_a_worker_that_dies_costs_only_its_own_file() -> None:
    jobs = [Job(key=k, path=k, plan_type=None, backend="offline") for k in ("a", "b", "boom", "c", "d")]
    outcomes: list[tuple[str, Outcome]] = []

    run_jobs(
        jobs,
        workers=2,
        on_outcome=_report(outcomes),
        initializer=pool_tasks.no_setup,
        initargs=(),
        task=pool_tasks.crash_on_boom,
    )

    assert sorted(k for k, _ in outcomes) == ["a", "b", "boom", "c", "d"]
    by_key = dict(outcomes)
    assert by_key["boom"].ok is False and by_key["boom"].error_code == "crash"
    assert all(by_key[k] == Outcome(ok=True, seconds=0.0, text=f"done {k}") for k in "abcd")


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", "plans"],
        ["batch", "plans", "--out", "o", "--workers", "0"],
        ["batch", "--out", "o"],
        ["batch", "p", "--out", "o", "--backend", "auto"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_output_names_only_tag_clashing_stems() -> None:
    h1, h2, h3 = "1" * 64, "2" * 64, "3" * 64
    names = output_names(
        [("a.pdf", h1), ("A.pdf", h2), ("b.pdf", h3), ("a.pdf", h1), ("c.pdf", h1), ("c.PDF", h1)]
    )
    assert names[:4] == ["a__11111111.json", "A__22222222.json", "b.json", "a__11111111.json"]
    assert names[4] != names[5] and all(n.startswith("c__11111111_") for n in names[4:])
    assert output_names([("b.pdf", h3), ("a.pdf", h2), ("A.pdf", h1)])[1:] == [
        "a__22222222.json",
        "A__11111111.json",
    ]
