"""Broken and hostile .docx files: each kind is its own typed error with its own one-line message, in the
library and through the real CLI (exit 1, no traceback, bounded memory).

The files are real (see ``support.word_files``): python-docx documents damaged the ways uploads get
damaged, a ZIP bomb of 200 MB of spaces, a ZIP that understates its sizes, a compound file like the
one Word writes for a password-protected document, and a real .doc from LibreOffice.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.word_files import BROKEN

from assistant.domain.errors import (
    ContentTooLargeError,
    CorruptDocxError,
    DocxMissingPartError,
    DocxNoTextError,
    DocxTooLargeError,
    EmptyFileError,
    EncryptedDocxError,
    IngestError,
    LegacyDocError,
    NotDocxError,
)
from assistant.ingest import parse_plan
from assistant.settings import Settings

CLI = str(Path(sys.executable).with_name("review-assistant"))
ADDRESS_SPACE = 3 * 2**30
SETTINGS = Settings(ocr_enabled=False)

EXPECTED: dict[str, type[IngestError]] = {
    "empty": EmptyFileError,
    "not_a_zip": NotDocxError,
    "renamed_pdf": NotDocxError,
    "plain_zip": NotDocxError,
    "excel_renamed": NotDocxError,
    "truncated": CorruptDocxError,
    "missing_document_xml": DocxMissingPartError,
    "broken_xml": CorruptDocxError,
    "deeply_nested": CorruptDocxError,
    "broken_styles": CorruptDocxError,
    "zip_bomb": DocxTooLargeError,
    "lying_sizes": CorruptDocxError,
    "too_many_parts": DocxTooLargeError,
    "encrypted": EncryptedDocxError,
    "legacy_doc": LegacyDocError,
    "no_text": DocxNoTextError,
}
#: What tells each kind apart in its message, beyond the shared wording of its class.
DETAIL: dict[str, str] = {
    "not_a_zip": "ZIP形式ではありません",
    "renamed_pdf": "PDF",
    "plain_zip": "Office文書のZIPではありません",
    "excel_renamed": "Word文書以外のOffice文書",
    "truncated": "終端レコード",
    "missing_document_xml": "word/document.xml",
    "zip_bomb": "展開後",
    "lying_sizes": "CRC",
    "too_many_parts": "部品数",
    "encrypted": "パスワード",
    "legacy_doc": "旧形式",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("broken-docx")
    files = {}
    for name, (make, _) in BROKEN.items():
        files[name] = folder / f"{name}.docx"
        files[name].write_bytes(make())
    return files


def test_every_kind_is_covered() -> None:
    assert set(EXPECTED) == set(BROKEN)
    assert issubclass(DocxTooLargeError, ContentTooLargeError), "batch reports it like a PDF bomb"


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_each_broken_kind_is_its_own_typed_error(kind: str, broken: dict[str, Path]) -> None:
    path = broken[kind]
    with pytest.raises(IngestError) as info:
        parse_plan(path, settings=SETTINGS)
    error = info.value
    assert type(error) is EXPECTED[kind]
    assert error.code == BROKEN[kind][1]
    assert error.message.startswith(f"{path.name}: ") and " / " in error.message, "Japanese, then English"
    assert "\n" not in error.message
    assert DETAIL.get(kind, "") in error.message


def test_the_zip_bomb_is_refused_before_anything_is_inflated(broken: dict[str, Path]) -> None:
    """200 MB declared behind about 200 kB: refused from the central directory alone, and a tighter
    budget in the settings refuses a smaller document too."""
    assert broken["zip_bomb"].stat().st_size < 1_000_000
    with pytest.raises(DocxTooLargeError, match="200,"):
        parse_plan(broken["zip_bomb"], settings=SETTINGS)
    small = Settings(ocr_enabled=False, max_file_stream_bytes=10_000)
    with pytest.raises(DocxTooLargeError, match="10,000"):
        parse_plan(broken["no_text"], settings=small)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _assess(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "assess", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limited,
    )


def test_cli_reports_each_kind_in_one_line_with_exit_1(broken: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "RA_DATA_DIR": str(tmp_path / "data"), "RA_OCR_ENABLED": "false"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(broken, pool.map(lambda p: _assess(p, env), broken.values()), strict=True))
    for kind, proc in results.items():
        assert proc.returncode == 1, (kind, proc.stderr)
        assert proc.stdout == "", kind
        assert "Traceback" not in proc.stderr, (kind, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"エラー：{kind}.docx: "), (kind, proc.stderr)
        assert DETAIL.get(kind, "") in lines[0]
    messages = {proc.stderr.strip().split(": ", 1)[1] for proc in results.values()}
    assert len(messages) == len(results), "each kind of problem reads differently"
