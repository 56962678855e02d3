"""Static assets under content-hashed names: `/static/app.3f2a9c1b7d.css` is the file
`app.css` as it is now, served with a year's cache lifetime (a change makes a new name);
the plain name still answers, revalidated on every use. Templates call `asset("app.css")`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Types Starlette's guess leaves out or gets wrong on a bare machine.
TYPES = {".wasm": "application/wasm", ".webmanifest": "application/manifest+json"}


def _hashed_name(relative: str, data: bytes) -> str:
    path = Path(relative)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Assets:
    """The hashed name of every file under web/static, computed once at start."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root
        self.by_name: dict[str, str] = {}
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = file.relative_to(root).as_posix()
            self.by_name[relative] = _hashed_name(relative, file.read_bytes())
        self.by_hashed = {hashed: name for name, hashed in self.by_name.items()}

    def url(self, name: str) -> str:
        """The cache-forever URL of a static file (KeyError for a file that is not there)."""
        return PREFIX + self.by_name[name]

    def urls(self, names: Iterable[str]) -> list[str]:
        return [self.url(n) for n in names]

    @property
    def version(self) -> str:
        """One digest of every asset: changes whenever any of them does."""
        joined = "\n".join(sorted(self.by_name.values())).encode()
        return hashlib.sha256(joined).hexdigest()[:12]


class HashedStaticFiles(StaticFiles):
    """Starlette's StaticFiles, answering hashed names with a year's cache lifetime."""

    def __init__(self, assets: Assets, **kwargs: Any) -> None:
        super().__init__(directory=str(assets.root), **kwargs)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        real = self.assets.by_hashed.get(path)
        response = await super().get_response(real or path, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = IMMUTABLE if real else REVALIDATE
            kind = TYPES.get(Path(path).suffix)
            if kind and response.status_code == 200:
                response.headers["content-type"] = kind
        return response
