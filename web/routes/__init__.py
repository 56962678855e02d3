"""Routers by area, composed here in a deliberate order (API first, catch-alls last)."""

from fastapi import APIRouter

from web.routes import account, answers, checkin, health, link, log_forms, me, pwa, screen, sources
from web.routes import field as field_pages
from web.routes.api import api_router

page_router = APIRouter()
for module in (health, checkin, answers, log_forms, me, link, account, screen, pwa, sources):
    page_router.include_router(module.router)
page_router.include_router(field_pages.router)  # energy patrols (issue 14)

# Hot paths, registered on the app itself ahead of every router: FastAPI walks nested
# routers candidate by candidate, and that walk cost a check-in a quarter of its time.
HOT_ROUTES = [("/e/{code}", checkin.checkin_submit, ["POST"])]

__all__ = ["HOT_ROUTES", "api_router", "page_router"]
