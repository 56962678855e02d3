"""Check-ins per second over HTTP against `greentally serve`, beside a bare endpoint.

    python bench/checkin_http.py [--clients 32] [--phones 400] [--events 120] [--rounds 4]

Prepares a fresh SQLite database (calendar + bench events), starts `greentally serve` in a
subprocess on a free loopback port and registers `--phones` phones through the real form.
Then wrk (apt-get install wrk), a load generator in C that leaves the server the CPU a
Python client would take, keeps `--clients` connections busy: every phone checks in to
every event with the no-JavaScript form post (its cookies, CSRF token and a fresh
idempotency key; 303 to the answer page, not followed), each (phone, event) pair once.
`/healthz` (no database) is the bare figure; the two alternate in four rounds. Prints a
table, the ratio, and the check-ins the database holds afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
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
            core,
            actor_id=None,
            campaign_id=campaign.id,
            title_zh=f"压测活动{i}",
            starts_at=now,
            ends_at=now + timedelta(hours=4),
            checkin_opens_at=now - timedelta(hours=1),
            now=now,
        )
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
    cmd = [
        sys.executable,
        "-c",
        "import sys; from greentally.cli import main; sys.exit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
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


async def phone(base: str, unit_id: int, n: int) -> tuple[str, str]:
    """A phone registered once through the /join form: its cookie header and CSRF token."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.get("/join")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        joined = await client.post(
            "/join", data={"csrf": csrf, "name": f"压测{n}", "unit_id": str(unit_id), "next": "/"}
        )
        assert joined.status_code == 303, joined.text
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, csrf


def write_requests(path: Path, lines: list[tuple[str, str, str, str]]) -> None:
    path.write_text("".join("\t".join(line) + "\n" for line in lines), encoding="utf-8")


def wrk(
    base: str, requests: Path, *, clients: int, threads: int, seconds: float
) -> dict[str, object]:
    """One wrk run of `seconds`, sending lines of `requests` in order, each once."""
    env = {**os.environ, "REPLAY_FILE": str(requests), "REPLAY_THREADS": str(threads)}
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk_replay.lua"),
        base,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("{"))
    summary: dict[str, object] = json.loads(line)
    return summary


class Tally:
    """Several wrk runs of one endpoint, merged: requests, time, statuses, latencies."""

    def __init__(self, name: str, ok: int) -> None:
        self.name, self.ok = name, ok
        self.seconds = 0.0
        self.statuses: Counter[str] = Counter()
        self.weighted: list[tuple[float, int]] = []  # (latency ms, weight)

    def add(self, run: dict[str, object]) -> None:
        self.seconds += float(run["duration_us"]) / 1e6  # type: ignore[arg-type]
        counts = Counter({k: int(v) for k, v in run["statuses"].items()})  # type: ignore[attr-defined]
        self.statuses.update(counts)
        n = sum(counts.values())
        self.weighted += [(q / 1000, n) for q in run["quantiles_us"]]  # type: ignore[attr-defined]

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def answered(self) -> int:
        """Requests answered with the expected status: the only ones a rate may count (a
        replay that ran out of prepared check-ins asks for /healthz, far cheaper)."""
        return self.statuses[str(self.ok)]

    @property
    def errors(self) -> int:
        return self.requests - self.answered

    def percentile(self, p: float) -> float:
        ordered = sorted(self.weighted)
        total = sum(w for _, w in ordered)
        seen = 0
        for value, weight in ordered:
            seen += weight
            if seen >= total * p / 100:
                return value
        return ordered[-1][0]

    def row(self) -> str:
        rps = self.answered / self.seconds
        p50, p99 = self.percentile(50), self.percentile(99)
        return f"| {self.name:<32} | {rps:>8.0f} | {p50:>7.1f} | {p99:>7.1f} | {self.requests:>8} | {self.errors:>6} |"


def count_checkins(data: Path) -> int:
    with sqlite3.connect(data / "greentally.sqlite3") as con:
        (n,) = con.execute("SELECT count(*) FROM facts WHERE kind = 'checkin'").fetchone()
    return int(n)


async def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark drives the server with wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite+aiosqlite:///{(data / 'greentally.sqlite3').as_posix()}"
        codes, unit_id = await prepare(url, args.events)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(data, port)
        checkins, bare = (
            Tally("check-in (form POST /e/<code>)", 303),
            Tally("bare (GET /healthz)", 200),
        )
        try:
            await wait_ready(base, proc)
            phones = await asyncio.gather(*(phone(base, unit_id, i) for i in range(args.phones)))
            per_round = len(codes) // args.rounds
            bare_file, post_file = data / "bare.txt", data / "post.txt"
            write_requests(bare_file, [("GET", "/healthz", "-", "-")] * 200_000)
            run = {"clients": args.clients, "threads": args.threads, "seconds": args.seconds}
            wrk(base, bare_file, **run)  # warm up
            # Alternate the two in rounds, so a noisy moment of this shared machine falls on
            # both rather than on one of them. Every check-in is a new (phone, event) pair.
            for r in range(args.rounds):
                lines = [
                    ("POST", f"/e/{code}", cookie, f"csrf={csrf}&idem={secrets.token_urlsafe(18)}")
                    for code in codes[r * per_round : (r + 1) * per_round]
                    for cookie, csrf in phones
                ]
                write_requests(post_file, lines)
                checkins.add(wrk(base, post_file, **run))
                bare.add(wrk(base, bare_file, **run))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        recorded = count_checkins(data)
    print(f"greentally serve, SQLite, {args.clients} concurrent connections (wrk), 1 process\n")
    print(
        f"| {'endpoint':<32} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'requests':>8} | {'errors':>6} |"
    )
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 10}|{'-' * 8}|")
    print(checkins.row())
    print(bare.row())
    ratio = (checkins.answered / checkins.seconds) / (bare.answered / bare.seconds)
    print(
        f"\ncheck-in / bare throughput: {ratio:.0%} (goal >= 60%); "
        f"check-in p99 {checkins.percentile(99):.1f} ms (goal < 50 ms)"
    )
    print(
        f"check-ins recorded in the database: {recorded} (answered 303: {checkins.statuses['303']})"
    )
    for run in (checkins, bare):
        if run.errors:  # counted in no rate: say what they were
            print(f"{run.name}: answers by status {dict(sorted(run.statuses.items()))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument("--phones", type=int, default=400, help="registered phones")
    # 120 events x 400 phones: 12,000 check-ins a round, more than 3 s take at 4,000/s
    parser.add_argument("--events", type=int, default=120, help="events, shared out to the rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3, help="per round and endpoint")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    asyncio.run(main(parser.parse_args()))
