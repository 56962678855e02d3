"""The door scanner in real Chromium at a phone's size, on a phone without a native
BarcodeDetector (removed before the page's scripts run): the camera, fed by Chromium's fake
capture device from a .y4m made here of a person's personal QR code, checks them in through
the self-hosted ZXing WebAssembly decoder; offline, the page reopens from its service
worker and queues scans and a name-search check-in that reach the server exactly once.
Nothing leaves the app's origin, the .wasm included."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from campaigns import catalog, people, qr
from campaigns.core import Core
from campaigns.results import PersonView, Role
from tests.e2e.conftest import CHROMIUM, PHONE, WebServer
from tests.e2e.shots import shots_dir
from tests.e2e.test_web_checkin import _on_server

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
NO_NATIVE_DETECTOR = "delete window.BarcodeDetector; delete Window.prototype.BarcodeDetector;"
FIRST_LOAD_LIMIT = 600 * 1024
ROSTER_SHOWN = "() => document.getElementById('roster-state').textContent.trim() !== ''"


def qr_y4m(text: str, path: Path, *, width: int = 640, height: int = 480) -> Path:
    """A short grey video of a QR code on white, as Chromium's fake camera plays it."""
    from PIL import Image

    image = Image.open(io.BytesIO(qr.png(text, box=8))).convert("L")
    side = min(width, height) - 40
    image = image.resize((side, side))

    frame = Image.new("L", (width, height), 255)
    frame.paste(image, ((width - side) // 2, (height - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def _people(server: WebServer, names: list[str], login: str) -> list[PersonView]:
    async def make(core: Core) -> list[PersonView]:
        now = datetime.now(UTC)
        units = await catalog.list_units(core)
        await people.create_user(
            core,
            login=login,
            password=PASSWORD,
            name="门口志愿者",
            role=Role.VOLUNTEER,
            unit_id=units[0].id,
            now=now,
        )
        return [
            await people.register_person(core, name=n, unit_id=units[-1].id, now=now) for n in names
        ]

    return _on_server(server, make)


def _checkins(server: WebServer) -> tuple[int, int]:
    """(counted check-ins at the plain demo event, scanner check-ins among them)."""

    async def count(core: Core) -> tuple[int, int]:
        event = await catalog.get_event(core, code=server.events["plain"])
        async with core.read() as conn:
            rows = (
                await conn.exec_driver_sql(
                    "SELECT channel FROM facts WHERE event_id = ? AND kind = 'checkin' "
                    "AND status = 'counted'",
                    (event.id,),
                )
            ).all()
        return len(rows), sum(1 for (channel,) in rows if channel == "scanner")

    return _on_server(server, count)


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Any]:
    """Chromium with a fake camera playing a given .y4m (one launch per video)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        opened: list[Any] = []

        def start(video: Path | None = None) -> Any:
            args = [
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
            ]
            if video is not None:
                args += [
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}",
                ]
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=args)
            opened.append(browser)
            return browser

        try:
            yield start
        finally:
            for browser in opened:
                browser.close()


def _phone(browser: Any, server: WebServer, *, lang: str = "zh-CN") -> tuple[Any, set[str]]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )
    context.grant_permissions(["camera"], origin=server.url)
    context.add_init_script(NO_NATIVE_DETECTOR)
    hosts: set[str] = set()
    context.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    return context, hosts


def _sign_in(page: Any, server: WebServer, login: str) -> None:
    page.goto(f"{server.url}/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/me$"))


def _wait_offline_ready(page: Any) -> None:
    """The service worker controls the page and holds the page, roster and decoder."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)
    page.wait_for_function(
        """async () => {
            const root = document.getElementById('scanner');
            const want = [location.pathname, location.pathname + '/roster.json',
                          root.dataset.wasm, root.dataset.polyfill];
            for (const url of want) { if (!(await caches.match(url))) return false; }
            return true;
        }""",
        timeout=20000,
    )


def test_camera_checks_in_with_the_wasm_decoder(launch: Any, web_server: WebServer) -> None:
    (guest,) = _people(web_server, ["扫码嘉宾"], "door-cam")
    video = qr_y4m(guest.qr_token, web_server.data / "qr.y4m")
    context, hosts = _phone(launch(video), web_server)
    page = context.new_page()
    _sign_in(page, web_server, "door-cam")
    code = web_server.events["plain"]
    page.goto(f"{web_server.url}/scanner/{code}")
    assert page.evaluate("'BarcodeDetector' in window") is False or page.evaluate(
        "!!window.BarcodeDetectionAPI"
    )
    page.click("#camera-start")
    page.wait_for_selector("#result.ok", timeout=30000)
    assert page.locator("#result .scan-name").inner_text() == "扫码嘉宾"
    assert page.evaluate("!!window.BarcodeDetectionAPI"), "the polyfill did not decode"
    wasm = page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name).filter(n => n.endsWith('.wasm'))"
    )
    assert wasm and all(urlsplit(u).netloc == urlsplit(web_server.url).netloc for u in wasm)
    page.wait_for_function("() => document.querySelector('#count [data-n]').textContent === '1'")
    assert _checkins(web_server) == (1, 1)
    page.screenshot(path=str(shots_dir(web_server) / "scanner-camera.png"), full_page=True)
    assert hosts == {urlsplit(web_server.url).netloc}, hosts
    context.close()


def test_first_load_is_small_and_then_cached(launch: Any, web_server: WebServer) -> None:
    _people(web_server, [], "door-weight")
    context, hosts = _phone(launch(), web_server)
    page = context.new_page()
    _sign_in(page, web_server, "door-weight")
    url = f"{web_server.url}/scanner/{web_server.events['plain']}"
    page.goto(url)
    _wait_offline_ready(page)
    sent = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
              performance.getEntriesByType('resource')).map(e => [e.name, e.transferSize])"""
    )
    total = sum(size for _, size in sent)
    assert any(name.endswith(".wasm") and size > 100_000 for name, size in sent), sent
    assert total < FIRST_LOAD_LIMIT, f"first load transferred {total} bytes: {sent}"
    page.reload()
    page.wait_for_function("() => !!window.BarcodeDetectionAPI")
    again = page.evaluate(
        """() => performance.getEntriesByType('resource')
              .filter(e => e.name.includes('/static/')).map(e => [e.name, e.transferSize])"""
    )
    assert again and all(size == 0 for _, size in again), again  # all from the cache
    assert hosts == {urlsplit(web_server.url).netloc}, hosts
    context.close()


def test_offline_door_queues_and_syncs_exactly_once(launch: Any, web_server: WebServer) -> None:
    names = ["离线一", "离线二", "离线三", "按名签到"]
    guests = _people(web_server, names, "door-off")
    context, hosts = _phone(launch(), web_server)
    page = context.new_page()
    _sign_in(page, web_server, "door-off")
    url = f"{web_server.url}/scanner/{web_server.events['plain']}"
    page.goto(url)
    _wait_offline_ready(page)
    page.wait_for_function(ROSTER_SHOWN)

    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("#net.off")
    page.wait_for_function(ROSTER_SHOWN)  # the snapshot, from the phone
    for guest in guests[:3]:  # a keyboard-wedge scanner types the code and Enter
        page.fill("#token", guest.qr_token)
        page.press("#token", "Enter")
        page.wait_for_selector(f"#result .scan-name:text-is('{guest.display_name}')")
    page.fill("#q", "按名")
    page.click(f"button[data-person='{guests[3].id}']")
    page.wait_for_function("() => document.getElementById('scanner').dataset.pending === '4'")
    assert _checkins(web_server) == (0, 0)
    page.screenshot(path=str(shots_dir(web_server) / "scanner-offline.png"), full_page=True)

    queue = page.evaluate(
        """() => new Promise((ok) => { const r = indexedDB.open('gt-door');
            r.onsuccess = () => { const q = r.result.transaction('queue').objectStore('queue')
              .getAll(); q.onsuccess = () => ok(q.result); }; })"""
    )
    assert len(queue) == 4 and len({item["key"] for item in queue}) == 4
    page.close()  # the tab is closed with the queue on the phone

    page = context.new_page()
    assert page.goto(url).from_service_worker
    page.wait_for_function("() => document.getElementById('scanner').dataset.pending === '4'")
    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('scanner').dataset.pending === '0'", timeout=30000
    )
    assert _checkins(web_server) == (4, 4)
    page.wait_for_function("() => document.querySelector('#count [data-n]').textContent === '4'")

    # The same queue replayed (a second tab, a lost answer): nothing more is stored.
    replies = page.evaluate(
        """async (items) => { const csrf = document.getElementById('scanner').dataset.csrf;
            const out = [];
            for (const item of items) {
              const body = item.person_id ? {person_id: item.person_id, key: item.key}
                                          : {token: item.token, key: item.key};
              const r = await fetch(location.pathname + '/scan.json', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
                body: JSON.stringify(body)});
              out.push((await r.json()).status);
            }
            return out; }""",
        queue,
    )
    assert replies == ["ok"] * 4  # each key answered with its first answer
    assert _checkins(web_server) == (4, 4)
    assert hosts == {urlsplit(web_server.url).netloc}, hosts
    context.close()


def test_undo_asks_and_names_the_person(launch: Any, web_server: WebServer) -> None:
    first, second = _people(web_server, ["先来的", "后到的"], "door-undo")
    context, _hosts = _phone(launch(), web_server)
    page = context.new_page()
    _sign_in(page, web_server, "door-undo")
    page.goto(f"{web_server.url}/scanner/{web_server.events['plain']}")
    for guest in (first, second):
        page.fill("#token", guest.qr_token)
        page.press("#token", "Enter")
        page.wait_for_selector(f"#result.ok .scan-name:text-is('{guest.display_name}')")
    # The dialog opens once the page has read its queue (IndexedDB, asynchronous): wait
    # for it, never sample it the instant after the tap.
    page.click("#undo-link")
    dialog = page.wait_for_selector("#undo-dialog[open]", state="visible")
    assert dialog is not None and "后到的" in dialog.inner_text()
    page.click("#undo-no")  # changed their mind: nothing undone
    page.wait_for_selector("#undo-dialog", state="hidden")
    assert _checkins(web_server) == (2, 2)
    page.click("#undo-link")
    page.wait_for_selector("#undo-dialog[open]", state="visible")
    stale = page.locator("#undo-fact").input_value()
    assert stale
    page.click("#undo-yes")
    page.wait_for_selector("#result.undone")
    assert page.locator("#result .scan-name").inner_text() == "后到的"
    assert _checkins(web_server) == (1, 1)
    # Undo now names the one before; the first confirmation sent again (a double tap)
    # undoes nobody else.
    page.click("#undo-link")
    dialog = page.wait_for_selector("#undo-dialog[open]", state="visible")
    assert dialog is not None and "先来的" in dialog.inner_text()
    page.click("#undo-no")
    csrf = page.locator("#scanner").get_attribute("data-csrf")
    again = context.request.post(
        f"{web_server.url}/scanner/{web_server.events['plain']}/undo",
        form={"csrf": csrf, "fact": stale},
    )
    assert again.ok and "未撤销任何记录" in again.text()
    assert _checkins(web_server) == (1, 1)
    context.close()
