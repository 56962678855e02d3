"""A built wheel carries the catalogs: installed into a fresh virtualenv (away from the
source tree), `greentally serve` answers a page in Chinese, not msgids."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*cmd: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{cmd[:3]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def test_the_wheel_serves_a_chinese_page(tmp_path: Path) -> None:
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=work)
    (wheel,) = dist.glob("greentally-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"locales/zh/LC_MESSAGES/messages.mo", "locales/en/LC_MESSAGES/messages.mo"} <= names
    assert "web/templates/base.html" in names or any(n.startswith("web/templates/") for n in names)
    # The machine's own packages stand in for the index; the wheel's code is the venv's own.
    _run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=work)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", wheel, cwd=work)
    where = subprocess.run(
        [python, "-c", "import web, locales; print(web.__file__); print(locales.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(str(venv) in line for line in where.splitlines()), where

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTALLY_")}
    env.pop("PYTHONPATH", None)
    proc = subprocess.Popen(
        [venv / "bin" / "greentally", "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, home = time.monotonic() + 90, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", headers={"accept-language": "zh"})
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert home is not None and home.status_code == 200, proc.poll()
        assert "志愿者和组织者登录" in home.text and 'lang="zh' in home.text
        english = httpx.get(f"http://127.0.0.1:{port}/", headers={"accept-language": "en"})
        assert "Volunteer and organizer sign-in" in english.text
    finally:
        proc.terminate()
        proc.wait(timeout=15)
