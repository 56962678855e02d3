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


KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _extracted() -> list[str | tuple[str, str]]:
    """The bot's own words and the shared labels (campaigns/labels.py) it shows; a plural
    message as (singular, plural)."""
    found: list[str | tuple[str, str]] = []
    for folder, pattern in ((ROOT / "bot", "**.py"), (ROOT / "campaigns", "labels.py")):
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder, method_map=[(pattern, "python")], keywords=KEYWORDS
        ):
            text = (message[0], message[1]) if isinstance(message, tuple) else message
            if text not in found:
                found.append(text)
    return found


def bot_msgids() -> list[str]:
    return [m for m in _extracted() if isinstance(m, str)]


def bot_plurals() -> list[tuple[str, str]]:
    return [m for m in _extracted() if isinstance(m, tuple)]


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


PLURAL_FORMS = {"zh": 1, "en": 2}  # Chinese says "人次" for one or many


def test_the_bot_has_plural_messages() -> None:
    assert ("• {campaign}: {count} person-time", "• {campaign}: {count} person-times") in (
        bot_plurals()
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_plural_has_its_forms(language: str) -> None:
    entries = catalog(language)
    compiled_path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.mo"
    with compiled_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    problems = []
    for singular, plural in bot_plurals():
        entry = entries.get(singular)
        forms = entry.string if entry is not None else None
        if entry is None or entry.id != (singular, plural) or not isinstance(forms, tuple):
            problems.append(f"missing plural: {singular!r}")
        elif len(forms) != PLURAL_FORMS[language] or not all(forms):
            problems.append(f"forms: {singular!r} -> {forms!r}")
        elif any(fields(form) != fields(plural) for form in forms):
            problems.append(f"placeholders differ: {singular!r}")
        elif compiled.ngettext(singular, plural, 2) != forms[-1]:
            problems.append(f"not compiled: {singular!r}")
    assert problems == []
