"""The one QR module both doors use: PNG (posters, cards, the bot, /me) and inline SVG
(screens), and decoding (a photo of a code at the door, the tests) with zxing-cpp."""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.svg
import zxingcpp
from PIL import Image

# Error correction by use: M for screens and personal codes (denser codes scan faster on a
# phone's screen), H for print (a poster survives tape, folds and glare).
SCREEN = qrcode.constants.ERROR_CORRECT_M
PRINT = qrcode.constants.ERROR_CORRECT_H


def png(data: str, *, box: int = 8, border: int = 4, correction: int = SCREEN) -> bytes:
    """A QR code as a black-on-white PNG."""
    code = qrcode.QRCode(error_correction=correction, box_size=box, border=border)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


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


def decode(image_bytes: bytes) -> list[str]:
    """The texts of every QR code in an image (empty when none is found)."""
    with Image.open(io.BytesIO(image_bytes)) as picture:
        found = zxingcpp.read_barcodes(picture.convert("L"))
    return [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]
