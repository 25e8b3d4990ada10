"""Plumbing to an OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI, or a local server).

Callers get three things: a structured call that either returns a validated pydantic object or
says clearly which checks still failed, a text stream for the chat UI, and one error type
(:class:`LLMUnavailableError`) for every way the endpoint can let them down, so each caller can
fall back to its offline path without knowing about HTTP, retries or the openai client.

Every call says whether it carries plan text (``carries_plan``, True unless the caller knows the
prompt holds none): the HTTP clients of :mod:`assistant.llm.http` then refuse any request whose
host the allow-list would refuse, whatever the route to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from langchain_openai import AzureChatOpenAI, ChatOpenAI
from pydantic import BaseModel, SecretStr, ValidationError

from assistant.domain.errors import LLMUnavailableError
from assistant.settings import Settings

from .endpoint import endpoint_url
from .http import LLMHttpClients, llm_http_clients
from .prompts import load_prompt

T = TypeVar("T", bound=BaseModel)

CITATION_KEY_RE = re.compile(r"[【\[]\s*(S[0-9]+)\s*[】\]]")

# Local servers (llama.cpp, vLLM, Ollama) ignore the key, but the openai client refuses to start
# without one.
_PLACEHOLDER_API_KEY = SecretStr("not-needed")


def extract_citation_keys(text: str) -> list[str]:
    """Keys in order of first appearance, so the caller can number citations as the reader sees them."""
    return list(dict.fromkeys(m.group(1) for m in CITATION_KEY_RE.finditer(text)))


def backend_name(settings: Settings) -> str:
    return f"llm:{settings.llm_model}"


def make_chat_model(settings: Settings, clients: LLMHttpClients, *, streaming: bool = False) -> BaseChatModel:
    """Temperature 0 because reviewers must be able to reproduce what the assistant told them.

    The HTTP clients are always ours (see :mod:`assistant.llm.http`), and ``openai_proxy`` is set to
    None because langchain would otherwise take it from OPENAI_PROXY in the environment.
    """
    common: dict[str, Any] = {
        "api_key": settings.llm_api_key or _PLACEHOLDER_API_KEY,
        "temperature": 0,
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_max_retries,
        "max_tokens": settings.llm_max_tokens,
        "streaming": streaming,
        "http_client": clients.sync,
        "http_async_client": clients.async_,
        "openai_proxy": None,
    }
    if settings.llm_provider == "azure":
        return AzureChatOpenAI(
            azure_endpoint=settings.llm_base_url,
            api_version=settings.llm_api_version,
            azure_deployment=settings.llm_model,
            **common,
        )
    return ChatOpenAI(model=settings.llm_model or "", base_url=endpoint_url(settings), **common)


def structured_call(
    settings: Settings,
    messages: list[BaseMessage],
    schema: type[T],
    validate: Callable[[T], list[str]] | None = None,
    *,
    carries_plan: bool = True,
) -> tuple[T, list[str]]:
    """Ask for JSON matching ``schema``; re-ask once with the problems if it is unusable.

    The schema is sent as an OpenAI strict ``json_schema`` response format (as
    ``with_structured_output(schema, method="json_schema")`` would), but the reply is parsed
    here rather than by the client: the client raises on unparsable output and loses the raw
    reply, and the re-ask needs that reply to show the model what it got wrong.

    Returns the object and the validation errors that survived the re-ask (empty when it is
    clean), so the caller can drop or downgrade just the parts that failed.
    """
    with llm_http_clients(settings, carries_plan=carries_plan) as clients:
        model = make_chat_model(settings, clients).bind(response_format=_response_format(schema))
        reply = _invoke(model, messages)
        obj, errors = _check(reply, schema, validate)
        if obj is not None and not errors:
            return obj, []
        reask = HumanMessage(load_prompt(settings, "reask", errors="\n".join(f"- {e}" for e in errors)))
        second = _invoke(model, [*messages, reply, reask])
        obj, errors = _check(second, schema, validate)
    if obj is None:
        raise LLMUnavailableError(
            "LLMの出力が再指示後も所定の形式になりませんでした"
            f" / LLM output stayed unparsable after one re-ask: {'; '.join(errors)}"
        )
    return obj, errors


def stream_text(
    settings: Settings, messages: list[BaseMessage], *, carries_plan: bool = True
) -> Iterator[str]:
    try:
        with llm_http_clients(settings, carries_plan=carries_plan) as clients:
            for chunk in make_chat_model(settings, clients, streaming=True).stream(messages):
                if text := str(chunk.text):
                    yield text
    except openai.OpenAIError as exc:
        raise _unavailable(exc) from exc
    except _MALFORMED as exc:
        raise _malformed(exc) from exc


def _response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The strict form OpenAI requires (every property required, no extra keys); llama.cpp and
    vLLM turn the same schema into a decoding grammar."""
    function = openai.pydantic_function_tool(schema)["function"]
    return {
        "type": "json_schema",
        "json_schema": {"name": function["name"], "schema": function["parameters"], "strict": True},
    }


#: What the client libraries raise on a 200 reply that is not a chat completion (``{}``, a list,
#: a message of null, not JSON): the endpoint is unusable, like one that is down.
_MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)


def _invoke(model: Runnable[Any, BaseMessage], messages: list[BaseMessage]) -> BaseMessage:
    try:
        return model.invoke(messages)
    except openai.OpenAIError as exc:
        raise _unavailable(exc) from exc
    except _MALFORMED as exc:
        raise _malformed(exc) from exc


def _malformed(exc: Exception) -> LLMUnavailableError:
    return LLMUnavailableError(
        f"LLMの応答が OpenAI 互換の形式ではありません / malformed LLM reply: {type(exc).__name__}: {str(exc)[:200]}"
    )


def _check(
    reply: BaseMessage, schema: type[T], validate: Callable[[T], list[str]] | None
) -> tuple[T | None, list[str]]:
    """``(None, parse errors)`` when the reply is not the schema, else ``(obj, validation errors)``."""
    try:
        obj = schema.model_validate_json(str(reply.text))
    except ValidationError as exc:
        return None, [_describe(err) for err in exc.errors(include_url=False)]
    return obj, (validate(obj) if validate else [])


def _describe(err: Any) -> str:
    where = ".".join(str(part) for part in err["loc"]) or "JSON"
    return f"{where}: {err['msg']}"


def _unavailable(exc: openai.OpenAIError) -> LLMUnavailableError:
    return LLMUnavailableError(f"LLMを利用できません / LLM unavailable: {type(exc).__name__}: {exc}")
