"""Gradio's login callback over the users file."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from assistant.review.users import UsersFileError, UserStore


def gradio_auth(store: UserStore) -> Callable[[str, str], Awaitable[bool]]:
    """argon2 runs in a thread so a login never stalls the event loop."""
    store.prepare()

    async def check(username: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(store.verify, username, password)
        except UsersFileError:
            return False

    return check
