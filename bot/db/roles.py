"""Who coordinates: ADMIN_IDS from the start, others made coordinators later, and the
rule that the group always keeps at least one."""

from __future__ import annotations

from collections.abc import Collection

from bot.db.connection import Database, Row, Transaction
from bot.db.users import user_from
from bot.domain.models import Coordinator, Person
from bot.domain.results import Dismissal


def _marks(ids: Collection[int]) -> str:
    return ",".join("?" * len(ids)) or "NULL"


def _coordinates(row: Row | None, user_id: int, admin_ids: frozenset[int]) -> bool:
    if row is not None and row["is_coordinator"]:
        return True
    # An ADMIN_ID is one until dismissed; the dismissal outlives /forgetme.
    return user_id in admin_ids and not (row is not None and row["dismissed"])


def _current(
    rows: list[Row], admin_ids: frozenset[int], dismissed: set[int]
) -> dict[int, Coordinator]:
    """Every coordinator now: those marked in the table, and ADMIN_IDS not dismissed since
    (also those who have no row: they never started the bot, or erased themselves)."""
    found: dict[int, Coordinator] = {}
    for row in rows:
        uid = row["id"]
        listed = uid in admin_ids
        if row["is_coordinator"] or (listed and uid not in dismissed):
            found[uid] = Coordinator(
                uid, row["first_name"], row["language"], listed, row["blocked_at"] is not None
            )
    stored = {row["id"] for row in rows}
    for uid in sorted(admin_ids - stored - dismissed):
        found[uid] = Coordinator(uid, "", None, True, False)
    return found


_SELECT = (
    "SELECT id, first_name, language, is_coordinator, blocked_at "
    "FROM users WHERE is_coordinator = 1 OR id IN ({marks}) ORDER BY id"
)


_DISMISSED = "SELECT user_id FROM dismissed_coordinators WHERE user_id IN ({marks})"


async def _audit(tx: Transaction, now: float, actor_id: int, subject_id: int, action: str) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, subject_id, action) VALUES (?, ?, ?, ?)",
        (now, actor_id, subject_id, action),
    )


class RoleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_coordinator(self, user_id: int, admin_ids: frozenset[int]) -> bool:
        return (await self.person(user_id, admin_ids)).is_coordinator

    async def person(self, user_id: int, admin_ids: frozenset[int]) -> Person:
        """Their row and whether they coordinate, in one query (it runs for every update)."""
        row = await self._db.fetchone(
            "SELECT u.*, d.user_id IS NOT NULL AS dismissed "
            "FROM (SELECT CAST(? AS BIGINT) AS me) me LEFT JOIN users u ON u.id = me.me "
            "LEFT JOIN dismissed_coordinators d ON d.user_id = me.me",
            (user_id,),
        )
        user = user_from(row) if row is not None and row["id"] is not None else None
        return Person(user_id, user, _coordinates(row, user_id, admin_ids))

    async def coordinators(self, admin_ids: frozenset[int]) -> list[Coordinator]:
        ids = sorted(admin_ids)
        rows = await self._db.fetchall(_SELECT.format(marks=_marks(ids)), ids)
        dismissed = await self._db.fetchall(_DISMISSED.format(marks=_marks(ids)), ids)
        return list(_current(rows, admin_ids, {row[0] for row in dismissed}).values())

    async def appoint(self, user_id: int, actor_id: int, now: float) -> bool:
        """Make someone who has started the bot a coordinator; False if they never did."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE users SET is_coordinator = 1, coordinator_removed_at = NULL "
                "WHERE id = ? AND consented_at IS NOT NULL",
                (user_id,),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute("DELETE FROM dismissed_coordinators WHERE user_id = ?", (user_id,))
            await _audit(tx, now, actor_id, user_id, "coordinator:appointed")
            return True

    async def dismiss(
        self, user_id: int, actor_id: int, admin_ids: frozenset[int], now: float
    ) -> Dismissal:
        """Stop someone being a coordinator, unless the group would be left with none.
        Checked and changed in one transaction, so two coordinators removing each other
        at the same moment cannot both succeed."""
        ids = sorted(admin_ids)
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(_SELECT.format(marks=_marks(ids)), ids)
            dismissed = await tx.fetchall(_DISMISSED.format(marks=_marks(ids)), ids)
            current = _current(rows, admin_ids, {row[0] for row in dismissed})
            if user_id not in current:
                return Dismissal.NOT_COORDINATOR
            # One who blocked the bot can't be reached, so doesn't count as one left.
            if not any(uid != user_id and not c.blocked for uid, c in current.items()):
                return Dismissal.LAST
            cursor = await tx.execute(
                "UPDATE users SET is_coordinator = 0, coordinator_removed_at = ? WHERE id = ?",
                (now if user_id in admin_ids else None, user_id),
            )
            if cursor.rowcount != 1:
                return Dismissal.UNKNOWN
            if user_id in admin_ids:
                # The least record that keeps ADMIN_IDS from making them one again.
                await tx.execute(
                    "INSERT OR IGNORE INTO dismissed_coordinators (user_id) VALUES (?)",
                    (user_id,),
                )
            await _audit(tx, now, actor_id, user_id, "coordinator:removed")
            return Dismissal.DONE
