"""The one exception the domain raises for a refusal: a reason plus details for the message."""

from __future__ import annotations

from typing import Any

from campaigns.reasons import Reason
from storage.writer import Expected


class CampaignError(Expected):
    """Base of every error the domain raises on purpose."""


class Refused(CampaignError):
    """An action the rules refuse. Nothing was written; `detail` fills the message."""

    def __init__(self, reason: Reason, **detail: Any) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.detail = detail

    def __repr__(self) -> str:
        return f"Refused({self.reason.value!r}, {self.detail!r})"
