"""Helpers for the browser tests of the web UI: a real `review-assistant ui` server in a subprocess,
Debian's Chromium through Playwright, and timings measured inside the page.

Timings are read from ``performance.now()`` in the page (a MutationObserver notes when the awaited
element appears), not from Playwright's polling, so they say what a user would see.
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
from pathlib import Path

import pytest
from playwright.sync_api import APIRequestContext, Page, Playwright, expect

from assistant.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
CLI = Path(sys.executable).parent / "review-assistant"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
#: The README's pictures of the three tabs, remade by every run of the browser tests.
SCREENSHOTS = ROOT / "docs" / "screenshots"
TIMEOUT_MS = 90_000
#: Two small plans the UI tests share: one prefecture's C plan and another's B plan.
C_PAGES = [
    "# 東雲県 地場産業成長プラン\n本プランは、東雲県の伝統工芸品である東雲塗の販路拡大を目指すものである。\n"
    "中核事業者：東雲漆器協同組合\n売上目標：令和12年度に年間売上額30億円を達成する。",
    "# 推進体制とKPI\n県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。\n"
    "KPI：海外売上比率 20％（令和12年度）",
]
B_PAGES = [
    "# 西海県 地域産業クラスター計画\n本計画は、西海県の洋上風力発電関連部品の供給網を構築するものである。\n"
    "中核企業：株式会社西海マリンテック\n翡翠湾の造船所跡地に新工場を建設し、国内シェア25％を目指す。",
    "# 投資計画\n令和9年度から令和13年度までに総額120億円の設備投資を行う。",
]


def free_port() -> int:
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
        time.sleep(0.3)
    pytest.fail(f"the UI did not come up within {deadline_s}s:\n{log.read_text(errors='replace')}")


@contextmanager
def ui_server(tmp: Path, settings: Settings) -> Iterator[tuple[str, Path]]:
    """`review-assistant ui` on a free port, configured only through its environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RA_", "GRADIO_"))}
    env.update(
        RA_DATA_DIR=str(settings.data_dir),
        RA_USERS_FILE=str(settings.users_path),
        RA_CONFIG=str(tmp / "absent.toml"),
        RA_OCR_ENABLED="false",
        GRADIO_TEMP_DIR=str(gradio_dir(tmp)),
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


def gradio_dir(tmp: Path) -> Path:
    """Gradio's upload and cache folder for a server started by :func:`ui_server`."""
    return tmp / "gradio"


def shot(page: Page, name: str, *, readme: bool = False) -> None:
    """A step's screenshot in ``test-artifacts/ui``; ``readme`` also makes it the README's picture."""
    page.wait_for_timeout(300)  # let Gradio's fade-in of updated outputs finish
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if readme:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name.split('_', 1)[1]}.png"))


def login(page: Page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("ユーザー名").fill(name)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#ra-header")).to_contain_text(name)


def signed_in_client(playwright: Playwright, url: str, name: str, password: str) -> APIRequestContext:
    """Plain HTTP as a signed-in user: Gradio's login form, then its session cookie on every request."""
    client = playwright.request.new_context(base_url=url)
    response = client.post("login", form={"username": name, "password": password})
    assert response.ok, response.text()
    return client


def anonymous_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def options(page: Page, dropdown: str) -> list[str]:
    page.locator(f"{dropdown} input").click()
    found = page.locator("ul[role=listbox] li")
    expect(found.first).to_be_visible()
    texts = found.all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def choose(page: Page, dropdown: str, text: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.locator("ul[role=listbox] li", has_text=text).first.click()


def start_clock(page: Page, condition: str) -> None:
    """Note when the JavaScript expression ``condition`` first holds; read it with :func:`read_clock`."""
    page.evaluate(
        """(condition) => {
            const holds = new Function(`return (${condition});`);
            const t0 = performance.now();
            window.__raElapsed = undefined;
            const observer = new MutationObserver(() => {
                if (holds()) { window.__raElapsed = (performance.now() - t0) / 1000; observer.disconnect(); }
            });
            observer.observe(document.body, {subtree: true, childList: true, characterData: true});
        }""",
        condition,
    )


def more_than_now(page: Page, selector: str) -> str:
    """A :func:`start_clock` condition: more elements match ``selector`` than match it now."""
    return f"document.querySelectorAll({json.dumps(selector)}).length > {page.locator(selector).count()}"


def read_clock(page: Page) -> float:
    page.wait_for_function("window.__raElapsed !== undefined", timeout=TIMEOUT_MS)
    return float(page.evaluate("window.__raElapsed"))


def crafted_call(page: Page, url: str, api_name: str, data: list[object]) -> str:
    """What a signed-in user can send without the UI: a queue request with arbitrary input values."""
    config = page.request.get(url + "config").json()
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


def completed(stream: str) -> dict[str, object]:
    for line in stream.splitlines():
        if line.startswith("data: "):
            message = json.loads(line[len("data: ") :])
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError(f"no completion in: {stream[:2000]}")


def download(page: Page, link: str, target: Path) -> Path:
    """Click a download link as the user would and keep the file."""
    with page.expect_download() as started:
        page.locator(link).first.click()
    started.value.save_as(target)
    return target


def cached_files(tmp: Path) -> list[Path]:
    """Plan, page or export files in the Gradio cache of a :func:`ui_server` started in ``tmp``: Gradio
    serves what is there to anyone holding the link, so none may be left."""
    suffixes = {".pdf", ".docx", ".png", ".xlsx", ".csv", ".md", ".html"}
    return [p for p in gradio_dir(tmp).rglob("*") if p.is_file() and p.suffix in suffixes]
