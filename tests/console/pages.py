"""Every console page, with the county's data in it: the paths the page tests, the size
check and the browser walk all visit (a new page is added here once)."""

from __future__ import annotations

from tests.console.county import County


def console_pages(c: County) -> dict[str, str]:
    """name -> path; the names are the screenshots' file names."""
    e, f = c.event.id, c.voided_id
    return {
        "dashboard": "/console?year=2023",
        "campaigns": "/console/campaigns",
        "campaign": f"/console/campaigns/{c.event.campaign_id}",
        "events": "/console/events",
        "event": f"/console/events/{e}",
        "poster": f"/console/events/{e}/poster",
        "units": "/console/units",
        "cards": f"/console/units/{c.school.id}/cards",
        "people": "/console/people",
        "roster": "/console/people/roster",
        "duplicates": "/console/people/duplicates",
        "person": f"/console/people/{c.staff[0].id}?year=2023",
        "review": "/console/review",
        "records": "/console/facts?start=2023-01-01&end=2023-12-31",
        "records-filtered": f"/console/facts?event={e}&status=void&unit={c.bureau.id}",
        "record": f"/console/facts/{f}",
        "rewards": "/console/rewards",
        "exports": "/console/exports?start=2023-01-01&end=2023-12-31",
        "report": "/console/report?year=2023",
        "audit": "/console/audit",
        "tokens": "/console/tokens",
        "announcements": "/console/announcements",
        "sources": "/sources",
    }
