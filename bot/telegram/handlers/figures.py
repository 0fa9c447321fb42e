"""Coordinators: /stats (the numbers that matter and a chart of requests per day) and
/export (CSV files of requests and volunteers; personal details only when asked for, and
every export logged)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from babel.dates import format_skeleton, format_timedelta
from babel.numbers import format_percent
from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.models import RequestStatus
from bot.i18n import (
    SOURCE_LANGUAGE,
    _,
    available_languages,
    babel_locale,
    current_language,
    inserted,
    line,
    ngettext,
    use_language,
)
from bot.services.figures import CHART_DAYS, ChartText, Day, Stats, draw_chart
from bot.services.neighbours import REFERRAL_DAYS
from bot.telegram import keyboards, settling
from bot.telegram.buttons import Export
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    coordinators_only,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import category_label, esc, number, status_label

PERSONAL_WORDS = ("personal", "full", "details")


def _stats_text(stats: Stats) -> str:
    locale = babel_locale()
    lines = [
        _("📊 <b>Figures</b>"),
        ngettext("<b>Requests</b>: {n} in all", "<b>Requests</b>: {n} in all", stats.total).format(
            n=number(stats.total)
        ),
        line(
            " · ".join(
                f"{status_label(status)} {inserted(number(count))}"
                for status, count in stats.by_status.items()
                if count
            )
        ),
    ]
    kinds = [
        f"{category_label(category)} {inserted(number(count))}"
        for category, count in stats.by_category.items()
        if count
    ]
    if kinds:
        lines.append(_("<b>By kind</b>: {kinds}").format(kinds=" · ".join(kinds)))
    lines.append(
        ngettext(
            "Taken by phone for people without Telegram: {n}",
            "Taken by phone for people without Telegram: {n}",
            stats.by_phone,
        ).format(n=number(stats.by_phone))
    )
    if stats.median_wait_s is None:
        lines.append(_("Median time to be taken: no request has been taken yet"))
    else:
        wait = format_timedelta(
            timedelta(seconds=stats.median_wait_s), threshold=1.5, locale=locale
        )
        lines.append(_("Median time to be taken: {wait}").format(wait=wait))
    if stats.done_share is not None:
        lines.append(
            _("Done: {share} of the requests that have finished").format(
                share=format_percent(stats.done_share, locale=locale)
            )
        )
    v = stats.volunteers
    # A line per count, so that each gets the plural form its own number needs.
    lines += [
        _("<b>Volunteers</b>"),
        ngettext(
            "{n} volunteer ready to be asked", "{n} volunteers ready to be asked", v.available
        ).format(n=number(v.available)),
        ngettext("{n} volunteer paused", "{n} volunteers paused", v.paused).format(
            n=number(v.paused)
        ),
        ngettext(
            "{n} volunteer waiting for approval",
            "{n} volunteers waiting for approval",
            v.waiting,
        ).format(n=number(v.waiting)),
        ngettext(
            "{n} volunteer has had ID/DBS checks",
            "{n} volunteers have had ID/DBS checks",
            v.checked,
        ).format(n=number(v.checked)),
        ngettext(
            "{n} volunteer took a task in the last 30 days",
            "{n} volunteers took a task in the last 30 days",
            v.recently_active,
        ).format(n=number(v.recently_active)),
    ]
    return "\n".join(lines)


def _referrals_text(referred: dict[str, int]) -> str:
    """How many people needing help were pointed to each neighbouring group lately."""
    title = ngettext(
        "<b>Sent to neighbouring groups</b> (outside our area), last {n} day:",
        "<b>Sent to neighbouring groups</b> (outside our area), last {n} days:",
        REFERRAL_DAYS,
    ).format(n=REFERRAL_DAYS)
    if not referred:
        return title + " " + _("nobody")
    return (
        title
        + " "
        + " · ".join(f"{esc(name)} {number(count)}" for name, count in referred.items())
    )


def _chart_text(days: list[Day]) -> ChartText:
    locale = babel_locale()
    return ChartText(
        title=ngettext(
            "Requests per day over the last {n} day, by how they stand now",
            "Requests per day over the last {n} days, by how they stand now",
            CHART_DAYS,
        ).format(n=CHART_DAYS),
        outcomes={
            RequestStatus.DONE: _("done"),
            RequestStatus.CLAIMED: _("taken"),
            RequestStatus.OPEN: _("still open"),
            RequestStatus.CANCELLED: _("cancelled"),
            RequestStatus.EXPIRED: _("expired"),
        },
        day_labels=[format_skeleton("dMMM", day.day, locale=locale) for day in days],
        language=current_language(),
    )


@coordinators_only
async def show_stats(update: Update, context: BotContext) -> None:
    """/stats: requests by status and kind, time to be taken, share done, volunteers; then
    a chart of the last 30 days."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    figures = services.figures
    text = _stats_text(await figures.stats()) + await settling.owed_text(services)
    if services.settings.neighbour_groups:
        text += "\n" + _referrals_text(await services.neighbours.recent())
    await message.reply_text(text)
    days = await figures.days()
    # Drawing takes a few hundred milliseconds of CPU: not on the event loop.
    png = await asyncio.to_thread(draw_chart, days, _chart_text(days))
    await message.reply_photo(
        InputFile(png, filename="requests-per-day.png"),
        caption=_("Requests asked each day, coloured by how they stand now."),
    )


@coordinators_only
async def export(update: Update, context: BotContext) -> None:
    """/export asks what to include; /export personal sends the files with personal
    details at once."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    args = [a.lower() for a in context.args or []]
    # "/export en" (with or without "personal"): the file in that language; English is
    # the stable one, with the values as stored, for spreadsheets built on it.
    language = next((a for a in args if a in available_languages()), None)
    args = [a for a in args if a != language]
    if not args:
        await message.reply_text(
            _(
                "What should the export include? Personal details (names, addresses, phone "
                "numbers) are left out unless you ask for them, and every export is logged."
            ),
            reply_markup=keyboards.export_choice(language),
        )
    elif args[0] in PERSONAL_WORDS or args[0] == "plain":
        await _send_export(
            context, message.chat_id, sender.id, personal=args[0] != "plain", language=language
        )
    else:
        await message.reply_text(
            _(
                "Send /export for the files without personal details, or /export personal "
                "for names, addresses and phone numbers too. Add en (/export en) for the "
                "English file that keeps the same columns and values every time."
            )
        )


@coordinators_only
@press(Export)
async def export_chosen(update: Update, context: BotContext, press: Press[Export]) -> None:
    """v1:export:plain|personal[:<language>]: the choice under /export."""
    query, sender = press.query, press.sender
    choice, language = press.data.kind, press.data.language
    await answer(query, _("Preparing the files…"))
    await query.edit_message_reply_markup(reply_markup=None)
    await _send_export(
        context, sender.id, sender.id, personal=choice == "personal", language=language
    )


async def _send_export(
    context: BotContext,
    chat_id: int,
    coordinator_id: int,
    *,
    personal: bool,
    language: str | None = None,
) -> None:
    """The two files, in the coordinator's language or `language`; in English, with the
    values as stored (the stable file)."""
    figures = context.services.figures
    with use_language(language or current_language()):
        codes = current_language() == SOURCE_LANGUAGE and language is not None
        requests = await figures.requests_csv(personal=personal, codes=codes)
        volunteers = await figures.volunteers_csv(personal=personal, codes=codes)
    # Logged before anything is sent: the record must exist even if sending fails half-way.
    await figures.record_export(
        coordinator_id,
        personal=personal,
        note=f"requests={requests.rows} volunteers={volunteers.rows}",
    )
    caption = (
        _(
            "🔒 Personal details inside: keep this file safe, share it with nobody outside "
            "the coordinators, and delete it when you're done. This export is logged."
        )
        if personal
        else _("No personal details inside.")
    )
    for export_file in (requests, volunteers):
        await context.bot.send_document(
            chat_id,
            InputFile(export_file.content, filename=export_file.filename),
            caption=caption,
            # Not forwardable or savable from Telegram: whatever is in it stays with them.
            protect_content=True,
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("stats", show_stats, filters=PRIVATE),
            CommandHandler("export", export, filters=PRIVATE),
            CallbackQueryHandler(export_chosen, pattern=Export.matches()),
        ],
        group=GROUP_FEATURES,
    )
