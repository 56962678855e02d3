"""Where the phone's browser tests write their screenshots and PDFs, for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.conftest import WebServer


def shots_dir(server: WebServer) -> Path:
    """$GREENTALLY_SHOTS when set (kept after the run), else the test's own folder."""
    kept = os.environ.get("GREENTALLY_SHOTS")
    folder = Path(kept) if kept else server.data.parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder
