"""Run the real web app on a fresh SQLite file, as `greentally serve` would, for browser tests.

    python -m tests.e2e.web_server --data DIR --port PORT

Seeds the calendar and the demo units and events (open now), writes DIR/events.json, serves.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from campaigns.core import open_core
from campaigns.seed import load_calendar, load_demo
from campaigns.settings import Settings
from web.app import create_app

SECRET = "e2e-secret-key-" + "y" * 32


async def main(data: Path, port: int) -> None:
    data.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data, secret_key=SECRET, public_url=f"http://127.0.0.1:{port}", _env_file=None
    )
    core = await open_core(settings.resolved_database_url, secret=SECRET)
    now = datetime.now(UTC)
    await load_calendar(core, now=now)
    events = await load_demo(core, now=now)
    (data / "events.json").write_text(
        json.dumps({"plain": events[0].code, "rotating": events[1].code})
    )
    app = create_app(core, settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    try:
        await uvicorn.Server(config).serve()
    finally:
        await core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.data, args.port))
