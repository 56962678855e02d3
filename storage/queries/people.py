"""Reads of people (with their unit's names): by id, key or column, search, listings,
sign-in secrets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import LoginToken, Person, Unit

PERSON_COLUMNS = (
    Person.__table__.c.id,
    Person.display_name,
    Person.unit_id,
    Person.role,
    Person.language,
    Person.telegram_id,
    Person.qr_token,
    Person.deleted_at,
    Person.possible_duplicate,
    Person.merged_into_id,
    Person.left_at,
    func.coalesce(Unit.name_zh, "").label("unit_name_zh"),
    func.coalesce(Unit.name_en, "").label("unit_name_en"),
)


def _person_select() -> Any:
    return select(*PERSON_COLUMNS).outerjoin(Unit, Unit.id == Person.unit_id)


# The hot paths' statements are built once (bound parameters, "expanding" for IN lists):
# building a statement costs more than SQLite takes to run it.
@cache
def _person_where(names: tuple[str, ...]) -> Any:
    stmt = _person_select()
    for name in names:
        stmt = stmt.where(getattr(Person, name) == bindparam(name))
    return stmt.limit(1)


@cache
def _person_in(column: str) -> Any:
    return _person_select().where(getattr(Person, column).in_(bindparam("values", expanding=True)))


async def person(conn: AsyncConnection, **where: Any) -> RowMapping | None:
    stmt = _person_where(tuple(sorted(where)))
    return (await conn.execute(stmt, where)).mappings().first()


async def people_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, RowMapping]:
    rows = (await conn.execute(_person_in("id"), {"values": list(ids)})).mappings().all()
    return {r["id"]: r for r in rows}


async def people_by_column(
    conn: AsyncConnection, column: Any, values: Sequence[Any]
) -> Sequence[RowMapping]:
    stmt = _person_in(column.key)
    return (await conn.execute(stmt, {"values": list(values)})).mappings().all()


async def search_people(conn: AsyncConnection, text: str, limit: int) -> Sequence[RowMapping]:
    stmt = (
        _person_select()
        .where(
            Person.deleted_at.is_(None),
            Person.merged_into_id.is_(None),
            Person.display_name.contains(text, autoescape=True),
        )
        .order_by(Person.display_name)
        .limit(limit)
    )
    return (await conn.execute(stmt)).mappings().all()


async def people_listing(
    conn: AsyncConnection,
    *,
    text: str,
    role: str | None,
    unit_ids: Sequence[int] | None,
    limit: int,
) -> Sequence[RowMapping]:
    stmt = _person_select().where(Person.deleted_at.is_(None), Person.merged_into_id.is_(None))
    if text:
        stmt = stmt.where(Person.display_name.contains(text, autoescape=True))
    if role:
        stmt = stmt.where(Person.role == role)
    if unit_ids is not None:
        stmt = stmt.where(Person.unit_id.in_(list(unit_ids)))
    return (await conn.execute(stmt.order_by(Person.display_name).limit(limit))).mappings().all()


async def login_secret(conn: AsyncConnection, login: str) -> RowMapping | None:
    stmt = select(Person.id, Person.password_hash, Person.deleted_at).where(Person.login == login)
    return (await conn.execute(stmt)).mappings().first()


async def used_token_person(
    conn: AsyncConnection, digest: str, now: datetime, *, purpose: str
) -> int | None:
    """The person an already used, still unexpired one-time token named, or None."""
    stmt = select(LoginToken.person_id).where(
        LoginToken.token_hash == digest,
        LoginToken.used_at.is_not(None),
        LoginToken.expires_at > now,
        LoginToken.purpose == purpose,
    )
    found = await conn.scalar(stmt)
    return None if found is None else int(found)
