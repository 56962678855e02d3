"""Live totals for dashboards: one watcher per process reads a one-row fingerprint of the
year's totals and fans changes out to every subscriber (server-sent events).

With Redis configured, the instances share the work: one of them (holding a short lease)
watches the database and publishes on a channel that every instance listens to, so a
check-in made through any instance, or by the bot, reaches every open dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from campaigns.core import Core
from campaigns.results import Totals
from storage import queries

log = logging.getLogger(__name__)
CHANNEL = "greentally:live"
LEASE_KEY = "greentally:live:watcher"


class LiveHub:
    def __init__(
        self,
        core: Core,
        *,
        year: Callable[[], int],
        redis_url: str | None = None,
        interval: float = 0.5,
    ) -> None:
        self.core = core
        self.year = year
        self.redis_url = redis_url
        self.interval = interval
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._last: dict[int, tuple[int, ...]] = {}
        self._wake = asyncio.Event()
        self._id = secrets.token_hex(8)
        self._redis: Any = None

    async def snapshot(self, year: int) -> dict[str, Any]:
        async with self.core.read() as conn:
            sig = await queries.live_signature(conn, year)
        return _payload(year, sig, self.core.goal)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=16)
        self._queues.add(queue)
        if not self._tasks:
            self._start()
        try:
            yield queue
        finally:
            self._queues.discard(queue)
            if not self._queues:
                await self.stop()

    def poke(self) -> None:
        """A write just happened in this process: look now instead of at the next tick."""
        self._wake.set()

    def _start(self) -> None:
        self._last.clear()
        self._tasks = [asyncio.create_task(self._watch(), name="greentally-live-watch")]
        if self.redis_url:
            self._tasks.append(asyncio.create_task(self._listen(), name="greentally-live-redis"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
            self._redis = None

    def _deliver(self, payload: dict[str, Any]) -> None:
        for queue in list(self._queues):
            if queue.full():  # a slow viewer gets the newest figures, not a backlog
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(payload)

    async def _redis_client(self) -> Any:
        if self._redis is None:
            import redis.asyncio as aioredis  # noqa: PLC0415 - only with Redis configured

            self._redis = aioredis.from_url(self.redis_url or "", decode_responses=True)
        return self._redis

    async def _leader(self) -> bool:
        if not self.redis_url:
            return True
        try:
            r = await self._redis_client()
            ttl = max(1000, int(self.interval * 4000))
            if await r.set(LEASE_KEY, self._id, nx=True, px=ttl):
                return True
            if await r.get(LEASE_KEY) == self._id:
                await r.pexpire(LEASE_KEY, ttl)
                return True
            return False
        except Exception:  # Redis down: watch locally rather than go dark
            log.warning("live: Redis unavailable, watching locally", exc_info=True)
            return True

    async def _watch(self) -> None:
        while True:
            try:
                if await self._leader():
                    await self._check()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep watching through a database hiccup
                log.warning("live: watch failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()

    async def _check(self) -> None:
        year = self.year()
        async with self.core.read() as conn:
            sig = await queries.live_signature(conn, year)
        if self._last.get(year) == sig:
            return
        self._last[year] = sig
        payload = _payload(year, sig, self.core.goal)
        if self.redis_url:
            try:
                r = await self._redis_client()
                await r.publish(CHANNEL, json.dumps(payload))
                return
            except Exception:
                log.warning("live: publish failed, delivering locally", exc_info=True)
        self._deliver(payload)

    async def _listen(self) -> None:
        while True:
            try:
                r = await self._redis_client()
                pubsub = r.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._deliver(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # reconnect after a pause
                log.warning("live: Redis subscription lost", exc_info=True)
                await asyncio.sleep(1)


def _payload(year: int, sig: tuple[int, ...], goal: int) -> dict[str, Any]:
    t = Totals(*sig)
    data = asdict(t)
    data.update(year=year, goal=goal, toward_goal=t.toward_goal)
    return data
