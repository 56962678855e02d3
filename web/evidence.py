"""The form's photo upload, read within the size limit; checking, cleaning and storing it
are the shared evidence rules (campaigns.evidence), the same the bot uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import UploadFile

from campaigns import evidence
from campaigns.evidence import MAX_PHOTO_MB

__all__ = ["MAX_PHOTO_MB", "evidence_from", "read_upload"]


async def read_upload(upload: UploadFile | None) -> bytes | None:
    """The uploaded bytes, refused past the size limit; None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = await upload.read(evidence.MAX_BYTES + 1)
    await upload.close()
    if not data:
        return None
    evidence.check_size(len(data))
    return data


async def evidence_from(upload: UploadFile | None, evidence_dir: Path, *, day: date) -> str | None:
    """The whole path for an optional form photo: read, clean, store; None without a photo."""
    data = await read_upload(upload)
    if data is None:
        return None
    return evidence.save_photo(evidence_dir, data, day=day)
