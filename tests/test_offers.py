"""Offers: a neighbour offers a shop run, spare things, a lift or a meal; members nearby who
asked to hear of offers get a notice (a few a day at most, no exact place, no name); the
first takers, one unit each, get it, however many press at once; the offerer hears each
taker's first name and the two talk through the bot. It closes early, ends by itself,
and is erased with the rest of a person's data."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.offers import OfferStatus
from bot.services.offers import EXPIRE
from bot.telegram.app import build_application
from bot.telegram.handlers.common import NOTICE_VERSION
from tests.conftest import (
    COORDINATOR,
    FAR,
    HOME,
    MIDDLE,
    NEAR,
    Group,
    group_with_clock,
    make_settings,
)
from tests.support.telegram import Call, FakeTelegram
from tests.test_groupchat import CHAT, press_in_group, say_in_group
from tests.test_safeguarding import _database_bytes

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
OFFERER = 400
SOUP = "A big pan of leek soup, bring a bowl"
# Someone who opted in and shared where they are (not a volunteer).
ANNA = 401
# Far away, opted in: out of OFFER_RADIUS_KM.
FRED = 402
# Near, never opted in.
NINA = 403
# A volunteer who opts in from /volunteer: heard of near where they volunteer from.
VERA = 301
LONDON = ZoneInfo("Europe/London")


async def post_offer(
    group: Group,
    user_id: int = OFFERER,
    units: str = "3",
    kind: str = "meal",
    description: str = SOUP,
    where: tuple[float, float] = HOME,
    until: str = "23:59",
    name: str = "Olive",
) -> int:
    """The whole /offer conversation; returns the new offer's id."""
    await group.say(user_id, "/offer", name=name)
    await group.press(user_id, f"v1:offerkind:{kind}", name=name)
    await group.say(user_id, description, name=name)
    await group.say(user_id, units, name=name)
    await group.say(user_id, until, name=name)
    await group.share(user_id, *where, name=name)
    assert "v1:offerpost:yes" in group.telegram.last_to(user_id).buttons
    await group.press(user_id, "v1:offerpost:yes", name=name)
    posted = group.telegram.last_to(user_id).text
    match = re.search(r"offer #(\d+)", posted)
    assert match, posted
    return int(match.group(1))


async def listen(group: Group, user_id: int, where: tuple[float, float], name: str) -> None:
    """Agree, press "tell me about offers nearby" in /start's menu, share where."""
    await group.consent(user_id, name=name)
    await group.say(user_id, "/start", name=name)
    assert "v1:offernews:on" in group.telegram.last_to(user_id).buttons
    await group.press(user_id, "v1:offernews:on", name=name)
    await group.share(user_id, *where, name=name)
    assert "I'll tell you about offers" in group.telegram.last_to(user_id).text


def notices_of(group: Group, offer_id: int) -> list[Call]:
    wanted = f"v1:take:{offer_id}"
    return [c for c in group.telegram.calls_of("sendMessage") if wanted in c.buttons]


def edits_of(group: Group, call: Call) -> list[Call]:
    """The edits of the message `call` sent, oldest first."""
    return [
        c
        for c in group.telegram.calls_of("editMessageText")
        if c.chat_id == call.chat_id and c.params.get("message_id") == call.message_id
    ]


async def _stored(group: Group, offer_id: int) -> Any:
    offer = await group.app.services.offers.get(offer_id)
    assert offer is not None
    return offer


# --- the conversation ------------------------------------------------------------------------


async def test_garbage_gets_a_friendly_ask_again_and_cancel_leaves(group: Group) -> None:
    await group.consent(OFFERER, name="Olive")
    await group.say(OFFERER, "/offer", name="Olive")
    await group.say(OFFERER, "soup", name="Olive")  # a button was wanted
    assert "v1:offerkind:meal" in group.telegram.last_to(OFFERER).buttons
    await group.press(OFFERER, "v1:offerkind:meal", name="Olive")
    await group.say(OFFERER, "x" * 201, name="Olive")
    assert "under 200" in group.telegram.last_to(OFFERER).text
    await group.say(OFFERER, "Soup <b>& bread</b>", name="Olive")
    for garbage in ("lots", "0", "25"):
        await group.say(OFFERER, garbage, name="Olive")
        assert "from 1 to 20" in group.telegram.last_to(OFFERER).text
    await group.press(OFFERER, "v1:offerunits:2", name="Olive")
    await group.say(OFFERER, "whenever suits", name="Olive")
    assert "couldn't read" in group.telegram.last_to(OFFERER).text
    await group.say(OFFERER, "23:59", name="Olive")
    await group.say(OFFERER, "at my house", name="Olive")  # no geocoder: the button
    assert "Share my location" in group.telegram.last_to(OFFERER).text
    await group.share(OFFERER, *HOME, name="Olive")
    summary = group.telegram.last_to(OFFERER).text
    assert "Soup &lt;b&gt;&amp; bread&lt;/b&gt;" in summary
    await group.say(OFFERER, "/cancel", name="Olive")
    assert "stopped" in group.telegram.last_to(OFFERER).text
    assert await group.app.services.offers.mine(OFFERER) == []


# --- who hears of it -------------------------------------------------------------------------


async def test_notices_go_to_those_who_asked_within_the_radius_without_place_or_name(
    group: Group,
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await listen(group, ANNA, NEAR, "Anna")
    await listen(group, FRED, FAR, "Fred")
    await group.consent(NINA, name="Nina")
    # A volunteer opts in after /volunteer: near where they volunteer from, no place asked.
    await group.volunteer(VERA, MIDDLE, name="Vera")
    assert any("v1:offernews:on" in c.buttons for c in group.telegram.sent_to(VERA))
    await group.press(VERA, "v1:offernews:on", name="Vera")
    assert "I'll tell you about offers" in group.telegram.last_to(VERA).text
    # The offerer listens too, and is not told of their own offer.
    await listen(group, OFFERER, HOME, "Olive")
    group.telegram.clear()

    offer_id = await post_offer(group)
    notices = notices_of(group, offer_id)
    assert sorted(c.chat_id for c in notices) == [VERA, ANNA]
    assert "2 neighbours nearby have been told" in group.telegram.last_to(OFFERER).text
    for notice in notices:
        assert "leek soup" in notice.text
        assert "3 of 3 left" in notice.text
        assert "away" in notice.text  # roughly how far
        for secret in ("Olive", "51.5", "-0.1"):
            assert secret not in notice.text
        assert notice.buttons == [f"v1:take:{offer_id}"]
    assert group.telegram.calls_of("sendLocation") == []
    assert "less than" in next(c for c in notices if c.chat_id == ANNA).text

    # Turning it off stops them.
    await group.press(ANNA, "v1:offernews:off", name="Anna")
    group.telegram.clear()
    second = await post_offer(group, description="Two spare duvets", kind="spare")
    assert [c.chat_id for c in notices_of(group, second)] == [VERA]


async def test_at_most_so_many_notices_a_day(open_group: OpenGroup) -> None:
    async with open_group(MAX_OFFER_NOTICES_PER_DAY="2") as group:
        await listen(group, ANNA, NEAR, "Anna")
        await group.consent(OFFERER, name="Olive")
        ids = [await post_offer(group, description=f"Spare jam jars, lot {n}") for n in range(3)]
        told = [offer_id for offer_id in ids if notices_of(group, offer_id)]
        assert told == ids[:2]
        # /offers still lists all three, nearest first, each with its button.
        await group.say(ANNA, "/offers", name="Anna")
        listed = group.telegram.last_to(ANNA)
        assert sorted(listed.buttons) == sorted(f"v1:take:{i}" for i in ids)


async def test_offers_asks_where_first_and_lists_nearest_first(group: Group) -> None:
    await group.consent(OFFERER, name="Olive")
    near = await post_offer(group, description="Soup at the corner", where=NEAR)
    middle = await post_offer(group, description="Bread by the park", where=MIDDLE)
    far = await post_offer(group, description="Lift from the far end", where=FAR, kind="lift")
    await group.consent(NINA, name="Nina")
    await group.say(NINA, "/offers", name="Nina")
    assert "share your location" in group.telegram.last_to(NINA).text
    await group.share(NINA, *HOME, name="Nina")
    listed = group.telegram.last_to(NINA)
    assert listed.buttons == [f"v1:take:{near}", f"v1:take:{middle}"]
    assert listed.text.index("corner") < listed.text.index("park")
    assert f"#{far}" not in listed.text
    assert "Olive" not in listed.text
    # Nothing was kept of where Nina is.
    assert await group.app.services.offers.place_of(NINA) is None


# --- taking ----------------------------------------------------------------------------------


async def test_fifty_press_at_once_for_three_and_exactly_three_get_it(group: Group) -> None:
    await group.consent(OFFERER, name="Olive")
    offer_id = await post_offer(group, units="3")
    takers = list(range(2001, 2051))
    services, storage = group.app.services, group.app.storage
    for taker in takers:
        await storage.users.record_consent(
            taker, f"T{taker}", "en", NOTICE_VERSION, services.clock()
        )
        await services.offers.listen(taker, NEAR)
    # Some of them got a notice of an offer posted now, to see those edited.
    second = await post_offer(group, units="3", description="More soup, second pan")
    notices = notices_of(group, second)
    assert len(notices) == len(takers)
    group.telegram.clear()

    presses = [
        group.people.press(taker, f"v1:take:{second}", name=f"T{taker}") for taker in takers
    ]
    await asyncio.gather(*(group.app.process_update(p) for p in presses))

    answers = group.telegram.answers()
    counted = Counter(str(a.params.get("callback_query_id")) for a in answers)
    for press in presses:
        assert press.callback_query is not None
        assert counted[press.callback_query.id] == 1
    told = [str(a.params.get("text")) for a in answers]
    assert sum("It's yours" in t for t in told) == 3
    assert sum("has all gone" in t for t in told) == 47
    offer = await _stored(group, second)
    assert (offer.taken, offer.status) == (3, OfferStatus.GONE)
    takes = await services.offers.repository.takes_of(second)
    winners = sorted(take.taker_id for take in takes)
    assert len(winners) == 3
    # The offerer hears each taker's first name; each winner gets a way to write.
    to_offerer = [c for c in group.telegram.sent_to(OFFERER) if "would like one" in c.text]
    assert sorted(re.findall(r"T(\d+)", " ".join(c.text for c in to_offerer))) == [
        str(w) for w in winners
    ]
    for winner in winners:
        got = [c for c in group.telegram.sent_to(winner) if "You've got one" in c.text]
        assert len(got) == 1
        assert got[0].params.get("protect_content") is True
        assert got[0].buttons[0].startswith("v1:talk:take:")
    # None left: every notice says so, and has no button any more.
    for notice in notices:
        assert any("all been taken" in e.text for e in edits_of(group, notice)), notice.chat_id
    # The first offer was untouched.
    assert (await _stored(group, offer_id)).taken == 0


async def test_a_taker_and_the_offerer_talk_through_the_bot(group: Group) -> None:
    await group.consent(OFFERER, name="Olive")
    offer_id = await post_offer(group, units="2")
    await group.consent(ANNA, name="Anna")
    await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
    assert "It's yours" in str(group.telegram.answers()[-1].params.get("text"))
    await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
    assert "already got one" in str(group.telegram.answers()[-1].params.get("text"))
    await group.press(OFFERER, f"v1:take:{offer_id}", name="Olive")
    assert "your own offer" in str(group.telegram.answers()[-1].params.get("text"))
    news = group.telegram.last_to(OFFERER)
    assert "Anna" in news.text
    assert "1 of 2 left" in news.text
    talk = news.buttons[0]
    assert talk.startswith("v1:talk:take:")

    await group.press(OFFERER, talk, name="Olive")
    await group.say(OFFERER, "Come by at 6, flat 3", name="Olive")
    # The writer is told it went, with the button to write again.
    told = group.telegram.last_to(OFFERER)
    assert "Sent to Anna" in told.text
    assert told.buttons == [talk]
    relayed = group.telegram.last_to(ANNA)
    assert "Olive" in relayed.text
    assert "Come by at 6, flat 3" in relayed.text
    assert relayed.params.get("protect_content") is True
    await group.press(ANNA, relayed.buttons[0], name="Anna")
    await group.say(ANNA, "Lovely, thank you", name="Anna")
    assert "Lovely, thank you" in group.telegram.last_to(OFFERER).text
    # Someone else can't write on their line.
    await group.consent(NINA, name="Nina")
    await group.press(NINA, talk, name="Nina")
    assert "isn't yours" in str(group.telegram.answers()[-1].params.get("text"))

    await group.say(OFFERER, "/myoffers", name="Olive")
    mine = group.telegram.last_to(OFFERER)
    assert "1 of 2 taken, by Anna" in mine.text
    assert f"v1:offerclose:{offer_id}" in mine.buttons


# --- the group chat --------------------------------------------------------------------------


async def test_the_group_chat_gets_it_without_names_and_can_take_it(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await say_in_group(group, COORDINATOR, "/linkgroup")
    await group.consent(OFFERER, name="Olive")
    offer_id = await post_offer(group, units="1")
    posts = [c for c in group.telegram.sent_to(CHAT) if f"v1:take:{offer_id}" in c.buttons]
    assert len(posts) == 1
    post = posts[0]
    assert "leek soup" in post.text
    assert "near the middle of our area" in post.text
    for secret in ("Olive", "51.5", "km away", "mile"):
        assert secret not in post.text
    # Someone the bot doesn't know: asked to start a chat first; nothing taken.
    stranger = await press_in_group(group, 777, f"v1:take:{offer_id}", post.message_id or 0)
    assert "open a chat with me" in str(stranger.params.get("text"))
    assert (await _stored(group, offer_id)).taken == 0
    await group.consent(ANNA, name="Anna")
    taken = await press_in_group(group, ANNA, f"v1:take:{offer_id}", post.message_id or 0)
    assert "It's yours" in str(taken.params.get("text"))
    assert any("all been taken" in e.text for e in edits_of(group, post))


# --- ending ----------------------------------------------------------------------------------


async def test_the_offerer_closes_it_early_after_being_asked(group: Group) -> None:
    await listen(group, ANNA, NEAR, "Anna")
    await group.consent(OFFERER, name="Olive")
    offer_id = await post_offer(group)
    notice = notices_of(group, offer_id)[0]
    await group.press(ANNA, f"v1:offerclose:{offer_id}:yes", name="Anna")
    assert "isn't one of your offers" in str(group.telegram.answers()[-1].params.get("text"))
    # The confirmation that it is up carries the button.
    posted = [c for c in group.telegram.sent_to(OFFERER) if f"offer #{offer_id} is up" in c.text]
    assert posted[0].buttons == [f"v1:offerclose:{offer_id}"]
    await group.press(OFFERER, f"v1:offerclose:{offer_id}", name="Olive")
    assert group.telegram.last_to(OFFERER).buttons == [
        f"v1:offerclose:{offer_id}:yes",
        f"v1:offerclose:{offer_id}:no",
    ]
    await group.press(OFFERER, f"v1:offerclose:{offer_id}:no", name="Olive")
    assert (await _stored(group, offer_id)).status is OfferStatus.OPEN
    await group.press(OFFERER, f"v1:offerclose:{offer_id}:yes", name="Olive")
    assert (await _stored(group, offer_id)).status is OfferStatus.CLOSED
    assert any("has been closed" in e.text for e in edits_of(group, notice))
    await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
    assert "has all gone" in str(group.telegram.answers()[-1].params.get("text"))


async def test_each_notice_says_how_many_are_left_after_a_take(group: Group) -> None:
    await listen(group, ANNA, NEAR, "Anna")
    await listen(group, FRED, MIDDLE, "Fred")
    await group.consent(OFFERER, name="Olive")
    offer_id = await post_offer(group)
    fred = next(c for c in notices_of(group, offer_id) if c.chat_id == FRED)
    await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
    edits = edits_of(group, fred)
    assert len(edits) == 1
    assert "2 of 3 left" in edits[0].text
    assert "away" in edits[0].text
    assert edits[0].buttons == [f"v1:take:{offer_id}"]  # still takeable
    # A take refused (Anna again) edits nothing; the next take edits it again.
    await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
    assert len(edits_of(group, fred)) == 1
    await group.consent(NINA, name="Nina")
    await group.press(NINA, f"v1:take:{offer_id}", name="Nina")
    assert "It's yours" in str(group.telegram.answers()[-1].params.get("text"))
    edits = edits_of(group, fred)
    assert len(edits) == 2
    assert "1 of 3 left" in edits[1].text
    assert edits[1].buttons == [f"v1:take:{offer_id}"]


async def test_it_ends_by_itself_also_after_a_restart(tmp_path: Path) -> None:
    clock = [datetime(2026, 6, 1, 10, 0, tzinfo=LONDON).timestamp()]
    settings = make_settings(tmp_path)
    telegram = FakeTelegram()
    app = build_application(settings, request=telegram, clock=lambda: clock[0])
    async with app:
        group = Group(app, telegram)
        await listen(group, ANNA, NEAR, "Anna")
        await group.consent(OFFERER, name="Olive")
        offer_id = await post_offer(group, until="18:00")
        notice = notices_of(group, offer_id)[0]
        assert await group.reminders(EXPIRE) != []
    # The bot is down when it falls due.
    clock[0] = datetime(2026, 6, 1, 19, 0, tzinfo=LONDON).timestamp()
    telegram = FakeTelegram()
    app = build_application(settings, request=telegram, clock=lambda: clock[0])
    async with app:
        group = Group(app, telegram)
        assert await app.services.reminders.fire_due() >= 1
        assert (await _stored(group, offer_id)).status is OfferStatus.EXPIRED
        edits = [c for c in telegram.calls_of("editMessageText") if c.chat_id == ANNA]
        assert [c.params.get("message_id") for c in edits] == [notice.message_id]
        assert "has ended" in edits[0].text
        assert "has ended" in telegram.last_to(OFFERER).text
        assert "Nobody took it" in telegram.last_to(OFFERER).text


async def test_a_notice_at_night_arrives_without_a_sound(tmp_path: Path) -> None:
    """Quiet hours: the group's default for Anna; Vera chose none of her own, so her
    phone may ring. By day everyone's does."""
    clock = [datetime(2026, 6, 1, 22, 30, tzinfo=LONDON).timestamp()]
    async with group_with_clock(tmp_path, clock, QUIET_HOURS="21:00-08:00") as group:
        await listen(group, ANNA, NEAR, "Anna")
        await group.volunteer(VERA, MIDDLE, name="Vera")
        await group.press(VERA, "v1:quiet:off", name="Vera")
        await group.press(VERA, "v1:offernews:on", name="Vera")
        await group.consent(OFFERER, name="Olive")
        night = await post_offer(group, until="23:59")
        notices = notices_of(group, night)
        assert {c.chat_id: c.params.get("disable_notification") for c in notices} == {
            ANNA: True,
            VERA: None,
        }
        clock[0] = datetime(2026, 6, 2, 10, 0, tzinfo=LONDON).timestamp()
        day = await post_offer(group, kind="lift", description="Into town at noon")
        loud = [c.params.get("disable_notification") for c in notices_of(group, day)]
        assert loud == [None, None]


# --- privacy ---------------------------------------------------------------------------------


async def test_forgetme_erases_offers_takes_notices_and_lines(group: Group) -> None:
    await listen(group, ANNA, NEAR, "Anna")
    await group.consent(OFFERER, name="Olive")
    secret = "Kumquat chutney from the allotment"
    offer_id = await post_offer(group, description=secret)
    notice = notices_of(group, offer_id)[0]
    await group.consent(NINA, name="Nina")
    await group.press(NINA, f"v1:take:{offer_id}", name="Nina")
    talk = group.telegram.last_to(OFFERER).buttons[0]
    await group.press(OFFERER, talk, name="Olive")
    await group.say(OFFERER, "Ring the blue door", name="Olive")
    # Anna, the listener who took nothing, is erased first: her listening goes.
    await group.say(ANNA, "/forgetme", name="Anna")
    await group.press(ANNA, "v1:forget:yes", name="Anna")
    assert not await group.app.services.offers.listening(ANNA)

    await group.say(OFFERER, "/forgetme", name="Olive")
    await group.press(OFFERER, "v1:forget:yes", name="Olive")
    offer = await _stored(group, offer_id)
    assert (offer.offerer_id, offer.description, offer.status) == (None, "", OfferStatus.CLOSED)
    assert (offer.lat, offer.lon) == (0.0, 0.0)
    found = _database_bytes(group)
    for private in (b"Kumquat", b"blue door"):
        assert private not in found
    # Nina's take stays hers (she wasn't erased), and the line is closed.
    await group.press(NINA, talk, name="Nina")
    assert "ended" in str(group.telegram.answers()[-1].params.get("text"))

    await group.say(NINA, "/forgetme", name="Nina")
    await group.press(NINA, "v1:forget:yes", name="Nina")
    takes = await group.app.services.offers.repository.takes_of(offer_id)
    assert [t.taker_id for t in takes] == [None]
    rows = await group.app.storage.db.fetchall("SELECT * FROM offer_notices")
    assert [tuple(r) for r in rows] == []
    assert notice.chat_id == ANNA


async def test_the_retention_purge_blanks_ended_offers(tmp_path: Path) -> None:
    clock = [datetime(2026, 6, 1, 10, 0, tzinfo=LONDON).timestamp()]
    telegram = FakeTelegram()
    app = build_application(make_settings(tmp_path), request=telegram, clock=lambda: clock[0])
    async with app:
        group = Group(app, telegram)
        await group.consent(OFFERER, name="Olive")
        offer_id = await post_offer(group, description="Kumquat chutney", until="18:00")
        await group.consent(ANNA, name="Anna")
        await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
        clock[0] += 86400
        await app.services.reminders.fire_due()
        await app.services.privacy.purge()
        assert (await _stored(group, offer_id)).description == "Kumquat chutney"  # not yet
        clock[0] += 91 * 86400
        await app.services.privacy.purge()
        offer = await _stored(group, offer_id)
        assert (offer.description, offer.lat) == ("", 0.0)
        takes = await app.services.offers.repository.takes_of(offer_id)
        assert [t.taker_id for t in takes] == [None]
        assert b"Kumquat" not in _database_bytes(group)


async def test_start_shows_the_toggle_as_it_stands(group: Group) -> None:
    await listen(group, ANNA, NEAR, "Anna")
    await group.say(ANNA, "/start", name="Anna")
    assert group.telegram.last_to(ANNA).buttons == [
        "v1:role:need",
        "v1:role:offer",
        "v1:offernews:off",
    ]
    await group.press(ANNA, "v1:offernews:off", name="Anna")
    assert not await group.app.services.offers.listening(ANNA)
    await group.say(ANNA, "/start", name="Anna")
    assert "v1:offernews:on" in group.telegram.last_to(ANNA).buttons


async def test_the_line_closes_a_day_after_the_offers_time(tmp_path: Path) -> None:
    clock = [datetime(2026, 6, 1, 10, 0, tzinfo=LONDON).timestamp()]
    telegram = FakeTelegram()
    app = build_application(make_settings(tmp_path), request=telegram, clock=lambda: clock[0])
    async with app:
        group = Group(app, telegram)
        await group.consent(OFFERER, name="Olive")
        offer_id = await post_offer(group, until="18:00")
        await group.consent(ANNA, name="Anna")
        await group.press(ANNA, f"v1:take:{offer_id}", name="Anna")
        talk = telegram.last_to(ANNA).buttons[0]
        # The evening after: still open, to hand over what was agreed.
        clock[0] = datetime(2026, 6, 1, 21, 0, tzinfo=LONDON).timestamp()
        await group.press(ANNA, talk, name="Anna")
        await group.say(ANNA, "Sorry, running late!", name="Anna")
        assert "running late" in telegram.last_to(OFFERER).text
        clock[0] = datetime(2026, 6, 2, 19, 0, tzinfo=LONDON).timestamp()
        await group.press(ANNA, talk, name="Anna")
        assert "has ended" in str(telegram.answers()[-1].params.get("text"))
