"""A webhook Telegram would refuse is refused at start, in words: a plain http address
(unless a local Bot API server pushes to it), a port Telegram does not push to, a secret
outside Telegram's alphabet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram import Bot
from pydantic import SecretStr

from bot.dispatcher import build_dispatcher
from bot.runner import BotSetupError, local_bot_api, start_webhook, webhook_problem
from campaigns.core import Core
from campaigns.settings import Settings
from tests.e2e.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def configured(**values: object) -> Settings:
    base = {
        "bot_token": SecretStr("123:abc"),
        "webhook_secret": SecretStr("s3cret_TOKEN-ok"),
        "public_url": "https://greentally.example.gov.cn",
        "_env_file": None,
    }
    return Settings(**{**base, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({}, None),
        ({"public_url": "https://greentally.example.gov.cn:8443"}, None),
        ({"public_url": "http://greentally.example.gov.cn"}, "https addresses only"),
        ({"public_url": "https://greentally.example.gov.cn:8000"}, "ports 443, 80, 88 and 8443"),
        ({"public_url": "http://10.1.2.3:8000", "bot_api_base": "http://10.1.2.9:8081"}, None),
        ({"public_url": "http://127.0.0.1:8000", "bot_api_base": "http://localhost:8081"}, None),
        ({"public_url": "http://x.cn", "bot_api_base": "https://api.telegram.org"}, "https"),
        ({"webhook_secret": SecretStr("has spaces")}, "A-Z, a-z, 0-9, _ and -"),
        ({"webhook_secret": SecretStr("密钥")}, "A-Z, a-z, 0-9, _ and -"),
        ({"webhook_secret": SecretStr("x" * 257)}, "1 to 256 characters"),
        ({"webhook_secret": SecretStr("x" * 256)}, None),
    ],
)
def test_webhook_problems_in_words(values: dict[str, object], words: str | None) -> None:
    problem = webhook_problem(configured(**values))
    if words is None:
        assert problem is None
    else:
        assert problem is not None and words in problem


def test_a_local_bot_api_server_is_one_on_this_machine_or_network() -> None:
    assert local_bot_api(configured(bot_api_base="http://127.0.0.1:8081"))
    assert local_bot_api(configured(bot_api_base="http://192.168.1.20:8081"))
    assert not local_bot_api(configured(bot_api_base="https://api.telegram.org"))
    assert not local_bot_api(configured())


async def test_start_webhook_refuses_and_sets_nothing(
    core: Core, bot: Bot, bot_settings: Settings, fake_tg: FakeTelegram
) -> None:
    refused = bot_settings.model_copy(
        update={"bot_api_base": None, "public_url": "http://greentally.example.gov.cn"}
    )
    dp = build_dispatcher(core, refused)
    with pytest.raises(BotSetupError, match="https addresses only"):
        await start_webhook(bot, dp, refused)
    assert fake_tg.calls == []


def test_serve_stops_with_the_reason(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GREENTALLY_DATA_DIR": str(tmp_path / "data"),
        "GREENTALLY_BOT_TOKEN": "123:abc",
        "GREENTALLY_WEBHOOK_SECRET": "not a valid secret!",
        "GREENTALLY_PUBLIC_URL": "https://greentally.example.gov.cn",
    }
    env.pop("GREENTALLY_BOT_API_BASE", None)
    done = subprocess.run(
        [sys.executable, "-m", "greentally.cli", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    # In the operator's language (Chinese by default), as an error on stderr.
    assert (
        "机器人无法启动" in done.stderr and "GREENTALLY_WEBHOOK_SECRET 须为 1 至 256" in done.stderr
    )
    assert "Traceback" not in done.stderr
    english = subprocess.run(
        [sys.executable, "-m", "greentally.cli", "serve"],
        cwd=tmp_path,
        env={**env, "GREENTALLY_DEFAULT_LANGUAGE": "en"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "GREENTALLY_WEBHOOK_SECRET must be 1 to 256 characters" in english.stderr
