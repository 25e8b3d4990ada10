"""Why a decision was refused: the decision that stands, named the way a reviewer reads it.

Kept apart from the store so a screen can show the same wording and Japan time for a decision it
renders itself.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from assistant.domain.errors import DecisionConflictError
from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import Verdict

#: Reviewers work in Japan whatever zone the server is set to; Japan keeps no daylight saving time,
#: so a fixed +09:00 is exact and needs no time-zone database (absent on some Windows machines).
JST = timezone(timedelta(hours=9), "JST")


def japan_time(stamp: str | datetime) -> str:
    """「2026-11-30 21:05 JST」: how a stored UTC time is shown to a reviewer."""
    when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    return when.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def conflict(
    criterion_id: str, subject: str, current: sqlite3.Row | None, expected: int | None
) -> DecisionConflictError:
    """Names who decided what and when (Japan time), so the loser can judge without reloading first."""
    if current is None:
        return DecisionConflictError(
            f"「{subject}」にはまだ判定がありません（指定の版 {expected}、現在の版 0）。"
            f"再読み込みしてから判定してください / no decision exists yet (you passed version "
            f"{expected}, current is 0); reload and decide again",
            criterion_id=criterion_id,
            reviewer=None,
            verdict=None,
            decided_at=None,
            current_version=0,
            expected_version=expected,
        )
    who, version = current["reviewer"], current["version"]
    verdict = Verdict(current["verdict"])
    decided_at = datetime.fromisoformat(current["decided_at"])
    when = japan_time(decided_at)
    label = VERDICT_LABELS_JA[verdict]
    if expected is None:
        message = (
            f"「{subject}」は {who} さんが {when} に「{label}」と判定済みです（版 {version}）。"
            f"上書きする場合は、内容を確認のうえ版 {version} を指定して判定し直してください / "
            f"already decided by {who} at {when} as {verdict.value} (version {version}); check it, then "
            f"decide again naming version {version} to replace it"
        )
    else:
        message = (
            f"「{subject}」は {who} さんが {when} に「{label}」へ変更しています（読み込んだ版 {expected}、"
            f"現在の版 {version}）。最新の内容を確認してから判定し直してください / changed by {who} at "
            f"{when} to {verdict.value} (you read version {expected}, current is {version}); reload and "
            "decide again"
        )
    return DecisionConflictError(
        message,
        criterion_id=criterion_id,
        reviewer=who,
        verdict=verdict,
        decided_at=decided_at,
        current_version=version,
        expected_version=expected,
    )
