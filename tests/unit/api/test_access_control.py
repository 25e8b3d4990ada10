"""Prefecture staff reach guidelines and their own prefecture's plans, and nothing else.

Two prefectures each have a saved plan, generated as real PDFs and assessed offline, and both
plans are indexed in the shared Chroma store, so a leak would show up as retrieved text. Every way
the API accepts a plan reference is tried as prefecture A against prefecture B's plan.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.apps.ui.batch import BatchHandlers
from assistant.apps.ui.chat import ChatHandlers
from assistant.apps.ui.review import ReviewHandlers
from assistant.apps.ui.session import Session
from assistant.domain.errors import AccessDeniedError, NotFoundError
from assistant.domain.models import Answer, User, Verdict
from assistant.review.records import SubmissionView
from assistant.review.users import UserStore
from assistant.settings import Settings

PREF_A, PREF_B = "東雲県", "西海県"
A_PAGES = [
    "# 東雲県 地場産業成長プラン\n本プランは、東雲県の伝統工芸品である東雲塗の販路拡大を目指すものである。\n"
    "中核事業者：東雲漆器協同組合\n売上目標：令和12年度に年間売上額30億円を達成する。",
    "# 推進体制とKPI\n県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。\n"
    "KPI：海外売上比率 20％（令和12年度）",
]
#: Words that occur only in B's plan: if any answer or search as A shows them, B has leaked.
B_SECRETS = ("翡翠湾", "西海マリンテック", "洋上風力")
B_PAGES = [
    "# 西海県 地域産業クラスター計画\n本計画は、西海県の洋上風力発電関連部品の供給網を構築するものである。\n"
    "中核企業：株式会社西海マリンテック\n翡翠湾の造船所跡地に新工場を建設し、国内シェア25％を目指す。",
    "# 投資計画\n令和9年度から令和13年度までに総額120億円の設備投資を行う。\n翡翠湾の港湾施設を活用し、海外輸出で外貨を稼ぐ。",
]

USER_A = User(name="tanaka", role="prefecture", prefecture=PREF_A)
REVIEWER = User(name="sato", role="reviewer")


@dataclass
class World:
    ra: ReviewAssistant
    a: SubmissionView
    b: SubmissionView
    b_pdf: Path
    tmp: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("access")
    ra = ReviewAssistant(Settings(data_dir=tmp / "data", ocr_enabled=False))
    a_pdf = write_plan_pdf(tmp / "東雲県_地場産業成長プラン.pdf", A_PAGES)
    b_pdf = write_plan_pdf(tmp / "西海県_地域産業クラスター計画.pdf", B_PAGES)
    a = ra.save(ra.assess(a_pdf, backend="offline"), a_pdf, prefecture=PREF_A, user=REVIEWER)
    b = ra.save(ra.assess(b_pdf, backend="offline"), b_pdf, prefecture=PREF_B, user=REVIEWER)
    ra.ensure_corpus()
    for sub in (a, b):
        ra.plans.resolve(str(sub.id), REVIEWER)
    assert ra.index.has_document(b.content_hash), "B must be in the shared index for leaks to be possible"
    yield World(ra=ra, a=a, b=b, b_pdf=b_pdf, tmp=tmp)


def _b_refs(w: World) -> list[str]:
    return [
        str(w.b.id),
        w.b.content_hash,
        w.b.content_hash[:8],
        w.b.content_hash[:12].upper(),
        str(w.b_pdf),
        str(w.b.pdf_path),
    ]


def _assert_nothing_of_b(w: World, answer: Answer) -> None:
    text = answer.answer + "".join(c.quote + c.source for c in answer.citations)
    assert w.b.file_name not in text
    assert not any(secret in text for secret in B_SECRETS), text
    assert all(c.source != w.b.file_name for c in answer.citations)


def test_listing_shows_only_the_own_prefecture(world: World) -> None:
    assert [s.id for s in world.ra.submissions(USER_A)] == [world.a.id]
    assert world.ra.submissions(USER_A, prefecture=PREF_B) == []
    assert world.ra.submissions(USER_A, prefecture=PREF_A)[0].id == world.a.id
    assert {s.id for s in world.ra.submissions(REVIEWER)} == {world.a.id, world.b.id}
    assert world.ra.submissions(User(name="x", role="prefecture")) == [], (
        "a user without a prefecture sees nothing"
    )


def test_opening_or_exporting_b_is_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(AccessDeniedError):
        world.ra.submission(world.b.id, USER_A)
    for fmt in ("xlsx", "csv", "md", "html"):
        out = tmp_path / f"b.{fmt}"
        with pytest.raises(AccessDeniedError):
            world.ra.export(world.b.id, fmt, out, user=USER_A)
        assert not out.exists()
    assert world.ra.submission(world.a.id, USER_A).id == world.a.id
    assert world.ra.export(world.a.id, "csv", tmp_path / "a.csv", user=USER_A).is_file()


def test_deciding_is_refused_and_leaves_no_trace(world: World) -> None:
    criterion = world.b.items[0].criterion_id
    for sub in (world.b, world.a):
        with pytest.raises(AccessDeniedError):
            world.ra.decide(
                sub.id,
                sub.items[0].criterion_id,
                verdict=Verdict.meets,
                comment="x",
                user=USER_A,
                reviewer="sato",
                expected_version=0,
            )
    assert world.ra.submission(world.b.id, REVIEWER).items[0].decision is None
    actions = [e.action for e in world.ra.reviews.audit_log(world.b.id)]
    assert "decision.set" not in actions, (criterion, actions)


@pytest.mark.parametrize("method", ["ask", "search", "stream_ask"])
def test_every_kind_of_plan_reference_to_b_is_refused(world: World, method: str) -> None:
    for ref in _b_refs(world):
        with pytest.raises((AccessDeniedError, NotFoundError)):
            if method == "ask":
                world.ra.ask("投資計画の総額は？", plan=ref, user=USER_A, backend="offline")
            elif method == "search":
                world.ra.search("投資計画の総額", plan=ref, user=USER_A)
            else:
                list(world.ra.stream_ask("投資計画の総額は？", plan=ref, user=USER_A, backend="offline"))


def test_other_server_paths_are_refused_too(world: World) -> None:
    other = shutil.copyfile(world.b_pdf, world.tmp / "renamed.pdf")
    for ref in (
        str(other),
        "../西海県_地域産業クラスター計画.pdf",
        "西海県_地域産業クラスター計画.pdf",
        world.b.file_name,
    ):
        with pytest.raises((AccessDeniedError, NotFoundError)):
            world.ra.ask("投資", plan=ref, user=USER_A, backend="offline")


@pytest.mark.parametrize(
    "question",
    [
        "翡翠湾の造船所跡地に何を建設しますか",
        "株式会社西海マリンテックの国内シェア目標は？",
        "西海県_地域産業クラスター計画.pdf の投資総額はいくらですか",
        "洋上風力発電関連部品の供給網について教えてください",
    ],
)
def test_questions_about_b_never_cite_b(world: World, question: str) -> None:
    _assert_nothing_of_b(world, world.ra.ask(question, user=USER_A, backend="offline"))
    with_a = world.ra.ask(question, plan=str(world.a.id), user=USER_A, backend="offline")
    _assert_nothing_of_b(world, with_a)
    assert {c.source for c in with_a.citations} <= {world.a.file_name, "requirements_2026-03.md"}


def test_search_scoped_to_a_never_returns_b_chunks(world: World) -> None:
    for query in B_SECRETS:
        docs = world.ra.search(query, k=20, plan=str(world.a.id), user=USER_A)
        assert docs, "guideline and A chunks are still searchable"
        assert all(d.chunk.doc_id != world.b.content_hash for d in docs)
        assert not any(secret in d.chunk.text for d in docs for secret in B_SECRETS)


def test_reviewer_sees_b(world: World) -> None:
    assert world.ra.submission(world.b.id, REVIEWER).prefecture == PREF_B
    docs = world.ra.search("翡翠湾 新工場", k=5, plan=str(world.b.id), user=REVIEWER)
    assert any(d.chunk.doc_id == world.b.content_hash for d in docs)
    assert any("翡翠湾" in d.chunk.text for d in docs)


def test_uploading_b_bytes_cannot_take_over_bs_submission(world: World) -> None:
    """Same bytes reuse a submission; a prefecture user must not be able to move it to theirs."""
    assessment = world.ra.assess(world.b_pdf, backend="offline")
    copy = shutil.copyfile(world.b_pdf, world.tmp / "再提出.pdf")
    with pytest.raises(AccessDeniedError):
        world.ra.save(assessment, copy, user=USER_A)
    with pytest.raises(AccessDeniedError):
        world.ra.save(assessment, copy, prefecture=PREF_B, user=USER_A)
    view = world.ra.submission(world.b.id, REVIEWER)
    assert view.prefecture == PREF_B
    assert len(world.ra.reviews.drafts(world.b.id)) == 1
    assert [s.id for s in world.ra.submissions(USER_A)] == [world.a.id]


def test_own_plan_is_answerable_and_cited_by_its_submitted_name(world: World) -> None:
    answer = world.ra.ask(
        "海外売上比率の目標は何％ですか", plan=str(world.a.id), user=USER_A, backend="offline"
    )
    plan_citations = [c for c in answer.citations if c.page is not None]
    assert plan_citations, answer
    assert {c.source for c in plan_citations} == {world.a.file_name}
    assert any("20％" in c.quote for c in plan_citations)


# --- the same attempts through the UI's handlers, with values the dropdowns would never offer ----
@dataclass
class Handlers:
    chat: ChatHandlers
    review: ReviewHandlers
    batch: BatchHandlers


@pytest.fixture(scope="module")
def handlers(world: World) -> Handlers:
    users = UserStore(world.tmp / "users.toml")
    users.add(USER_A.name, "tanaka-password", role="prefecture", prefecture=PREF_A)
    users.add(REVIEWER.name, "sato-password-1", role="reviewer")
    session = Session(world.ra, users, world.tmp / "exports")
    return Handlers(ChatHandlers(session), ReviewHandlers(session), BatchHandlers(session))


def _as(name: str) -> gr.Request:
    """What Gradio builds from the session cookie: the name the login set, nothing the client sends."""
    return gr.Request(username=name)


def _text(values: object) -> str:
    return json.dumps(values, ensure_ascii=False, default=str)


def test_handlers_refuse_b_to_prefecture_a(world: World, handlers: Handlers) -> None:
    a_user, b_id, crit = _as(USER_A.name), world.b.id, world.b.items[0].criterion_id
    chat = list(handlers.chat.ask(f"{B_SECRETS[0]}の新工場について", str(b_id), None, a_user))[-1][0]
    assert "権限" in chat[-1]["content"]
    outputs = {
        "load": handlers.review.load_submission(str(b_id), a_user),
        "item": handlers.review.show_item(b_id, crit, a_user),
        "confirm": handlers.review.confirm(b_id, crit, "", 0, "xlsx", a_user),
        "override": handlers.review.override(b_id, crit, "meets", "理由", 0, "xlsx", a_user),
        "export": handlers.review.export(b_id, "xlsx", a_user),
        "batch": list(handlers.batch.batch(None, str(world.b_pdf.parent), "auto", True, PREF_A, a_user))[-1],
        "draft": handlers.review.draft(str(world.b_pdf), "auto", "", a_user),
    }
    for name, values in {**outputs, "ask": chat[-1]}.items():
        shown = _text(values)
        assert world.b.file_name not in shown and not any(s in shown for s in B_SECRETS), (name, shown)
        assert "ra-danger" in shown or name == "ask", (name, shown)
    assert not (world.tmp / "exports").exists()
    assert not (world.ra.settings.data_dir / "batch").exists()
    assert world.ra.submission(b_id, REVIEWER).prefecture == PREF_B
    assert all(i.decision is None for i in world.ra.submission(b_id, REVIEWER).items)


def test_handlers_refuse_unknown_and_removed_users(world: World, handlers: Handlers) -> None:
    for request in (_as("ghost"), gr.Request()):
        assert "ra-danger" in handlers.review.load_submission(str(world.a.id), request)[-1]
        chat = list(handlers.chat.ask("有望度の要件は？", None, None, request))[-1][0]
        assert "ログイン" in chat[-1]["content"]


def test_handlers_serve_the_own_prefecture_and_reviewers(world: World, handlers: Handlers) -> None:
    loaded = handlers.review.load_submission(str(world.a.id), _as(USER_A.name))
    assert loaded[0] == world.a.id and "ra-danger" not in _text(loaded)
    for name in (USER_A.name, REVIEWER.name):
        link, status, fmt = handlers.review.export(world.a.id, "csv", _as(name))
        token = link.split('href="ra/files/')[1].split('"')[0]
        user = USER_A if name == USER_A.name else REVIEWER
        got = world.ra.downloads.take(token, user)
        assert got.name.endswith(".csv") and got.data and fmt == "csv" and "ra-ok" in status
    assert not list((world.tmp / "exports").rglob("*.csv")), "the export file is removed once it is in memory"
    assert handlers.review.load_submission(str(world.b.id), _as(REVIEWER.name))[0] == world.b.id


def test_conversations_and_their_sources_are_their_owners_only(world: World, handlers: Handlers) -> None:
    a_user = _as(USER_A.name)
    steps = list(handlers.chat.ask("海外売上比率の目標は何％ですか", str(world.a.id), None, a_user))
    messages, conversation_id, _, _ = steps[-1]
    assert conversation_id is not None and "ra-chip" in messages[-1]["content"]
    turn = world.ra.conversations.turn(conversation_id, 0, USER_A)
    plan_n = next(n for n, c in enumerate(turn.answer.citations) if c.source == world.a.file_name)
    column, panel = handlers.chat.open_source(f"ra-ref-0-{plan_n}#1", conversation_id, a_user)
    assert 'src="ra/files/' in panel and "ra-danger" not in panel
    guide_n = next((n for n, c in enumerate(turn.answer.citations) if c.page is None), None)
    if guide_n is not None:
        assert "ra-mark" in handlers.chat.open_source(f"ra-ref-0-{guide_n}#2", conversation_id, a_user)[1]
    for other in (REVIEWER, User(name="yamada", role="prefecture", prefecture=PREF_B)):
        with pytest.raises(NotFoundError):
            world.ra.conversations.get(conversation_id, other)
        with pytest.raises(NotFoundError):
            world.ra.conversations.source(conversation_id, 0, plan_n, other)
    assert "ra-danger" in handlers.chat.open(str(conversation_id), _as(REVIEWER.name))[-1]
    assert all(c.id != conversation_id for c in world.ra.conversations.list(REVIEWER))
