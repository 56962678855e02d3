"""Who may do what: one check for every service that acts on someone's behalf."""

from __future__ import annotations

from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Role
from storage import queries
from storage.writer import Tx


async def require_role(tx: Tx, actor_id: int | None, role: Role) -> None:
    """The actor holds `role` or above. `None` is the command line, run by whoever holds
    the server. Refuses NOT_ALLOWED for anyone else, a deleted account included."""
    if actor_id is None:
        return
    row = await queries.person(tx.conn, id=actor_id)
    if row is None or row["deleted_at"] is not None or not Role(row["role"]).at_least(role):
        raise Refused(Reason.NOT_ALLOWED)
