"""`python -m bot` (long polling) or `python -m bot --webhook`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tornado.httpserver import HTTPServer

from bot.config import Settings, SettingsError, load_settings
from bot.db.connection import DatabaseUnavailable
from bot.i18n import CatalogueError
from bot.redaction import set_up_logging

if TYPE_CHECKING:
    from bot.telegram.app import MutualAidApplication

# The largest webhook request body read: anything longer is refused unread.
MAX_BODY = 1024 * 1024


def webhook_address(webhook_url: str) -> tuple[str, str]:
    """The URL to register and the path to listen on: WEBHOOK_URL's own path, or
    /telegram appended when it has none."""
    path = urlsplit(webhook_url).path
    if path.strip("/"):
        return webhook_url, path
    return webhook_url.rstrip("/") + "/telegram", "/telegram"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--webhook", action="store_true", help="run behind a webhook")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check settings, catalogues and database, then exit 0 (healthy) or 1",
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["migrate"],
        help="migrate --to postgresql://...: copy the SQLite database into an empty one there",
    )
    parser.add_argument("--to", metavar="DATABASE_URL", help="where `migrate` copies to")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        return _migrate(settings, args.to)
    if args.check:
        from bot.health import STANDBY, heartbeat_state, problems

        found = problems(settings)
        for problem in found:
            print(f"Unhealthy: {problem}", file=sys.stderr)
        if not found:
            standing_by = heartbeat_state(settings) == STANDBY
            print("Healthy (standby: another process serves)" if standing_by else "Healthy")
        return 1 if found else 0
    if args.webhook and not (settings.webhook_url and settings.webhook_secret):
        print(
            "Configuration error: --webhook needs WEBHOOK_URL and WEBHOOK_SECRET",
            file=sys.stderr,
        )
        return 2
    set_up_logging(settings.log_level, settings.bot_token)

    from bot.telegram.app import build_application

    try:
        app = build_application(settings)
    except CatalogueError as error:
        print(f"Set-up error: {error}", file=sys.stderr)
        return 2
    try:
        if settings.database_url is not None and not _stand_by(
            app, settings.database_url, settings
        ):
            return 0  # stopped (SIGTERM, Ctrl-C) while standing by: a clean stop
        _serve(app, settings, webhook=args.webhook)
    except DatabaseUnavailable as error:
        # An unreachable server or a missing PostGIS: one line, not a traceback.
        print(error, file=sys.stderr)
        return 2
    # Stopped because the serving lock was lost: not a clean exit, so a supervisor
    # starts this process again, as a standby.
    return 3 if app.lost_serving else 0


def _migrate(settings: Settings, to: str | None) -> int:
    """Copy the group's SQLite database into an empty PostgreSQL one, and say what moved."""
    from bot.config import checked_database_url
    from bot.db.postgres import describe
    from bot.db.transfer import TransferError, copy_group

    try:
        if to is None:
            raise SettingsError("migrate needs --to postgresql://user:pass@host:port/db")
        url = checked_database_url(to)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if not settings.database_path.is_file():
        print(
            f"Not copied: there is no SQLite database at {settings.database_path}", file=sys.stderr
        )
        return 1
    try:
        copied = asyncio.run(copy_group(settings.database_path, url))
    except (TransferError, DatabaseUnavailable) as error:
        print(f"Not copied: {error}", file=sys.stderr)
        return 1
    rows = sum(table.rows for table in copied)
    print(
        f"Copied {rows} rows in {len(copied)} tables from {settings.database_path} into "
        f"{describe(url)}; the row counts match. Next: set DATABASE_URL to it and start "
        "the bot."
    )
    return 0


def _stand_by(app: MutualAidApplication, url: str, settings: Settings) -> bool:
    """With PostgreSQL, serve only once this process holds the serving lock (waiting as a
    standby until then), in the event loop the bot will then run in. False if asked to
    stop (SIGTERM, SIGINT) while standing by."""
    from bot.standby import Standby

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    standby = Standby(url, settings.failover_s, app.heartbeat)
    waiting = loop.create_task(standby.wait_to_serve())
    # Python's default for SIGTERM ends the process without a word; a supervisor (or
    # `docker stop`) stopping a standby is a clean stop. PTB sets its own when serving.
    stops = (signal.SIGTERM, signal.SIGINT)
    for stop in stops:
        loop.add_signal_handler(stop, waiting.cancel)
    try:
        loop.run_until_complete(waiting)
    except asyncio.CancelledError:
        loop.run_until_complete(standby.release())
        return False
    finally:
        for stop in stops:
            loop.remove_signal_handler(stop)
    app.standby = standby
    return True


def _serve(app: MutualAidApplication, settings: Settings, *, webhook: bool) -> None:
    if webhook:
        assert settings.webhook_url is not None
        url, path = webhook_address(settings.webhook_url)
        # Tornado, under PTB's webhook, would read a body of up to 100 MB before PTB
        # looks at the secret token. Telegram's updates are far smaller.
        HTTPServer.configure(None, max_body_size=MAX_BODY, max_buffer_size=MAX_BODY + 65536)
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=url,
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query", "my_chat_member"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])


if __name__ == "__main__":
    sys.exit(main())
