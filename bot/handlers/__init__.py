"""The bot's routers, composed in one deliberate order: /start first (the poster's deep
link is the hot path at an event's door, and each router passed costs it), then errors and
/cancel, the flows by area, the catch-all last."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    cancel,
    canteen,
    checkin,
    errors,
    help,
    language,
    link,
    me,
    organizer,
    patrol,
    plate,
    progress,
    start,
    trip,
    volunteer,
)


def fresh(template: Router) -> Router:
    """A new router holding the template's handlers.

    A router attaches to one parent only; tests, the benchmark and the webhook instances
    build several dispatchers in one process, each needs its own tree.
    """
    router = Router(name=template.name)
    for name, observer in template.observers.items():
        router.observers[name].handlers.extend(observer.handlers)
    return router


def door_router() -> Router:
    """/start's router with the room label's deep link (issue 14) right after the poster's.

    Both are /start deep links and must come before /start's catch-all. The poster's link,
    the hot path at an event's door, is checked first and passes no router of its own:
    every router level an update walks through costs it a copy of its data."""
    router = fresh(start.router)
    handlers = router.observers["message"].handlers
    assert handlers[0].callback is start.start_event, "the poster's deep link comes first"
    handlers[1:1] = patrol.deep_link.observers["message"].handlers
    return router


def build_routers() -> list[Router]:
    """The routers in their order, for the dispatcher to include directly (a root router
    above them would be one more level for every update)."""
    modules = (
        errors,
        cancel,
        checkin,
        trip,
        plate,
        volunteer,
        patrol,
        canteen,
        me,
        link,
        progress,
        organizer,
        language,
        help,  # catch-all: last
    )
    # /start's handlers match only /start or, in its own states, typed answers (never a
    # command), so /cancel and everything else still reach the routers below.
    return [door_router(), *(fresh(module.router) for module in modules)]
