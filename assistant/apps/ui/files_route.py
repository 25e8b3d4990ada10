"""The route that serves personal downloads (exports, batch sheets, page images) to their owner.

It sits on Gradio's own web app, so it shares its address and sign-in cookie, and it asks the library
(:mod:`assistant.api.downloads`) who may have which file. Gradio exposes the signed-in name only to
event handlers, so the route reads the session cookie the way Gradio's own ``/gradio_api/user``
route does (Gradio 5 and 6 keep ``tokens`` and ``cookie_id`` on the app).
"""

from __future__ import annotations

from urllib.parse import quote

import fastapi
import gradio as gr
from fastapi.responses import PlainTextResponse, Response

from assistant.domain.errors import AccessDeniedError, NotVisibleError

from .session import FILES_PATH, Session

#: Headers of every answer: never cached or sniffed, never rendered as a page of this site.
SAFE_HEADERS = {
    "Cache-Control": "no-store, private",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
}


def _signed_in(app: gr.routes.App, request: fastapi.Request) -> str | None:
    token = request.cookies.get(f"access-token-{app.cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{app.cookie_id}"
    )
    return app.tokens.get(token) if token else None


def install_files_route(demo: gr.Blocks, session: Session) -> None:
    """Add ``GET /ra/files/{token}`` to the running app (call after ``launch(prevent_thread_lock=True)``)."""
    app = demo.server_app

    async def serve(token: str, request: fastapi.Request) -> Response:
        user = session.user_named(_signed_in(app, request) if session.users is not None else None)
        try:
            found = session.ra.downloads.take(token, user)
        except NotVisibleError as exc:
            return PlainTextResponse(str(exc), status_code=404, headers=SAFE_HEADERS)
        except AccessDeniedError as exc:
            return PlainTextResponse(str(exc), status_code=403, headers=SAFE_HEADERS)
        disposition = "inline" if found.media_type.startswith("image/") else "attachment"
        headers = {
            **SAFE_HEADERS,
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.name)}",
        }
        return Response(found.data, media_type=found.media_type, headers=headers)

    app.add_api_route(f"/{FILES_PATH}/{{token}}", serve, methods=["GET"], include_in_schema=False)
