"""Who sent an update is read once per update (context.person, context.is_coordinator),
never stale after a handler changed them; and handlers reach storage only through the
services."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, get_args, get_type_hints

import pytest

from bot.telegram.context import Services
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group

VOLUNTEER = 301
# The queries that read one person by id: their row, or whether they coordinate.
_ABOUT_ONE_PERSON = (
    "SELECT * FROM users WHERE id = ?",
    "AS BIGINT) AS",  # the coordinator check's (and the sender's) LEFT JOIN from one id
)


def _recording(group: Group) -> list[tuple[str, tuple[Any, ...]]]:
    """Every statement run on its own from now on (not those inside a transaction: no
    lookup of a person is), with its parameters; counted where every repository sends
    them, whichever the backend."""
    seen: list[tuple[str, tuple[Any, ...]]] = []
    db = group.app.storage.db
    for name in ("execute", "insert", "fetchone", "fetchall"):
        original = getattr(db, name)

        def counted(
            sql: str, params: Any = (), *, _original: Callable[..., Awaitable[Any]] = original
        ) -> Awaitable[Any]:
            seen.append((sql, tuple(params) if isinstance(params, list | tuple) else ()))
            return _original(sql, params)

        setattr(db, name, counted)
    return seen


def _lookups_of(user_id: int, seen: list[tuple[str, tuple[Any, ...]]]) -> int:
    return sum(
        1
        for sql, params in seen
        if params == (user_id,) and any(part in sql for part in _ABOUT_ONE_PERSON)
    )


async def _volunteer_waiting(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(VOLUNTEER, NEAR)


async def _approve(group: Group) -> None:
    await group.approve(VOLUNTEER)


async def _coordinator_help(group: Group) -> None:
    await group.say(COORDINATOR, "/help", name="Cora")


async def _volunteer_pauses(group: Group) -> None:
    await group.say(VOLUNTEER, "/pause")


CASES: dict[str, tuple[int, Callable[[Group], Awaitable[None]], bool]] = {
    # (the sender, what they do, whether the volunteer is approved first)
    "a coordinator presses Approve": (COORDINATOR, _approve, False),
    "a coordinator sends /help": (COORDINATOR, _coordinator_help, True),
    "a volunteer sends /pause": (VOLUNTEER, _volunteer_pauses, True),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_the_sender_is_read_once_per_update(group: Group, case: str) -> None:
    """Their language, their consent and whether they coordinate come from one query;
    before, each handler looked them up again (two or three queries per update)."""
    sender, act, approved_first = CASES[case]
    await _volunteer_waiting(group)
    if approved_first:
        await _approve(group)
    seen = _recording(group)
    await act(group)
    assert _lookups_of(sender, seen) == 1, [sql for sql, _params in seen]


async def test_the_answer_is_what_a_coordinator_or_not_should_see(group: Group) -> None:
    """The one lookup still tells a coordinator from anyone else: /help lists the
    coordinators' commands only to a coordinator."""
    await _volunteer_waiting(group)
    await group.consent(REQUESTER)
    await group.say(COORDINATOR, "/help", name="Cora")
    assert "/pending" in group.telegram.last_to(COORDINATOR).text
    await group.say(REQUESTER, "/help")
    assert "/pending" not in group.telegram.last_to(REQUESTER).text


async def test_agreeing_leads_straight_on_with_the_person_as_they_are_now(group: Group) -> None:
    """Pressing "I agree" under the notice /request showed stores them and goes straight
    into the request in the same update: that handler must not read the copy from before
    they agreed (it would show the notice again)."""
    await group.say(REQUESTER, "/request")
    agree = "v1:consent:yes:en:need"
    assert agree in group.telegram.last_to(REQUESTER).buttons
    await group.press(REQUESTER, agree)
    assert "v1:cat:groceries" in group.telegram.last_to(REQUESTER).buttons
    assert not any("v1:consent:yes" in b for b in group.telegram.last_to(REQUESTER).buttons)


async def test_a_coordinator_who_steps_down_is_refused_at_once(group: Group) -> None:
    """Dismissing yourself (another coordinator remains): the next coordinator's button
    you press is refused, the role being read afresh for every update."""
    helper = 150
    await group.consent(COORDINATOR, name="Cora")
    await group.consent(helper, name="Hal")
    await group.press(COORDINATOR, f"v1:coord:{helper}:add", name="Cora")
    await group.press(helper, f"v1:coord:{helper}:dismiss", name="Hal")
    assert not await group.app.services.coordinators.is_coordinator(helper)
    await group.say(helper, "/pending", name="Hal")
    assert "Only coordinators" in group.telegram.last_to(helper).text


def test_services_hold_no_repositories() -> None:
    """Handlers have the services and nothing else: no field of Services is a database or
    a repository (the import rule can't see that: handlers import services, which import
    bot.db)."""
    hints = get_type_hints(Services)
    storage = {
        field.name: hints[field.name]
        for field in dataclasses.fields(Services)
        if any(
            getattr(part, "__module__", "").startswith("bot.db")
            for part in _types_in(hints[field.name])
        )
    }
    assert storage == {}


def _types_in(hint: object) -> Iterator[object]:
    """A type and every type it is made of: each side of a union (`X | None` is a
    `types.UnionType`, whose module says nothing), each argument of a generic."""
    yield hint
    for arg in get_args(hint):
        yield from _types_in(arg)
