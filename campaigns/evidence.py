"""Photo evidence, the same for both doors: proven to be an image, turned upright, resized,
stripped of all metadata (GPS included) and stored under the evidence folder by month.

Facts record a photo's path relative to that folder; the console serves it from there.
Pure file work (Pillow), no web or bot code. Refuses PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE (bytes)
and PHOTO_TOO_MANY_PIXELS.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from datetime import date
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from campaigns.errors import Refused
from campaigns.reasons import Reason

FOLDER = "evidence"  # under the data folder
MAX_PHOTO_MB = 8
MAX_BYTES = MAX_PHOTO_MB * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; more is a decompression bomb
LONG_SIDE = 1600
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what some phones call their JPEGs
NOT_AN_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
# Pillow refuses past its own limits (a warning at ~89 MP, an error at twice that) before
# the size can be read; both are above MAX_PIXELS, so both mean too many pixels.
TOO_MANY_PIXELS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def folder(data_dir: Path) -> Path:
    """Where evidence photos live."""
    return data_dir / FOLDER


def check_size(size: int | None) -> None:
    """Refuses PHOTO_TOO_LARGE past the limit (before anything is downloaded or read)."""
    if size is not None and size > MAX_BYTES:
        raise Refused(Reason.PHOTO_TOO_LARGE, limit_mb=MAX_PHOTO_MB)


def _too_many_pixels() -> Refused:
    return Refused(Reason.PHOTO_TOO_MANY_PIXELS, megapixels=MAX_PIXELS // 1_000_000)


def _upright_rgb(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except TOO_MANY_PIXELS as exc:
            raise _too_many_pixels() from exc
        with probe:
            if probe.format not in ACCEPTED:
                raise Refused(Reason.PHOTO_NOT_IMAGE)
            if probe.width * probe.height > MAX_PIXELS:
                raise _too_many_pixels()
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")


def clean_photo(data: bytes) -> bytes:
    """Re-encode as a JPEG at most LONG_SIDE wide; EXIF (GPS included), ICC and comments
    do not survive. Refuses PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE, PHOTO_TOO_MANY_PIXELS."""
    check_size(len(data))
    try:
        rgb = _upright_rgb(data)
    except NOT_AN_IMAGE as exc:
        raise Refused(Reason.PHOTO_NOT_IMAGE) from exc
    rgb.thumbnail((LONG_SIDE, LONG_SIDE))
    clean = Image.new("RGB", rgb.size)  # a fresh image carries no info, exif or icc
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def photo_path(day: date, name: str | None = None) -> str:
    """Where a photo sent on `day` is stored, relative to the folder: YYYY/MM/<name>.jpg, a
    random name unless one is given (letters, digits, - and _ only)."""
    name = name or secrets.token_urlsafe(18)
    if not NAME.match(name):
        raise ValueError(f"not a photo name: {name!r}")
    return f"{day:%Y}/{day:%m}/{name}.jpg"


def store_photo(evidence_dir: Path, data: bytes, *, day: date, name: str | None = None) -> str:
    """Write a cleaned photo under YYYY/MM/ and return its path relative to the folder. The
    file appears whole or not at all (written aside, then renamed into place)."""
    relative = photo_path(day, name)
    target = evidence_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return relative


def save_photo(evidence_dir: Path, data: bytes, *, day: date, name: str | None = None) -> str:
    """Check, clean and store a photo; its relative path. Refuses as clean_photo."""
    return store_photo(evidence_dir, clean_photo(data), day=day, name=name)


def discard(evidence_dir: Path, relative: str | None) -> None:
    """Delete a stored photo whose action was not logged (never a path outside the folder)."""
    if not relative:
        return
    root = evidence_dir.resolve()
    target = (root / relative).resolve()
    if target.is_relative_to(root) and target != root:
        target.unlink(missing_ok=True)
