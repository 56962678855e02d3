"""Updates per second through the bot's dispatcher for a check-in, beside a bare aiogram
echo handler in the same run.

    python bench/bot_updates.py [--updates 2000] [--rounds 4] [--concurrency 1,50,100]

Each check-in update is a poster deep link `/start e_<code>` from a different registered
person (each round a new event): the full path (person lookup, locale, FSM, isolation, the core's check-in write and
the year's progress read, the reply). The echo dispatcher answers every message with its
text. Both run on the same Bot, whose session answers in memory (no network), so the ratio
is the cost of our work over aiogram's own; `--fake-api` sends the replies over loopback
HTTP to the fake Bot API server instead. Updates are fed like the polling loop feeds them:
`--concurrency` at a time (polling hands over up to 100 at once; a webhook takes up to 40
connections). Echo and check-in rounds alternate; the heap built before the run is frozen
as `greentally serve` freezes its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message, Update
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.dispatcher import build_dispatcher
from bot.runner import make_bot
from campaigns import catalog, checkin, people
from campaigns.core import open_core
from campaigns.results import Channel
from campaigns.seed import load_calendar
from campaigns.settings import Settings
from greentally.app import freeze_startup_heap

NOW = datetime(2023, 7, 12, 2, 0, tzinfo=UTC)
TOKEN = "123456:BENCH-token"


class MemorySession(BaseSession):
    """Answers every Bot API call at once, as Telegram would, without a network."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, SendMessage):
            return Message(
                message_id=1,
                date=NOW,
                chat=Chat(id=int(method.chat_id), type="private"),
                text=method.text,
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def close(self) -> None:
        return None


def update(update_id: int, user_id: int, text: str, bot: Bot) -> Update:
    """An update as the polling loop makes it: parsed with the bot in its context (without
    it, feed_update would rebuild every update through a JSON round trip)."""
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(NOW.timestamp()),
                "chat": {"id": user_id, "type": "private"},
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "P",
                    "language_code": "zh-hans",
                },
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}]
                if text.startswith("/start")
                else None,
            },
        },
        context={"bot": bot},
    )


async def feed(dp: Dispatcher, bot: Bot, updates: list[Update], concurrency: int) -> float:
    """Seconds to process all updates, `concurrency` in flight at a time."""
    queue = iter(updates)

    async def worker() -> None:
        for item in queue:
            await dp.feed_update(bot, item)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def core_alone(core: Any, code: str, count: int, concurrency: int) -> float:
    """The same number of check-ins straight into the core (the same people, an event of
    their own): the ceiling the bot's check-in path sits under."""
    found = [
        await people.find_by_telegram(core, tid) for tid in range(10_000_000, 10_000_000 + count)
    ]
    queue = iter(found)

    async def worker() -> None:
        for person in queue:
            assert person is not None
            await checkin.check_in(
                core, code=code, person_id=person.id, now=NOW, channel=Channel.BOT
            )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def prepare(
    folder: Path, count: int, events: int
) -> tuple[Any, Settings, list[str], list[int]]:
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    core = await open_core(url, secret="bench-secret")
    await load_calendar(core, now=NOW)
    unit = await catalog.upsert_unit(
        core,
        actor_id=None,
        code="bench",
        name_zh="测试单位",
        name_en="Bench unit",
        headcount=count,
        has_canteen=False,
        now=NOW,
    )
    campaign = next(
        c for c in await catalog.list_campaigns(core) if c.slug == "2023-low-carbon-day"
    )
    codes = [
        (
            await catalog.create_event(
                core,
                actor_id=None,
                campaign_id=campaign.id,
                title_zh=f"低碳日 {i}",
                title_en=f"Low-carbon day {i}",
                place="广场",
                starts_at=NOW,
                ends_at=NOW + timedelta(hours=4),
                checkin_opens_at=NOW - timedelta(hours=1),
                checkin_closes_at=NOW + timedelta(hours=6),
                capacity=None,
                now=NOW,
            )
        ).code
        for i in range(events)
    ]
    ids = list(range(10_000_000, 10_000_000 + count))
    await asyncio.gather(
        *(
            people.register_person(core, name=f"P{tid}", unit_id=unit.id, telegram_id=tid, now=NOW)
            for tid in ids
        )
    )
    settings = Settings(
        data_dir=folder / "data", database_url=url, bot_token=SecretStr(TOKEN), _env_file=None
    )
    return core, settings, codes, ids


async def run(count: int, concurrencies: list[int], rounds: int, fake_api: bool) -> None:
    rows: list[tuple[int, float, float, float]] = []
    for concurrency in concurrencies:
        with tempfile.TemporaryDirectory() as tmp:
            # One event per round, and one more for the core alone.
            core, settings, [*codes, own], ids = await prepare(Path(tmp), count, rounds + 1)
            server = None
            if fake_api:
                from tests.e2e.fake_telegram import FakeTelegram

                server = await FakeTelegram(token=TOKEN).start()
                settings = settings.model_copy(update={"bot_api_base": server.url})
                bot = make_bot(settings)
            else:
                bot = make_bot(settings, session=MemorySession())
            try:
                echo, dp = echo_dispatcher(), build_dispatcher(core, settings, clock=lambda: NOW)
                batches = []  # (echo updates, check-in updates) for each round, built first
                for r, code in enumerate(codes):
                    first = r * count + 1
                    echo_updates = [
                        update(first + i, tid, f"hi {i}", bot) for i, tid in enumerate(ids)
                    ]
                    checkins = [
                        update(first + i, tid, f"/start e_{code}", bot) for i, tid in enumerate(ids)
                    ]
                    batches.append((echo_updates, checkins))
                # As `greentally serve` does once started: what was built before the run
                # (here the prepared updates too) is moved out of the collector's sight.
                freeze_startup_heap()
                # Rounds alternate, so a noisy moment of this shared machine falls on both.
                echo_seconds = checkin_seconds = 0.0
                for echo_updates, checkins in batches:
                    echo_seconds += await feed(echo, bot, echo_updates, concurrency)
                    checkin_seconds += await feed(dp, bot, checkins, concurrency)
                for code in codes:
                    event = await catalog.get_event(core, code=code)
                    assert event.checked_in == count, (event.checked_in, count)
                core_seconds = await core_alone(core, own, count, concurrency)
                total = count * rounds
                rows.append(
                    (
                        concurrency,
                        total / echo_seconds,
                        total / checkin_seconds,
                        count / core_seconds,
                    )
                )
            finally:
                await bot.session.close()
                if server is not None:
                    await server.close()
                await core.close()
    transport = "loopback HTTP (fake Bot API)" if fake_api else "in-memory session"
    print(f"{count} updates per round, {rounds} rounds of each, replies via {transport}")
    print(
        f"{'concurrency':>11} | {'echo upd/s':>10} | {'check-in upd/s':>14} | {'ratio':>6} | "
        f"{'core check_in alone/s':>21}"
    )
    print(f"{'-' * 11}-+-{'-' * 10}-+-{'-' * 14}-+-{'-' * 6}-+-{'-' * 21}")
    for concurrency, echo, through_bot, alone in rows:
        print(
            f"{concurrency:>11} | {echo:>10.0f} | {through_bot:>14.0f} | "
            f"{through_bot / echo:>6.1%} | {alone:>21.0f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000, help="per round")
    parser.add_argument("--concurrency", default="1,50,100")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--fake-api", action="store_true")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",")]
    asyncio.run(run(args.updates, levels, args.rounds, args.fake_api))


if __name__ == "__main__":
    main()
