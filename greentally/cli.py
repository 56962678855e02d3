"""`greentally`: serve, migrate, seed, create-user, export, reconcile, backup."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from campaigns import catalog, exports, people, seed, totals
from campaigns.core import Core, open_core
from campaigns.errors import Refused
from campaigns.messages import message_for
from campaigns.results import Role
from greentally.settings import Settings
from storage.db import is_sqlite
from storage.migrate import upgrade_sync
from web.i18n import translations


def _(message: str) -> str:
    return translations(Settings().default_language).gettext(message)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _run(settings: Settings, job: Callable[[Core], Coroutine[Any, Any, int]]) -> int:
    async def main() -> int:
        core = await open_core(
            settings.resolved_database_url,
            goal=settings.year_goal,
            secret=settings.resolved_secret(),
        )
        try:
            return await job(core)
        except Refused as exc:
            _say(message_for(exc.reason, exc.detail, _))
            return 2
        finally:
            await core.close()

    return asyncio.run(main())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    from greentally.app import build_application, prepare_database  # noqa: PLC0415

    prepare_database(settings)
    try:
        app = build_application(settings)
    except ValueError as exc:  # settings that cannot work (bot.runner.BotSetupError): say why
        _say(str(exc))
        return 2
    host, port = args.host or settings.host, args.port or settings.port
    _say(_("GreenTally is running at {url}").format(url=f"http://{host}:{port}"))
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        http="httptools",  # a dependency; the loop is uvloop where it installs ("auto")
    )
    return 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade_sync(settings.resolved_database_url)
    _say(_("The database is up to date."))
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    async def job(core: Core) -> int:
        now = datetime.now(UTC)
        added = await seed.load_calendar(core, now=now)
        _say(_("Calendar: {count} campaigns added.").format(count=added))
        if args.units:
            text = Path(args.units).read_text(encoding="utf-8-sig")
            count = await catalog.import_units_csv(core, actor_id=None, text=text, now=now)
            _say(_("Units imported: {count}.").format(count=count))
        if args.demo:
            for ev in await seed.load_demo(core, now=now):
                _say(
                    _("Demo event {title}: {url}").format(
                        title=ev.title_zh, url=f"{settings.public_url.rstrip('/')}/e/{ev.code}"
                    )
                )
        return 0

    return _run(settings, job)


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    password = os.environ.get("GREENTALLY_PASSWORD") or getpass.getpass(_("Password: "))

    async def job(core: Core) -> int:
        person = await people.create_user(
            core,
            login=args.login,
            password=password,
            name=args.name or args.login,
            role=Role(args.role),
            now=datetime.now(UTC),
            reset=args.reset,
        )
        _say(_("User {login} ({role}) is ready.").format(login=args.login, role=person.role.value))
        return 0

    return _run(settings, job)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    async def job(core: Core) -> int:
        unit_ids = None
        if args.unit:
            found = [u for u in await catalog.list_units(core) if u.code in set(args.unit)]
            unit_ids = [u.id for u in found]
        rows = await exports.fact_rows(core, start=args.start, end=args.end, unit_ids=unit_ids)
        text = exports.to_csv(rows)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            _say(_("{count} facts written to {path}.").format(count=len(rows), path=args.out))
        else:
            sys.stdout.write(text)
        return 0

    return _run(settings, job)


def cmd_reconcile(settings: Settings, _args: argparse.Namespace) -> int:
    async def job(core: Core) -> int:
        report = await totals.reconcile(core, now=datetime.now(UTC))
        if report.ok:
            _say(
                _("Reconciled: all {count} stored totals equal a recount from the facts.").format(
                    count=report.checked
                )
            )
            return 0
        _say(_("Reconcile found {count} differences:").format(count=len(report.mismatches)))
        for m in report.mismatches:
            _say(f"  {m.year} {m.dim}:{m.key} {m.field}: {m.stored} != {m.recounted}")
        return 1

    return _run(settings, job)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    url = settings.resolved_database_url
    if not is_sqlite(url):
        _say(_("Backups of PostgreSQL are made with pg_dump."))
        return 2
    source = sqlite3.connect(make_url(url).database or "")
    target = sqlite3.connect(args.out)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    _say(_("Backup written to {path}.").format(path=args.out))
    return 0


def _date(value: str) -> date:
    return date.fromisoformat(value)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="greentally", description=_("GreenTally command line"))
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help=_("run the web app (and the bot when a token is set)"))
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help=_("apply database migrations")).set_defaults(func=cmd_migrate)
    s = sub.add_parser("seed", help=_("load the calendar; demo data; units from CSV"))
    s.add_argument("--demo", action="store_true")
    s.add_argument("--units", metavar="CSV")
    s.set_defaults(func=cmd_seed)
    s = sub.add_parser("create-user", help=_("create an organizer or admin"))
    s.add_argument("--login", required=True)
    s.add_argument("--name")
    s.add_argument("--role", choices=["volunteer", "organizer", "admin"], default="organizer")
    s.add_argument("--reset", action="store_true", help=_("replace an existing login's password"))
    s.set_defaults(func=cmd_create_user)
    s = sub.add_parser("export", help=_("CSV of facts for a date range"))
    s.add_argument("--from", dest="start", type=_date, required=True)
    s.add_argument("--to", dest="end", type=_date, required=True)
    s.add_argument("--unit", action="append")
    s.add_argument("--out")
    s.set_defaults(func=cmd_export)
    sub.add_parser("reconcile", help=_("recount every total from the facts")).set_defaults(
        func=cmd_reconcile
    )
    s = sub.add_parser("backup", help=_("online backup of the SQLite database"))
    s.add_argument("out")
    s.set_defaults(func=cmd_backup)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    return int(args.func(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
