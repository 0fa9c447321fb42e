"""An Urdu reader end to end: the real bot process over the Bot API emulator answers
/help in Urdu, laid out right to left, with every /command kept in its own order."""

from __future__ import annotations

from tests.e2e.conftest import BotProcess, Neighbours, html_problems, is_new, shows

URDU_READER = 302
RLM, LRI, POP = "\u200f", "\u2066", "\u2069"


def test_an_urdu_users_help_is_in_urdu_right_to_left(
    bot: BotProcess, neighbours: Neighbours
) -> None:
    neighbours.languages[URDU_READER] = "ur"
    neighbours.say(URDU_READER, "/start")
    notice = neighbours.wait_for(URDU_READER, shows("v1:consent:yes"), "privacy notice")
    assert "خوش آمدید" in notice.text
    neighbours.press(URDU_READER, "v1:consent:yes", on=notice)
    neighbours.wait_for(URDU_READER, is_new, "choice of what to do, after agreeing")

    neighbours.say(URDU_READER, "/help")
    help_text = neighbours.wait_for(URDU_READER, is_new, "/help in Urdu").text
    assert "یہ کیسے کام کرتا ہے" in help_text
    assert not html_problems(help_text)
    # Every line is laid out right to left, and "/request" never shows as "request/".
    assert all(line.startswith(RLM) for line in help_text.split("\n") if line)
    assert f"{LRI}/request{POP}" in help_text
    assert "/request" in help_text  # still a command Telegram can link
    # The menus were published once per catalogue's language, and once for the rest.
    assert neighbours.emulator.method_calls(neighbours.token, "setMyCommands") >= 8
