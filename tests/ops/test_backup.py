"""Backup under load, restore into a new folder, serve: reconcile is clean, an old session is
still signed in, an old evidence photo opens, totals equal; a damaged archive or a folder in
use is refused in words. SQLite, and PostgreSQL through pg_dump where it is on the PATH."""

from __future__ import annotations

import asyncio
import io
import shutil
import tarfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from campaigns import checkin, people, totals
from campaigns.core import Core, open_core
from campaigns.errors import Refused
from campaigns.results import Role
from campaigns.settings import Settings
from greentally.cli import main
from tests import conftest, factories
from tests.factories import NOW
from tests.web.conftest import BASE, post_form
from web.app import create_app

PASSWORD = "correct horse battery"


@dataclass
class Place:
    """A data folder and its database, as the command line sees them through the env."""

    data: Path
    url: str  # "" for the SQLite file inside the data folder


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def places(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Place, Place]]:
    if request.param == "sqlite":
        yield Place(tmp_path / "old", ""), Place(tmp_path / "new", "")
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not on the PATH")
    source = str(request.getfixturevalue("pg_url"))
    name = f"gt_restore_{uuid.uuid4().hex[:10]}"
    conftest._pg_exec(f'CREATE DATABASE "{name}"')  # empty: the restore fills it
    yield Place(tmp_path / "old", source), Place(tmp_path / "new", conftest._pg_admin_url(name))
    conftest._pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use(place: Place, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GREENTALLY_DATA_DIR", str(place.data))
    monkeypatch.delenv("GREENTALLY_SECRET_KEY", raising=False)
    if place.url:
        monkeypatch.setenv("GREENTALLY_DATABASE_URL", place.url)
    else:
        monkeypatch.delenv("GREENTALLY_DATABASE_URL", raising=False)
    monkeypatch.setenv("GREENTALLY_DEFAULT_LANGUAGE", "en")
    return Settings(_env_file=None)


async def cli(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))  # the CLI runs its own event loop


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Core, FastAPI]]:
    core = await open_core(settings.resolved_database_url, secret=settings.resolved_secret())
    app = create_app(core, settings)
    app.state.web.clock = lambda: NOW
    try:
        yield core, app
    finally:
        await core.close()


def browser(app: FastAPI, cookie: str | None = None) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    if cookie:
        client.cookies.set("gt_session", cookie)
    return client


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(out, "JPEG")
    return out.getvalue()


async def test_backup_under_load_and_restore(
    places: tuple[Place, Place], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old, new = places
    settings = use(old, monkeypatch)
    assert await cli("migrate") == 0
    assert await cli("seed") == 0  # the 2023 calendar (clean plates in July)
    archive = tmp_path / "backups" / "greentally.tar.gz"
    archive.parent.mkdir()
    async with serving(settings) as (core, app):
        unit = await factories.unit(core)
        chief = await people.create_user(
            core,
            login="chief",
            password=PASSWORD,
            name="chief",
            role=Role.ORGANIZER,
            unit_id=unit.id,
            now=NOW,
        )
        async with browser(app) as client:
            signin = {"login": "chief", "password": PASSWORD, "next": "/me"}
            assert (await post_form(client, "/signin", signin)).status_code == 200
            cookie = str(client.cookies.get("gt_session"))
            files = {"photo": ("plate.jpg", jpeg(), "image/jpeg")}
            logged = await post_form(
                client, "/log/plate", {"meal": "lunch", "day": "2023-07-12"}, files=files
            )
            assert logged.status_code == 200
        (photo_fact,) = await totals.history(core, person_id=chief.id)
        photo = (settings.data_dir / "evidence" / str(photo_fact.evidence_path)).read_bytes()

        event = await factories.event(core)
        staff = [await factories.person(core, unit) for _ in range(80)]
        acknowledged: list[tuple[float, int]] = []

        async def load() -> None:
            for person in staff:
                try:
                    done = await checkin.check_in(
                        core, code=event.code, person_id=person.id, now=NOW, channel="web"
                    )
                except Refused:
                    continue
                acknowledged.append((time.monotonic(), done.fact.id))
                await asyncio.sleep(0.002)

        writers = asyncio.gather(load(), load())  # two writers keep writing during the backup
        while len(acknowledged) < 10:  # the load is under way
            await asyncio.sleep(0.005)
        began = time.monotonic()
        assert await cli("backup", str(archive)) == 0
        ended = time.monotonic()
        await writers
        before_backup = {fid for at, fid in acknowledged if at < began}
        during = [fid for at, fid in acknowledged if began <= at <= ended]
        assert before_backup and during and len(acknowledged) == 80  # written all along

        quiet = tmp_path / "backups" / "quiet.tar.gz"
        assert await cli("backup", str(quiet)) == 0
        source_totals = await totals.progress(core, year=2023)

    restored = use(new, monkeypatch)
    assert await cli("restore", str(archive)) == 0
    assert await cli("reconcile") == 0
    async with serving(restored) as (core, app):
        async with core.read_bulk() as conn:
            ids = {row[0] for row in (await conn.exec_driver_sql("SELECT id FROM facts")).all()}
        assert before_backup <= ids  # nothing acknowledged before the backup began is lost
        async with browser(app, cookie) as client:
            console = await client.get("/console", follow_redirects=False)
            assert console.status_code == 200  # the old session is still signed in
            opened = await client.get(f"/console/evidence/{photo_fact.id}")
            assert opened.status_code == 200 and opened.content == photo

    # A folder in use is refused; --force replaces it with the quiet backup: totals equal.
    assert await cli("restore", str(quiet)) == 2
    assert await cli("restore", "--force", str(quiet)) == 0
    assert await cli("reconcile") == 0
    async with serving(restored) as (core, _app):
        assert await totals.progress(core, year=2023) == source_totals


def test_a_damaged_archive_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(Place(tmp_path / "old", ""), monkeypatch)
    assert main(["migrate"]) == 0
    photo = tmp_path / "old" / "evidence" / "2023" / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(jpeg())
    archive = tmp_path / "b.tar.gz"
    assert main(["backup", str(archive)]) == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            raw = data.read() if data else b""
            if member.name.endswith("a.jpg"):
                raw = raw[:-1] + bytes([raw[-1] ^ 1])
            dst.addfile(member, io.BytesIO(raw))
    use(Place(tmp_path / "new", ""), monkeypatch)
    capsys.readouterr()
    assert main(["restore", str(damaged)]) == 2
    assert "evidence/2023/a.jpg does not match its checksum" in capsys.readouterr().err
    assert not (tmp_path / "new").exists() or not any((tmp_path / "new").iterdir())
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    assert main(["restore", str(tmp_path / "junk.tar.gz")]) == 2
    assert "not a GreenTally backup" in capsys.readouterr().err
    assert main(["restore", str(archive)]) == 0
    assert (tmp_path / "new" / "evidence" / "2023" / "a.jpg").read_bytes() == photo.read_bytes()
    secret = tmp_path / "new" / "secret_key"
    assert secret.read_text() == (tmp_path / "old" / "secret_key").read_text()
    assert secret.stat().st_mode & 0o077 == 0 and archive.stat().st_mode & 0o077 == 0
