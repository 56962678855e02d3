"""WeCom's callback encryption (企业微信 回调加解密), on `cryptography`.

- signature: SHA-1 of token, timestamp, nonce and ciphertext, sorted and joined, in hex;
  compared in constant time;
- AES-256-CBC with key = base64(EncodingAESKey + "="), IV its first 16 bytes, PKCS#7
  padded to blocks of 32 bytes;
- plaintext: 16 random bytes, the message's length (4 bytes, big-endian), the message and
  the CorpID, which must be ours.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32
MAX_AGE = 300  # seconds a callback's timestamp may be off from ours, either way
AES_KEY_LENGTH = 43


class Problem(StrEnum):
    SIGNATURE = "signature"
    CORP_ID = "corp_id"
    STALE = "stale"
    MALFORMED = "malformed"


class CryptoRefused(Exception):
    """A callback we will not read; `problem` says why (for the log, never the sender)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def aes_key_of(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey; ValueError when it is not one."""
    if len(encoding_aes_key) != AES_KEY_LENGTH:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(key) != BLOCK:
        raise ValueError("EncodingAESKey does not give a 32-byte key")
    return key


def _pad(data: bytes) -> bytes:
    n = BLOCK - len(data) % BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    if not data:
        raise CryptoRefused(Problem.MALFORMED)
    n = data[-1]
    if not 1 <= n <= BLOCK or data[-n:] != bytes([n]) * n:
        raise CryptoRefused(Problem.MALFORMED)
    return data[:-n]


@dataclass(frozen=True)
class WeComCrypto:
    token: str
    encoding_aes_key: str
    corp_id: str

    @property
    def key(self) -> bytes:
        return aes_key_of(self.encoding_aes_key)

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        parts = sorted([self.token, timestamp, nonce, encrypted])
        return hashlib.sha1("".join(parts).encode(), usedforsecurity=False).hexdigest()

    def check_signature(
        self, signature: str, timestamp: str, nonce: str, encrypted: str, *, now: float | None
    ) -> None:
        """Refuses SIGNATURE (wrong) and, when `now` is given, STALE (timestamp too far
        from it)."""
        wanted = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(wanted.encode(), (signature or "").lower().encode()):
            raise CryptoRefused(Problem.SIGNATURE)
        if now is not None:
            try:
                sent = int(timestamp)
            except ValueError:
                raise CryptoRefused(Problem.STALE) from None
            if abs(now - sent) > MAX_AGE:
                raise CryptoRefused(Problem.STALE)

    def encrypt(self, message: bytes, *, random16: bytes | None = None) -> str:
        """The base64 ciphertext of a message (WeCom's side; tests and the fake use it)."""
        head = random16 if random16 is not None else os.urandom(16)
        plain = head + struct.pack(">I", len(message)) + message + self.corp_id.encode()
        key = self.key
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(_pad(plain)) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside a ciphertext. Refuses MALFORMED, CORP_ID (not ours)."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoRefused(Problem.MALFORMED) from None
        if not data or len(data) % 16:
            raise CryptoRefused(Problem.MALFORMED)
        key = self.key
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        plain = _unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoRefused(Problem.MALFORMED)
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoRefused(Problem.MALFORMED)
        message, corp = plain[20 : 20 + length], plain[20 + length :]
        if not hmac.compare_digest(corp, self.corp_id.encode()):
            raise CryptoRefused(Problem.CORP_ID)
        return message

    def verify_url(
        self, signature: str, timestamp: str, nonce: str, echostr: str, *, now: float | None
    ) -> str:
        """The plain echostr WeCom asks back when the callback URL is saved."""
        self.check_signature(signature, timestamp, nonce, echostr, now=now)
        return self.decrypt(echostr).decode()

    def open(
        self, signature: str, timestamp: str, nonce: str, encrypted: str, *, now: float | None
    ) -> bytes:
        """The message of an encrypted POST, once its signature (and age) are checked."""
        self.check_signature(signature, timestamp, nonce, encrypted, now=now)
        return self.decrypt(encrypted)

    def seal(
        self,
        message: bytes,
        *,
        nonce: str,
        timestamp: str | None = None,
        random16: bytes | None = None,
    ) -> dict[str, str]:
        """What WeCom sends: the ciphertext and its query parameters (for tests and the
        fake; WeCom's passive replies are not used: answers go out through message/send)."""
        stamp = timestamp or str(int(time.time()))
        encrypted = self.encrypt(message, random16=random16)
        return {
            "encrypt": encrypted,
            "msg_signature": self.signature(stamp, nonce, encrypted),
            "timestamp": stamp,
            "nonce": nonce,
        }
