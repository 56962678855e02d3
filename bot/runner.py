"""Run the bot: long polling inside `greentally serve`, or updates pushed to a webhook.

Both hand each update to the dispatcher, whose outer middlewares (bot.delivery) drop one
already handled and record it only once handled to the end: polling and the webhook
deduplicate the same way, through the same record in the database."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.types import Update
from pydantic import SecretStr, ValidationError

from bot.dispatcher import build_dispatcher
from bot.middlewares import RetryAfterMiddleware, TelegramRefusalsMiddleware
from bot.polling import Poller
from campaigns.labels import N_

if TYPE_CHECKING:
    from campaigns.core import Core
    from campaigns.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/tg/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram accepts as a webhook's secret_token (setWebhook).
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LOCAL_HOSTS = {"localhost"}
WEBHOOK_PORTS = {None, 443, 80, 88, 8443}  # the ports Telegram's cloud pushes to


class Words(str):
    """An English msgid with its values, formatted (so it reads as itself in logs and tests)
    and translatable where a person reads it (`greentally serve` in their language)."""

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, **values: object) -> Words:
        made = super().__new__(cls, msgid.format(**values))
        made.msgid, made.values = msgid, values
        return made

    def translated(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.msgid).format(**self.values)


class BotSetupError(ValueError):
    """The bot's settings cannot work; the message (Words) says what to change."""

    def __init__(self, words: Words) -> None:
        super().__init__(str(words))
        self.words = words


def make_bot(settings: Settings, *, session: BaseSession | None = None) -> Bot:
    """A Bot on the configured API server (`bot_api_base`, for a local or fake server),
    waiting out Telegram's flood control and surviving its refusals of stale edits."""
    if settings.bot_token is None:
        raise BotSetupError(Words(N_("GREENTALLY_BOT_TOKEN is not set.")))
    if session is None:
        api = (
            TelegramAPIServer.from_base(settings.bot_api_base)
            if settings.bot_api_base
            else PRODUCTION
        )
        session = AiohttpSession(api=api)
    session.middleware(TelegramRefusalsMiddleware())
    session.middleware(RetryAfterMiddleware())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )


def local_bot_api(settings: Settings) -> bool:
    """True when `bot_api_base` names a Bot API server on this machine or network (a local
    telegram-bot-api server, or the test fake): it may push to a plain http address."""
    if not settings.bot_api_base:
        return False
    host = urlsplit(settings.bot_api_base).hostname or ""
    if host in LOCAL_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def webhook_problem(settings: Settings) -> Words | None:
    """Why Telegram would refuse this webhook setup, in words for the person running the
    server, or None when it can work."""
    secret = _secret(settings.webhook_secret)
    if not SECRET_TOKEN.match(secret):
        return Words(
            N_(
                "GREENTALLY_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram refuses any other secret_token); for example: {example}"
            ),
            example="python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    url = urlsplit(settings.public_url)
    if url.scheme != "https" and not local_bot_api(settings):
        return Words(
            N_(
                "GREENTALLY_PUBLIC_URL is {url}: Telegram pushes updates to https addresses "
                "only. Serve GreenTally over https (a reverse proxy with a certificate), use "
                "long polling (unset GREENTALLY_WEBHOOK_SECRET), or point "
                "GREENTALLY_BOT_API_BASE at a local Bot API server."
            ),
            url=repr(settings.public_url),
        )
    if not url.hostname:
        return Words(
            N_("GREENTALLY_PUBLIC_URL is {url}: it names no host."), url=repr(settings.public_url)
        )
    if not local_bot_api(settings) and url.port not in WEBHOOK_PORTS:
        return Words(
            N_(
                "GREENTALLY_PUBLIC_URL is {url}: Telegram pushes updates to ports 443, 80, 88 "
                "and 8443 only; put the reverse proxy on one of them."
            ),
            url=repr(settings.public_url),
        )
    return None


def check_setup(settings: Settings) -> None:
    """Refuse, with a clear message, bot settings Telegram would refuse (at start)."""
    if settings.webhook_secret is not None:
        problem = webhook_problem(settings)
        if problem is not None:
            raise BotSetupError(problem)


async def run_polling(
    core: Core, settings: Settings, *, bot: Bot | None = None, dp: Dispatcher | None = None
) -> None:
    """Long polling until cancelled (`greentally serve` runs this as a task)."""
    bot = bot or make_bot(settings)
    dp = dp or build_dispatcher(core, settings)
    await Poller(dp, bot).run()


async def start_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    """Run the startup hooks (menu) and tell Telegram where to push updates. Refuses
    (BotSetupError) a setup Telegram would refuse."""
    if not _secret(settings.webhook_secret):
        raise BotSetupError(Words(N_("GREENTALLY_WEBHOOK_SECRET is required in webhook mode.")))
    check_setup(settings)
    if not settings.redis_url:
        log.warning(
            "Webhook mode without GREENTALLY_REDIS_URL: bot conversations are kept in this "
            "process only. With several instances a conversation begun on one cannot "
            "continue on another; set GREENTALLY_REDIS_URL, or run a single instance."
        )
    await dp.emit_startup(bot=bot, dispatcher=dp, bots=[bot], **dp.workflow_data)
    await bot.set_webhook(
        url=settings.public_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=_secret(settings.webhook_secret),
        allowed_updates=dp.resolve_used_update_types(),
    )


def _secret(value: str | SecretStr | None) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value or ""


async def handle_webhook_update(
    dp: Dispatcher,
    bot: Bot,
    *,
    secret_header: str | None,
    expected_secret: str | SecretStr | None,
    payload: dict[str, Any] | bytes | str,
) -> int:
    """Process one update Telegram pushed; return the HTTP status to answer.

    401 when the secret header is missing or wrong (compared in constant time) and
    nothing is processed; 400 for a body that is not an update; 500 when processing
    failed (nothing about it is recorded, so Telegram's redelivery runs it again); 200
    otherwise, a redelivery of an update already handled included.
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
    try:
        await dp.feed_update(bot, update)
    except Exception:  # answered below: Telegram delivers it again
        log.warning(
            "Webhook update %s failed; Telegram will deliver it again",
            update.update_id,
            exc_info=True,
        )
        return 500
    return 200
