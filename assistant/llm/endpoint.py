"""Where plan text may go: loopback endpoints, or endpoints the operator explicitly allowed."""

from __future__ import annotations

from urllib.parse import urlparse

from assistant.domain.errors import PlanEndpointNotAllowedError
from assistant.settings import Settings

#: What an unset ``llm_base_url`` means. Passed to the client explicitly, so that OPENAI_BASE_URL,
#: OPENAI_API_BASE or a LangSmith gateway in the environment cannot move the endpoint somewhere
#: the allow-list was never asked about.
OPENAI_BASE_URL = "https://api.openai.com/v1"


def endpoint_url(settings: Settings) -> str:
    return settings.llm_base_url or OPENAI_BASE_URL


def url_may_receive_plans(settings: Settings, url: str) -> bool:
    """The very rule of :meth:`Settings.llm_may_receive_plans`, applied to any URL (a request about to
    be sent, a proxy), so the early check and the per-request check can never disagree."""
    return settings.model_copy(update={"llm_base_url": url}).llm_may_receive_plans()


def ensure_plan_allowed(settings: Settings) -> None:
    """Plans are confidential; call this before any request that carries plan text.

    It is the early, friendly check: the HTTP clients (:mod:`assistant.llm.http`) apply the same
    rule again to every request they actually send.
    """
    if not settings.llm_may_receive_plans():
        raise plan_refused(endpoint_url(settings))
    if settings.llm_proxy and not url_may_receive_plans(settings, settings.llm_proxy):
        raise plan_refused(settings.llm_proxy, proxy=True)


def plan_refused(url: str, *, proxy: bool = False) -> PlanEndpointNotAllowedError:
    """Names the host only: a proxy URL may carry a password."""
    host = urlparse(url).hostname or "?"
    if proxy:
        return PlanEndpointNotAllowedError(
            f"計画書の内容はこのプロキシ（{host}）経由で送信できません。"
            "llm_proxy を外すか、ローカルのプロキシを使うか、プロキシのホストを llm_allowed_hosts に追加してください"
            f" / plan text may only pass through a loopback proxy or one listed in llm_allowed_hosts ({host})"
        )
    return PlanEndpointNotAllowedError(
        f"計画書の内容はこのLLM接続先（{host}）に送信できません。"
        "ローカル（127.0.0.1 など）の接続先を使うか、送信を許可するホストを llm_allowed_hosts に追加してください"
        f" / plan text may only be sent to loopback endpoints or hosts listed in llm_allowed_hosts ({host})"
    )
