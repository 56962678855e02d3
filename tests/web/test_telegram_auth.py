"""Mini App sign-in against a real, Telegram-issued initData string.

The vector: the "Signing" example of Telegram-Mini-Apps' init-data-golang documentation
(github.com/Telegram-Mini-Apps/telegram-apps, apps/docs/zh/packages/init-data-golang.md,
and the package's own README): initData a Telegram client issued to the documentation's bot
7342037359 on 2024-12-06 (auth_date 1733509682), together with that bot's token. Its `hash`
is the HMAC with the token; its `signature` is Telegram's own Ed25519 signature, which
verifies with Telegram's published production key (aiogram's web_app_signature carries it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from aiogram.utils import web_app_signature
from aiogram.utils.web_app_signature import TEST_PUBLIC_KEY
from pydantic import SecretStr

from campaigns.core import Core
from campaigns.settings import Settings
from web.errors import WebReason
from web.telegram_auth import InitDataRefused, TelegramUser, check_init_data

VECTOR_TOKEN = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4"
VECTOR_BOT_ID = 7342037359
VECTOR_AUTH_DATE = 1733509682
VECTOR = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F"
    "%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22"
    "language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue"
    "%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F"
    "4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151"
    "&chat_type=private&auth_date=1733509682"
    "&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dn"
    "TzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73"
)
THEN = VECTOR_AUTH_DATE + 30.0  # the clock set to just after Telegram issued it
HOUR = 3600
# One character changed: the first name "Vladislav" becomes "Vladislaw".
FORGED = VECTOR.replace("Vladislav", "Vladislaw", 1)


def by_hmac(data: str, *, now: float = THEN) -> TelegramUser:
    return check_init_data(data, now=now, max_age=HOUR, bot_token=VECTOR_TOKEN)


def by_signature(
    data: str, *, now: float = THEN, key: bytes = web_app_signature.PRODUCTION_PUBLIC_KEY
) -> TelegramUser:
    return check_init_data(data, now=now, max_age=HOUR, bot_id=VECTOR_BOT_ID, public_key=key)


def reason_of(check: object, *args: object, **kwargs: object) -> WebReason:
    with pytest.raises(InitDataRefused) as refused:
        check(*args, **kwargs)  # type: ignore[operator]
    return refused.value.reason


def test_the_real_init_data_is_valid_by_hmac_at_its_auth_date() -> None:
    user = by_hmac(VECTOR)
    assert user.id == 279058397 and user.first_name == "Vladislav + - ? /"
    assert user.full_name == "Vladislav + - ? / Kibenko" and user.auth_date == VECTOR_AUTH_DATE


def test_the_real_init_data_is_stale_today() -> None:
    assert reason_of(by_hmac, VECTOR, now=time.time()) is WebReason.INIT_DATA_STALE
    # Just past the limit too; and dated well ahead of our clock.
    late = VECTOR_AUTH_DATE + HOUR + 1
    assert reason_of(by_hmac, VECTOR, now=late) is WebReason.INIT_DATA_STALE
    assert reason_of(by_hmac, VECTOR, now=VECTOR_AUTH_DATE - 600) is WebReason.INIT_DATA_STALE


@pytest.mark.parametrize(
    "changed",
    [
        FORGED,
        VECTOR.replace("auth_date=1733509682", "auth_date=1733509683"),
        VECTOR.replace("hash=a433", "hash=b433"),
    ],
    ids=["name", "auth_date", "hash"],
)
def test_one_character_changed_is_forged(changed: str) -> None:
    assert changed != VECTOR and len(changed) == len(VECTOR)
    assert reason_of(by_hmac, changed) is WebReason.INIT_DATA_FORGED
    # Forged and stale: forged (the date of a forgery means nothing).
    assert reason_of(by_hmac, changed, now=time.time()) is WebReason.INIT_DATA_FORGED


def test_another_bots_token_is_forged() -> None:
    other = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J5"
    with pytest.raises(InitDataRefused) as refused:
        check_init_data(VECTOR, now=THEN, max_age=HOUR, bot_token=other)
    assert refused.value.reason is WebReason.INIT_DATA_FORGED


def test_the_real_init_data_is_valid_by_telegrams_ed25519_signature() -> None:
    """Third-party validation: no bot token, only the bot's id and Telegram's key."""
    assert by_signature(VECTOR).id == 279058397
    assert reason_of(by_signature, FORGED) is WebReason.INIT_DATA_FORGED
    assert reason_of(by_signature, VECTOR, key=TEST_PUBLIC_KEY) is WebReason.INIT_DATA_FORGED
    with pytest.raises(InitDataRefused) as other_bot:
        check_init_data(VECTOR, now=THEN, max_age=HOUR, bot_id=VECTOR_BOT_ID + 1)
    assert other_bot.value.reason is WebReason.INIT_DATA_FORGED
    assert reason_of(by_signature, VECTOR, now=time.time()) is WebReason.INIT_DATA_STALE


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", WebReason.INIT_DATA_MISSING),
        ("   ", WebReason.INIT_DATA_MISSING),
        ("auth_date=1733509682&user=%7B%22id%22%3A1%7D", WebReason.INIT_DATA_MISSING),
        ("not initData", WebReason.INIT_DATA_FORGED),
        (VECTOR + "&auth_date=1", WebReason.INIT_DATA_FORGED),  # a field given twice
        ("x=" + "a" * 5000 + "&hash=00", WebReason.INIT_DATA_FORGED),
    ],
    ids=["empty", "blank", "unsigned", "garbage", "repeated", "oversized"],
)
def test_missing_and_malformed(data: str, reason: WebReason) -> None:
    assert reason_of(by_hmac, data) is reason


# Through the pages and the API, with words and a log line for each refusal -------------


class Clock:
    """The web app's clock, moved by the test."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(THEN)


@pytest.fixture
async def client(core: Core, settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    from web.app import create_app

    configured = settings.model_copy(update={"bot_token": SecretStr(VECTOR_TOKEN)})
    app = create_app(core, configured)
    app.state.web.clock = clock
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        yield c


WORDS = {
    ("init_data_missing", "zh"): "Telegram 没有发送登录信息",
    ("init_data_missing", "en"): "Telegram sent no sign-in data",
    ("init_data_forged", "zh"): "不是 Telegram 签发的",
    ("init_data_forged", "en"): "Telegram did not sign this sign-in data",
    ("init_data_stale", "zh"): "已过期（有效期 60 分钟）",
    ("init_data_stale", "en"): "too old (it lasts 60 minutes)",
}


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_each_refusal_has_its_reason_words_and_log_line(
    client: httpx.AsyncClient, clock: Clock, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"accept-language": language}

    async def sign_in(data: str) -> httpx.Response:  # the API's `tma` authorization
        return await client.get("/api/v1/me", headers={**headers, "authorization": f"tma {data}"})

    genuine = await sign_in(VECTOR)  # accepted: this Telegram user has not joined yet
    assert genuine.status_code == 401 and genuine.json()["reason"] == "telegram_not_registered"
    cases = [
        ("init_data_missing", "", THEN),
        ("init_data_forged", FORGED, THEN),
        ("init_data_stale", VECTOR, THEN + 86400),
    ]  # the genuine data, a day later
    for reason, data, at in cases:
        clock.at = at
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="web.routes.account"):
            answer = await sign_in(data)
        body = answer.json()
        assert answer.status_code == 401 and body["reason"] == reason
        assert WORDS[(reason, language)] in body["message"]
        (line,) = [r.getMessage() for r in caplog.records if r.name == "web.routes.account"]
        assert "Mini App sign-in refused" in line and reason in line


async def test_the_mini_app_page_says_why_in_words(client: httpx.AsyncClient) -> None:
    from tests.web.conftest import get, post_form

    page = await get(client, "/tg")
    forged = await post_form(client, "/tg", {"init_data": FORGED}, from_page=page)
    assert forged.status_code == 401 and "不是 Telegram 签发的" in forged.text
