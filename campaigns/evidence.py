"""Photo evidence, the same for both doors: proven to be an image, turned upright, resized,
stripped of all metadata (GPS included) and stored under the evidence folder by month.

Facts record a photo's path relative to that folder; the console serves it from there.
Pure file work (Pillow), no web or bot code. Refuses PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE (bytes)
and PHOTO_TOO_MANY_PIXELS.
"""

from __future__ import annotations

import io
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
NOT_AN_IMAGE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def folder(data_dir: Path) -> Path:
    """Where evidence photos live."""
    return data_dir / FOLDER


def check_size(size: int | None) -> None:
    """Refuses PHOTO_TOO_LARGE past the limit (before anything is downloaded or read)."""
    if size is not None and size > MAX_BYTES:
        raise Refused(Reason.PHOTO_TOO_LARGE, limit_mb=MAX_PHOTO_MB)


def _upright_rgb(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED:
                raise Refused(Reason.PHOTO_NOT_IMAGE)
            if probe.width * probe.height > MAX_PIXELS:
                raise Refused(Reason.PHOTO_TOO_MANY_PIXELS, megapixels=MAX_PIXELS // 1_000_000)
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


def store_photo(evidence_dir: Path, data: bytes, *, day: date) -> str:
    """Write a cleaned photo under YYYY/MM/ and return its path relative to the folder."""
    relative = Path(f"{day:%Y}") / f"{day:%m}" / f"{secrets.token_urlsafe(18)}.jpg"
    target = evidence_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative.as_posix()


def save_photo(evidence_dir: Path, data: bytes, *, day: date) -> str:
    """Check, clean and store a photo; its relative path. Refuses as clean_photo."""
    return store_photo(evidence_dir, clean_photo(data), day=day)


def discard(evidence_dir: Path, relative: str | None) -> None:
    """Delete a stored photo whose action was not logged (never a path outside the folder)."""
    if not relative:
        return
    root = evidence_dir.resolve()
    target = (root / relative).resolve()
    if target.is_relative_to(root) and target != root:
        target.unlink(missing_ok=True)
