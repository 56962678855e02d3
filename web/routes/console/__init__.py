"""The organizer console. Every route under /console depends on `require_organizer` at this
router, so no page can forget it."""

from fastapi import APIRouter, Depends

from web.routes.console import (
    announcements,
    catalog,
    dashboard,
    field,
    identity,
    printing,
    records,
    review,
    tokens,
)
from web.routes.console.common import (
    OrganizerDep,
    VolunteerDep,
    require_organizer,
    require_volunteer,
)

router = APIRouter(tags=["console"], dependencies=[Depends(require_organizer)])
router.include_router(dashboard.router)  # its own prefix: the dashboard is /console itself
# identity before catalog: /people/roster and /people/duplicates before /people/{id}
for _module in (identity, catalog, records, printing, review, tokens, field, announcements):
    router.include_router(_module.router, prefix="/console")

__all__ = ["OrganizerDep", "VolunteerDep", "require_organizer", "require_volunteer", "router"]
