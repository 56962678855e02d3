"""The settings moved below the doors, to campaigns.settings (web and bot read them without
importing the composition root). Kept while other branches still import them from here."""

from __future__ import annotations

from campaigns.settings import PLACEHOLDER_SECRETS, Settings

__all__ = ["PLACEHOLDER_SECRETS", "Settings"]
