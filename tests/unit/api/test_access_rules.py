"""Every rule in :mod:`assistant.api.access`, tested at the library door (:class:`ReviewAssistant`).

The UI and the CLI only call the library, so a rule that holds here holds for every screen. Plans are
real PDFs, saved through the real store (SQLite in a temp dir); assessments are built directly so no
model is loaded, and nothing here needs the search index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.api.access import HIDDEN_MESSAGE
from assistant.domain.errors import (
    AccessDeniedError,
    InvalidRequestError,
    NotFoundError,
    NotVisibleError,
    ReviewAssistantError,
)
from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, PlanType, User, Verdict
from assistant.review.records import SubmissionView
from assistant.settings import Settings

PREF_A, PREF_B = "東雲県", "西海県"
USER_A = User(name="tanaka", role="prefecture", prefecture=PREF_A)
NO_PREFECTURE = User(name="nobody", role="prefecture")
REVIEWER = User(name="sato", role="reviewer")


@dataclass
class World:
    ra: ReviewAssistant
    a: SubmissionView
    b: SubmissionView
    a_pdf: Path
    b_pdf: Path
    tmp: Path


def _assessment(ra: ReviewAssistant, pdf: Path, plan_type: PlanType = "B") -> Assessment:
    """A draft whose first item says 要確認, so confirming it as 満たす is an override."""
    return Assessment(
        plan=pdf.name,
        plan_type=plan_type,
        backend="offline",
        items=[
            ChecklistItem(
                criterion_id=c.id,
                verdict=Verdict.needs_review if n == 0 else Verdict.meets,
                rationale=f"{c.label}の記載あり",
                citations=[PlanCitation(page=1, quote="計画書の記述")],
            )
            for n, c in enumerate(ra.rubric.for_type(plan_type))
        ],
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    ra = ReviewAssistant(Settings(data_dir=tmp_path / "data", ocr_enabled=False))
    a_pdf = write_plan_pdf(tmp_path / "東雲県_計画.pdf", ["# 東雲県 計画\n東雲塗の販路拡大を目指す。"])
    b_pdf = write_plan_pdf(tmp_path / "西海県_計画.pdf", ["# 西海県 計画\n洋上風力の供給網を構築する。"])
    a = ra.save(_assessment(ra, a_pdf), a_pdf, prefecture=PREF_A, user=REVIEWER)
    b = ra.save(_assessment(ra, b_pdf), b_pdf, prefecture=PREF_B, user=REVIEWER)
    return World(ra=ra, a=a, b=b, a_pdf=a_pdf, b_pdf=b_pdf, tmp=tmp_path)


def _refusal(call: object) -> ReviewAssistantError:
    with pytest.raises(ReviewAssistantError) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- prefecture scope -----------------------------------------------------------------------------
def test_prefecture_users_list_their_own_prefecture_only(world: World) -> None:
    assert [s.id for s in world.ra.submissions(USER_A)] == [world.a.id]
    assert world.ra.submissions(USER_A, prefecture=PREF_B) == []
    assert [s.id for s in world.ra.submissions(USER_A, prefecture=PREF_A)] == [world.a.id]
    assert world.ra.submissions(NO_PREFECTURE) == [], "a prefecture user without a prefecture sees nothing"
    assert {s.id for s in world.ra.submissions(REVIEWER)} == {world.a.id, world.b.id}
    assert [s.id for s in world.ra.submissions(REVIEWER, prefecture=PREF_B)] == [world.b.id]


def test_prefecture_users_open_their_own_submission_and_no_other(world: World) -> None:
    assert world.ra.submission(world.a.id, USER_A).id == world.a.id
    assert len(world.ra.drafts(world.a.id, USER_A)) == 1
    assert world.ra.export(world.a.id, "csv", world.tmp / "a.csv", user=USER_A).is_file()
    out = world.tmp / "b.csv"
    for call in (
        lambda: world.ra.submission(world.b.id, USER_A),
        lambda: world.ra.drafts(world.b.id, USER_A),
        lambda: world.ra.export(world.b.id, "csv", out, user=USER_A),
        lambda: world.ra.submission(world.a.id, NO_PREFECTURE),
    ):
        assert isinstance(_refusal(call), NotVisibleError)
    assert not out.exists()
    assert world.ra.submission(world.b.id, REVIEWER).prefecture == PREF_B


def test_a_prefecture_users_submission_is_filed_under_their_prefecture(world: World) -> None:
    c_pdf = write_plan_pdf(world.tmp / "c.pdf", ["# 東雲県 追加計画\n地場産業の計画。"])
    with pytest.raises(AccessDeniedError, match="他の都道府県"):
        world.ra.save(_assessment(world.ra, c_pdf), c_pdf, prefecture=PREF_B, user=USER_A)
    assert len(world.ra.submissions(REVIEWER)) == 2, "a refused save writes nothing"
    view = world.ra.save(_assessment(world.ra, c_pdf), c_pdf, user=USER_A)
    assert view.prefecture == PREF_A
    d_pdf = write_plan_pdf(world.tmp / "d.pdf", ["# 北浜県 計画\n蓄電池部材の計画。"])
    assert world.ra.save(
        _assessment(world.ra, d_pdf), d_pdf, prefecture="北浜県", user=REVIEWER
    ).prefecture == ("北浜県")


def test_another_prefectures_bytes_cannot_be_resaved(world: World) -> None:
    """Same bytes reuse a submission: a prefecture user must not move B's into their prefecture."""
    copy = world.tmp / "再提出.pdf"
    copy.write_bytes(world.b_pdf.read_bytes())
    refusal = _refusal(lambda: world.ra.save(_assessment(world.ra, copy), copy, user=USER_A))
    assert type(refusal) is NotVisibleError and str(refusal) == HIDDEN_MESSAGE
    assert world.ra.submission(world.b.id, REVIEWER).prefecture == PREF_B
    assert len(world.ra.drafts(world.b.id, REVIEWER)) == 1


# --- final submissions are read-only to prefecture users --------------------------------------------
def _finalise(world: World, view: SubmissionView) -> None:
    """Every item decided: 要確認 drafts get a verdict the reviewer chose (it is never a final verdict)."""
    for item in view.items:
        chosen = Verdict.meets if item.draft_verdict == Verdict.needs_review else item.draft_verdict
        comment = "審査者の判断" if chosen != item.draft_verdict else ""
        world.ra.decide(view.id, item.criterion_id, verdict=chosen, comment=comment, user=REVIEWER)
    assert world.ra.submission(view.id, REVIEWER).status == "final"


def test_final_submission_is_read_only_to_its_prefecture(world: World) -> None:
    _finalise(world, world.a)
    as_type_c = _assessment(world.ra, world.a_pdf, plan_type="C")
    with pytest.raises(AccessDeniedError, match="final") as caught:
        world.ra.save(as_type_c, world.a_pdf, user=USER_A)
    assert not isinstance(caught.value, NotVisibleError), "their own submission: a precise reason"
    after = world.ra.submission(world.a.id, REVIEWER)
    assert (after.status, after.plan_type, after.decided_count) == ("final", "B", after.item_count)
    assert len(world.ra.drafts(world.a.id, REVIEWER)) == 1
    assert [e.action for e in world.ra.reviews.audit_log(world.a.id)].count("draft.add") == 1

    reopened = world.ra.save(as_type_c, world.a_pdf, user=REVIEWER)
    assert (reopened.status, reopened.plan_type) == ("draft", "C"), "a reviewer may re-draft a final plan"


def test_a_submission_still_in_review_can_be_resaved_by_its_prefecture(world: World) -> None:
    first = world.a.items[1]
    world.ra.decide(world.a.id, first.criterion_id, verdict=first.draft_verdict, comment="", user=REVIEWER)
    again = world.ra.save(_assessment(world.ra, world.a_pdf), world.a_pdf, user=USER_A)
    assert (again.id, again.status, len(world.ra.drafts(world.a.id, USER_A))) == (world.a.id, "in_review", 2)


# --- reviewers only: deciding, batch, plans by server path ----------------------------------------
def test_deciding_is_for_reviewers_only(world: World) -> None:
    messages = set()
    for sub_id in (world.a.id, world.b.id, 9999):
        refusal = _refusal(
            lambda sub_id=sub_id: world.ra.decide(
                sub_id, world.a.items[1].criterion_id, verdict=Verdict.meets, comment="x", user=USER_A
            )
        )
        assert type(refusal) is AccessDeniedError
        messages.add(str(refusal))
    assert len(messages) == 1 and "reviewers only" in messages.pop(), "the same for every id: nothing leaks"
    for sub in (world.a, world.b):
        assert world.ra.submission(sub.id, REVIEWER).decided_count == 0
        assert "decision.set" not in [e.action for e in world.ra.reviews.audit_log(sub.id)]
    decided = world.ra.decide(
        world.a.id, world.a.items[1].criterion_id, verdict=Verdict.meets, comment="", user=REVIEWER
    )
    assert decided.decision is not None and decided.decision.reviewer == REVIEWER.name


def test_batch_is_for_reviewers_only(world: World) -> None:
    out = world.tmp / "batch-out"
    with pytest.raises(AccessDeniedError, match="reviewers only"):
        world.ra.run_batch([world.a_pdf], out, user=USER_A, save=True)
    assert not out.exists()


def test_plans_by_server_path_are_for_reviewers_only(world: World) -> None:
    missing = world.tmp / "ない.pdf"
    for path in (world.a_pdf, world.b_pdf, missing):
        refusal = _refusal(lambda path=path: world.ra.plans.resolve(str(path), USER_A))
        assert type(refusal) is NotVisibleError and str(refusal) == HIDDEN_MESSAGE
    with pytest.raises(NotFoundError, match="no such file") as caught:
        world.ra.plans.resolve(str(missing), REVIEWER)
    assert str(missing) in str(caught.value), "reviewers pass the gate and get the precise reason"


# --- a comment is required to override the draft ----------------------------------------------------
def test_overriding_the_draft_needs_a_comment(world: World) -> None:
    overridden = world.a.items[0]  # drafted 要確認
    assert overridden.draft_verdict == Verdict.needs_review
    for comment in ("", "   \n"):
        with pytest.raises(InvalidRequestError, match="comment is required"):
            world.ra.decide(
                world.a.id, overridden.criterion_id, verdict=Verdict.meets, comment=comment, user=REVIEWER
            )
    assert world.ra.submission(world.a.id, REVIEWER).decided_count == 0
    confirmed = world.a.items[1]
    assert (
        world.ra.decide(
            world.a.id, confirmed.criterion_id, verdict=confirmed.draft_verdict, comment="", user=REVIEWER
        ).version
        == 1
    ), "confirming the draft needs no reason"
    decided = world.ra.decide(
        world.a.id, overridden.criterion_id, verdict=Verdict.meets, comment="3頁に記載", user=REVIEWER
    )
    assert decided.decision is not None and decided.decision.comment == "3頁に記載"


# --- not found and not permitted read the same to a prefecture user --------------------------------
def test_missing_and_forbidden_are_indistinguishable_to_a_prefecture_user(world: World) -> None:
    b_hash = world.b.content_hash
    out = world.tmp / "x.csv"
    attempts = {
        "submission of B": lambda: world.ra.submission(world.b.id, USER_A),
        "submission missing": lambda: world.ra.submission(9999, USER_A),
        "drafts of B": lambda: world.ra.drafts(world.b.id, USER_A),
        "drafts missing": lambda: world.ra.drafts(9999, USER_A),
        "export of B": lambda: world.ra.export(world.b.id, "csv", out, user=USER_A),
        "export missing": lambda: world.ra.export(9999, "csv", out, user=USER_A),
    }
    refs = {
        "B's id": str(world.b.id),
        "missing id": "9999",
        "B's hash": b_hash,
        "B's hash prefix": b_hash[:8],
        "B's hash prefix, upper case": b_hash[:12].upper(),
        "missing hash": "0123456789abcdef" * 4,
        "missing hash prefix": "0123abcd",
        "B's kept copy": str(world.b.pdf_path),
        "B's upload path": str(world.b_pdf),
        "missing path": str(world.tmp / "nowhere" / "x.pdf"),
        "relative path": "../西海県_計画.pdf",
        "B's file name": world.b.file_name,
        "not a reference": "/etc/passwd",
    }
    for name, ref in refs.items():
        attempts[f"plan {name}"] = lambda ref=ref: world.ra.plans.resolve(ref, USER_A)
    refusals = {name: _refusal(call) for name, call in attempts.items()}
    assert {name: type(r) for name, r in refusals.items()} == dict.fromkeys(refusals, NotVisibleError)
    assert {str(r) for r in refusals.values()} == {HIDDEN_MESSAGE}
    assert all(r.code == "not_found" for r in refusals.values())
    assert all(ref not in HIDDEN_MESSAGE for ref in refs.values())
    assert not out.exists()


def test_the_one_refusal_is_caught_as_either_a_miss_or_a_denial(world: World) -> None:
    """Callers that catch either kind keep working: the one type is both."""
    with pytest.raises(AccessDeniedError):
        world.ra.submission(world.b.id, USER_A)
    with pytest.raises(NotFoundError):
        world.ra.submission(world.b.id, USER_A)


def test_reviewers_get_precise_messages(world: World) -> None:
    for call, needle in (
        (lambda: world.ra.submission(9999, REVIEWER), "9999"),
        (lambda: world.ra.drafts(9999, REVIEWER), "9999"),
        (lambda: world.ra.plans.resolve("9999", REVIEWER), "9999"),
        (lambda: world.ra.plans.resolve("0123abcd", REVIEWER), "0123abcd"),
    ):
        refusal = _refusal(call)
        assert isinstance(refusal, NotFoundError) and not isinstance(refusal, NotVisibleError)
        assert needle in str(refusal)
