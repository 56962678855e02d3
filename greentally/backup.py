"""`greentally backup` and `restore`: one archive holds everything an instance needs.

The archive (a gzipped tar) holds the database (SQLite's online backup API, or `pg_dump`'s
custom format on PostgreSQL), the secret key (sessions, links and rotating codes stay
valid) and the evidence folder (photos), with `manifest.json` listing every file's SHA-256.
The database is copied first: a photo is stored before the fact naming it is committed, so
every photo a copied fact names is already on disk when the folder is copied after it.

A restore checks every checksum before it touches anything, then fills an empty data
folder (a non-empty one only with `force`) and applies any newer migrations.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from campaigns.settings import Settings
from storage.db import is_sqlite

FORMAT = "greentally-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
SECRET_NAME = "secret_key"
EVIDENCE = "evidence"
Step = Callable[[str, int], None]  # (what, how many of it): progress


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is an English msgid, its
    details in `values` (the command line words it in the reader's language)."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created_at: str
    files: dict[str, dict[str, Any]]

    @property
    def photos(self) -> int:
        return sum(1 for name in self.files if name.startswith(EVIDENCE + "/"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _evidence_files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


# PostgreSQL -----------------------------------------------------------------------------


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (it goes to PGPASSWORD, not the process list)."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run_pg(tool: str, args: list[str], url: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError("{tool} is not installed: install PostgreSQL's client tools.", tool=tool)
    uri, env = _libpq(url)
    done = subprocess.run(
        [tool, *args, f"--dbname={uri}"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError("{tool} failed: {error}", tool=tool, error=done.stderr.strip()[-500:])


def _pg_tables(url: str) -> int:
    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.ext.asyncio import create_async_engine  # noqa: PLC0415

    async def count() -> int:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                return int((await conn.execute(text(sql))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


# backup ---------------------------------------------------------------------------------


def write_backup(settings: Settings, archive: Path, *, step: Step | None = None) -> Manifest:
    """Write the archive (atomically: a partial one never takes the name). Raises
    BackupError for a folder that does not exist or cannot be written, or a failed dump."""
    step = step or (lambda _what, _n: None)
    archive = archive.expanduser()
    if not archive.parent.is_dir():
        raise BackupError("The folder {path} does not exist.", path=str(archive.parent))
    if archive.is_dir():
        raise BackupError("{path} is a folder: name the archive file.", path=str(archive))
    url = settings.resolved_database_url
    with tempfile.TemporaryDirectory(prefix=".greentally-backup-", dir=archive.parent) as tmp:
        staging = Path(tmp)
        if is_sqlite(url):
            db_name, kind = SQLITE_NAME, "sqlite"
            source = Path(make_url(url).database or "")
            if not source.exists():
                raise BackupError("There is no database at {path}.", path=str(source))
            _sqlite_copy(source, staging / db_name)
        else:
            db_name, kind = PG_NAME, "postgresql"
            _run_pg(
                "pg_dump",
                ["--format=custom", "--no-owner", "--no-privileges", f"--file={staging / db_name}"],
                url,
            )
        step("database", 1)
        (staging / SECRET_NAME).write_text(settings.resolved_secret(), encoding="utf-8")
        evidence = settings.data_dir / EVIDENCE
        photos = list(_evidence_files(evidence))
        files: dict[str, dict[str, Any]] = {}
        for name in (db_name, SECRET_NAME):
            path = staging / name
            files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
        partial = staging / "archive.tar.gz"
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                tar.add(staging / db_name, arcname=db_name)
                tar.add(staging / SECRET_NAME, arcname=SECRET_NAME)
                for photo in photos:
                    name = f"{EVIDENCE}/{photo.relative_to(evidence).as_posix()}"
                    files[name] = {"sha256": _sha256(photo), "size": photo.stat().st_size}
                    tar.add(photo, arcname=name)
                    step("photo", 1)
                manifest = Manifest(kind, datetime.now(UTC).isoformat(timespec="seconds"), files)
                _add_json(tar, MANIFEST, _manifest_json(manifest))
            os.replace(partial, archive)
        except OSError as exc:
            raise BackupError(
                "Cannot write {path}: {error}", path=str(archive), error=exc.strerror or str(exc)
            ) from exc
    archive.chmod(0o600)  # it holds the secret key
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while the app keeps writing (WAL)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _manifest_json(manifest: Manifest) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": manifest.created_at,
        "database": manifest.database,
        "files": manifest.files,
    }


def _add_json(tar: tarfile.TarFile, name: str, data: dict[str, Any]) -> None:
    import io  # noqa: PLC0415

    raw = json.dumps(data, indent=1, sort_keys=True).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(raw), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(raw))


# restore --------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile(MANIFEST)
        data = json.loads(member.read()) if member is not None else {}
    except (KeyError, ValueError) as exc:
        raise BackupError("This is not a GreenTally backup (no manifest).") from exc
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise BackupError("This is not a GreenTally backup (no manifest).")
    return Manifest(data["database"], data["created_at"], data["files"])


def _data_folder_used(settings: Settings, db_path: Path | None) -> bool:
    folder = settings.data_dir
    used = folder.is_dir() and any(folder.iterdir())
    return used or (db_path is not None and db_path.exists())


def restore_backup(
    settings: Settings, archive: Path, *, force: bool = False, step: Step | None = None
) -> Manifest:
    """Restore into the configured data folder and database. Raises BackupError for a
    missing or damaged archive, a folder or database in use (unless `force`), or an archive
    of the other database kind."""
    step = step or (lambda _what, _n: None)
    archive = archive.expanduser()
    if not archive.is_file():
        raise BackupError("There is no backup at {path}.", path=str(archive))
    url = settings.resolved_database_url
    sqlite = is_sqlite(url)
    db_path = Path(make_url(url).database or "") if sqlite else None
    try:
        tar = tarfile.open(archive, "r:*")  # noqa: SIM115 - the with below closes it
    except (tarfile.TarError, OSError) as exc:
        raise BackupError("This is not a GreenTally backup (no manifest).") from exc
    with tar, tempfile.TemporaryDirectory(prefix=".greentally-restore-") as tmp:
        manifest = read_manifest(tar)
        if (manifest.database == "sqlite") != sqlite:
            raise BackupError(
                "This backup holds a {kind} database; the configured one is another kind.",
                kind=manifest.database,
            )
        in_use = _data_folder_used(settings, db_path) or (not sqlite and _pg_tables(url) > 0)
        if in_use and not force:
            raise BackupError(
                "The data folder {path} (or the database) is not empty: restore into an empty "
                "one, or add --force to replace what is there.",
                path=str(settings.data_dir),
            )
        staging = Path(tmp)
        names = set(manifest.files)
        members = [m for m in tar.getmembers() if m.name in names and m.isfile()]
        if {m.name for m in members} != names:
            raise BackupError(
                "The backup is damaged: {name} is missing.",
                name=sorted(names - {m.name for m in members})[0],
            )
        tar.extractall(staging, members=members, filter="data")
        for name, meta in manifest.files.items():
            if _sha256(staging / name) != meta["sha256"]:
                raise BackupError(
                    "The backup is damaged: {name} does not match its checksum.", name=name
                )
        step("checked", len(names))
        _put_in_place(settings, staging, url=url, db_path=db_path, force=force)
        step("restored", len(names))
    return manifest


def _put_in_place(
    settings: Settings, staging: Path, *, url: str, db_path: Path | None, force: bool
) -> None:
    folder = settings.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    if db_path is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):  # an old database's log must not replay
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        shutil.move(staging / SQLITE_NAME, db_path)
    else:
        args = ["--no-owner", "--no-privileges", "--exit-on-error"]
        if force:
            args += ["--clean", "--if-exists"]
        _run_pg("pg_restore", [*args, str(staging / PG_NAME)], url)
    secret = folder / SECRET_NAME
    shutil.move(staging / SECRET_NAME, secret)
    secret.chmod(0o600)
    evidence = folder / EVIDENCE
    if force and evidence.exists():
        shutil.rmtree(evidence)
    if (staging / EVIDENCE).is_dir():
        shutil.move(staging / EVIDENCE, evidence)
