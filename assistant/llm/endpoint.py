"""Where plan text may go: loopback endpoints, or endpoints the operator explicitly allowed."""

from __future__ import annotations

from urllib.parse import urlparse

from assistant.domain.errors import PlanEndpointNotAllowedError
from assistant.settings import Settings


def ensure_plan_allowed(settings: Settings) -> None:
    """Plans are confidential; call this before any request that carries plan text."""
    if settings.llm_may_receive_plans():
        return
    host = urlparse(settings.llm_base_url).hostname if settings.llm_base_url else "api.openai.com"
    raise PlanEndpointNotAllowedError(
        f"計画書の内容はこのLLM接続先（{host}）に送信できません。"
        "ローカル（127.0.0.1 など）の接続先を使うか、送信を許可するホストを llm_allowed_hosts に追加してください"
        f" / plan text may only be sent to loopback endpoints or hosts listed in llm_allowed_hosts ({host})"
    )
