"""The participant's pages as a phone sees them: the check-in page's states on arrival, the
unit picker (characters, pinyin, initials), /me (rewards, the unit's standing, history) and
the personal record, dates in each language's style, zero CO₂ shown as nothing, and
static assets under content-hashed names with long cache lifetimes."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from campaigns import actions, checkin, people, rewards
from campaigns.core import Core
from campaigns.results import Channel, EventView, Role, UnitView
from tests import factories
from tests.factories import NOW, SEPT
from tests.web.conftest import get, post_form

EN = {"accept-language": "en-GB"}


async def _joined(client: httpx.AsyncClient, unit: UnitView, name: str) -> int:
    """A phone that joined through the real form; the person's id."""
    response = await post_form(client, "/join", {"name": name, "unit_id": str(unit.id)})
    assert response.status_code == 200, response.text
    (found,) = await people.search_people(client_core(client), query=name)
    return found.id


def client_core(client: httpx.AsyncClient) -> Core:
    app = client._transport.app  # type: ignore[attr-defined]
    core: Core = app.state.core
    return core


# the check-in page's states -----------------------------------------------------------


@pytest.mark.parametrize("case", [({}, "您已于 10:00 签到"), (EN, "You checked in at 10:00.")])
async def test_known_phone_already_checked_in_sees_it_on_arrival(
    client: httpx.AsyncClient,
    core: Core,
    event: EventView,
    unit: UnitView,
    case: tuple[dict[str, str], str],
) -> None:
    headers, words = case
    person_id = await _joined(client, unit, "早到的")
    if headers:
        await client.get("/lang/en")  # the phone's own choice outranks the person's
    await checkin.check_in(core, code=event.code, person_id=person_id, now=NOW, channel=Channel.WEB)
    page = await client.get(f"/e/{event.code}", headers=headers)
    assert page.status_code == 200
    assert words in page.text
    assert 'class="primary"' not in page.text and f'action="/e/{event.code}"' not in page.text


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_not_yet_open_and_full_shown_before_any_form(
    client: httpx.AsyncClient, core: Core, unit: UnitView, lang: str
) -> None:
    headers = EN if lang == "en" else {}
    later = await factories.event(
        core, opens=NOW + timedelta(hours=2), closes=NOW + timedelta(hours=5)
    )
    page = await client.get(f"/e/{later.code}", headers=headers)
    expected = "Check-in is not open yet" if lang == "en" else "签到尚未开始"
    assert expected in page.text and 'name="name"' not in page.text
    assert ("12 Jul 2023, 12:00" if lang == "en" else "2023年7月12日 12:00") in page.text

    full = await factories.event(core, capacity=1)
    someone = await factories.person(core, unit)
    await checkin.check_in(core, code=full.code, person_id=someone.id, now=NOW, channel=Channel.WEB)
    page = await client.get(f"/e/{full.code}", headers=headers)
    expected = "This event is full" if lang == "en" else "本场活动已满员"
    assert expected in page.text and 'name="name"' not in page.text
    assert 'class="primary"' not in page.text


async def test_event_time_reads_in_each_language(
    client: httpx.AsyncClient, event: EventView
) -> None:
    zh = await client.get(f"/e/{event.code}")
    en = await client.get(f"/e/{event.code}", headers=EN)
    assert re.search(r"2023年7月12日 \d\d:\d\d–\d\d:\d\d", zh.text), "zh date style"
    assert re.search(r"12 Jul 2023, \d\d:\d\d–\d\d:\d\d", en.text), "en date style"
    assert "2023/7/12" not in zh.text


# the unit picker ------------------------------------------------------------------------


@pytest.fixture
async def bureau(core: Core) -> UnitView:
    top = await factories.unit(core, name="渠县教育局")
    await factories.unit(core, name="渠县人民医院")
    return top


@pytest.mark.parametrize("typed", ["渠县教育", "jiaoyu", "jiao yu ju", "JYJ", "qxjyj"])
async def test_unit_search_by_characters_pinyin_and_initials_chooses_a_single_hit(
    client: httpx.AsyncClient, bureau: UnitView, typed: str
) -> None:
    found = (await client.get("/units/options", params={"unit_q": typed})).json()
    assert found["chosen"] == bureau.id and found["matched"] == 1
    assert "渠县教育局" in found["found"]


async def test_unit_search_without_javascript_chooses_and_says_nothing_found(
    client: httpx.AsyncClient, event: EventView, bureau: UnitView
) -> None:
    page = await get(client, f"/e/{event.code}")
    for typed, chosen in (("jyj", True), ("zzzz", False)):
        response = await client.post(
            "/units/find",
            data={
                "back": f"/e/{event.code}",
                "name": "王小明",
                "unit_q": typed,
                "csrf": page.field("csrf"),
            },
            follow_redirects=True,
        )
        assert 'value="王小明"' in response.text
        if chosen:
            assert f'<option value="{bureau.id}" selected>' in response.text
            assert "找到：渠县教育局" in response.text
        else:
            assert "没有找到“zzzz”" in response.text and "拼音" in response.text
            assert " selected>" not in response.text
    nothing = (await client.get("/units/options", params={"unit_q": "zzzz"})).json()
    assert nothing["nothing"] is True and nothing["chosen"] is None and nothing["options"]


# /me and the personal record ------------------------------------------------------------


async def _a_year(core: Core, person_id: int, unit: UnitView, event: EventView) -> None:
    volunteer = await factories.person(core, unit, role=Role.VOLUNTEER, name="志愿者甲")
    await checkin.check_in(core, code=event.code, person_id=person_id, now=NOW, channel=Channel.WEB)
    await actions.log_trip(
        core,
        person_id=person_id,
        mode="metro",
        km=10,
        day=SEPT.date(),
        now=SEPT,
        channel=Channel.WEB,
    )
    await actions.log_canteen_check(
        core,
        person_id=person_id,
        unit_id=unit.id,
        kind="self",
        passed=True,
        day=NOW.date(),
        now=NOW,
        channel=Channel.WEB,
    )
    cheap = await rewards.save_reward(
        core, actor_id=None, name_zh="环保袋", name_en="Tote bag", price=1, stock=5, now=NOW
    )
    await rewards.save_reward(
        core, actor_id=None, name_zh="保温杯", name_en="Flask", price=500, stock=5, now=NOW
    )
    me = await people.get_person(core, person_id)
    await rewards.redeem(
        core,
        reward_id=cheap.id,
        token=me.qr_token,
        volunteer_id=volunteer.id,
        now=SEPT + timedelta(hours=1),
    )


async def test_me_shows_what_points_buy_the_units_standing_and_a_full_history(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    person_id = await _joined(client, unit, "王小明")
    await factories.unit(core, name="旁边的单位", headcount=40)  # a peer at the top level
    await _a_year(core, person_id, unit, event)
    page = await client.get("/me")
    text = page.text
    assert page.headers["cache-control"] == "no-store"
    assert "低碳日宣传活动" in text  # the history names the event
    assert "兑换奖品：环保袋" in text
    assert "食堂检查" in text  # the canteen check is in the history
    assert "保温杯" in text and re.search(r"还差\xa0?\d+", text)
    assert re.search(r"排名第 1 位，共 2 个", text), "the unit's rank among its peers"
    assert 'href="/sources"' in text


async def test_the_personal_record_has_the_figures_of_the_persons_facts(
    client: httpx.AsyncClient, core: Core, event: EventView, unit: UnitView
) -> None:
    person_id = await _joined(client, unit, "李四")
    await _a_year(core, person_id, unit, event)
    page = await client.get("/me/record?year=2023")
    text = page.text
    assert page.status_code == 200 and "李四" in text and unit.name_zh in text
    assert "2023" in text
    assert re.search(r'<td class="n"><strong>2</strong>', text), "check-in + trip day"
    assert "0.47\xa0千克" in text  # 10 km by metro at 46.7 g/km
    assert "Shenzhen" in text  # the factor's source
    assert 'href="/sources"' in text


async def test_zero_co2_is_not_shown_as_an_achievement(
    client: httpx.AsyncClient, event: EventView, unit: UnitView
) -> None:
    data = {"name": "零碳", "unit_id": str(unit.id)}
    response = await post_form(client, f"/e/{event.code}", data)
    assert response.url.path == "/done"
    assert "减少碳排放" not in response.text and "0 千克" not in response.text
    me = await client.get("/me")
    assert "0\xa0千克" not in me.text and "0 千克" not in me.text


# assets and pages -----------------------------------------------------------------------


async def test_assets_are_content_hashed_and_cached_for_a_year(
    client: httpx.AsyncClient, event: EventView
) -> None:
    page = await client.get(f"/e/{event.code}")
    assert page.headers["cache-control"] == "no-store"
    assert re.search(r'<meta name="description" content="[^"]{10,}">', page.text)
    assert re.search(r'<link rel="icon" href="/static/icon-32\.[0-9a-f]{10}\.png"', page.text)
    css = re.search(r'href="(/static/app\.[0-9a-f]{10}\.css)"', page.text)
    assert css
    hashed = await client.get(css.group(1))
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = await client.get("/static/app.css")
    assert plain.headers["cache-control"] == "no-cache" and plain.content == hashed.content
    binary = await client.get("/static/vendor/zxing_reader-3.1.3.wasm")
    assert binary.headers["content-type"] == "application/wasm"
    assert (await client.get("/favicon.ico", follow_redirects=True)).status_code == 200
