"""One bot serves a PostgreSQL database at a time; the others stand by (issue 13).

Two or more `python -m bot` may run against one `DATABASE_URL`. The one holding a
PostgreSQL session advisory lock talks to Telegram (polls, or serves the webhook), runs the
reminders and sends; the others wait for the lock without calling Telegram at all, so no
409 Conflict storm and nothing said twice. PostgreSQL drops a session's lock the moment
its connection goes: a holder killed with SIGKILL closes its socket at once, and a holder
cut off from the network is dropped by TCP keepalives set here, within about two thirds
of `FAILOVER_S`. The holder checks its own lock connection four times as often and stops
serving as soon as it fails, before a standby can have taken over: two processes never
serve together.

A standby only starts the bot (loading the conversation states, the reminders, the
undelivered work) once it holds the lock, so it starts from what the last holder wrote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from bot.db.connection import DatabaseUnavailable
from bot.db.postgres import describe, schema_in
from bot.health import STANDBY, Heartbeat

_LOGGER = logging.getLogger(__name__)
# pg_try_advisory_lock(SERVING_LOCK, hashtext(<schema>)): one per database and schema, so
# that groups sharing a server (or tests sharing a database) stay apart.
SERVING_LOCK = 7_420_003


class Standby:
    """Wait to be the serving process; then keep checking that we still are."""

    def __init__(self, url: str, failover_s: float, heartbeat: Heartbeat) -> None:
        self.url = url
        self.failover_s = failover_s
        self.heartbeat = heartbeat
        self.schema = schema_in(url) or "public"
        self._connection: asyncpg.Connection | None = None

    @property
    def _settings(self) -> dict[str, str]:
        # The server notices a holder gone silent (no FIN: a lost network) within
        # idle + count * interval = failover_s * 2/3, and drops its lock then.
        idle = max(1, int(self.failover_s / 3))
        interval = max(1, int(self.failover_s / 6))
        return {
            "tcp_keepalives_idle": str(idle),
            "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": "2",
            "application_name": "mutualaid-bot",
        }

    async def wait_to_serve(self) -> None:
        """Return once this process holds the serving lock; until then, stand by. A server
        that can't be reached at all at start is an error; one lost later is waited out."""
        told = False
        reached = False
        while True:
            try:
                if self._connection is None or self._connection.is_closed():
                    self._connection = await asyncpg.connect(
                        self.url, timeout=self.failover_s, server_settings=self._settings
                    )
                reached = True
                won = await self._connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, hashtext($2))", SERVING_LOCK, self.schema
                )
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if not reached:
                    # At start: the operator hears at once, as without a standby.
                    reason = " ".join(str(error).split())
                    raise DatabaseUnavailable(
                        f"Database error: PostgreSQL at {describe(self.url)} is unreachable "
                        f"({reason})"
                    ) from error
                _LOGGER.warning(
                    "Standing by: PostgreSQL at %s cannot be reached (%s)",
                    describe(self.url),
                    error,
                )
                await self._drop()
                won = False
            if won:
                _LOGGER.info("Serving: this process holds the database's serving lock")
                return
            if not told:
                _LOGGER.info(
                    "Standing by: another bot process serves %s; taking over when it stops",
                    describe(self.url),
                )
                told = True
            self.heartbeat.mark(STANDBY)
            await asyncio.sleep(self.failover_s / 5)

    async def keep_serving(self, lost: Callable[[], None]) -> None:
        """Check the lock's connection every `failover_s / 5`; call `lost` once it fails."""
        period = self.failover_s / 5
        while True:
            await asyncio.sleep(period)
            connection = self._connection
            try:
                if connection is None:
                    raise ConnectionError("no lock connection")
                await asyncio.wait_for(connection.fetchval("SELECT 1"), timeout=period)
            except (
                OSError,
                TimeoutError,
                ConnectionError,
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
            ) as error:
                _LOGGER.error(
                    "Lost the database's serving lock (%s): stopping, so that a standby "
                    "takes over",
                    error,
                )
                await self._drop()
                lost()
                return

    async def release(self) -> None:
        """Give the lock up at once (a clean stop), so a standby need not wait."""
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            try:
                await asyncio.wait_for(connection.close(), timeout=2)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                connection.terminate()
