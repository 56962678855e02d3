"""`greentally`: the command line (click, with rich for errors and progress).

Every help text is a msgid, shown in the language of GREENTALLY_DEFAULT_LANGUAGE or else of
the locale (zh by default), click's own words included. Errors are words on stderr with a
non-zero exit (2: refused, 1: failed), never a traceback (GREENTALLY_DEBUG=1 shows one).

Adding a command: write a function taking `Settings` and its options as keywords, returning
an exit code, and decorate it with `@command("name", N_("what it does"), Opt(...), ...)`:
`Opt` and `Arg` take click's arguments, with `help` a msgid.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from campaigns import access, catalog, exports, people, rosters, seed, totals
from campaigns.core import Core, open_core
from campaigns.errors import Refused
from campaigns.labels import N_
from campaigns.messages import message_for
from campaigns.results import Role
from campaigns.settings import Settings
from web.i18n import translations

# The language of this run's words (set by main before anything is said).
_gettext: Callable[[str], str] = translations("zh").gettext


def _(message: str) -> str:
    return _gettext(message)


out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Fail(Exception):
    """A command that cannot go on: its words (a msgid and values), exit code 2."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message, self.values = message, values


def say(message: str, **values: Any) -> None:
    out.print(_(message).format(**values), markup=False)


# Commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opt:
    """A click option (or, with `argument`, an argument) whose `help` is a msgid."""

    decls: tuple[str, ...]
    options: dict[str, Any]
    argument: bool = False

    def build(self, gettext: Callable[[str], str]) -> click.Parameter:
        options = dict(self.options)
        if self.argument:
            options.pop("help", None)  # click's arguments have no help line
            return click.Argument(list(self.decls), **options)
        if "help" in options:
            options["help"] = gettext(options["help"])
        return click.Option(list(self.decls), **options)


def opt(*decls: str, **options: Any) -> Opt:
    return Opt(decls, options)


def arg(*decls: str, **options: Any) -> Opt:
    return Opt(decls, options, argument=True)


@dataclass(frozen=True)
class _Command:
    name: str
    help: str
    params: tuple[Opt, ...]
    function: Callable[..., int]


COMMANDS: list[_Command] = []


def command(
    name: str,
    help: str,
    *params: Opt,
) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register a command (its help a msgid): built into the CLI in the reader's language.
    The function is called with the settings and its options as keywords."""

    def register(function: Callable[..., int]) -> Callable[..., int]:
        COMMANDS.append(_Command(name, help, params, function))
        return function

    return register


def run_core(settings: Settings, job: Callable[[Core], Coroutine[Any, Any, int]]) -> int:
    """Run `job` over an opened core; a refusal is said in words (exit 2)."""

    async def main() -> int:
        core = await open_core(
            settings.resolved_database_url,
            goal=settings.year_goal,
            secret=settings.resolved_secret(),
            tz=settings.zone,
        )
        try:
            return await job(core)
        except Refused as exc:
            raise Fail(message_for(exc.reason, exc.detail, _, core.tz)) from None
        finally:
            await core.close()

    return asyncio.run(main())


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (a spinner when the total is unknown), only on a terminal."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(_(description), total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


@command(
    "serve",
    N_("run the web app (and the bot when a token is set)"),
    opt("--host", help=N_("address to listen on")),
    opt("--port", type=int, help=N_("port to listen on")),
)
def cmd_serve(settings: Settings, *, host: str | None, port: int | None) -> int:
    import uvicorn  # noqa: PLC0415

    from bot.runner import BotSetupError  # noqa: PLC0415
    from greentally.app import build_application, prepare_database, uvicorn_options  # noqa: PLC0415
    from greentally.logs import configure_logging  # noqa: PLC0415

    configure_logging(fmt=settings.log_format, level=settings.log_level)
    prepare_database(settings)
    try:
        app = build_application(settings)
    except BotSetupError as exc:  # bot settings Telegram would refuse: say why, in words
        raise Fail(N_("The bot cannot start: {why}"), why=exc.words.translated(_)) from None
    host, port = host or settings.host, port or settings.port
    say(N_("GreenTally is running at {url}"), url=f"http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
    return 0


@command("migrate", N_("apply database migrations"))
def cmd_migrate(settings: Settings) -> int:
    from storage.migrate import upgrade_sync  # noqa: PLC0415

    upgrade_sync(settings.resolved_database_url)
    say(N_("The database is up to date."))
    return 0


@command(
    "seed",
    N_("load the calendar; demo data; units from CSV"),
    opt("--demo", is_flag=True, help=N_("add demo units and two demo events open today")),
    opt(
        "--units",
        metavar="CSV",
        type=click.Path(dir_okay=False, path_type=Path),
        help=N_("units from a CSV file (code,name_zh,name_en,parent_code,headcount,has_canteen)"),
    ),
)
def cmd_seed(settings: Settings, *, demo: bool, units: Path | None) -> int:
    text = _read_text(units) if units is not None else None

    async def job(core: Core) -> int:
        now = datetime.now(UTC)
        with progress(N_("Seeding"), total=1 + (text is not None) + demo) as advance:
            added = await seed.load_calendar(core, now=now)
            advance(1)
            count = None
            if text is not None:
                count = await catalog.import_units_csv(core, actor_id=None, text=text, now=now)
                advance(1)
            events = await seed.load_demo(core, now=now) if demo else []
            advance(1)
        say(N_("Calendar: {count} campaigns added."), count=added)
        if count is not None:
            say(N_("Units imported: {count}."), count=count)
        for ev in events:
            url = f"{settings.public_url.rstrip('/')}/e/{ev.code}"
            say(N_("Demo event {title}: {url}"), title=ev.title_zh, url=url)
        return 0

    return run_core(settings, job)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise Fail(N_("The file {path} does not exist."), path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Fail(N_("Cannot read {path}: {error}"), path=str(path), error=str(exc)) from None


def _password() -> str:
    given = os.environ.get("GREENTALLY_PASSWORD")
    if given:
        return given
    if not sys.stdin.isatty():
        raise Fail(N_("No terminal to ask for the password: set GREENTALLY_PASSWORD."))
    first = getpass.getpass(_("Password: "))
    if getpass.getpass(_("Password again: ")) != first:
        raise Fail(N_("The two passwords differ."))
    return first


@command(
    "create-user",
    N_("create a volunteer, organizer or admin with a password"),
    opt("--login", required=True, help=N_("the login name")),
    opt(
        "--role",
        type=click.Choice(["volunteer", "organizer", "admin"]),
        default="organizer",
        show_default=True,
        help=N_("the account's role"),
    ),
    opt("--name", help=N_("the name shown (default: the login)")),
    opt(
        "--reset", is_flag=True, help=N_("replace an existing login's password (its sessions end)")
    ),
)
def cmd_create_user(
    settings: Settings, *, login: str, role: str, name: str | None, reset: bool
) -> int:
    password = _password()

    async def job(core: Core) -> int:
        person = await people.create_user(
            core,
            login=login,
            password=password,
            name=name or login,
            role=Role(role),
            now=datetime.now(UTC),
            reset=reset,
        )
        say(N_("User {login} ({role}) is ready."), login=login, role=person.role.value)
        return 0

    return run_core(settings, job)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Fail(
            N_("{option} {value} is not a date (YYYY-MM-DD)."), option=option, value=value
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise Fail(N_("The file {path} does not exist."), path=str(path)) from None
    except OSError as exc:
        raise Fail(N_("Cannot read {path}: {error}"), path=str(path), error=str(exc)) from None


@command(
    "import-staff",
    N_("import units' staff lists (CSV or XLSX: unit_code,name,staff_no,phone_last4)"),
    arg("file", type=click.Path(dir_okay=False, path_type=Path)),
    opt(
        "--dry-run", is_flag=True, help=N_("check the file and say what it would do; write nothing")
    ),
    opt(
        "--replace",
        is_flag=True,
        help=N_("whoever the file's units no longer list is marked as left (never deleted)"),
    ),
)
def cmd_import_staff(settings: Settings, *, file: Path, dry_run: bool, replace: bool) -> int:
    """The console's staff-list import from the command line: the whole file is checked
    first, and nothing is written unless every row is clean."""
    data = _read_bytes(file)

    async def job(core: Core) -> int:
        with progress(N_("Checking the staff list")):
            report = await rosters.import_roster(
                core,
                actor_id=None,
                data=data,
                filename=file.name,
                now=datetime.now(UTC),
                replace=replace,
                dry_run=dry_run,
            )
        if not report.ok:
            for error in report.errors:
                words = rosters.describe(error, _)
                if error.row:
                    say(N_("Row {row}: {problem}"), row=error.row, problem=words)
                else:
                    out.print(words, markup=False)
            raise Fail(N_("Nothing was imported: fix these rows and run the command again."))
        say(
            N_("Preview: nothing is written yet") if not report.written else N_("Imported"),
        )
        say(N_("{n} rows read"), n=report.rows)
        say(
            N_("{n} new, {u} updated, {same} unchanged"),
            n=report.created,
            u=report.updated,
            same=report.unchanged,
        )
        if report.rejoined:
            say(N_("{n} people back on the list"), n=report.rejoined)
        if replace:
            say(
                N_(
                    "{n} rows no longer listed were marked as left ({p} registered people "
                    "among them); their records stay."
                )
                if report.written
                else N_(
                    "{n} rows no longer listed will be marked as left ({p} registered people "
                    "among them); nobody is deleted and their records stay."
                ),
                n=report.left,
                p=report.people_left,
            )
        if report.written:
            say(N_("{n} people registered earlier matched to their row by name"), n=report.linked)
        if report.ignored_columns:
            say(N_("Columns not used: {names}"), names=", ".join(report.ignored_columns))
        return 0

    return run_core(settings, job)


@command(
    "export",
    N_("CSV of every fact in a date range, voided ones marked"),
    opt("--from", "start", required=True, metavar="YYYY-MM-DD", help=N_("first day")),
    opt("--to", "end", required=True, metavar="YYYY-MM-DD", help=N_("last day")),
    opt("--unit", multiple=True, metavar="CODE", help=N_("only this unit (repeat for several)")),
    opt(
        "--out",
        "out_path",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help=N_("write to this file instead of the screen"),
    ),
)
def cmd_export(
    settings: Settings, *, start: str, end: str, unit: tuple[str, ...], out_path: Path | None
) -> int:
    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        raise Fail(N_("--from {start} is after --to {end}."), start=start, end=end)
    target = out_path.expanduser() if out_path is not None else None
    if target is not None and not target.parent.is_dir():
        raise Fail(N_("The folder {path} does not exist."), path=str(target.parent))

    async def job(core: Core) -> int:
        unit_ids = None
        if unit:
            known = {u.code: u.id for u in await catalog.list_units(core)}
            unknown = [code for code in unit if code not in known]
            if unknown:
                raise Fail(N_("Unknown unit code: {codes}."), codes=", ".join(unknown))
            unit_ids = [known[code] for code in unit]
        with progress(N_("Reading facts")):
            rows = await exports.fact_rows(core, start=first, end=last, unit_ids=unit_ids)
        parts = [exports.to_csv([])]
        with progress(N_("Writing CSV"), total=len(rows)) as advance:
            for i in range(0, len(rows), 1000):
                chunk = rows[i : i + 1000]
                parts.append(exports.to_csv(chunk).split("\n", 1)[1])
                advance(len(chunk))
        await access.record_export(
            core,
            actor_id=None,
            what="cli:facts",
            now=datetime.now(UTC),
            start=start,
            end=end,
            units=list(unit),
            rows=len(rows),
        )
        body = "".join(parts)
        if target is None:
            sys.stdout.write(body)
            return 0
        try:
            target.write_text(body, encoding="utf-8")
        except OSError as exc:
            raise Fail(
                N_("Cannot write {path}: {error}"), path=str(target), error=exc.strerror or exc
            ) from None
        say(N_("{count} facts written to {path}."), count=len(rows), path=str(out_path))
        return 0

    return run_core(settings, job)


@command("reconcile", N_("recount every total from the facts; exit 1 on any difference"))
def cmd_reconcile(settings: Settings) -> int:
    async def job(core: Core) -> int:
        with progress(N_("Recounting totals")):
            report = await totals.reconcile(core, now=datetime.now(UTC))
        if report.ok:
            say(
                N_("Reconciled: all {count} stored totals equal a recount from the facts."),
                count=report.checked,
            )
            return 0
        say(N_("Reconcile found {count} differences:"), count=len(report.mismatches))
        for m in report.mismatches:
            out.print(f"  {m.year} {m.dim}:{m.key} {m.field}: {m.stored} != {m.recounted}")
        return 1

    return run_core(settings, job)


@command(
    "backup",
    N_("one archive (ARCHIVE, .tar.gz): the database, the secret key and the evidence photos"),
    arg("archive", type=click.Path(path_type=Path)),
)
def cmd_backup(settings: Settings, *, archive: Path) -> int:
    from greentally import backup  # noqa: PLC0415

    with progress(N_("Backing up")) as advance:
        manifest = backup.write_backup(settings, archive, step=lambda _what, n: advance(n))
    say(
        N_("Backup written to {path}: the database, the secret key and {photos} photos."),
        path=str(archive),
        photos=manifest.photos,
    )
    return 0


@command(
    "restore",
    N_("restore a backup (ARCHIVE) into an empty data folder"),
    arg("archive", type=click.Path(path_type=Path)),
    opt(
        "--force", is_flag=True, help=N_("replace the data already in the folder and the database")
    ),
)
def cmd_restore(settings: Settings, *, archive: Path, force: bool) -> int:
    from greentally import backup  # noqa: PLC0415
    from storage.migrate import upgrade_sync  # noqa: PLC0415

    with progress(N_("Restoring")) as advance:
        manifest = backup.restore_backup(
            settings, archive, force=force, step=lambda _what, n: advance(n)
        )
        upgrade_sync(settings.resolved_database_url)
    say(
        N_("Restored the backup of {created_at} into {path} ({photos} photos)."),
        created_at=manifest.created_at,
        path=str(settings.data_dir),
        photos=manifest.photos,
    )
    return 0


# Building the CLI in a language -------------------------------------------------------------


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """GREENTALLY_DEFAULT_LANGUAGE, else the locale's language, else Chinese."""
    env = os.environ if environ is None else environ
    chosen = env.get("GREENTALLY_DEFAULT_LANGUAGE", "")
    if chosen in ("zh", "en"):
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name, "").lower()
        for lang in ("zh", "en"):
            if value.startswith(lang):
                return lang
    return "zh"


def _localise_click(lang: str) -> None:
    """click's own words (usage, options, errors) from our catalogs: its modules call
    gettext's `_` and `ngettext` at the time they speak."""
    import click.core  # noqa: PLC0415
    import click.decorators  # noqa: PLC0415
    import click.exceptions  # noqa: PLC0415
    import click.formatting  # noqa: PLC0415
    import click.parser  # noqa: PLC0415
    import click.termui  # noqa: PLC0415
    import click.types  # noqa: PLC0415

    catalog = translations(lang)
    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
    ):
        if hasattr(module, "_"):
            module._ = catalog.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalog.ngettext  # type: ignore[attr-defined]


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        try:
            number = version("greentally")
        except PackageNotFoundError:
            number = "unknown"
        out.print(f"greentally {number}", markup=False)
        ctx.exit(0)


def build_cli(lang: str) -> click.Group:
    """The command line, its words in `lang`."""
    gettext = translations(lang).gettext
    _localise_click(lang)
    version_option = click.Option(
        ["--version"],
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_version,
        help=gettext("show the version and exit"),
    )
    group = click.Group(
        "greentally",
        help=gettext("GreenTally command line"),
        params=[version_option],
        no_args_is_help=True,
    )
    for spec in COMMANDS:
        group.add_command(
            click.Command(
                spec.name,
                callback=_runner(spec.function),
                help=gettext(spec.help),
                params=[p.build(gettext) for p in spec.params],
            )
        )
    return group


def _runner(function: Callable[..., int]) -> Callable[..., int]:
    def run(**options: Any) -> int:
        return function(Settings(), **options)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code."""
    global _gettext  # noqa: PLW0603 - the run's language, chosen once
    lang = cli_language()
    _gettext = translations(lang).gettext
    cli = build_cli(lang)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="greentally", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err.print(_("Aborted."), markup=False)
        return 130
    except Fail as exc:
        err.print(_("Error: ") + _(exc.message).format(**exc.values), markup=False, style="red")
        return 2
    except Exception as exc:
        return _failed(exc)
    return int(result or 0)


def _failed(exc: Exception) -> int:
    from greentally.backup import BackupError  # noqa: PLC0415

    if isinstance(exc, BackupError):
        err.print(_("Error: ") + _(exc.message).format(**exc.values), markup=False, style="red")
        return 2
    if isinstance(exc, ValidationError):
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        words = _("The settings are not valid: {fields}.").format(fields=fields)
        err.print(_("Error: ") + words, markup=False, style="red")
        return 2
    if os.environ.get("GREENTALLY_DEBUG"):
        raise exc
    words = _("Unexpected error ({kind}): {error}").format(kind=type(exc).__name__, error=exc)
    err.print(_("Error: ") + words, markup=False, style="red")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
