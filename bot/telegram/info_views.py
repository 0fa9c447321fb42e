"""What else is available locally: the /info messages and buttons, and the lines offered
under other messages ("meanwhile, these can help", the digest's entries to re-check)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardMarkup

from bot.domain.info import InfoEntry, Topic
from bot.domain.models import HelpRequest
from bot.i18n import _, babel_locale, current_language, inserted, language_name, line
from bot.services.info import LocalInfo
from bot.telegram import buttons as b
from bot.telegram.callbacks import inline
from bot.telegram.texts import clip, esc

# An entry's details are short; a list of them stays well inside one message.
MAX_LISTED = 15


def topic_label(topic: Topic) -> str:
    labels = {
        Topic.FOOD: _("🍞 Food"),
        Topic.MEDICINES: _("💊 Medicines"),
        Topic.MONEY: _("💷 Money and benefits"),
        Topic.HEALTH: _("🩺 Health"),
        Topic.TALKING: _("☎️ Loneliness and talking"),
        Topic.HOUSING: _("🏠 Housing"),
        Topic.EMERGENCIES: _("🚨 Emergencies"),
    }
    return labels[topic]


def topics(*, adding: bool = False) -> InlineKeyboardMarkup:
    """Every topic: to list it (/info), or (`adding`) for a coordinator's new entry."""
    kind = b.InfoAddTopic if adding else b.Info
    rows = [[inline(topic_label(topic), kind(topic))] for topic in Topic]
    return InlineKeyboardMarkup(rows)


def topics_prompt() -> str:
    return _(
        "ℹ️ <b>Other help nearby</b>: local services the group's coordinators have checked. "
        "Choose a topic, or type a word to search (for example: pharmacy)."
    )


def _checked(entry: InfoEntry, tz: ZoneInfo) -> str:
    on = datetime.fromtimestamp(entry.checked_at, tz).date()
    return _("Last checked {day}").format(
        day=format_date(on, format="medium", locale=babel_locale())
    )


def entry_text(entry: InfoEntry, default_language: str, tz: ZoneInfo) -> str:
    """One entry in the reader's language (else the group's)."""
    text = entry.text_for(current_language(), default_language)
    lines = [line("<b>" + inserted(esc(text.title)) + "</b>")]
    if text.body:
        lines.append(line(inserted(esc(text.body))))
    if entry.phone:
        lines.append(line("☎️ " + inserted(esc(entry.phone))))
    if entry.link:
        lines.append(line("🔗 " + inserted(esc(entry.link))))
    if entry.hours:
        lines.append(line("🕒 " + inserted(esc(entry.hours))))
    lines.append("<i>" + _checked(entry, tz) + "</i>")
    return "\n".join(lines)


def entries_text(
    heading: str, entries: list[InfoEntry], default_language: str, tz: ZoneInfo
) -> str:
    if not entries:
        return heading + "\n\n" + _("Nothing here yet.")
    shown = [entry_text(e, default_language, tz) for e in entries[:MAX_LISTED]]
    return clip(heading + "\n\n" + "\n\n".join(shown))


def search_heading(words: str) -> str:
    return _("🔎 Found for “{words}”:").format(words=esc(words))


def nothing_found(words: str) -> str:
    return _("I found nothing for “{words}”. Try another word, or choose a topic.").format(
        words=esc(words)
    )


def manage_entries(entries: list[InfoEntry], default_language: str) -> InlineKeyboardMarkup | None:
    """For coordinators: a button per entry, opening its card."""
    if not entries:
        return None
    rows = []
    for entry in entries[:MAX_LISTED]:
        title = entry.text_for(current_language(), default_language).title
        rows.append([inline("⚙️ " + title[:40], b.InfoEntry(entry.id))])
    return InlineKeyboardMarkup(rows)


def entry_card(entry: InfoEntry) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ Still right"), b.InfoEdit(entry.id, "checked"))],
            [
                inline(_("✏️ Title and text"), b.InfoEdit(entry.id, "text")),
                inline(_("☎️ Phone"), b.InfoEdit(entry.id, "phone")),
            ],
            [
                inline(_("🔗 Link"), b.InfoEdit(entry.id, "link")),
                inline(_("🕒 Opening hours"), b.InfoEdit(entry.id, "hours")),
            ],
            [inline(_("🗑 Retire it"), b.InfoEdit(entry.id, "retire"))],
        ]
    )


def languages(
    entry_id: int, codes: list[str], done: set[str], finish: bool
) -> InlineKeyboardMarkup:
    """Which language to write the entry's title and text in (✓: has one)."""
    rows = [
        [
            inline(
                ("✓ " if code in done else "") + language_name(code),
                b.InfoAddLanguage(entry_id, code),
            )
        ]
        for code in codes
    ]
    if finish:
        rows.append([inline(_("✅ Done"), b.InfoAddDone(entry_id))])
    return InlineKeyboardMarkup(rows)


def skip(step: b.Detail) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("Skip"), b.InfoAddSkip(step))]])


# --- offered under other messages ------------------------------------------------------------


def meanwhile_text(topic: Topic, entries: list[InfoEntry], default_language: str) -> str:
    """A short list under "nobody could take it": titles and numbers, then /info."""
    lines = ["", "", _("Meanwhile, these can help:")]
    for entry in entries:
        text = entry.text_for(current_language(), default_language)
        contact = entry.phone or entry.link
        item = "• <b>" + inserted(esc(text.title)) + "</b>"
        if contact:
            item += " " + inserted(esc(contact))
        lines.append(line(item))
    lines.append(_("/info shows more about {topic}.").format(topic=topic_label(topic)))
    return "\n".join(lines)


def offer_meanwhile(
    info: LocalInfo, default_language: str
) -> Callable[[HelpRequest], Awaitable[Callable[[], str]]]:
    """The hook the chaser and matchmaker call: what to add under their message."""

    async def offer(request: HelpRequest) -> Callable[[], str]:
        topic, entries = await info.meanwhile(request.category)
        if topic is None or not entries:
            return str
        return lambda: meanwhile_text(topic, entries, default_language)

    return offer


def stale_for_digest(
    info: LocalInfo, default_language: str
) -> Callable[[], Awaitable[Callable[[], str]]]:
    async def stale() -> Callable[[], str]:
        entries = await info.to_check()
        if not entries:
            return str

        def render() -> str:
            lines = ["", "", _("ℹ️ Not checked for 90 days: are these still right? (/info)")]
            for entry in entries[:MAX_LISTED]:
                title = entry.text_for(current_language(), default_language).title
                lines.append(line("• " + inserted(esc(title))))
            return "\n".join(lines)

        return render

    return stale


def out_of_area_help() -> str:
    return _("Meanwhile, local services that may help are listed by topic here:")
