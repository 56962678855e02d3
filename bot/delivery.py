"""Each update once and to the end: the outer middlewares every update passes, webhook or
polling alike, inside the chat's lock (aiogram's events isolation, shared through Redis
when several instances serve the bot).

`OncePerUpdate` is the update's unit of work: an update already handled (its id is in
campaigns.updates) is dropped; otherwise it runs, its errors are answered by the error
router here, and only when nothing is left to redo is it recorded as handled. An update
that failed (our bug, or Telegram in trouble) is not recorded and raises `UpdateFailed`,
so the webhook answers 500 and Telegram delivers it again, and the poller runs it again;
every step being idempotent, the second run completes what the first began.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import ErrorEvent, TelegramObject, Update, User

from campaigns import updates

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateFailed(Exception):  # noqa: N818 - reads as what happened to the update
    """An update whose handling failed; it is not recorded, so it runs again."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} failed")
        self.update_id = update_id


def sender(data: dict[str, Any]) -> User | None:
    """The person behind an update, or None (a channel post, an anonymous group admin,
    another bot)."""
    user: User | None = data.get("event_from_user")
    return None if user is None or user.is_bot else user


class SenderRequired(BaseMiddleware):
    """An update without a person behind it is logged and dropped: no one to answer, no
    one to register or credit."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if sender(data) is None:
            update = cast(Update, event)
            log.info("Update %s (%s) has no sender: ignored", update.update_id, update.event_type)
            return None
        return await handler(event, data)


class OncePerUpdate(BaseMiddleware):
    """Drop an update already handled; run the others to the end, then record them.

    `shared`: other instances handle updates too (their chat locks shared through Redis),
    so the record is committed before the lock is released (campaigns.updates)."""

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = shared

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update = cast(Update, event)
        core = data["core"]
        if await updates.already_processed(core, update.update_id, shared=self.shared):
            log.info("Update %s was handled before: a redelivery, dropped", update.update_id)
            return None
        try:
            response = await handler(event, data)
        except Exception as exc:  # noqa: BLE001 - the error router decides what it means
            response = await data["dispatcher"].propagate_event(
                update_type="error", event=ErrorEvent(update=update, exception=exc), **data
            )
            if response is UNHANDLED:
                raise UpdateFailed(update.update_id) from exc
        await updates.mark_processed(
            core, update_id=update.update_id, now=data["clock"](), durable=self.shared
        )
        return response
