"""Photos for the bot tests: a real JPEG carrying camera EXIF and a GPS position."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (20, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (30.0, 50.0, 0.0), 3: "E", 4: (106.0, 58.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(GPS_IFD))


def assert_clean(path: Path, *, long_side: int = 1600) -> None:
    """A stored evidence photo: a JPEG, resized, with no EXIF (so no GPS) at all."""
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= long_side
        assert not image.getexif()
        assert "exif" not in image.info


def stored_photos(evidence_dir: Path) -> list[Path]:
    return sorted(p for p in evidence_dir.rglob("*") if p.is_file())
