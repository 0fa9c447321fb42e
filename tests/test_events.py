"""Domain events and their outbox: every kind survives a crash between its commit and its
delivery, the orderings people notice are pinned, and the README's table is the truth.

The crash here is in-process: the first subscriber of the event's kind raises an
exception no handler catches (as SIGKILL would stop the process there), the application
is closed, and a new one is started on the same database file. Killed between
subscribers like this, each consequence arrives exactly once after the restart. A
Telegram send cut off mid-call (tests/e2e/test_crash_points_e2e.py kills a real process)
may say that one message twice: at most twice, never not at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.domain import events as domain_events
from bot.domain.events import KINDS, Event, RequestClosed, WaveSent, from_json
from bot.services.events import EventBus, Subscription
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, FAR, MIDDLE, NEAR, REQUESTER, Group, make_settings
from tests.support.street import Street
from tests.support.telegram import FakeTelegram

README = Path(__file__).resolve().parent.parent / "README.md"
GROUP_CHAT = -1001234567890


class Killed(BaseException):
    """Not an Exception: nothing in the bot catches it, as nothing survives SIGKILL."""


def kill_before(bus: EventBus, kind: type[Event]) -> None:
    """The next event of `kind` is committed, then the process "dies" before its first
    subscriber has it."""
    subscriptions = bus._subscriptions[kind.kind]
    first = subscriptions[0]

    async def killed(event: Event, event_id: int) -> None:
        subscriptions[0] = first
        raise Killed

    subscriptions[0] = dataclasses.replace(first, handler=killed)


def texts(group: Group, chat_id: int, words: str) -> int:
    return sum(words in c.text for c in group.telegram.sent_to(chat_id))


def edits(group: Group, chat_id: int, words: str) -> int:
    return sum(
        words in c.text for c in group.telegram.calls_of("editMessageText") if c.chat_id == chat_id
    )


async def _people(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.enrol(302, MIDDLE, name="Bashir")
    await group.consent(REQUESTER)


async def _asked(group: Group) -> int:
    await _people(group)
    return await group.ask()


async def _taken(group: Group) -> int:
    request_id = await _asked(group)
    await group.press(302, f"v1:accept:{request_id}", name="Bashir")
    return request_id


async def _asked_until_confirm(group: Group) -> int:
    """Everything of /request but the last press (the crash comes with that press)."""
    await _people(group)
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.say(REQUESTER, "Milk and bread please")
    await group.press(REQUESTER, "v1:when:asap")
    await group.share(REQUESTER, 51.5, -0.1)
    await group.say(REQUESTER, "12 Acacia Avenue, ring twice")
    return 1


async def _confirm(group: Group, _request_id: int) -> None:
    await group.press(REQUESTER, "v1:confirm:yes")


async def _due_soon_and_taken(group: Group) -> int:
    request_id = await _asked(group)
    soon = group.app.services.clock() + 3 * 3600
    await group.app.storage.db.execute(
        "UPDATE requests SET due_at = ? WHERE id = ?", (soon, request_id)
    )
    await group.press(302, f"v1:accept:{request_id}", name="Bashir")
    return request_id


async def _nobody(group: Group) -> int:
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(REQUESTER)
    return 1


async def _capped(group: Group) -> int:
    """301 has had today's one ping (MAX_PINGS_PER_DAY=1): the next request waits."""
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER)
    await group.ask()
    return 2


async def _ask_second(group: Group, _request_id: int) -> None:
    await group.ask(category="groceries", description="And some soup")


async def _release(group: Group, request_id: int) -> None:
    await group.press(302, f"v1:release:{request_id}", name="Bashir")
    await group.press(302, f"v1:release:{request_id}:yes", name="Bashir")


async def _done(group: Group, request_id: int) -> None:
    await group.press(302, f"v1:done:{request_id}", name="Bashir")


async def _const(counts: dict[str, int]) -> dict[str, int]:
    return counts


async def _counted(group: Group, lists: dict[str, Awaitable[list[int]]]) -> dict[str, int]:
    return {name: len(await found) for name, found in lists.items()}


async def _done_then_no(group: Group, request_id: int) -> None:
    await _done(group, request_id)
    await group.app.services.desk.record_feedback(request_id, REQUESTER, False)


async def _people_ready(group: Group) -> int:
    await _people(group)
    return 0


async def _people_then_digest(group: Group) -> int:
    await _people(group)
    await group.app.services.chaser.start_daily_digest()
    return 0


@dataclass(frozen=True)
class Crash:
    kind: type[Event]
    ready: Callable[[Group], Awaitable[int]]
    act: Callable[[Group, int], Awaitable[object]]
    # Each consequence, counted after the restart: all must be exactly 1.
    counts: Callable[[Group, int], Awaitable[dict[str, int]]]
    settings: dict[str, str] = field(default_factory=dict)


async def _opened_counts(group: Group, request_id: int) -> dict[str, int]:
    return {
        "ping to 301": texts(group, 301, "Can you help"),
        "ping to 302": texts(group, 302, "Can you help"),
        "coordinators' alert scheduled": len(await group.reminders("alert")),
        "escalation scheduled": len(await group.reminders("escalate")),
    }


async def _claimed_counts(group: Group, request_id: int) -> dict[str, int]:
    return {
        "address to 302": texts(group, 302, "12 Acacia Avenue"),
        "news to the requester": texts(group, REQUESTER, "is going to help"),
        "301's ping edited": edits(group, 301, "taken by another volunteer"),
        "follow-up scheduled": len(await group.reminders("follow_up")),
    }


CRASHES = [
    Crash(domain_events.RequestOpened, _asked_until_confirm, _confirm, _opened_counts),
    Crash(WaveSent, _asked_until_confirm, _confirm, _opened_counts),
    Crash(
        domain_events.NobodyLeft,
        _nobody,
        lambda g, _i: g.ask(),
        lambda g, i: _const(
            {
                "coordinators told": texts(g, COORDINATOR, "has nobody left to ask"),
                "requester told": texts(g, REQUESTER, "couldn't find a volunteer nearby"),
            }
        ),
    ),
    Crash(
        domain_events.WaveDeferred,
        _capped,
        _ask_second,
        lambda g, i: _counted(g, {"wait scheduled": g.reminders("wait")}),
        {"MAX_PINGS_PER_DAY": "1"},
    ),
    Crash(
        domain_events.RequestClaimed,
        _asked,
        lambda g, i: g.press(302, f"v1:accept:{i}", name="Bashir"),
        _claimed_counts,
    ),
    Crash(
        domain_events.RequestReleased,
        _taken,
        lambda g, i: _release(g, i),
        lambda g, i: _const(
            {
                "requester told": texts(g, REQUESTER, "can't help with"),
                "301 asked again": texts(g, 301, "Can you help"),
                "address taken back": len(g.telegram.calls_of("deleteMessage")),
            }
        ),
    ),
    Crash(
        domain_events.RequestDone,
        _taken,
        _done,
        lambda g, i: _const({"requester asked": texts(g, REQUESTER, "Did you get the help")}),
    ),
    Crash(
        RequestClosed,
        _taken,
        lambda g, i: g.app.services.desk.cancel(i, REQUESTER),
        lambda g, i: _const(
            {
                "holder told": texts(g, 302, "was cancelled"),
                "301's ping edited": edits(g, 301, "no longer needed"),
            }
        ),
    ),
    Crash(
        domain_events.DetailsAdded,
        _taken,
        lambda g, i: g.app.services.desk.add_to(i, "and eggs", REQUESTER),
        lambda g, i: _const({"volunteer told": texts(g, 302, "and eggs")}),
    ),
    Crash(
        domain_events.HelpMissed,
        lambda g: _taken(g),
        lambda g, i: _done_then_no(g, i),
        lambda g, i: _const({"coordinators told": texts(g, COORDINATOR, "did not get the help")}),
    ),
    Crash(
        domain_events.AlertDue,
        _asked,
        lambda g, i: g.fire("alert"),
        lambda g, i: _const({"coordinators told": texts(g, COORDINATOR, "is still waiting")}),
    ),
    Crash(
        domain_events.TaskSoon,
        _due_soon_and_taken,
        lambda g, i: g.fire("before"),
        lambda g, i: _const({"volunteer reminded": texts(g, 302, "is coming up")}),
    ),
    Crash(
        domain_events.FollowUpDue,
        _taken,
        lambda g, i: g.fire("follow_up"),
        lambda g, i: _const({"volunteer asked": texts(g, 302, "How did request")}),
    ),
    Crash(
        domain_events.VolunteerDecided,
        _people_ready,
        lambda g, i: g.app.services.roster.hold(301, COORDINATOR, "checking something"),
        lambda g, i: _const({"volunteer told": texts(g, 301, "put your requests on hold")}),
    ),
    Crash(
        domain_events.RoleChanged,
        _people_ready,
        lambda g, i: g.app.services.roster.appoint(301, COORDINATOR),
        lambda g, i: _const({"person told": texts(g, 301, "now a coordinator")}),
    ),
    Crash(
        domain_events.DigestDue,
        _people_then_digest,
        lambda g, i: g.fire("digest"),
        lambda g, i: _const({"coordinators told": texts(g, COORDINATOR, "Today's summary")}),
    ),
]


def test_every_kind_has_a_crash_test() -> None:
    assert {c.kind.kind for c in CRASHES} == set(KINDS)


@pytest.mark.parametrize("crash", CRASHES, ids=[c.kind.kind for c in CRASHES])
async def test_killed_after_the_commit_every_consequence_comes_once_after_restart(
    tmp_path: Path, crash: Crash
) -> None:
    settings = make_settings(tmp_path, **crash.settings)
    telegram = FakeTelegram()
    async with build_application(settings, request=telegram) as first:
        group = Group(first, telegram)
        request_id = await crash.ready(group)
        kill_before(first.services.events, crash.kind)
        with pytest.raises(Killed):
            await crash.act(group, request_id)
        stranded = await first.storage.db.fetchall("SELECT kind FROM events")
        assert crash.kind.kind in {row["kind"] for row in stranded}
    for start in range(2):  # a second start-up says nothing again
        telegram = FakeTelegram() if start == 0 else telegram
        second = build_application(settings, request=telegram)
        async with second:
            assert second.post_init is not None
            await second.post_init(second)
            await second.services.events.settled()
            group = Group(second, telegram)
            counts = await crash.counts(group, request_id)
            assert counts == dict.fromkeys(counts, 1), (start, counts)
            left = await second.storage.db.fetchall("SELECT kind FROM events")
            assert left == []


# --- the orderings the crash tests (and people) rely on ------------------------------------


def _names(bus: EventBus, kind: type[Event]) -> list[str]:
    return [s.name for s in bus.subscriptions()[kind.kind]]


async def test_the_address_goes_before_the_other_pings_are_edited(group: Group) -> None:
    names = _names(group.app.services.events, domain_events.RequestClaimed)
    assert names.index("address") < names.index("requester") < names.index("other pings")
    request_id = await _taken(group)
    calls = group.telegram.calls
    address = next(
        n for n, c in enumerate(calls) if c.chat_id == 302 and "12 Acacia Avenue" in c.text
    )
    edited = next(
        n
        for n, c in enumerate(calls)
        if c.method == "editMessageText" and c.chat_id == 301 and f"#{request_id}" in c.text
    )
    assert address < edited


async def test_the_requester_hears_before_the_pings_go_out(group: Group) -> None:
    names = _names(group.app.services.events, domain_events.RequestReleased)
    assert names.index("requester") < names.index("next wave")
    request_id = await _taken(group)
    await _release(group, request_id)
    calls = group.telegram.calls
    told = max(
        n for n, c in enumerate(calls) if c.chat_id == REQUESTER and "can't help with" in c.text
    )
    pinged = max(
        n
        for n, c in enumerate(calls)
        if c.chat_id == 301 and f"v1:accept:{request_id}" in c.buttons
    )
    assert told < pinged
    # And a new request: the confirmation first, then the pings.
    confirmed = max(
        n for n, c in enumerate(calls) if c.chat_id == REQUESTER and "saved as" in c.text
    )
    first_ping = min(n for n, c in enumerate(calls) if f"v1:accept:{request_id}" in c.buttons)
    assert confirmed < first_ping


# --- the events themselves -------------------------------------------------------------------


def test_every_event_survives_its_json() -> None:
    samples: list[Event] = [
        WaveSent(1, 2, 3, (301, 302)),
        RequestClosed(4, "closed", holder=302, by=100),
        domain_events.DetailsAdded(5, 302, "“and eggs” & <b>"),
    ]
    for event in samples:
        assert from_json(event.kind, event.to_json()) == event
    assert len(set(KINDS)) == len(KINDS)


# --- the README's table ------------------------------------------------------------------------


def _table_in_readme() -> dict[str, list[str]]:
    """The rows of the README's event → subscriber table: `kind` | subscribers in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- events:start -->")
    end = text.index("<!-- events:end -->")
    table: dict[str, list[str]] = {}
    for row in text[start:end].splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|[^|]*\|\s*(.+?)\s*\|$", row)
        if match:
            table[match.group(1)] = [name.strip() for name in match.group(2).split(" → ")]
    return table


def _registered(subscriptions: dict[str, list[Subscription]]) -> dict[str, list[str]]:
    return {
        kind: [s.name + (" (background)" if s.background else "") for s in subs]
        for kind, subs in subscriptions.items()
    }


async def test_the_readmes_event_table_lists_the_subscriptions(group: Group) -> None:
    assert _table_in_readme() == _registered(group.app.services.events.subscriptions())


async def test_the_unit_tests_street_wires_its_subscribers_as_the_bot_does(group: Group) -> None:
    """tests/support/street.py wires only the subscribers that decide, by hand: for each
    event, the same names in the same order as the bot's own list, none of its own."""
    bot = _registered(group.app.services.events.subscriptions())
    street = _registered(Street([]).bus.subscriptions())
    for kind, names in street.items():
        assert names == [name for name in bot.get(kind, []) if name in names], kind


# --- sending: a wave at once, the group chat in the background ----------------------------


class HeldTelegram(FakeTelegram):
    """Holds back the sends it is told to, until they are let go."""

    def __init__(self) -> None:
        super().__init__()
        self.hold: Callable[[str, dict[str, object]], bool] = lambda method, params: False
        self.held = 0
        self.all_held = asyncio.Event()
        self.held_wanted = 0
        self.go = asyncio.Event()

    async def respond(self, api: str, request_data: Any) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        if self.hold(api, params):
            self.held += 1
            if self.held >= self.held_wanted:
                self.all_held.set()
            await self.go.wait()
        return await super().respond(api, request_data)


async def test_a_waves_pings_go_out_together_not_one_after_another(tmp_path: Path) -> None:
    telegram = HeldTelegram()
    async with build_application(make_settings(tmp_path), request=telegram) as app:
        group = Group(app, telegram)
        await _people(group)
        await group.enrol(303, FAR, name="Chen")
        telegram.hold = lambda method, params: "v1:accept:" in str(params.get("reply_markup"))
        telegram.held_wanted = 3

        async def all_in_flight() -> bool:
            # One after another, the first ping would wait here until the deadline.
            try:
                await asyncio.wait_for(telegram.all_held.wait(), 10)
                return True
            except TimeoutError:
                return False
            finally:
                telegram.go.set()

        together = asyncio.create_task(all_in_flight())
        request_id = await group.ask()
        assert await together, "the pings went out one after another"
        assert sorted(group.pinged(request_id)) == [301, 302, 303]


async def test_a_slow_group_chat_holds_up_no_handler(tmp_path: Path) -> None:
    telegram = HeldTelegram()
    async with build_application(make_settings(tmp_path), request=telegram) as app:
        group = Group(app, telegram)
        await _asked_until_confirm(group)
        await app.services.board.link(GROUP_CHAT, "Acacia Avenue", COORDINATOR)
        # Telegram makes the group's posts wait (its 20 a minute, say).
        telegram.hold = lambda method, params: params.get("chat_id") == GROUP_CHAT
        handled = asyncio.create_task(
            app.process_update(group.people.press(REQUESTER, "v1:confirm:yes", 1))
        )
        try:
            # Posting inline, the handler would wait here until the deadline.
            await asyncio.wait_for(asyncio.shield(handled), 10)
        except TimeoutError:
            telegram.go.set()
            await handled
            raise AssertionError("the handler waited for the group chat's post") from None
        assert texts(group, REQUESTER, "saved as") == 1
        assert sorted(group.pinged(1)) == [301, 302]
        assert group.telegram.sent_to(GROUP_CHAT) == []  # still waiting, elsewhere
        telegram.go.set()
        await app.services.events.settled()
        assert len(group.telegram.sent_to(GROUP_CHAT)) == 1


async def test_a_fault_mid_delivery_still_hands_the_address_over_once(group: Group) -> None:
    """The claim committed; the disk filled as the address message was being recorded.
    The retried press finds the request taken, so records nothing: what the fault left
    undelivered is delivered then, and the address (sent once already) is not repeated."""
    request_id = await _asked(group)
    addresses = group.app.services.addresses
    record = addresses.record
    failed: list[bool] = []

    async def full_once(*args: Any, **kwargs: Any) -> None:
        if not failed:
            failed.append(True)
            raise sqlite3.OperationalError("database or disk is full")
        await record(*args, **kwargs)

    addresses.record = full_once  # type: ignore[method-assign]
    await group.press(302, f"v1:accept:{request_id}", name="Bashir")
    assert failed
    assert texts(group, 302, "12 Acacia Avenue") == 1
    assert await addresses.shown(request_id, 302)
    assert texts(group, REQUESTER, "is going to help") == 1
    assert edits(group, 301, "taken by another volunteer") == 1
    assert await group.app.storage.db.fetchall("SELECT id FROM events") == []
