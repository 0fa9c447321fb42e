"""Translations: gettext catalogues from locales/, the current language in a ContextVar.

The language is set per update (and per recipient when the bot writes to someone else), so
two updates handled at the same time never see each other's language.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "bot"
SOURCE_LANGUAGE = "en"

_current_language: ContextVar[str] = ContextVar("current_language", default=SOURCE_LANGUAGE)
_catalogues: dict[str, gettext.NullTranslations] = {}
_default_language = SOURCE_LANGUAGE


class CatalogueError(RuntimeError):
    """The compiled catalogues are missing: the set-up step that compiles them was skipped."""


def load_catalogues(default_language: str, locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Load every compiled catalogue; fail loudly when the source language's is missing."""
    global _default_language
    found: dict[str, gettext.NullTranslations] = {}
    for mo_file in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        language = mo_file.parent.parent.name
        with mo_file.open("rb") as handle:
            found[language] = gettext.GNUTranslations(handle)
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
    _default_language = default_language
    return sorted(found)


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
    return _current_language.get()


def set_language_token(*candidates: str | None) -> Token[str]:
    """Set the language for one update; the caller resets it with the token."""
    return _current_language.set(pick_language(*candidates))


def reset_language(token: Token[str]) -> None:
    _current_language.reset(token)


@contextmanager
def use_language(code: str | None) -> Iterator[None]:
    """Render in another person's language for a while (a ping, a notice to a coordinator)."""
    token = _current_language.set(pick_language(code))
    try:
        yield
    finally:
        _current_language.reset(token)


def _catalogue() -> gettext.NullTranslations:
    catalogue = _catalogues.get(_current_language.get()) or _catalogues.get(_default_language)
    return catalogue if catalogue is not None else gettext.NullTranslations()


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _catalogue().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on the number `n`."""
    return _catalogue().ngettext(singular, plural, n)
