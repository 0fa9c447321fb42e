"""The coordinators' map: /map, who may read /api/map, what it shows (and never shows), and
the actions on a request's card, through the bot's own web server over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from bot.config import SettingsError, parse_settings
from bot.db.safeguarding import SafeguardingRepository
from bot.domain.distance import haversine_km
from bot.domain.models import Category, Profile, RequestDraft, Search, When
from bot.services.groupmap import Grid, cell_km
from bot.telegram.commands import publish_commands
from tests.conftest import COORDINATOR, HOME, NEAR, REQUESTER, Group
from tests.support.webapp import WEBAPP_URL, serving, tma

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
MAP = "/elm/map/api/map"

# A requester's details no byte of the map may carry: unique, so a scan can't miss them.
NAME = "Zebedee-Q7xName"
ADDRESS = "Flat 9 Marker-Q7xAddress Street"
DESCRIPTION = "Marker-Q7xDescription milk"
PHONE = "07700 900 417"
EXACT = (51.50123456789, -0.09876543211)


@pytest.fixture
async def mapped(open_group: OpenGroup) -> AsyncIterator[tuple[Group, httpx.AsyncClient]]:
    async with (
        open_group(WEBAPP_URL=WEBAPP_URL, AREA_RADIUS_KM="1") as group,
        serving(group) as (_server, client),
    ):
        await group.consent(REQUESTER, name=NAME)
        yield group, client


async def _map(client: httpx.AsyncClient, user_id: int = COORDINATOR) -> dict[str, Any]:
    response = await client.get(MAP, headers=tma(user_id))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _requests(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        f["properties"]["id"]: f for f in data["features"] if f["properties"]["kind"] == "request"
    }


def _cells(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in data["features"] if f["properties"]["kind"] == "cover"]


# --- opening it --------------------------------------------------------------------------


async def test_map_answers_with_a_button_that_opens_the_mini_app(open_group: OpenGroup) -> None:
    async with open_group(WEBAPP_URL=WEBAPP_URL) as group:
        await group.say(COORDINATOR, "/map", name="Cora")
        markup = group.telegram.last_to(COORDINATOR).params["reply_markup"]
        button = markup["inline_keyboard"][0][0]
        assert button["web_app"] == {"url": WEBAPP_URL}


async def test_map_without_webapp_url_says_kindly_it_is_not_set_up(group: Group) -> None:
    await group.say(COORDINATOR, "/map", name="Cora")
    reply = group.telegram.last_to(COORDINATOR)
    assert "isn't set up" in reply.text
    assert "README" in reply.text
    assert "reply_markup" not in reply.params


async def test_map_is_for_coordinators_only(open_group: OpenGroup) -> None:
    async with open_group(WEBAPP_URL=WEBAPP_URL) as group:
        await group.say(REQUESTER, "/map")
        reply = group.telegram.last_to(REQUESTER)
        assert "Only coordinators" in reply.text
        assert "reply_markup" not in reply.params


async def test_coordinators_menu_button_opens_the_map(open_group: OpenGroup) -> None:
    async with open_group(WEBAPP_URL=WEBAPP_URL) as group:
        await publish_commands(group.app.bot, group.app.services)
        buttons = group.telegram.calls_of("setChatMenuButton")
        assert [c.chat_id for c in buttons] == [COORDINATOR]
        menu = buttons[0].params["menu_button"]
        assert menu["type"] == "web_app"
        assert menu["web_app"] == {"url": WEBAPP_URL}
        commands = group.telegram.calls_of("setMyCommands")
        mine = [c for c in commands if '"chat_id": 100' in json.dumps(c.params.get("scope"))]
        assert any(command["command"] == "map" for command in mine[0].params["commands"])


async def test_without_webapp_url_no_menu_button_is_set(group: Group) -> None:
    await publish_commands(group.app.bot, group.app.services)
    assert group.telegram.calls_of("setChatMenuButton") == []


async def test_the_page_and_its_assets_come_from_the_bot_never_a_cdn(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    _group, client = mapped
    page = await client.get("/elm/map")
    assert page.status_code == 200
    assert "/elm/map/static/vendor/leaflet/leaflet.js" in page.text
    assert "unpkg" not in page.text
    assert "cdn" not in page.text.lower()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "https://tile.openstreetmap.org" in page.headers["Content-Security-Policy"]
    leaflet = await client.get("/elm/map/static/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200
    assert "Leaflet" in leaflet.text[:200]
    assert (await client.get("/elm/map/static/map.js")).status_code == 200
    # Elsewhere than under WEBAPP_URL's path: nothing.
    assert (await client.get("/api/map")).status_code == 404


# --- who may see it ----------------------------------------------------------------------


async def test_api_map_refuses_missing_forged_expired_and_foreign_init_data(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    assert (await client.get(MAP)).status_code == 401
    assert (await client.get(MAP, headers={"Authorization": "tma garbage"})).status_code == 401
    forged = tma(COORDINATOR)["Authorization"].replace("Cora", "Eve")
    assert (await client.get(MAP, headers={"Authorization": forged})).status_code == 401
    old = tma(COORDINATOR, auth_date=time.time() - 3700)
    assert (await client.get(MAP, headers=old)).status_code == 401
    other_bot = tma(COORDINATOR, token="654321:ANOTHER-bot")
    assert (await client.get(MAP, headers=other_bot)).status_code == 401
    bearer = {"Authorization": tma(COORDINATOR)["Authorization"].replace("tma ", "Bearer ")}
    assert (await client.get(MAP, headers=bearer)).status_code == 401
    await group.consent(REQUESTER)
    refused = await client.get(MAP, headers=tma(REQUESTER))
    assert refused.status_code == 403
    assert "features" not in refused.text
    assert (await client.get(MAP, headers=tma(COORDINATOR))).status_code == 200


async def test_a_non_coordinator_cannot_act_on_a_request(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR)
    request_id = await group.ask()
    group.telegram.clear()
    for action in ("ask-everyone", "close", "assign"):
        answer = await client.post(
            f"/elm/map/api/requests/{request_id}/{action}",
            headers=tma(REQUESTER),
            json={"volunteer_id": 301},
        )
        assert answer.status_code == 403
    choices = await client.get(
        f"/elm/map/api/requests/{request_id}/choices", headers=tma(REQUESTER)
    )
    assert choices.status_code == 403
    assert (await group.stored(request_id)).status == "open"
    assert group.telegram.calls_of("sendMessage") == []


# --- what it shows, and never shows -------------------------------------------------------


async def test_no_byte_of_the_map_carries_a_requests_personal_details(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR, name="Vera")
    await group.consent(COORDINATOR, name="Cora")
    asked = await group.ask(description=DESCRIPTION, address=ADDRESS, where=EXACT, name=NAME)
    by_phone = await group.app.services.desk.submit_on_behalf(
        COORDINATOR,
        RequestDraft(Category.ERRAND, DESCRIPTION + " 2", ADDRESS + " 2", *EXACT, When.ASAP, None),
        NAME + " 2",
        PHONE,
    )
    await group.app.services.desk.announce(by_phone)
    bodies = [(await client.get(MAP, headers=tma(COORDINATOR))).content]
    bodies.append(
        (
            await client.post(
                f"/elm/map/api/requests/{asked}/ask-everyone", headers=tma(COORDINATOR)
            )
        ).content
    )
    bodies.append((await client.get(MAP, headers=tma(COORDINATOR))).content)
    bodies.append(
        (
            await client.post(
                f"/elm/map/api/requests/{by_phone.id}/assign",
                headers=tma(COORDINATOR),
                json={"volunteer_id": 301},
            )
        ).content
    )
    bodies.append((await client.get(MAP, headers=tma(COORDINATOR))).content)
    lat, lon = EXACT
    forbidden = [
        NAME,
        "Zebedee",
        "Q7x",
        ADDRESS,
        "Marker",
        DESCRIPTION,
        PHONE,
        PHONE.replace(" ", ""),
        "900 417",
        "900417",
        # The exact place to six decimals (10 cm), cut or rounded: the map says five at most.
        "51.501234",
        "51.501235",
        "-0.098765",
        str(lat),
        str(lon),
    ]
    for body in bodies:
        text = body.decode()
        assert [word for word in forbidden if word in text] == []
    data = json.loads(bodies[0])
    shown = _requests(data)
    assert set(shown) == {asked, by_phone.id}
    for feature in shown.values():
        shown_lon, shown_lat = feature["geometry"]["coordinates"]
        # Snapped to the centre of a ~200 m square: near, never the place itself.
        assert 0.001 < haversine_km(lat, lon, shown_lat, shown_lon) < 0.15
        assert set(feature["properties"]) <= {
            "kind",
            "id",
            "category",
            "status",
            "age_s",
            "overdue",
            "waves",
            "asked",
            "texts",
        }


async def test_cover_counts_who_matching_would_ask_for_a_known_layout(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    """Paused and pending volunteers count nowhere; prescriptions (CHECKED_CATEGORIES) only
    from checked volunteers; a phone call from anywhere. And every cell's counts are what
    the radius search of matching itself finds there."""
    group, client = mapped
    services, storage = group.app.services, group.app.storage
    now = services.clock()
    centre = HOME  # the area's centre (tests.conftest.AREA)
    await group.enrol(301, centre, radius_km=0.3, categories=("groceries",))
    await group.enrol(302, centre, radius_km=5, categories=("groceries", "dog_walking"))
    await storage.volunteers.set_paused(302, True, now)
    # Signed up, never approved.
    await storage.users.record_consent(303, "Pat", "en", 2, now)
    await storage.volunteers.save_profile(Profile(303, *centre, 5, [Category.GROCERIES]), now)
    await group.enrol(304, centre, radius_km=5, categories=("prescription",))  # not checked
    await group.enrol(305, centre, radius_km=0.6, categories=("prescription", "errand"))
    await SafeguardingRepository(storage.db).set_checked(305, True, COORDINATOR, now)
    await group.enrol(306, (51.6, -0.3), radius_km=0.5, categories=("phone_call",))

    data = await _map(client)
    cells = _cells(data)
    area = services.settings.area
    assert area is not None
    grid = Grid(area.lat, area.lon, cell_km(area))
    middle = [c for c in cells if _contains(c, centre)]
    assert len(middle) == 1
    counts = middle[0]["properties"]
    assert counts["volunteers"] == 2  # 301 and 305; 304 may be asked for nothing
    assert counts["by_category"] == {
        "groceries": 1,
        "prescription": 1,
        "dog_walking": 0,
        "phone_call": 1,
        "errand": 1,
        "other": 0,
    }
    assert counts["gap"] is False
    gaps = [c for c in cells if c["properties"]["gap"]]
    assert gaps, "the edge of a 1 km area is beyond everyone's radius"
    for cell in gaps:
        assert cell["properties"]["by_category"]["phone_call"] == 1
        assert cell["properties"]["by_category"]["groceries"] == 0
    summary = data["summary"]
    assert summary["cells"] == len(cells)
    assert summary["gaps"]["any"] == len(gaps)
    assert summary["gaps"]["dog_walking"] == len(cells)
    assert summary["gaps"]["phone_call"] == 0

    for cell in cells:
        lon, lat = _centre(cell)
        for category in Category:
            candidates = await storage.volunteers.candidates(
                Search(
                    request_id=0,
                    round=1,
                    lat=lat,
                    lon=lon,
                    category=category,
                    exclude=set(),
                    needs_check=category in services.settings.checked_categories,
                    any_distance=category is Category.PHONE_CALL,
                    recent_since=0,
                )
            )
            assert cell["properties"]["by_category"][category.value] == len(candidates), (
                cell,
                category,
            )
    assert grid.size_km == pytest.approx(0.25)


def _centre(cell: dict[str, Any]) -> tuple[float, float]:
    ring = cell["geometry"]["coordinates"][0]
    return (ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2


def _contains(cell: dict[str, Any], where: tuple[float, float]) -> bool:
    ring = cell["geometry"]["coordinates"][0]
    lat, lon = where
    return ring[0][1] <= lat < ring[2][1] and ring[0][0] <= lon < ring[2][0]


async def test_requests_move_from_open_to_claimed_on_the_map_as_in_chat(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR, name="Vera")
    request_id = await group.ask()
    shown = _requests(await _map(client))[request_id]["properties"]
    assert (shown["status"], shown["asked"], shown["waves"]) == ("open", 1, 1)
    assert (await _map(client))["summary"]["counts"]["open"] == 1
    assert (await _map(client))["summary"]["oldest_open"]["id"] == request_id

    await group.press(301, f"v1:accept:{request_id}", name="Vera")
    data = await _map(client)
    assert _requests(data)[request_id]["properties"]["status"] == "claimed"
    assert data["summary"]["counts"] == {"open": 0, "claimed": 1, "overdue": 0}
    assert data["summary"]["oldest_open"] is None

    await group.press(301, f"v1:release:{request_id}:yes", name="Vera")
    assert _requests(await _map(client))[request_id]["properties"]["status"] == "open"
    await group.app.services.desk.close_stuck(request_id, COORDINATOR)
    assert request_id not in _requests(await _map(client))


# --- acting from the card ------------------------------------------------------------------


async def test_ask_every_eligible_volunteer_from_the_map_pings_them(
    open_group: OpenGroup,
) -> None:
    async with (
        open_group(WEBAPP_URL=WEBAPP_URL, AREA_RADIUS_KM="1", WAVE_SIZE="1") as group,
        serving(group) as (_server, client),
    ):
        for user_id in (301, 302, 303):
            await group.enrol(user_id, NEAR)
        await group.consent(REQUESTER)
        request_id = await group.ask()
        assert len(group.pinged(request_id)) == 1
        answer = await client.post(
            f"/elm/map/api/requests/{request_id}/ask-everyone", headers=tma(COORDINATOR)
        )
        assert answer.status_code == 200
        assert answer.json() == {"ok": True, "message": "Asked 2 more volunteers.", "sent": 2}
        assert sorted(group.pinged(request_id)) == [301, 302, 303]
        again = await client.post(
            f"/elm/map/api/requests/{request_id}/ask-everyone", headers=tma(COORDINATOR)
        )
        assert again.json()["ok"] is False
        assert "nobody else" in again.json()["message"]


async def test_hand_a_request_to_a_volunteer_from_the_map(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR, name="Vera")
    request_id = await group.ask(address="4 Privet Drive")
    choices = await client.get(
        f"/elm/map/api/requests/{request_id}/choices", headers=tma(COORDINATOR)
    )
    assert [c["volunteer_id"] for c in choices.json()["choices"]] == [301]
    assert "Vera" in choices.json()["choices"][0]["label"]
    group.telegram.clear()
    answer = await client.post(
        f"/elm/map/api/requests/{request_id}/assign",
        headers=tma(COORDINATOR),
        json={"volunteer_id": 301},
    )
    assert answer.json() == {"ok": True, "message": "Handed over."}
    stored = await group.stored(request_id)
    assert (stored.status, stored.volunteer_id) == ("claimed", 301)
    details = [c for c in group.telegram.sent_to(301) if "4 Privet Drive" in c.text]
    assert details
    assert details[0].params.get("protect_content") is True
    bad = await client.post(
        f"/elm/map/api/requests/{request_id}/assign",
        headers=tma(COORDINATOR),
        json={"volunteer_id": "nobody"},
    )
    assert bad.status_code == 400


async def test_handing_a_request_to_a_held_volunteer_says_to_lift_the_hold_first(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR, name="Vera")
    request_id = await group.ask(address="4 Privet Drive")
    # Held after the coordinator opened the list of choices.
    assert await group.app.services.roster.hold(301, COORDINATOR, "a word first") is not None

    answer = await client.post(
        f"/elm/map/api/requests/{request_id}/assign",
        headers=tma(COORDINATOR),
        json={"volunteer_id": 301},
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "ok": False,
        "message": "That volunteer is on hold: lift the hold on their card first.",
    }
    assert (await group.stored(request_id)).status == "open"


async def test_close_a_request_from_the_map_tells_the_requester(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.enrol(301, NEAR)
    request_id = await group.ask()
    group.telegram.clear()
    answer = await client.post(
        f"/elm/map/api/requests/{request_id}/close", headers=tma(COORDINATOR)
    )
    assert answer.json() == {"ok": True, "message": "Closed."}
    assert (await group.stored(request_id)).status == "cancelled"
    assert group.telegram.texts_to(REQUESTER)
    again = await client.post(
        f"/elm/map/api/requests/{request_id}/close", headers=tma(COORDINATOR)
    )
    assert again.status_code == 409
    assert again.json()["message"] == "That request is already closed."


async def test_the_map_speaks_the_coordinators_language(
    mapped: tuple[Group, httpx.AsyncClient],
) -> None:
    group, client = mapped
    await group.consent(COORDINATOR, name="Cora", language="pl")
    polish = (await client.get(MAP, headers=tma(COORDINATOR, language="pl"))).json()
    assert polish["texts"]["statuses"]["open"] != "looking for a volunteer"
    page = await client.get("/elm/map")
    assert "looking for a volunteer" in page.text  # before anyone is known: the default


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"WEBAPP_URL": "http://example.org/map"}, "WEBAPP_URL"),
        ({"WEBAPP_URL": "example.org/map"}, "WEBAPP_URL"),
        ({"WEBAPP_PORT": "0"}, "WEBAPP_PORT"),
        ({"WEBAPP_PORT": "70000"}, "WEBAPP_PORT"),
        ({"MAP_TILE_URL": "https://tiles.example.org/tile.png"}, "MAP_TILE_URL"),
        (
            {
                "WEBAPP_URL": WEBAPP_URL,
                "WEBHOOK_URL": "https://example.org/hook",
                "WEBAPP_PORT": "8443",
            },
            "WEBAPP_PORT",
        ),
    ],
)
def test_a_bad_map_setting_stops_start_up_naming_it(values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        parse_settings({"BOT_TOKEN": "123456:TEST-token", **values})


def test_map_settings_defaults() -> None:
    settings = parse_settings({"BOT_TOKEN": "123456:TEST-token"})
    assert settings.webapp_url is None
    assert (settings.webapp_listen, settings.webapp_port) == ("127.0.0.1", 8081)
    assert settings.map_tile_url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    root = parse_settings({"BOT_TOKEN": "123456:TEST-token", "WEBAPP_URL": "https://e.org/"})
    assert root.webapp_url == "https://e.org"


async def test_the_map_starts_and_stops_with_the_bot(tmp_path: Any) -> None:
    """post_init (what run_polling and run_webhook call) starts the map's server on
    WEBAPP_LISTEN:WEBAPP_PORT; shutting the application down stops it."""
    import socket

    from bot.telegram.app import build_application
    from tests.conftest import make_settings
    from tests.support.telegram import FakeTelegram

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(tmp_path, WEBAPP_URL=WEBAPP_URL, WEBAPP_PORT=str(port))
    app = build_application(settings, request=FakeTelegram())
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{port}/elm/map/")
            assert page.status_code == 200
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/elm/map/")
