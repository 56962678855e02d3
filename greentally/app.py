"""Wiring: one process runs the web app and, when a token is set, the Telegram bot."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response

from campaigns.core import Core, make_core, open_core
from campaigns.seed import load_calendar
from campaigns.settings import Settings
from storage.migrate import upgrade_sync
from web.app import create_app

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> None:
    """Apply migrations and, on an empty database, load the calendar (idempotent)."""
    url = settings.resolved_database_url
    upgrade_sync(url)

    async def seed() -> None:
        core = await open_core(url, migrate=False, tz=settings.zone)
        try:
            added = await load_calendar(core, now=datetime.now(UTC))
            if added:
                log.info("loaded %d campaigns of the 2023 calendar", added)
        finally:
            await core.close()

    asyncio.run(seed())


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn: X-Forwarded-For and -Proto are believed only from the
    configured proxies (none by default; uvicorn's own default trusts loopback, so anyone
    on the machine could name any address); our middleware writes the access log."""
    proxies = settings.forwarded_allow_ips.strip()
    return {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or "",
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "http": "httptools",  # a dependency; the loop is uvloop where it installs ("auto")
        "h11_max_incomplete_event_size": 64 * 1024,
    }


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, templates, compiled statements) out of
    the collector's sight: a full collection over them stalled every request in flight for
    hundreds of milliseconds (bench/checkin_http.py's p99)."""
    gc.collect()
    gc.freeze()


def build_core(settings: Settings) -> Core:
    return make_core(
        settings.resolved_database_url,
        goal=settings.year_goal,
        secret=settings.resolved_secret(),
        tz=settings.zone,
    )


def build_application(settings: Settings, core: Core | None = None) -> FastAPI:
    """The web app over a core; with a bot token, the bot too (polling, or a webhook
    route when a webhook secret is set)."""
    core = core or build_core(settings)
    app = create_app(core, settings)
    inner = app.router.lifespan_context
    bot_parts = _bot_parts(core, settings) if settings.bot_token else None
    wecom_door = _wecom_door(app, core, settings)

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            freeze_startup_heap()
            task = None
            if bot_parts is not None:
                task = asyncio.create_task(_run_bot(core, settings, *bot_parts))
                announcing = asyncio.create_task(_run_outbox(core, bot_parts[0]))
            if wecom_door is not None:
                await _start_wecom(wecom_door, settings)
            try:
                yield
            finally:
                if wecom_door is not None:
                    await wecom_door.stop()
                if task is not None:
                    for running in (task, announcing):
                        running.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await running
                if bot_parts is not None:
                    await bot_parts[0].session.close()
                await core.close()

    app.router.lifespan_context = lifespan
    if bot_parts is not None:
        app.state.telegram_bot = bot_parts[0]
        bot_parts[1].update.outer_middleware(app.state.metrics.bot_middleware)
        if settings.webhook_secret is not None:
            _mount_webhook(app, settings, *bot_parts)
    return app


def _bot_parts(core: Core, settings: Settings) -> tuple[Bot, Dispatcher]:
    from bot.dispatcher import build_dispatcher  # noqa: PLC0415 - only with a bot token
    from bot.runner import check_setup, make_bot  # noqa: PLC0415

    check_setup(settings)  # a webhook Telegram would refuse stops the start, in words
    return make_bot(settings), build_dispatcher(core, settings)


async def _run_bot(core: Core, settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    from bot.runner import run_polling, start_webhook  # noqa: PLC0415

    try:
        if settings.webhook_secret is not None:
            await start_webhook(bot, dp, settings)
        else:
            await run_polling(core, settings, bot=bot, dp=dp)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the Telegram bot stopped; the web app keeps running")


def _mount_webhook(app: FastAPI, settings: Settings, bot: Bot, dp: Dispatcher) -> None:
    from bot.runner import SECRET_HEADER, WEBHOOK_PATH, handle_webhook_update  # noqa: PLC0415

    async def webhook(request: Request) -> Response:
        status = await handle_webhook_update(
            dp,
            bot,
            secret_header=request.headers.get(SECRET_HEADER),
            expected_secret=settings.webhook_secret,
            payload=await request.body(),
        )
        return Response(status_code=status)

    app.add_api_route(WEBHOOK_PATH, webhook, methods=["POST"], include_in_schema=False)


def _wecom_door(app: FastAPI, core: Core, settings: Settings) -> Any:
    """The WeCom door when GREENTALLY_WECOM_CORP_ID is set: its callback, its sign-in pages
    and its worker. A partial setup refuses to start (WeComSetupError, in words)."""
    if not settings.wecom_corp_id:
        return None
    from web.routes import wecom as wecom_routes  # noqa: PLC0415 - only with the door on
    from web.security import SESSION_COOKIE  # noqa: PLC0415
    from wecom.client import RedisTokens, WeComClient  # noqa: PLC0415
    from wecom.door import WeComDoor  # noqa: PLC0415
    from wecom.setup import wecom_config  # noqa: PLC0415
    from wecom.words import Speaker  # noqa: PLC0415

    config = wecom_config(settings)
    assert config is not None
    client = WeComClient(
        base_url=config.api_base,
        corp_id=config.corp_id,
        secret=config.secret,
        agent_id=config.agent_id,
        tokens=RedisTokens(settings.redis_url) if settings.redis_url else None,
    )
    door = WeComDoor(core, config, client=client, speaker=Speaker(settings.default_language))
    app.state.wecom = door
    app.add_route(
        wecom_routes.CALLBACK_PATH,
        wecom_routes.callback,
        methods=["GET", "POST"],
        include_in_schema=False,
    )
    app.include_router(wecom_routes.router, include_in_schema=False)
    app.add_middleware(wecom_routes.WeComSignIn, session_cookie=SESSION_COOKIE)
    return door


async def _start_wecom(door: Any, settings: Settings) -> None:
    from wecom.menu import build_menu  # noqa: PLC0415

    await door.start(menu=build_menu(door.speaker, settings.public_url))


async def _run_outbox(core: Core, bot: Bot) -> None:
    """Announcements queued for Telegram members (bot/outbox.py)."""
    from bot.outbox import run_sender  # noqa: PLC0415 - only with a bot token

    await run_sender(core, bot, lambda: datetime.now(UTC))
