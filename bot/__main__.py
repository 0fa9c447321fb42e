"""`python -m bot` (long polling) or `python -m bot --webhook`."""

from __future__ import annotations

import argparse
import sys

from bot.config import SettingsError, load_settings
from bot.i18n import CatalogueError
from bot.redaction import set_up_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--webhook", action="store_true", help="run behind a webhook")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check settings, catalogues and database, then exit 0 (healthy) or 1",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if args.check:
        from bot.health import problems

        found = problems(settings)
        for problem in found:
            print(f"Unhealthy: {problem}", file=sys.stderr)
        if not found:
            print("Healthy")
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
    if args.webhook:
        assert settings.webhook_url is not None
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url.rstrip("/") + "/telegram",
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query", "my_chat_member"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
