"""Routes a prompt could leak by, as real servers on 127.0.0.1: a forward proxy and a fixed-answer server.

Usage::

    with RecordingProxy() as proxy, RecordingServer(307, {"location": "http://127.1:9/x"}) as hop:
        ...  # point HTTP_PROXY at proxy.url, or an LLM base URL at hop.url("127.0.0.1")
        assert proxy.requests == [] and [r.method for r in hop.requests] == ["POST"]

``RecordingProxy`` records every request it receives (absolute-form ``GET``/``POST`` … and
``CONNECT``) and forwards plain-HTTP requests, but only to loopback hosts so a test can never reach
the network through it; ``CONNECT`` is refused with 405 (no test needs a TLS tunnel).
``RecordingServer`` answers every request with one scripted status, headers and body, and records
it: a redirecting endpoint, or the host a redirect points to.

Both listen on 127.0.0.1 only. ``url(host)`` names them by another spelling of that address, such
as ``127.1``, which the operating system resolves to 127.0.0.1 but which the allow rule does not
count as loopback: a host the guard must refuse that a test can still watch.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from assistant.settings import is_loopback_host

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: _Recording


class _Recording:
    """Start/stop and the request log shared by both servers."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._httpd = _Server(("127.0.0.1", 0), self.handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def record(self, request: Recorded) -> None:
        with self._lock:
            self._requests.append(request)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Tests read the request log, not access logs."""

    def _take(self) -> Recorded:
        length = int(self.headers.get("content-length") or 0)
        request = Recorded(self.command, self.path, self.rfile.read(length) if length else b"")
        self.server.owner.record(request)
        return request

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ProxyHandler(_Handler):
    def do_CONNECT(self) -> None:
        self._take()
        self._send(405, {}, b"")

    def _forward(self) -> None:
        request = self._take()
        target = urlsplit(request.target)
        if target.scheme != "http" or not is_loopback_host(target.hostname or ""):
            self._send(502, {}, b"RecordingProxy forwards to loopback only")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=30)
        try:
            upstream.request(request.method, path, body=request.body or None, headers=headers)
            reply = upstream.getresponse()
            body = reply.read()
            kept = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._send(reply.status, kept, body)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = _forward


class _FixedHandler(_Handler):
    def _answer(self) -> None:
        self._take()
        owner = self.server.owner
        assert isinstance(owner, RecordingServer)
        self._send(owner.status, owner.headers, owner.body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


class RecordingProxy(_Recording):
    handler = _ProxyHandler


class RecordingServer(_Recording):
    handler = _FixedHandler

    def __init__(self, status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers or {}
        self.body = body
        super().__init__()
