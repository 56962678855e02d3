"""Ops fixtures: the web app over the real core, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import pytest

from tests.web.conftest import app, client, event, unit  # noqa: F401 - shared fixtures


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))
