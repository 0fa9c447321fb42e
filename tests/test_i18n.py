"""Languages: complete catalogues, plural forms, the per-update language, /language, RTL."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot import i18n
from bot.config import SettingsError
from bot.domain.models import Category
from bot.i18n import _, use_language
from bot.telegram.texts import (
    KM_PER_MILE,
    category_label,
    decimal,
    distance_text,
    format_time,
    money,
    radius_text,
)
from tests.conftest import COORDINATOR, FAR, HOME, MIDDLE, REQUESTER, Group, make_settings

LOCALES = i18n.LOCALES_DIR
TEMPLATE = LOCALES / f"{i18n.DOMAIN}.pot"
# Every catalogue found in locales/ (seven: en, cy, pl, uk, ur, bn, ar).
LANGUAGES = tuple(
    sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))
)
RIGHT_TO_LEFT = ("ur", "ar")
# One, two and three miles north of HOME: three Welsh plural forms (1 filltir, 2 filltir,
# 3 milltir).
ONE_MILE = (51.5145, -0.1000)
TWO_MILES = (51.5290, -0.1000)
THREE_MILES = (51.5434, -0.1000)
ISOLATE, POP, RLM, LRI = "\u2068", "\u2069", "\u200f", "\u2066"

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+>")
COMMAND = re.compile(r"(?<![\w/<])/[a-z]+")  # /help, not </b> nor 28/11


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _po(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return message.context, msgid


def _pairs(message: Message) -> Iterator[tuple[str, str]]:
    """(English original, translation) for each form of a message."""
    if isinstance(message.id, tuple | list):
        strings = message.string if isinstance(message.string, tuple | list) else ()
        for form in strings:
            yield message.id[1], form
    else:
        yield message.id, str(message.string or "")


# --- the catalogues ----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_translates_every_message_without_fuzzy_entries(language: str) -> None:
    """English is the source: its msgstr may stay empty (gettext shows the msgid)."""
    template = _read(TEMPLATE)
    catalogue = _read(_po(language))
    assert not catalogue.fuzzy, f"{language}: the catalogue header is marked fuzzy"
    entries = {_key(m): m for m in catalogue if m.id}
    problems = []
    for wanted in template:
        if not wanted.id:
            continue
        found = entries.get(_key(wanted))
        if found is None:
            problems.append(f"missing: {_key(wanted)}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {_key(wanted)}")
        elif language != i18n.SOURCE_LANGUAGE:
            strings = found.string if isinstance(found.string, tuple) else (found.string,)
            if not all(strings):
                problems.append(f"untranslated: {_key(wanted)}")
    assert not problems, f"{language}: " + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_tags_and_commands(language: str) -> None:
    problems = []
    for message in _read(_po(language)):
        if not message.id:
            continue
        for original, translation in _pairs(message):
            if not translation:
                continue  # the source language's untranslated entries
            for name, pattern in (("tags", TAG), ("commands", COMMAND)):
                if sorted(pattern.findall(original)) != sorted(pattern.findall(translation)):
                    problems.append(f"{name} differ: {original!r} -> {translation!r}")
            if set(PLACEHOLDER.findall(original)) != set(PLACEHOLDER.findall(translation)):
                problems.append(f"placeholders differ: {original!r} -> {translation!r}")
    assert not problems, f"{language}: " + "\n".join(problems)


def test_the_seven_languages_are_there() -> None:
    assert set(LANGUAGES) == {"en", "cy", "pl", "uk", "ur", "bn", "ar"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_the_language(language: str) -> None:
    """Each catalogue's Plural-Forms header is Babel's (CLDR's) rule for its language, and
    every plural entry has that many forms."""
    catalogue = _read(_po(language))
    rule = get_plural(language)
    forms = rule.num_plurals
    assert catalogue.num_plurals == forms
    assert catalogue.plural_expr.replace(" ", "") == rule.plural_expr.replace(" ", "")
    plurals = [m for m in catalogue if isinstance(m.id, tuple)]
    assert plurals, "no message uses ngettext"
    for message in plurals:
        assert isinstance(message.string, tuple), message.id
        assert len(message.string) == forms, message.id


def test_compiled_catalogues_are_not_older_than_their_sources() -> None:
    for language in LANGUAGES:
        po, mo = _po(language), _po(language).with_suffix(".mo")
        assert mo.is_file(), f"{mo} is missing: run make catalogues"
        assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is stale: run make catalogues"


def test_every_string_in_the_code_is_in_the_template() -> None:
    bot_dir = Path(i18n.__file__).resolve().parent
    template = {_key(m): m for m in _read(TEMPLATE) if m.id}
    missing = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        bot_dir, method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if not msgid:
            continue
        found = template.get((context, msgid))
        plural = message[1] if isinstance(message, tuple) else None
        found_plural = found.id[1] if found is not None and isinstance(found.id, tuple) else None
        if found is None or plural != found_plural:
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, "not in locales/bot.pot (run make messages):\n" + "\n".join(missing)


# --- formatting helpers ------------------------------------------------------------------


@pytest.fixture
def catalogues() -> Iterator[None]:
    i18n.load_catalogues("en")
    yield
    i18n.load_catalogues("en")


@pytest.mark.usefixtures("catalogues")
def test_distances_in_miles_for_english_and_kilometres_for_the_others() -> None:
    with use_language("en"):
        assert distance_text(0.2) == "less than a quarter of a mile away"
        assert distance_text(1.0) == "about half a mile away"
        assert distance_text(1.6) == "about 1 mile away"
        assert distance_text(3.0) == "about 2 miles away"
        assert distance_text(2.4) == "about 1.5 miles away"
    with use_language("pl"):
        assert distance_text(1.0) == "około 1 kilometra stąd"
        assert distance_text(3.0) == "około 3 kilometrów stąd"
        assert distance_text(1.5) == "około 1,5 kilometra stąd"
    with use_language("uk"):
        assert distance_text(2.0) == "приблизно за 2 кілометри звідси"
        assert distance_text(5.0) == "приблизно за 5 кілометрів звідси"
    with use_language("cy"):  # Welsh readers think in miles, as UK road signs do
        assert distance_text(3.2) == "tua 2 filltir i ffwrdd"
        assert distance_text(4.8) == "tua 3 milltir i ffwrdd"
        assert distance_text(0.8) == "tua hanner milltir i ffwrdd"
    with use_language("ur"):
        assert distance_text(2.0) == f"{RLM}تقریباً {ISOLATE}2{POP} کلومیٹر دور"


def test_the_distance_unit_can_be_set() -> None:
    try:
        i18n.load_catalogues("en", distance_unit="km")
        with use_language("en"):
            assert distance_text(3.0) == "about 3 kilometres away"
        i18n.load_catalogues("en", distance_unit="mi")
        with use_language("pl"):
            assert distance_text(3.3) == "około 2 mil stąd"
    finally:
        i18n.load_catalogues("en")
    assert make_settings(Path("."), DISTANCE_UNIT="MI").distance_unit == "mi"
    with pytest.raises(SettingsError, match="DISTANCE_UNIT"):
        make_settings(Path("."), DISTANCE_UNIT="furlongs")


def test_outside_any_update_messages_are_in_the_default_language() -> None:
    """A scheduled job runs outside process_update: DEFAULT_LANGUAGE, not English."""
    try:
        i18n.load_catalogues("cy")
        assert i18n.current_language() == "cy"
        assert _("Thank you!") == "Diolch!"
        with use_language("pl"):
            assert _("Thank you!") == "Dziękuję!"
        with use_language("fr"):  # no catalogue: the default
            assert _("Thank you!") == "Diolch!"
    finally:
        i18n.load_catalogues("en")


@pytest.mark.usefixtures("catalogues")
def test_times_are_written_the_readers_way_in_the_groups_time_zone() -> None:
    london = ZoneInfo("Europe/London")
    summer = datetime(2026, 6, 6, 13, 30, tzinfo=ZoneInfo("UTC")).timestamp()  # 14:30 BST
    expected = {
        "en": "Sat 6 June, 14:30",
        "pl": "sob., 6 czerwca, 14:30",
        "cy": "Sad, 6 Mehefin 14:30",
        "uk": "сб, 6 червня, 14:30",
    }
    for language, text in expected.items():
        with use_language(language):
            assert format_time(summer, london) == text


@pytest.mark.usefixtures("catalogues")
def test_text_put_into_an_urdu_message_is_isolated_and_numbers_stay_bare() -> None:
    with use_language("ur"):
        assert i18n.is_right_to_left()
        # "#12" is kept whole, in one left-to-right isolate, wherever it stands.
        text = _("Cancel #{id}").format(id=12)
        assert f"{LRI}#12{POP}" in text
        text = _("Got it: {when}.").format(when="Sat 6 June, 14:30")
        assert f"{ISOLATE}Sat 6 June, 14:30{POP}" in text
        assert text.startswith(RLM)  # the line is laid out right to left
        # Pieces already in Urdu (a category label) go in as they are.
        text = _("You chose: {category}").format(category=category_label(Category.GROCERIES))
        assert ISOLATE not in text
        assert ISOLATE not in _("Got it: {when}.").format(when="")
    with use_language("en"):
        assert (
            _("Got it: {when}.").format(when="Sat 6 June, 14:30") == "Got it: Sat 6 June, 14:30."
        )


# --- in handlers -------------------------------------------------------------------------


async def test_a_polish_user_gets_start_in_polish(group: Group) -> None:
    await group.say(REQUESTER, "/start", language="pl")
    notice = group.telegram.last_to(REQUESTER)
    assert "Witamy w sąsiedzkiej grupie pomocy" in notice.text
    assert notice.buttons == ["v1:consent:yes", "v1:lang"]
    await group.press(REQUESTER, "v1:consent:yes", language="pl")
    assert "Dzień dobry, Sam!" in group.telegram.last_to(REQUESTER).text
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.language == "pl"


async def test_a_welsh_volunteers_ping_uses_welsh_plural_forms(group: Group) -> None:
    await group.consent(COORDINATOR, name="Cora")
    for user_id, where in ((301, ONE_MILE), (302, TWO_MILES), (303, THREE_MILES)):
        await group.volunteer(user_id, where, name="Gwen", language="cy")
    await group.volunteer(304, FAR, name="Ed", language="pl")
    await group.consent(REQUESTER)
    request_id = await group.ask(where=HOME)
    pings = {user_id: group.telegram.last_to(user_id).text for user_id in (301, 302, 303, 304)}
    assert f"Allwch chi helpu? Cais #{request_id}" in pings[301]
    assert "tua 1 filltir i ffwrdd" in pings[301]
    assert "tua 2 filltir i ffwrdd" in pings[302]
    assert "tua 3 milltir i ffwrdd" in pings[303]
    assert "cyn gynted â phosibl" in pings[303]
    assert "około 3 kilometrów stąd" in pings[304]


async def test_an_urdu_volunteer_reads_the_address_and_code_in_their_own_order(
    group: Group,
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, MIDDLE, name="Ali", language="ur")
    await group.consent(REQUESTER, name="Rita")
    request_id = await group.ask(where=HOME, address="Flat 3, 12 Acacia Avenue")
    assert "کیا آپ مدد کر سکیں؟" in group.telegram.last_to(301).text
    await group.press(301, f"v1:accept:{request_id}", name="Ali", language="ur")
    code = (await group.stored(request_id)).safety_code
    details = group.telegram.last_to(301)
    assert details.params.get("protect_content") is True
    assert f"پتا اور ہدایات: {ISOLATE}Flat 3, 12 Acacia Avenue{POP}" in details.text
    assert f"حفاظتی کوڈ: <b>{ISOLATE}{code}{POP}</b>" in details.text
    assert f"<b>{LRI}#{request_id}{POP} کی تفصیلات</b>" in details.text
    card = group.telegram.calls_of("editMessageText")[-1].text
    assert "یہ کام آپ کے ذمے ہے" in card
    # The English requester's news has no isolates at all.
    assert ISOLATE not in group.telegram.last_to(REQUESTER).text


async def test_an_urdu_volunteers_reminder_is_in_urdu_with_the_time_kept_whole(
    group: Group,
) -> None:
    await group.consent(COORDINATOR, name="Cora")
    await group.volunteer(301, MIDDLE, name="Ali", language="ur")
    await group.consent(REQUESTER, name="Rita")
    await group.say(REQUESTER, "/request")
    await group.press(REQUESTER, "v1:cat:groceries")
    await group.say(REQUESTER, "Weekly shop")
    await group.press(REQUESTER, "v1:when:at")
    await group.say(REQUESTER, "tomorrow 10:00")
    await group.share(REQUESTER, *HOME)
    await group.say(REQUESTER, "12 Acacia Avenue")
    await group.press(REQUESTER, "v1:confirm:yes")
    request_id = (await group.app.storage.requests.by_requester(REQUESTER, 1))[0].id
    await group.press(301, f"v1:accept:{request_id}", name="Ali", language="ur")
    group.telegram.clear()
    await group.fire("before")
    reminder = group.telegram.sent_to(301)[-2].text  # the details come after it
    request = await group.stored(request_id)
    assert request.due_at is not None
    with use_language("ur"):
        due = format_time(request.due_at, group.app.services.settings.timezone)
    assert f"⏰ <b>یاد دہانی</b>: درخواست {LRI}#{request_id}{POP} کا وقت قریب ہے۔" in reminder
    assert f"🕒 {ISOLATE}{due}{POP}" in reminder
    assert f"“{ISOLATE}Weekly shop{POP}”" in reminder
    assert all(line.startswith(RLM) for line in reminder.split("\n") if line)


async def test_language_offers_every_catalogue_and_is_used_from_the_next_message(
    group: Group,
) -> None:
    await group.consent(REQUESTER)
    await group.say(REQUESTER, "/language")
    menu = group.telegram.last_to(REQUESTER)
    assert menu.buttons == [f"v1:lang:{code}" for code in sorted(LANGUAGES)]
    markup = menu.params["reply_markup"]
    keyboard = (json.loads(markup) if isinstance(markup, str) else markup)["inline_keyboard"]
    labels = [button["text"] for row in keyboard for button in row]
    assert labels == [
        "العربية",
        "বাংলা",
        "Cymraeg",
        "✅ English",
        "Polski",
        "Українська",
        "اردو",
    ]
    await group.press(REQUESTER, "v1:lang:uk")
    assert group.telegram.answers()[-1].params["text"] == "✅ Мову змінено."
    edit = group.telegram.calls_of("editMessageText")[-1]
    assert edit.text == "✅ Відтепер я писатиму вам українською."
    await group.say(REQUESTER, "/help")  # Telegram still says "en": the choice wins
    assert "Як це працює" in group.telegram.last_to(REQUESTER).text
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.language == "uk"


async def test_a_language_chosen_before_consent_is_kept_only_once_they_agree(
    group: Group,
) -> None:
    await group.say(REQUESTER, "/start")
    await group.press(REQUESTER, "v1:lang")
    assert "v1:lang:pl" in group.telegram.last_to(REQUESTER).buttons
    await group.press(REQUESTER, "v1:lang:pl")
    notice = group.telegram.last_to(REQUESTER)
    assert "Witamy w sąsiedzkiej grupie pomocy" in notice.text
    assert notice.buttons == ["v1:consent:yes:pl", "v1:lang"]
    assert await group.app.storage.users.get(REQUESTER) is None
    await group.press(REQUESTER, "v1:consent:yes:pl")
    assert "Dzień dobry" in group.telegram.last_to(REQUESTER).text
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.language == "pl"


async def test_an_unknown_language_button_is_answered_politely(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.press(REQUESTER, "v1:lang:xx")
    assert group.telegram.answers()[-1].params["text"] == "This button doesn't work any more."
    user = await group.app.storage.users.get(REQUESTER)
    assert user is not None
    assert user.language == "en"


async def test_concurrent_updates_keep_their_own_languages(group: Group) -> None:
    speakers = {401: "pl", 402: "uk", 403: "cy", 404: "ur", 405: "en"}
    for user_id, language in speakers.items():
        await group.consent(user_id, language=language)
    group.telegram.clear()
    updates = [
        group.people.text(user_id, "/help", language=language)
        for _round in range(3)
        for user_id, language in speakers.items()
    ]
    await asyncio.gather(*(group.app.process_update(update) for update in updates))
    headings = {
        "pl": "Jak to działa",
        "uk": "Як це працює",
        "cy": "Sut mae hyn yn gweithio",
        "ur": "یہ کیسے کام کرتا ہے",
        "en": "How this works",
    }
    for user_id, language in speakers.items():
        texts = group.telegram.texts_to(user_id)
        assert len(texts) == 3
        assert all(headings[language] in text for text in texts), (language, texts)
    assert i18n.current_language() == i18n.SOURCE_LANGUAGE


async def test_the_command_menu_offers_language(group: Group) -> None:
    assert group.app.post_init is not None
    await group.app.post_init(group.app)
    default = [
        m
        for m in group.telegram.calls_of("setMyCommands")
        if m.params["scope"]["type"] == "default"
    ]
    assert "language" in {c["command"] for c in default[0].params["commands"]}


def _description(call: object, command: str) -> str:
    commands = call.params["commands"]  # type: ignore[attr-defined]
    return next(c["description"] for c in commands if c["command"] == command)


async def test_the_menu_is_published_in_every_catalogues_language(group: Group) -> None:
    assert group.app.post_init is not None
    await group.app.post_init(group.app)
    default = [
        m
        for m in group.telegram.calls_of("setMyCommands")
        if m.params["scope"]["type"] == "default"
    ]
    by_language = {m.params.get("language_code"): m for m in default}
    assert set(by_language) == {None, *LANGUAGES}
    assert _description(by_language[None], "help") == "How this works"
    assert _description(by_language["pl"], "help") == "Jak to działa"
    assert _description(by_language["uk"], "request") == "Попросити про допомогу"
    assert _description(by_language["cy"], "language") == "Dewis eich iaith"
    assert _description(by_language["ur"], "help").startswith(RLM)
    assert _description(by_language["bn"], "help") == "এটি কীভাবে কাজ করে"
    assert _description(by_language["ar"], "help").startswith(RLM)
    # Coordinators get theirs in their chat, in their own language.
    coordinator = [
        m
        for m in group.telegram.calls_of("setMyCommands")
        if m.params["scope"] == {"type": "chat", "chat_id": COORDINATOR}
    ]
    assert len(coordinator) == 1
    assert "export" in {c["command"] for c in coordinator[0].params["commands"]}


async def test_choosing_a_language_moves_that_chats_menu_to_it(group: Group) -> None:
    await group.consent(REQUESTER)
    await group.consent(COORDINATOR, name="Cora")
    group.telegram.clear()
    await group.press(REQUESTER, "v1:lang:pl")
    (menu,) = group.telegram.calls_of("setMyCommands")
    assert menu.params["scope"] == {"type": "chat", "chat_id": REQUESTER}
    assert _description(menu, "help") == "Jak to działa"
    assert "export" not in {c["command"] for c in menu.params["commands"]}
    group.telegram.clear()
    await group.press(COORDINATOR, "v1:lang:cy")
    (menu,) = group.telegram.calls_of("setMyCommands")
    assert menu.params["scope"] == {"type": "chat", "chat_id": COORDINATOR}
    assert "export" in {c["command"] for c in menu.params["commands"]}
    assert _description(menu, "language") == "Dewis eich iaith"


# --- right to left: every message in Urdu and Arabic ----------------------------------

FIELD = re.compile(r"\{([a-z_]+)\}")
LITERAL_COMMAND = re.compile(r"(?<![\w/<:\u2066])/[a-z_]+")


def _rendered(message: Message) -> Iterator[tuple[str, dict[str, object]]]:
    """The message rendered in the current language with a distinct sample value for each
    placeholder (numbers for counts and ids, text for the rest), every plural form."""
    msgid = _key(message)[1]
    # A plural's forms may name a count its singular leaves out ("one" / "{n} requests").
    every_form = " ".join(message.id) if isinstance(message.id, tuple | list) else msgid
    fields = sorted(set(FIELD.findall(every_form)))
    values: dict[str, object] = {
        name: 7000 + i if name in ("n", "id", "count", "days") else f"Sample{i} x"
        for i, name in enumerate(fields)
    }
    if isinstance(message.id, tuple | list):
        for n in (0, 1, 2, 3, 11, 100):
            yield i18n.ngettext(message.id[0], message.id[1], n).format(**values), values
    elif message.context:
        yield i18n.pgettext(message.context, msgid).format(**values), values
    else:
        yield _(msgid).format(**values), values


@pytest.mark.usefixtures("catalogues")
@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_every_value_put_into_a_right_to_left_message_is_isolated(language: str) -> None:
    """Every message of the template, rendered in Urdu and in Arabic: each inserted value
    sits in an isolate ("#7000" in one left-to-right isolate), every literal /command too,
    and every line starts right to left. Arabic before its translation shows the English
    text, laid out the same right-to-left way (bot.i18n decides by the reader's language)."""
    problems = []
    with use_language(language):
        assert i18n.is_right_to_left()
        for message in _read(TEMPLATE):
            if not message.id:
                continue
            for text, values in _rendered(message):
                for name, value in values.items():
                    isolated = f"{ISOLATE}{value}{POP}" in text or f"{LRI}#{value}{POP}" in text
                    # A plural form may leave its count out ("one donor"); that the others
                    # keep it is test_translations_keep_placeholders_tags_and_commands's job.
                    if str(value) in text and not isolated:
                        problems.append(f"{name}={value!r} not isolated in {text!r}")
                if LITERAL_COMMAND.search(text):
                    problems.append(f"a /command outside an isolate in {text!r}")
                if any(line and not line.startswith(RLM) for line in text.split("\n")):
                    problems.append(f"a line not marked right to left in {text!r}")
    assert not problems, f"{language}: " + "\n".join(problems[:20])


@pytest.mark.usefixtures("catalogues")
def test_literal_commands_and_numbers_in_urdu_text_keep_their_order() -> None:
    with use_language("ur"):
        text = _("Send /details and the request's number, for example /details 12.")
        assert f"{LRI}/details{POP}" in text
        assert f"{LRI}/details 12{POP}" in text
        text = _(
            "That doesn't look like a phone number. Please type it with its digits, "
            "like 07700 900123."
        )
        assert f"{LRI}07700 900123{POP}" in text
    with use_language("pl"):  # left to right: nothing added
        text = _("Send /details and the request's number, for example /details 12.")
        assert LRI not in text
        assert RLM not in text


@pytest.mark.usefixtures("catalogues")
def test_lists_use_the_readers_separator_and_isolate_each_item() -> None:
    with use_language("en"):
        assert i18n.join_list(["Ann", "Bob", "Cy"]) == "Ann, Bob and Cy"
    with use_language("pl"):
        assert i18n.join_list(["Ann", "Bob", "Cy"]) == "Ann, Bob i Cy"
    with use_language("ur"):
        text = i18n.join_list(["Ann", "Bob"])
        assert text == f"{ISOLATE}Ann{POP} اور {ISOLATE}Bob{POP}"


# --- numbers, money, times --------------------------------------------------------------


@pytest.mark.usefixtures("catalogues")
def test_money_and_decimals_are_written_the_readers_way() -> None:
    expected = {"en": "£12.50", "cy": "£12.50", "pl": "12,50\xa0£", "uk": "12,50\xa0£"}
    for language, text in expected.items():
        with use_language(language):
            assert money(1250) == text
            assert "GBP" not in money(1250)
    with use_language("pl"):
        assert decimal(1.5) == "1,5"
        assert radius_text(1.5) == "1,5 km"
    with use_language("en"):
        assert radius_text(2 * KM_PER_MILE) == "2 miles"
        assert radius_text(KM_PER_MILE) == "1 mile"


@pytest.mark.usefixtures("catalogues")
def test_urdu_times_use_the_24_hour_clock_of_its_prompts() -> None:
    london = ZoneInfo("Europe/London")
    summer = datetime(2026, 6, 6, 13, 30, tzinfo=ZoneInfo("UTC")).timestamp()  # 14:30 BST
    with use_language("ur"):
        text = format_time(summer, london)
        assert "14:30" in text
        assert "PM" not in text
