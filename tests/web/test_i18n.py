"""Every word the web shows exists in both catalogs, and the language is chosen as specified."""

from __future__ import annotations

import httpx
import pytest

from campaigns.messages import REASON_MESSAGES
from campaigns.reasons import Reason
from tests.web.msgids import web_msgids
from web.errors import REASON_STATUS, WEB_MESSAGES
from web.i18n import negotiate, translations


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_web_msgid_is_translated(lang: str) -> None:
    catalog = translations(lang)
    missing = sorted(m for m in web_msgids() if catalog.gettext(m) == m and lang == "zh")
    assert not missing, f"untranslated in {lang}: {missing}"
    catalog_ids = set(getattr(catalog, "_catalog", {}))
    absent = sorted(m for m in web_msgids() if m not in catalog_ids)
    assert not absent, f"absent from compiled {lang} catalog: {absent}"


def test_web_reasons_have_words_and_status() -> None:
    assert set(WEB_MESSAGES) <= set(REASON_STATUS)
    assert all(reason in REASON_STATUS for reason in Reason), "a core reason lacks a status"


def test_every_core_reason_reads_in_chinese() -> None:
    zh = translations("zh")
    en = translations("en")
    untranslated = [m for m in REASON_MESSAGES.values() if zh.gettext(m) == m]
    assert all(m in getattr(en, "_catalog", {}) for m in REASON_MESSAGES.values())
    assert not untranslated


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.7", "zh"),
        ("zh-Hans-CN", "zh"),
        ("de", None),
        ("", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert negotiate(header) == expected


async def test_language_default_header_and_switch(client: httpx.AsyncClient) -> None:
    assert '<html lang="zh-Hans">' in (await client.get("/")).text  # default zh
    english = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Take part" in english.text
    switched = await client.get("/lang/zh?next=/", headers={"accept-language": "en"})
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    chinese = await client.get("/", headers={"accept-language": "en"})
    assert '<html lang="zh-Hans">' in chinese.text and "参与活动" in chinese.text
    # An open redirect through the switch is not possible.
    evil = await client.get("/lang/en?next=//evil.example/x")
    assert evil.headers["location"] == "/"
