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


def build_router() -> Router:
    root = Router(name="greentally")
    # /start's handlers match only /start or, in its own states, typed answers (never a
    # command), so /cancel and everything else still reach the routers below.
    modules = (
        start,
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
    # a room label's deep link is a /start too: ahead of /start's catch-all (issue 14)
    root.include_router(fresh(patrol.deep_link))
    root.include_routers(*(fresh(module.router) for module in modules))
    return root
