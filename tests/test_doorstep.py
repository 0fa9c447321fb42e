"""Safe on the doorstep (lone working), "they didn't come", first tasks and the signals on
a volunteer's card: each rule through the real application, with the clock moved on so
the stored reminders fall due as the scheduler would make them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.telegram.texts import format_time
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, group_with_clock
from tests.support.telegram import Call

START = 1_700_000_000.0
CHECKOUT_S = 5400
ALERT_S = 900
ALICE = 301
BOB = 302


@asynccontextmanager
async def _neighbourhood(
    tmp_path: Path, clock: list[float], **settings: str
) -> AsyncIterator[Group]:
    async with group_with_clock(tmp_path, clock, **settings) as group:
        await group.consent(COORDINATOR, name="Cora")
        await group.consent(REQUESTER, name="Rita")
        await group.volunteer(ALICE, NEAR, name="Alice")
        await group.volunteer(BOB, NEAR, name="Bob")
        yield group


async def _taken(group: Group, volunteer: int = ALICE) -> int:
    request_id = await group.ask()
    await group.press(volunteer, f"v1:accept:{request_id}", name="Alice")
    return request_id


async def _tick(group: Group, clock: list[float], seconds: float) -> int:
    """Move the clock on and let the alarm ring: everything due fires. Returns how many
    of the doorstep's own reminders fired (the request's other reminders fire too)."""
    before = len(await group.reminders("checkout", "fired"))
    before += len(await group.reminders("safety_alert", "fired"))
    clock[0] += seconds
    await group.app.services.reminders.fire_due()
    after = len(await group.reminders("checkout", "fired"))
    return after + len(await group.reminders("safety_alert", "fired")) - before


def _answer(group: Group) -> str:
    return str(group.telegram.answers()[-1].params.get("text") or "")


def _markups(group: Group, chat_id: int) -> list[Call]:
    return [c for c in group.telegram.calls_of("editMessageReplyMarkup") if c.chat_id == chat_id]


def _alerts(group: Group, needle: str) -> list[str]:
    return [t for t in group.telegram.texts_to(COORDINATOR) if needle in t]


async def test_the_task_and_its_details_offer_i_have_arrived(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await group.ask()
        group.telegram.clear()
        await group.press(ALICE, f"v1:accept:{request_id}", name="Alice")
        card = group.telegram.calls_of("editMessageText")[-1]
        assert card.buttons[0] == f"v1:arrived:{request_id}"
        details = next(c for c in group.telegram.sent_to(ALICE) if "Acacia" in c.text)
        assert details.params.get("protect_content") is True
        assert details.buttons == [f"v1:arrived:{request_id}"]


async def test_no_check_out_asks_are_you_ok_then_alerts_every_coordinator_once(
    tmp_path: Path,
) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        group.telegram.clear()
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        assert "90 minutes" in _answer(group)
        assert _markups(group, ALICE)[-1].buttons == [f"v1:left:{request_id}"]
        arrived_at = clock[0]

        assert await _tick(group, clock, CHECKOUT_S - 1) == 0  # not yet
        assert await _tick(group, clock, 1) == 1
        question = group.telegram.last_to(ALICE)
        assert "Are you OK?" in question.text
        assert question.buttons == [f"v1:safe:{request_id}:ok", f"v1:safe:{request_id}:help"]
        assert _alerts(group, "Safety check") == []

        assert await _tick(group, clock, ALERT_S) == 1
        [alert] = _alerts(group, "Safety check")
        assert "Alice" in alert
        assert f"#{request_id}" in alert
        assert f'<a href="tg://user?id={ALICE}">Alice</a>' in alert
        assert f"/details {request_id}" in alert
        assert "Acacia" not in alert  # the address only through /details, which is logged
        assert format_time(arrived_at, group.app.services.settings.timezone) in alert

        # Nothing more comes, however long it stays quiet.
        assert await _tick(group, clock, 10 * CHECKOUT_S) == 0
        assert len(_alerts(group, "Safety check")) == 1
        assert sum("Are you OK?" in t for t in group.telegram.texts_to(ALICE)) == 1

        # Leaving after the alert: the coordinators hear the all-clear.
        await group.press(ALICE, f"v1:safe:{request_id}:ok", name="Alice")
        assert any("left #" in t and "safely" in t for t in group.telegram.texts_to(COORDINATOR))


async def test_left_safely_at_any_point_stops_the_timers(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        await _tick(group, clock, 600)
        group.telegram.clear()
        await group.press(ALICE, f"v1:left:{request_id}", name="Alice")
        assert "left safely" in _answer(group)
        assert _markups(group, ALICE)[-1].buttons == [f"v1:arrived:{request_id}"]
        assert await group.reminders("checkout") == []

        await _tick(group, clock, CHECKOUT_S + ALERT_S)
        assert group.telegram.sent_to(ALICE) == []
        assert group.telegram.sent_to(COORDINATOR) == []

        # A second press, or one after the question, changes nothing.
        await group.press(ALICE, f"v1:left:{request_id}", name="Alice")
        assert "already" in _answer(group)


async def test_left_safely_after_are_you_ok_stops_the_alert(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        await _tick(group, clock, CHECKOUT_S)
        group.telegram.clear()
        await group.press(ALICE, f"v1:safe:{request_id}:ok", name="Alice")
        assert "glad you're safe" in group.telegram.calls_of("editMessageText")[-1].text
        await _tick(group, clock, ALERT_S * 3)
        assert group.telegram.sent_to(COORDINATOR) == []


async def test_i_need_help_alerts_every_coordinator_at_once(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock, ADMIN_IDS=f"{COORDINATOR},{BOB}") as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        await _tick(group, clock, CHECKOUT_S)
        group.telegram.clear()
        await group.press(ALICE, f"v1:safe:{request_id}:help", name="Alice")
        for coordinator in (COORDINATOR, BOB):
            [alert] = [t for t in group.telegram.texts_to(coordinator) if "I need help" in t]
            assert f"#{request_id}" in alert
            assert f"tg://user?id={ALICE}" in alert
        told = group.telegram.calls_of("editMessageText")[-1]
        assert "999" in told.text
        assert told.buttons == [f"v1:left:{request_id}"]
        # The silent alert would only say it again.
        assert await group.reminders("safety_alert") == []
        await group.press(ALICE, f"v1:safe:{request_id}:help", name="Alice")
        assert len(_alerts(group, "I need help")) == 1
        await _tick(group, clock, ALERT_S * 2)
        assert _alerts(group, "Safety check") == []


async def test_done_at_the_door_keeps_the_check_going(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        await group.press(ALICE, f"v1:done:{request_id}", name="Alice")
        done = group.telegram.calls_of("editMessageText")[-1]
        assert done.buttons[0] == f"v1:left:{request_id}"
        assert await group.reminders("checkout") != []
        await _tick(group, clock, CHECKOUT_S)
        assert "Are you OK?" in group.telegram.last_to(ALICE).text


async def test_only_the_volunteer_on_the_task_can_press_the_doorstep_buttons(
    tmp_path: Path,
) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        for data in (f"v1:arrived:{request_id}", f"v1:left:{request_id}"):
            await group.press(BOB, data, name="Bob")
            assert "isn't" in _answer(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        for data in (f"v1:left:{request_id}", f"v1:safe:{request_id}:help"):
            await group.press(BOB, data, name="Bob")
            assert "isn't for you" in _answer(group)
        for junk in ("v1:arrived:abc", "v1:arrived", f"v1:safe:{request_id}:maybe", "v1:left:0"):
            await group.press(ALICE, junk, name="Alice")
            assert "doesn't work any more" in _answer(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
        assert "already" in _answer(group)
        await group.press(ALICE, f"v1:left:{request_id}", name="Alice")
        await group.press(ALICE, f"v1:done:{request_id}", name="Alice")
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")  # stale card
        assert "no longer open" in _answer(group)
        await group.press(ALICE, "v1:arrived:999", name="Alice")
        assert "no longer open" in _answer(group)
        visits = await group.app.storage.db.fetchall("SELECT volunteer_id FROM visits")
        assert [row["volunteer_id"] for row in visits] == [ALICE]


async def test_the_requester_can_say_they_didnt_come(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        news = next(c for c in group.telegram.sent_to(REQUESTER) if "Good news" in c.text)
        assert news.buttons == [f"v1:talk:{request_id}", f"v1:nocome:{request_id}:{ALICE}"]
        group.telegram.clear()

        await group.press(BOB, f"v1:nocome:{request_id}:{ALICE}", name="Bob")  # not theirs
        await group.press(REQUESTER, f"v1:nocome:{request_id}:{BOB}", name="Rita")  # forged
        assert group.telegram.sent_to(COORDINATOR) == []

        await group.press(REQUESTER, f"v1:nocome:{request_id}:{ALICE}", name="Rita")
        [told] = _alerts(group, "didn't come")
        assert f"#{request_id}" in told
        assert f"tg://user?id={ALICE}" in told
        assert "safety code" in group.telegram.last_to(REQUESTER).text
        await group.press(REQUESTER, f"v1:nocome:{request_id}:{ALICE}", name="Rita")
        assert "already" in _answer(group)
        assert len(_alerts(group, "didn't come")) == 1

        await group.say(COORDINATOR, "/volunteers", name="Cora")
        await group.press(COORDINATOR, f"v1:vol:{ALICE}", name="Cora")
        card = group.telegram.last_to(COORDINATOR).text
        assert "Last 90 days" in card
        assert "“Didn't come”: 1" in card


async def test_first_tasks_are_flagged_to_the_coordinators(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        group.telegram.clear()
        first = await _taken(group)
        assert _alerts(group, "first task") == [
            f'🌱 <a href="tg://user?id={ALICE}">Alice</a>\'s first task: #{first}'
        ]
        # Each done before the next: a task in hand keeps her out of other "as soon as
        # possible" pings (the fairness rules).
        await group.press(ALICE, f"v1:done:{first}", name="Alice")
        second = await _taken(group)
        assert any(f"task 2 of their first 2: #{second}" in t for t in _alerts(group, "first"))
        await group.press(ALICE, f"v1:done:{second}", name="Alice")
        await _taken(group)
        assert len(_alerts(group, "🌱")) == 2  # the third is not flagged
        await _taken(group, BOB)
        assert len(_alerts(group, "🌱")) == 3  # Bob's first is


async def test_first_tasks_can_be_switched_off(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock, FIRST_TASKS="0") as group:
        group.telegram.clear()
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:done:{request_id}", name="Alice")
        assert _alerts(group, "🌱") == []
        assert not any("🌱" in t for t in group.telegram.texts_to(ALICE))


async def test_after_the_first_task_the_volunteer_is_asked_how_it_went(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:done:{request_id}", name="Alice")
        check_in = group.telegram.last_to(ALICE)
        assert "How did it go? Anything we should know?" in check_in.text
        assert check_in.buttons == [f"v1:checkin:{request_id}", f"v1:checkin:{request_id}:fine"]

        await group.press(BOB, f"v1:checkin:{request_id}", name="Bob")  # not theirs
        assert "isn't for you" in _answer(group)
        await group.press(ALICE, f"v1:checkin:{request_id}", name="Alice")
        assert "own words" in group.telegram.last_to(ALICE).text
        group.telegram.clear()
        # Too little to go on, or too much to read: asked again, nothing sent on yet.
        await group.say(ALICE, "k", name="Alice")
        assert "tell me a little more" in group.telegram.last_to(ALICE).text
        await group.say(ALICE, "x" * 2001, name="Alice")
        assert "keep it under 2000 characters" in group.telegram.last_to(ALICE).text
        assert group.telegram.sent_to(COORDINATOR) == []
        await group.say(ALICE, "Lovely lady, but the stairs <b>are</b> steep", name="Alice")
        [heard] = group.telegram.sent_to(COORDINATOR)
        assert f"#{request_id}" in heard.text
        assert "&lt;b&gt;are&lt;/b&gt;" in heard.text
        assert heard.params.get("protect_content") is True
        assert "Thank you" in group.telegram.last_to(ALICE).text

        # Only after the first: the second done task asks nothing.
        second = await _taken(group)
        group.telegram.clear()
        await group.press(ALICE, f"v1:done:{second}", name="Alice")
        assert not any("How did it go" in t for t in group.telegram.texts_to(ALICE))


async def test_the_check_in_can_be_cancelled_or_waved_through(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:done:{request_id}", name="Alice")
        await group.press(ALICE, f"v1:checkin:{request_id}", name="Alice")
        await group.say(ALICE, "/cancel", name="Alice")
        group.telegram.clear()
        await group.say(ALICE, "just chatting", name="Alice")
        assert group.telegram.sent_to(COORDINATOR) == []
        await group.press(ALICE, f"v1:checkin:{request_id}:fine", name="Alice")
        assert "Glad it went well" in group.telegram.calls_of("editMessageText")[-1].text
        assert group.telegram.sent_to(COORDINATOR) == []


async def test_the_volunteer_card_shows_the_last_90_days(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        long_ago = await _taken(group)
        await group.press(ALICE, f"v1:done:{long_ago}", name="Alice")
        clock[0] += 100 * 86400  # out of the window
        done = await _taken(group)
        await group.press(ALICE, f"v1:done:{done}", name="Alice")
        back = await _taken(group)
        clock[0] += 1200
        await group.press(ALICE, f"v1:release:{back}:yes", name="Alice")
        worried = await _taken(group)
        await group.press(REQUESTER, f"v1:concern:{worried}", name="Rita")
        await group.say(REQUESTER, "She was rude to me", name="Rita")
        await group.press(ALICE, f"v1:concern:{worried}", name="Alice")
        await group.say(ALICE, "The dog bit me", name="Alice")  # hers: not about her

        await group.press(COORDINATOR, f"v1:vol:{ALICE}", name="Cora")
        card = group.telegram.last_to(COORDINATOR).text
        assert "✅ Done: 1 · ↩️ Handed back: 1 · 😟 “Didn't come”: 0 · ⚠️ Concerns: 1" in card, card
        assert f"↩️ #{back}: handed back 20 minutes after taking it" in card


async def test_the_doorstep_timers_are_stored_and_outlive_a_restart(tmp_path: Path) -> None:
    clock = [START]
    async with _neighbourhood(tmp_path, clock) as group:
        request_id = await _taken(group)
        await group.press(ALICE, f"v1:arrived:{request_id}", name="Alice")
    clock[0] += CHECKOUT_S
    async with group_with_clock(tmp_path, clock) as again:
        # Start-up re-arms the alarm from the table; ringing fires what fell due.
        await again.app.services.reminders.fire_due()
        assert "Are you OK?" in again.telegram.last_to(ALICE).text
        stored = await again.app.storage.db.fetchall(
            "SELECT kind, state FROM reminders WHERE kind IN ('checkout', 'safety_alert')"
        )
        assert sorted(json.dumps(tuple(r)) for r in stored) == [
            json.dumps(("checkout", "fired")),
            json.dumps(("safety_alert", "pending")),
        ]
