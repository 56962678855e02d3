"""Flood control: the session middleware waits out a 429 and sends again."""

from __future__ import annotations

import time

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter

from bot.middlewares import RetryAfterMiddleware
from tests.e2e.fake_telegram import FakeTelegram


async def test_429_is_waited_out_and_retried(bot: Bot, fake_tg: FakeTelegram) -> None:
    fake_tg.fail_next("sendMessage", retry_after=1)
    started = time.monotonic()
    sent = await bot.send_message(chat_id=42, text="hello")
    elapsed = time.monotonic() - started
    assert sent.text == "hello"
    refused, delivered = fake_tg.calls_to("sendMessage")
    assert refused.params["_failed"] == 429 and "_failed" not in delivered.params
    assert elapsed >= 1.0
    assert delivered.at - refused.at >= 1.0


async def test_a_wait_longer_than_the_limit_is_raised(fake_tg: FakeTelegram) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_tg.url))
    session.middleware(RetryAfterMiddleware(max_wait=0.5))
    bot = Bot(fake_tg.token, session=session)
    fake_tg.fail_next("sendMessage", retry_after=30)
    try:
        started = time.monotonic()
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(chat_id=42, text="hello")
        assert caught.value.retry_after == 30
        assert time.monotonic() - started < 5
        assert len(fake_tg.calls_to("sendMessage")) == 1
    finally:
        await session.close()


async def test_gives_up_after_max_attempts(fake_tg: FakeTelegram) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_tg.url))
    session.middleware(RetryAfterMiddleware(max_attempts=2))
    bot = Bot(fake_tg.token, session=session)
    fake_tg.fail_next("sendMessage", retry_after=1, times=5)
    try:
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(chat_id=42, text="hello")
        assert len(fake_tg.calls_to("sendMessage")) == 2
    finally:
        await session.close()
