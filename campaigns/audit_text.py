"""The audit log as sentences an organizer reads ("Changed the role of 王芳 from participant
to volunteer."), with the names of the people, campaigns, events, units and rewards its
entries point to. The words come from `labels.AUDIT_SENTENCES`, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from campaigns import catalog, labels
from campaigns.core import Core
from campaigns.results import pick
from campaigns.review import AuditLine, audit_log
from storage import reports as store

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Names:
    """Names by kind and id: (zh, en) pairs; a missing one reads as `#id`."""

    by_kind: dict[str, dict[int, tuple[str, str]]] = field(default_factory=dict)

    def of(self, kind: str, ident: Any, lang: str) -> str:
        try:
            zh, en = self.by_kind.get(kind, {})[int(ident)]
        except (KeyError, TypeError, ValueError):
            return f"#{ident}"
        return pick(lang, zh, en)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLine]
    names: Names
    older: int | None


def _target(line: AuditLine) -> tuple[str, str]:
    kind, _, ident = line.target.partition(":")
    return kind, ident


async def audit_page(
    core: Core, *, limit: int = 100, before: int | None = None, action: str | None = None
) -> AuditPage:
    """A page of the audit log, newest first, with every name its sentences need."""
    entries = await audit_log(core, limit=limit + 1, before_id=before, action=action)
    older = entries[limit - 1].id if len(entries) > limit else None
    entries = entries[:limit]
    ids: dict[str, set[int]] = {"person": set(), "reward": set()}
    for e in entries:
        kind, ident = _target(e)
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
        for key, kind2 in (("person_id", "person"), ("reward_id", "reward")):
            if str(e.detail.get(key, "")).isdigit():
                ids[kind2].add(int(e.detail[key]))
    async with core.read() as conn:
        found = await store.names_by_id(
            conn, people=sorted(ids["person"]), rewards=sorted(ids["reward"])
        )
    by_kind: dict[str, dict[int, tuple[str, str]]] = {
        "person": {i: (r["display_name"], r["display_name"]) for i, r in found["person"].items()},
        "reward": {
            i: (r["name_zh"], r["name_en"] or r["name_zh"]) for i, r in found["reward"].items()
        },
        "campaign": {c.id: (c.title_zh, c.title_en) for c in await catalog.list_campaigns(core)},
        "event": {e.id: (e.title_zh, e.title_en) for e in await catalog.list_events(core)},
        "unit": {u.id: (u.name_zh, u.name_en) for u in await catalog.list_units(core)},
    }
    return AuditPage(entries, Names(by_kind), older)


def sentence(line: AuditLine, names: Names, gettext: Gettext, lang: str) -> str:
    """What the entry says happened, in one sentence of the reader's language."""
    d = line.detail
    kind, ident = _target(line)

    def name(k: str, i: Any) -> str:
        return names.of(k, i, lang)

    def say(table: dict[str, str], key: Any) -> str:
        return (
            gettext(table[key]) if key in table else gettext(labels.AUDIT_OTHER).format(action=key)
        )

    values: dict[str, Any] = {
        "fact": ident if kind == "fact" else d.get("fact", ""),
        "reason": d.get("reason", ""),
        "kind": say(labels.KIND_LABELS, d.get("kind")) if d.get("kind") else "",
        "person": name("person", d.get("person_id", ident))
        if kind in ("person", "fact") or "person_id" in d
        else "",
        "event": name("event", ident) if kind == "event" else d.get("event", ""),
        "campaign": name("campaign", ident),
        "unit": name("unit", ident),
        "code": d.get("code", ""),
        "before": say(labels.ROLE_LABELS, d.get("before")) if d.get("before") else "",
        "after": say(labels.ROLE_LABELS, d.get("after")) if d.get("after") else "",
        "role": say(labels.ROLE_LABELS, d.get("role")) if d.get("role") else "",
        "login": d.get("login", "") or (ident if kind == "login" else ""),
        "reward": name("reward", ident if kind == "reward" else d.get("reward_id")),
        "price": d.get("price", ""),
        "stock": d.get("stock", ""),
        "id": ident,
        "checked": d.get("checked", ""),
        "name": d.get("name", ""),
        "scope": say(labels.TOKEN_SCOPE_LABELS, d.get("scope")) if d.get("scope") else "",
        "method": say(labels.SIGN_IN_METHODS, d.get("method")) if d.get("method") else "",
        "what": line.target.partition(":")[2] or line.target,
        "device": say(labels.DEVICE_LABELS, d.get("device")) if d.get("device") else "",
        "rows": d.get("rows", ""),
        "created": d.get("created", ""),
        "updated": d.get("updated", ""),
        "left": d.get("left", ""),
        "dropped": d.get("dropped", ""),
        "moved": d.get("moved", ""),
        "voided": d.get("voided", ""),
        "path": d.get("path", ""),
        "fields": ("、" if lang == "zh" else ", ").join(
            gettext(labels.FIELD_LABELS[k]) if k in labels.FIELD_LABELS else k
            for k in (d.get("changes") or {})
        )
        or gettext("nothing changed"),
    }
    if kind == "fact" and not d.get("person_id"):
        values["person"] = gettext("a booth headcount")
    if line.action == "reconcile" and not d.get("ok", True):
        template = gettext(labels.AUDIT_RECONCILE_MISMATCH)
        values["n"] = d.get("mismatches", "")
    elif line.action == "export" and d.get("rows") is None:
        template = gettext(labels.AUDIT_EXPORT_TOTALS)
    elif line.action in labels.AUDIT_SENTENCES:
        template = gettext(labels.AUDIT_SENTENCES[line.action])
    elif line.action in labels.ACTION_LABELS:
        return gettext(labels.ACTION_LABELS[line.action]) + "."
    else:
        template = gettext(labels.AUDIT_OTHER)
        values["action"] = line.action
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return gettext(labels.ACTION_LABELS.get(line.action, labels.AUDIT_OTHER)).format(
            action=line.action
        )
