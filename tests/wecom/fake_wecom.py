"""A loopback fake of the WeCom server API, with the switches the tests need.

- gettoken (with `expire_tokens()`: every token issued so far answers 42001);
- message/send: records each call and enforces the per-member limit as WeCom does (the
  31st message to a member within a minute is dropped silently, and recorded in `dropped`);
- menu/create: records the menus;
- auth/getuserinfo: codes made by `issue_code`, single-use (40029 when used again), valid
  five minutes;
- user/get and department/get from `directory` and `departments`.
Runs on 127.0.0.1 under uvicorn (`async with FakeWeCom.running() as fake`)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CORP_ID = "ww0123456789abcdef"
SECRET = "fake-app-secret"
PER_MINUTE = 30


@dataclass
class FakeWeCom:
    corp_id: str = CORP_ID
    secret: str = SECRET
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid
    token_calls: int = 0
    sends: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[tuple[str, str]] = field(default_factory=list)  # (user, content)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, tuple[str, float, bool]] = field(default_factory=dict)
    send_delay: float = 0.0
    _recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    base_url: str = ""

    # switches ---------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = False

    def issue_code(self, user_id: str) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = (user_id, time.time() + 300, False)
        return code

    def add_user(self, user_id: str, name: str, department: int) -> None:
        self.directory[user_id] = {"userid": user_id, "name": name, "department": [department]}

    def messages_to(self, user_id: str) -> list[str]:
        return [content for user, content in self.delivered if user == user_id]

    # the API ----------------------------------------------------------------------------

    def _token_ok(self, request: Request) -> JSONResponse | None:
        token = request.query_params.get("access_token", "")
        if token not in self.tokens:
            return _err(40014, "invalid access_token")
        if not self.tokens[token]:
            return _err(42001, "access_token expired")
        return None

    async def gettoken(self, request: Request) -> JSONResponse:
        q = request.query_params
        if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.secret:
            return _err(40001, "invalid credential")
        self.token_calls += 1
        token = secrets.token_hex(16)
        self.tokens[token] = True
        return JSONResponse(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    async def send(self, request: Request) -> JSONResponse:
        if (refused := self._token_ok(request)) is not None:
            return refused
        body = await request.json()
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        if len(users) > 1000:
            return _err(40058, "touser exceeds 1000")
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        self.sends.append(body)
        content = body["text"]["content"]
        invalid = [u for u in users if u not in self.directory]
        now = time.time()
        for user in users:
            if user in invalid:
                continue
            window = self._recent[user]
            while window and window[0] < now - 60:
                window.popleft()
            if len(window) >= PER_MINUTE:
                self.dropped.append((user, content))  # WeCom says nothing
                continue
            window.append(now)
            self.delivered.append((user, content))
        return JSONResponse(
            {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": "m1"}
        )

    async def menu_create(self, request: Request) -> JSONResponse:
        if (refused := self._token_ok(request)) is not None:
            return refused
        self.menus.append(await request.json())
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def getuserinfo(self, request: Request) -> JSONResponse:
        if (refused := self._token_ok(request)) is not None:
            return refused
        code = request.query_params.get("code", "")
        found = self.codes.get(code)
        if found is None or found[2] or found[1] < time.time():
            return _err(40029, "invalid code")
        self.codes[code] = (found[0], found[1], True)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "userid": found[0]})

    async def user_get(self, request: Request) -> JSONResponse:
        if (refused := self._token_ok(request)) is not None:
            return refused
        user = self.directory.get(request.query_params.get("userid", ""))
        if user is None:
            return _err(60111, "userid not found")
        return JSONResponse({"errcode": 0, "errmsg": "ok", **user})

    async def department_get(self, request: Request) -> JSONResponse:
        if (refused := self._token_ok(request)) is not None:
            return refused
        dept = int(request.query_params.get("id", "0"))
        if dept not in self.departments:
            return _err(60003, "department not found")
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "department": {"id": dept, "name": self.departments[dept]},
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/cgi-bin/gettoken", self.gettoken),
                Route("/cgi-bin/message/send", self.send, methods=["POST"]),
                Route("/cgi-bin/menu/create", self.menu_create, methods=["POST"]),
                Route("/cgi-bin/auth/getuserinfo", self.getuserinfo),
                Route("/cgi-bin/user/get", self.user_get),
                Route("/cgi-bin/department/get", self.department_get),
            ]
        )

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, **kwargs: Any) -> AsyncIterator[FakeWeCom]:
        fake = cls(**kwargs)
        sock = socket.socket()
        # Answers go out in two writes (head, body): without this, Nagle holds the body
        # until the client's delayed ACK, 40 ms a call on loopback.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(fake.app(), log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        fake.base_url = f"http://127.0.0.1:{port}"
        try:
            yield fake
        finally:
            server.should_exit = True
            await task
            sock.close()


def _err(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": message})
