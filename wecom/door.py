"""The WeCom door: a callback is verified, decrypted, recorded once and answered at once;
a worker does its work (find the person, check in, read the totals) and queues the reply;
a sender sends queued messages through message/send within WeCom's limits.

The callback waits for its record at most ACK_BUDGET: a stalled database makes WeCom
wait no longer, and so retry nothing (it retries after 5 seconds without an answer); the
record is written when the database answers, and a retry that came anyway is one row."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.board import ProgressBoard
from bot.conversation import event_code
from campaigns import checkin, outbox, totals
from campaigns.core import Core
from campaigns.errors import Refused
from campaigns.external import Account, ExternalJoined, join_external, known_person, unit_for
from campaigns.labels import N_
from campaigns.results import Channel, PersonView
from wecom import messages
from wecom.client import WeComClient, WeComError
from wecom.crypto import WeComCrypto
from wecom.words import Speaker, render

log = logging.getLogger(__name__)

PLATFORM = "wecom"
ACK_BUDGET = 0.5  # seconds a callback waits for its record before answering anyway
POLL = 1.0  # seconds between looks at the inbox and outbox when nothing wakes the loops

NOT_A_CODE = N_("That does not look like an event code. Type the code under the poster's QR.")
NOT_A_MEMBER = N_(
    "GreenTally could not find your unit from your WeCom department. "
    "Ask the organizers to add your department."
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    aes_key: str
    api_base: str
    oauth_base: str
    public_url: str
    units: dict[int, str]  # department id -> unit code


class WeComDoor:
    def __init__(
        self,
        core: Core,
        config: WeComConfig,
        *,
        client: WeComClient | None = None,
        speaker: Speaker | None = None,
        clock: Callable[[], datetime] = utc_now,
        check_age: bool = True,
    ) -> None:
        self.core = core
        self.config = config
        self.crypto = WeComCrypto(config.token, config.aes_key, config.corp_id)
        self.client = client or WeComClient(
            base_url=config.api_base,
            corp_id=config.corp_id,
            secret=config.secret,
            agent_id=config.agent_id,
        )
        self.speaker = speaker or Speaker()
        self.clock = clock
        self.check_age = check_age
        self.board = ProgressBoard()
        self.send_limit = 2000  # messages claimed per round of the sender
        self._inbox_wake = asyncio.Event()
        self._outbox_wake = asyncio.Event()
        self._accepting: set[asyncio.Task[Any]] = set()
        self._tasks: list[asyncio.Task[None]] = []

    # the callback -----------------------------------------------------------------------

    def _now_seconds(self) -> float | None:
        return time.time() if self.check_age else None

    def verify(self, query: dict[str, str]) -> str:
        """URL verification: the plain echostr. Raises CryptoRefused."""
        return self.crypto.verify_url(
            query.get("msg_signature", ""),
            query.get("timestamp", ""),
            query.get("nonce", ""),
            query.get("echostr", ""),
            now=self._now_seconds(),
        )

    async def receive(self, query: dict[str, str], body: bytes) -> None:
        """An encrypted POST: checked and decrypted here (raises CryptoRefused), recorded
        in the inbox within ACK_BUDGET or soon after."""
        message = self.crypto.open(
            query.get("msg_signature", ""),
            query.get("timestamp", ""),
            query.get("nonce", ""),
            messages.envelope(body),
            now=self._now_seconds(),
        )
        fields = messages.fields(message)
        item = (
            messages.dedupe_key(fields),
            self.config.corp_id,
            fields.get("FromUserName", ""),
            fields,
        )
        task = asyncio.create_task(self._accept(item))
        self._accepting.add(task)
        task.add_done_callback(self._accepting.discard)
        await asyncio.wait({task}, timeout=ACK_BUDGET)

    async def _accept(self, item: tuple[str, str, str, dict[str, str]]) -> None:
        try:
            if await outbox.accept(self.core, [item], now=self.clock()):
                self._inbox_wake.set()
        except Exception:
            log.exception("a WeCom callback could not be recorded")
            raise

    async def settled(self) -> None:
        """Wait until every callback accepted so far is recorded (tests, shutdown)."""
        if self._accepting:
            await asyncio.wait(set(self._accepting))

    # the worker -------------------------------------------------------------------------

    async def work_once(self) -> int:
        """Do the work of waiting callbacks; how many were taken."""
        taken = await outbox.claim_inbound(self.core, now=self.clock())
        for inbound in taken:
            try:
                replies = await self.handle(inbound.fields)
            except Exception:
                if inbound.attempt >= outbox.MAX_ATTEMPTS:
                    log.exception(
                        "WeCom callback %s failed %d times: given up, kept in the inbox",
                        inbound.dedupe_key,
                        inbound.attempt,
                    )
                else:
                    log.exception("a WeCom callback failed; it is taken up again later")
                continue
            await outbox.finish(
                self.core,
                inbound,
                now=self.clock(),
                replies=[(PLATFORM, text, pid) for text, pid in replies],
            )
            if replies:
                self._outbox_wake.set()
        return len(taken)

    async def handle(self, fields: dict[str, str]) -> list[tuple[str, int | None]]:
        """The replies (text, person) to one message; none for what needs no answer."""
        kind, event = fields.get("MsgType", ""), fields.get("Event", "").lower()
        if kind == "event" and event == "scancode_waitmsg":
            typed, action = fields.get("ScanResult", ""), "checkin"
        elif kind == "event" and event == "click":
            typed, action = "", fields.get("EventKey", "")
        elif kind == "text":
            typed, action = fields.get("Content", ""), "checkin"
        else:
            return []
        joined = await self.person(fields.get("FromUserName", ""))
        if joined is None:
            return [(self.speaker.say(None, lambda: self.speaker.gettext(NOT_A_MEMBER)), None)]
        person = joined.person
        with self.speaker.speaking(person.language):
            text = await self._answer(person, action, typed, fields)
        return [(text, person.id)] if text else []

    async def _answer(
        self, person: PersonView, action: str, typed: str, fields: dict[str, str]
    ) -> str:
        now = self.clock()
        if action == "progress":
            return render.progress_line(await totals.progress(self.core, year=now.year))
        if action == "me":
            return render.balance(await totals.balance(self.core, person_id=person.id))
        if action != "checkin":
            return ""
        code = event_code(typed)
        if code is None:
            return self.speaker.gettext(NOT_A_CODE)
        try:
            recorded = await checkin.check_in(
                self.core,
                code=code,
                person_id=person.id,
                now=now,
                channel=Channel.WECOM,
                idempotency_key=messages.dedupe_key(fields),
                rotation_token=_rotation_token(typed),
            )
        except Refused as exc:
            return render.refusal(exc, tz=self.core.tz, now=now)
        progress = await self.board.get(self.core, year=self.core.today(now).year)
        return render.recorded(recorded, lang=person.language, progress=progress)

    async def person(self, user_id: str) -> ExternalJoined | None:
        """The person behind a member, bound the first time from the directory (user/get):
        None when their department maps to no unit."""
        account = Account(PLATFORM, self.config.corp_id, user_id)
        found = await known_person(self.core, account)
        if found is not None:
            return ExternalJoined(found)
        try:
            member = await self.client.user(user_id)
        except WeComError as exc:  # not in the directory the app can see
            log.warning("WeCom user/get refused for a member: %s", exc.errcode)
            return None
        departments = [int(d) for d in member.get("department") or []]
        unit_id = await unit_for(
            self.core, departments, codes=self.config.units, names=self._department_name
        )
        if unit_id is None:
            return None
        return await join_external(
            self.core,
            account,
            name=str(member.get("name") or user_id),
            unit_id=unit_id,
            now=self.clock(),
        )

    async def _department_name(self, department_id: int) -> str | None:
        return await self.client.department_name(department_id)

    # the sender -------------------------------------------------------------------------

    async def send_once(self) -> int:
        """Send what waits (within the limits); how many messages went out."""
        count = 0
        claimed = await outbox.claim_batch(
            self.core, platform=PLATFORM, now=self.clock(), limit=self.send_limit
        )
        for batch in claimed:
            users = [m.recipient for m in batch]
            try:
                refused = await self.client.send_text(users, batch[0].body)
            except (WeComError, OSError) as exc:
                log.warning("message/send failed for %d members: %s", len(users), exc)
                await outbox.sent(
                    self.core, batch, now=self.clock(), failed=dict.fromkeys(users, "send_failed")
                )
                continue
            await outbox.sent(
                self.core, batch, now=self.clock(), failed=dict.fromkeys(refused, "invaliduser")
            )
            count += len(batch) - len(refused)
        return count

    # running ----------------------------------------------------------------------------

    async def start(self, *, menu: dict[str, Any] | None = None) -> None:
        if menu is not None:
            try:
                await self.client.create_menu(menu)
            except (WeComError, OSError) as exc:
                log.warning("the WeCom menu could not be set: %s", exc)
        self._tasks = [
            asyncio.create_task(self._loop(self._inbox_wake, self.work_once), name="wecom-worker"),
            asyncio.create_task(self._loop(self._outbox_wake, self.send_once), name="wecom-sender"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), timeout=15)
        await self.client.close()

    async def _loop(self, wake: asyncio.Event, step: Callable[[], Any]) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=POLL)
            wake.clear()
            try:
                while await step():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the WeCom loop failed; trying again")
                await asyncio.sleep(POLL)


def _rotation_token(scanned: str) -> str | None:
    """The `t` of a rotating screen's link (…/e/<code>?t=<token>), if any."""
    query = urlsplit(scanned.strip()).query
    values = parse_qs(query).get("t")
    return values[0] if values else None
