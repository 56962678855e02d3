"""A thin async client of the WeCom server API over httpx, at any base URL (WeCom's,
a 政务微信 deployment's, the test fake's).

The access token is cached per app (in Redis when one is given, so every instance shares
it), refreshed five minutes before it expires, and once more when WeCom calls it expired
or invalid (40014, 42001, 40001) — the call is then retried once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx

EXPIRED = {40001, 40014, 42001}  # invalid credential, invalid token, token expired
CODE_USED = 40029  # an OAuth code invalid: used already, expired or made up
EARLY = 300  # seconds before its end a token is replaced


class WeComError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenStore(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str, ttl: int) -> None: ...
    async def drop(self, key: str, value: str) -> None: ...


class MemoryTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._values: dict[str, tuple[float, str]] = {}
        self._clock = clock

    async def get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    async def put(self, key: str, value: str, ttl: int) -> None:
        self._values[key] = (self._clock() + ttl, value)

    async def drop(self, key: str, value: str) -> None:
        if key in self._values and self._values[key][1] == value:
            del self._values[key]


class RedisTokens:
    """Tokens in Redis: every instance uses (and refreshes) the same one."""

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis  # noqa: PLC0415 - redis is optional

        self._redis: Any = aioredis.from_url(url, decode_responses=True)

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(key)
        return None if value is None else str(value)

    async def put(self, key: str, value: str, ttl: int) -> None:
        await self._redis.set(key, value, ex=max(1, ttl))

    async def drop(self, key: str, value: str) -> None:
        if await self._redis.get(key) == value:  # not a newer one another instance fetched
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


class WeComClient:
    def __init__(
        self,
        *,
        base_url: str,
        corp_id: str,
        secret: str,
        agent_id: int,
        tokens: TokenStore | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = secret
        self._tokens = tokens or MemoryTokens()
        self._http = http or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._key = f"greentally:wecom:token:{corp_id}:{agent_id}"
        self._lock = asyncio.Lock()
        self.token_fetches = 0

    async def close(self) -> None:
        await self._http.aclose()

    async def token(self) -> str:
        cached = await self._tokens.get(self._key)
        if cached:
            return cached
        async with self._lock:  # one fetch at a time in this process
            cached = await self._tokens.get(self._key)
            if cached:
                return cached
            response = await self._http.get(
                "/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self._secret}
            )
            data = _checked(response)
            token = str(data["access_token"])
            self.token_fetches += 1
            await self._tokens.put(self._key, token, int(data.get("expires_in", 7200)) - EARLY)
            return token

    async def call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        """One API call with the app's token; an expired token is replaced and the call
        retried once. Raises WeComError for WeCom's refusals."""
        for attempt in (1, 2):
            token = await self.token()
            response = await self._http.request(
                method, path, params={**(params or {}), "access_token": token}, json=body
            )
            try:
                return _checked(response)
            except WeComError as exc:
                if exc.errcode not in EXPIRED or attempt == 2:
                    raise
                await self._tokens.drop(self._key, token)
        raise AssertionError("unreachable")

    async def send_text(self, users: list[str], content: str) -> set[str]:
        """A text message from the app to up to 1,000 members; the ids WeCom refused."""
        if len(users) > 1000:
            raise ValueError("message/send takes at most 1,000 recipients")
        data = await self.call(
            "POST",
            "/cgi-bin/message/send",
            body={
                "touser": "|".join(users),
                "msgtype": "text",
                "agentid": self.agent_id,
                "text": {"content": content},
                "safe": 0,
            },
        )
        refused = str(data.get("invaliduser") or "")
        return {u for u in refused.split("|") if u}

    async def create_menu(self, menu: dict[str, Any]) -> None:
        """Set the app's menu (WeCom replaces it whole: running it again changes nothing)."""
        await self.call(
            "POST", "/cgi-bin/menu/create", params={"agentid": self.agent_id}, body=menu
        )

    async def user_id_of_code(self, code: str) -> str | None:
        """The member an OAuth code names (None for a non-member's OpenId); raises
        WeComError 40029 for a code used already or expired."""
        data = await self.call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})
        user = data.get("userid") or data.get("UserId")
        return str(user) if user else None

    async def user(self, user_id: str) -> dict[str, Any]:
        """A member's name and departments (user/get)."""
        return await self.call("GET", "/cgi-bin/user/get", params={"userid": user_id})

    async def department_name(self, department_id: int) -> str | None:
        try:
            data = await self.call("GET", "/cgi-bin/department/get", params={"id": department_id})
        except WeComError:
            return None
        name = (data.get("department") or {}).get("name")
        return str(name) if name else None


def _checked(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    code = int(data.get("errcode", 0))
    if code:
        raise WeComError(code, str(data.get("errmsg", "")))
    return data
