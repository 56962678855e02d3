"""Routers by area, composed here in a deliberate order (API first, catch-alls last)."""

from fastapi import APIRouter

from web.routes import account, answers, api, checkin, health, logging, me, screen

page_router = APIRouter()
for module in (health, checkin, answers, logging, me, account, screen):
    page_router.include_router(module.router)

api_router = api.router

__all__ = ["api_router", "page_router"]
