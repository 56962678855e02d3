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


def test_import_staff_checks_the_whole_file_then_imports_and_replaces(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    units = workdir / "units.csv"
    units.write_text(
        "code,name_zh,name_en,parent_code,headcount,has_canteen\n"
        "edu,县教育局,Education Bureau,,40,yes\n",
        encoding="utf-8",
    )
    assert main(["seed", "--units", str(units)]) == 0
    db = workdir / "data" / "greentally.sqlite3"

    def roster_rows() -> list[tuple[str, object]]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT name, left_at FROM roster_entries ORDER BY name").fetchall()

    staff = workdir / "staff.csv"
    # GB18030, the Chinese header, one bad row: nothing is written, each row said in words
    staff.write_bytes(
        "单位代码,姓名,工号,手机尾号\nedu,张三,A1,1234\nnosuch,李四,,\nedu,,B2,\n".encode("gb18030")
    )
    capsys.readouterr()
    assert main(["import-staff", str(staff)]) == 2
    said = capsys.readouterr()
    assert "Row 3:" in said.out and "nosuch" in said.out and "Row 4:" in said.out
    assert "Nothing was imported" in said.err
    assert roster_rows() == []

    staff.write_bytes(
        "单位代码,姓名,工号,手机尾号\nedu,张三,A1,1234\nedu,李四,,5678\n".encode("gb18030")
    )
    assert main(["import-staff", "--dry-run", str(staff)]) == 0
    out = capsys.readouterr().out
    assert "Preview: nothing is written yet" in out and "2 new, 0 updated" in out
    assert roster_rows() == []
    assert main(["import-staff", str(staff)]) == 0
    assert "Imported" in capsys.readouterr().out
    assert [name for name, _ in roster_rows()] == ["张三", "李四"]
    assert main(["import-staff", str(staff)]) == 0  # again: updates, never duplicates
    assert "0 new, 0 updated, 2 unchanged" in capsys.readouterr().out

    staff.write_text(
        "unit_code,name,staff_no,phone_last4\nedu,张三,A1,1234\n", encoding="utf-8-sig"
    )
    assert main(["import-staff", "--replace", "--dry-run", str(staff)]) == 0
    assert "1 rows no longer listed will be marked as left" in capsys.readouterr().out
    assert all(left is None for _, left in roster_rows())
    assert main(["import-staff", "--replace", str(staff)]) == 0
    assert "1 rows no longer listed were marked as left" in capsys.readouterr().out
    assert [(name, left is not None) for name, left in roster_rows()] == [
        ("张三", False),
        ("李四", True),
    ]
    assert main(["import-staff", str(workdir / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
