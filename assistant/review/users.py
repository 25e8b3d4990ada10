"""Who may sign in to the web UI, and as what.

Users live in one TOML file (``Settings.users_path``) that an administrator edits with
``review-assistant users``. Passwords are stored only as argon2id hashes. The file is re-read when
it changes, so removing a user or changing a role takes effect on their next request, not at the
next restart; the UI resolves the signed-in name through :meth:`UserStore.get` on every request.

Names and prefectures must be printable text of bounded length, checked when a user is added and
again when the file is read. A record that fails (hand-edited, or written by an older release) is
skipped and reported (:meth:`UserStore.problems`, ``users list`` and the log): that one user cannot
sign in, but one bad record no longer locks everyone out. ``users add`` refuses to rewrite a file
with such a record in it (rewriting would silently drop it) unless it replaces that very record. A
file that is not valid TOML still refuses everyone, since nothing in it can be trusted.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ValidationError, field_validator, model_validator

from assistant.atomic import atomic_write
from assistant.domain.errors import ReviewAssistantError
from assistant.domain.models import User

Role = Literal["reviewer", "prefecture"]
MIN_PASSWORD_LENGTH = 8
#: argon2 hashes whatever it is given: without a cap, one login with a 10 MB password ties up a core.
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 64
MAX_PREFECTURE_LENGTH = 32
_log = logging.getLogger(__name__)
_HEADER = "# review-assistant のユーザー。`review-assistant users add` で編集してください。\n"


class UsersFileError(ReviewAssistantError):
    """The users file is unreadable or not TOML: nobody can sign in until an administrator fixes it."""

    code = "users_file"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name, or ``None``. ``isprintable`` is False for control, format
    (zero-width, bidi overrides), surrogate, private-use, unassigned and separator characters."""
    if not 1 <= len(name) <= MAX_NAME_LENGTH or not name.isprintable() or any(c.isspace() for c in name):
        return (
            f"ユーザー名は空白・制御文字を含まない1〜{MAX_NAME_LENGTH}文字にしてください / "
            f"name: 1-{MAX_NAME_LENGTH} printable characters, no whitespace"
        )
    return None


class UserRecord(BaseModel):
    role: Role
    prefecture: str | None = None
    password_hash: str

    @field_validator("prefecture")
    @classmethod
    def _printable_prefecture(cls, value: str | None) -> str | None:
        """A control character here once made the written file unreadable, locking every user out."""
        if value is not None and (
            not 1 <= len(value) <= MAX_PREFECTURE_LENGTH or not value.isprintable() or value != value.strip()
        ):
            raise ValueError(
                f"都道府県は制御文字を含まない1〜{MAX_PREFECTURE_LENGTH}文字にしてください / "
                f"prefecture: 1-{MAX_PREFECTURE_LENGTH} printable characters"
            )
        return value

    @model_validator(mode="after")
    def _prefecture_matches_role(self) -> UserRecord:
        if self.role == "prefecture" and not (self.prefecture or "").strip():
            raise ValueError("都道府県担当には prefecture が必要です / prefecture users need a prefecture")
        if self.role == "reviewer" and self.prefecture:
            raise ValueError("審査担当に prefecture は指定できません / reviewers see every prefecture")
        return self


def _reason(exc: ValidationError) -> str:
    return exc.errors()[0]["msg"].removeprefix("Value error, ")


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
        self._invalid: dict[str, str] = {}

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
                self._stamp, self._records, self._invalid = None, {}, {}
                return {}
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._records, self._invalid = self._parse()
                self._stamp = stamp
                for problem in self._invalid.values():
                    _log.warning("%s", problem)
            return dict(self._records)

    def problems(self) -> list[str]:
        """The records that were skipped when the file was last read, and why (for ``users list``)."""
        return list(self._invalid_records().values())

    def _invalid_records(self) -> dict[str, str]:
        self.records()
        with self._lock:
            return dict(self._invalid)

    def _parse(self) -> tuple[dict[str, UserRecord], dict[str, str]]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsersFileError(
                f"{self.path}: ユーザーファイルを読めません / cannot read users file: {exc}"
            ) from exc
        table = data.get("users", {})
        if not isinstance(table, dict):
            raise UsersFileError(f"{self.path}: [users] が表ではありません / [users] must be a table")
        records, invalid = {}, {}
        for name, fields in table.items():
            reason = name_problem(name)
            if reason is None:
                try:
                    records[name] = UserRecord.model_validate(fields)
                    continue
                except ValidationError as exc:
                    reason = _reason(exc)
            invalid[name] = (
                f"{self.path}: ユーザー{name!r}の設定が不正なため無視しました / skipped invalid user "
                f"{name!r}: {reason}"
            )
        return records, invalid

    def users(self) -> list[User]:
        return [User(name=n, role=r.role, prefecture=r.prefecture) for n, r in sorted(self.records().items())]

    def get(self, name: str) -> User | None:
        record = self.records().get(name)
        return None if record is None else User(name=name, role=record.role, prefecture=record.prefecture)

    def verify(self, name: str, password: str) -> bool:
        """argon2's verify compares in constant time; unknown names take a verify too. An over-long
        password is refused before hashing, known name or not, so it reveals nothing about names."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        record = self.records().get(name)
        try:
            self._hasher.verify(record.password_hash if record else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return record is not None

    def add(
        self, name: str, password: str, *, role: Role, prefecture: str | None = None, replace: bool = False
    ) -> User:
        reason = name_problem(name)
        if reason is not None:
            raise ValueError(reason)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください / password too short")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValueError(
                f"パスワードは{MAX_PASSWORD_LENGTH}文字以下にしてください / password too long "
                f"(at most {MAX_PASSWORD_LENGTH} characters)"
            )
        try:
            record = UserRecord(
                role=role,
                prefecture=(prefecture or "").strip() or None,
                password_hash=self._hasher.hash(password),
            )
        except ValidationError as exc:
            raise ValueError(_reason(exc)) from None
        invalid = self._invalid_records()
        others = [problem for bad, problem in invalid.items() if bad != name]
        if others:
            raise ValueError(
                "ユーザーファイルに不正な記録があります。書き直すと失われるため、先に修正してください / "
                "the users file has invalid records that rewriting it would drop; fix them first: "
                + "; ".join(others)
            )
        records = self.records()
        if (name in records or name in invalid) and not replace:
            raise ValueError(
                f"ユーザー「{name}」は登録済みです（上書きは --replace） / user exists; use --replace"
            )
        records[name] = record
        atomic_write(self.path, _render(records).encode("utf-8"), mode=0o600)
        return User(name=name, role=record.role, prefecture=record.prefecture)
