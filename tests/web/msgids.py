"""The msgids the web uses: from templates (`_("...")`) and Python (`N_`, `gettext`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
LABELS = WEB.parent / "campaigns" / "labels.py"  # the shared labels the pages show
_TEMPLATE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
# Words passed to gettext through a variable (form field names in "missing fields").
INDIRECT = {"Date", "Distance", "Hours", "People", "Back", "Start page"}


def web_msgids() -> set[str]:
    found = set(INDIRECT)
    for path in (WEB / "templates").rglob("*.html"):
        if path.name == "docs.html":  # the API reference is English, for developers
            continue
        for match in _TEMPLATE.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    for path in [*WEB.rglob("*.py"), LABELS]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
                in {"N_", "gettext", "_"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found
