"""Personal downloads: files made for one user (exports, batch sheets, page images), served to that
user alone, briefly.

A web framework's own file serving hands out any cached file to whoever has its link, and a link can
travel (a shared screen, a pasted URL, a browser history). Here a file lives only in this process's
memory, under a random token bound to the user it was made for; it is served to that user or to a
reviewer (who may see every plan anyway), to nobody else and never to an anonymous request, and it
is gone after ``ttl`` seconds, after its one download (files offered ``once``), or when the screen
that showed it moves on (its ``slot`` is withdrawn).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from assistant.domain.errors import AccessDeniedError, NotVisibleError
from assistant.domain.models import User

from . import access

#: Files one user may hold at once; the oldest go first (a user paging through items makes many images).
MAX_PER_USER = 64
GONE = "このダウンロードは無効です（期限切れ・使用済み・他の利用者のもの） / this download is not available"


@dataclass(frozen=True)
class PersonalFile:
    token: str
    owner: str
    name: str
    media_type: str
    data: bytes
    expires: float
    once: bool
    slot: str | None


class PersonalFiles:
    """Thread-safe: the UI serves downloads from its web workers while handlers add new ones."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._files: dict[str, PersonalFile] = {}
        self._lock = threading.Lock()

    def offer(
        self, user: User, name: str, data: bytes, media_type: str, *, once: bool, slot: str | None = None
    ) -> str:
        """Hold ``data`` for ``user`` and return its token; ``slot`` names where the screen shows it, so
        that :meth:`withdraw` can drop it when the screen moves on."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._expire()
            mine = sorted((f for f in self._files.values() if f.owner == user.name), key=lambda f: f.expires)
            for old in mine[: max(0, len(mine) - MAX_PER_USER + 1)]:
                del self._files[old.token]
            self._files[token] = PersonalFile(
                token=token,
                owner=user.name,
                name=name,
                media_type=media_type,
                data=data,
                expires=self.clock() + self.ttl,
                once=once,
                slot=slot,
            )
        return token

    def take(self, token: str, user: User | None) -> PersonalFile:
        """The file, for its owner or a reviewer; one offered ``once`` is removed as it is handed out.

        An anonymous request is refused outright; for anyone else an unknown, expired, used or foreign
        token reads the same, so a refusal tells nothing about whose files exist.
        """
        if user is None:
            raise AccessDeniedError("ログインしてください / sign in first")
        with self._lock:
            self._expire()
            found = self._files.get(token)
            if found is None or not (found.owner == user.name or access.is_reviewer(user)):
                raise NotVisibleError(GONE)
            if found.once:
                del self._files[token]
            return found

    def withdraw(self, user: User, slot: str) -> None:
        """Drop what the user holds in ``slot`` (the screen moved on to another plan or item)."""
        with self._lock:
            self._withdraw(lambda f: f.owner == user.name and f.slot == slot)

    def _expire(self) -> None:
        now = self.clock()
        self._withdraw(lambda f: f.expires <= now)

    def _withdraw(self, match: Callable[[PersonalFile], bool]) -> None:
        for token in [t for t, f in self._files.items() if match(f)]:
            del self._files[token]
