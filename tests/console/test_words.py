"""Every word a person can be shown is translated: each msgid of every template (with its
gettext context where it has one) and of the Python that says things, and each value of
every enum or label table that reaches a page, the audit log or an export — in Chinese
(not left in English) and in English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from campaigns import catalog, labels
from campaigns.results import Channel, FactKind, Role
from campaigns.rules import load_rules
from web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
_CALL = re.compile(r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
_PCALL = re.compile(r"""pgettext\(\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)""")
_TWO = re.compile(r"""\b(?:zh|en)\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")  # bilingual posters


def template_msgids() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in (ROOT / "web" / "templates").rglob("*.html"):
        if path.name == "docs.html":  # the API reference is English, for developers
            continue
        text = path.read_text(encoding="utf-8")
        found |= {(None, a if a is not None else b) for a, b in _CALL.findall(text)}
        found |= {(None, m) for m in _TWO.findall(text)}
        found |= set(_PCALL.findall(text))
    return found


def python_msgids() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    files = [*(ROOT / "web").rglob("*.py"), *(ROOT / "campaigns").glob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args[:2]]
            if name in {"N_", "gettext", "_"} and isinstance(args[0], str):
                found.add((None, args[0]))
            if (
                name in {"pgettext", "p"}
                and len(args) == 2
                and all(isinstance(a, str) for a in args)
            ):
                found.add((args[0], args[1]))  # type: ignore[arg-type]
    found |= set(labels.COUNT_CONTEXT.values())
    return found


def _untranslated(ids: set[tuple[str | None, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        t = translations(lang)
        known = set(getattr(t, "_catalog", {}))
        missing = []
        for ctx, mid in sorted(ids, key=lambda x: (x[0] or "", x[1])):
            key = mid if ctx is None else f"{ctx}\x04{mid}"
            said = t.gettext(mid) if ctx is None else t.pgettext(ctx, mid)
            if key not in known or (lang == "zh" and said == mid):
                missing.append(f"{ctx}|{mid}" if ctx else mid)
        if missing:
            out[lang] = missing
    return out


def test_every_template_and_python_word_is_translated() -> None:
    ids = template_msgids() | python_msgids()
    assert len(ids) > 500
    assert not _untranslated(ids)


def test_the_counting_words_differ_in_chinese() -> None:
    zh = translations("zh")
    said = {figure: zh.pgettext(*pair) for figure, pair in labels.COUNT_CONTEXT.items()}
    assert said == {
        "person_times": "人次",
        "people": "参与人数",
        "headcount": "展位人数",
        "staff": "编制人数",
        "persons": "人员",
    }


def _audit_actions() -> set[str]:
    """Every audit action the core writes."""
    found: set[str] = set()
    for path in (ROOT / "campaigns").glob("*.py"):
        found |= set(re.findall(r'\baction="([a-z_]+)"', path.read_text(encoding="utf-8")))
        found |= set(re.findall(r'"(evidence_(?:ok|rejected))"', path.read_text(encoding="utf-8")))
    return found


def test_every_value_a_person_sees_has_words() -> None:
    rules = load_rules()
    need = {
        "kinds": ({k.value for k in FactKind} | set(catalog.HABITS), labels.KIND_LABELS),
        "channels": ({c.value for c in Channel}, labels.CHANNEL_LABELS),
        "roles": ({r.value for r in Role}, labels.ROLE_LABELS),
        "rules": (set(catalog.COUNTING_RULES), labels.RULE_LABELS),
        "modes": (set(rules.modes), labels.MODE_LABELS),
        "meals": (set(rules.meals), labels.MEAL_LABELS),
        "statuses": ({"counted", "void", "pending"}, labels.STATUS_LABELS),
        "audit actions": (_audit_actions(), labels.ACTION_LABELS),
        "audit sentences": (_audit_actions(), labels.AUDIT_SENTENCES),
    }
    lacking = {name: sorted(values - set(table)) for name, (values, table) in need.items()}
    assert not any(lacking.values()), lacking
    tables = [t for _, t in need.values()] + [
        labels.EVIDENCE_LABELS,
        labels.TOKEN_SCOPE_LABELS,
        labels.SYSTEM_VOID_REASONS,
        labels.FIELD_LABELS,
        labels.CAMPAIGN_KIND_LABELS,
    ]
    ids: set[tuple[str | None, str]] = {(None, m) for table in tables for m in table.values()}
    assert not _untranslated(ids)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_value_is_named_as_such(lang: str) -> None:
    from campaigns.core import DEFAULT_TZ
    from web.i18n import Lang
    from web.routes.console.words import Words

    w = Words(Lang(lang, DEFAULT_TZ), 2023)
    assert w.channel("carrier_pigeon") != "carrier_pigeon"
    assert "carrier_pigeon" in w.channel("carrier_pigeon")
    assert w.channel("web") == {"zh": "网页表单", "en": "Web form"}[lang]
