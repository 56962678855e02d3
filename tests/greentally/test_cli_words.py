"""The command line speaks in words, in zh or en, and fails without tracebacks."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from greentally import cli
from greentally.cli import cli_language, main
from web.i18n import translations

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("GREENTALLY_DATABASE_URL", "GREENTALLY_SECRET_KEY", "GREENTALLY_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GREENTALLY_DEFAULT_LANGUAGE", "en")
    yield tmp_path


def run(*args: str, lang: str | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTALLY_")}
    env["PYTHONPATH"] = str(ROOT)
    if lang is not None:
        env["GREENTALLY_DEFAULT_LANGUAGE"] = lang
    return subprocess.run(
        [sys.executable, "-m", "greentally.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_help_is_in_chinese_or_english() -> None:
    zh = run("export", "--help", lang="zh")
    en = run("export", "--help", lang="en")
    assert zh.returncode == 0 and en.returncode == 0
    assert "用法" in zh.stdout and "起始日" in zh.stdout and "显示此帮助并退出" in zh.stdout
    assert "Usage:" in en.stdout and "first day" in en.stdout
    for text in (zh.stdout, en.stdout):  # every option has its help line
        for option in ("--from", "--to", "--unit", "--out", "--help"):
            line = next(x for x in text.splitlines() if x.strip().startswith(option))
            words = [w for w in line.split()[1:] if not w.isupper() and w != "YYYY-MM-DD"]
            assert words, line
    assert "备份" in run("--help", lang="zh").stdout


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"GREENTALLY_DEFAULT_LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "zh"),
    ],
)
def test_the_language_follows_the_setting_or_the_locale(environ: dict[str, str], lang: str) -> None:
    assert cli_language(environ) == lang


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("greentally ")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["seed", "--units", "nosuch.csv"], "The file nosuch.csv does not exist."),
        (["backup", "/no/such/folder/b.tar.gz"], "The folder /no/such/folder does not exist."),
        (["restore", "missing.tar.gz"], "There is no backup at missing.tar.gz."),
        (["create-user", "--login", "chief"], "No terminal to ask for the password"),
        (["export", "--from", "2023-12-31", "--to", "2023-01-01"], "is after --to"),
        (["export", "--from", "2023-13-01", "--to", "2023-12-31"], "is not a date"),
        (
            ["export", "--from", "2023-01-01", "--to", "2023-12-31", "--unit", "nosuch"],
            "Unknown unit code: nosuch.",
        ),
        (["nosuch"], "No such command"),
        (["export"], "Missing option '--from'"),
    ],
)
def test_errors_are_words_without_tracebacks(
    workdir: Path, args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    code = main(args)
    said = capsys.readouterr()
    assert code == 2, said
    assert words in said.err and "Traceback" not in said.err + said.out
    assert not list(workdir.glob("*.csv"))


def test_errors_in_chinese(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = run("export", "--from", "2023-12-31", "--to", "2023-01-01", lang="zh")
    assert done.returncode == 2 and "错误：--from 2023-12-31 晚于 --to 2023-01-01。" in done.stderr


def test_an_unexpected_failure_is_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "data").mkdir()
    (workdir / "data" / "greentally.sqlite3").write_text("not a database")
    code = main(["reconcile"])
    said = capsys.readouterr()
    assert code == 1 and said.err.startswith("Error: Unexpected error")
    assert "Traceback" not in said.err


def test_progress_shows_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=screen, force_terminal=True, width=80))
    with cli.progress("Writing CSV", total=3) as advance:
        advance(3)
    assert "Writing CSV" in screen.getvalue() and "3/3" in screen.getvalue()
    quiet = io.StringIO()  # not a terminal (a pipe, a log file): no bar at all
    monkeypatch.setattr(cli, "err", Console(file=quiet))
    with cli.progress("Writing CSV", total=3) as advance:
        advance(3)
    assert quiet.getvalue() == ""


def _cli_msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "greentally").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None))
                in {"N_", "_", "gettext", "Fail", "BackupError"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found - {"...", "what it does"}


def test_every_cli_word_is_translated() -> None:
    catalog = translations("zh")
    missing = sorted(m for m in _cli_msgids() if catalog.gettext(m) == m)
    assert len(_cli_msgids()) > 60
    assert missing == []
