"""The command line on a real SQLite file: a newcomer's commands, end to end."""

from __future__ import annotations

import csv
import io
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from greentally.cli import main
from storage.models import Base


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("GREENTALLY_DATABASE_URL", "GREENTALLY_SECRET_KEY", "GREENTALLY_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GREENTALLY_DEFAULT_LANGUAGE", "en")
    yield tmp_path


def test_seed_create_user_export_reconcile_backup(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["migrate"]) == 0
    db = workdir / "data" / "greentally.sqlite3"
    assert db.exists()
    units = workdir / "units.csv"
    units.write_text(
        "code,name_zh,name_en,parent_code,headcount,has_canteen\n"
        "edu,县教育局,Education Bureau,,40,yes\n"
        "school,渠县中学,Middle School,edu,180,yes\n",
        encoding="utf-8",
    )
    assert main(["seed", "--demo", "--units", str(units)]) == 0
    out = capsys.readouterr().out
    assert "12 campaigns added" in out and "Units imported: 2" in out
    assert "/e/" in out  # the demo events' check-in links
    assert (workdir / "data" / "secret_key").exists()  # generated once, kept
    assert main(["seed"]) == 0 and "0 campaigns added" in capsys.readouterr().out

    monkeypatch.setenv("GREENTALLY_PASSWORD", "a long enough password")
    assert main(["create-user", "--login", "chief", "--role", "organizer"]) == 0
    assert main(["create-user", "--login", "chief", "--role", "admin"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert main(["create-user", "--login", "chief", "--role", "admin", "--reset"]) == 0

    out_csv = workdir / "facts.csv"
    assert (
        main(["export", "--from", "2023-01-01", "--to", "2030-12-31", "--out", str(out_csv)]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows == []  # nothing logged yet; the header is there
    assert out_csv.read_text(encoding="utf-8-sig").startswith("fact_id,kind,status")

    capsys.readouterr()
    assert main(["reconcile"]) == 0
    assert "equal a recount" in capsys.readouterr().out

    archive = workdir / "backup.tar.gz"
    assert main(["backup", str(archive)]) == 0
    with tarfile.open(archive) as tar:
        tar.extract("database.sqlite3", workdir / "unpacked", filter="data")
    with sqlite3.connect(workdir / "unpacked" / "database.sqlite3") as con:
        assert con.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 12
        assert con.execute("SELECT count(*) FROM units").fetchone()[0] == 2 + 7


def test_reconcile_reports_a_tampered_total(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed"]) == 0
    db = workdir / "data" / "greentally.sqlite3"
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO tallies VALUES (2023, 'year', 'all', 5, 0, 0, 5, 0, 0)")
    capsys.readouterr()
    assert main(["reconcile"]) == 1
    out = capsys.readouterr().out
    assert "1 differences" in out or "differences" in out
    assert "year:all person_times: 5 != 0" in out


def test_the_migrations_build_exactly_the_models(workdir: Path) -> None:
    assert main(["migrate"]) == 0
    engine = create_engine(f"sqlite:///{workdir / 'data' / 'greentally.sqlite3'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
