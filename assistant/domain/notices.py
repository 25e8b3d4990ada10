"""Warnings with a kind, so screens and reports sort them without searching their wording.

The message is what users read (Japanese first); the kind decides presentation (an injected
instruction gets the red box) and policy (a plan with an injection never gets a positive LLM
verdict without review).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

NoticeKind = Literal["injection", "ocr", "no_text", "garbled", "type_unsure", "llm_fallback", "other"]


class Notice(BaseModel):
    kind: NoticeKind
    message: str
    page: int | None = None

    @property
    def is_danger(self) -> bool:
        return self.kind == "injection"


def messages(notices: list[Notice]) -> list[str]:
    return [n.message for n in notices]
