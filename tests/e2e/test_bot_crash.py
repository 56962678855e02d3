"""Issue 12, 2: an update in flight when the process dies is not lost. `greentally serve`
runs in a subprocess against the fake Bot API; its answer to a poster's deep link waits out
Telegram's flood control (a 429 of 30 s) when the process is killed with SIGKILL; then it
is started again. Through the webhook (the fake delivers the update again, as Telegram
does after a failed delivery) and through long polling (the update was never confirmed,
so getUpdates hands it to the new process): the update is handled, the person hears the
answer, and the check-in exists once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from campaigns import catalog, totals, updates
from campaigns.core import Core
from tests import factories
from tests.e2e.fake_telegram import WEBHOOK_SECRET, FakeTelegram, tg_user

ROOT = Path(__file__).resolve().parents[2]
USER = tg_user(1301, language_code="zh-hans")
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`greentally serve` in a subprocess, started and killed at will."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int) -> None:
        self.env, self.cwd, self.port = env, cwd, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "greentally.cli", "serve", "--port", str(self.port)],
            cwd=self.cwd,
            env=self.env,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.redelivery_delays = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
        yield server


@pytest.fixture(params=["webhook", "polling"])
def server(
    request: pytest.FixtureRequest, fake: FakeTelegram, db_url: str, tmp_path: Path
) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GREENTALLY_DATA_DIR": str(tmp_path / "data"),
        "GREENTALLY_DATABASE_URL": db_url,
        "GREENTALLY_SECRET_KEY": "crash-test-secret-" + "z" * 32,
        "GREENTALLY_BOT_TOKEN": fake.token,
        "GREENTALLY_BOT_API_BASE": fake.url,  # a Bot API on loopback: http is fine for it
        "GREENTALLY_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("GREENTALLY_WEBHOOK_SECRET", None)
    env.pop("GREENTALLY_REDIS_URL", None)
    if request.param == "webhook":
        env["GREENTALLY_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    made = Server(env, tmp_path, port)
    try:
        yield made
    finally:
        made.stop()


async def started(fake: FakeTelegram, server: Server, mark: int) -> None:
    """The process is up and taking updates: its webhook set, or its first long poll."""
    server.start()
    method = "setWebhook" if "GREENTALLY_WEBHOOK_SECRET" in server.env else "getUpdates"
    await fake.wait_for(method, after=mark, timeout=60)


async def test_an_update_in_flight_at_a_sigkill_is_handled_after_the_restart(
    core: Core, fake: FakeTelegram, server: Server
) -> None:
    now = datetime.now(UTC)  # the served app runs on the real clock
    unit = await factories.unit(core)
    person = await factories.person(core, unit, telegram_id=USER["id"])
    event = await factories.event(
        core, opens=now - timedelta(hours=1), closes=now + timedelta(hours=6)
    )
    await started(fake, server, 0)

    fake.fail_next("sendMessage", retry_after=30)  # the answer waits out a long 429
    mark = len(fake.calls)
    update_id = await fake.push_update(fake.message_update(USER, f"/start e_{event.code}"))
    (refused,) = await fake.wait_for("sendMessage", chat_id=USER["id"], after=mark, timeout=30)
    assert refused.params["_failed"] == 429
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1  # written first
    server.kill()  # mid-update: the answer was never sent
    await asyncio.sleep(0.5)
    assert not await updates.already_processed(core, update_id)  # not recorded as handled

    mark = len(fake.calls)
    await started(fake, server, mark)
    answers = await fake.wait_for("sendMessage", chat_id=USER["id"], after=mark, timeout=60)
    (answer,) = [a for a in answers if "_failed" not in a.params]
    assert "已签到" in answer.text and "低碳日宣传活动" in answer.text
    assert "此前已记录过" not in answer.text  # heard as the first time: it is, for them
    await fake.wait_taken(update_id, timeout=30)
    if "GREENTALLY_WEBHOOK_SECRET" in server.env:
        statuses = fake.delivered(update_id)
        assert statuses[0] == 0 and statuses[-1] == 200  # the killed delivery, then taken
    assert (await catalog.get_event(core, code=event.code)).checked_in == 1
    assert len(await totals.history(core, person_id=person.id)) == 1
    assert len(fake_answers(fake)) == 1  # one answer reached the person


def fake_answers(fake: FakeTelegram) -> list[Any]:
    return [
        c for c in fake.calls_to("sendMessage", chat_id=USER["id"]) if "_failed" not in c.params
    ]
