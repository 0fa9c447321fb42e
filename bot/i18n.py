"""Translations: gettext catalogues from locales/, the current language in a ContextVar.

The language is set per update (and per recipient when the bot writes to someone else), so
two updates handled at the same time never see each other's language.

Translated messages are `Message`s. In a right-to-left language (Urdu, Arabic):
- every line starts with a RIGHT-TO-LEFT MARK, so a line that opens with a command, a
  number or an inserted value is still laid out right to left;
- the translated text's own left-to-right runs, a `/command` ("/details 12"), a request
  number "#{id}" and a number in several parts ("07700 900123", "28/11 14:30"), are
  wrapped in LEFT-TO-RIGHT ISOLATE ... POP, so "/request" never shows as "request/";
- `format()` wraps each inserted value (an address, a code, a time, an amount, a count)
  in FIRST STRONG ISOLATE ... POP, so that it keeps its own order and place.
Text built outside `_()` uses `line()`, `inserted()` and `join_list()` for the same.

A right-to-left language whose catalogue lacks a message (Arabic before its translators
finish) shows the English msgid laid out the same right-to-left way: the reader's
language decides the layout, so the isolates are there whichever text is shown.
"""

from __future__ import annotations

import gettext
import re
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "bot"
SOURCE_LANGUAGE = "en"
# The Babel locale for dates and numbers where the bare language code would pick another
# country's customs (plain "en" is American: "2:30 PM", month before day).
BABEL_LOCALES = {"en": "en_GB"}
DISTANCE_UNITS = ("auto", "km", "mi")
# With DISTANCE_UNIT=auto: the languages whose readers think in miles (in the UK, road
# signs are in miles: English and Welsh readers); everyone else gets kilometres.
MILES_LANGUAGES = frozenset({"en", "cy"})
LEFT_TO_RIGHT_ISOLATE = "\u2066"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
RIGHT_TO_LEFT_MARK = "\u200f"
# In a right-to-left message's own text, the runs that must keep left-to-right order: a
# /command with its @bot and number ("/details 12", not "</b>" nor "28/11"), a request
# number "#{id}" or "#12", and a number in several parts ("07700 900123", "28/11 14:30",
# "12.50"), with a £ before it.
_LEFT_TO_RIGHT_RUN = re.compile(
    r"(?<![\w/<:])/[a-z_]+(?:@\w+)?(?:[ \u00a0](?:\d+|\{[a-z_]+\}))?(?![\w/])"
    r"|#(?:\{[a-z_]+\}|\d+)"
    r"|£?(?<![\w{])\d+(?:[ /:.,\-]\d+)+(?![\w}])"
)

# None outside any update or use_language() (a scheduled job): DEFAULT_LANGUAGE then applies.
_current_language: ContextVar[str | None] = ContextVar("current_language", default=None)
_catalogues: dict[str, gettext.NullTranslations] = {}
# Each compiled file as last read, by path, with the (mtime, size) it had: building the
# application again in the same process (the tests build hundreds) reads a file only
# when it changed, as after `make catalogues`.
_read: dict[Path, tuple[tuple[int, int], gettext.GNUTranslations]] = {}
_default_language = SOURCE_LANGUAGE
_right_to_left: set[str] = set()
_distance_unit = "auto"


class CatalogueError(RuntimeError):
    """The compiled catalogues are missing: the set-up step that compiles them was skipped."""


def load_catalogues(
    default_language: str, locales_dir: Path = LOCALES_DIR, *, distance_unit: str = "auto"
) -> list[str]:
    """Load every compiled catalogue; fail loudly when the source language's is missing.

    `distance_unit` (auto, km or mi) is DISTANCE_UNIT: how distances are shown."""
    global _default_language, _distance_unit
    if distance_unit not in DISTANCE_UNITS:
        raise ValueError(f"distance unit must be one of {DISTANCE_UNITS}, not {distance_unit!r}")
    found: dict[str, gettext.NullTranslations] = {}
    for mo_file in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        language = mo_file.parent.parent.name
        found[language] = _read_catalogue(mo_file)
    if SOURCE_LANGUAGE not in found:
        raise CatalogueError(
            f"no compiled catalogue in {locales_dir}: run "
            f"'pybabel compile -d locales -D {DOMAIN}' (make setup does it)"
        )
    if default_language not in found:
        raise CatalogueError(
            f"DEFAULT_LANGUAGE {default_language!r} has no catalogue; "
            f"available: {', '.join(sorted(found))}"
        )
    _catalogues.clear()
    _catalogues.update(found)
    _right_to_left.clear()
    _right_to_left.update(code for code in found if _locale(code).text_direction == "rtl")
    _default_language = default_language
    _distance_unit = distance_unit
    return sorted(found)


def _read_catalogue(mo_file: Path) -> gettext.GNUTranslations:
    status = mo_file.stat()
    stamp = (status.st_mtime_ns, status.st_size)
    cached = _read.get(mo_file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with mo_file.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    _read[mo_file] = (stamp, catalogue)
    return catalogue


def _locale(code: str) -> Locale:
    try:
        return Locale.parse(BABEL_LOCALES.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(BABEL_LOCALES[SOURCE_LANGUAGE])


def available_languages() -> list[str]:
    """Codes of the languages that have a compiled catalogue."""
    return sorted(_catalogues)


def pick_language(*candidates: str | None) -> str:
    """The first candidate with a catalogue (`en-GB` counts as `en`), else the default."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.lower().replace("_", "-").split("-")[0]
        if code in _catalogues:
            return code
    return _default_language


def current_language() -> str:
    """The language messages are being written in right now."""
    return _current_language.get() or _default_language


def babel_locale() -> str:
    """The Babel locale for dates and numbers in the current language (en -> en_GB)."""
    language = current_language()
    return BABEL_LOCALES.get(language, language)


def is_right_to_left(code: str | None = None) -> bool:
    """Whether a language (by default the current one) is written right to left."""
    return (code or current_language()) in _right_to_left


def language_name(code: str) -> str:
    """A language's name in that language ("Cymraeg", "Polski"), for the language menu."""
    locale = _locale(code)
    name = locale.get_language_name(locale) or code
    return name[:1].upper() + name[1:]


def distance_unit() -> Literal["km", "mi"]:
    """The unit to show distances in for the current reader: DISTANCE_UNIT, or with `auto`
    miles for English (UK) readers and kilometres for everyone else."""
    if _distance_unit == "mi":
        return "mi"
    if _distance_unit == "km":
        return "km"
    return "mi" if current_language() in MILES_LANGUAGES else "km"


def set_language_token(*candidates: str | None) -> Token[str | None]:
    """Set the language for one update; the caller resets it with the token."""
    return _current_language.set(pick_language(*candidates))


def reset_language(token: Token[str | None]) -> None:
    _current_language.reset(token)


def switch_language(code: str) -> None:
    """Change the language for the rest of the update being handled (the person just
    chose one). process_update's reset_language() restores the outer value afterwards."""
    _current_language.set(pick_language(code))


@contextmanager
def use_language(code: str | None) -> Iterator[None]:
    """Render in another person's language for a while (a ping, a notice to a coordinator)."""
    token = _current_language.set(pick_language(code))
    try:
        yield
    finally:
        _current_language.reset(token)


def _catalogue() -> gettext.NullTranslations:
    catalogue = _catalogues.get(current_language()) or _catalogues.get(_default_language)
    return catalogue if catalogue is not None else gettext.NullTranslations()


def isolate(value: str) -> str:
    """Wrap text of unknown direction so that it can't reorder the sentence around it."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}" if value else value


class Message(str):
    """A translated message. In a right-to-left language, `format()` isolates each text
    it inserts. Numbers passed as int stay bare (the bidi algorithm already keeps "#12"
    together, and an isolate would split the "#" from its digits), and so do pieces
    translated into the same right-to-left language (a category label, a status)."""

    right_to_left: bool

    def __new__(cls, text: str, right_to_left: bool = False) -> Message:
        message = super().__new__(cls, text)
        message.right_to_left = right_to_left
        return message

    def format(self, *args: object, **kwargs: object) -> str:
        if not self.right_to_left:
            return str.format(self, *args, **kwargs)
        # A number after "#" is already inside the "#{id}" run's isolate (_message).
        after_hash = {
            field
            for literal, field, _spec, _conversion in string.Formatter().parse(self)
            if field is not None and literal.endswith("#")
        }
        return str.format(
            self,
            *(_isolated(a) for a in args),
            **{k: v if k in after_hash else _isolated(v) for k, v in kwargs.items()},
        )


def _isolated(value: object) -> object:
    if isinstance(value, Message) and value.right_to_left:
        return value
    if isinstance(value, str):
        return isolate(value)
    if isinstance(value, int | float):
        return isolate(str(value))
    return value


def _message(text: str) -> Message:
    if not is_right_to_left():
        return Message(text)
    text = _LEFT_TO_RIGHT_RUN.sub(
        lambda run: f"{LEFT_TO_RIGHT_ISOLATE}{run[0]}{POP_DIRECTIONAL_ISOLATE}", text
    )
    return Message(line(text), right_to_left=True)


def line(text: str) -> str:
    """Text built outside `_()` (a list line, "🕒 " and a time): in a right-to-left
    language, each of its lines starts with a RIGHT-TO-LEFT MARK, as translated ones do."""
    if not is_right_to_left():
        return text
    return "\n".join(
        piece if not piece or piece.startswith(RIGHT_TO_LEFT_MARK) else RIGHT_TO_LEFT_MARK + piece
        for piece in text.split("\n")
    )


def inserted(value: str) -> str:
    """A value put into text built outside `_()` (a name, a description): isolated in a
    right-to-left language, as `Message.format()` isolates what it inserts."""
    return str(_isolated(value)) if is_right_to_left() else value


def join_list(items: Iterable[str]) -> str:
    """Items joined the reader's way ("a, b and c", "a, b i c", "a، b اور c"), each
    isolated in a right-to-left language."""
    pieces = [inserted(item) for item in items]
    return str(format_list(pieces, locale=babel_locale())) if pieces else ""


def _(message: str) -> str:
    """Translate `message` into the current language (a `Message`; typed as str so that
    callers can add to it freely)."""
    return _message(_catalogue().gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on the whole number `n`."""
    return _message(_catalogue().ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    """Translate `message`, told apart from the same English words by `context`."""
    return _message(_catalogue().pgettext(context, message))
