"""Check-ins per second over HTTP against `greentally serve`, beside a bare endpoint.

    python bench/checkin_http.py [--clients 32] [--events 40] [--bare-requests 4000]

Prepares a fresh SQLite database (calendar + bench events), starts `greentally serve` in a
subprocess on a free loopback port, registers one phone per client through the real form,
then each client checks in to every event with the no-JavaScript form post (CSRF token,
idempotency key, 303 to the answer page; the redirect is not followed). The same clients
hit `/healthz` (no database) for the bare figure, the two alternating in four rounds.
Prints a table and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-" + "z" * 40
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def prepare(url: str, n_events: int) -> tuple[list[str], int]:
    from campaigns import catalog
    from campaigns.core import open_core
    from campaigns.seed import load_calendar, load_demo

    core = await open_core(url, secret=SECRET)
    now = datetime.now(UTC)
    await load_calendar(core, now=now)
    await load_demo(core, now=now)
    units = await catalog.list_units(core)
    campaign = (await catalog.list_campaigns(core))[0]
    codes = []
    for i in range(n_events):
        event = await catalog.create_event(
            core, actor_id=None, campaign_id=campaign.id, title_zh=f"压测活动{i}",
            starts_at=now, ends_at=now + timedelta(hours=4),
            checkin_opens_at=now - timedelta(hours=1), now=now,
        )  # fmt: skip
        codes.append(event.code)
    await core.close()
    return codes, units[0].id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GREENTALLY_DATA_DIR": str(data),
        "GREENTALLY_SECRET_KEY": SECRET,
        "GREENTALLY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GREENTALLY_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("GREENTALLY_BOT_TOKEN")
    cmd = [sys.executable, "-c", "import sys; from greentally.cli import main; sys.exit(main())",
           "serve", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for _ in range(300):
            if proc.poll() is not None:
                raise SystemExit("greentally serve exited")
            try:
                if (await c.get("/healthz?ready=1")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("greentally serve did not become ready")


async def phone(base: str, unit_id: int, n: int) -> tuple[httpx.AsyncClient, str]:
    """A client with its own cookies, registered once through the /join form."""
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/join")
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    joined = await client.post(
        "/join", data={"csrf": csrf, "name": f"压测{n}", "unit_id": str(unit_id), "next": "/"}
    )
    assert joined.status_code == 303, joined.text
    return client, csrf


async def run_checkins(
    phones: list[tuple[httpx.AsyncClient, str]], codes: list[str]
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0

    async def one(client: httpx.AsyncClient, csrf: str) -> None:
        nonlocal errors
        for code in codes:
            data = {"csrf": csrf, "idem": secrets.token_urlsafe(18)}
            t0 = time.perf_counter()
            r = await client.post(f"/e/{code}", data=data)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 303:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one(c, t) for c, t in phones))
    return latencies, time.perf_counter() - t0, errors


async def run_bare(
    phones: list[tuple[httpx.AsyncClient, str]], per_client: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            t0 = time.perf_counter()
            r = await client.get("/healthz")
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one(c) for c, _ in phones))
    return latencies, time.perf_counter() - t0, errors


def row(
    name: str, lat: list[float], wall: float, errors: int
) -> tuple[str, float, float, float, int, int]:
    q = statistics.quantiles(lat, n=100)
    return name, len(lat) / wall, q[49] * 1000, q[98] * 1000, len(lat), errors


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite+aiosqlite:///{(data / 'greentally.sqlite3').as_posix()}"
        codes, unit_id = await prepare(url, args.events)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(data, port)
        try:
            await wait_ready(base, proc)
            phones = [await phone(base, unit_id, i) for i in range(args.clients)]
            await run_bare(phones, 20)  # warm up connections
            # Alternate the two in rounds, so a noisy moment of this shared machine falls on
            # both rather than on one of them.
            rounds = 4
            c_lat: list[float] = []
            b_lat: list[float] = []
            c_wall = b_wall = 0.0
            c_err = b_err = 0
            for r in range(rounds):
                lat, wall, err = await run_checkins(phones, codes[r::rounds])
                c_lat, c_wall, c_err = c_lat + lat, c_wall + wall, c_err + err
                per_client = args.bare_requests // args.clients // rounds
                lat, wall, err = await run_bare(phones, per_client)
                b_lat, b_wall, b_err = b_lat + lat, b_wall + wall, b_err + err
            checkins = row("check-in (form POST /e/<code>)", c_lat, c_wall, c_err)
            bare = row("bare (GET /healthz)", b_lat, b_wall, b_err)
            for client, _ in phones:
                await client.aclose()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"greentally serve, SQLite, {args.clients} concurrent clients, 1 process\n")
    print(
        f"| {'endpoint':<32} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'requests':>8} | {'errors':>6} |"
    )
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 10}|{'-' * 8}|")
    for name, rps, p50, p99, n, err in (checkins, bare):
        print(f"| {name:<32} | {rps:>8.0f} | {p50:>7.1f} | {p99:>7.1f} | {n:>8} | {err:>6} |")
    ratio = checkins[1] / bare[1]
    print(
        f"\ncheck-in / bare throughput: {ratio:.0%} (goal >= 60%); check-in p99 {checkins[3]:.1f} ms (goal < 50 ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--bare-requests", type=int, default=4000)
    asyncio.run(main(parser.parse_args()))
