"""Money settled openly: the amount is locked once the receipt is in (a coordinator may
correct it, logged); the requester is told it with the receipt and says when they've paid
the volunteer back; what is still owed shows in /stats, the digest and the exports."""

from __future__ import annotations

import csv
import io

from bot.domain.fund import ClaimStatus
from tests.conftest import COORDINATOR, NEAR, REQUESTER, Group

VOLUNTEER = 301


async def _spent(group: Group, amount: str = "8.40", receipt: str | None = "RECEIPT-1") -> int:
    """A done shopping task whose volunteer recorded `amount` and sent the receipt."""
    request_id = await group.ask(category="groceries")
    await group.press(VOLUNTEER, f"v1:accept:{request_id}", name="Vic")
    await group.press(VOLUNTEER, f"v1:done:{request_id}", name="Vic")
    await group.press(VOLUNTEER, f"v1:spend:{request_id}", name="Vic")
    await group.say(VOLUNTEER, amount, name="Vic")
    if receipt is None:
        await group.press(VOLUNTEER, f"v1:noreceipt:{request_id}", name="Vic")
    else:
        await group.app.process_update(group.people.photo(VOLUNTEER, receipt, name="Vic"))
    return request_id


async def _stored(group: Group, request_id: int) -> tuple[int | None, str | None, str | None]:
    row = await group.app.storage.db.fetchone(
        "SELECT spent_pence, receipt_file_id, paid_back_by FROM requests WHERE id = ?",
        (request_id,),
    )
    assert row is not None
    return row["spent_pence"], row["receipt_file_id"], row["paid_back_by"]


async def test_the_requester_sees_the_amount_and_receipt_and_says_they_paid_back(
    group: Group,
) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group)
    [photo] = group.telegram.sent_to(REQUESTER, "sendPhoto")
    assert photo.params["photo"] == "RECEIPT-1"
    assert photo.params.get("protect_content") is True
    assert "Vic spent £8.40" in photo.params["caption"]
    assert photo.buttons == [f"v1:paidback:{request_id}"]

    # Only the requester may press it.
    await group.press(VOLUNTEER, f"v1:paidback:{request_id}", name="Vic")
    assert "isn't for you" in str(group.telegram.answers()[-1].params.get("text"))
    assert (await _stored(group, request_id))[2] is None

    group.telegram.clear()
    await group.press(REQUESTER, f"v1:paidback:{request_id}", name="Rita")
    assert (await _stored(group, request_id))[2] == "requester"
    told = group.telegram.last_to(VOLUNTEER).text
    assert "Rita says they've paid you back £8.40" in told
    # The fund's pending claim for the same money is withdrawn: never paid twice.
    claims = await group.app.storage.db.fetchall(
        "SELECT status FROM fund_claims WHERE request_id = ?", (request_id,)
    )
    assert [c["status"] for c in claims] == [ClaimStatus.WITHDRAWN.value]
    assert any("withdrawn" in c.text for c in group.telegram.sent_to(COORDINATOR))
    # A second press changes nothing and tells nobody again.
    group.telegram.clear()
    await group.press(REQUESTER, f"v1:paidback:{request_id}", name="Rita")
    assert "already settled" in str(group.telegram.answers()[-1].params.get("text"))
    assert group.telegram.sent_to(VOLUNTEER) == []


async def test_the_amount_is_locked_once_the_receipt_is_in(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group)
    group.telegram.clear()
    # The walkthrough's overwrite: pressing "Record what I spent" again and typing 0.
    await group.press(VOLUNTEER, f"v1:spend:{request_id}", name="Vic")
    assert "already recorded (£8.40)" in group.telegram.last_to(VOLUNTEER).text
    await group.say(VOLUNTEER, "0", name="Vic")
    assert await _stored(group, request_id) == (840, "RECEIPT-1", None)


async def test_a_coordinator_corrects_the_amount_logged_and_both_sides_hear(
    group: Group,
) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group)
    await group.say(VOLUNTEER, f"/spent {request_id} 9", name="Vic")
    assert "Only coordinators" in group.telegram.last_to(VOLUNTEER).text
    assert (await _stored(group, request_id))[0] == 840

    group.telegram.clear()
    await group.say(COORDINATOR, f"/spent {request_id} 9.10", name="Cora")
    assert (await _stored(group, request_id))[0] == 910
    assert "£9.10" in group.telegram.last_to(COORDINATOR).text
    assert "£8.40 is now £9.10" in group.telegram.last_to(VOLUNTEER).text
    [again] = group.telegram.sent_to(REQUESTER, "sendPhoto")
    assert "£9.10" in again.params["caption"]
    audit = await group.app.storage.db.fetchall(
        "SELECT actor_id, note FROM audit WHERE action = 'spend:corrected' AND request_id = ?",
        (request_id,),
    )
    assert [(a["actor_id"], a["note"]) for a in audit] == [(COORDINATOR, "840->910")]
    # The fund's claim follows the new amount.
    live = await group.app.services.fund.repository.live_claim_of(request_id)
    assert live is not None
    assert live.pence == 910


async def test_no_receipt_still_tells_the_requester_the_amount(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group, "3.20", receipt=None)
    told = group.telegram.last_to(REQUESTER)
    assert "Vic spent £3.20" in told.text
    assert "no receipt" in told.text
    assert told.buttons == [f"v1:paidback:{request_id}"]
    assert told.params.get("protect_content") is True


async def test_owed_money_shows_in_stats_digest_and_both_exports(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    owed = await _spent(group, "8.40")
    paid = await _spent(group, "2.00", receipt=None)
    await group.press(REQUESTER, f"v1:paidback:{paid}", name="Rita")

    group.telegram.clear()
    await group.say(COORDINATOR, "/stats", name="Cora")
    stats = group.telegram.sent_to(COORDINATOR)[0].text
    assert "Still to be paid back to volunteers: £8.40, for 1 task" in stats
    assert f"#{owed} £8.40" in stats
    assert f"#{paid} " not in stats

    await group.app.services.chaser.start_daily_digest()
    await group.fire("digest")
    digest = next(c.text for c in group.telegram.sent_to(COORDINATOR) if "summary" in c.text)
    assert f"#{owed} £8.40" in digest

    for personal in (False, True):
        export = await group.app.services.figures.requests_csv(personal=personal, codes=True)
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        by_id = {int(r["Request"]): r for r in rows}
        assert (by_id[owed]["Spent"], by_id[owed]["Receipt"], by_id[owed]["Paid back"]) == (
            "8.40",
            "yes",
            "no",
        )
        assert (by_id[paid]["Spent"], by_id[paid]["Receipt"], by_id[paid]["Paid back"]) == (
            "2.00",
            "no",
            "yes",
        )


async def test_the_fund_paying_the_claim_settles_it_and_tells_the_requester(
    group: Group,
) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    await group.say(COORDINATOR, "/fund add", name="Cora")
    await group.say(COORDINATOR, "50", name="Cora")
    await group.press(COORDINATOR, "v1:fund:day:0", name="Cora")
    await group.say(COORDINATOR, "A donor", name="Cora")
    await group.press(COORDINATOR, "v1:fund:thank:no", name="Cora")
    request_id = await _spent(group)
    claim = await group.app.services.fund.repository.live_claim_of(request_id)
    assert claim is not None
    await group.press(COORDINATOR, f"v1:reimburse:{claim.id}", name="Cora")
    assert (await _stored(group, request_id))[2] == "fund"
    assert "nothing for you to pay" in group.telegram.last_to(REQUESTER).text
    await group.press(REQUESTER, f"v1:paidback:{request_id}", name="Rita")
    assert "already settled" in str(group.telegram.answers()[-1].params.get("text"))


async def test_a_coordinator_corrects_the_receipt_with_a_captioned_photo(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group)
    group.telegram.clear()
    await group.app.process_update(
        group.people.photo(
            COORDINATOR, "RECEIPT-RIGHT", name="Cora", caption=f"/spent {request_id} 8.90"
        )
    )
    assert await _stored(group, request_id) == (890, "RECEIPT-RIGHT", None)
    [again] = group.telegram.sent_to(REQUESTER, "sendPhoto")
    assert again.params["photo"] == "RECEIPT-RIGHT"
    assert "£8.90" in again.params["caption"]
    audit = await group.app.storage.db.fetchall(
        "SELECT note FROM audit WHERE action = 'spend:corrected' AND request_id = ?",
        (request_id,),
    )
    assert [a["note"] for a in audit] == ["840->890 receipt"]
    # Not from someone else.
    await group.app.process_update(
        group.people.photo(VOLUNTEER, "RECEIPT-FAKE", name="Vic", caption=f"/spent {request_id} 1")
    )
    assert await _stored(group, request_id) == (890, "RECEIPT-RIGHT", None)


async def test_a_correction_after_paying_back_opens_no_new_claim(group: Group) -> None:
    await group.ready((VOLUNTEER, NEAR, "Vic"))
    request_id = await _spent(group)
    await group.press(REQUESTER, f"v1:paidback:{request_id}", name="Rita")
    group.telegram.clear()
    await group.say(COORDINATOR, f"/spent {request_id} 9.10", name="Cora")
    assert "£8.40 is now £9.10" in group.telegram.last_to(VOLUNTEER).text
    assert await group.app.services.fund.repository.live_claim_of(request_id) is None
    assert group.telegram.sent_to(REQUESTER, "sendPhoto") == []
