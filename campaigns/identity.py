"""Pure rules of identity: how names are compared, how verifiers are kept, link codes.

A name is compared by its key: NFKC (full-width letters and digits become half-width),
every space removed, case folded — "张 三", "张三" and "张　三" are one name. A verifier (a
staff number, a phone's last four digits) is kept only as a keyed hash: a stolen database
without the secret key does not give them back, and nobody is ever shown one."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from enum import StrEnum

LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from another screen
LINK_CODE_LENGTH = 8  # 32^8 ≈ 10^12 codes, each valid 10 minutes, once
MAX_KEY = 80


class VerifierKind(StrEnum):
    STAFF_NO = "staff_no"
    PHONE = "phone"


def name_key(name: str) -> str:
    """The form of a name that registration and the duplicates list compare."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()[:MAX_KEY]


def clean_verifier(value: str | None) -> str:
    """A verifier as typed, normalised the same way as a name (full-width digits too)."""
    return name_key(value or "")


def verifier_hash(secret: str, kind: VerifierKind, value: str) -> str:
    """The keyed hash stored for a verifier (HMAC-SHA256 under the instance's secret)."""
    message = f"verifier:{kind.value}:{clean_verifier(value)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verifier_matches(
    secret: str, value: str, *, staff_no_hash: str | None, phone_hash: str | None
) -> bool:
    """Whether a typed answer is the row's staff number or its phone's last four digits."""
    typed = clean_verifier(value)
    if not typed:
        return False
    checks = [
        hmac.compare_digest(verifier_hash(secret, kind, typed), stored)
        for kind, stored in (
            (VerifierKind.STAFF_NO, staff_no_hash),
            (VerifierKind.PHONE, phone_hash),
        )
        if stored
    ]  # both compared, always: the time taken does not tell which one matched
    return any(checks)


def new_link_code() -> str:
    return "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_CODE_LENGTH))


def clean_link_code(value: str | None) -> str:
    """A link code as typed: case, spaces and dashes do not matter."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    return "".join(ch for ch in text if ch in LINK_ALPHABET)[: LINK_CODE_LENGTH * 2]


def request_fingerprint(*parts: object) -> str:
    """What a keyed request asked for, as a digest: the same key with another payload is a
    different request, refused rather than answered with the first one's result."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()


def scoped_key(caller: str, action: str, key: str | None) -> str | None:
    """An idempotency key belongs to its caller and its action (Stripe's rule): another
    caller's or another action's use of the same string is another key.

    Stored as `caller:action:digest of the key` (at most 80 characters, whatever the
    client sent). The caller comes first so that one caller's keys sit together in the
    keys' unique index: a batch of check-ins touches a few of its pages, not one page per
    key as a digest of everything would (a random place each), and commits that much less.
    128 bits of digest: no two keys of one caller's ever meet."""
    if not key:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{caller}:{action}:{digest}"
