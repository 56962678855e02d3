"""WeCom callbacks under a burst: how fast each is answered (WeCom retries after 5 s; the
issue asks 1 s at p99), and how long until every reply went out.

    python bench/wecom_callback.py [--burst 200] [--rounds 3] [--database-url URL]

The app runs as `greentally serve` builds it (uvicorn, httptools, the door wired and its
worker and sender running) on a loopback port, over a SQLite file (or the given
database); WeCom's API is the loopback fake of the tests. Each round POSTs `--burst`
encrypted `scancode_waitmsg` events at once, from as many members (new to GreenTally:
user/get and the roster match run in the worker), then the same burst again as WeCom's
retries. The client runs in another process over raw sockets, one connection per event
(WeCom's servers do not share one), so the times are the server's; the server, the
worker and the fake share one process and its event loop, as `serve` and WeCom would not.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from campaigns import catalog  # noqa: E402
from campaigns.core import open_core  # noqa: E402
from campaigns.seed import load_calendar  # noqa: E402
from campaigns.settings import Settings  # noqa: E402
from greentally.app import build_application, uvicorn_options  # noqa: E402
from tests.wecom.conftest import AES_KEY, AGENT_ID, TOKEN, scan_event, sealed  # noqa: E402
from tests.wecom.fake_wecom import CORP_ID, SECRET, FakeWeCom  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def request_bytes(query: dict[str, str], body: bytes) -> bytes:
    head = (
        f"POST /wecom/callback?{urlencode(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _burst(port: int, requests: list[bytes]) -> list[float]:
    """Open one connection per request, then send them all at once; each request's time
    from its write to its whole answer."""
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in requests]

    async def one(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes) -> float:
        reader, writer = conn
        start = time.perf_counter()
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        took = time.perf_counter() - start
        assert head.startswith(b"HTTP/1.1 200"), head[:40]
        writer.close()
        return took

    return list(await asyncio.gather(*(one(c, r) for c, r in zip(conns, requests, strict=True))))


def client(port: int, requests: list[bytes], out: Any) -> None:
    """The client, in its own process: its work never waits on the server's loop."""
    out.send(asyncio.run(_burst(port, requests)))


def burst_elsewhere(port: int, requests: list[bytes]) -> list[float]:
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=client, args=(port, requests, theirs))
    process.start()
    result: list[float] = mine.recv()
    process.join()
    return result


async def replies(fake: FakeWeCom, count: int, since: float) -> float:
    """Seconds from the end of the burst until the fake has delivered `count` messages."""
    while len(fake.delivered) < count:
        await asyncio.sleep(0.01)
        if time.perf_counter() - since > 120:
            raise SystemExit("replies did not all arrive within 120 s")
    return time.perf_counter() - since


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gt-wecom-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    now = datetime.now(UTC)
    core = await open_core(url, secret="bench-secret")
    await load_calendar(core, now=now)
    unit = await catalog.upsert_unit(
        core,
        actor_id=None,
        code="bench",
        name_zh="基准单位",
        name_en="Bench",
        parent_code=None,
        headcount=args.burst * args.rounds,
        has_canteen=False,
        now=now,
    )
    campaign = (await catalog.list_campaigns(core))[0]
    async with FakeWeCom.running() as fake:
        for n in range(args.burst * args.rounds):
            fake.add_user(f"m{n:05d}", f"职工{n:05d}", 7)
        settings = Settings(
            data_dir=folder,
            database_url=url,
            secret_key="bench-" + "x" * 40,
            public_url="https://greentally.example.gov.cn",
            wecom_corp_id=CORP_ID,
            wecom_agent_id=AGENT_ID,
            wecom_secret=SECRET,
            wecom_token=TOKEN,
            wecom_aes_key=AES_KEY,
            wecom_api_base=fake.base_url,
            wecom_units=f"7={unit.code}",
            _env_file=None,
        )
        app = build_application(settings, core)
        sock = socket.socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        options = {**uvicorn_options(settings), "log_level": "warning"}
        server = uvicorn.Server(uvicorn.Config(app, **options))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        print(f"database: {url.split(':')[0]}  burst: {args.burst} events  rounds: {args.rounds}")
        print(
            f"{'round':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'retry p99':>10} "
            f"{'replies s':>14} {'extra':>6}",
            flush=True,
        )
        for r in range(args.rounds):
            event = await catalog.create_event(
                core,
                actor_id=None,
                campaign_id=campaign.id,
                title_zh=f"基准活动{r}",
                starts_at=now,
                ends_at=now + timedelta(hours=2),
                now=now,
            )
            poster = f"{settings.public_url}/e/{event.code}"
            users = [f"m{r * args.burst + i:05d}" for i in range(args.burst)]
            bodies = [sealed(scan_event(u, poster, created=1_700_000_000 + r)) for u in users]
            before = len(fake.delivered)
            requests = [request_bytes(q, b) for q, b in bodies]
            first = await asyncio.to_thread(burst_elsewhere, port, requests)
            done = time.perf_counter()
            waiting = asyncio.create_task(replies(fake, before + args.burst, done))
            # WeCom's retries: one row each, nothing done twice
            again = await asyncio.to_thread(burst_elsewhere, port, requests)
            replied = await waiting
            await asyncio.sleep(0.5)
            extra = len(fake.delivered) - before - args.burst
            print(
                f"{r + 1:>5} {statistics.median(first) * 1000:>8.1f} "
                f"{percentile(first, 0.99) * 1000:>8.1f} {max(first) * 1000:>8.1f} "
                f"{percentile(again, 0.99) * 1000:>10.1f} {replied:>14.2f} {extra:>6}",
                flush=True,
            )
        server.should_exit = True
        await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    asyncio.run(main(parser.parse_args()))
