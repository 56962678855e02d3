"""WeCom's callback XML: the envelope (`<Encrypt>`) and the message inside, flattened to the
fields the door reads. No DOCTYPE is taken (no entities at all), and bodies are small."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # noqa: S405 - no DOCTYPE reaches the parser (below)

from wecom.crypto import CryptoRefused, Problem

MAX_BODY = 64 * 1024
NESTED = ("ScanCodeInfo",)  # scancode_waitmsg: ScanType, ScanResult


def _root(data: bytes) -> ET.Element:
    if len(data) > MAX_BODY or b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise CryptoRefused(Problem.MALFORMED)
    try:
        return ET.fromstring(data)  # noqa: S314 - entities refused above
    except ET.ParseError:
        raise CryptoRefused(Problem.MALFORMED) from None


def envelope(body: bytes) -> str:
    """The ciphertext of an encrypted POST. Refuses MALFORMED."""
    found = _root(body).findtext("Encrypt")
    if not found:
        raise CryptoRefused(Problem.MALFORMED)
    return found.strip()


def fields(message: bytes) -> dict[str, str]:
    """The message's fields by name (nested scan fields lifted up)."""
    out: dict[str, str] = {}
    for child in _root(message):
        if child.tag in NESTED:
            for inner in child:
                out[inner.tag] = (inner.text or "").strip()
        else:
            out[child.tag] = (child.text or "").strip()
    return out


def dedupe_key(message: dict[str, str]) -> str:
    """What makes a retried callback the same one: MsgId; for events (which have none) the
    user, CreateTime and event. Hashed to a fixed length."""
    if message.get("MsgId"):
        raw = f"msg:{message.get('ToUserName', '')}:{message['MsgId']}"
    else:
        raw = ":".join(
            (
                "ev",
                message.get("ToUserName", ""),
                message.get("FromUserName", "").casefold(),
                message.get("CreateTime", ""),
                message.get("Event", ""),
            )
        )
    return "wc:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def to_xml(message: dict[str, str]) -> bytes:
    """A message as WeCom writes it (for tests, the fake and the benchmark)."""
    root = ET.Element("xml")
    scan = {k: message[k] for k in ("ScanType", "ScanResult") if k in message}
    for key, value in message.items():
        if key not in scan:
            ET.SubElement(root, key).text = value
    if scan:
        info = ET.SubElement(root, "ScanCodeInfo")
        for key, value in scan.items():
            ET.SubElement(info, key).text = value
    data: bytes = ET.tostring(root, encoding="utf-8")
    return data
