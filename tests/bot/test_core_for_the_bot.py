"""Core functions the bot now calls instead of deciding for itself (the web can call them
too): the canteen units, the unit ranking, whole headcounts, who gets a web sign-in link,
fresh person lookups, and the shared evidence rules."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from campaigns import actions, catalog, checkin, evidence, links, people, totals
from campaigns.core import Core, open_core
from campaigns.errors import Refused
from campaigns.reasons import Reason
from campaigns.results import Channel, Role
from tests import factories
from tests.bot.images import assert_clean, has_gps, jpeg_with_gps
from tests.factories import NOW


async def test_canteen_units_are_those_with_a_canteen(core: Core) -> None:
    kitchen = await factories.unit(core, name="渠县卫健局", canteen=True)
    await factories.unit(core, name="渠县卫生所", canteen=False)
    assert [u.id for u in await catalog.canteen_units(core)] == [kitchen.id]
    assert [u.id for u in await catalog.canteen_units(core, query="卫")] == [kitchen.id]
    assert await catalog.canteen_units(core, query="卫生所") == []


async def test_unit_ranking_by_share_of_staff_taking_part(core: Core) -> None:
    small = await factories.unit(core, headcount=4)
    big = await factories.unit(core, headcount=100)
    await factories.unit(core, headcount=0)  # no headcount on record: not ranked
    event = await factories.event(core)
    for index, where in enumerate((small, small, big)):
        person = await factories.person(core, where)
        await checkin.check_in(
            core,
            code=event.code,
            person_id=person.id,
            now=NOW,
            channel=Channel.WEB,
            idempotency_key=str(index),
        )
    ranking = await totals.unit_ranking(core, year=2023)
    assert [u.unit.id for u in ranking[:2]] == [small.id, big.id]
    assert all(u.rolled_headcount > 0 for u in ranking)
    assert [u.share for u in ranking[:2]] == [0.5, 0.01]
    assert len(await totals.unit_ranking(core, year=2023, limit=1)) == 1


@pytest.mark.parametrize("heads", [2.5, 0, -3, float("nan"), float("inf"), True])
async def test_headcount_must_be_a_whole_number_above_zero(core: Core, heads: float) -> None:
    volunteer = await factories.person(core, await factories.unit(core), role=Role.VOLUNTEER)
    event = await factories.event(core)
    with pytest.raises(Refused) as refused:
        await actions.log_headcount(
            core,
            volunteer_id=volunteer.id,
            code=event.code,
            heads=heads,
            now=NOW,
            channel=Channel.BOT,
        )
    assert refused.value.reason is Reason.INVALID_QUANTITY
    assert (await totals.progress(core, year=2023)).totals.headcount == 0
    recorded = await actions.log_headcount(
        core,
        volunteer_id=volunteer.id,
        code=event.code,
        heads=35.0,
        now=NOW,
        channel=Channel.BOT,
    )
    assert recorded.fact.headcount == 35


async def test_web_sign_in_links_are_for_volunteers_and_organizers(core: Core) -> None:
    unit = await factories.unit(core)
    participant = await factories.person(core, unit)
    with pytest.raises(Refused) as refused:
        await people.issue_login_token(core, person_id=participant.id, now=NOW)
    assert refused.value.reason is Reason.NOT_ALLOWED
    volunteer = await factories.person(core, unit, role=Role.VOLUNTEER)
    token = await people.issue_login_token(core, person_id=volunteer.id, now=NOW)
    assert (await people.redeem_login_token(core, token=token, now=NOW)).id == volunteer.id
    await people.delete_person(core, person_id=volunteer.id, now=NOW)
    with pytest.raises(Refused):
        await people.issue_login_token(core, person_id=volunteer.id, now=NOW)


async def test_an_uncached_lookup_sees_another_instances_change(core: Core, db_url: str) -> None:
    person = await factories.person(core, await factories.unit(core), telegram_id=4242)
    other = await open_core(db_url, secret="test-secret-key", migrate=False)
    try:
        assert (await people.find_by_telegram(core, 4242)).language == "zh"  # type: ignore[union-attr]
        await people.set_language(other, person_id=person.id, language="en")
        assert (await people.find_by_telegram(core, 4242)).language == "zh"  # type: ignore[union-attr]
        fresh = await people.find_by_telegram(core, 4242, cached=False)
        assert fresh is not None and fresh.language == "en"
    finally:
        await other.close()


def test_the_mini_app_opens_a_page_of_the_web_form() -> None:
    url = links.mini_app_url("https://gt.example.gov.cn/", next_path="/log")
    assert url == "https://gt.example.gov.cn/tg?next=/log"
    assert links.mini_app_url("https://gt.example.gov.cn") == "https://gt.example.gov.cn/tg"


def test_evidence_is_cleaned_stored_by_month_and_discarded(tmp_path: Path) -> None:
    original = jpeg_with_gps((3000, 2000))
    assert has_gps(original)
    relative = evidence.save_photo(tmp_path, original, day=NOW.date())
    assert relative.startswith("2023/07/") and relative.endswith(".jpg")
    assert_clean(tmp_path / relative)
    evidence.discard(tmp_path, relative)
    assert not (tmp_path / relative).exists()


def test_evidence_discard_never_deletes_outside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"someone else's file")
    evidence.discard(folder, "../outside.jpg")
    assert outside.exists()
    evidence.discard(folder, str(outside))  # an absolute path
    assert outside.exists()
    evidence.discard(folder, ".")  # nor the folder itself
    assert folder.is_dir()


def png_header(width: int, height: int) -> bytes:
    """A PNG that says it is width x height (what is checked before any pixel is read)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png_header(8000, 8000), Reason.PHOTO_TOO_MANY_PIXELS),  # 64 megapixels
        (png_header(12000, 9000), Reason.PHOTO_TOO_MANY_PIXELS),  # 108: past Pillow's warning
        (png_header(20000, 10000), Reason.PHOTO_TOO_MANY_PIXELS),  # 200: past Pillow's error
        (b"not an image", Reason.PHOTO_NOT_IMAGE),
        (b"GIF89a" + b"\x00" * 20, Reason.PHOTO_NOT_IMAGE),
        (b"\xff\xd8" + b"0" * (evidence.MAX_BYTES + 1), Reason.PHOTO_TOO_LARGE),
    ],
    ids=["64mp", "108mp", "200mp", "text", "gif", "9mb"],
)
def test_evidence_refusals(tmp_path: Path, data: bytes, reason: Reason) -> None:
    with pytest.raises(Refused) as refused:
        evidence.save_photo(tmp_path, data, day=NOW.date())
    assert refused.value.reason is reason
    assert not any(tmp_path.rglob("*.jpg"))
