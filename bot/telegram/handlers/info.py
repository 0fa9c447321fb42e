"""/info: what else is available locally (the food bank, the pharmacy that delivers, the
council's helpline), by topic or by a typed word. Coordinators add entries (/info add),
and edit, re-check or retire them with the buttons on each one."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, get_args

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.info import InfoText, NewEntry, Topic
from bot.i18n import _, available_languages, current_language, language_name
from bot.services.info import MAX_BODY, MAX_DETAIL, MAX_TITLE, split_title
from bot.telegram import info_views
from bot.telegram.buttons import (
    Detail,
    Info,
    InfoAddDone,
    InfoAddLanguage,
    InfoAddSkip,
    InfoAddTopic,
    InfoEdit,
    InfoEntry,
)
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    END,
    GROUP_FEATURES,
    PRIVATE,
    TEXT,
    answer,
    consented_and_answered,
    consented_user,
    conversation,
    coordinators_only,
    draft_of,
    refuse_non_coordinator,
)
from bot.telegram.presses import Press, choose_a_button, press, stale_answer

DRAFT = "info"
# Its own group, before the features' catch-all (see handlers.common).
GROUP_INFO_CONVERSATION = 9
DETAILS: tuple[Detail, ...] = get_args(Detail)


class Step(IntEnum):
    SEARCH = 1
    TOPIC = 2
    TEXT = 3
    PHONE = 4
    LINK = 5
    HOURS = 6
    MORE = 7
    LANGUAGE_TEXT = 8
    EDIT = 9


async def _reply(update: Update, text: str, markup: Any = None) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            text, reply_markup=markup, disable_web_page_preview=True
        )


# --- reading -------------------------------------------------------------------------------


async def info_command(update: Update, context: BotContext) -> int:
    """/info (topics, then a typed word searches), /info <words>, /info add."""
    user = await consented_user(update, context)
    if user is None:
        return END
    args = context.args or []
    if args[:1] == ["add"]:
        if not context.is_coordinator:
            await refuse_non_coordinator(update)
            return END
        context.drafts[DRAFT] = {}
        await _reply(
            update,
            _("Which topic is the new entry about?"),
            info_views.topics(adding=True),
        )
        return Step.TOPIC
    if args:
        await _search(update, context, " ".join(args))
        return Step.SEARCH
    await _reply(update, info_views.topics_prompt(), info_views.topics())
    return Step.SEARCH


async def _search(update: Update, context: BotContext, words: str) -> None:
    services = context.services
    found = await services.info.search(words)
    if not found:
        await _reply(update, info_views.nothing_found(words), info_views.topics())
        return
    default = services.settings.default_language
    markup = info_views.manage_entries(found, default) if context.is_coordinator else None
    await _reply(
        update,
        info_views.entries_text(
            info_views.search_heading(words), found, default, services.settings.timezone
        ),
        markup,
    )


async def words_typed(update: Update, context: BotContext) -> int:
    message = update.effective_message
    await _search(update, context, (message.text or "").strip()[:100] if message else "")
    return Step.SEARCH


@press(Info)
async def show_topic(update: Update, context: BotContext, press: Press[Info]) -> None:
    """v1:info:<topic>: the topic's entries."""
    topic = press.data.topic
    if await consented_and_answered(update, context) is None:
        return
    services = context.services
    entries = await services.info.topic(topic)
    default = services.settings.default_language
    markup = info_views.manage_entries(entries, default) if context.is_coordinator else None
    await _reply(
        update,
        info_views.entries_text(
            "<b>" + info_views.topic_label(topic) + "</b>",
            entries,
            default,
            services.settings.timezone,
        ),
        markup,
    )


# --- coordinators: one entry's card --------------------------------------------------------


@coordinators_only
@press(InfoEntry)
async def show_card(update: Update, context: BotContext, press: Press[InfoEntry]) -> None:
    query = press.query
    entry = await context.services.info.get(press.data.entry_id)
    if entry is None or entry.retired:
        await answer(query, _("That entry is no longer shown."))
        return
    await answer(query)
    services = context.services
    text = info_views.entry_text(
        entry, services.settings.default_language, services.settings.timezone
    )
    await _reply(update, text, info_views.entry_card(entry))


@coordinators_only
@press(InfoEdit, stale=END)
async def edit_entry(update: Update, context: BotContext, press: Press[InfoEdit]) -> int:
    """v1:infoed:<id>:checked|retire|text|phone|link|hours."""
    query, what = press.query, press.data.what
    info = context.services.info
    entry = await info.get(press.data.entry_id)
    if entry is None or entry.retired:
        await answer(query, _("That entry is no longer shown."))
        return END
    if what == "checked":
        await info.checked(entry.id)
        await answer(query, _("Thank you: marked as checked today."))
        return END
    if what == "retire":
        await info.retire(entry.id)
        await answer(query, _("Retired: it is no longer shown."))
        if query is not None and query.message is not None:
            await query.edit_message_reply_markup(reply_markup=None)
        return END
    if what == "text":
        await answer(query)
        await _reply(
            update,
            _("Which language do you want to write it in?"),
            info_views.languages(entry.id, available_languages(), set(entry.texts), False),
        )
        return END
    if what in DETAILS:
        await answer(query)
        context.drafts[DRAFT] = {"edit": entry.id, "field": what}
        await _reply(update, _detail_prompt(what) + " " + _("Or type - to leave it empty."))
        return Step.EDIT
    await answer(query, stale_answer())
    return END


def _detail_prompt(field: str) -> str:
    prompts = {
        "phone": _("Its phone number?"),
        "link": _("Its web address?"),
        "hours": _("When is it open? For example: Mon–Fri 9:00–17:00."),
    }
    return prompts[field]


def _detail_value(text: str) -> str | None:
    value = text.strip()
    if value in ("-", "—"):
        return ""
    return value if len(value) <= MAX_DETAIL else None


async def detail_edited(update: Update, context: BotContext) -> int:
    message = update.effective_message
    value = _detail_value(message.text or "") if message else None
    draft = draft_of(context, DRAFT)
    if value is None:
        await _reply(
            update, _("That's too long: please keep it under {n} characters.").format(n=MAX_DETAIL)
        )
        return Step.EDIT
    entry_id, field = draft.get("edit"), draft.get("field")
    context.drafts.pop(DRAFT, None)
    saved = (
        isinstance(entry_id, int)
        and field in DETAILS
        and context.is_coordinator
        and await context.services.info.set_detail(entry_id, str(field), value)
    )
    await _reply(update, _("Saved.") if saved else _("That entry is no longer shown."))
    return END


# --- coordinators: a new entry ------------------------------------------------------------


def _ask_text(language: str) -> str:
    return _(
        "Send its title on the first line and a short text below it, in {language}. For "
        "example:\nFood bank at St Mark's\nFree food parcels, no referral needed."
    ).format(language=language_name(language))


@press(InfoAddTopic, stay=Step.TOPIC)
async def topic_chosen(update: Update, context: BotContext, press: Press[InfoAddTopic]) -> int:
    query, topic = press.query, press.data.topic
    await answer(query)
    draft_of(context, DRAFT)["topic"] = topic.value
    draft_of(context, DRAFT)["language"] = current_language()
    await _reply(update, _ask_text(current_language()))
    return Step.TEXT


def _title_problem() -> str:
    return _(
        "Please send a title of up to {title} characters on the first line, and a text of up "
        "to {text} characters below it."
    ).format(title=MAX_TITLE, text=MAX_BODY)


async def _title_and_body(update: Update) -> tuple[str, str] | None:
    """The title and text of an entry as typed (its first line, then the rest); None,
    and what is wrong with it said, when it will not do."""
    message = update.effective_message
    parts = split_title(message.text or "") if message else None
    if parts is None:
        await _reply(update, _title_problem())
    return parts


async def text_given(update: Update, context: BotContext) -> int:
    parts = await _title_and_body(update)
    if parts is None:
        return Step.TEXT
    draft_of(context, DRAFT)["title"], draft_of(context, DRAFT)["body"] = parts
    await _reply(update, _detail_prompt("phone"), info_views.skip("phone"))
    return Step.PHONE


async def _next_detail(update: Update, context: BotContext, field: str, value: str) -> int:
    draft_of(context, DRAFT)[field] = value
    if field == "phone":
        await _reply(update, _detail_prompt("link"), info_views.skip("link"))
        return Step.LINK
    if field == "link":
        await _reply(update, _detail_prompt("hours"), info_views.skip("hours"))
        return Step.HOURS
    return await _save_new(update, context)


_DETAIL_STEP = {"phone": Step.PHONE, "link": Step.LINK, "hours": Step.HOURS}


def _detail_step(field: Detail) -> tuple[Any, Any]:
    """A detail's step: its typed answer, and its Skip button."""
    step = _DETAIL_STEP[field]

    async def typed(update: Update, context: BotContext) -> int:
        message = update.effective_message
        value = _detail_value(message.text or "") if message else None
        if value is None:
            await _reply(
                update,
                _("That's too long: please keep it under {n} characters.").format(n=MAX_DETAIL),
                info_views.skip(field),
            )
            return step
        return await _next_detail(update, context, field, value)

    @press(InfoAddSkip, stay=step)
    async def skipped(update: Update, context: BotContext, press: Press[InfoAddSkip]) -> int:
        if press.data.step != field:  # an earlier question's Skip, pressed again
            await answer(press.query, choose_a_button())
            return step
        await answer(press.query)
        return await _next_detail(update, context, field, "")

    return typed, skipped


DETAIL_STEPS = {_DETAIL_STEP[field]: _detail_step(field) for field in DETAILS}


async def _save_new(update: Update, context: BotContext) -> int:
    draft, sender = draft_of(context, DRAFT), update.effective_user
    topic = Topic.parse(str(draft.get("topic", "")))
    if topic is None or sender is None or not draft.get("title"):
        context.drafts.pop(DRAFT, None)
        await _reply(
            update,
            _("Something was missing, so nothing was saved. Please start again with /info add."),
        )
        return END
    language = str(draft.get("language") or current_language())
    text = InfoText(language, str(draft["title"]), str(draft.get("body", "")))
    entry = NewEntry(
        topic,
        text,
        str(draft.get("phone", "")),
        str(draft.get("link", "")),
        str(draft.get("hours", "")),
    )
    entry_id = await context.services.info.add(entry, sender.id)
    context.drafts[DRAFT] = {"entry": entry_id}
    await _reply(
        update,
        _("✅ Saved under {topic}. Add its title and text in another language?").format(
            topic=info_views.topic_label(topic)
        ),
        info_views.languages(
            entry_id, [c for c in available_languages() if c != language], set(), True
        ),
    )
    return Step.MORE


@coordinators_only
@press(InfoAddLanguage, stale=END)
async def language_chosen(
    update: Update, context: BotContext, press: Press[InfoAddLanguage]
) -> int:
    """v1:infoadd:lang:<entry_id>:<code>: write the entry's text in that language."""
    query, code = press.query, press.data.code
    entry = await context.services.info.get(press.data.entry_id)
    if entry is None or entry.retired or code not in available_languages():
        await answer(query, _("That entry is no longer shown."))
        return END
    await answer(query)
    context.drafts[DRAFT] = {"entry": entry.id, "language": code}
    await _reply(update, _ask_text(code))
    return Step.LANGUAGE_TEXT


async def language_text_given(update: Update, context: BotContext) -> int:
    parts = await _title_and_body(update)
    if parts is None:
        return Step.LANGUAGE_TEXT
    draft = draft_of(context, DRAFT)
    entry_id, code = draft.get("entry"), str(draft.get("language", ""))
    info = context.services.info
    if not isinstance(entry_id, int) or not await info.set_text(entry_id, code, *parts):
        context.drafts.pop(DRAFT, None)
        await _reply(update, _("That entry is no longer shown."))
        return END
    entry = await info.get(entry_id)
    done = set(entry.texts) if entry else {code}
    await _reply(
        update,
        _("Saved in {language}. Another language?").format(language=language_name(code)),
        info_views.languages(
            entry_id, [c for c in available_languages() if c not in done], done, True
        ),
    )
    return Step.MORE


async def finished(update: Update, context: BotContext) -> int:
    await answer(update.callback_query, _("Saved."))
    context.drafts.pop(DRAFT, None)
    await _reply(update, _("Thank you: it is in /info now."))
    return END


async def press_a_button(update: Update, context: BotContext) -> int:
    await _reply(update, _("Please press one of the buttons."))
    return END if update.callback_query else Step.MORE


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        conversation(
            "info",
            entry_points=[
                CommandHandler("info", info_command, filters=PRIVATE),
                CallbackQueryHandler(edit_entry, pattern=InfoEdit.matches()),
                CallbackQueryHandler(language_chosen, pattern=InfoAddLanguage.matches()),
            ],
            states={
                Step.SEARCH: [MessageHandler(TEXT, words_typed)],
                Step.TOPIC: [CallbackQueryHandler(topic_chosen, pattern=InfoAddTopic.matches())],
                Step.TEXT: [MessageHandler(TEXT, text_given)],
                **{
                    step: [
                        MessageHandler(TEXT, typed),
                        CallbackQueryHandler(skipped, pattern=InfoAddSkip.matches()),
                    ]
                    for step, (typed, skipped) in DETAIL_STEPS.items()
                },
                Step.MORE: [
                    CallbackQueryHandler(finished, pattern=InfoAddDone.matches()),
                    MessageHandler(PRIVATE & ~filters.COMMAND, press_a_button),
                ],
                Step.LANGUAGE_TEXT: [MessageHandler(TEXT, language_text_given)],
                Step.EDIT: [MessageHandler(TEXT, detail_edited)],
            },
        ),
        group=GROUP_INFO_CONVERSATION,
    )
    app.add_handlers(
        [
            CallbackQueryHandler(show_topic, pattern=Info.matches()),
            CallbackQueryHandler(show_card, pattern=InfoEntry.matches()),
        ],
        group=GROUP_FEATURES,
    )
