"""One bot process's share of fifty volunteers pressing Accept at once
(tests/test_across_processes.py starts two of these on one PostgreSQL database).

    python -m tests.support.accepts FOLDER REQUEST_ID FIRST_UPDATE_ID VOLUNTEER...

The group is the test's: its folder, and its PostgreSQL URL in $GROUP_DATABASE_URL (the
test's schema is lent from a pool, so the folder alone no longer names it). The presses
go through the real application, as updates from Telegram would; the process says
`ready` once it is connected with its presses built, presses them all together when a
line arrives on stdin, and prints what it answered and to whom it sent the address, as
JSON.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from pathlib import Path

from bot.telegram.app import build_application
from tests.conftest import Group, make_settings
from tests.support.telegram import FakeTelegram

ADDRESS = "12 Acacia Avenue"


async def press_together(
    folder: Path, request_id: int, first_update_id: int, volunteers: list[int]
) -> dict[str, list[object]]:
    telegram = FakeTelegram()
    url = {"DATABASE_URL": os.environ["GROUP_DATABASE_URL"]}
    app = build_application(make_settings(folder, WAVE_SIZE="60", **url), request=telegram)
    async with app:
        group = Group(app, telegram)
        group.people._update_ids = itertools.count(first_update_id)
        presses = [
            group.people.press(v, f"v1:accept:{request_id}", name=f"V{v}") for v in volunteers
        ]
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.gather(*(app.process_update(press) for press in presses))
        await app.services.events.settled()
    return {
        "answers": [str(answer.params.get("text")) for answer in telegram.answers()],
        "addressed": [
            call.chat_id
            for call in telegram.calls
            if call.method == "sendMessage" and ADDRESS in call.text
        ],
    }


def main(argv: list[str]) -> int:
    folder, request_id, first_update_id, *volunteers = argv
    outcome = asyncio.run(
        press_together(
            Path(folder), int(request_id), int(first_update_id), list(map(int, volunteers))
        )
    )
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
