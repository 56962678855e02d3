"""`scripts/test` stops before pytest when the gate fails: run on a small copy of the house
(the script, pyproject.toml's tool settings, empty packages) with one bad file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("campaigns", "storage", "web", "bot", "greentally", "wecom", "locales", "tests")
GOOD = "def twice(n: int) -> int:\n    return 2 * n\n"


def _house(tmp_path: Path, bad: str | None) -> Path:
    house = tmp_path / "house"
    (house / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "test", house / "scripts" / "test")
    shutil.copy(ROOT / "pyproject.toml", house / "pyproject.toml")
    for name in PACKAGES:
        (house / name).mkdir()
        (house / name / "__init__.py").write_text('"""A package."""\n')
    (house / "campaigns" / "piece.py").write_text(bad if bad is not None else GOOD)
    return house


def _gate(house: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # the venv's python3 first: the copy must not install itself over this checkout
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GREENTALLY_TEST_NO_INSTALL": "1",
        "GREENTALLY_TEST_GATE_ONLY": "1",
    }
    return subprocess.run(
        ["bash", str(house / "scripts" / "test")],
        cwd=house,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("import os\n" + GOOD, "F401"),  # ruff check: an unused import
        ("def twice(n: int) -> int:\n    return   2*n\n", "would be reformatted"),  # ruff format
        ("def twice(n: int) -> int:\n    return str(n)\n", "Incompatible return value"),  # mypy
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_the_gate_fails_the_script(tmp_path: Path, bad: str, says: str) -> None:
    done = _gate(_house(tmp_path, bad))
    assert done.returncode != 0
    assert says in done.stdout + done.stderr


def test_a_clean_house_passes_the_gate(tmp_path: Path) -> None:
    done = _gate(_house(tmp_path, None))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gate: mypy --strict" in done.stdout
