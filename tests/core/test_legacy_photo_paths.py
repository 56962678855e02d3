"""Photos the first bot stored (data/evidence/tg/<id>.jpg, recorded from the data folder as
"evidence/tg/<id>.jpg"): after migration 0004 the console opens them and deleting the
account deletes them, as the delete page promises. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text

from campaigns import actions, evidence, people, totals
from campaigns.core import Core
from campaigns.results import Channel, PersonView, Role
from campaigns.settings import Settings
from storage.migrate import alembic_config, upgrade
from tests import factories
from tests.factories import NOW
from tests.web.conftest import app, client, sign_in_as  # noqa: F401 - the web app fixtures

OLD_TRIP, OLD_CHECK, NEW = "evidence/tg/AgADtrip.jpg", "evidence/tg/AgADcheck.jpg", "2023/07/n.jpg"


async def logged_by_the_first_bot(core: Core, evidence_dir: Path) -> PersonView:
    """A person with a trip and a canteen check carrying old bot paths (files where the old
    bot put them), and a trip with a photo stored the new way."""
    unit = await factories.unit(core, canteen=True)
    person = await factories.person(core, unit, telegram_id=77)
    for relative in ("tg/AgADtrip.jpg", "tg/AgADcheck.jpg", NEW):
        (evidence_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (evidence_dir / relative).write_bytes(b"\xff\xd8 a jpeg")
    for path in (OLD_TRIP, NEW):
        await actions.log_trip(
            core,
            person_id=person.id,
            mode="bike",
            km=2,
            day=NOW.date(),
            now=NOW,
            channel=Channel.BOT,
            evidence_path=path,
        )
    await actions.log_canteen_check(
        core,
        person_id=person.id,
        unit_id=unit.id,
        kind="self",
        passed=True,
        day=NOW.date(),
        now=NOW,
        channel=Channel.BOT,
        evidence_path=OLD_CHECK,
    )
    return person


async def migrate_from_0003(db_url: str) -> None:
    """The database as it was before 0004 (its data left as written), then migrated."""
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0003")
    await upgrade(db_url)


async def test_old_bot_photos_open_in_the_console_and_go_with_the_account(
    core: Core,
    db_url: str,
    settings: Settings,
    app: FastAPI,  # noqa: F811
    client: httpx.AsyncClient,  # noqa: F811
) -> None:
    evidence_dir = evidence.folder(settings.data_dir)
    person = await logged_by_the_first_bot(core, evidence_dir)
    await migrate_from_0003(db_url)

    facts = await totals.history(core, person_id=person.id)
    assert sorted(f.evidence_path or "" for f in facts) == [NEW, "tg/AgADtrip.jpg"]
    old = next(f for f in facts if f.evidence_path == "tg/AgADtrip.jpg")
    await sign_in_as(client, core, await factories.unit(core), Role.ORGANIZER, "org1")
    response = await client.get(f"/console/evidence/{old.id}")
    assert response.status_code == 200 and response.content == b"\xff\xd8 a jpeg"

    photos = await people.delete_person(core, person_id=person.id, now=NOW)
    for photo in photos:
        evidence.discard(evidence_dir, photo)  # what the delete page does with them
    assert sorted(photos) == sorted([NEW, "tg/AgADtrip.jpg", "tg/AgADcheck.jpg"])
    assert [p for p in evidence_dir.rglob("*") if p.is_file()] == []


async def test_the_migration_goes_back_for_the_old_bot(
    core: Core, db_url: str, tmp_path: Path
) -> None:
    person = await logged_by_the_first_bot(core, tmp_path)
    await migrate_from_0003(db_url)
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0003")
    # Read as the schema of 0003 has it (today's models name columns added later).
    stmt = text("SELECT evidence_path FROM facts WHERE person_id = :p")
    async with core.read() as conn:
        paths = [r[0] for r in (await conn.execute(stmt, {"p": person.id})).all()]
    assert sorted(p or "" for p in paths) == [NEW, OLD_TRIP]
    await upgrade(db_url)
