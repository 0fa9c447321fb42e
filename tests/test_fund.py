"""The shared fund: donations, claims from a done task's spend, approvals (two below zero),
declines, reversals; /fund's figures and the group chat's statement carry no names."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db import Database
from bot.db.fund import FundRepository
from bot.domain.fund import ClaimStatus, MovementKind
from bot.services.fund import Fund
from bot.telegram.app import build_application
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group, make_settings
from tests.support.telegram import FakeTelegram

SECOND = 101
GROUP_CHAT = -1001


async def _donate(
    group: Group, amount: str, note: str = "From Mrs Dorothy Pike", thank: str = "yes"
) -> None:
    await group.say(COORDINATOR, "/fund add", name="Cora")
    await group.say(COORDINATOR, amount, name="Cora")
    await group.press(COORDINATOR, "v1:fund:day:0", name="Cora")
    await group.say(COORDINATOR, note, name="Cora")
    await group.press(COORDINATOR, f"v1:fund:thank:{thank}", name="Cora")


async def _claim(group: Group, amount: str = "12.50") -> int:
    """A done shopping task whose volunteer records what it cost: the claim's id."""
    request_id = await group.ask(category="groceries")
    await group.press(301, f"v1:accept:{request_id}", name="Vinnie")
    await group.press(301, f"v1:done:{request_id}", name="Vinnie")
    await group.press(301, f"v1:spend:{request_id}", name="Vinnie")
    await group.say(301, amount, name="Vinnie")
    claim = await group.app.services.fund.repository.live_claim_of(request_id)
    assert claim is not None
    return claim.id


async def test_a_donation_a_claim_and_an_approval_show_in_fund(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    await _donate(group, "50")
    assert "£50.00" in group.telegram.last_to(COORDINATOR).text
    claim_id = await _claim(group)
    # The coordinators get the claim, with the volunteer's name and both buttons.
    notice = next(c for c in group.telegram.sent_to(COORDINATOR) if "claim #" in c.text)
    assert "Vinnie" in notice.text
    assert "£12.50" in notice.text
    assert notice.buttons == [f"v1:reimburse:{claim_id}", f"v1:claimno:{claim_id}"]
    assert notice.params.get("protect_content") is True
    assert f"claim #{claim_id}" in group.telegram.last_to(301).text

    await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
    assert "approved" in group.telegram.last_to(301).text
    assert "£12.50" in group.telegram.last_to(301).text
    # Pressed again (or by another copy of the notice): never paid twice.
    await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
    rows = await group.app.services.fund.ledger()
    assert [r.kind for r in rows] == [MovementKind.DONATION, MovementKind.REIMBURSEMENT]

    group.telegram.clear()
    await group.say(REQUESTER, "/fund", name="Rita")
    shown = group.telegram.last_to(REQUESTER).text
    assert "£37.50" in shown  # the balance
    assert "£50.00 in, £12.50 out" in shown
    assert "1 volunteer paid back" in shown
    for private in ("Dorothy", "Pike", "Vinnie", "Cora", "Rita"):
        assert private not in shown
    assert group.telegram.last_to(REQUESTER).buttons == []  # no coordinator tools


async def test_a_claim_below_zero_needs_a_second_coordinator(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    app = build_application(
        make_settings(tmp_path, ADMIN_IDS=f"{COORDINATOR},{SECOND}"), request=telegram
    )
    async with app:
        group = Group(app, telegram)
        await group.ready((301, NEAR, "Vinnie"))
        await group.consent(SECOND, name="Sol")
        await _donate(group, "5")
        claim_id = await _claim(group, "12.50")
        await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
        assert "second coordinator" in telegram.last_to(COORDINATOR).text
        assert f"v1:reimburse:{claim_id}" in telegram.last_to(SECOND).buttons
        await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")  # same one
        assert await app.services.fund.balance() == 500
        await group.press(SECOND, f"v1:reimburse:{claim_id}", name="Sol")
        assert await app.services.fund.balance() == 500 - 1250
        assert "approved" in telegram.last_to(301).text


async def test_a_declined_claim_tells_the_volunteer_why(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    claim_id = await _claim(group)
    await group.press(COORDINATOR, f"v1:claimno:{claim_id}", name="Cora")
    await group.say(COORDINATOR, "Bought wine, not on the list", name="Cora")
    assert "Bought wine, not on the list" in group.telegram.last_to(301).text
    claim = await group.app.services.fund.get_claim(claim_id)
    assert claim is not None
    assert claim.status is ClaimStatus.DECLINED
    await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
    assert await group.app.services.fund.balance() == 0
    # A late press says how it stands in the reader's words, not the stored code.
    await group.press(COORDINATOR, "v1:lang:cy", name="Cora")
    await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
    assert "(wedi’i wrthod)" in group.telegram.answers()[-1].params["text"]


async def test_someone_else_cannot_approve_or_see_coordinator_tools(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    claim_id = await _claim(group)
    await group.press(301, f"v1:reimburse:{claim_id}", name="Vinnie")
    assert "Only coordinators" in group.telegram.answers()[-1].params.get("text", "")
    await group.say(REQUESTER, "/fund add", name="Rita")
    assert "Only coordinators" in group.telegram.last_to(REQUESTER).text
    assert await group.app.services.fund.balance() == 0


async def test_the_ledger_csv_is_protected_and_the_statement_has_no_names(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    await group.app.services.board.link(GROUP_CHAT, "Acacia Avenue helpers", COORDINATOR)
    await _donate(group, "30")
    await group.press(COORDINATOR, "v1:fund:ledger", name="Cora")
    document = group.telegram.calls_of("sendDocument")[-1]
    assert document.params.get("protect_content") in (True, "true", "True")

    # Last month's statement, posted to the group chat: this month's gift shows next month.
    fund = group.app.services.fund
    year, month = fund.today().year, fund.today().month
    await group.press(COORDINATOR, f"v1:fund:post:{year:04d}-{month:02d}", name="Cora")
    posted = group.telegram.texts_to(GROUP_CHAT)[-1]
    assert "£30.00" in posted
    assert "Thank you to the donor" in posted
    for private in ("Dorothy", "Pike", "Cora", "Vinnie"):
        assert private not in posted


async def test_a_reversal_is_a_new_row_and_edits_are_refused(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    await _donate(group, "20")
    row = (await group.app.services.fund.ledger())[0]
    await group.say(COORDINATOR, f"/fund reverse {row.id}", name="Cora")
    await group.press(COORDINATOR, f"v1:fund:rev:{row.id}:yes", name="Cora")
    rows = await group.app.services.fund.ledger()
    assert [r.pence for r in rows] == [2000, -2000]
    assert await group.app.services.fund.balance() == 0
    db = group.app.storage.db
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute("UPDATE fund_ledger SET pence = 1 WHERE id = ?", (row.id,))
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute("DELETE FROM fund_ledger WHERE id = ?", (row.id,))


async def test_forgetme_keeps_the_ledger_row_without_the_volunteer(group: Group) -> None:
    await group.ready((301, NEAR, "Vinnie"))
    await _donate(group, "50")
    claim_id = await _claim(group)
    await group.press(COORDINATOR, f"v1:reimburse:{claim_id}", name="Cora")
    await group.say(301, "/forgetme", name="Vinnie")
    await group.press(301, "v1:forget:yes", name="Vinnie")
    await group.say(COORDINATOR, "/forgetme", name="Cora")
    await group.press(COORDINATOR, "v1:forget:yes", name="Cora")
    rows = await group.app.services.fund.ledger()
    assert [r.pence for r in rows] == [5000, -1250]
    assert all(r.recorded_by is None for r in rows)
    claim = await group.app.services.fund.get_claim(claim_id)
    assert claim is not None
    assert claim.volunteer_id is None


# --- the ledger's rules, for any sequence of operations -------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("donate"), st.integers(1, 5000)),
        st.tuples(st.just("claim"), st.integers(1, 5000)),
        st.tuples(st.just("approve"), st.integers(0, 9), st.sampled_from([1, 2])),
        st.tuples(st.just("decline"), st.integers(0, 9)),
        st.tuples(st.just("reverse"), st.integers(0, 12)),
    ),
    max_size=25,
)


async def _run(path: Path, operations: list[tuple[object, ...]]) -> None:
    db = Database(path)
    await db.open()
    try:
        for number in range(1, 11):  # the tasks claims are made for
            await db.execute(
                "INSERT INTO requests (id, category, description, address, lat, lon, "
                "when_kind, status, created_at, updated_at, safety_code) "
                "VALUES (?, 'groceries', '', '', 51.5, -0.1, 'asap', 'done', 0, 0, '0000')",
                (number,),
            )
        fund = Fund(FundRepository(db), make_settings(path.parent).timezone, lambda: 1.7e9)
        claims: list[int] = []
        tasks = iter(range(1, 11))
        for op in operations:
            if op[0] == "donate":
                await fund.donate(int(op[1]), date(2023, 11, 14), "note", True, 1)  # type: ignore[call-overload]
            elif op[0] == "claim":
                task = next(tasks, None)
                if task is not None:
                    claim, _old = await fund.claim(task, 7, int(op[1]))  # type: ignore[call-overload]
                    assert claim is not None
                    claims.append(claim.id)
            elif op[0] == "approve" and claims:
                claim_id = claims[int(op[1]) % len(claims)]  # type: ignore[call-overload]
                await fund.approve(claim_id, int(op[2]))  # type: ignore[call-overload]
            elif op[0] == "decline" and claims:
                await fund.decline(claims[int(op[1]) % len(claims)], 1, "no")  # type: ignore[call-overload]
            elif op[0] == "reverse":
                await fund.reverse(int(op[1]), 1)  # type: ignore[call-overload]
            rows = await fund.ledger()
            # The balance is the sum of the rows, always, and never went below zero
            # without a second coordinator's approval.
            assert await fund.balance() == sum(r.pence for r in rows)
            running = 0
            for row in rows:
                running += row.pence
                # A row that took money out and left the fund below zero (a donation
                # into a fund already below zero breaks no rule).
                if running < 0 and row.pence < 0:
                    assert row.kind is MovementKind.REIMBURSEMENT
                    claim = await fund.get_claim(row.claim_id or 0)
                    assert claim is not None
                    assert claim.first_approver is not None
                    assert claim.first_approver != claim.decided_by
            paid = [r.claim_id for r in rows if r.kind is MovementKind.REIMBURSEMENT]
            assert len(paid) == len(set(paid))  # never paid twice
            for claim_id in claims:
                claim = await fund.get_claim(claim_id)
                assert claim is not None
                assert (claim_id in paid) == (
                    claim.status in (ClaimStatus.PAID, ClaimStatus.REVERSED)
                )
        assert (await fund.figures()).balance == await fund.balance()
    finally:
        await db.close()


@settings(max_examples=40, deadline=None)
@given(operations=OPERATIONS)
def test_the_ledger_keeps_its_rules_whatever_happens(operations: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(Path(folder) / "bot.db", operations))
