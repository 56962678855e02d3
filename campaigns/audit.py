"""The audit log: who did what, when; written in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from storage import writes
from storage.models import AuditEntry


async def record(
    conn: AsyncConnection,
    *,
    actor_id: int | None,
    action: str,
    target: str,
    now: datetime,
    **detail: Any,
) -> None:
    await writes.insert_row(
        conn,
        AuditEntry,
        at=now,
        actor_id=actor_id,
        action=action,
        target=target,
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
    )
