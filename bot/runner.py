"""Run the bot: long polling inside `greentally serve`, or updates pushed to a webhook."""

from __future__ import annotations

import hmac
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.types import Update
from pydantic import SecretStr, ValidationError

from bot.dispatcher import build_dispatcher
from bot.middlewares import RetryAfterMiddleware
from campaigns import people

if TYPE_CHECKING:
    from campaigns.core import Core
    from greentally.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/tg/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_bot(settings: Settings, *, session: BaseSession | None = None) -> Bot:
    """A Bot on the configured API server (`bot_api_base`, for a local or fake server),
    waiting out Telegram's flood control."""
    if settings.bot_token is None:
        raise ValueError("GREENTALLY_BOT_TOKEN is not set")
    if session is None:
        api = (
            TelegramAPIServer.from_base(settings.bot_api_base)
            if settings.bot_api_base
            else PRODUCTION
        )
        session = AiohttpSession(api=api)
    session.middleware(RetryAfterMiddleware())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )


async def run_polling(
    core: Core, settings: Settings, *, bot: Bot | None = None, dp: Dispatcher | None = None
) -> None:
    """Long polling until cancelled (`greentally serve` runs this as a task)."""
    bot = bot or make_bot(settings)
    dp = dp or build_dispatcher(core, settings)
    await bot.delete_webhook(drop_pending_updates=False)
    await dp.start_polling(bot, handle_signals=False, polling_timeout=30)


async def start_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    """Run the startup hooks (menu) and tell Telegram where to push updates."""
    secret = _secret(settings.webhook_secret)
    if not secret:
        raise ValueError("GREENTALLY_WEBHOOK_SECRET is required in webhook mode")
    if not settings.redis_url:
        log.warning(
            "Webhook mode without GREENTALLY_REDIS_URL: bot conversations are kept in this "
            "process only. With several instances a conversation begun on one cannot "
            "continue on another; set GREENTALLY_REDIS_URL, or run a single instance."
        )
    await dp.emit_startup(bot=bot, dispatcher=dp, bots=[bot], **dp.workflow_data)
    await bot.set_webhook(
        url=settings.public_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )


def _secret(value: str | SecretStr | None) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value or ""


async def handle_webhook_update(
    dp: Dispatcher,
    bot: Bot,
    core: Core,
    *,
    secret_header: str | None,
    expected_secret: str | SecretStr | None,
    payload: dict[str, Any] | bytes | str,
    now: datetime | None = None,
) -> int:
    """Process one update Telegram pushed; return the HTTP status to answer.

    401 when the secret header is missing or wrong (compared in constant time) and
    nothing is processed; 400 for a body that is not an update; 500 when processing
    failed (the update is unmarked, so Telegram's redelivery runs it); 200 otherwise. An
    update delivered twice (same update_id, on any instance) is processed once.
    """
    expected = _secret(expected_secret)
    if not expected or not secret_header:
        return 401
    if not hmac.compare_digest(secret_header.encode(), expected.encode()):
        return 401
    try:
        raw = json.loads(payload) if isinstance(payload, bytes | str) else payload
        update = Update.model_validate(raw, context={"bot": bot})
    except (ValueError, ValidationError):
        return 400
    first = await people.mark_update_processed(
        core, update_id=update.update_id, now=now or datetime.now(UTC)
    )
    if not first:
        return 200
    try:
        await dp.feed_update(bot, update)
    except Exception:
        # Refusals are answered by the error router; this is our own failure. Unmark the
        # update and answer non-2xx: Telegram delivers it again (its writes are idempotent).
        log.exception("Webhook update %s failed; Telegram will redeliver it", update.update_id)
        await people.forget_update(core, update_id=update.update_id)
        return 500
    return 200
