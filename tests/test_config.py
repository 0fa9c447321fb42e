"""Settings: every bad value stops start-up with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings, parse_settings

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"


def test_defaults_follow_the_interface() -> None:
    settings = parse_settings({"BOT_TOKEN": TOKEN})
    assert settings.database_path == Path("data/mutualaid.db")
    assert settings.area is None
    assert settings.default_radius_km == 1.5
    assert str(settings.timezone) == "Europe/London"
    assert (settings.escalate_after_s, settings.coordinator_alert_after_s) == (900, 3600)
    assert (settings.reminder_lead_s, settings.follow_up_after_s) == (1800, 7200)
    assert settings.broadcast_rate == 25
    assert settings.geocoder == "none"
    assert (settings.offer_radius_km, settings.max_offer_notices_per_day) == (2, 3)


def test_area_and_admins_are_parsed() -> None:
    settings = parse_settings(
        {"BOT_TOKEN": TOKEN, "AREA_CENTER": "51.5, -0.12", "ADMIN_IDS": "1, 9007199254740993"}
    )
    assert settings.area is not None
    assert (settings.area.lat, settings.area.lon, settings.area.radius_km) == (51.5, -0.12, 3)
    assert settings.admin_ids == frozenset({1, 9007199254740993})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "AREA_CENTER": "London"}, "AREA_CENTER"),
        ({"BOT_TOKEN": TOKEN, "AREA_CENTER": "95,0"}, "AREA_CENTER"),
        ({"BOT_TOKEN": TOKEN, "AREA_RADIUS_KM": "-1"}, "AREA_RADIUS_KM"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "alice"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": TOKEN, "ESCALATE_AFTER_S": "soon"}, "ESCALATE_AFTER_S"),
        ({"BOT_TOKEN": TOKEN, "BROADCAST_RATE": "0"}, "BROADCAST_RATE"),
        ({"BOT_TOKEN": TOKEN, "GEOCODER": "google"}, "GEOCODER"),
        ({"BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "English"}, "DEFAULT_LANGUAGE"),
        ({"BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": "localhost:9000"}, "BOT_API_BASE_URL"),
        ({"BOT_TOKEN": TOKEN, "WAVE_SIZE": "2.5"}, "WAVE_SIZE"),
        ({"BOT_TOKEN": TOKEN, "OFFER_RADIUS_KM": "near"}, "OFFER_RADIUS_KM"),
        ({"BOT_TOKEN": TOKEN, "MAX_OFFER_NOTICES_PER_DAY": "0"}, "MAX_OFFER_NOTICES_PER_DAY"),
    ],
)
def test_a_bad_setting_is_named(values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        parse_settings(values)


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={TOKEN}\nAREA_CENTER=51.5,-0.1\nWAVE_SIZE=3\n")
    settings = load_settings({"WAVE_SIZE": "7"}, env_file=env_file)
    assert settings.bot_token == TOKEN
    assert settings.area is not None
    assert settings.wave_size == 7


def _run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "AREA_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_m_bot_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: BOT_TOKEN is missing: put the token from @BotFather in BOT_TOKEN"
    ]


def test_python_m_bot_with_a_wrong_area_names_it(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, BOT_TOKEN=TOKEN, AREA_CENTER="somewhere")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "AREA_CENTER" in lines[0]
    assert "Traceback" not in result.stderr


async def test_check_says_unhealthy_until_the_database_exists_then_healthy(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "data" / "bot.db"
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(db_path)}
    before = _run_bot(tmp_path, "--check", **env)
    assert before.returncode == 1
    assert "does not exist yet" in before.stderr

    from bot.db import Database
    from bot.health import SERVING, Heartbeat, heartbeat_path

    database = Database(db_path)
    await database.open()  # what the bot does at start: create and migrate
    await database.close()
    Heartbeat(heartbeat_path(db_path)).mark(SERVING)  # and then, serving, its heartbeat
    after = _run_bot(tmp_path, "--check", **env)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "Healthy"


async def _serving_bot_database(tmp_path: Path) -> Path:
    from bot.db import Database
    from bot.health import SERVING, Heartbeat, heartbeat_path

    db_path = tmp_path / "data" / "bot.db"
    database = Database(db_path)
    await database.open()
    await database.close()
    Heartbeat(heartbeat_path(db_path)).mark(SERVING)
    return db_path


async def test_check_fails_when_the_heartbeat_is_older_than_health_stale_s(
    tmp_path: Path,
) -> None:
    from bot.health import heartbeat_path

    db_path = await _serving_bot_database(tmp_path)
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(db_path), "HEALTH_STALE_S": "30"}
    beat = heartbeat_path(db_path)
    long_ago = beat.stat().st_mtime - 31  # the update handler last beat 31 s ago
    os.utime(beat, (long_ago, long_ago))
    stale = _run_bot(tmp_path, "--check", **env)
    assert stale.returncode == 1
    assert "stuck" in stale.stderr
    assert "HEALTH_STALE_S" in stale.stderr

    os.utime(beat)  # it beats again
    assert _run_bot(tmp_path, "--check", **env).returncode == 0


async def test_check_fails_once_the_bot_has_stopped_or_never_ran(tmp_path: Path) -> None:
    from bot.health import STOPPED, Heartbeat, heartbeat_path

    db_path = await _serving_bot_database(tmp_path)
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(db_path)}
    Heartbeat(heartbeat_path(db_path)).mark(STOPPED)
    stopped = _run_bot(tmp_path, "--check", **env)
    assert stopped.returncode == 1
    assert "not serving" in stopped.stderr

    heartbeat_path(db_path).unlink()
    never = _run_bot(tmp_path, "--check", **env)
    assert never.returncode == 1
    assert "not running" in never.stderr


def test_health_stale_s_and_db_retry_s_have_their_defaults_and_must_be_positive() -> None:
    settings = parse_settings({"BOT_TOKEN": TOKEN})
    assert (settings.health_stale_s, settings.db_retry_s) == (90, 60)
    for name in ("HEALTH_STALE_S", "DB_RETRY_S"):
        with pytest.raises(SettingsError, match=name):
            parse_settings({"BOT_TOKEN": TOKEN, name: "0"})


def test_the_webhook_listens_on_localhost_unless_told_otherwise() -> None:
    assert parse_settings({"BOT_TOKEN": TOKEN}).webhook_listen == "127.0.0.1"


def test_every_setting_the_bot_reads_is_documented() -> None:
    """.env.example and the README name every variable bot/config.py reads."""
    import re

    source = (REPO / "bot" / "config.py").read_text()
    read = set(
        re.findall(r"\b(?:get|_positive_float)\((?:values, )?\"([A-Z][A-Z0-9_]+)\"", source)
    )
    read |= set(re.findall(r"_parse_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    assert {"BOT_TOKEN", "AREA_CENTER", "WAVE_SIZE"} <= read
    example = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.M))
    assert read - example == set()
    readme = (REPO / "README.md").read_text()
    assert {name for name in read if f"`{name}`" not in readme} == set()
