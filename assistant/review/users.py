"""Who may sign in to the web UI, and as what.

Users live in one TOML file (``Settings.users_path``) that an administrator edits with
``review-assistant users``. Passwords are stored only as argon2id hashes. The file is re-read when
it changes, so removing a user or changing a role takes effect on their next request, not at the
next restart; the UI resolves the signed-in name through :meth:`UserStore.get` on every request.
"""

from __future__ import annotations

import json
import os
import re
import threading
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ValidationError, model_validator

from assistant.atomic import atomic_write
from assistant.domain.errors import ReviewAssistantError
from assistant.domain.models import User

Role = Literal["reviewer", "prefecture"]
MIN_PASSWORD_LENGTH = 8
_NAME_RE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")
_HEADER = "# review-assistant のユーザー。`review-assistant users add` で編集してください。\n"


class UsersFileError(ReviewAssistantError):
    """The users file is unreadable or invalid: nobody can sign in until an administrator fixes it."""

    code = "users_file"


class UserRecord(BaseModel):
    role: Role
    prefecture: str | None = None
    password_hash: str

    @model_validator(mode="after")
    def _prefecture_matches_role(self) -> UserRecord:
        if self.role == "prefecture" and not (self.prefecture or "").strip():
            raise ValueError("都道府県担当には prefecture が必要です / prefecture users need a prefecture")
        if self.role == "reviewer" and self.prefecture:
            raise ValueError("審査担当に prefecture は指定できません / reviewers see every prefecture")
        return self


def _toml_string(value: str) -> str:
    """A JSON string literal is a valid TOML basic string (same escapes), including for keys."""
    return json.dumps(value, ensure_ascii=False)


def _render(records: dict[str, UserRecord]) -> str:
    parts = [_HEADER]
    for name in sorted(records):
        record = records[name]
        parts.append(f"\n[users.{_toml_string(name)}]\n")
        parts.append(f"role = {_toml_string(record.role)}\n")
        if record.prefecture:
            parts.append(f"prefecture = {_toml_string(record.prefecture)}\n")
        parts.append(f"password_hash = {_toml_string(record.password_hash)}\n")
    return "".join(parts)


class UserStore:
    """The users file, re-read whenever its size or modification time changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: dict[str, UserRecord] = {}

    @cached_property
    def _dummy_hash(self) -> str:
        """Unknown names are verified against this, so they cost as much time as a wrong password."""
        return self._hasher.hash(os.urandom(16).hex())

    def exists(self) -> bool:
        return self.path.is_file()

    def prepare(self) -> None:
        """Read the file and make the dummy hash now, so the first failed login is not faster."""
        self.records()
        _ = self._dummy_hash

    def records(self) -> dict[str, UserRecord]:
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._records = None, {}
                return {}
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._records = self._parse()
                self._stamp = stamp
            return dict(self._records)

    def _parse(self) -> dict[str, UserRecord]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsersFileError(
                f"{self.path}: ユーザーファイルを読めません / cannot read users file: {exc}"
            ) from exc
        table = data.get("users", {})
        if not isinstance(table, dict):
            raise UsersFileError(f"{self.path}: [users] が表ではありません / [users] must be a table")
        records = {}
        for name, fields in table.items():
            try:
                records[name] = UserRecord.model_validate(fields)
            except ValidationError as exc:
                raise UsersFileError(
                    f"{self.path}: ユーザー「{name}」の設定が不正です / invalid user {name!r}: "
                    f"{exc.errors()[0]['msg']}"
                ) from exc
        return records

    def users(self) -> list[User]:
        return [User(name=n, role=r.role, prefecture=r.prefecture) for n, r in sorted(self.records().items())]

    def get(self, name: str) -> User | None:
        record = self.records().get(name)
        return None if record is None else User(name=name, role=record.role, prefecture=record.prefecture)

    def verify(self, name: str, password: str) -> bool:
        """argon2's verify compares in constant time; unknown names take a verify too."""
        record = self.records().get(name)
        try:
            self._hasher.verify(record.password_hash if record else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return record is not None

    def add(
        self, name: str, password: str, *, role: Role, prefecture: str | None = None, replace: bool = False
    ) -> User:
        if not _NAME_RE.match(name):
            raise ValueError(
                "ユーザー名は空白を含まない1〜64文字にしてください / name: 1-64 chars, no whitespace"
            )
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください / password too short")
        record = UserRecord(
            role=role,
            prefecture=(prefecture or "").strip() or None,
            password_hash=self._hasher.hash(password),
        )
        records = self.records()
        if name in records and not replace:
            raise ValueError(
                f"ユーザー「{name}」は登録済みです（上書きは --replace） / user exists; use --replace"
            )
        records[name] = record
        atomic_write(self.path, _render(records).encode("utf-8"), mode=0o600)
        return User(name=name, role=record.role, prefecture=record.prefecture)
