"""Signing up as a volunteer, approval by coordinators, pausing."""

from __future__ import annotations

from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group


async def test_sign_up_waits_for_a_coordinator_who_approves(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR, radius="1,5 km", categories=("groceries", "errand"))
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "pending"
    assert volunteer.radius_km == 1.5
    assert {c.value for c in volunteer.categories} == {"groceries", "errand"}
    assert any("coordinator will check" in t for t in group.telegram.texts_to(301))
    assert "v1:avail:weekend" in group.telegram.last_to(301).buttons
    approval = group.telegram.last_to(COORDINATOR)
    assert approval.buttons == ["v1:approve:301", "v1:reject:301"]

    await group.approve(301)
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "approved"
    assert "approved" in group.telegram.last_to(301).text


async def test_a_forged_approval_by_a_non_coordinator_is_refused(group: Group) -> None:
    await group.sign_up(301, NEAR)
    await group.consent(REQUESTER)
    await group.press(REQUESTER, "v1:approve:301")
    await group.press(301, "v1:approve:301")
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "pending"
    assert "Only coordinators" in str(group.telegram.answers()[-1].params.get("text"))


async def test_pending_lists_volunteers_waiting(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR, name="Alice")
    await group.say(COORDINATOR, "/pending", name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons == ["v1:approve:301", "v1:reject:301"]
    await group.press(COORDINATOR, "v1:reject:301", name="Cora")
    await group.press(COORDINATOR, "v1:approve:301", name="Cora")  # too late: decided
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.status == "rejected"
    await group.say(COORDINATOR, "/pending", name="Cora")
    assert "Nobody is waiting" in group.telegram.last_to(COORDINATOR).text


async def test_bad_radius_and_empty_categories_are_re_asked(group: Group) -> None:
    await group.consent(301)
    await group.say(301, "/volunteer")
    await group.share(301, *NEAR)
    for typed in ("far", "0", "500", "-2"):
        await group.say(301, typed)
        assert "between 0.1 and 50" in group.telegram.last_to(301).text
    await group.say(301, "2")
    await group.press(301, "v1:vsave")
    assert "at least one" in str(group.telegram.answers()[-1].params.get("text"))
    assert await group.app.services.volunteers.get(301) is None


async def test_pause_and_resume(group: Group) -> None:
    await group.consent(301)
    await group.say(301, "/pause")
    assert "haven't signed up" in group.telegram.last_to(301).text
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, NEAR)
    await group.say(301, "/pause")
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert volunteer.paused
    await group.say(301, "/resume")
    volunteer = await group.app.services.volunteers.get(301)
    assert volunteer is not None
    assert not volunteer.paused


async def test_blocking_and_unblocking_the_bot_is_recorded(group: Group) -> None:
    await group.consent(301)
    await group.app.process_update(group.people.membership(301, "member", "kicked"))
    user = await group.app.services.users.get(301)
    assert user is not None
    assert user.blocked_at is not None
    await group.app.process_update(group.people.membership(301, "kicked", "member"))
    user = await group.app.services.users.get(301)
    assert user is not None
    assert user.blocked_at is None


async def test_pressing_approve_twice_is_answered_once_without_an_error(group: Group) -> None:
    """Telegram refuses an edit that changes nothing; that must not surface as an error."""
    await group.consent(COORDINATOR, name="Cora")
    await group.sign_up(301, NEAR)
    message_id = group.telegram.last_to(COORDINATOR).message_id or 0
    await group.press(COORDINATOR, "v1:approve:301", message_id=message_id, name="Cora")
    await group.press(COORDINATOR, "v1:approve:301", message_id=message_id, name="Cora")
    assert not any("went wrong" in t for t in group.telegram.texts_to(COORDINATOR))
