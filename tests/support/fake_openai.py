"""A scripted OpenAI-compatible HTTP server, so tests exercise the real openai/langchain client.

Usage::

    with FakeOpenAI(['{"answer": "要件です【S1】"}', HTTPError(429), Reply("{}", delay=3)]) as srv:
        settings = Settings(llm_model="fake-model", llm_base_url=srv.base_url)
        ...
        assert srv.requests[0]["response_format"]["type"] == "json_schema"
        assert srv.remaining == 0

Reply script: every ``POST .../chat/completions`` takes the next item, in order. An item is one of

- ``str``: the assistant message content, verbatim (valid JSON, malformed JSON, prose: anything);
- ``dict``, ``list`` or a pydantic ``BaseModel``: serialised to JSON and used as the content;
- ``Reply(content, delay=0.0, chunks=None, finish_reason="stop")``: full control. ``delay`` sleeps
  before answering (to trip client timeouts); ``chunks`` are the streamed deltas (default: the
  content in pieces of 8 characters);
- ``HTTPError(status, message="scripted error", delay=0.0)``: an OpenAI-style error body with
  ``retry-after: 0`` and ``retry-after-ms: 1``, so the client's own retries happen at once;
- a callable taking the request body (``dict``) and returning any of the above, for replies that
  depend on the prompt (e.g. citing the chunk keys the prompt contained).

A request with ``"stream": true`` is answered as server-sent events (``data: {...}`` chunks, a
usage chunk when ``stream_options.include_usage`` is set, then ``data: [DONE]``); errors stay
plain HTTP errors. Any path ending in ``/chat/completions`` is served, so Azure-style deployment
URLs work too; ``GET /v1/models`` lists one model.

``srv.requests`` holds every chat request body (parsed JSON) in arrival order and ``srv.paths``
their paths. When the script runs out the server answers 500 with ``x-should-retry: false``, so
a test that makes more calls than it scripted fails fast instead of hanging or passing by luck.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from pydantic import BaseModel

STREAM_PIECE = 8


@dataclass(frozen=True)
class Reply:
    content: str
    delay: float = 0.0
    chunks: list[str] | None = None
    finish_reason: str = "stop"

    def pieces(self) -> list[str]:
        if self.chunks is not None:
            return self.chunks
        return [self.content[i : i + STREAM_PIECE] for i in range(0, len(self.content), STREAM_PIECE)]


@dataclass(frozen=True)
class HTTPError:
    status: int
    message: str = "scripted error"
    delay: float = 0.0


ScriptItem = str | dict | list | BaseModel | Reply | HTTPError | Callable[[dict], "ScriptItem"]


class FakeOpenAI:
    def __init__(self, script: list[ScriptItem] | None = None) -> None:
        self._script: deque[ScriptItem] = deque(script or [])
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def add(self, *items: ScriptItem) -> None:
        with self._lock:
            self._script.extend(items)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: dict[str, Any], path: str) -> Reply | HTTPError | None:
        with self._lock:
            self.requests.append(body)
            self.paths.append(path)
            item = self._script.popleft() if self._script else None
        while callable(item) and not isinstance(item, type):
            item = item(body)
        if item is None or isinstance(item, Reply | HTTPError):
            return item
        if isinstance(item, str):
            return Reply(item)
        if isinstance(item, BaseModel):
            return Reply(item.model_dump_json())
        return Reply(json.dumps(item, ensure_ascii=False))

    def _sleep(self, seconds: float) -> None:
        """Interruptible, so closing the server does not wait out a scripted delay."""
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Tests read assertions, not access logs."""

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        else:
            self._json(404, _error_body(404, f"no route {self.path}"))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if not self.path.split("?")[0].endswith("/chat/completions"):
            self._json(404, _error_body(404, f"no route {self.path}"))
            return
        body = json.loads(raw or b"{}")
        fake = self.server.fake
        item = fake._next(body, self.path)
        try:
            if item is None:
                self._json(
                    500,
                    _error_body(500, "FakeOpenAI: no scripted reply left"),
                    {"x-should-retry": "false"},
                )
            elif isinstance(item, HTTPError):
                fake._sleep(item.delay)
                self._json(
                    item.status,
                    _error_body(item.status, item.message),
                    {"retry-after": "0", "retry-after-ms": "1"},
                )
            else:
                fake._sleep(item.delay)
                if body.get("stream"):
                    self._stream(body, item)
                else:
                    self._json(200, _completion(body, item))
        except (BrokenPipeError, ConnectionResetError):
            return

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = body.get("model", "fake-model")
        events: list[dict[str, Any]] = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
        ]
        events += [
            {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            for piece in reply.pieces()
        ]
        events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "choices": [], "usage": _usage(body, reply)})
        for event in events:
            self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": None},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": _usage(body, reply),
    }


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    """Rough counts; they only need to be well-formed for the client."""
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    completion = len(reply.content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = (
        "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": str(status)}}
