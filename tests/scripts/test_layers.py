"""The layers hold: bot/ and web/ never import storage/; nothing below greentally/ (the
composition root) imports it; storage/ imports nothing of ours above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "bot": {"storage", "greentally", "web"},
    "web": {"storage", "greentally", "bot"},
    "campaigns": {"greentally", "web", "bot"},
    "storage": {"greentally", "web", "bot", "campaigns"},
}


def _imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_lies_below_it(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if _imported(path) & FORBIDDEN[package]
    }
    assert wrong == {}
