"""LLM plumbing against a scripted OpenAI-compatible HTTP server, through the real openai client."""

from __future__ import annotations

import socket
import time
from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel
from support.fake_openai import FakeOpenAI, HTTPError, Reply

from assistant.domain.errors import LLMUnavailableError, PlanEndpointNotAllowedError
from assistant.llm import client as llm
from assistant.llm.endpoint import ensure_plan_allowed
from assistant.settings import Settings


class Finding(BaseModel):
    verdict: Literal["met", "not_met"]
    reason: str
    keys: list[str]


MESSAGES = [
    SystemMessage("審査補助です。JSONで答えてください。"),
    HumanMessage("要件1は満たされていますか？"),
]
GOOD = Finding(verdict="met", reason="計画書に記載があります【S1】", keys=["S1"])


def only_known_keys(finding: Finding) -> list[str]:
    return [f"keys: {k} は提示された資料にありません" for k in finding.keys if k not in {"S1", "S2"}]


def test_structured_round_trip_sends_strict_json_schema(fake_openai, fake_llm_settings):
    fake_openai.add(GOOD)

    obj, errors = llm.structured_call(fake_llm_settings, MESSAGES, Finding, only_known_keys)

    assert (obj, errors) == (GOOD, [])
    [request] = fake_openai.requests
    assert request["model"] == "fake-model"
    assert request["temperature"] == 0
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert request["messages"][1]["content"] == "要件1は満たされていますか？"
    fmt = request["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Finding"
    assert fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert set(schema["required"]) == {"verdict", "reason", "keys"}
    assert schema["additionalProperties"] is False
    assert schema["properties"]["verdict"]["enum"] == ["met", "not_met"]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ('{"verdict": "maybe", "reason": "x", "keys": []}', "verdict"),
        ('{"verdict": "met", "reason": ', "JSON"),
        ("はい、満たされています。", "JSON"),
    ],
    ids=["schema-invalid", "truncated-json", "prose"],
)
def test_unparsable_reply_is_reasked_once(fake_openai, fake_llm_settings, bad, problem):
    fake_openai.add(bad, GOOD)

    obj, errors = llm.structured_call(fake_llm_settings, MESSAGES, Finding)

    assert (obj, errors) == (GOOD, [])
    first, second = fake_openai.requests
    assert second["messages"][:2] == first["messages"]
    assert second["messages"][2] == {"role": "assistant", "content": bad}
    reask = second["messages"][3]
    assert reask["role"] == "user"
    assert problem in reask["content"]
    assert "JSON スキーマ" in reask["content"]
    assert second["response_format"] == first["response_format"]


def test_validation_error_is_sent_back_and_fixed(fake_openai, fake_llm_settings):
    fake_openai.add(Finding(verdict="met", reason="根拠【S9】", keys=["S9"]), GOOD)

    obj, errors = llm.structured_call(fake_llm_settings, MESSAGES, Finding, only_known_keys)

    assert (obj, errors) == (GOOD, [])
    reask = fake_openai.requests[1]["messages"][-1]["content"]
    assert "- keys: S9 は提示された資料にありません" in reask


def test_validation_error_twice_returns_the_remaining_errors(fake_openai, fake_llm_settings):
    still_wrong = Finding(verdict="not_met", reason="根拠【S7】【S1】", keys=["S7", "S1"])
    fake_openai.add(Finding(verdict="met", reason="根拠【S9】", keys=["S9"]), still_wrong)

    obj, errors = llm.structured_call(fake_llm_settings, MESSAGES, Finding, only_known_keys)

    assert obj == still_wrong
    assert errors == ["keys: S7 は提示された資料にありません"]
    assert len(fake_openai.requests) == 2


def test_malformed_twice_raises_unavailable(fake_openai, fake_llm_settings):
    fake_openai.add("{not json", '{"verdict": "met"}')

    with pytest.raises(LLMUnavailableError, match="re-ask"):
        llm.structured_call(fake_llm_settings, MESSAGES, Finding)
    assert len(fake_openai.requests) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_http_error_is_retried_by_the_client(fake_openai, fake_llm_settings, status):
    fake_openai.add(HTTPError(status), GOOD)
    settings = fake_llm_settings.model_copy(update={"llm_max_retries": 1})

    started = time.monotonic()
    obj, errors = llm.structured_call(settings, MESSAGES, Finding)

    assert (obj, errors) == (GOOD, [])
    assert len(fake_openai.requests) == 2
    assert time.monotonic() - started < 2


def test_rate_limit_after_retries_raises_unavailable(fake_openai, fake_llm_settings):
    fake_openai.add(HTTPError(429, "Rate limit reached"), HTTPError(429, "Rate limit reached"))
    settings = fake_llm_settings.model_copy(update={"llm_max_retries": 1})

    with pytest.raises(LLMUnavailableError, match="Rate limit reached"):
        llm.structured_call(settings, MESSAGES, Finding)
    assert fake_openai.remaining == 0


def test_slow_reply_beyond_timeout_raises_unavailable(fake_openai, fake_llm_settings):
    fake_openai.add(Reply(GOOD.model_dump_json(), delay=5))
    settings = fake_llm_settings.model_copy(update={"llm_timeout": 0.5})

    started = time.monotonic()
    with pytest.raises(LLMUnavailableError, match="Timeout"):
        llm.structured_call(settings, MESSAGES, Finding)
    assert time.monotonic() - started < 3


def test_refused_connection_raises_unavailable(fake_llm_settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = fake_llm_settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{port}/v1"})

    with pytest.raises(LLMUnavailableError, match="Connection"):
        llm.structured_call(settings, MESSAGES, Finding)


def test_azure_provider_uses_the_deployment_url(fake_openai, fake_llm_settings):
    fake_openai.add(GOOD)
    settings = fake_llm_settings.model_copy(
        update={
            "llm_provider": "azure",
            "llm_base_url": f"http://127.0.0.1:{fake_openai.port}",
            "llm_model": "review-gpt",
            "llm_api_version": "2024-10-21",
        }
    )

    obj, _ = llm.structured_call(settings, MESSAGES, Finding)

    assert obj == GOOD
    assert fake_openai.paths == ["/openai/deployments/review-gpt/chat/completions?api-version=2024-10-21"]


def test_stream_text_yields_the_deltas(fake_openai, fake_llm_settings):
    fake_openai.add(Reply("要件は三つあります。", chunks=["要件は", "三つ", "あります。"]))

    deltas = list(llm.stream_text(fake_llm_settings, MESSAGES))

    assert deltas == ["要件は", "三つ", "あります。"]
    [request] = fake_openai.requests
    assert request["stream"] is True
    assert "response_format" not in request


def test_stream_text_error_raises_unavailable(fake_openai, fake_llm_settings):
    fake_openai.add(HTTPError(500, "backend exploded"))

    with pytest.raises(LLMUnavailableError, match="backend exploded"):
        list(llm.stream_text(fake_llm_settings, MESSAGES))


def test_extract_citation_keys_on_flush_japanese_text():
    text = "要件です【S3】。また【S12】【S2】、再掲【S3】。半角[S4]や空白入り【 S5 】も。参考【注1】、本文中のS6は対象外"

    assert llm.extract_citation_keys(text) == ["S3", "S12", "S2", "S4", "S5"]
    assert llm.CITATION_KEY_RE.search("根拠【S3】").group(1) == "S3"
    assert llm.extract_citation_keys("引用なし") == []


def test_backend_name(fake_llm_settings):
    assert llm.backend_name(fake_llm_settings) == "llm:fake-model"


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080/v1", "http://localhost:11434/v1"])
def test_plans_may_go_to_loopback(base_url):
    ensure_plan_allowed(Settings(llm_model="m", llm_base_url=base_url))


@pytest.mark.parametrize(
    ("base_url", "host"),
    [
        (None, "api.openai.com"),
        ("https://api.openai.com/v1", "api.openai.com"),
        ("https://llm.example.jp/v1", "llm.example.jp"),
    ],
)
def test_plans_refused_for_remote_hosts_by_default(base_url, host):
    with pytest.raises(PlanEndpointNotAllowedError, match=host) as info:
        ensure_plan_allowed(Settings(llm_model="m", llm_base_url=base_url))
    assert "計画書" in str(info.value)


@pytest.mark.parametrize("base_url", [None, "https://api.openai.com/v1"])
def test_plans_allowed_for_listed_host(base_url):
    ensure_plan_allowed(Settings(llm_model="m", llm_base_url=base_url, llm_allowed_hosts=["api.openai.com"]))


def test_fake_server_fails_loudly_when_script_runs_out(fake_openai, fake_llm_settings):
    with pytest.raises(LLMUnavailableError, match="no scripted reply left"):
        llm.structured_call(fake_llm_settings, MESSAGES, Finding)


def test_scripted_callable_sees_the_request():
    def echo_keys(body: dict) -> Finding:
        keys = llm.extract_citation_keys(body["messages"][-1]["content"])
        return Finding(verdict="met", reason="引用", keys=keys)

    with FakeOpenAI([echo_keys]) as srv:
        settings = Settings(llm_model="fake-model", llm_base_url=srv.base_url, llm_max_retries=0)
        obj, _ = llm.structured_call(settings, [HumanMessage("資料【S2】と【S1】")], Finding)

    assert obj.keys == ["S2", "S1"]


class _Malformed:
    """A real HTTP server answering every chat request 200 with a body that is not a completion."""

    def __init__(self, body: bytes) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    "body", [b"{}", b'{"choices": null}', b"not json", b'{"choices": [{"message": null}]}', b"[]"]
)
def test_a_reply_that_is_not_a_completion_is_an_unavailable_endpoint(body: bytes) -> None:
    server = _Malformed(body)
    try:
        settings = Settings(llm_model="m", llm_base_url=server.base_url, llm_max_retries=0)
        with pytest.raises(LLMUnavailableError, match="malformed LLM reply"):
            llm.structured_call(settings, MESSAGES, Finding, only_known_keys)
        with pytest.raises(LLMUnavailableError, match="malformed LLM reply"):
            list(llm.stream_text(settings, MESSAGES))
    finally:
        server.close()
