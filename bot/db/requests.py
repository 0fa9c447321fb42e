"""Requests for help and their lifecycle: open -> claimed -> done, and the ways out.

Every transition is one conditional UPDATE checked by its row count, written to the audit
table in the same transaction: that is what makes "exactly one volunteer gets the job"
hold when two press Accept in the same millisecond.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.db.connection import Database, Row, Transaction
from bot.db.rows import record
from bot.domain.models import (
    Category,
    HelpRequest,
    Need,
    NewRequest,
    Payment,
    Prescription,
    RequestStatus,
    When,
)


def _prescription(row: Row) -> Prescription | None:
    if row["rx_consent_at"] is None:
        return None
    return Prescription(
        payment=Payment(row["rx_payment"]),
        pence=row["rx_pence"],
        fridge=bool(row["rx_fridge"]),
        controlled=bool(row["rx_controlled"]),
        consent_at=row["rx_consent_at"],
        collector_id=row["rx_collector_id"],
        named_at=row["rx_named_at"],
    )


def need_values(need: Need) -> tuple[int | None, str, str, str, float, float]:
    """What a request and a series (bot.db.series) both hold (whose it is, what is needed,
    and where) as the parameters of their columns, named as Need's fields, in this order."""
    return (
        need.requester_id,
        need.category.value,
        need.description,
        need.address,
        need.lat,
        need.lon,
    )


def _request(row: Row) -> HelpRequest:
    return record(
        HelpRequest,
        row,
        category=Category(row["category"]),
        when=When(row["when_kind"]),
        status=RequestStatus(row["status"]),
        prescription=_prescription(row),
    )


async def _audit(
    tx: Transaction, now: float, actor_id: int | None, request_id: int, action: str, note: str = ""
) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, request_id, action, note) VALUES (?, ?, ?, ?, ?)",
        (now, actor_id, request_id, action, note),
    )


def _first(result: tuple[HelpRequest, int | None] | None) -> HelpRequest | None:
    return result[0] if result else None


class RequestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewRequest, now: float) -> HelpRequest:
        """A new open request (one taken over the phone has no requester_id)."""
        rx = new.prescription
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                INSERT INTO requests (requester_id, category, description, address, lat, lon,
                    when_kind, due_at, safety_code, created_at, updated_at, expires_at,
                    series_id, on_behalf_of, contact_name, contact_phone, linked_to,
                    rx_payment, rx_pence, rx_fridge, rx_controlled, rx_consent_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    *need_values(new),
                    new.when.value,
                    new.due_at,
                    new.safety_code,
                    now,
                    now,
                    new.expires_at,
                    new.series_id,
                    new.on_behalf_of,
                    new.contact_name,
                    new.contact_phone,
                    new.linked_to,
                    rx.payment.value if rx else None,
                    rx.pence if rx else None,
                    rx.fridge if rx else None,
                    rx.controlled if rx else None,
                    rx.consent_at if rx else None,
                ),
            )
            request_id = int(cursor.lastrowid or 0)
            await _audit(
                tx,
                now,
                new.requester_id if new.on_behalf_of is None else new.on_behalf_of,
                request_id,
                "->open",
                "" if new.on_behalf_of is None else "by phone",
            )
            row = await tx.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
        assert row is not None
        return _request(row)

    async def open_like(
        self, category: Category, *, requester_id: int | None = None, phone: str | None = None
    ) -> HelpRequest | None:
        """The newest open (or taken) request of this kind from this requester, or for this
        phone number (digits compared, so "07700 900123" is "07700900123")."""
        if requester_id is not None:
            row = await self._db.fetchone(
                "SELECT * FROM requests WHERE requester_id = ? AND category = ? "
                "AND status IN ('open', 'claimed') ORDER BY id DESC LIMIT 1",
                (requester_id, category.value),
            )
            return _request(row) if row else None
        digits = "".join(ch for ch in phone or "" if ch.isdigit())
        rows = await self._db.fetchall(
            "SELECT * FROM requests WHERE requester_id IS NULL AND contact_phone IS NOT NULL "
            "AND category = ? AND status IN ('open', 'claimed') ORDER BY id DESC",
            (category.value,),
        )
        for row in rows:
            if digits and "".join(ch for ch in row["contact_phone"] if ch.isdigit()) == digits:
                return _request(row)
        return None

    async def add_to(
        self, request_id: int, addition: str, actor_id: int, now: float, *, limit: int
    ) -> HelpRequest | None:
        """The requester's new details added to their open (or taken) request's
        description; None if it closed meanwhile or the result would pass `limit`."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE requests SET description = description || ?, "
                "updated_at = ? WHERE id = ? AND status IN ('open', 'claimed') "
                "AND length(description) + length(?) <= ?",
                (f"\n➕ {addition}", now, request_id, f"\n➕ {addition}", limit),
            )
            if cursor.rowcount != 1:
                return None
            await _audit(tx, now, actor_id, request_id, "added to")
            row = await tx.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
        assert row is not None
        return _request(row)

    async def additions(self, request_id: int) -> list[float]:
        """When its requester added to this request (a second ask for the same need)."""
        rows = await self._db.fetchall(
            "SELECT at FROM audit WHERE request_id = ? AND action = 'added to' ORDER BY at",
            (request_id,),
        )
        return [float(row["at"]) for row in rows]

    async def linked_from(self, request_id: int) -> list[int]:
        """Requests their requester said are separate needs beside this one."""
        rows = await self._db.fetchall(
            "SELECT id FROM requests WHERE linked_to = ? ORDER BY id", (request_id,)
        )
        return [int(row["id"]) for row in rows]

    async def name_collector(self, request_id: int, volunteer_id: int, now: float) -> None:
        """The volunteer the requester is told will collect their prescription: the one
        their consent now covers (audited, so a hand-back and a new name both show)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE requests SET rx_collector_id = ?, rx_named_at = ? "
                "WHERE id = ? AND rx_consent_at IS NOT NULL",
                (volunteer_id, now, request_id),
            )
            await _audit(tx, now, volunteer_id, request_id, "named collector")

    async def get(self, request_id: int) -> HelpRequest | None:
        row = await self._db.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    async def claim(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """The volunteer takes the request; None if it was no longer open."""
        return _first(
            await self._transition(
                request_id,
                actor_id=volunteer_id,
                allowed_from=(RequestStatus.OPEN,),
                to=RequestStatus.CLAIMED,
                assignments="volunteer_id = :actor, claimed_at = :now",
                now=now,
            )
        )

    async def release(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """The volunteer hands it back: open again, in a new round of pings."""
        return _first(
            await self._transition(
                request_id,
                actor_id=volunteer_id,
                allowed_from=(RequestStatus.CLAIMED,),
                to=RequestStatus.OPEN,
                assignments="volunteer_id = NULL, claimed_at = NULL, round = round + 1",
                condition="volunteer_id = :actor",
                now=now,
            )
        )

    async def rebook_asap(self, request_id: int, actor_id: int, now: float) -> HelpRequest | None:
        """A booked request whose time passed while nobody had it: "as soon as possible"
        now (its requester said so). None unless it is open and still booked."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE requests SET when_kind = 'asap', due_at = NULL, updated_at = ? "
                "WHERE id = ? AND status = 'open' AND when_kind = 'at'",
                (now, request_id),
            )
            if cursor.rowcount != 1:
                return None
            await _audit(tx, now, actor_id, request_id, "rebooked:asap")
            row = await tx.fetchone("SELECT * FROM requests WHERE id = ?", (request_id,))
            return _request(row) if row else None

    async def complete(self, request_id: int, volunteer_id: int, now: float) -> HelpRequest | None:
        """The volunteer who held it says it is done."""
        return _first(
            await self._transition(
                request_id,
                actor_id=volunteer_id,
                allowed_from=(RequestStatus.CLAIMED,),
                to=RequestStatus.DONE,
                assignments="closed_at = :now",
                condition="volunteer_id = :actor",
                now=now,
            )
        )

    async def cancel(
        self, request_id: int, actor_id: int, now: float, *, as_requester: bool
    ) -> tuple[HelpRequest, int | None] | None:
        """Cancel an open or claimed request. Returns it with the volunteer who held it."""
        return await self._transition(
            request_id,
            actor_id=actor_id,
            allowed_from=(RequestStatus.OPEN, RequestStatus.CLAIMED),
            to=RequestStatus.CANCELLED,
            assignments="closed_at = :now",
            condition="requester_id = :actor" if as_requester else "1 = 1",
            now=now,
        )

    async def cancelled_by_requester(self, request_id: int) -> bool:
        """Whether the requester cancelled it themselves (rather than a coordinator closing
        it): their own id on the audit row of its cancelling."""
        row = await self._db.fetchone(
            "SELECT a.actor_id = r.requester_id AS theirs FROM audit a "
            "JOIN requests r ON r.id = a.request_id "
            "WHERE a.request_id = ? AND a.action LIKE '%->cancelled' ORDER BY a.id DESC LIMIT 1",
            (request_id,),
        )
        return bool(row and row["theirs"])

    async def expire(self, request_id: int, now: float) -> HelpRequest | None:
        """Nobody took it within its window."""
        return _first(
            await self._transition(
                request_id,
                actor_id=None,
                allowed_from=(RequestStatus.OPEN,),
                to=RequestStatus.EXPIRED,
                assignments="closed_at = :now",
                now=now,
            )
        )

    async def set_feedback(
        self, request_id: int, requester_id: int, got_help: bool, coordinator: bool = False
    ) -> bool:
        """The requester's answer to "did you get the help?", once. For a request taken over
        the phone, the coordinator who recorded it answers for the person (or any
        `coordinator`, since its news goes to all of them once that one no longer is)."""
        changed = await self._db.execute(
            "UPDATE requests SET feedback = ? WHERE id = ? "
            "AND (requester_id = ? OR on_behalf_of = ? OR (? AND requester_id IS NULL "
            "AND (on_behalf_of IS NOT NULL OR contact_phone IS NOT NULL))) "
            "AND status = 'done' AND feedback IS NULL",
            ("yes" if got_help else "no", request_id, requester_id, requester_id, coordinator),
        )
        return changed == 1

    async def _transition(
        self,
        request_id: int,
        *,
        actor_id: int | None,
        allowed_from: Collection[RequestStatus],
        to: RequestStatus,
        assignments: str,
        now: float,
        condition: str = "1 = 1",
    ) -> tuple[HelpRequest, int | None] | None:
        """One conditional UPDATE plus its audit row. Returns the request after the change
        and the volunteer who held it before, or None when the condition no longer held."""
        states = ",".join(f"'{s.value}'" for s in allowed_from)
        params = {"id": request_id, "to": to.value, "actor": actor_id, "now": now}
        async with self._db.transaction() as tx:
            before = await tx.fetchone(
                "SELECT status, volunteer_id FROM requests WHERE id = :id", params
            )
            if before is None:
                return None
            cursor = await tx.execute(
                f"""
                UPDATE requests SET status = :to, updated_at = :now, {assignments}
                WHERE id = :id AND status IN ({states}) AND ({condition})
                """,
                params,
            )
            if cursor.rowcount != 1:
                return None
            await _audit(tx, now, actor_id, request_id, f"{before['status']}->{to.value}")
            updated = await tx.fetchone("SELECT * FROM requests WHERE id = :id", params)
        assert updated is not None
        return _request(updated), before["volunteer_id"]

    async def mark_announced(self, request_id: int, now: float) -> None:
        await self._db.execute(
            "UPDATE requests SET announced_at = ? WHERE id = ? AND announced_at IS NULL",
            (now, request_id),
        )

    async def by_requester(self, requester_id: int, limit: int = 10) -> list[HelpRequest]:
        rows = await self._db.fetchall(
            "SELECT * FROM requests WHERE requester_id = ? ORDER BY id DESC LIMIT ?",
            (requester_id, limit),
        )
        return [_request(row) for row in rows]

    async def load_of(self, requester_id: int, since: float) -> tuple[int, int]:
        """How many of this requester's requests are open (or taken) now, and how many
        they made since `since`."""
        row = await self._db.fetchone(
            "SELECT count(CASE WHEN status IN ('open', 'claimed') THEN 1 END) AS open, "
            "count(CASE WHEN created_at >= ? THEN 1 END) AS recent "
            "FROM requests WHERE requester_id = ?",
            (since, requester_id),
        )
        return (int(row["open"]), int(row["recent"])) if row else (0, 0)

    async def held_by(self, volunteer_id: int) -> list[HelpRequest]:
        rows = await self._db.fetchall(
            "SELECT * FROM requests WHERE volunteer_id = ? AND status = 'claimed' ORDER BY id",
            (volunteer_id,),
        )
        return [_request(row) for row in rows]

    async def note(
        self, request_id: int, actor_id: int | None, action: str, now: float, note: str = ""
    ) -> None:
        """An audit row about a request that is not a change of status (e.g. who assigned it)."""
        async with self._db.transaction() as tx:
            await _audit(tx, now, actor_id, request_id, action, note)

    async def open_and_overdue(self, now: float, limit: int) -> tuple[list[HelpRequest], int]:
        """What coordinators should look at, oldest first: every open request, and taken
        ones whose time has passed. Returns the first `limit` and how many there are."""
        where = "status = 'open' OR (status = 'claimed' AND due_at IS NOT NULL AND due_at < :now)"
        rows = await self._db.fetchall(
            f"SELECT * FROM requests WHERE {where} ORDER BY created_at, id LIMIT :limit",
            {"now": now, "limit": limit},
        )
        count = await self._db.number(f"SELECT count(*) FROM requests WHERE {where}", {"now": now})
        return [_request(row) for row in rows], count

    async def recent_of_volunteer(
        self, volunteer_id: int, limit: int = 5
    ) -> list[tuple[HelpRequest, str]]:
        """The volunteer's latest tasks with how each went for them: 'accepted' (theirs,
        however it ended) or 'released' (they handed it back)."""
        rows = await self._db.fetchall(
            """
            SELECT r.*, p.answer AS their_answer
            FROM pings p JOIN requests r ON r.id = p.request_id
            WHERE p.volunteer_id = ? AND p.answer IN ('accepted', 'released')
            ORDER BY p.sent_at DESC, p.id DESC LIMIT ?
            """,
            (volunteer_id, limit),
        )
        return [(_request(row), row["their_answer"]) for row in rows]
