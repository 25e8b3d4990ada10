"""The web UI in a real browser (Debian's Chromium through Playwright) against a real server.

The server is ``review-assistant ui`` in a subprocess, with its own data directory holding users
and two prefectures' saved plans. Screenshots of every step go to ``test-artifacts/ui/``. Every
request the page makes is recorded: the UI must never call out to another host.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from support.pdfgen import write_plan_pdf

from assistant.api import ReviewAssistant
from assistant.domain.models import User, Verdict
from assistant.review.records import SubmissionView
from assistant.review.users import UserStore
from assistant.settings import Settings

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
CLI = Path(sys.executable).parent / "review-assistant"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
TIMEOUT_MS = 90_000

PREF_A, PREF_B = "東雲県", "西海県"
PW_A, PW_REVIEWER = "tanaka-password-1", "sato-password-1"
A_PAGES = [
    "# 東雲県 地場産業成長プラン\n本プランは、東雲県の伝統工芸品である東雲塗の販路拡大を目指すものである。\n"
    "中核事業者：東雲漆器協同組合\n売上目標：令和12年度に年間売上額30億円を達成する。",
    "# 推進体制とKPI\n県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。\n"
    "KPI：海外売上比率 20％（令和12年度）",
]
B_SECRETS = ("翡翠湾", "西海マリンテック")
B_PAGES = [
    "# 西海県 地域産業クラスター計画\n本計画は、西海県の洋上風力発電関連部品の供給網を構築するものである。\n"
    "中核企業：株式会社西海マリンテック\n翡翠湾の造船所跡地に新工場を建設し、国内シェア25％を目指す。",
    "# 投資計画\n令和9年度から令和13年度までに総額120億円の設備投資を行う。",
]
NEW_PAGES = [
    "# 青葉県 地場産業成長プラン\n本プランは、青葉県の地域資源である青葉杉を活用した家具の販路開拓を目指す。\n"
    "中核事業者：青葉木工協同組合\n売上目標：令和12年度に年間売上額12億円を達成する。",
    "# KPIと推進体制\nKPI：県外売上比率 40％（令和12年度）\n県は毎年度、KPIの達成状況を公表する。",
]


@dataclass
class App:
    url: str
    settings: Settings
    a: SubmissionView
    b: SubmissionView
    new_pdf: Path
    plan_pdfs: list[Path]
    timings: dict[str, float] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, deadline_s: float = 180) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the UI exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the UI did not come up within {deadline_s}s:\n{log.read_text(errors='replace')}")


@contextmanager
def _server(tmp: Path, settings: Settings) -> Iterator[tuple[str, Path]]:
    """`review-assistant ui` on a free port, configured only through its environment."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RA_", "GRADIO_"))}
    env.update(
        RA_DATA_DIR=str(settings.data_dir),
        RA_USERS_FILE=str(settings.users_path),
        RA_CONFIG=str(tmp / "absent.toml"),
        RA_OCR_ENABLED="false",
        GRADIO_TEMP_DIR=str(tmp / "gradio"),
    )
    log = tmp / "ui.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(CLI), "ui", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process, log)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("ui")
    started = time.monotonic()
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "users.toml", ocr_enabled=False)
    users = UserStore(settings.users_path)
    users.add("tanaka", PW_A, role="prefecture", prefecture=PREF_A)
    users.add("sato", PW_REVIEWER, role="reviewer")
    ra = ReviewAssistant(settings)
    saved, pdfs = [], []
    for name, pages, pref in (
        ("東雲県_地場産業成長プラン.pdf", A_PAGES, PREF_A),
        ("西海県_地域産業クラスター計画.pdf", B_PAGES, PREF_B),
    ):
        pdf = write_plan_pdf(tmp / name, pages)
        pdfs.append(pdf)
        saved.append(ra.save(ra.assess(pdf, backend="offline"), pdf, prefecture=pref))
    new_pdf = write_plan_pdf(tmp / "upload" / "青葉県_地場産業成長プラン.pdf", NEW_PAGES)
    prepared = time.monotonic()

    with _server(tmp, settings) as (url, _):
        app = App(
            url=url,
            settings=settings,
            a=saved[0],
            b=saved[1],
            new_pdf=new_pdf,
            plan_pdfs=pdfs,
            timings={"prepare_s": prepared - started, "server_start_s": time.monotonic() - prepared},
        )
        yield app
        print(f"\nUI test timings: {json.dumps({k: round(v, 1) for k, v in app.timings.items()})}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser: Browser, app: App) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    hosts: list[str] = []
    ctx.on("request", lambda request: hosts.append(request.url))
    yield ctx
    ctx.close()
    outside = [u for u in hosts if not u.startswith((app.url, "data:", "blob:"))]
    assert not outside, f"the page called out to other hosts: {outside}"


def _shot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)  # let Gradio's fade-in of updated outputs finish
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page: Page, app: App, name: str, password: str) -> None:
    page.goto(app.url)
    page.get_by_label("ユーザー名").fill(name)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#ra-header")).to_contain_text(name)


def _options(page: Page, dropdown: str) -> list[str]:
    page.locator(f"{dropdown} input").click()
    options = page.locator("ul[role=listbox] li")
    expect(options.first).to_be_visible()
    texts = options.all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def _shot_open(page: Page, dropdown: str, name: str) -> None:
    """A screenshot with the dropdown's list open (after its opening animation)."""
    page.locator(f"{dropdown} input").click()
    expect(page.locator("ul[role=listbox] li").first).to_be_visible()
    page.wait_for_timeout(400)
    _shot(page, name)
    page.keyboard.press("Escape")


def _choose(page: Page, dropdown: str, text: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.locator("ul[role=listbox] li", has_text=text).first.click()


def _crafted_call(page: Page, app: App, api_name: str, data: list[object]) -> str:
    """What a signed-in user can send without the UI: a queue request with arbitrary input values."""
    config = page.request.get(app.url + "config").json()
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    return page.evaluate(
        """async ([fnIndex, data]) => {
            const session = Math.random().toString(36).slice(2);
            const joined = await fetch("gradio_api/queue/join", {method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({data, fn_index: fnIndex, session_hash: session, event_data: null})});
            if (!joined.ok) { return "join refused: " + joined.status + " " + await joined.text(); }
            const stream = await fetch("gradio_api/queue/data?session_hash=" + session);
            return await stream.text();
        }""",
        [fn_index, data],
    )


def _completed(stream: str) -> dict[str, object]:
    for line in stream.splitlines():
        if line.startswith("data: "):
            message = json.loads(line[len("data: ") :])
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError(f"no completion in: {stream[:2000]}")


def test_prefecture_staff_ask_and_see_cited_quotes(context: BrowserContext, app: App) -> None:
    start = time.monotonic()
    page = context.new_page()
    page.goto(app.url)
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(
        page.get_by_text("Incorrect", exact=False).or_(page.get_by_text("正しくありません"))
    ).to_be_visible()
    _shot(page, "01_login_rejected")

    _login(page, app, "tanaka", PW_A)
    expect(page.locator("#ra-header")).to_contain_text("都道府県担当（東雲県）")
    expect(page.locator("#ra-header")).to_contain_text("オフライン下書き（LLM未使用・規則ベース）")
    expect(page.get_by_role("tab", name="一括")).to_have_count(0)
    _shot(page, "02_prefecture_signed_in")

    page.locator("#ra-question textarea").fill("地場産業成長プランの有望度の要件は何ですか")
    page.locator("#ra-send").click()
    chat = page.locator("#ra-chat")
    expect(chat).to_contain_text("出典")
    expect(chat).to_contain_text("requirements_2026-03.md")
    expect(chat.locator("blockquote").first).to_contain_text("市場ニーズ")
    _shot(page, "03_guideline_answer")

    _choose(page, "#ra-scope", app.a.file_name)
    page.locator("#ra-question textarea").fill("海外売上比率の目標は何％ですか")
    page.locator("#ra-send").click()
    expect(chat.locator(".message-row, .message-wrap").last).to_contain_text(app.a.file_name)
    expect(chat).to_contain_text("20％")
    _shot(page, "04_plan_answer")

    page.locator("#ra-question textarea").fill("補助金の交付決定日はいつですか")
    page.locator("#ra-send").click()
    expect(chat).to_contain_text("ガイドラインに記載がありません")
    _shot(page, "05_not_answerable")
    app.timings["prefecture_chat_s"] = time.monotonic() - start


def test_prefecture_staff_cannot_reach_another_prefecture(context: BrowserContext, app: App) -> None:
    start = time.monotonic()
    page = context.new_page()
    _login(page, app, "tanaka", PW_A)
    scope = _options(page, "#ra-scope")
    assert any(app.a.file_name in s for s in scope), scope
    assert not any(app.b.file_name in s or PREF_B in s for s in scope), scope
    _shot_open(page, "#ra-scope", "06_scope_only_own_prefecture")

    page.get_by_role("tab", name="審査").click()
    listed = _options(page, "#ra-submission")
    assert len(listed) == 1 and app.a.file_name in listed[0], listed
    _shot_open(page, "#ra-submission", "07_review_list_only_own_prefecture")

    attempts = {
        "ask": [f"{B_SECRETS[0]}の新工場について", str(app.b.id), None],
        "load_submission": [str(app.b.id)],
        "batch": [None, str(app.settings.data_dir / "plans"), "auto", False, ""],
    }
    streams = {api_name: _crafted_call(page, app, api_name, data) for api_name, data in attempts.items()}
    for api_name, stream in streams.items():
        assert app.b.file_name not in stream and not any(s in stream for s in B_SECRETS), (api_name, stream)
    for api_name in ("ask", "load_submission"):
        assert _completed(streams[api_name]).get("success") is False, streams[api_name]
    assert "審査担当者のみ" in json.dumps(_completed(streams["batch"]), ensure_ascii=False)
    assert not (app.settings.data_dir / "batch").exists(), "the refused batch must not have run"
    app.timings["prefecture_isolation_s"] = time.monotonic() - start


def test_reviewer_drafts_confirms_overrides_and_exports(
    context: BrowserContext, app: App, tmp_path: Path
) -> None:
    start = time.monotonic()
    page = context.new_page()
    _login(page, app, "sato", PW_REVIEWER)
    expect(page.locator("#ra-header")).to_contain_text("審査担当")
    page.get_by_role("tab", name="審査").click()
    listed = _options(page, "#ra-submission")
    assert any(app.a.file_name in s for s in listed) and any(app.b.file_name in s for s in listed), listed

    page.get_by_text("新しい計画書を登録して下書きを作成").click()
    page.locator("#ra-upload input[type=file]").set_input_files(str(app.new_pdf))
    expect(page.locator("#ra-upload a")).to_have_count(1)  # the download link appears once uploaded
    page.locator("#ra-pref textarea, #ra-pref input").first.fill("青葉県")
    page.locator("#ra-draft").click()
    expect(page.locator("#ra-summary")).to_contain_text(app.new_pdf.name)
    expect(page.locator("#ra-status")).to_contain_text("下書きを作成しました")
    table = page.locator("#ra-table")
    expect(table.locator("[data-testid=cell-0-0]")).not_to_be_empty()
    _shot(page, "08_reviewer_draft_table")
    submission = ReviewAssistant(app.settings).submissions(User(name="t", role="reviewer"))[-1]
    assert submission.file_name == app.new_pdf.name and submission.prefecture == "青葉県"
    ra = ReviewAssistant(app.settings)
    view = ra.submission(submission.id)

    table.locator("[data-testid=cell-0-1]").click()
    expect(page.locator("#ra-detail h3")).to_contain_text(ra.rubric.get(view.items[0].criterion_id).label)
    expect(page.locator("#ra-detail")).to_contain_text(ra.rubric.get(view.items[0].criterion_id).text)
    if view.items[0].citations:
        expect(page.locator("#ra-pages img").first).to_be_visible()
    _shot(page, "09_item_with_page_highlight")
    page.locator("#ra-confirm").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("確定しました")
    draft_label = table.locator("[data-testid=cell-0-2]").inner_text().strip()
    expect(table.locator("[data-testid=cell-0-3]")).to_have_text(draft_label)
    expect(table.locator("[data-testid=cell-0-4]")).to_have_text("sato")

    cited = next(n for n, item in enumerate(view.items) if n > 0 and item.citations)
    _choose(page, "#ra-item", f"{cited + 1}. ")
    expect(page.locator("#ra-pages img").first).to_be_visible()
    _shot(page, "10_cited_item_page_image")
    _choose(page, "#ra-verdict", "満たさない")
    page.locator("#ra-override").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("理由をコメントに入力してください")
    expect(table.locator(f"[data-testid=cell-{cited}-3]")).to_have_text("未確定")
    page.locator("#ra-comment textarea").fill("目標値の根拠が示されていないため")
    page.locator("#ra-override").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("満たさないで確定しました")
    expect(table.locator(f"[data-testid=cell-{cited}-3]")).to_have_text("満たさない")
    _shot(page, "11_confirmed_and_overridden")

    other = next(n for n in range(1, len(view.items)) if n != cited)
    _choose(page, "#ra-item", f"{other + 1}. ")
    expect(page.locator("#ra-detail h3")).to_contain_text(ra.rubric.get(view.items[other].criterion_id).label)
    ra.decide(
        submission.id,
        view.items[other].criterion_id,
        verdict=Verdict.needs_review,
        comment="先に確認",
        user=User(name="suzuki", role="reviewer"),
    )
    page.locator("#ra-confirm").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("suzuki さんが")
    expect(table.locator(f"[data-testid=cell-{other}-4]")).to_have_text("suzuki")
    expect(page.locator("#ra-detail")).to_contain_text("先に確認")
    expect(page.locator("#ra-verdict input")).to_have_value("要確認")
    _shot(page, "12_conflict_message")

    page.locator("#ra-export-xlsx").click()
    expect(page.locator("#ra-export-status")).to_contain_text("Excel（XLSX）を出力しました")
    with page.expect_download() as download:
        page.locator("#ra-export-file a").first.click()
    xlsx = tmp_path / "export.xlsx"
    download.value.save_as(xlsx)
    _shot(page, "13_exported")
    sheet = load_workbook(xlsx).worksheets[1]
    rows = {row[10]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    first, overridden = rows[view.items[0].criterion_id], rows[view.items[cited].criterion_id]
    assert first[4] == draft_label and first[7] == "sato"
    assert overridden[4] == "満たさない" and overridden[7] == "sato"
    assert overridden[8] == "目標値の根拠が示されていないため"
    assert rows[view.items[other].criterion_id][7] == "suzuki", "the conflicting click did not overwrite"
    app.timings["reviewer_flow_s"] = time.monotonic() - start


def test_reviewer_runs_a_batch_and_downloads_the_summary(
    context: BrowserContext, app: App, tmp_path: Path
) -> None:
    start = time.monotonic()
    page = context.new_page()
    _login(page, app, "sato", PW_REVIEWER)
    page.get_by_role("tab", name="一括").click()
    page.locator("#ra-batch-files input[type=file]").set_input_files([str(p) for p in app.plan_pdfs])
    expect(page.locator("#ra-batch-files a")).to_have_count(len(app.plan_pdfs))  # a link once uploaded
    page.locator("#ra-batch-run").click()
    expect(page.locator("#ra-batch-status")).to_contain_text(
        "完了：2件（新規 2、処理済み 0、失敗 0）", timeout=180_000
    )
    table = page.locator("#ra-batch-table")
    rows = {table.locator(f"[data-testid=cell-{r}-0]").inner_text().strip(): r for r in range(2)}
    assert set(rows) == {p.name for p in app.plan_pdfs}, rows
    expect(table.locator(f"[data-testid=cell-{rows[app.a.file_name]}-1]")).to_have_text("C")
    expect(table.locator(f"[data-testid=cell-{rows[app.b.file_name]}-1]")).to_have_text("B")
    _shot(page, "14_batch_summary")

    with page.expect_download() as download:
        page.locator("#ra-batch-file a").first.click()
    xlsx = tmp_path / "summary.xlsx"
    download.value.save_as(xlsx)
    sheet = load_workbook(xlsx)["一覧"]
    files = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert {Path(f).name for f in files} == {p.name for p in app.plan_pdfs}
    codes = {code for row in files.values() for code in row[4:] if code}
    assert codes and codes <= {"○", "△", "×", "－", "対象外", "要確認"}, codes
    app.timings["reviewer_batch_s"] = time.monotonic() - start


def test_without_users_file_it_runs_as_the_local_reviewer(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What `make run` does on a fresh machine: no login page, a reviewer named `local`, loopback only."""
    tmp = tmp_path_factory.mktemp("ui-local")
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "no-users.toml", ocr_enabled=False)
    with _server(tmp, settings) as (url, log):
        ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
        ctx.set_default_timeout(TIMEOUT_MS)
        page = ctx.new_page()
        page.goto(url)
        header = page.locator("#ra-header")
        expect(header).to_contain_text("local（ローカル単独モード・ログインなし）")
        expect(header).to_contain_text("審査担当")
        expect(page.get_by_role("tab", name="一括")).to_be_visible()
        expect(page.get_by_label("パスワード")).to_have_count(0)
        _shot(page, "15_local_mode")
        ctx.close()
        assert "127.0.0.1" in log.read_text(encoding="utf-8", errors="replace")
