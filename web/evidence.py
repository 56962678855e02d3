"""Photo evidence: proven to be an image, turned upright, resized, stripped of all metadata."""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import date
from pathlib import Path

from fastapi import UploadFile
from PIL import Image, ImageOps, UnidentifiedImageError

from web.errors import WebReason, WebRefused

MAX_PHOTO_MB = 8
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; more is a decompression bomb
LONG_SIDE = 1600
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what some phones call their JPEGs


async def read_upload(upload: UploadFile | None) -> bytes | None:
    """The uploaded bytes, refused past the size limit; None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    limit = MAX_PHOTO_MB * 1024 * 1024
    data = await upload.read(limit + 1)
    await upload.close()
    if not data:
        return None
    if len(data) > limit:
        raise WebRefused(WebReason.PHOTO_TOO_LARGE, limit_mb=MAX_PHOTO_MB)
    return data


def clean_photo(data: bytes) -> bytes:
    """Re-encode as a JPEG at most LONG_SIDE wide; EXIF (GPS included) does not survive."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED:
                    raise WebRefused(WebReason.PHOTO_NOT_IMAGE)
                if probe.width * probe.height > MAX_PIXELS:
                    raise WebRefused(WebReason.PHOTO_TOO_LARGE, limit_mb=MAX_PHOTO_MB)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise WebRefused(WebReason.PHOTO_NOT_IMAGE) from exc
    rgb.thumbnail((LONG_SIDE, LONG_SIDE))
    clean = Image.new("RGB", rgb.size)  # a fresh image carries no info, exif or icc
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def store_photo(evidence_dir: Path, data: bytes, *, day: date) -> str:
    """Write a cleaned photo under evidence/YYYY/MM/ and return its path relative to the dir."""
    relative = Path(f"{day:%Y}") / f"{day:%m}" / f"{secrets.token_urlsafe(18)}.jpg"
    target = evidence_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative.as_posix()


async def evidence_from(upload: UploadFile | None, evidence_dir: Path, *, day: date) -> str | None:
    """The whole path for an optional form photo: read, clean, store; None without a photo."""
    data = await read_upload(upload)
    if data is None:
        return None
    return store_photo(evidence_dir, clean_photo(data), day=day)
