"""The one QR module both doors use: PNG (posters, cards, the bot, /me) and inline SVG
(screens, the link page), and decoding (a photo of a code at the door, the tests) with
zxing-cpp."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

# Error correction by use: M for screens and personal codes (denser codes scan faster on a
# phone's screen), H for print (a poster survives tape, folds and glare).
SCREEN = qrcode.constants.ERROR_CORRECT_M
PRINT = qrcode.constants.ERROR_CORRECT_H
# A photo of more pixels than this is not decoded (a decompression bomb, not a phone's photo).
MAX_PIXELS = 40_000_000
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def png(data: str, *, box: int = 8, border: int = 4, correction: int = SCREEN) -> bytes:
    """A QR code as a black-on-white PNG."""
    code = qrcode.QRCode(error_correction=correction, box_size=box, border=border)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def personal_png(token: str) -> bytes:
    """A person's own code on a phone's screen (the bot's /me and the web's /me): large
    enough for a door scanner's camera."""
    return png(token, box=10)


def print_png(data: str, *, box: int = 12) -> bytes:
    """A code for paper (posters, card sheets): error correction H."""
    return png(data, box=box, correction=PRINT)


def svg(data: str, *, border: int = 2, correction: int = SCREEN) -> str:
    """An inline SVG QR code: no image request, crisp at any size. Decorative to screen
    readers: the page says in words what it holds."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=correction,
        border=border,
    )
    text: str = image.to_string(encoding="unicode")
    return text.replace("<svg ", '<svg role="img" aria-hidden="true" focusable="false" ', 1)


def decode(image_bytes: bytes, *, max_side: int | None = None) -> list[str]:
    """The texts of every QR code in an image, in the order found; empty when none is found
    or the bytes are no image (or one past MAX_PIXELS). A photo is turned upright by its
    EXIF orientation; with `max_side` it is scaled down to that first (a phone's photo
    decodes as well at 1600 pixels, and faster)."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return []
            picture = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []
    if max_side is not None:
        picture.thumbnail((max_side, max_side))
    found = zxingcpp.read_barcodes(picture, formats=QR_ONLY)
    return [r.text for r in found if r.text]


def first(image_bytes: bytes, *, max_side: int | None = None) -> str | None:
    """The text of the first QR code in an image (see decode), stripped; None when none."""
    texts = decode(image_bytes, max_side=max_side)
    return texts[0].strip() if texts else None
