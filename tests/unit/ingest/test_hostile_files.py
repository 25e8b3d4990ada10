"""Hostile and broken inputs against the real reader and parser: every one is a typed error with its own
code and a one-line message, or, when only one page is affected, a notice on that page.

The inputs are real: PDFs written byte by byte (self-references, nesting, cyclic trees, bombs), FIFOs,
sockets, links that dangle or loop, and a link to ``/dev/zero``.
"""

from __future__ import annotations

import csv
import ctypes
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support import hostile
from support.pdfgen import SAMPLE_PLAN_PAGES, write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.batch.inputs import discover_inputs
from assistant.domain.errors import (
    ContentTooLargeError,
    CorruptPdfError,
    DanglingLinkError,
    FileChangedError,
    FileMissingError,
    FileTooLargeError,
    IngestError,
    LinkLoopError,
    NoTextLayerError,
    NotRegularFileError,
    PdfLimitError,
    TooManyPagesError,
)
from assistant.domain.models import Assessment
from assistant.ingest.files import content_hash, read_input
from assistant.ingest.pdf import parse_pdf
from assistant.settings import Settings

NO_OCR = Settings(ocr_enabled=False)
CLI = str(Path(sys.executable).with_name("review-assistant"))
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def _one_line_typed(info: pytest.ExceptionInfo[IngestError], name: str) -> None:
    message = info.value.message
    assert name in message and " / " in message, "Japanese, then the English gloss"
    assert "\n" not in message


# -- the checked read ------------------------------------------------------------------------------


def _socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


@pytest.mark.parametrize(
    ("kind", "error", "detail"),
    [
        ("missing", FileMissingError, ""),
        ("directory", NotRegularFileError, "directory"),
        ("dir_link", NotRegularFileError, "directory"),
        ("dangling", DanglingLinkError, ""),
        ("loop", LinkLoopError, ""),
        ("fifo", NotRegularFileError, "FIFO"),
        ("dev_zero", NotRegularFileError, "device"),
        ("socket", NotRegularFileError, "socket"),
    ],
)
def test_only_regular_files_are_read(
    tmp_path: Path, kind: str, error: type[IngestError], detail: str
) -> None:
    entries = hostile.make_special_entries(tmp_path / "in")
    entries["missing"] = tmp_path / "in" / "never_written.pdf"
    entries["directory"] = tmp_path / "in" / "real_dir"
    entries["socket"] = tmp_path / "in" / "socket.pdf"
    _socket(entries["socket"])

    with pytest.raises(error) as info:
        read_input(entries[kind], max_bytes=1_000_000)

    assert detail in info.value.message
    _one_line_typed(info, entries[kind].name)


def test_size_cap_is_checked_before_and_while_reading(tmp_path: Path) -> None:
    plan = write_plan_pdf(tmp_path / "plan.pdf", list(SAMPLE_PLAN_PAGES))
    size = plan.stat().st_size
    assert read_input(plan, max_bytes=size) == plan.read_bytes()
    link = tmp_path / "link.pdf"
    link.symlink_to(plan)
    assert read_input(link, max_bytes=size) == plan.read_bytes(), "a link to a regular file is fine"

    with pytest.raises(FileTooLargeError) as info:
        read_input(plan, max_bytes=size - 1)
    assert info.value.code == "too_large"
    sparse = tmp_path / "sparse.pdf"
    with sparse.open("wb") as fh:
        fh.truncate(10**12)
    with pytest.raises(FileTooLargeError):
        read_input(sparse, max_bytes=10**6)


def test_parse_pdf_reads_through_the_check(tmp_path: Path) -> None:
    entries = hostile.make_special_entries(tmp_path)
    with pytest.raises(NotRegularFileError):
        parse_pdf(entries["fifo"], kind="plan", settings=NO_OCR)
    big = write_plan_pdf(tmp_path / "big.pdf", list(SAMPLE_PLAN_PAGES))
    with pytest.raises(FileTooLargeError):
        parse_pdf(big, kind="plan", settings=Settings(ocr_enabled=False, max_file_bytes=1000))


# -- hostile PDFs ----------------------------------------------------------------------------------

HOSTILE_PDFS: dict[str, tuple[Callable[[], bytes], type[IngestError], str]] = {
    "self_reference": (hostile.self_reference_pdf, PdfLimitError, "limit"),
    "nested_arrays": (hostile.nested_arrays_pdf, PdfLimitError, "limit"),
    "cyclic_page_tree": (hostile.cyclic_page_tree_pdf, CorruptPdfError, "corrupt"),
    "bomb_over_pypdf_limit": (
        lambda: hostile.bomb_pdf(1, hostile.PYPDF_STREAM_LIMIT + 5_000_000),
        ContentTooLargeError,
        "content_too_large",
    ),
    "bomb_under_pypdf_limit": (
        lambda: hostile.bomb_pdf(3, hostile.PYPDF_STREAM_LIMIT - 5_000_000),
        ContentTooLargeError,
        "content_too_large",
    ),
    "too_many_pages": (lambda: hostile.many_pages_pdf(301), TooManyPagesError, "too_many_pages"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PDFS))
def test_hostile_pdfs_are_typed_errors_with_their_own_message(tmp_path: Path, name: str) -> None:
    make, error, code = HOSTILE_PDFS[name]
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(make())

    with pytest.raises(error) as info:
        parse_pdf(path, kind="plan", settings=NO_OCR)

    assert info.value.code == code
    assert NoTextLayerError.message_ja not in info.value.message, "a bomb is not a scan"
    _one_line_typed(info, path.name)


def test_a_page_over_budget_is_skipped_with_its_own_notice_and_the_others_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "one_bad_page.pdf"
    bomb = b"0 0 m\n" * (hostile.PYPDF_STREAM_LIMIT // 7)
    path.write_bytes(
        hostile.page_tree_pdf([hostile.text_page("Plan summary"), bomb, hostile.text_page("KPI")])
    )

    doc = parse_pdf(path, kind="plan", settings=NO_OCR)

    assert [p.text for p in doc.pages] == ["Plan summary", "", "KPI"]
    assert doc.pages[1].status == "no_text"
    [notice] = doc.notices
    assert notice.page == 2 and notice.kind == "other"
    assert "展開後" in notice.message and "テキスト層がありません" not in notice.message


def test_a_file_over_the_total_budget_is_refused(tmp_path: Path) -> None:
    """Each page under its budget, together over the file's: the budget counts every page it reads."""
    path = tmp_path / "heavy.pdf"
    page = hostile.text_page("Plan") + b"\n" + b"0 0 m\n" * 15_000
    path.write_bytes(hostile.page_tree_pdf([page] * 5))
    settings = Settings(ocr_enabled=False, max_page_stream_bytes=100_000, max_file_stream_bytes=250_000)

    assert len(parse_pdf(path, kind="plan", settings=NO_OCR).pages) == 5
    with pytest.raises(ContentTooLargeError) as info:
        parse_pdf(path, kind="plan", settings=settings)
    assert "250,000" in info.value.message


def test_a_broken_page_label_tree_only_costs_the_labels(tmp_path: Path) -> None:
    path = tmp_path / "labels.pdf"
    path.write_bytes(hostile.self_referencing_labels_pdf())

    doc = parse_pdf(path, kind="plan", settings=NO_OCR)

    assert [(p.page, p.label, p.text) for p in doc.pages] == [(1, None, "Hello plan")]


# -- folders of a batch ----------------------------------------------------------------------------


def test_discovery_survives_links_loops_and_special_files(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    entries = hostile.make_special_entries(inp)
    plan = write_plan_pdf(inp / "sub" / "plan.pdf", list(SAMPLE_PLAN_PAGES))
    (inp / "sub" / "again.pdf").symlink_to(plan)
    (inp / "sub" / "up").symlink_to(inp, target_is_directory=True)
    loose_loop = tmp_path / "loose.pdf"
    loose_loop.symlink_to(loose_loop.name)

    found = discover_inputs([inp, loose_loop, tmp_path / "missing.pdf", plan])

    assert [item.path for item in found] == [
        entries["dangling"],
        entries["dev_zero"],
        entries["dir_link"],
        entries["fifo"],
        entries["loop"],
        inp / "sub" / "again.pdf",
        loose_loop,
        tmp_path / "missing.pdf",
    ], "the link and the explicit path reach plan.pdf too: it is listed once; the folder link is not walked"
    assert all(item.error is None for item in found)


def _without_root_file_access() -> Callable[[], None] | None:
    """Root reads any folder whatever its mode; a child without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    in its bounding set is refused like anyone else. prctl is looked up here, before the fork."""
    if os.geteuid() != 0:
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def drop() -> None:
        for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def test_a_folder_that_cannot_be_listed_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    write_plan_pdf(inp / "open" / "plan.pdf", list(SAMPLE_PLAN_PAGES))
    (inp / "closed").mkdir()
    (inp / "closed").chmod(0)
    out = tmp_path / "out"
    env = {**os.environ, "RA_DATA_DIR": str(tmp_path / "data"), "RA_OCR_ENABLED": "false"}
    try:
        # Only the unlistable folder is given, so no worker (and no model) is needed to see its row.
        proc = subprocess.run(
            [CLI, "batch", str(inp / "closed"), "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            preexec_fn=_without_root_file_access(),  # noqa: PLW1509 - prctl only, resolved before the fork
        )
    finally:
        (inp / "closed").chmod(0o755)

    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    with (out / "files.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["file"], r["status"], r["error"].split(":")[0]) for r in rows] == [
        ((inp / "closed").as_posix(), "error", "unreadable")
    ]
    assert "cannot list the folder" in rows[0]["error"]


# -- the kept copy of a saved plan -----------------------------------------------------------------


def test_a_truncated_kept_copy_is_repaired_on_the_next_save(tmp_path: Path) -> None:
    """A kill in the middle of the copy leaves a short file under the right name; it must not be trusted."""
    ra = ReviewAssistant(Settings(data_dir=tmp_path / "data", ocr_enabled=False))
    plan = write_plan_pdf(tmp_path / "plan.pdf", list(SAMPLE_PLAN_PAGES))
    data = plan.read_bytes()
    digest = content_hash(data)
    kept = tmp_path / "data" / "plans" / f"{digest}.pdf"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(data[: len(data) // 3])
    assessment = Assessment(plan=plan.name, plan_type="B", backend="offline", items=[])

    view = ra.save(assessment, plan)

    assert Path(view.pdf_path or "") == kept
    assert kept.read_bytes() == data
    assert [p.name for p in kept.parent.iterdir()] == [kept.name], "no temporary file is left behind"
    before = kept.stat().st_mtime_ns
    ra.save(assessment, plan)
    assert kept.stat().st_mtime_ns == before, "an intact copy is reused, not rewritten"

    plan.write_bytes(data + b"\n% edited after the assessment\n")
    kept.unlink()
    with pytest.raises(FileChangedError):
        ra.plans.keep_copy(plan, digest)
    assert not kept.exists()
