"""Settings: every environment variable the bot reads, validated in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.domain.models import Category, QuietHours

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{2,}$")
GEOCODERS = ("none", "nominatim")
# OpenStreetMap's own tiles; its tile policy asks for the attribution the map shows.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DISTANCE_UNITS = ("auto", "km", "mi")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Area:
    """The group's area: a circle around a centre."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class NeighbourGroup:
    """A nearby group (NEIGHBOUR_GROUPS): people in its circle and not in ours are sent there."""

    name: str
    lat: float
    lon: float
    radius_km: float
    link: str  # its t.me deep link


@dataclass(frozen=True)
class Settings:
    """Everything the operator can set, already parsed and checked."""

    bot_token: str = field(repr=False)
    bot_api_base_url: str | None = None
    database_path: Path = Path("data/mutualaid.db")
    # postgresql://user:pass@host:port/db: PostgreSQL with PostGIS instead of the SQLite file.
    database_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    area: Area | None = None
    default_radius_km: float = 1.5
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    default_language: str = "en"
    # Distances shown: km, mi, or auto (miles for English readers, km for the others).
    distance_unit: str = "auto"
    escalate_after_s: float = 900
    coordinator_alert_after_s: float = 3600
    reminder_lead_s: float = 1800
    follow_up_after_s: float = 7200
    broadcast_rate: float = 25
    wave_size: int = 5
    expire_after_s: float = 2 * 86400
    digest_time: time | None = time(8, 0)
    series_notice_s: float = 86400
    escalate_stretch_km: float = 0.0
    errors_to_coordinators: bool = False
    geocoder: str = "none"
    geocoder_url: str | None = None
    geocoder_user_agent: str = "mutualaid-bot"
    webhook_url: str | None = None
    # Localhost: a reverse proxy in front takes the https; the Docker image listens wider.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    # The coordinators' map (a Telegram Mini App): its public https address, where the
    # bot serves it, and the map tiles it draws on.
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = 8081
    map_tile_url: str = OSM_TILES
    # Categories only a coordinator-checked (ID/DBS) volunteer is asked to do.
    checked_categories: frozenset[Category] = frozenset({Category.PRESCRIPTION})
    # Money spent on one task above this (in pounds) is flagged to the coordinators.
    spend_cap: float = 30.0
    # Closed requests lose their personal details this many days after closing.
    retention_days: int = 90
    # One requester's requests: open at once, and made in any 24 hours (/onbehalf exempt).
    max_open_requests: int = 5
    max_requests_per_day: int = 10
    # `--check` fails when the running bot's heartbeat is older than this.
    health_stale_s: float = 90
    # How long an update is tried again while the database fails (locked, disk full).
    db_retry_s: float = 60
    # With PostgreSQL: a standby takes over within this after the serving process dies.
    failover_s: float = 15
    # Fair to volunteers: no pings in their quiet hours (the default for those who never
    # chose theirs), at most so many a local day, and this long apart.
    quiet_hours: QuietHours | None = field(default_factory=lambda: QuietHours(21 * 60, 8 * 60))
    max_pings_per_day: int = 6
    ping_spacing_s: float = 3600
    # Nearby groups that cover what our area doesn't (the nearest covering one is named).
    neighbour_groups: tuple[NeighbourGroup, ...] = ()
    # Lone working: "Are you OK?" this long after "I've arrived" with no "I've left
    # safely", and every coordinator alerted this long after that with no answer.
    checkout_after_s: float = 5400
    safety_alert_after_s: float = 900
    # A volunteer's first tasks are flagged to the coordinators (0: none are).
    first_tasks: int = 2
    # Offers: members within this of an offer hear of it, at most so many a local day.
    offer_radius_km: float = 2.0
    max_offer_notices_per_day: int = 3


def checked_database_url(url: str) -> str:
    """A PostgreSQL URL the driver can use, or a settings error that says what is wrong
    (never echoing the URL: it may hold a password)."""
    example = "e.g. postgresql://bot:secret@db.example.org:5432/mutualaid"
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise SettingsError(f"DATABASE_URL must start with postgresql://, {example}")
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise SettingsError(f"DATABASE_URL has a port that is not a number, {example}") from None
    if not parts.hostname or not parts.path.strip("/"):
        raise SettingsError(f"DATABASE_URL must name a host and a database, {example}")
    return url


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Read settings from the environment, falling back to a `.env` file when present.

    Real environment variables win over the file, as operators expect from Docker and systemd.
    """
    values: dict[str, str] = {}
    env_path = env_file if env_file is not None else Path(".env")
    if env_path.is_file():
        values.update({k: v for k, v in dotenv_values(env_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return parse_settings(values)


def parse_settings(values: Mapping[str, str]) -> Settings:
    """Turn raw strings into Settings, raising SettingsError naming the first bad variable."""

    def get(name: str) -> str | None:
        raw = values.get(name)
        if raw is None or raw.strip() == "":
            return None
        return raw.strip()

    token = get("BOT_TOKEN")
    if token is None:
        raise SettingsError("BOT_TOKEN is missing: put the token from @BotFather in BOT_TOKEN")
    if not TOKEN_PATTERN.match(token):
        raise SettingsError("BOT_TOKEN does not look like a bot token (expected 123456:ABC...)")

    base_url = get("BOT_API_BASE_URL")
    if base_url is not None and not re.match(r"^https?://", base_url):
        raise SettingsError("BOT_API_BASE_URL must start with http:// or https://")

    area = None
    center = get("AREA_CENTER")
    if center is not None:
        lat, lon = _parse_lat_lon("AREA_CENTER", center)
        area = Area(lat, lon, _positive_float(values, "AREA_RADIUS_KM", 3.0, maximum=500))
    elif get("AREA_RADIUS_KM") is not None:
        _positive_float(values, "AREA_RADIUS_KM", 3.0, maximum=500)

    timezone_name = get("TIMEZONE") or "Europe/London"
    try:
        timezone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"TIMEZONE {timezone_name!r} is not an IANA time zone such as Europe/London"
        ) from None

    language = get("DEFAULT_LANGUAGE") or "en"
    if not re.fullmatch(r"[a-z]{2,3}", language):
        raise SettingsError("DEFAULT_LANGUAGE must be a language code such as en or cy")

    distance_unit = (get("DISTANCE_UNIT") or "auto").lower()
    if distance_unit not in DISTANCE_UNITS:
        raise SettingsError(
            f"DISTANCE_UNIT must be one of {', '.join(DISTANCE_UNITS)}, not {distance_unit!r}"
        )

    geocoder = (get("GEOCODER") or "none").lower()
    if geocoder not in GEOCODERS:
        raise SettingsError(f"GEOCODER must be one of {', '.join(GEOCODERS)}, not {geocoder!r}")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

    database_url = get("DATABASE_URL")
    if database_url is not None:
        database_url = checked_database_url(database_url)

    webhook_url = get("WEBHOOK_URL")
    if webhook_url is not None and not re.match(r"^https?://", webhook_url):
        raise SettingsError("WEBHOOK_URL must start with https:// (or http:// for testing)")
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
        raise SettingsError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")

    webapp_url = get("WEBAPP_URL")
    if webapp_url is not None and not re.match(r"^https://[^/\s?#]+(/[^\s?#]*)?$", webapp_url):
        raise SettingsError(
            "WEBAPP_URL must be the map's public https:// address (Telegram opens Mini Apps "
            "only over https), such as https://example.org/map"
        )
    webapp_port = int(_positive_float(values, "WEBAPP_PORT", 8081, maximum=65535, integer=True))
    webhook_port = int(_positive_float(values, "WEBHOOK_PORT", 8443, maximum=65535, integer=True))
    if webapp_url is not None and webhook_url is not None and webapp_port == webhook_port:
        raise SettingsError("WEBAPP_PORT must differ from WEBHOOK_PORT: each needs its own port")
    tile_url = get("MAP_TILE_URL") or OSM_TILES
    if not re.match(r"^https?://", tile_url) or not all(
        f"{{{part}}}" in tile_url for part in "zxy"
    ):
        raise SettingsError(
            "MAP_TILE_URL must be an http(s) tile address with {z}, {x} and {y}, such as "
            + OSM_TILES
        )

    quiet_raw = get("QUIET_HOURS") or "21:00-08:00"
    try:
        quiet_hours = QuietHours.parse(quiet_raw)
    except ValueError:
        raise SettingsError(
            f"QUIET_HOURS must be HH:MM-HH:MM (in TIMEZONE, e.g. 21:00-08:00) or off, "
            f"not {quiet_raw!r}"
        ) from None

    return Settings(
        bot_token=token,
        bot_api_base_url=base_url,
        database_path=Path(get("DATABASE_PATH") or "data/mutualaid.db"),
        database_url=database_url,
        admin_ids=_parse_ids("ADMIN_IDS", get("ADMIN_IDS")),
        area=area,
        default_radius_km=_positive_float(values, "DEFAULT_RADIUS_KM", 1.5, maximum=100),
        timezone=timezone,
        default_language=language,
        distance_unit=distance_unit,
        escalate_after_s=_positive_float(values, "ESCALATE_AFTER_S", 900),
        coordinator_alert_after_s=_positive_float(values, "COORDINATOR_ALERT_AFTER_S", 3600),
        reminder_lead_s=_positive_float(values, "REMINDER_LEAD_S", 1800),
        follow_up_after_s=_positive_float(values, "FOLLOW_UP_AFTER_S", 7200),
        broadcast_rate=_positive_float(values, "BROADCAST_RATE", 25, maximum=1000),
        wave_size=int(_positive_float(values, "WAVE_SIZE", 5, maximum=1000, integer=True)),
        expire_after_s=_positive_float(values, "EXPIRE_AFTER_S", 2 * 86400),
        digest_time=_parse_clock_time("DIGEST_TIME", get("DIGEST_TIME") or "08:00"),
        series_notice_s=_positive_float(values, "SERIES_NOTICE_S", 86400),
        escalate_stretch_km=_non_negative_float(values, "ESCALATE_STRETCH_KM", 0.0),
        errors_to_coordinators=_parse_switch(
            "ERRORS_TO_COORDINATORS", get("ERRORS_TO_COORDINATORS")
        ),
        geocoder=geocoder,
        geocoder_url=get("GEOCODER_URL"),
        geocoder_user_agent=get("GEOCODER_USER_AGENT") or "mutualaid-bot",
        webhook_url=webhook_url,
        webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=webhook_port,
        webhook_secret=webhook_secret,
        log_level=log_level,
        webapp_url=webapp_url.rstrip("/") if webapp_url else None,
        webapp_listen=get("WEBAPP_LISTEN") or "127.0.0.1",
        webapp_port=webapp_port,
        map_tile_url=tile_url,
        checked_categories=_parse_categories("CHECKED_CATEGORIES", get("CHECKED_CATEGORIES")),
        spend_cap=_positive_float(values, "SPEND_CAP", 30.0, maximum=10_000),
        retention_days=int(
            _positive_float(values, "RETENTION_DAYS", 90, maximum=3650, integer=True)
        ),
        max_open_requests=int(
            _positive_float(values, "MAX_OPEN_REQUESTS", 5, maximum=1000, integer=True)
        ),
        max_requests_per_day=int(
            _positive_float(values, "MAX_REQUESTS_PER_DAY", 10, maximum=1000, integer=True)
        ),
        health_stale_s=_positive_float(values, "HEALTH_STALE_S", 90),
        db_retry_s=_positive_float(values, "DB_RETRY_S", 60, maximum=3600),
        failover_s=_positive_float(values, "FAILOVER_S", 15, maximum=600),
        quiet_hours=quiet_hours,
        max_pings_per_day=int(
            _positive_float(values, "MAX_PINGS_PER_DAY", 6, maximum=1000, integer=True)
        ),
        ping_spacing_s=_seconds_or_off(values, "PING_SPACING_S", 3600),
        neighbour_groups=_parse_neighbours("NEIGHBOUR_GROUPS", get("NEIGHBOUR_GROUPS")),
        checkout_after_s=_positive_float(values, "CHECKOUT_AFTER_S", 5400, maximum=86400),
        safety_alert_after_s=_positive_float(values, "SAFETY_ALERT_AFTER_S", 900, maximum=86400),
        first_tasks=_first_tasks(values),
        offer_radius_km=_positive_float(values, "OFFER_RADIUS_KM", 2.0, maximum=100),
        max_offer_notices_per_day=int(
            _positive_float(values, "MAX_OFFER_NOTICES_PER_DAY", 3, maximum=1000, integer=True)
        ),
    )


def _first_tasks(values: Mapping[str, str]) -> int:
    """FIRST_TASKS: how many of a volunteer's first tasks are flagged; 0 switches it off."""
    if (values.get("FIRST_TASKS") or "").strip() == "0":
        return 0
    return int(_positive_float(values, "FIRST_TASKS", 2, maximum=100, integer=True))


# A group's Telegram link: a bot's deep link (?start=...) or a public group or channel.
T_ME_LINK = re.compile(
    r"^https://t\.me/[A-Za-z0-9_]{4,64}(/[0-9]+)?(\?start=[A-Za-z0-9_-]{1,64})?$"
)


def _parse_neighbours(name: str, raw: str | None) -> tuple[NeighbourGroup, ...]:
    """`Name|lat,lon|radius_km|link` entries separated by `;`; the error quotes the bad one."""
    if raw is None:
        return ()
    found: list[NeighbourGroup] = []
    for entry in raw.split(";"):
        entry = entry.strip()
        if not entry:
            continue
        bad = f"{name} entry {entry!r} must be Name|lat,lon|radius_km|https://t.me/link"
        parts = [part.strip() for part in entry.split("|")]
        if len(parts) != 4 or not parts[0] or len(parts[0]) > 64:
            raise SettingsError(bad)
        group_name, position, radius, link = parts
        try:
            lat, lon = _parse_lat_lon(name, position)
        except SettingsError:
            raise SettingsError(bad + ": its centre is not lat,lon in degrees") from None
        try:
            radius_km = float(radius)
        except ValueError:
            raise SettingsError(bad + ": its radius is not a number of km") from None
        if not 0 < radius_km <= 500:
            raise SettingsError(bad + ": its radius must be more than 0 and at most 500 km")
        if link.startswith("t.me/"):
            link = "https://" + link
        if not T_ME_LINK.match(link):
            raise SettingsError(
                bad + ": its link must be a t.me link such as https://t.me/somebot?start=need"
            )
        if any(group.name == group_name for group in found):
            raise SettingsError(f"{name} names {group_name!r} twice: each group once")
        found.append(NeighbourGroup(group_name, lat, lon, radius_km, link))
    return tuple(found)


def _parse_lat_lon(name: str, raw: str) -> tuple[float, float]:
    parts = raw.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise SettingsError(f"{name} must be 'lat,lon' in degrees, e.g. 51.5072,-0.1276") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SettingsError(f"{name} is off the map: latitude -90..90, longitude -180..180")
    return lat, lon


def _parse_switch(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    value = raw.lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise SettingsError(f"{name} must be on or off, not {raw!r}")


def _non_negative_float(values: Mapping[str, str], name: str, default: float) -> float:
    """A distance that may be 0 (switched off), up to 50 km."""
    raw = (values.get(name) or "").strip()
    if raw in ("", "0"):
        return default if raw == "" else 0.0
    return _positive_float(values, name, default, maximum=50)


def _seconds_or_off(values: Mapping[str, str], name: str, default: float) -> float:
    """A number of seconds, where 0 switches the rule off (at most a day)."""
    raw = (values.get(name) or "").strip()
    if raw == "0":
        return 0.0
    try:
        return _positive_float(values, name, default, maximum=86400)
    except SettingsError:
        raise SettingsError(
            f"{name} must be a number of seconds from 0 (off) to 86400, not {raw!r}"
        ) from None


def _parse_clock_time(name: str, raw: str) -> time | None:
    if raw.lower() == "off":
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SettingsError(f"{name} must be a time of day as HH:MM (or off), not {raw!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _parse_categories(name: str, raw: str | None) -> frozenset[Category]:
    """Comma-separated category codes; empty means the default (prescriptions), `none`
    means no category needs a checked volunteer."""
    if raw is None:
        return frozenset({Category.PRESCRIPTION})
    if raw.lower() == "none":
        return frozenset()
    found: set[Category] = set()
    for part in raw.split(","):
        code = part.strip().lower()
        if not code:
            continue
        category = Category.parse(code)
        if category is None:
            codes = ", ".join(c.value for c in Category)
            raise SettingsError(
                f"{name} must be category codes from {codes} (or none), not {code!r}"
            )
        found.add(category)
    return frozenset(found)


def _parse_ids(name: str, raw: str | None) -> frozenset[int]:
    if raw is None:
        return frozenset()
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"\d{1,19}", part):
            raise SettingsError(f"{name} must be comma-separated Telegram user ids, not {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _positive_float(
    values: Mapping[str, str],
    name: str,
    default: float,
    *,
    maximum: float | None = None,
    integer: bool = False,
) -> float:
    raw = (values.get(name) or "").strip()
    if raw == "":
        return default
    try:
        number = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
    if not number > 0 or number != number:  # rejects 0, negatives and NaN
        raise SettingsError(f"{name} must be greater than 0, not {raw!r}")
    if maximum is not None and number > maximum:
        raise SettingsError(f"{name} must be at most {maximum:g}, not {raw!r}")
    return float(number)
