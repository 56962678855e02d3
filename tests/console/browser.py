"""Browser test harness: the real app served by uvicorn in the test's event loop (so it
shares the test's core), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from campaigns import people
from campaigns.core import Core
from campaigns.results import Role, UnitView
from campaigns.settings import Settings
from tests.factories import NOW
from web.app import create_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"


@contextlib.asynccontextmanager
async def live_server(core: Core, settings: Settings) -> AsyncIterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = create_app(core, settings.model_copy(update={"public_url": base}))
    app.state.web.clock = lambda: NOW
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        server.force_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        hub = getattr(app.state, "console_live", None)
        if hub is not None:
            await hub.stop()


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def browser_sign_in(
    page: Any, base: str, *, core: Core, unit: UnitView, role: Role, login: str
) -> None:
    await people.create_user(
        core,
        login=login,
        password=PASSWORD,
        name=f"{login} 测试",
        role=role,
        unit_id=unit.id,
        now=NOW,
    )
    await page.context.add_cookies([{"name": "gt_lang", "value": "en", "url": base}])
    await page.goto(f"{base}/signin?next=/console")
    await page.fill("#login", login)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await page.wait_for_load_state()
