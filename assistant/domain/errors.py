"""Typed errors with messages a reviewer can act on.

Each ingest failure has a stable ``code`` (used in batch ``files.csv``) and a Japanese message with
an English gloss, because the people who see them work in Japanese but logs are read by IT staff.
"""

from __future__ import annotations

from datetime import datetime


class ReviewAssistantError(Exception):
    """Base class: anything the CLI reports as a clean error instead of a traceback."""

    code = "error"


class IngestError(ReviewAssistantError):
    code = "corrupt"
    message_ja = "ファイルを読み込めませんでした"

    def __init__(self, source: str, detail: str = "") -> None:
        self.source = source
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.source}: {self.message_ja}{extra}"


class EmptyFileError(IngestError):
    code = "empty"
    message_ja = "空のファイルです / the file is empty"


class NotPdfError(IngestError):
    code = "not_pdf"
    message_ja = "PDFではありません / not a PDF file"


class EncryptedPdfError(IngestError):
    code = "encrypted"
    message_ja = "パスワードで保護されたPDFです。保護を解除して再提出してください / password-protected PDF"


class CorruptPdfError(IngestError):
    code = "corrupt"
    message_ja = "PDFが破損しているか途中で切れています / corrupt or truncated PDF"


class NoTextLayerError(IngestError):
    code = "no_text"
    message_ja = (
        "テキスト層がありません（スキャン画像のみ）。OCRが必要です / no text layer (scanned); OCR needed"
    )


class GarbledTextError(IngestError):
    code = "garbled"
    message_ja = "文字化けしたテキストです（フォントの文字対応表が欠落） / garbled text (broken font mapping)"


class AccessDeniedError(ReviewAssistantError):
    code = "forbidden"


class LLMUnavailableError(ReviewAssistantError):
    """Timeout, 429/5xx after retries, or output that stayed invalid after one re-ask."""

    code = "llm_unavailable"


class PlanEndpointNotAllowedError(ReviewAssistantError):
    """Plan text may only go to loopback endpoints or hosts the user explicitly allowed."""

    code = "endpoint_not_allowed"


class ConflictError(ReviewAssistantError):
    """Someone else changed the item since it was read (optimistic version check)."""

    code = "conflict"


class NotFoundError(ReviewAssistantError):
    code = "not_found"


class PromptTemplateError(ReviewAssistantError):
    """A prompt file is missing or its placeholders do not match what the code fills in."""

    code = "prompt"


class InvalidRequestError(ReviewAssistantError):
    """A request the rules refuse whoever makes it (an override without a reason …)."""

    code = "invalid"


class NotVisibleError(NotFoundError, AccessDeniedError):
    """What a prefecture user is told about any plan or submission they may not see, or that does not
    exist: one type and one wording for both, so a refusal cannot be used to learn which ids, content
    hashes or server paths exist. It is both a miss and a refusal, so either ``except`` catches it."""

    code = "not_found"


class StoreBusyError(ReviewAssistantError):
    """Another process held the review store's write lock for longer than ``store_busy_timeout``."""

    code = "store_busy"


class StoreCorruptError(ReviewAssistantError):
    """The review store file is not a usable SQLite database (garbage, truncated, another format)."""

    code = "store_corrupt"


class DecisionConflictError(ConflictError):
    """A decision would replace one the writer has not seen: another reviewer's decision written over
    without naming its version, or a version that is no longer current.

    The fields let a screen show the decision that stands without parsing the message; ``reviewer``,
    ``verdict`` and ``decided_at`` are ``None`` when the item has no decision yet.
    """

    def __init__(
        self,
        message: str,
        *,
        criterion_id: str,
        reviewer: str | None,
        verdict: str | None,
        decided_at: datetime | None,
        current_version: int,
        expected_version: int | None,
    ) -> None:
        super().__init__(message)
        self.criterion_id = criterion_id
        self.reviewer = reviewer
        self.verdict = verdict
        self.decided_at = decided_at
        self.current_version = current_version
        self.expected_version = expected_version


# --- Hostile or broken inputs: refused before or during parsing, each with its own code ------------


class FileMissingError(IngestError):
    code = "not_found"
    message_ja = "ファイルが見つかりません / no such file"


class DanglingLinkError(IngestError):
    code = "dangling_link"
    message_ja = "リンク先のファイルがありません（壊れたシンボリックリンク） / dangling symbolic link"


class LinkLoopError(IngestError):
    code = "link_loop"
    message_ja = "シンボリックリンクが循環しています / symbolic link loop"


class NotRegularFileError(IngestError):
    """Directories, FIFOs, sockets and devices: reading them would fail, block or never end."""

    code = "not_a_file"
    message_ja = "通常のファイルではありません / not a regular file"


class UnreadableFileError(IngestError):
    code = "unreadable"
    message_ja = "ファイルを読み取れません（権限または入出力エラー） / cannot read the file"


class FileTooLargeError(IngestError):
    code = "too_large"
    message_ja = "ファイルが大きすぎます / file too large"


class TooManyPagesError(IngestError):
    code = "too_many_pages"
    message_ja = "ページ数が上限を超えています / too many pages"


class PdfLimitError(IngestError):
    """pypdf stopped at one of its safety limits: reference loops, cyclic page trees, deep nesting."""

    code = "limit"
    message_ja = (
        "PDFの構造が異常です（循環参照・過度な入れ子など。安全のため読み込みを中止しました）"
        " / malformed PDF structure hit a safety limit"
    )


class ContentTooLargeError(IngestError):
    """The decompressed page content is far beyond any real plan's: a decompression bomb, or close."""

    code = "content_too_large"
    message_ja = (
        "ページの内容が展開後に大きすぎます（圧縮爆弾の可能性。安全のため読み込みを中止しました）"
        " / decompressed page content over the safety budget"
    )


class UnsupportedPdfError(IngestError):
    code = "unsupported"
    message_ja = "このPDFの形式には対応していません / PDF feature not supported"


class ProcessingTimeoutError(IngestError):
    code = "timeout"
    message_ja = "処理が制限時間内に終わりませんでした / processing exceeded the time limit"


class FileChangedError(IngestError):
    """The file's bytes differ from those just assessed: it was replaced while being saved."""

    code = "changed"
    message_ja = (
        "保存中にファイルが変更されました。もう一度保存してください / the file changed while being saved"
    )


# --- Word documents (.docx): refused before python-docx parses them, each with its own message -------


class NotDocxError(IngestError):
    """Not a ZIP package at all, or a ZIP without a Word document in it (an Excel file, a renamed PDF)."""

    code = "not_docx"
    message_ja = "Word文書（.docx）ではありません / not a Word (.docx) file"


class LegacyDocError(IngestError):
    """An old binary Word file (.doc, an OLE2 compound file) carrying a .docx name."""

    code = "legacy_doc"
    message_ja = (
        "旧形式のWord文書（.doc）です。Wordで .docx 形式またはPDFで保存し直して提出してください"
        " / old binary Word (.doc) file; save it as .docx or PDF"
    )


class EncryptedDocxError(IngestError):
    """Word stores a password-protected .docx as an OLE2 file holding an ``EncryptedPackage`` stream."""

    code = "encrypted"
    message_ja = "パスワードで保護されたWord文書です。保護を解除して再提出してください / password-protected Word document"


class CorruptDocxError(IngestError):
    code = "corrupt"
    message_ja = "Word文書が破損しているか途中で切れています / corrupt or truncated Word document"


class DocxMissingPartError(IngestError):
    """The package names its main document part (``word/document.xml``) but does not contain it."""

    code = "missing_part"
    message_ja = "Word文書に本文（word/document.xml）がありません / no word/document.xml in the package"


class DocxTooLargeError(ContentTooLargeError):
    """The ZIP declares more uncompressed bytes (or more parts) than any real plan has: a ZIP bomb, or close."""

    message_ja = (
        "Word文書の展開後のサイズまたは部品数が上限を超えています（圧縮爆弾の可能性。安全のため読み込みを中止しました）"
        " / .docx over the safety budget (uncompressed size or number of parts)"
    )


class DocxNoTextError(IngestError):
    code = "no_text"
    message_ja = "Word文書に本文のテキストがありません / the Word document has no text"
