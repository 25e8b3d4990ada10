"""Prompt templates live as files (``prompts/*.md``); this is the only code that reads them.

A template and the code that fills it can drift apart (a renamed placeholder, a deleted file), so
every load checks that the template's ``{placeholders}`` are exactly the values given, and says
which file is wrong instead of sending a half-filled prompt.
"""

from __future__ import annotations

import string

from assistant.domain.errors import PromptTemplateError
from assistant.settings import Settings


def load_prompt(settings: Settings, name: str, **values: str) -> str:
    path = settings.prompts_dir / f"{name}.md"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptTemplateError(
            f"プロンプト {path} を読み込めません / cannot read prompt template: {exc}"
        ) from exc
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    if fields != set(values):
        raise PromptTemplateError(
            f"プロンプト {path} の差し込み項目 {sorted(fields)} が {sorted(values)} と一致しません"
            f" / placeholders of {path.name} do not match the values given"
        )
    return template.format(**values) if values else template
