"""Typed errors with messages a reviewer can act on.

Each ingest failure has a stable ``code`` (used in batch ``files.csv``) and a Japanese message with
an English gloss, because the people who see them work in Japanese but logs are read by IT staff.
"""

from __future__ import annotations


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
