"""Every string the bot shows has a real zh and en translation, with the same placeholders."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.middlewares import telegram_locale
from campaigns.messages import REASON_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
LATIN = re.compile(r"[A-Za-z]{3,}")


def bot_msgids() -> list[str]:
    """The bot's own words and the shared labels (campaigns/labels.py) it shows."""
    found: list[str] = []
    for folder, pattern in ((ROOT / "bot", "**.py"), (ROOT / "campaigns", "labels.py")):
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder,
            method_map=[(pattern, "python")],
            keywords={"_": None, "N_": None, "gettext": None},
        ):
            text = message[0] if isinstance(message, tuple) else message
            if text not in found:
                found.append(text)
    return found


def catalog(language: str) -> Catalog:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def refusal_msgids() -> list[str]:
    """The core's refusal words: the bot shows every one of them."""
    return list(REASON_MESSAGES.values())


def test_the_bot_has_messages() -> None:
    assert len(bot_msgids()) > 100


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_bot_message_is_translated(language: str) -> None:
    entries = catalog(language)
    problems = []
    for msgid in bot_msgids() + refusal_msgids():
        entry = entries.get(msgid)
        if entry is None or not entry.string:
            problems.append(f"missing: {msgid!r}")
        elif fields(str(entry.string)) != fields(msgid):
            problems.append(f"placeholders differ: {msgid!r} -> {entry.string!r}")
        elif language == "zh" and LATIN.search(msgid) and entry.string == msgid:
            problems.append(f"not translated: {msgid!r}")
    assert problems == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_compiled_catalog_matches_the_po(language: str) -> None:
    """aiogram reads the .mo: a .po edited without `pybabel compile` would not show."""
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = catalog(language)
    stale = [
        m for m in bot_msgids() if compiled.gettext(m) != getattr(entries.get(m), "string", None)
    ]
    assert stale == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh"),
        ("zh-hant", "zh"),
        ("zh", "zh"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ru", None),
        ("xx-??", None),
    ],
)
def test_telegram_language_codes(code: str, expected: str | None) -> None:
    assert telegram_locale(code, ("zh", "en")) == expected
