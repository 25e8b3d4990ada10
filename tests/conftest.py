# --- LLM plumbing fixtures (owner: llm) --------------------------------------------------------
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from assistant.settings import Settings


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """An empty scripted server; add replies with ``fake_openai.add(...)`` (see tests/fake_openai.py)."""
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def fake_llm_settings(fake_openai: FakeOpenAI, tmp_path: Path) -> Settings:
    """Settings pointed at ``fake_openai``: short timeout and no client retries, so one scripted
    reply answers one call; override with ``fake_llm_settings.model_copy(update={...})``."""
    return Settings(
        llm_model="fake-model",
        llm_base_url=fake_openai.base_url,
        llm_timeout=5.0,
        llm_max_retries=0,
        data_dir=tmp_path / "data",
    )


# --- end LLM plumbing fixtures -----------------------------------------------------------------
