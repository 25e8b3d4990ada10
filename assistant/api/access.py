"""Every access rule of the product, in one place.

The CLI, the UI and batch all reach the library through :class:`~assistant.api.ReviewAssistant`,
which asks these functions before it reads or writes anything. Widgets may be hidden for
convenience; a crafted request still ends here.

Rules:
- reviewers see and decide everything; prefecture users see the guidelines and their own
  prefecture's submissions only, and decide nothing;
- a prefecture user's submission is always filed under their prefecture, and a final submission is
  read-only to them;
- referring to a plan by a server path, and batch processing, are for reviewers only;
- a reviewer who overrides the drafted verdict must say why;
- to a prefecture user, a plan or submission they may not see reads exactly like one that does not
  exist (:func:`hidden`): same type, same words, the reference not echoed, so refusals cannot be
  used to learn which ids, content hashes or server paths exist. Reviewers get precise messages.
"""

from __future__ import annotations

from assistant.domain.errors import AccessDeniedError, InvalidRequestError, NotFoundError, NotVisibleError
from assistant.domain.models import User, Verdict
from assistant.review.records import SubmissionSummary

HIDDEN_MESSAGE = (
    "指定された計画書・提出物は見つからないか、利用する権限がありません / "
    "no such plan or submission, or no permission to use it"
)


def is_reviewer(user: User) -> bool:
    return user.role == "reviewer"


def require_reviewer(user: User, what_ja: str, what_en: str) -> None:
    if not is_reviewer(user):
        raise AccessDeniedError(f"{what_ja}は審査担当者のみ可能です / {what_en}: reviewers only")


def may_see(user: User, summary: SubmissionSummary) -> bool:
    return is_reviewer(user) or (bool(user.prefecture) and summary.prefecture == user.prefecture)


def hidden() -> NotVisibleError:
    """The one answer a prefecture user gets for a plan that is missing or not theirs."""
    return NotVisibleError(HIDDEN_MESSAGE)


def missing(user: User, exc: NotFoundError) -> NotFoundError:
    """What a user is told about a miss: reviewers the precise message, everyone else :func:`hidden`."""
    return exc if is_reviewer(user) else hidden()


def check_submission(user: User, summary: SubmissionSummary) -> None:
    if not may_see(user, summary):
        raise hidden()


def require_reviewer_for_path(user: User) -> None:
    """Checked before the path is looked at, so a refusal says nothing about which server files exist."""
    if not is_reviewer(user):
        raise hidden()


def listing_prefecture(user: User, prefecture: str | None) -> str | None:
    """The prefecture a listing is filtered to; ``"\\0"`` (matching nothing) for a foreign one."""
    if is_reviewer(user):
        return prefecture
    if prefecture not in (None, user.prefecture):
        return "\0"
    return user.prefecture or "\0"


def filing_prefecture(user: User, prefecture: str | None) -> str | None:
    """Where a new or re-saved submission is filed: a prefecture user's own prefecture, always."""
    if is_reviewer(user):
        return prefecture
    if prefecture not in (None, user.prefecture):
        raise AccessDeniedError("他の都道府県として登録することはできません / access denied")
    return user.prefecture


def check_resave(user: User, existing: SubmissionSummary) -> None:
    """The same bytes reuse a submission: without this, re-uploading another prefecture's PDF would
    move that submission, decisions included, into the uploader's prefecture, and re-saving one's own
    final submission as another plan type would set every decision aside and reopen it as a draft."""
    check_submission(user, existing)
    if not is_reviewer(user) and existing.status == "final":
        raise AccessDeniedError(
            "審査が確定した提出物は変更できません。変更が必要な場合は審査担当者に連絡してください / "
            "this submission is final and read-only to prefecture users; ask a reviewer"
        )


def check_decision(user: User, *, draft: Verdict, verdict: Verdict, comment: str) -> None:
    require_reviewer(user, "判定の確定", "deciding")
    if verdict != draft and not comment.strip():
        raise InvalidRequestError(
            "判定を変更する場合は理由をコメントに入力してください / a comment is required to override the draft"
        )
