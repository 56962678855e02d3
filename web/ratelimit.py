"""Rate limits through the `limits` library: in Redis when one is configured (every instance
counts together), in this process's memory otherwise.

What is limited, each by the settings' figure (campaigns.settings, `rate_*`):
- failed sign-ins, three ways (SignInGuard): one login from one address, one login from
  anywhere, one address whatever the login. A locked login does not lock its owner out:
  a one-time link (the bot's /login) still signs them in;
- registrations (a new person) from one address;
- unknown event codes from one address: past the budget every code lookup from there waits,
  so guessing codes finds nothing;
- API requests of one person (or, before sign-in, one address).
A refusal carries the seconds until the window lets the caller in again (`Retry-After`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter, RateLimiter

from campaigns.settings import Settings


def _storage(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
    return RedisStorage(uri, implementation="redispy", key_prefix="greentally")


@dataclass(frozen=True)
class Rule:
    name: str
    item: RateLimitItem


class Limits:
    """The app's limiter: `allowed` tests without counting, `hit` counts, `wait` says how
    many seconds remain before a refused key may try again."""

    def __init__(self, settings: Settings) -> None:
        self.storage = _storage(settings.redis_url)
        self.limiter: RateLimiter = MovingWindowRateLimiter(self.storage)
        self.sign_in_pair = Rule("signin-pair", parse(settings.rate_sign_in_pair))
        self.sign_in_login = Rule("signin-login", parse(settings.rate_sign_in_login))
        self.sign_in_address = Rule("signin-address", parse(settings.rate_sign_in_address))
        self.registration = Rule("registration", parse(settings.rate_registration))
        self.code_misses = Rule("code-misses", parse(settings.rate_code_misses))
        self.api = Rule("api", parse(settings.rate_api))

    async def allowed(self, rule: Rule, key: str) -> bool:
        return await self.limiter.test(rule.item, rule.name, key)

    async def hit(self, rule: Rule, key: str) -> bool:
        """Count one; False when the window was already full."""
        return await self.limiter.hit(rule.item, rule.name, key)

    async def wait(self, rule: Rule, key: str) -> int:
        """Seconds until `key` has room again under `rule` (at least 1)."""
        stats = await self.limiter.get_window_stats(rule.item, rule.name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def clear(self, rule: Rule, key: str) -> None:
        await self.limiter.clear(rule.item, rule.name, key)


class SignInGuard:
    """Failed sign-ins, counted three ways so that neither guessing nor a prankster wins.

    - one login from one address: few failures lock that pair (guessing a password);
    - one login from anywhere: more lock it everywhere (guessing from many addresses);
    - one address, any login: many lock it (spraying logins). A county office behind one
      NAT address shares this budget, so it is wide.
    Link sign-ins (no login typed) count against the address only, and a locked login does
    not stop them: that is how its owner gets in while a guesser holds the lock.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def _rules(self, address: str, login: str | None) -> list[tuple[Rule, str]]:
        lim = self.limits
        rules = [(lim.sign_in_address, address)]
        if login is not None:
            name = login.strip().lower()
            rules += [(lim.sign_in_login, name), (lim.sign_in_pair, f"{address}\n{name}")]
        return rules

    async def blocked(self, address: str, login: str | None = None) -> tuple[Rule, int] | None:
        """The rule that locks this attempt and the seconds it still holds, else None."""
        for rule, key in self._rules(address, login):
            if not await self.limits.allowed(rule, key):
                return rule, await self.limits.wait(rule, key)
        return None

    async def failed(self, address: str, login: str | None = None) -> None:
        for rule, key in self._rules(address, login):
            await self.limits.hit(rule, key)

    async def succeeded(self, address: str, login: str) -> None:
        """The right password clears what this login's own owner got wrong before."""
        name = login.strip().lower()
        await self.limits.clear(self.limits.sign_in_pair, f"{address}\n{name}")
        await self.limits.clear(self.limits.sign_in_login, name)
