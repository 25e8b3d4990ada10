"""Plumbing smoke test against a real llama.cpp server and a real small model.

It checks that what :mod:`assistant.llm` sends is accepted by a real OpenAI-compatible server
and that what comes back parses, not how good the answers are. The binary and model are built
and fetched by ``scripts/llm_test_server.sh``; this test never downloads anything.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from assistant.llm import client as llm
from assistant.settings import Settings

pytestmark = pytest.mark.slow

CACHE = Path(os.environ.get("RA_LLM_CACHE") or Path.home() / ".cache" / "review-assistant")
MODEL = CACHE / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SERVER = CACHE / "llama-server"
HEALTH_TIMEOUT_S = 180


class CountryFact(BaseModel):
    country: str
    capital: str
    in_asia: Literal["yes", "no"]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = [str(p) for p in (SERVER, MODEL) if not p.is_file()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/llm_test_server.sh first", pytrace=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    command = [str(SERVER), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port)]
    command += ["-c", "4096", "-np", "1", "-t", "2"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/health", log_path)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama-server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"llama-server not healthy after {HEALTH_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def real_settings(llama_server: str, tmp_path: Path) -> Settings:
    """A generous timeout: on two CPU cores the model can stall while it processes the prompt."""
    return Settings(
        llm_model="qwen2.5-coder-0.5b-instruct",
        llm_base_url=llama_server,
        llm_timeout=300.0,
        llm_max_retries=0,
        llm_max_tokens=400,
        data_dir=tmp_path / "data",
    )


def test_structured_call_returns_schema_valid_object(real_settings):
    messages = [
        SystemMessage("You answer with one JSON object."),
        HumanMessage("Give the country Japan, its capital, and whether it is in Asia (yes or no)."),
    ]

    obj, errors = llm.structured_call(real_settings, messages, CountryFact)

    assert isinstance(obj, CountryFact)
    assert errors == []


def test_stream_text_yields_deltas(real_settings):
    messages = [HumanMessage("Say hello in one short sentence.")]

    deltas = list(llm.stream_text(real_settings, messages))

    assert any(d.strip() for d in deltas)
    assert all(isinstance(d, str) and d for d in deltas)


def test_ask_end_to_end_with_the_real_model(real_settings, corpus_data_dir):
    """The whole Q&A path over real HTTP: whatever the small model writes, what comes out is
    either its verified answer or the offline fallback, and every quote checks out."""
    import shutil

    from assistant.api import ReviewAssistant
    from assistant.text.grounding import verify_citation

    shutil.copytree(corpus_data_dir, real_settings.data_dir)
    ra = ReviewAssistant(real_settings.model_copy(update={"top_k": 3}))
    answer = ra.ask("地場産業成長プランの外部依存性の要件は？")

    assert answer.backend in {"llm:qwen2.5-coder-0.5b-instruct", "offline"}
    docs = {ra.lookup(c.doc_id).source: ra.lookup(c.doc_id) for c in ra.index.snapshot().chunks}
    assert all(verify_citation(c, docs[c.source]) for c in answer.citations)
    if answer.answerable:
        assert answer.citations
