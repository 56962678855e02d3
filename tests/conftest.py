"""Shared fixtures: a real database per test (a SQLite file; PostgreSQL when a test URL is
given), migrated once into a template and copied, with the 2023 calendar loaded."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from campaigns.core import Core, open_core
from campaigns.seed import load_calendar
from campaigns.settings import Settings

PG_URL = os.environ.get("GREENTALLY_TEST_DATABASE_URL", "")
SEED_NOW = datetime(2023, 1, 1, tzinfo=UTC)


async def _prepare(url: str) -> None:
    core = await open_core(url)
    await load_calendar(core, now=SEED_NOW)
    await core.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_prepare(f"sqlite+aiosqlite:///{path}"))
    return path


def _pg_admin_url(database: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{database}"


def _pg_exec(sql: str) -> None:
    import asyncpg  # only when PostgreSQL is configured

    async def run() -> None:
        dsn = _pg_admin_url("postgres").replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set GREENTALLY_TEST_DATABASE_URL")
    name = f"gt_tpl_{uuid.uuid4().hex[:8]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    asyncio.run(_prepare(_pg_admin_url(name)))
    yield name
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "greentally.sqlite3"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template = request.getfixturevalue("pg_template")
    name = f"gt_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_admin_url(name)
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The database URL of the default backend (SQLite)."""
    return sqlite_url


@pytest.fixture
async def core(db_url: str) -> AsyncIterator[Core]:
    opened = await open_core(db_url, secret="test-secret-key", migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key="test-secret-key-" + "x" * 32,
        public_url="http://127.0.0.1:8000",
        _env_file=None,
    )
