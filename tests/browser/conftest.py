"""Browser journeys: the real app in a uvicorn subprocess, driven by Debian's Chromium.

We never run `playwright install`: the PyPI wheel carries the driver, the browser is the
system's (`apt-get install chromium`), found at CHROMIUM_PATH or /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.servers import running_app

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web_widget" / "dist"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    found = configured if os.access(configured, os.X_OK) else shutil.which(configured)
    if not found:
        pytest.fail(
            f"找不到 Chromium 浏览器（{configured}）。请以 root 运行 `apt-get install -y chromium`，"
            "或用环境变量 CHROMIUM_PATH 指向已安装的 Chromium。",
            pytrace=False,
        )
    return found


class Chromium:
    """Launched on first use, inside the test, so a missing browser is a test failure."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def new_page(self, *, width: int = 1280, height: int = 860):
        if self._browser is None:
            path = chromium_path()
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = self._browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": width, "height": height},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright.stop()


@pytest.fixture(scope="session")
def chromium():
    holder = Chromium()
    yield holder
    holder.close()


@pytest.fixture
def open_page(chromium):
    """open_page(width=360) → a fresh page in its own context; script errors fail the test."""
    pages = []
    errors: list[str] = []

    def open_(**size):
        page = chromium.new_page(**size)
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.context.close()
    assert not errors, f"页面脚本出错：{errors}"


@pytest.fixture
def live_server(db_url):
    """The app on a free port, on this test's fresh database, serving the built web assets."""
    if not (DIST / "index.html").is_file():
        pytest.fail(
            "前端尚未构建（缺少 web_widget/dist/index.html）。请先运行 make test，"
            "或 cd web_widget && npm ci && npm run build。",
            pytrace=False,
        )
    with running_app() as base:
        yield base
