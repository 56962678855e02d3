"""Each update once and to the end: the outer middlewares every update passes, webhook or
polling alike, inside the chat's lock (aiogram's events isolation, shared through Redis
when several instances serve the bot).

`UpdateGate` is the update's unit of work: an update already handled (its id is in
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
from aiogram.types import Chat, ErrorEvent, TelegramObject, Update, User

from bot import groups
from campaigns import updates

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateFailed(Exception):  # reads as what happened to the update
    """An update whose handling failed; it is not recorded, so it runs again."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} failed")
        self.update_id = update_id


def sender(data: dict[str, Any]) -> User | None:
    """The person behind an update, or None (a channel post, an anonymous group admin,
    another bot)."""
    user: User | None = data.get("event_from_user")
    return None if user is None or user.is_bot else user


class UpdateGate(BaseMiddleware):
    """Every update's way in (one middleware: each layer costs the check-in hot path):

    1. no one behind it: logged and dropped (no one to answer, register or credit);
    2. handled before: dropped;
    3. from a group or channel: answered there, once, by bot.groups (never read on);
    4. the handlers, their errors answered by the error router;
    5. recorded as handled, unless it failed.

    `shared`: other instances handle updates too (their chat locks shared through Redis),
    so everything is looked up and the record committed before the lock is released
    (campaigns.updates)."""

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = shared

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update = cast(Update, event)
        if sender(data) is None:
            log.info("Update %s (%s) has no sender: ignored", update.update_id, update.event_type)
            return None
        core = data["core"]
        if await updates.already_processed(core, update.update_id, shared=self.shared):
            log.info("Update %s was handled before: a redelivery, dropped", update.update_id)
            return None
        chat: Chat | None = data.get("event_chat")
        try:
            if chat is not None and chat.type != "private":
                await groups.answer_group_update(update, data)
                response = None
            else:
                response = await handler(event, data)
        except Exception as exc:  # the error router decides what it means
            response = await data["dispatcher"].propagate_event(
                update_type="error", event=ErrorEvent(update=update, exception=exc), **data
            )
            if response is UNHANDLED:
                raise UpdateFailed(update.update_id) from exc
        await updates.mark_processed(
            core, update_id=update.update_id, now=data["clock"](), durable=self.shared
        )
        return response
