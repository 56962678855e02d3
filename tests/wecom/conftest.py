"""The WeCom door over a real database and the loopback fake WeCom API."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from campaigns.core import Core
from campaigns.results import UnitView
from campaigns.settings import Settings
from tests import factories as f
from tests.web.conftest import app, client  # noqa: F401 - shared fixtures (test_console)
from tests.wecom.fake_wecom import CORP_ID, SECRET, FakeWeCom
from wecom import messages
from wecom.client import WeComClient
from wecom.crypto import WeComCrypto
from wecom.door import WeComConfig, WeComDoor

TOKEN = "greentallytoken"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"  # wechatpy's test key (43 characters)
AGENT_ID = 1000002
DEPARTMENT = 7
PUBLIC_URL = "http://127.0.0.1:8000"
_nonce = itertools.count(100000)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    async with FakeWeCom.running() as running:
        yield running


@pytest.fixture
async def unit(core: Core) -> UnitView:
    return await f.unit(core, name="县机关事务管理局")


def config_for(fake: FakeWeCom, unit: UnitView) -> WeComConfig:
    return WeComConfig(
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        api_base=fake.base_url,
        oauth_base="https://open.weixin.qq.com",
        public_url=PUBLIC_URL,
        units={DEPARTMENT: unit.code},
    )


@pytest.fixture
async def door(core: Core, fake: FakeWeCom, unit: UnitView) -> AsyncIterator[WeComDoor]:
    config = config_for(fake, unit)
    api = WeComClient(base_url=fake.base_url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID)
    made = WeComDoor(core, config, client=api, clock=lambda: f.NOW)
    yield made
    await made.stop()


@pytest.fixture
def wecom_settings(tmp_path: Path, db_url: str, fake: FakeWeCom, unit: UnitView) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key="test-secret-key-" + "x" * 32,
        public_url=PUBLIC_URL,
        environment="development",
        wecom_corp_id=CORP_ID,
        wecom_agent_id=AGENT_ID,
        wecom_secret=SECRET,
        wecom_token=TOKEN,
        wecom_aes_key=AES_KEY,
        wecom_api_base=fake.base_url,
        wecom_units=f"{DEPARTMENT}={unit.code}",
        _env_file=None,
    )


CRYPTO = WeComCrypto(TOKEN, AES_KEY, CORP_ID)


def sealed(
    fields: dict[str, str], *, crypto: WeComCrypto = CRYPTO, timestamp: int | None = None
) -> tuple[dict[str, str], bytes]:
    """What WeCom POSTs for a message: the query and the XML envelope."""
    message = {"ToUserName": CORP_ID, "AgentID": str(AGENT_ID), **fields}
    seal = crypto.seal(
        messages.to_xml(message),
        nonce=str(next(_nonce)),
        timestamp=str(timestamp or int(time.time())),
    )
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{seal['encrypt']}]]></Encrypt>"
        f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>"
    ).encode()
    query = {k: seal[k] for k in ("msg_signature", "timestamp", "nonce")}
    return query, body


def scan_event(user: str, url: str, *, created: int = 1689127200) -> dict[str, str]:
    return {
        "FromUserName": user,
        "CreateTime": str(created),
        "MsgType": "event",
        "Event": "scancode_waitmsg",
        "EventKey": "checkin",
        "ScanType": "qrcode",
        "ScanResult": url,
    }


def text_message(user: str, text: str, msg_id: str) -> dict[str, str]:
    return {
        "FromUserName": user,
        "CreateTime": "1689127200",
        "MsgType": "text",
        "Content": text,
        "MsgId": msg_id,
    }


async def drain(door: WeComDoor) -> None:
    """Wait for accepted callbacks, then run the worker and the sender until idle."""
    await door.settled()
    while await door.work_once():
        pass
    while await door.send_once():
        pass


def poster_url(code: str) -> str:
    return f"{PUBLIC_URL}/e/{code}"


Fields = dict[str, Any]
