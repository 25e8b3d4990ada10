"""HTTP clients for LLM calls that can reach only the routes the operator allowed.

Left alone, the openai client (under langchain) builds its own httpx client, which takes
HTTP_PROXY/HTTPS_PROXY/ALL_PROXY and ~/.netrc from the environment and follows redirects: either
route hands the whole prompt, plan text included, to a host the allow-list was never asked about.
The clients built here ignore the environment, turn every redirect into an error, use a proxy only
when settings name one, and check the URL of every request just before it is sent, so that no code
path (a redirect, a base URL taken from the environment, a later SDK change) reaches another host.

``openai.DefaultHttpxClient`` is whichever httpx flavour the installed SDK is built on (``httpx2``
for openai>=3, ``httpx`` before), with the SDK's own connection limits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

import openai

from assistant.domain.errors import LLMUnavailableError
from assistant.settings import Settings

from .endpoint import endpoint_url, plan_refused, url_may_receive_plans

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Request(Protocol):
    @property
    def url(self) -> object: ...


class _Response(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class LLMHttpClients:
    """The pair langchain wants: its sync and async paths each build their own client otherwise."""

    sync: openai.DefaultHttpxClient
    async_: openai.DefaultAsyncHttpxClient


@dataclass(frozen=True)
class RequestGuard:
    """The event hooks: the same allow rule as :func:`~assistant.llm.endpoint.ensure_plan_allowed`,
    applied to the host each request actually goes to.

    A call that carries no plan text (a question about the guideline alone) may still go to the
    configured endpoint when that endpoint is not on the allow-list, but nowhere else.
    """

    settings: Settings
    carries_plan: bool

    def check_request(self, request: _Request) -> None:
        url = str(request.url)
        if url_may_receive_plans(self.settings, url):
            return
        if self.carries_plan:
            raise plan_refused(url)
        if _origin(url) != _origin(endpoint_url(self.settings)):
            host = urlparse(url).hostname or "?"
            raise LLMUnavailableError(
                f"設定されたLLM接続先以外（{host}）には送信しません"
                f" / requests go only to the configured LLM endpoint, not to {host}"
            )

    def check_response(self, response: _Response) -> None:
        """A redirect could only be followed by sending the prompt again to wherever it points."""
        if 300 <= response.status_code < 400:
            location = response.headers.get("location", "")[:200]
            raise LLMUnavailableError(
                f"LLM接続先がリダイレクト（{response.status_code} → {location}）を返しました。"
                "リダイレクト先には送信しません"
                f" / the LLM endpoint answered with a redirect ({response.status_code} to {location});"
                " redirects are never followed"
            )

    async def acheck_request(self, request: _Request) -> None:
        self.check_request(request)

    async def acheck_response(self, response: _Response) -> None:
        self.check_response(response)


@contextmanager
def llm_http_clients(settings: Settings, *, carries_plan: bool) -> Iterator[LLMHttpClients]:
    """Clients for one call, closed after it (the async one is never opened by this package).

    Raises :class:`PlanEndpointNotAllowedError` before anything is sent when the call carries plan
    text and the configured proxy is neither loopback nor allowed.
    """
    proxy = settings.llm_proxy
    if proxy and carries_plan and not url_may_receive_plans(settings, proxy):
        raise plan_refused(proxy, proxy=True)
    guard = RequestGuard(settings, carries_plan)
    common: dict[str, Any] = {
        "trust_env": False,
        "follow_redirects": False,
        "timeout": settings.llm_timeout,
        "proxy": proxy,
    }
    sync = openai.DefaultHttpxClient(
        **common, event_hooks={"request": [guard.check_request], "response": [guard.check_response]}
    )
    async_ = openai.DefaultAsyncHttpxClient(
        **common, event_hooks={"request": [guard.acheck_request], "response": [guard.acheck_response]}
    )
    with sync:
        yield LLMHttpClients(sync=sync, async_=async_)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlparse(url)
    return parts.scheme, parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme)
