"""Plan text leaves the machine only by routes the operator allowed: real proxies and redirecting
servers on 127.0.0.1 in front of the real langchain/openai/httpx stack.

``127.1`` is 127.0.0.1 to the operating system but not loopback to the allow rule, so it stands
for a host the guard must refuse while the test can still see whether anything arrived there.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel
from support.fake_openai import FakeOpenAI, Reply
from support.http_proxy import RecordingProxy, RecordingServer

from assistant.api import ReviewAssistant
from assistant.domain.errors import LLMUnavailableError, PlanEndpointNotAllowedError
from assistant.domain.models import AnswerDelta
from assistant.llm import client as llm
from assistant.llm.endpoint import ensure_plan_allowed
from assistant.llm.http import llm_http_clients
from assistant.settings import Settings

ELSEWHERE = "127.1"
PROXY_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "OPENAI_PROXY",
)
MESSAGES = [
    SystemMessage("審査補助です。JSONで答えてください。"),
    HumanMessage("計画書【S1】：売上目標350億円"),
]
STREAMED = Reply("要件は三つあります。", chunks=["要件は", "三つ", "あります。"])


class Finding(BaseModel):
    verdict: Literal["met", "not_met"]
    reason: str


GOOD = Finding(verdict="met", reason="計画書に記載があります【S1】")


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as srv:
        yield srv


@pytest.fixture
def elsewhere() -> Iterator[RecordingServer]:
    """Where a leak would land; it answers like an endpoint so a leaking client would carry on."""
    with RecordingServer(200, {"content-type": "application/json"}, b"{}") as srv:
        assert not Settings(llm_base_url=srv.url(ELSEWHERE)).llm_may_receive_plans()
        yield srv


def _redirect_to(target: RecordingServer, status: int = 307) -> RecordingServer:
    return RecordingServer(status, {"location": f"{target.url(ELSEWHERE)}/v1/chat/completions"})


def _azure(settings: Settings, srv: FakeOpenAI) -> Settings:
    return settings.model_copy(
        update={
            "llm_provider": "azure",
            "llm_base_url": f"http://127.0.0.1:{srv.port}",
            "llm_model": "review-gpt",
            "llm_api_version": "2024-10-21",
        }
    )


# (a) proxies named in the environment --------------------------------------------------------
@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_proxy_environment_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
    proxy: RecordingProxy,
    fake_openai: FakeOpenAI,
    fake_llm_settings: Settings,
    provider: str,
) -> None:
    for name in PROXY_ENV:
        monkeypatch.setenv(name, proxy.url())
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = fake_llm_settings if provider == "openai" else _azure(fake_llm_settings, fake_openai)
    fake_openai.add(GOOD, STREAMED)

    obj, errors = llm.structured_call(settings, MESSAGES, Finding)
    deltas = list(llm.stream_text(settings, MESSAGES))

    assert (obj, errors) == (GOOD, [])
    assert deltas == ["要件は", "三つ", "あります。"]
    assert len(fake_openai.requests) == 2
    assert proxy.requests == []


def test_environment_cannot_move_the_default_endpoint(
    monkeypatch: pytest.MonkeyPatch, proxy: RecordingProxy, elsewhere: RecordingServer, tmp_path: Path
) -> None:
    """OPENAI_BASE_URL/OPENAI_API_BASE would send the prompt somewhere the allow-list never saw.

    The loopback proxy stands in for the network: a call to api.openai.com shows up there as a
    CONNECT, which it refuses, so the test never leaves the machine.
    """
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.setenv(name, f"{elsewhere.url(ELSEWHERE)}/v1")
    settings = Settings(
        llm_model="gpt-x",
        llm_allowed_hosts=["api.openai.com"],
        llm_proxy=proxy.url(),
        llm_timeout=5.0,
        llm_max_retries=0,
        data_dir=tmp_path / "data",
    )

    with pytest.raises(LLMUnavailableError):
        llm.structured_call(settings, MESSAGES, Finding)

    assert elsewhere.requests == []
    assert [(r.method, r.target) for r in proxy.requests] == [("CONNECT", "api.openai.com:443")]


# (b) redirects -------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [302, 307, 308])
def test_redirect_is_never_followed(
    elsewhere: RecordingServer, fake_llm_settings: Settings, status: int
) -> None:
    with _redirect_to(elsewhere, status) as hop:
        settings = fake_llm_settings.model_copy(update={"llm_base_url": f"{hop.url()}/v1"})
        with pytest.raises(LLMUnavailableError, match="リダイレクト") as info:
            llm.structured_call(settings, MESSAGES, Finding)
        assert [r.method for r in hop.requests] == ["POST"]
    assert "redirects are never followed" in str(info.value)
    assert elsewhere.requests == []


def test_redirect_of_a_stream_is_never_followed(
    elsewhere: RecordingServer, fake_llm_settings: Settings
) -> None:
    with _redirect_to(elsewhere) as hop:
        settings = fake_llm_settings.model_copy(update={"llm_base_url": f"{hop.url()}/v1"})
        with pytest.raises(LLMUnavailableError, match="リダイレクト"):
            list(llm.stream_text(settings, MESSAGES))
        assert len(hop.requests) == 1
    assert elsewhere.requests == []


def test_assess_falls_back_offline_when_the_endpoint_redirects(
    elsewhere: RecordingServer, strong_b_pdf: Path, tmp_path: Path
) -> None:
    with _redirect_to(elsewhere) as hop:
        settings = Settings(
            data_dir=tmp_path / "data",
            ocr_enabled=False,
            llm_model="fake-model",
            llm_base_url=f"{hop.url()}/v1",
            llm_timeout=5.0,
            llm_max_retries=0,
        )
        result = ReviewAssistant(settings).assess(strong_b_pdf)
        assert len(hop.requests) == 1
    assert result.backend == "offline"
    [notice] = [n for n in result.notices if n.kind == "llm_fallback"]
    assert "リダイレクト" in notice.message and "オフライン" in notice.message
    assert len(result.items) == 15
    assert elsewhere.requests == []


# (c) a proxy named in settings ---------------------------------------------------------------
def test_configured_proxy_that_is_not_allowed_is_refused_for_plans(
    proxy: RecordingProxy, fake_openai: FakeOpenAI, fake_llm_settings: Settings
) -> None:
    fake_openai.add(GOOD)
    settings = fake_llm_settings.model_copy(update={"llm_proxy": proxy.url(ELSEWHERE)})

    with pytest.raises(PlanEndpointNotAllowedError, match="プロキシ"):
        ensure_plan_allowed(settings)
    with pytest.raises(PlanEndpointNotAllowedError, match=ELSEWHERE):
        llm.structured_call(settings, MESSAGES, Finding)
    with pytest.raises(PlanEndpointNotAllowedError, match=ELSEWHERE):
        list(llm.stream_text(settings, MESSAGES))

    assert proxy.requests == []
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("proxy_host", "allowed"),
    [("127.0.0.1", []), (ELSEWHERE, [ELSEWHERE])],
    ids=["loopback", "allow-listed"],
)
def test_allowed_proxy_carries_the_plan_call(
    proxy: RecordingProxy,
    fake_openai: FakeOpenAI,
    fake_llm_settings: Settings,
    proxy_host: str,
    allowed: list[str],
) -> None:
    fake_openai.add(GOOD)
    settings = fake_llm_settings.model_copy(
        update={"llm_proxy": proxy.url(proxy_host), "llm_allowed_hosts": allowed}
    )

    ensure_plan_allowed(settings)
    obj, _ = llm.structured_call(settings, MESSAGES, Finding)

    assert obj == GOOD
    [via] = proxy.requests
    assert (via.method, via.target) == ("POST", f"{fake_openai.base_url}/chat/completions")
    assert len(fake_openai.requests) == 1


def test_call_without_plan_text_may_use_any_configured_proxy(
    proxy: RecordingProxy, fake_openai: FakeOpenAI, fake_llm_settings: Settings
) -> None:
    fake_openai.add(GOOD)
    settings = fake_llm_settings.model_copy(update={"llm_proxy": proxy.url(ELSEWHERE)})

    obj, _ = llm.structured_call(settings, MESSAGES, Finding, carries_plan=False)

    assert obj == GOOD
    assert [r.method for r in proxy.requests] == ["POST"]


# (d) the request hook on every request -------------------------------------------------------
def test_request_hook_refuses_a_host_outside_the_allow_rule(
    elsewhere: RecordingServer, fake_openai: FakeOpenAI, fake_llm_settings: Settings
) -> None:
    url = f"{elsewhere.url(ELSEWHERE)}/v1/chat/completions"
    with llm_http_clients(fake_llm_settings, carries_plan=True) as clients:
        assert clients.sync.get(f"{fake_openai.base_url}/models").status_code == 200
        with pytest.raises(PlanEndpointNotAllowedError, match=ELSEWHERE):
            clients.sync.post(url, json={"messages": ["計画書の本文"]})
        with pytest.raises(PlanEndpointNotAllowedError, match=ELSEWHERE):
            asyncio.run(clients.async_.post(url, json={"messages": ["計画書の本文"]}))
    assert elsewhere.requests == []


def test_call_without_plan_text_reaches_only_the_configured_endpoint(fake_llm_settings: Settings) -> None:
    with RecordingServer() as configured, RecordingServer() as other:
        settings = fake_llm_settings.model_copy(update={"llm_base_url": f"{configured.url(ELSEWHERE)}/v1"})
        with llm_http_clients(settings, carries_plan=False) as clients:
            assert clients.sync.get(f"{configured.url(ELSEWHERE)}/v1/models").status_code == 200
            with pytest.raises(LLMUnavailableError, match="configured LLM endpoint"):
                clients.sync.get(f"{other.url(ELSEWHERE)}/v1/models")
        assert len(configured.requests) == 1
        assert other.requests == []


def test_redirect_is_refused_even_when_a_caller_asks_to_follow(
    elsewhere: RecordingServer, fake_llm_settings: Settings
) -> None:
    with _redirect_to(elsewhere) as hop:
        settings = fake_llm_settings.model_copy(update={"llm_base_url": f"{hop.url()}/v1"})
        with (
            llm_http_clients(settings, carries_plan=False) as clients,
            pytest.raises(LLMUnavailableError, match="リダイレクト"),
        ):
            clients.sync.post(f"{hop.url()}/v1/chat/completions", json={}, follow_redirects=True)
    assert elsewhere.requests == []


def test_guideline_question_may_still_use_a_remote_endpoint(ra: ReviewAssistant, strong_b_pdf: Path) -> None:
    """No plan text, no allow-list needed: only plan-carrying calls are held to it."""
    unanswerable = {"answerable": False, "answer": "ガイドラインに記載がありません。", "citations": []}
    with FakeOpenAI([unanswerable, unanswerable]) as srv:
        settings = ra.settings.model_copy(
            update={
                "llm_model": "fake-model",
                "llm_base_url": f"http://{ELSEWHERE}:{srv.port}/v1",
                "llm_timeout": 5.0,
                "llm_max_retries": 0,
            }
        )
        remote = ReviewAssistant(settings)
        answer = remote.ask("地域未来交付金の補助率は何％か")
        streamed = list(remote.stream_ask("地域未来交付金の補助率は何％か"))
        refused = remote.ask("この計画の外部依存性は？", plan=str(strong_b_pdf))
        assert len(srv.requests) == 2
    assert answer.backend == "llm:fake-model"
    assert "".join(e.text for e in streamed if isinstance(e, AnswerDelta)) == json.dumps(
        unanswerable, ensure_ascii=False
    )
    assert refused.backend == "offline" and "送信できません" in refused.answer
