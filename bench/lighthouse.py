"""Lighthouse (mobile) scores of the phone's pages, against Debian's Chromium.

    (cd bench/lighthouse && npm ci)     # lighthouse@12.2.3, pinned: 13 needs Node 22
    python bench/lighthouse.py [--runs 1]

Serves the app on a fresh SQLite file (calendar and demo events, as the browser tests do),
registers a phone and signs a volunteer in through the real forms, then runs Lighthouse's
default mobile audit (simulated slow 4G, a mid-range phone) on the check-in page, /me, the
trip form and the door scanner, each with that browser's cookies, and prints a table of
performance / accessibility / best practices / SEO. Not in CI: it takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "lighthouse bench password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.web_server", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?ready=1", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the web server did not start") from None
            time.sleep(0.2)


async def make_volunteer(data: Path, login: str) -> None:
    from campaigns import catalog, people
    from campaigns.core import open_core
    from campaigns.results import Role
    from tests.e2e.web_server import SECRET

    core = await open_core(
        f"sqlite+aiosqlite:///{data / 'greentally.sqlite3'}", secret=SECRET, migrate=False
    )
    try:
        units = await catalog.list_units(core)
        await people.create_user(
            core,
            login=login,
            password=PASSWORD,
            name="门口志愿者",
            role=Role.VOLUNTEER,
            unit_id=units[0].id,
            now=datetime.now(UTC),
        )
    finally:
        await core.close()


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


def phone_cookies(base: str, code: str) -> str:
    """A phone that joined through the form (and checked in, so /me has a history)."""
    with httpx.Client(base_url=base) as client:
        page = client.get("/join").text
        units = re.findall(r'<option value="(\d+)"', page)
        client.post(
            "/join",
            data={
                "csrf": CSRF.findall(page)[0],
                "name": "灯塔测试",
                "unit_id": units[0],
                "next": "/me",
            },
        )
        form = client.get(f"/e/{code}").text
        client.post(f"/e/{code}", data={"csrf": CSRF.findall(form)[0]})
        return cookie_header(client)


def volunteer_cookies(base: str, login: str) -> str:
    with httpx.Client(base_url=base) as client:
        page = client.get("/signin").text
        client.post(
            "/signin",
            data={
                "csrf": CSRF.findall(page)[0],
                "login": login,
                "password": PASSWORD,
                "next": "/me",
            },
        )
        return cookie_header(client)


def lighthouse(url: str, cookies: str, out: Path) -> dict[str, Any]:
    flags = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-sync"
    cmd = [
        "node",
        str(LIGHTHOUSE),
        url,
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags={flags}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--extra-headers={json.dumps({'Cookie': cookies})}",
    ]
    subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report = json.loads(out.read_text())
    scores: dict[str, Any] = {
        c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES
    }
    failing = [
        f"{a['id']} ({a['score']})"
        for a in report["audits"].values()
        if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"
    ]
    scores["failing"] = ", ".join(failing[:6])
    return scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs per page (the median is shown)")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--keep", type=Path, help="a folder to keep the JSON reports in")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: (cd bench/lighthouse && npm ci)")
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "data", free_port()
        proc = serve(data, port)
        try:
            base = f"http://127.0.0.1:{port}"
            code = json.loads((data / "events.json").read_text())["plain"]
            asyncio.run(make_volunteer(data, "lighthouse"))
            phone, volunteer = phone_cookies(base, code), volunteer_cookies(base, "lighthouse")
            pages = [
                ("check-in page (new phone)", f"{base}/e/{code}", ""),
                ("check-in page (checked in)", f"{base}/e/{code}", phone),
                ("/me", f"{base}/me", phone),
                ("trip form", f"{base}/log/trip", phone),
                ("door scanner", f"{base}/scanner/{code}", volunteer),
            ]
            rows = []
            keep = args.keep or Path(tmp)
            keep.mkdir(parents=True, exist_ok=True)
            for name, url, cookies in [p for p in pages if args.only in p[0]]:
                slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
                runs = [
                    lighthouse(url, cookies, keep / f"{slug}-{i}.json") for i in range(args.runs)
                ]
                # Lighthouse's own advice on a shared, noisy machine: the median of runs.
                middle = {c: statistics.median_low(r[c] for r in runs) for c in CATEGORIES}
                lowest = min(r["performance"] for r in runs)
                rows.append((name, middle, lowest, runs[0]["failing"]))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(
        "Lighthouse 12.2.3, mobile (simulated slow 4G), Debian Chromium, greentally on loopback\n"
    )
    print(f"median of {args.runs} runs per page; 'perf low' is the lowest run's performance\n")
    print(f"| {'page':28} | perf | perf low | a11y | best practices | SEO | not passed |")
    print(f"|{'-' * 30}|------|----------|------|----------------|-----|------------|")
    for name, s, low, failing in rows:
        print(
            f"| {name:28} | {s['performance']:4} | {low:8} | {s['accessibility']:4} | "
            f"{s['best-practices']:14} | {s['seo']:3} | {failing or '-'} |"
        )


if __name__ == "__main__":
    main()
