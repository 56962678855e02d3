"""Console fixtures: the web app and client of tests/web, plus signed-in people by role."""

from __future__ import annotations

from tests.web.conftest import app, client, event, unit  # noqa: F401 - shared fixtures
