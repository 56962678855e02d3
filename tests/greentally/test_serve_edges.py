"""`greentally serve` itself (uvicorn with httptools): X-Forwarded-For is believed only from
the configured proxies, and a 1 MB Cookie header is refused in words."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(tmp: Path, **env: str) -> Iterator[str]:
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GREENTALLY_")}
    environ.pop("FORWARDED_ALLOW_IPS", None)
    environ.update(PYTHONPATH=str(ROOT), GREENTALLY_DEFAULT_LANGUAGE="en", **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "greentally.cli", "serve", "--port", str(port)],
        cwd=tmp,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/healthz?ready=1", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _guess(base: str, n: int) -> list[int]:
    """Unknown event codes, each claiming another address."""
    return [
        httpx.get(f"{base}/e/nope{i}", headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code
        for i in range(n)
    ]


def test_forwarded_for_is_believed_only_from_configured_proxies(tmp_path: Path) -> None:
    limits = {"GREENTALLY_RATE_CODE_MISSES": "3 per 10 minutes"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve(tmp_path / "a", **limits) as base:
        assert _guess(base, 5) == [404, 404, 404, 429, 429]  # all from 127.0.0.1
    with serve(tmp_path / "b", FORWARDED_ALLOW_IPS="127.0.0.1", **limits) as base:
        assert _guess(base, 5) == [404] * 5  # the proxy on loopback names each client


def test_a_huge_cookie_header_is_refused(tmp_path: Path) -> None:
    with serve(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        request = (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
            b"Cookie: junk=" + b"x" * (1024 * 1024) + b"\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b"Clear this site" in answer
        assert httpx.get(f"{base}/").status_code == 200  # the server is fine after it
