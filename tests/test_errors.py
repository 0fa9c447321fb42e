"""Unexpected errors: logged always, reported to coordinators when the group asks."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]


async def _broken_press(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.enrol(301, NEAR, name="Alice")
    await group.consent(REQUESTER, name="Rita")
    request_id = await group.ask(address="12 Acacia Avenue")
    group.telegram.clear()
    group.telegram.fail_next("answerCallbackQuery", "network")
    update = group.people.press(301, f"v1:accept:{request_id}", name="Alice")
    await group.app.process_update(update)


async def test_coordinators_hear_of_errors_without_personal_details(
    open_group: OpenGroup,
) -> None:
    async with open_group(ERRORS_TO_COORDINATORS="on") as group:
        await _broken_press(group)
        [report] = [t for t in group.telegram.texts_to(COORDINATOR) if "unexpected error" in t]
        assert "NetworkError" in report
        assert "callback_query" in report
        assert "Acacia" not in report
        assert "Alice" not in report


async def test_by_default_errors_are_only_logged(group: Group) -> None:
    await _broken_press(group)
    assert not [t for t in group.telegram.texts_to(COORDINATOR) if "unexpected error" in t]
