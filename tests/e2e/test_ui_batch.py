"""The 一括 tab in a real browser against a real server: one live progress bar that starts at once
and counts files and pages, a table per plan type under the names the files were uploaded with (on
screen and in files.csv, checklist.csv and summary.xlsx), a legend for every cell, personal
downloads of the sheets, and a retry for a failed file. Its screenshot goes to ``docs/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, expect
from support.pdfgen import write_plan_pdf
from support.ui_browser import (
    B_PAGES,
    C_PAGES,
    TIMEOUT_MS,
    cached_files,
    download,
    login,
    more_than_now,
    read_clock,
    shot,
    start_clock,
    ui_server,
)

from assistant.domain.labels import VERDICT_CODES, VERDICT_LABELS_JA
from assistant.domain.models import Verdict
from assistant.review.users import UserStore
from assistant.settings import Settings

pytestmark = pytest.mark.slow

PASSWORDS = {"sato": "sato-password-1"}


@dataclass
class App:
    url: str
    tmp: Path
    settings: Settings
    batch_pdfs: list[Path]
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("ui-batch")
    settings = Settings(data_dir=tmp / "data", users_file=tmp / "users.toml", ocr_enabled=False)
    UserStore(settings.users_path).add("sato", PASSWORDS["sato"], role="reviewer")
    c_pdf = write_plan_pdf(tmp / "in" / "東雲県_地場産業成長プラン.pdf", C_PAGES)
    b_pdf = write_plan_pdf(tmp / "in" / "西海県_地域産業クラスター計画.pdf", B_PAGES)
    broken = tmp / "in" / "壊れた計画書.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj\n")
    started = time.monotonic()
    with ui_server(tmp, settings) as (url, _):
        app = App(url, tmp, settings, [c_pdf, b_pdf, broken], {"server_start_s": time.monotonic() - started})
        yield app
        print(f"\nUI batch timings: {json.dumps({k: round(v, 2) for k, v in app.timings.items()})}")


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


def test_reviewer_runs_a_batch_with_progress_names_tables_and_retry(
    context: BrowserContext, app: App, tmp_path: Path
) -> None:
    page = context.new_page()
    login(page, app.url, "sato", PASSWORDS["sato"])
    page.get_by_role("tab", name="一括").click()
    page.locator("#ra-batch-files input[type=file]").set_input_files([str(p) for p in app.batch_pdfs])
    expect(page.locator("#ra-batch-files a")).to_have_count(len(app.batch_pdfs))
    start_clock(page, more_than_now(page, "#ra-batch-progress .ra-progress"))
    page.locator("#ra-batch-run").click()
    app.timings["batch_start_to_first_progress_s"] = read_clock(page)
    expect(page.locator("#ra-batch-progress")).to_contain_text("ファイル")
    assert page.locator(".ra-progress").count() == 1, "one progress bar"
    expect(page.locator("#ra-batch-status")).to_contain_text(
        "完了：3件（新規 2、処理済み 0、失敗 1）", timeout=180_000
    )
    assert page.locator(".ra-progress").count() == 1
    expect(page.locator("#ra-batch-progress")).to_contain_text("ファイル 3/3")

    names = {p.name for p in app.batch_pdfs}
    results = page.locator("#ra-batch-results")
    shown_text = results.inner_text() + page.locator("#ra-batch-status").inner_text()
    assert (
        "/tmp" not in shown_text
        and "gradio" not in shown_text
        and str(app.settings.data_dir) not in shown_text
    )
    for plan_type, pdf in (("C", app.batch_pdfs[0]), ("B", app.batch_pdfs[1])):
        table = results.locator(f'table[data-type="{plan_type}"]')
        expect(table.locator("thead th").nth(0)).to_have_text("ファイル")
        expect(table.locator("thead th").nth(1)).to_have_text("状態")
        expect(table.locator("thead th").nth(2)).to_have_text("エラー")
        expect(table.locator("tbody .ra-file")).to_have_text([pdf.name])
    failed = results.locator('table[data-type="error"] tbody tr')
    expect(failed).to_have_count(1)
    expect(failed.locator(".ra-file")).to_have_text(app.batch_pdfs[2].name)
    expect(failed.locator(".ra-retry")).to_have_count(1)
    legend = page.locator("#ra-batch-legend").inner_text()
    assert all(VERDICT_LABELS_JA[v] in legend and VERDICT_CODES[v] in legend for v in Verdict), legend
    cells = set(results.locator("td.ra-cell").all_inner_texts())
    assert cells and cells <= set(VERDICT_CODES.values()), cells
    page.evaluate("document.querySelector('#ra-batch-progress').scrollIntoView({block: 'start'})")
    shot(page, "20_batch", readme=True)

    got = {}
    for name in ("summary.xlsx", "files.csv", "checklist.csv"):
        got[name] = download(page, f'#ra-batch-downloads a[download="{name}"]', tmp_path / name)
    listed = {
        row["file"] for row in csv.DictReader(io.StringIO(got["files.csv"].read_text(encoding="utf-8-sig")))
    }
    assert listed == names, listed
    in_checklist = {
        row["file"]
        for row in csv.DictReader(io.StringIO(got["checklist.csv"].read_text(encoding="utf-8-sig")))
    }
    assert in_checklist == names - {app.batch_pdfs[2].name}, in_checklist
    in_summary = {
        row[0] for row in load_workbook(got["summary.xlsx"])["一覧"].iter_rows(min_row=3, values_only=True)
    }
    assert in_summary == names, in_summary
    assert not cached_files(app.tmp), "uploads were moved out of Gradio's cache"

    (kept,) = (app.settings.data_dir / "batch").glob(f"*/inputs/*/{app.batch_pdfs[2].name}")
    write_plan_pdf(
        kept, C_PAGES[:1] + ["# 補足\n県は毎年度、KPIの達成状況を公表する。"]
    )  # the sender fixed the file
    failed.locator(".ra-retry").click()
    expect(page.locator("#ra-batch-status")).to_contain_text("失敗 0", timeout=180_000)
    expect(results.locator('table[data-type="C"] tbody .ra-file')).to_have_text(
        [app.batch_pdfs[0].name, app.batch_pdfs[2].name]
    )
    expect(results.locator('table[data-type="error"]')).to_have_count(0)
    fixed = download(page, '#ra-batch-downloads a[download="files.csv"]', tmp_path / "again.csv")
    statuses = {
        r["file"]: r["status"] for r in csv.DictReader(io.StringIO(fixed.read_text(encoding="utf-8-sig")))
    }
    assert statuses == {p.name: "ok" for p in app.batch_pdfs}, statuses
