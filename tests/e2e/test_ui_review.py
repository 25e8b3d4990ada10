"""The 審査 tab and personal downloads in a real browser against a real server.

A reviewer drafts a 10-page plan, walks its items in the two-pane screen, confirms, overrides, meets
a conflict and exports; 要確認 items need a chosen verdict; a Word plan is quoted by section and
paragraph; downloads and page images reach only the user they were made for (checked with plain
HTTP as another signed-in user and anonymously). The review tab's screenshot goes to
``docs/screenshots/``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from support.office_docs import write_plan_docx
from support.pdfgen import synthetic_plan_pages, write_plan_pdf
from support.ui_browser import (
    B_PAGES,
    C_PAGES,
    TIMEOUT_MS,
    anonymous_status,
    cached_files,
    choose,
    download,
    login,
    read_clock,
    shot,
    signed_in_client,
    start_clock,
    ui_server,
)

from assistant.api import ReviewAssistant
from assistant.domain.models import User, Verdict
from assistant.review.conflicts import japan_time
from assistant.review.records import SubmissionView
from assistant.review.users import UserStore
from assistant.settings import Settings

pytestmark = pytest.mark.slow

PREF_A, PREF_B = "東雲県", "西海県"
PASSWORDS = {"sato": "sato-password-1", "tanaka": "tanaka-password-1", "yamada": "yamada-password-1"}
SATO = User(name="sato", role="reviewer")


@dataclass
class App:
    url: str
    tmp: Path
    settings: Settings
    a: SubmissionView
    needs_review: SubmissionView
    ten_pages: Path
    word: Path
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("ui-review")
    started = time.monotonic()
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "users.toml", ocr_enabled=False)
    users = UserStore(settings.users_path)
    users.add("sato", PASSWORDS["sato"], role="reviewer")
    users.add("tanaka", PASSWORDS["tanaka"], role="prefecture", prefecture=PREF_A)
    users.add("yamada", PASSWORDS["yamada"], role="prefecture", prefecture=PREF_B)
    ra = ReviewAssistant(settings)
    c_pdf = write_plan_pdf(tmp / "東雲県_地場産業成長プラン.pdf", C_PAGES)
    b_pdf = write_plan_pdf(tmp / "西海県_地域産業クラスター計画.pdf", B_PAGES)
    a = ra.save(ra.assess(c_pdf, backend="offline"), c_pdf, prefecture=PREF_A)
    drafted = ra.assess(b_pdf, backend="offline")
    first = drafted.items[0].model_copy(update={"verdict": Verdict.needs_review})
    needs_review = ra.save(
        drafted.model_copy(update={"items": [first, *drafted.items[1:]]}), b_pdf, prefecture=PREF_B
    )
    ten = write_plan_pdf(
        tmp / "upload" / "北浜県_地域産業クラスター計画.pdf", synthetic_plan_pages("B", 10, seed=3)
    )
    word = write_plan_docx(tmp / "upload" / "東雲県_地場産業成長プラン_第2版.docx", C_PAGES)
    prepared = time.monotonic()
    with ui_server(tmp, settings) as (url, _):
        app = App(url, tmp, settings, a, needs_review, ten, word)
        app.timings = {"prepare_s": prepared - started, "server_start_s": time.monotonic() - prepared}
        yield app
        print(f"\nUI review timings: {json.dumps({k: round(v, 2) for k, v in app.timings.items()})}")


@pytest.fixture
def context(playwright_browser: tuple[Playwright, Browser], app: App) -> Iterator[BrowserContext]:
    ctx = playwright_browser[1].new_context(
        locale="ja-JP", viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    hosts: list[str] = []
    ctx.on("request", lambda request: hosts.append(request.url))
    yield ctx
    ctx.close()
    outside = [u for u in hosts if not u.startswith((app.url, "data:", "blob:"))]
    assert not outside, f"the page called out to other hosts: {outside}"


def _current(page: Page) -> str:
    return page.locator("#ra-criteria .ra-crit-current").get_attribute("data-item") or ""


def _select(page: Page, criterion_id: str) -> None:
    """Open an item from the list (a click on the item already open would only reload it)."""
    if _current(page) == criterion_id:
        return
    page.locator(f'#ra-criteria .ra-crit[data-item="{criterion_id}"]').click()
    expect(page.locator("#ra-criteria .ra-crit-current")).to_have_attribute("data-item", criterion_id)
    expect(page.locator("#ra-detail .ra-id")).to_contain_text(criterion_id)


def _open(page: Page, file_name: str) -> None:
    """Switch to a saved submission and wait until the screen shows it."""
    choose(page, "#ra-submission", file_name)
    expect(page.locator("#ra-summary")).to_contain_text(file_name)


def test_reviewer_drafts_a_plan_and_works_through_it(
    context: BrowserContext, app: App, tmp_path: Path
) -> None:
    page = context.new_page()
    login(page, app.url, "sato", PASSWORDS["sato"])
    page.get_by_role("tab", name="審査").click()
    page.get_by_text("新しい計画書を登録して下書きを作成").click()
    uploaded = time.monotonic()
    page.locator("#ra-upload input[type=file]").set_input_files(str(app.ten_pages))
    expect(page.locator("#ra-upload a")).to_have_count(1)
    page.locator("#ra-pref textarea, #ra-pref input").first.fill("北浜県")
    drafted = f"document.querySelector('#ra-summary')?.textContent.includes({json.dumps(app.ten_pages.name)})"
    start_clock(page, f"{drafted} && document.querySelectorAll('#ra-criteria .ra-crit').length === 15")
    page.locator("#ra-draft").click()
    app.timings["draft_click_to_table_10_pages_s"] = read_clock(page)
    expect(page.locator("#ra-criteria .ra-crit")).to_have_count(15)
    app.timings["draft_upload_to_table_10_pages_s"] = time.monotonic() - uploaded
    expect(page.locator("#ra-summary")).to_contain_text(app.ten_pages.name)
    expect(page.locator("#ra-status")).to_contain_text("下書きを作成しました")
    assert not cached_files(app.tmp), "the upload left Gradio's cache once it was assessed"

    ra = ReviewAssistant(app.settings)
    view = ra.submission(ra.submissions(SATO)[-1].id)
    assert view.file_name == app.ten_pages.name and view.prefecture == "北浜県"
    left, right = page.locator("#ra-left").bounding_box(), page.locator("#ra-right").bounding_box()
    assert left and right and left["x"] + left["width"] <= right["x"], "two panes side by side"
    expect(page.locator("#ra-counts")).to_contain_text("確定 0/15")
    badge = page.locator("#ra-criteria .ra-crit .ra-badge").first
    assert "ra-v-" in (badge.get_attribute("class") or "")
    colour = badge.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour

    order = [i.criterion_id for i in view.items]
    start = _current(page)
    assert start == order[0]
    page.locator("#ra-counts").click()  # focus outside the text boxes, where the shortcuts work
    page.keyboard.press("j")
    expect(page.locator("#ra-criteria .ra-crit-current")).to_have_attribute("data-item", order[1])
    page.keyboard.press("k")
    expect(page.locator("#ra-criteria .ra-crit-current")).to_have_attribute("data-item", order[0])
    page.locator("#ra-next").click()
    expect(page.locator("#ra-criteria .ra-crit-current")).to_have_attribute("data-item", order[1])
    expect(page.locator("#ra-shortcuts")).to_contain_text("J 次の項目")

    judged = next(i for i in view.items if i.findings and i.citations)
    _select(page, judged.criterion_id)
    kinds = set(page.locator("#ra-detail .ra-kind").all_inner_texts())
    assert kinds and kinds <= {"根拠", "リスク", "対策", "不足"}, kinds
    if judged.confidence:
        expect(page.locator("#ra-detail .ra-item-verdicts")).to_contain_text("確度：")
    page.wait_for_function("() => document.querySelector('#ra-pages .ra-page img')?.naturalWidth > 1000")
    page.locator("#ra-pages [data-zoom=in]").first.click()
    zoom = page.locator("#ra-pages .ra-page-scroll").first.evaluate(
        "el => el.style.getPropertyValue('--ra-zoom')"
    )
    assert float(zoom) > 1
    page.locator("#ra-pages [data-zoom=fit]").first.click()
    page.get_by_text("新しい計画書を登録して下書きを作成").click()  # fold the upload away for the picture
    page.locator("#ra-summary").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('#ra-summary').scrollIntoView({block: 'start'})")
    shot(page, "10_review", readme=True)

    plain = next(
        i
        for i in view.items
        if i.draft_verdict != Verdict.needs_review and i.citations and i.criterion_id != judged.criterion_id
    )
    _select(page, plain.criterion_id)
    page.locator("#ra-confirm").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("確定しました")
    row = page.locator(f'#ra-criteria .ra-crit[data-item="{plain.criterion_id}"]')
    expect(row).to_have_class(re.compile("ra-crit-done"))
    expect(page.locator("#ra-counts")).to_contain_text("確定 1/15")

    other = next(
        i
        for i in view.items
        if i.draft_verdict not in (Verdict.needs_review, Verdict.does_not_meet)
        and i.criterion_id != plain.criterion_id
    )
    _select(page, other.criterion_id)
    page.locator("#ra-verdict label", has_text="満たさない").click()
    page.locator("#ra-override").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("理由をコメントに入力してください")
    page.locator("#ra-comment textarea").fill("目標値の根拠が示されていないため")
    page.locator("#ra-override").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("満たさないで確定しました")

    page.locator("#ra-export-xlsx").click()
    expect(page.locator("#ra-export-status")).to_contain_text("Excel（XLSX）を出力しました")
    first_link = page.locator("#ra-export-file a.ra-download").get_attribute("href")
    sheet = load_workbook(download(page, "#ra-export-file a.ra-download", tmp_path / "1.xlsx")).worksheets[1]
    rows = {row[10]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[other.criterion_id][4] == "満たさない" and rows[other.criterion_id][7] == "sato"

    contested = next(
        i
        for i in view.items
        if i.draft_verdict not in (Verdict.needs_review, Verdict.not_addressed)
        and i.criterion_id not in (plain.criterion_id, other.criterion_id)
    )
    _select(page, contested.criterion_id)
    page.locator("#ra-comment textarea").fill("私の所見：根拠の頁を確認した")
    ra.decide(
        view.id,
        contested.criterion_id,
        verdict=Verdict.not_addressed,
        comment="先に確認",
        user=User(name="suzuki", role="reviewer"),
    )
    page.locator("#ra-confirm").click()
    status = page.locator("#ra-decide-status")
    expect(status).to_contain_text("suzuki さんが")
    expect(status).to_contain_text("日本時間")
    expect(status).to_contain_text(f"「{ra.rubric.view(contested.criterion_id).label}」")
    expect(status).to_contain_text("「記載なし」")
    assert contested.criterion_id not in status.inner_text()
    decided_at = ra.submission(view.id).items[order.index(contested.criterion_id)].decision.decided_at  # type: ignore[union-attr]
    expect(status).to_contain_text(f"{japan_time(decided_at).removesuffix(' JST')}（日本時間）")
    expect(page.locator("#ra-comment textarea")).to_have_value("私の所見：根拠の頁を確認した")
    expect(page.locator("#ra-detail")).to_contain_text("先に確認")
    shot(page, "11_conflict_keeps_the_comment")

    page.locator("#ra-confirm").click()  # now knowingly, over the version just shown
    expect(page.locator("#ra-decide-status")).to_contain_text("確定しました")
    expect(page.locator("#ra-export-status")).to_contain_text("作り直しました")
    second_link = page.locator("#ra-export-file a.ra-download").get_attribute("href")
    assert second_link and second_link != first_link, "the download was remade with the decision"
    sheet = load_workbook(download(page, "#ra-export-file a.ra-download", tmp_path / "2.xlsx")).worksheets[1]
    rows = {row[10]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (
        rows[contested.criterion_id][7] == "sato"
        and rows[contested.criterion_id][8] == "私の所見：根拠の頁を確認した"
    )

    page.locator("#ra-agreement").get_by_text("下書きと審査者の判定の一致").click()
    page.locator("#ra-agreement-show").click()
    agreement = page.locator("#ra-agreement-table table")
    expect(agreement).to_contain_text("一致率")
    expect(agreement).to_contain_text("offline")
    expect(agreement).to_contain_text("→満たさない")

    page.locator("#ra-export-csv").click()
    stale = page.locator("#ra-export-file a.ra-download").get_attribute("href")
    _open(page, app.a.file_name)
    expect(page.locator("#ra-export-file a")).to_have_count(0)
    assert page.request.get(app.url + str(stale)).status == 404, "the other plan's download was withdrawn"
    assert not cached_files(app.tmp)


def test_needs_review_items_need_a_chosen_verdict(context: BrowserContext, app: App) -> None:
    page = context.new_page()
    login(page, app.url, "sato", PASSWORDS["sato"])
    page.get_by_role("tab", name="審査").click()
    _open(page, app.needs_review.file_name)
    item = app.needs_review.items[0]
    _select(page, item.criterion_id)
    expect(page.locator("#ra-confirm")).to_be_disabled()
    expect(page.locator("#ra-decide-status")).to_contain_text("要確認のままでは確定できません")
    labels = page.locator("#ra-verdict label").all_inner_texts()
    assert "要確認" not in labels and len(labels) == 5, labels
    expect(page.locator("#ra-verdict input:checked")).to_have_count(0)
    page.locator("#ra-verdict label", has_text="一部満たす").click()
    page.locator("#ra-comment textarea").fill("市場の裏付けが一部のみ")
    page.locator("#ra-override").click()
    expect(page.locator("#ra-decide-status")).to_contain_text("一部満たすで確定しました")
    expect(page.locator("#ra-confirm")).to_be_enabled()
    shot(page, "12_needs_review_chosen")


def test_a_word_plan_is_drafted_and_quoted_by_section_and_paragraph(
    context: BrowserContext, app: App
) -> None:
    page = context.new_page()
    login(page, app.url, "sato", PASSWORDS["sato"])
    page.get_by_role("tab", name="審査").click()
    page.get_by_text("新しい計画書を登録して下書きを作成").click()
    page.locator("#ra-upload input[type=file]").set_input_files(str(app.word))
    expect(page.locator("#ra-upload a")).to_have_count(1)
    page.locator("#ra-draft").click()
    expect(page.locator("#ra-summary")).to_contain_text(app.word.name)
    ra = ReviewAssistant(app.settings)
    view = ra.submission(next(s.id for s in ra.submissions(SATO) if s.file_name == app.word.name))
    quoted = next(i for i in view.items if i.citations)
    cited = quoted.citations[0]
    assert cited.page is None and cited.paragraph is not None
    _select(page, quoted.criterion_id)
    expect(page.locator("#ra-detail .ra-quotes")).to_contain_text(
        f"「{cited.section}」第{cited.paragraph}段落"
    )
    expect(page.locator("#ra-pages")).to_contain_text("Word文書（.docx）からの引用には頁画像がありません")
    assert not cached_files(app.tmp)

    page.get_by_role("tab", name="質問").click()
    choose(page, "#ra-scope", app.word.name)
    page.locator("#ra-question textarea").fill("中核事業者は誰ですか")
    page.locator("#ra-question textarea").press("Enter")
    answer = page.locator("#ra-chat [data-testid=bot]").last
    expect(answer.locator(".ra-mode")).to_be_visible()
    chip = answer.locator(".ra-chip:not(.ra-chip-inline)", has_text="段落").first
    expect(chip).to_contain_text(app.word.name)
    chip.click()
    expect(page.locator("#ra-source .ra-tag")).to_have_text("計画書")
    expect(page.locator("#ra-source .ra-mark")).to_be_visible()  # the paragraph's section, quote marked


def test_downloads_and_page_images_are_personal(
    context: BrowserContext, app: App, playwright_browser: tuple[Playwright, Browser]
) -> None:
    page = context.new_page()
    login(page, app.url, "sato", PASSWORDS["sato"])
    page.get_by_role("tab", name="審査").click()
    _open(page, app.a.file_name)
    cited = next(i for i in app.a.items if i.citations)
    _select(page, cited.criterion_id)
    image = app.url + str(page.locator("#ra-pages .ra-page img").first.get_attribute("src"))
    page.locator("#ra-export-csv").click()
    expect(page.locator("#ra-export-file a.ra-download")).to_have_count(1)
    export = app.url + str(page.locator("#ra-export-file a.ra-download").get_attribute("href"))

    playwright = playwright_browser[0]
    for url in (image, export):
        assert anonymous_status(url) == 403, url
        for name in ("tanaka", "yamada"):  # tanaka may see the plan, but not sato's files
            client = signed_in_client(playwright, app.url, name, PASSWORDS[name])
            assert client.get(url).status == 404, (name, url)
            client.dispose()
    got = page.request.get(image)
    assert got.status == 200 and got.headers["content-type"] == "image/png"
    assert "no-store" in got.headers["cache-control"]
    got = page.request.get(export)
    assert got.status == 200 and "attachment" in got.headers["content-disposition"]
    assert page.request.get(export).status == 404, "a download link works once"
    assert page.request.get(image).status == 200, "a page image loads again while it is on screen"
    page.locator("#ra-next").click()
    expect(page.locator("#ra-criteria .ra-crit-current")).not_to_have_attribute(
        "data-item", cited.criterion_id
    )
    assert page.request.get(image).status == 404, "gone once the screen moved on"
    assert not cached_files(app.tmp)
