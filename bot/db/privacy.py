"""Erasure (/forgetme) and the retention purge: personal data blanked or deleted, then the
WAL checkpointed, so that none of it can be read back from the database's files.

secure_delete (bot.db.connection) makes SQLite zero whatever a DELETE or an UPDATE frees,
in every page it writes. Older images of those pages still sit in the WAL, though, until
a checkpoint copies the clean pages into the main file; TRUNCATE then empties the WAL.
"""

from __future__ import annotations

import json
import logging
import re

from bot.db.connection import Database, Row, Transaction
from bot.domain.privacy import Contact, ConversationKey, Erasure, StaleDrafts, contact_key

_LOGGER = logging.getLogger(__name__)

# Every column of `requests` that says something about a person, with the value it gets
# when it is erased or purged. A new personal column (a phone number, a contact's name)
# goes here and is then covered by /forgetme and the retention purge alike.
PERSONAL_REQUEST_COLUMNS: dict[str, object] = {
    "description": "",
    "address": "",
    "lat": 0.0,
    "lon": 0.0,
    "receipt_file_id": None,
    # A request taken over the phone for someone without Telegram (migration 0005).
    "contact_name": None,
    "contact_phone": None,
    # A prescription's fridge and controlled-drug answers say something about health
    # (migration 0013); how it was paid stays, as a figure.
    "rx_fridge": None,
    "rx_controlled": None,
}
# The same for recurring requests (`series`).
PERSONAL_SERIES_COLUMNS: dict[str, object] = {
    "description": "",
    "address": "",
    "lat": 0.0,
    "lon": 0.0,
}
# The same for offers: what it was, and where.
PERSONAL_OFFER_COLUMNS: dict[str, object] = {
    "description": "",
    "lat": 0.0,
    "lon": 0.0,
}
CLOSED_STATES = ("done", "cancelled", "expired")
# An unfinished conversation (a draft and where it stood) nobody touched for this long is
# purged, whoever it belongs to.
DRAFT_RETENTION_S = 7 * 86400


def _blanking(columns: dict[str, object]) -> tuple[str, list[object]]:
    """`col = ?, ...` and its values; the names are this module's constants, never input."""
    return ", ".join(f"{name} = ?" for name in columns), list(columns.values())


async def _audit(tx: Transaction, now: float, request_id: int | None, action: str) -> None:
    # No actor and no note: the row must not say who was erased.
    await tx.execute(
        "INSERT INTO audit (at, actor_id, request_id, action) VALUES (?, NULL, ?, ?)",
        (now, request_id, action),
    )


async def _cancel(tx: Transaction, rows: list[Row], now: float) -> None:
    """Cancel these open or claimed requests (rows with id and status) before their details
    are erased, each on the audit trail."""
    for row in rows:
        await tx.execute(
            "UPDATE requests SET status = 'cancelled', closed_at = ?, updated_at = ? WHERE id = ?",
            (now, now, row["id"]),
        )
        await _audit(tx, now, row["id"], f"{row['status']}->cancelled")


def _conversation_key(raw: str) -> tuple[int, ...] | None:
    try:
        key = json.loads(raw)
    except ValueError:
        return None
    return tuple(key) if isinstance(key, list) else None


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def erase_user(self, user_id: int, now: float) -> Erasure:
        """Erase one person in one transaction: their open requests cancelled, the tasks
        they hold handed back, every personal column and row about them blanked or deleted.
        Requests stay (status, category, times) for the group's counts, with no requester."""
        async with self._db.transaction() as tx:
            known = await tx.fetchone("SELECT 1 FROM users WHERE id = ?", (user_id,)) is not None
            cancelled = await self._cancel_requests_of(tx, user_id, now)
            released = await self._release_tasks_of(tx, user_id, now)
            # The address messages are deleted from Telegram before this (Privacy.forget).
            await tx.execute(
                "DELETE FROM address_messages WHERE volunteer_id = ? OR request_id IN "
                "(SELECT id FROM requests WHERE requester_id = ?)",
                (user_id, user_id),
            )

            # When they stood at a door, and what was said of them; what they said of a
            # volunteer stays on that volunteer's card, not saying who said it.
            await tx.execute("DELETE FROM visits WHERE volunteer_id = ?", (user_id,))
            await tx.execute("DELETE FROM no_shows WHERE volunteer_id = ?", (user_id,))
            await tx.execute(
                "UPDATE no_shows SET reporter_id = NULL WHERE reporter_id = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE concerns SET volunteer_id = NULL WHERE volunteer_id = ?", (user_id,)
            )
            # Their private lines: what they wrote on any, and all of those about their
            # own requests (what their volunteer wrote to them is about them too).
            await tx.execute(
                "DELETE FROM relay_messages WHERE sender_id = ? OR request_id IN "
                "(SELECT id FROM requests WHERE requester_id = ?)",
                (user_id, user_id),
            )
            # What others wrote in concerns about their requests is about them too.
            await tx.execute(
                "UPDATE concerns SET text = '' WHERE request_id IN "
                "(SELECT id FROM requests WHERE requester_id = ?)",
                (user_id,),
            )
            sets, values = _blanking(PERSONAL_REQUEST_COLUMNS)
            await tx.execute(
                f"UPDATE requests SET {sets}, requester_id = NULL, "
                "purged_at = coalesce(purged_at, ?) WHERE requester_id = ?",
                [*values, now, user_id],
            )
            # Receipts they sent as a volunteer; the amounts stay, as figures.
            await tx.execute(
                "UPDATE requests SET receipt_file_id = NULL WHERE volunteer_id = ?", (user_id,)
            )
            series_rows = await tx.fetchall(
                "SELECT id FROM series WHERE requester_id = ?", (user_id,)
            )
            await tx.execute("DELETE FROM series WHERE requester_id = ?", (user_id,))
            await tx.execute(
                "UPDATE concerns SET text = '', reporter_id = NULL WHERE reporter_id = ?",
                (user_id,),
            )
            await tx.execute(
                "UPDATE audit SET actor_id = NULL, note = '' WHERE actor_id = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE audit SET subject_id = NULL, note = '' WHERE subject_id = ?", (user_id,)
            )
            await self._forget_in_notes(tx, user_id)
            # The fund's rows are the group's accounts and stay; who recorded them, and
            # whose claim it was, do not (as in the audit).
            await tx.execute(
                "UPDATE fund_ledger SET recorded_by = NULL WHERE recorded_by = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE fund_claims SET volunteer_id = NULL, receipt_file_id = NULL "
                "WHERE volunteer_id = ?",
                (user_id,),
            )
            await tx.execute(
                "UPDATE fund_claims SET first_approver = NULL WHERE first_approver = ?",
                (user_id,),
            )
            await tx.execute(
                "UPDATE fund_claims SET decided_by = NULL WHERE decided_by = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE info_entries SET created_by = NULL WHERE created_by = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE concerns SET handled_by = NULL WHERE handled_by = ?", (user_id,)
            )
            await self._forget_offers_of(tx, user_id, now)
            # Phone requests they recorded stay, with no recorder (news goes to all
            # coordinators); broadcasts they sent keep their counts, not who sent them.
            await tx.execute(
                "UPDATE requests SET on_behalf_of = NULL WHERE on_behalf_of = ?", (user_id,)
            )
            await tx.execute(
                "UPDATE broadcasts SET coordinator_id = 0, progress_chat_id = NULL, "
                "progress_message_id = NULL WHERE coordinator_id = ?",
                (user_id,),
            )
            await tx.execute("UPDATE reminders SET user_id = NULL WHERE user_id = ?", (user_id,))
            await tx.execute(
                "UPDATE volunteers SET decided_by = NULL WHERE decided_by = ?", (user_id,)
            )
            # A hold they placed stays (held_at), without saying who placed it.
            await tx.execute("UPDATE volunteers SET held_by = NULL WHERE held_by = ?", (user_id,))
            conversations = await self._forget_conversations(tx, user_id)
            await tx.execute("DELETE FROM pings WHERE volunteer_id = ?", (user_id,))
            await tx.execute("DELETE FROM availability WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM volunteers WHERE user_id = ?", (user_id,))
            await tx.execute("UPDATE users SET first_name = '' WHERE id = ?", (user_id,))
            await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        await self.checkpoint()
        return Erasure(
            known=known,
            cancelled=cancelled,
            released=released,
            series_ids=[row["id"] for row in series_rows],
            conversations=conversations,
        )

    @staticmethod
    async def _forget_offers_of(tx: Transaction, user_id: int, now: float) -> None:
        """Their offers keep only what the group counts (kind, how many, when); the lines
        they are on, the takes they made, the notices sent to them and their listening
        go. Their open offers were closed just before, and the notices edited to say so."""
        mine = "SELECT id FROM offers WHERE offerer_id = :user"
        await tx.execute(
            "DELETE FROM offer_messages WHERE sender_id = :user OR take_id IN ("
            f"SELECT id FROM offer_takes WHERE taker_id = :user OR offer_id IN ({mine}))",
            {"user": user_id},
        )
        await tx.execute(
            f"DELETE FROM offer_notices WHERE chat_id = :user OR offer_id IN ({mine})",
            {"user": user_id},
        )
        await tx.execute("UPDATE offer_takes SET taker_id = NULL WHERE taker_id = ?", (user_id,))
        await tx.execute("DELETE FROM offer_listeners WHERE user_id = ?", (user_id,))
        sets, values = _blanking(PERSONAL_OFFER_COLUMNS)
        await tx.execute(
            f"UPDATE offers SET {sets}, offerer_id = NULL, "
            "status = CASE WHEN status = 'open' THEN 'closed' ELSE status END, "
            "closed_at = coalesce(closed_at, ?), purged_at = coalesce(purged_at, ?) "
            "WHERE offerer_id = ?",
            [*values, now, now, user_id],
        )

    async def _cancel_requests_of(
        self, tx: Transaction, user_id: int, now: float
    ) -> list[tuple[int, int | None]]:
        rows = await tx.fetchall(
            "SELECT id, status, volunteer_id FROM requests "
            "WHERE requester_id = ? AND status IN ('open', 'claimed') ORDER BY id",
            (user_id,),
        )
        await _cancel(tx, rows, now)
        return [(row["id"], row["volunteer_id"]) for row in rows]

    async def _release_tasks_of(self, tx: Transaction, user_id: int, now: float) -> list[int]:
        rows = await tx.fetchall(
            "SELECT id FROM requests WHERE volunteer_id = ? AND status = 'claimed' ORDER BY id",
            (user_id,),
        )
        for row in rows:
            await tx.execute(
                "UPDATE requests SET status = 'open', volunteer_id = NULL, claimed_at = NULL, "
                "round = round + 1, updated_at = ? WHERE id = ?",
                (now, row["id"]),
            )
            await _audit(tx, now, row["id"], "claimed->open")
        return [row["id"] for row in rows]

    @staticmethod
    async def _forget_in_notes(tx: Transaction, user_id: int) -> None:
        """Audit notes that name them by id (e.g. 'assigned', note='<volunteer id>')."""
        rows = await tx.fetchall(
            "SELECT id, note FROM audit WHERE note LIKE '%' || ? || '%'", (str(user_id),)
        )
        alone = re.compile(rf"(?<!\d){user_id}(?!\d)")
        for row in rows:
            if alone.search(row["note"]):
                await tx.execute("UPDATE audit SET note = '' WHERE id = ?", (row["id"],))

    @staticmethod
    async def _forget_conversations(tx: Transaction, user_id: int) -> list[ConversationKey]:
        """PTB's stored drafts and conversation states (keys hold the chat and user id)."""
        await tx.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
        rows = await tx.fetchall("SELECT name, key FROM conversation_states")
        forgotten: list[ConversationKey] = []
        for row in rows:
            key = _conversation_key(row["key"])
            if key is not None and user_id in key:
                await tx.execute(
                    "DELETE FROM conversation_states WHERE name = ? AND key = ?",
                    (row["name"], row["key"]),
                )
                forgotten.append((row["name"], key))
        return forgotten

    async def purge_stale_drafts(self, before: float) -> StaleDrafts:
        """Delete every draft and conversation state last written before `before`."""
        async with self._db.transaction() as tx:
            users = await tx.fetchall(
                "SELECT user_id FROM user_data WHERE coalesce(updated_at, 0) < ?", (before,)
            )
            await tx.execute("DELETE FROM user_data WHERE coalesce(updated_at, 0) < ?", (before,))
            rows = await tx.fetchall(
                "SELECT name, key FROM conversation_states WHERE coalesce(updated_at, 0) < ?",
                (before,),
            )
            await tx.execute(
                "DELETE FROM conversation_states WHERE coalesce(updated_at, 0) < ?", (before,)
            )
        stale = StaleDrafts(
            user_ids=[row["user_id"] for row in users],
            conversations=[
                (row["name"], key)
                for row in rows
                if (key := _conversation_key(row["key"])) is not None
            ],
        )
        if stale.user_ids or stale.conversations:
            await self.checkpoint()
        return stale

    async def purge_closed(self, before: float, now: float) -> int:
        """Blank the personal columns of requests closed before `before` (and of stopped
        series with nothing newer); returns how many requests were purged."""
        request_sets, request_values = _blanking(PERSONAL_REQUEST_COLUMNS)
        series_sets, series_values = _blanking(PERSONAL_SERIES_COLUMNS)
        closed = ",".join(f"'{state}'" for state in CLOSED_STATES)
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE requests SET {request_sets}, purged_at = ? "
                f"WHERE purged_at IS NULL AND status IN ({closed}) AND closed_at < ?",
                [*request_values, now, before],
            )
            purged = cursor.rowcount
            # Concerns about those requests, and old ones about none, lose their words.
            concerns = await tx.execute(
                "UPDATE concerns SET text = '' WHERE text != '' AND ("
                "request_id IN (SELECT id FROM requests WHERE purged_at IS NOT NULL) "
                "OR (request_id IS NULL AND created_at < ?))",
                (before,),
            )
            blanked = concerns.rowcount
            # Their private lines go with them, photos and voice notes included.
            lines = await tx.execute(
                "DELETE FROM relay_messages WHERE request_id IN "
                "(SELECT id FROM requests WHERE purged_at IS NOT NULL)"
            )
            blanked += lines.rowcount
            await tx.execute(
                f"""
                UPDATE series SET {series_sets}, purged_at = ?
                WHERE purged_at IS NULL AND active = 0 AND NOT EXISTS (
                    SELECT 1 FROM requests r WHERE r.series_id = series.id
                    AND (r.closed_at IS NULL OR r.closed_at >= ?))
                """,
                [*series_values, now, before],
            )
            blanked += await self._purge_offers(tx, before, now)
            if purged:
                await tx.execute(
                    "INSERT INTO audit (at, action, note) VALUES (?, 'retention:purge', ?)",
                    (now, f"{purged} requests"),
                )
        if purged or blanked:
            await self.checkpoint()
        return purged

    @staticmethod
    async def _purge_offers(tx: Transaction, before: float, now: float) -> int:
        """Offers that ended before `before`: what and where blanked, who took them, their
        notices and their lines deleted. Returns how many offers were purged."""
        sets, values = _blanking(PERSONAL_OFFER_COLUMNS)
        cursor = await tx.execute(
            f"UPDATE offers SET {sets}, purged_at = ? "
            "WHERE purged_at IS NULL AND status != 'open' AND closed_at < ?",
            [*values, now, before],
        )
        purged = "SELECT id FROM offers WHERE purged_at IS NOT NULL"
        await tx.execute(
            "DELETE FROM offer_messages WHERE take_id IN "
            f"(SELECT id FROM offer_takes WHERE offer_id IN ({purged}))"
        )
        await tx.execute(f"DELETE FROM offer_notices WHERE offer_id IN ({purged})")
        await tx.execute(
            "UPDATE offer_takes SET taker_id = NULL "
            f"WHERE taker_id IS NOT NULL AND offer_id IN ({purged})"
        )
        return int(cursor.rowcount)

    # --- someone without Telegram (/onbehalf), erased by a coordinator ------------------

    async def contact(self, request_id: int) -> Contact | None:
        """The person a phone request was taken for, with every request recorded for them
        (same phone number and name), or None when the request has no such details (not
        a phone request, or already erased or purged)."""
        anchor = await self._db.fetchone(
            "SELECT contact_name, contact_phone FROM requests "
            "WHERE id = ? AND requester_id IS NULL AND contact_phone IS NOT NULL",
            (request_id,),
        )
        if anchor is None:
            return None
        person = contact_key(anchor["contact_name"], anchor["contact_phone"])
        rows = await self._db.fetchall(
            "SELECT id, contact_name, contact_phone FROM requests "
            "WHERE requester_id IS NULL AND contact_phone IS NOT NULL ORDER BY id"
        )
        ids = [
            r["id"] for r in rows if contact_key(r["contact_name"], r["contact_phone"]) == person
        ]
        return Contact(anchor["contact_name"] or "", anchor["contact_phone"], ids)

    async def erase_contact(self, request_id: int, coordinator_id: int, now: float) -> Erasure:
        """/forgetme for someone without Telegram, asked for by a coordinator: every
        request recorded for them loses its personal columns, their open ones are
        cancelled (holders returned, to be told), and so are the concerns and audit
        notes about those requests. The audit keeps who erased and which request, but
        nothing of the person."""
        found = await self.contact(request_id)
        if found is None:
            return Erasure(known=False, cancelled=[], released=[], series_ids=[])
        ids = found.request_ids
        marks = ",".join("?" * len(ids))  # only placeholders; the ids are bound
        sets, values = _blanking(PERSONAL_REQUEST_COLUMNS)
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"SELECT id, status, volunteer_id FROM requests WHERE id IN ({marks}) "
                "AND status IN ('open', 'claimed') ORDER BY id",
                ids,
            )
            await _cancel(tx, rows, now)
            await tx.execute(
                f"UPDATE requests SET {sets}, purged_at = coalesce(purged_at, ?) "
                f"WHERE id IN ({marks})",
                [*values, now, *ids],
            )
            await tx.execute(f"UPDATE concerns SET text = '' WHERE request_id IN ({marks})", ids)
            await tx.execute(f"DELETE FROM relay_messages WHERE request_id IN ({marks})", ids)
            await tx.execute(f"UPDATE audit SET note = '' WHERE request_id IN ({marks})", ids)
            await tx.execute(
                "INSERT INTO audit (at, actor_id, request_id, action, note) "
                "VALUES (?, ?, ?, 'erase:contact', ?)",
                (now, coordinator_id, request_id, f"{len(ids)} requests"),
            )
        await self.checkpoint()
        return Erasure(
            known=True,
            cancelled=[(row["id"], row["volunteer_id"]) for row in rows],
            released=[],
            series_ids=[],
        )

    async def checkpoint(self) -> bool:
        """Copy the WAL into the main file and empty it, so erased data leaves the WAL.
        False (and logged) if another reader kept it from finishing."""
        row = await self._db.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        if row is not None and row[0] != 0:
            _LOGGER.warning("WAL checkpoint was blocked; erased data may linger in the WAL")
            return False
        return True
