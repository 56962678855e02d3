"""The door's settings: off without a corp id; a partial or wrong setup refuses to start,
in words, in the operator's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from campaigns.settings import Settings
from tests.wecom.conftest import AES_KEY
from wecom.setup import WeComSetupError, parse_units, wecom_config
from wecom.words import Speaker


def settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path,
        "public_url": "https://greentally.example.gov.cn",
        "wecom_corp_id": "ww0123456789abcdef",
        "wecom_agent_id": 1000002,
        "wecom_secret": "s",
        "wecom_token": "t",
        "wecom_aes_key": AES_KEY,
        "wecom_units": "2=edu, 3=health",
    }
    return Settings(**{**base, **values}, _env_file=None)


def test_off_without_a_corp_id(tmp_path: Path) -> None:
    assert wecom_config(settings(tmp_path, wecom_corp_id=None)) is None


def test_a_full_setup(tmp_path: Path) -> None:
    config = wecom_config(settings(tmp_path))
    assert config is not None
    assert config.api_base == "https://qyapi.weixin.qq.com"  # WeCom's; 政务微信 sets its own
    assert config.units == {2: "edu", 3: "health"}


@pytest.mark.parametrize(
    ("change", "words_zh"),
    [
        ({"wecom_secret": None}, "必须同时设置 GREENTALLY_WECOM_SECRET"),
        ({"wecom_agent_id": None}, "必须同时设置 GREENTALLY_WECOM_AGENT_ID"),
        ({"wecom_aes_key": "tooshort"}, "43 位 EncodingAESKey"),
        ({"wecom_units": "edu"}, "GREENTALLY_WECOM_UNITS 的格式"),
        ({"public_url": "http://10.0.0.5:8000"}, "可信域名下的 https 地址"),
    ],
)
def test_a_misconfigured_door_refuses_in_words(
    tmp_path: Path, change: dict[str, Any], words_zh: str
) -> None:
    with pytest.raises(WeComSetupError) as exc:
        wecom_config(settings(tmp_path, **change))
    speaker = Speaker("zh")
    with speaker.speaking("zh"):
        said = exc.value.words.translated(speaker.gettext)
    assert words_zh in said
    assert str(exc.value).startswith("WeCom: ")  # English in the log


def test_units_are_read_as_department_and_code() -> None:
    assert parse_units("") == {}
    assert parse_units("12=school-1,7=bureau") == {12: "school-1", 7: "bureau"}
