"""Console: the photo-evidence queue, the audit log (as sentences), and
rewards (the catalogue organizers keep; redeeming happens at the door scanner)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from campaigns import audit_text, review, rewards
from campaigns.errors import Refused
from campaigns.labels import ACTION_LABELS
from campaigns.reasons import Reason
from campaigns.results import Role
from web.deps import CsrfDep, ViewerDep
from web.errors import status_for, words_for
from web.routes.common import parse_int
from web.routes.console.words import render

router = APIRouter()
PAGE = 100


@router.get("/review", response_class=HTMLResponse)
async def review_page(viewer: ViewerDep) -> Response:
    queue = await review.review_queue(viewer.state.core, limit=50)
    return render(viewer, "console/review.html", queue=queue, message=None)


@router.post("/review/{fact_id}", dependencies=[CsrfDep])
async def judge(
    fact_id: int,
    viewer: ViewerDep,
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    core = viewer.state.core
    try:
        if verdict not in ("accept", "reject"):
            raise Refused(Reason.INVALID_INPUT)
        await review.decide(
            core,
            fact_id=fact_id,
            actor_id=organizer.id,
            accept=verdict == "accept",
            reason=reason,
            now=viewer.now,
        )
    except Refused as exc:
        code, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        queue = await review.review_queue(core, limit=50)
        return render(
            viewer,
            "console/review.html",
            status_code=status_for(code),
            queue=queue,
            message=message,
        )
    return RedirectResponse("/console/review", status_code=303)


@router.get("/evidence/{fact_id}")
async def evidence(fact_id: int, viewer: ViewerDep) -> Response:
    """A fact's photo, for the organizer judging it (never a path outside the folder)."""
    line = await review.get_fact(viewer.state.core, fact_id=fact_id)
    root = viewer.state.evidence_dir.resolve()
    relative = line.fact.evidence_path or ""
    target = (root / relative).resolve()
    if not relative or not target.is_relative_to(root) or not target.is_file():
        raise Refused(Reason.UNKNOWN_FACT)
    return FileResponse(Path(target), headers={"Cache-Control": "private, no-store"})


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(viewer: ViewerDep, before: str = "", action: str = "") -> Response:
    page = await audit_text.audit_page(
        viewer.state.core, limit=PAGE, before=parse_int(before), action=action or None
    )
    lang = viewer.lang.code
    lines = [
        (e, audit_text.sentence(e, page.names, viewer.lang.gettext, lang)) for e in page.entries
    ]
    return render(
        viewer,
        "console/audit.html",
        lines=lines,
        older=page.older,
        action=action,
        action_labels=ACTION_LABELS,
    )


# rewards -------------------------------------------------------------------------------


async def _rewards_page(viewer: ViewerDep, exc: Exception | None = None) -> Response:
    core = viewer.state.core
    items = await rewards.list_rewards(core)
    recent = await rewards.recent_redemptions(core, limit=30)
    status, message = 200, None
    if exc is not None:
        code, message = words_for(exc, viewer.lang.gettext, viewer.lang.tz)
        status = status_for(code)
    return render(
        viewer,
        "console/rewards.html",
        status_code=status,
        items=items,
        recent=recent,
        message=message,
    )


@router.get("/rewards", response_class=HTMLResponse)
async def rewards_page(viewer: ViewerDep) -> Response:
    return await _rewards_page(viewer)


@router.post("/rewards", dependencies=[CsrfDep])
async def save_reward(
    *,
    viewer: ViewerDep,
    reward_id: Annotated[str, Form()] = "",
    name_zh: Annotated[str, Form(max_length=120)] = "",
    name_en: Annotated[str, Form(max_length=160)] = "",
    price: Annotated[str, Form()] = "",
    stock: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    organizer = viewer.require(Role.ORGANIZER)
    try:
        await rewards.save_reward(
            viewer.state.core,
            actor_id=organizer.id,
            reward_id=parse_int(reward_id),
            name_zh=name_zh,
            name_en=name_en,
            price=parse_int(price) or 0,
            stock=_stock(stock),
            active=bool(active),
            now=viewer.now,
        )
    except Refused as exc:
        return await _rewards_page(viewer, exc)
    return RedirectResponse("/console/rewards", status_code=303)


def _stock(value: str) -> int:
    """The stock typed, or -1 (refused by the core as invalid) when it is not a number."""
    number = parse_int(value)
    return -1 if number is None else number
