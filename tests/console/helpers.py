"""Signed-in clients by role, over the real app (password sign-in through the real form)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from campaigns.core import Core
from campaigns.results import PersonView, Role, UnitView
from tests.web.conftest import BASE, sign_in_as

_n = itertools.count(1)


@asynccontextmanager
async def signed_in(
    app: FastAPI, core: Core, unit: UnitView, role: Role
) -> AsyncIterator[tuple[httpx.AsyncClient, PersonView]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        person = await sign_in_as(client, core, unit, role, f"{role.value}{next(_n)}")
        client.cookies.set("gt_lang", "en")  # assertions read the English words
        yield client, person


def csrf_of(app: FastAPI, client: httpx.AsyncClient) -> str:
    """The form token for this client's CSRF cookie (what every page embeds)."""
    return str(app.state.web.signer.csrf_token(client.cookies.get("gt_csrf", "")))
