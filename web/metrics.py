"""Prometheus metrics (prometheus-client), one registry per app, served at GET /metrics.

Requests by route and status with latency histograms (WebMiddleware), facts and check-ins
by channel as the core writes them (Core.observers), the writer's batch sizes and queue
depth, Telegram updates (a dispatcher middleware greentally/ adds). Served to loopback
callers, or to others that send `Authorization: Bearer <GREENTALLY_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from campaigns.core import Core
from campaigns.results import Recorded
from web.errors import WebReason, WebRefused

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, core: Core) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "greentally_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "greentally_http_request_duration_seconds",
            "Time to answer, by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.facts = Counter(
            "greentally_facts_written",
            "Facts written, by kind and channel.",
            ["kind", "channel"],
            registry=registry,
        )
        self.checkins = Counter(
            "greentally_checkins",
            "Event check-ins written, by channel.",
            ["channel"],
            registry=registry,
        )
        self.batches = Histogram(
            "greentally_writer_batch_size",
            "Commands the writer committed together.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=registry,
        )
        self.queue = Gauge(
            "greentally_writer_queue_depth",
            "Commands waiting for the writer.",
            registry=registry,
        )
        self.queue.set_function(lambda: core.writer.depth)
        self.bot_updates = Counter(
            "greentally_bot_updates",
            "Telegram updates handled, by kind and outcome.",
            ["kind", "outcome"],
            registry=registry,
        )
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}
        core.observers.append(self.written)
        core.writer.on_batch = self.batches.observe

    def written(self, result: Any) -> None:
        """Core.observers: count a new fact (not the replay of one already written)."""
        if isinstance(result, Recorded) and not result.repeated:
            fact = result.fact
            self.facts.labels(fact.kind.value, fact.channel).inc()
            if fact.kind.value == "checkin":
                self.checkins.labels(fact.channel).inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        # The labelled children, kept: looking them up by labels cost more than counting.
        key = (method, route, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.requests.labels(method, route, str(status))
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = self.latency.labels(route)
        counter.inc()
        histogram.observe(seconds)

    async def bot_middleware(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        """An aiogram outer middleware on updates: counts each by kind and outcome."""
        kind = getattr(event, "event_type", "update")
        try:
            result = await handler(event, data)
        except Exception:
            self.bot_updates.labels(kind, "error").inc()
            raise
        self.bot_updates.labels(kind, "handled").inc()
        return result

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


def allowed(request: Request, token: str | None) -> bool:
    """Loopback, or the configured bearer token."""
    if request.client is not None and request.client.host in LOOPBACK:
        return True
    if not token:
        return False
    sent = request.headers.get("authorization", "")
    return sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip(), token)


async def metrics_endpoint(request: Request) -> Response:
    state = request.app.state
    token = state.settings.metrics_token
    if not allowed(request, token.get_secret_value() if token else None):
        raise WebRefused(WebReason.NOT_FOUND)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
