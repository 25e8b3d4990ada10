"""The 質問 tab in a real browser (Debian's Chromium through Playwright) against a real server.

The server is ``review-assistant ui`` in a subprocess, with its own data directory holding users and
two prefectures' saved plans (one with instructions to the assessor injected into it). Screenshots
of every step go to ``test-artifacts/ui/``, the chat's to ``docs/screenshots/``. Every request the
page makes is recorded: the UI must never call out to another host.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from support.pdfgen import write_plan_pdf
from support.ui_browser import (
    B_PAGES,
    C_PAGES,
    TIMEOUT_MS,
    choose,
    completed,
    crafted_call,
    login,
    more_than_now,
    options,
    read_clock,
    shot,
    start_clock,
    ui_server,
)

from assistant.api import ReviewAssistant
from assistant.apps.ui.chat import EXAMPLES
from assistant.domain.models import User
from assistant.review.records import SubmissionView
from assistant.review.users import UserStore
from assistant.settings import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PREF_A, PREF_B = "東雲県", "西海県"
PW_A, PW_REVIEWER = "tanaka-password-1", "sato-password-1"
B_SECRETS = ("翡翠湾", "西海マリンテック")
INJECTED = ROOT / "evals" / "data" / "plans" / "b_injection_chihaya.pdf"
BOT, USER = "#ra-chat [data-testid=bot]", "#ra-chat [data-testid=user]"
UNANSWERABLE = "補助金の交付決定日はいつですか"


@dataclass
class App:
    url: str
    settings: Settings
    a: SubmissionView
    b: SubmissionView
    injected: SubmissionView
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("ui")
    started = time.monotonic()
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "users.toml", ocr_enabled=False)
    users = UserStore(settings.users_path)
    users.add("tanaka", PW_A, role="prefecture", prefecture=PREF_A)
    users.add("sato", PW_REVIEWER, role="reviewer")
    ra = ReviewAssistant(settings)
    ra.ensure_corpus()
    saved = []
    for name, pages, pref in (
        ("東雲県_地場産業成長プラン.pdf", C_PAGES, PREF_A),
        ("西海県_地域産業クラスター計画.pdf", B_PAGES, PREF_B),
    ):
        pdf = write_plan_pdf(tmp / name, pages)
        saved.append(ra.save(ra.assess(pdf, backend="offline"), pdf, prefecture=pref))
    injected = shutil.copyfile(INJECTED, tmp / INJECTED.name)
    saved.append(ra.save(ra.assess(injected, backend="offline"), injected, prefecture=PREF_A))
    prepared = time.monotonic()
    with ui_server(tmp, settings) as (url, _):
        app = App(url, settings, *saved, timings={"prepare_s": prepared - started})
        app.timings["server_start_s"] = time.monotonic() - prepared
        yield app
        print(f"\nUI chat timings: {json.dumps({k: round(v, 2) for k, v in app.timings.items()})}")


@pytest.fixture
def context(browser: Browser, app: App) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    ctx.set_default_timeout(TIMEOUT_MS)
    hosts: list[str] = []
    ctx.on("request", lambda request: hosts.append(request.url))
    yield ctx
    ctx.close()
    outside = [u for u in hosts if not u.startswith((app.url, "data:", "blob:"))]
    assert not outside, f"the page called out to other hosts: {outside}"


def _ask_with_enter(page: Page, question: str) -> float:
    """Type a question, press Enter, and return the seconds until its answer-first line shows."""
    box = page.locator("#ra-question textarea")
    box.fill(question)
    start_clock(page, more_than_now(page, f"{BOT} .ra-lead"))
    box.press("Enter")
    return read_clock(page)


def _last_answer_done(page: Page, bots: int) -> None:
    expect(page.locator(BOT)).to_have_count(bots)
    expect(page.locator(BOT).last.locator(".ra-mode")).to_be_visible()


def test_prefecture_staff_ask_with_enter_examples_and_sources(context: BrowserContext, app: App) -> None:
    page = context.new_page()
    page.goto(app.url)
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(
        page.get_by_text("Incorrect", exact=False).or_(page.get_by_text("正しくありません"))
    ).to_be_visible()
    shot(page, "01_login_rejected")
    login(page, app.url, "tanaka", PW_A)
    expect(page.locator("#ra-header")).to_contain_text("都道府県担当（東雲県）")
    expect(page.get_by_role("tab", name="一括")).to_have_count(0)
    for n, example in enumerate(EXAMPLES["prefecture"]):
        expect(page.locator(f"#ra-ex-{n}")).to_have_text(example)

    start_clock(page, more_than_now(page, f"{BOT} .ra-lead"))
    page.locator("#ra-ex-0").click()
    app.timings["chat_example_to_first_answer_s"] = read_clock(page)
    _last_answer_done(page, 1)
    expect(page.locator(USER).last).to_contain_text(EXAMPLES["prefecture"][0])

    box = page.locator("#ra-question textarea")
    box.fill("一行目")
    box.press("Shift+Enter")
    box.press_sequentially("二行目")
    assert box.input_value() == "一行目\n二行目", "Shift+Enter is a new line"
    box.evaluate(  # an Enter that confirms an IME conversion (Gradio itself sends on the keypress)
        """el => {
            el.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
            for (const type of ['keydown', 'keypress']) {
                el.dispatchEvent(new KeyboardEvent(type, {key: 'Enter', isComposing: true, bubbles: true}));
            }
            el.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true}));
        }"""
    )
    warm = [_ask_with_enter(page, "地域クラスターと地場プランで有望度の違いは？")]
    _last_answer_done(page, 2)
    expect(page.locator(USER)).to_have_count(2)  # the IME Enter sent nothing
    warm.append(_ask_with_enter(page, "地場産業成長プランの外部依存性の要件は？"))
    _last_answer_done(page, 3)
    app.timings["chat_question_to_first_answer_warm_s"] = max(warm)

    answer = page.locator(BOT).last
    lead = answer.locator(".ra-lead")
    expect(lead).to_contain_text("外部依存性")
    size = lead.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    body = answer.locator(".ra-mode").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size > body, "the answer-first line stands out"
    expect(answer.locator(".ra-mode")).to_have_text("回答の方式：ガイドラインからの抜粋（AIなし）")
    expect(page.locator("#ra-chat")).not_to_contain_text("回答方式")
    chip = answer.locator(".ra-chip:not(.ra-chip-inline)").first
    quote = chip.locator(".ra-chip-q").inner_text().strip("「」…")
    chip.click()
    expect(page.locator("#ra-source-col")).to_be_visible()
    expect(page.locator("#ra-source .ra-mark")).to_contain_text(quote[:20])
    expect(page.locator("#ra-source .ra-tag")).to_have_text("ガイドライン")
    shot(page, "02_chat", readme=True)

    page.locator("#ra-conv-new").click()
    expect(page.locator(BOT)).to_have_count(0)
    _ask_with_enter(page, UNANSWERABLE)
    _last_answer_done(page, 1)
    expect(page.locator(BOT).last).to_contain_text("ガイドラインに記載がありません")


def test_conversations_are_kept_listed_reopened_and_deleted(context: BrowserContext, app: App) -> None:
    page = context.new_page()
    login(page, app.url, "tanaka", PW_A)
    conversations = page.locator("#ra-conv-list label")
    expect(conversations).to_have_count(2)  # the previous test's, back after a new sign-in, latest first
    expect(conversations.first).to_contain_text(UNANSWERABLE)
    expect(page.locator(BOT)).to_have_count(1)

    page.locator("#ra-conv-new").click()
    expect(page.locator(BOT)).to_have_count(0)
    _ask_with_enter(page, "KPIの要件は？")
    _last_answer_done(page, 1)
    expect(conversations).to_have_count(3)
    expect(conversations.first).to_contain_text("KPIの要件は？")
    _ask_with_enter(page, "モニタリングについては？")
    _last_answer_done(page, 2)

    page.reload()
    expect(page.locator(BOT)).to_have_count(2)  # the latest conversation is back after a reload
    conversations.nth(2).click()
    expect(page.locator(BOT)).to_have_count(3)
    expect(page.locator(USER).first).to_contain_text(EXAMPLES["prefecture"][0])
    page.locator(BOT).nth(1).locator(".ra-chip").first.click()
    expect(page.locator("#ra-source .ra-mark").first).to_be_visible()  # sources of a reopened answer open

    conversations.first.click()
    expect(page.locator(BOT)).to_have_count(2)
    page.locator("#ra-conv-delete").click()
    expect(page.locator(BOT)).to_have_count(0)
    expect(conversations).to_have_count(2)
    ra = ReviewAssistant(app.settings)
    assert [c.title for c in ra.conversations.list(User(name="tanaka", role="prefecture"))] == [
        UNANSWERABLE,
        EXAMPLES["prefecture"][0],
    ]
    assert ra.conversations.list(User(name="sato", role="reviewer")) == []

    other = context.browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})  # type: ignore[union-attr]
    reviewer = other.new_page()
    login(reviewer, app.url, "sato", PW_REVIEWER)
    expect(reviewer.locator("#ra-ex-1")).to_have_text(EXAMPLES["reviewer"][1])
    expect(reviewer.locator("#ra-conv-list label")).to_have_count(0)  # tanaka's are tanaka's alone
    expect(reviewer.locator(BOT)).to_have_count(0)
    other.close()


def test_a_plan_scoped_answer_shows_the_plans_warnings_and_pages(context: BrowserContext, app: App) -> None:
    page = context.new_page()
    login(page, app.url, "tanaka", PW_A)
    page.locator("#ra-conv-new").click()
    choose(page, "#ra-scope", app.injected.file_name)
    expect(page.locator("#ra-ex-0")).to_have_text(EXAMPLES["plan"][0])
    page.locator("#ra-ex-0").click()
    _last_answer_done(page, 1)
    answer = page.locator(BOT).last
    expect(answer.locator(".ra-danger")).to_contain_text("審査への指示と思われる記載があります")
    expect(page.locator(USER).last).to_contain_text(app.injected.file_name)

    expected = ReviewAssistant(app.settings).ask(
        EXAMPLES["plan"][0],
        plan=str(app.injected.id),
        user=User(name="tanaka", role="prefecture", prefecture=PREF_A),
    )
    injected_pages = {n.page for n in app.injected.draft.notices if n.is_danger}
    flagged = [
        c for c in expected.citations if c.source == app.injected.file_name and c.page in injected_pages
    ]
    expect(answer.locator(".ra-chip-danger")).to_have_count(len(flagged))

    plan_chip = answer.locator(".ra-chip:not(.ra-chip-inline)", has_text=app.injected.file_name).first
    plan_chip.click()
    image = page.locator("#ra-source .ra-page img")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('#ra-source .ra-page img')?.naturalWidth > 1000")
    expect(page.locator("#ra-source .ra-tag")).to_have_text("計画書")
    page.locator("#ra-source [data-zoom=in]").click()
    zoom = page.locator("#ra-source .ra-page-scroll").evaluate("el => el.style.getPropertyValue('--ra-zoom')")
    assert float(zoom) > 1
    shot(page, "03_plan_answer_with_warning_and_page")


def test_prefecture_staff_cannot_reach_another_prefecture(context: BrowserContext, app: App) -> None:
    page = context.new_page()
    login(page, app.url, "tanaka", PW_A)
    scope = options(page, "#ra-scope")
    assert any(app.a.file_name in s for s in scope), scope
    assert not any(app.b.file_name in s or PREF_B in s for s in scope), scope

    page.get_by_role("tab", name="審査").click()
    listed = options(page, "#ra-submission")
    assert len(listed) == 2 and not any(app.b.file_name in s for s in listed), listed

    attempts = {
        "ask": [f"{B_SECRETS[0]}の新工場について", str(app.b.id), None],
        "load_submission": [str(app.b.id)],
        "batch": [None, str(app.settings.data_dir / "plans"), "auto", False, ""],
    }
    streams = {api_name: crafted_call(page, app.url, api_name, data) for api_name, data in attempts.items()}
    shown = {
        api_name: json.dumps(completed(stream), ensure_ascii=False) for api_name, stream in streams.items()
    }
    for api_name, stream in streams.items():
        assert app.b.file_name not in stream and not any(s in stream for s in B_SECRETS), (api_name, stream)
    for api_name in ("ask", "load_submission"):  # refused by Gradio's choice check or by the library
        refused = '"success": false' in shown[api_name] or "利用する権限がありません" in shown[api_name]
        assert refused, shown[api_name]
    assert "審査担当者のみ" in shown["batch"], shown["batch"]
    assert not (app.settings.data_dir / "batch").exists(), "the refused batch must not have run"
    shot(page, "04_review_list_only_own_prefecture")


def test_without_users_file_it_runs_as_the_local_reviewer(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What `make run` does on a fresh machine: no login page, a reviewer named `local`, loopback only."""
    tmp = tmp_path_factory.mktemp("ui-local")
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "no-users.toml", ocr_enabled=False)
    with ui_server(tmp, settings) as (url, log):
        ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(TIMEOUT_MS)
        page = ctx.new_page()
        page.goto(url)
        header = page.locator("#ra-header")
        expect(header).to_contain_text("local（ローカル単独モード・ログインなし）")
        expect(header).to_contain_text("審査担当")
        expect(page.get_by_role("tab", name="一括")).to_be_visible()
        expect(page.get_by_label("パスワード")).to_have_count(0)
        shot(page, "05_local_mode")
        ctx.close()
        assert "127.0.0.1" in log.read_text(encoding="utf-8", errors="replace")
