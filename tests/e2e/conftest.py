"""Browser fixtures: the app served on loopback in a subprocess; Debian's Chromium (Playwright)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from campaigns.core import Core
from campaigns.settings import Settings
from tests import factories
from tests.e2e.fake_telegram import FakeTelegram, polling_bot

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}


@dataclass
class WebServer:
    url: str
    events: dict[str, str]
    data: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[WebServer]:
    port = _free_port()
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.web_server", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz?ready=1", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.1)
        events = json.loads((data / "events.json").read_text())
        yield WebServer(url, events, data)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
async def tg(core: Core, settings: Settings) -> AsyncIterator[FakeTelegram]:
    """The real bot polling the fake Bot API, its clock at the national low-carbon day."""
    async with polling_bot(core, settings, clock=lambda: factories.NOW) as (server, _, _):
        yield server


@pytest.fixture(scope="module")  # a live sync Playwright loop must not outlast the module
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield instance
        finally:
            instance.close()


def phone(browser: Any, *, lang: str = "zh-CN", javascript: bool = True, axe: bool = False) -> Any:
    """A phone-sized browser context; `axe` lifts our CSP so axe-core can be injected."""
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale=lang,
        java_script_enabled=javascript,
        bypass_csp=axe,
        extra_http_headers={"Accept-Language": lang},
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        # Chromium is here (the browser fixture skips otherwise) and scripts/test installs
        # axe-core with it (npm ci): its absence is a broken setup, not a reason to skip.
        pytest.fail("axe-core is missing: (cd tests/e2e && npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html).slice(0, 3)}))"
    )
    return list(result)
