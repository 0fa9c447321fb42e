"""What every feature's handlers share: conversations that leave cleanly, consent, answers."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import CallbackQuery, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.domain.models import User
from bot.domain.results import Outcome
from bot.i18n import _, current_language, ngettext
from bot.telegram import keyboards
from bot.telegram.buttons import Consent, Intent, Role
from bot.telegram.context import BotContext

END = ConversationHandler.END
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]
AnyHandler = BaseHandler[Update, BotContext, Any]

# Handler groups, in the order PTB tries them. Each conversation has a group of its own,
# so that a command typed mid-conversation can end it and still reach its own handler.
GROUP_REQUEST_CONVERSATION = 0
GROUP_VOLUNTEER_CONVERSATION = 1
GROUP_BROADCAST_CONVERSATION = 2
GROUP_FEATURES = 10
# A concern comes before every other conversation: typed halfway through a request, it
# must reach the coordinators, not become the request's description.
GROUP_CONCERN_CONVERSATION = -1
# What a volunteer spent on a task (after Done).
GROUP_SPEND_CONVERSATION = 3
# A coordinator recording a request taken over the phone (/onbehalf).
GROUP_INTAKE_CONVERSATION = 4
# A coordinator typing why they put a volunteer on hold.
GROUP_HOLD_CONVERSATION = 6
# A volunteer's words after their first task: like a concern, before the other
# conversations, so it never becomes a step of a half-finished one.
GROUP_CHECK_IN_CONVERSATION = -2

# Bump when the privacy notice changes in substance: consent is recorded with it, and
# anyone who agreed to an older version is asked again before anything else.
# 2: /forgetme, the retention period, receipts and concerns.
NOTICE_VERSION = 2

# New messages in private chats: an edited message is never taken as a fresh answer.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
TEXT = PRIVATE & filters.TEXT & ~filters.COMMAND
LOCATION = PRIVATE & filters.LOCATION
ANYTHING_ELSE = PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def _stopping(callback: Callback) -> Callback:
    """Run a conversation step and stop there: later groups (e.g. the catch-all that says
    "I didn't understand") must not answer the same message again."""

    @functools.wraps(callback)
    async def step(update: Update, context: BotContext) -> Any:
        raise ApplicationHandlerStop(await callback(update, context))

    return step


async def cancel_conversation(update: Update, context: BotContext) -> int:
    """/cancel: leave whatever we were doing; the draft is thrown away."""
    context.drafts.clear()
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            _("OK, I've stopped. Nothing was saved. /help shows what I can do."),
            reply_markup=ReplyKeyboardRemove(),
        )
    return END


# A half-made request left for another command: /request offers to carry on with it.
SET_ASIDE = "request_set_aside"


async def leave_for_command(update: Update, context: BotContext) -> int:
    """Another command mid-conversation: end this conversation and let the command run.
    A half-made request is set aside, and the person told how to go back to it."""
    request = context.drafts.get("request")
    context.drafts.clear()
    if isinstance(request, dict) and request.get("category") and "saved_as" not in request:
        context.drafts[SET_ASIDE] = request
        if update.effective_message is not None:
            await update.effective_message.reply_text(
                _(
                    "📝 I've set your unfinished request aside. Send /request when you'd "
                    "like to carry on with it."
                )
            )
    return END


def conversation(
    name: str,
    entry_points: Sequence[AnyHandler],
    states: dict[object, list[AnyHandler]],
    fallbacks: Sequence[AnyHandler] = (),
) -> ConversationHandler[BotContext]:
    """A persistent conversation that /cancel or any other command leaves.

    Each conversation has a handler group of its own, and a command starting one must
    still reach the conversations in later groups so that they end (a new command leaves
    any conversation). So entry commands don't stop the update; every other step does,
    and the catch-all for unknown commands knows the conversations' commands (see
    known_commands()). Extra `fallbacks` run as they are (not stopping the update), e.g.
    to leave quietly when another feature's button is pressed."""
    steps = [
        *(h for h in entry_points if not isinstance(h, CommandHandler)),
        *(h for hs in states.values() for h in hs),
    ]
    for handler in steps:
        handler.callback = _stopping(handler.callback)
    every_fallback: list[AnyHandler] = [
        CommandHandler("cancel", _stopping(cancel_conversation)),
        MessageHandler(PRIVATE & filters.COMMAND, leave_for_command),
        *fallbacks,
    ]
    with warnings.catch_warnings():
        # Buttons inside our conversations are tracked per user, not per message, on purpose.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states=states,
            fallbacks=every_fallback,
            name=name,
            persistent=True,
            allow_reentry=True,
        )


def known_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> frozenset[str]:
    """Every command some handler answers, inside conversations too."""
    found: set[str] = set()
    pending: list[object] = [h for group in app.handlers.values() for h in group]
    while pending:
        handler = pending.pop()
        if isinstance(handler, CommandHandler):
            found |= handler.commands
        elif isinstance(handler, ConversationHandler):
            pending += [*handler.entry_points, *handler.fallbacks]
            pending += [h for hs in handler.states.values() for h in hs]
    return frozenset(found)


def draft_of(context: BotContext, name: str) -> dict[str, Any]:
    """A conversation's draft, kept between its steps under its name (empty at first)."""
    draft: dict[str, Any] = context.drafts.setdefault(name, {})
    return draft


async def reply(update: Update, text: str, markup: Any = None) -> None:
    """Answer in the chat the update came from (nothing when it has no message)."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def first_question(
    update: Update,
    context: BotContext,
    name: str,
    draft: dict[str, Any],
    question: str,
    step: int,
) -> int:
    """A conversation begun by a press: the press answered, a fresh draft kept under its
    name, the first question asked; the step that waits for its answer."""
    await answer(update.callback_query)
    context.drafts[name] = draft
    await reply(update, question)
    return step


async def words_fit(update: Update, text: str, shortest: int, longest: int) -> bool:
    """Whether words typed for the coordinators (a concern, a check-in) are enough to go
    on and not too much to read; if not, the person is told which, and types them again."""
    if len(text) < shortest:
        await reply(update, _("Could you tell me a little more? A few words is enough."))
        return False
    if len(text) > longest:
        await reply(
            update,
            ngettext(
                "That's a lot to read at once: please keep it under {n} character.",
                "That's a lot to read at once: please keep it under {n} characters.",
                longest,
            ).format(n=longest),
        )
        return False
    return True


def ask_again(
    step: int, question: Callable[[], str], markup: Callable[[], Any] | None = None
) -> Callback:
    """A step's answer to anything but what it waits for: its question (and buttons) once
    more, and the same step. Both are made when they are needed, in the person's language."""

    async def again(update: Update, context: BotContext) -> int:
        await reply(update, question(), markup() if markup is not None else None)
        return step

    return again


async def answer(
    query: CallbackQuery | None, text: str | None = None, alert: bool = False
) -> None:
    """Every press is answered, or the user's client keeps spinning."""
    if query is not None:
        await query.answer(text, show_alert=alert)


async def not_yours(query: CallbackQuery | None) -> None:
    """A press by someone its button was not meant for (forwarded, or someone else's)."""
    await answer(query, _("That button isn't for you."), alert=True)


async def not_their_task(query: CallbackQuery, outcome: Outcome) -> None:
    """A press on a task's button that found it someone else's (NOT_YOURS), or no
    longer a task at all (anything else that isn't OK)."""
    if outcome is Outcome.NOT_YOURS:
        await answer(query, _("This task isn't yours."), alert=True)
    else:
        await answer(query, _("This task is no longer open."))


async def settled(query: CallbackQuery, text: str) -> None:
    """A press on what was settled meanwhile: say so, and take its buttons away."""
    await answer(query, text)
    await query.edit_message_reply_markup(reply_markup=None)


def coordinators_only(callback: Callback) -> Callback:
    """For a coordinator's command or button: checked on the server at every update, so a
    forwarded or forged button, or a command typed by anyone else, is refused politely (a
    press answered) and changes nothing. In a conversation, a refusal also ends it."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        if context.is_coordinator:
            return await callback(update, context)
        await refuse_non_coordinator(update)
        return END

    return guarded


async def refuse_non_coordinator(update: Update) -> None:
    """The polite no to someone not a coordinator: on the press, or in the chat."""
    refusal = _("Only coordinators can do that.")
    if update.callback_query is not None:
        await answer(update.callback_query, refusal, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)


def needs_consent(user: User | None) -> bool:
    """Whether someone must (again) agree to the notice: never did, or to an older one."""
    return user is None or not user.has_consented or (user.notice_version or 0) < NOTICE_VERSION


async def consented_user(
    update: Update, context: BotContext, then: Intent | None = None
) -> User | None:
    """The person, if they have agreed to the current privacy notice; else show it and
    return None (`then`: the conversation agreeing leads straight into, `buttons.Intent`)."""
    if update.effective_user is None:
        return None
    user = context.person.user
    if user is not None and not needs_consent(user):
        return user
    await send_privacy_notice(update, then)
    return None


async def consented_and_answered(
    update: Update, context: BotContext, then: Intent | None = None
) -> User | None:
    """consented_user(), with the press (if it was one) answered when they have agreed.
    Not answered before the check: showing the notice answers the press, and Telegram
    refuses a second answer."""
    user = await consented_user(update, context, then)
    if user is not None:
        await answer(update.callback_query)
    return user


# What someone came for before agreeing (a leaflet's /start need or /start volunteer,
# /request, /volunteer): agreeing goes straight into it. The ROLE buttons' own words.
NEED: Intent = "need"
OFFER: Intent = "offer"


def agreed_then(intent: Intent) -> Callable[[object], bool]:
    """A pattern: "I agree" pressed on a notice shown to someone who came for `intent`."""
    return Consent.matches(then=intent)


async def agree(update: Update, context: BotContext) -> None:
    """v1:consent:yes[...]: store the person for the first time (or their new consent),
    and take the buttons off the notice. The press is answered by the caller."""
    query, sender = update.callback_query, update.effective_user
    if query is None or sender is None:
        return
    await context.services.people.agree(
        sender.id, sender.first_name, current_language(), NOTICE_VERSION
    )
    # The handlers after this one (straight into a request, say) see them agreed.
    await context.person_changed()
    await query.edit_message_reply_markup(reply_markup=None)


def ways_in(
    command: str,
    link: str,
    intent: Intent,
    begin: Callable[[Update, BotContext], Coroutine[Any, Any, int]],
) -> list[AnyHandler]:
    """How someone comes into a conversation for `intent` (asking for help, volunteering):
    its command, a leaflet's /start link (`link`, a pattern), the role button, or "I
    agree" under the notice shown to someone who came for it (straight in after)."""

    async def agree_and_begin(update: Update, context: BotContext) -> int:
        await agree(update, context)
        return await begin(update, context)

    return [
        CommandHandler(command, begin, filters=PRIVATE),
        CommandHandler("start", begin, filters=PRIVATE & filters.Regex(link)),
        CallbackQueryHandler(begin, pattern=Role.matches(intent=intent)),
        CallbackQueryHandler(agree_and_begin, pattern=agreed_then(intent)),
    ]


def privacy_notice() -> str:
    return _(
        "👋 <b>Welcome to the neighbourhood help group.</b>\n\n"
        "Before we start, how we look after your details:\n"
        "• We keep your Telegram name and id, and what you tell us about a request or about "
        "volunteering.\n"
        "• Volunteers nearby see only what kind of help is needed, your short description "
        "and roughly how far away it is.\n"
        "• Your address goes only to the one volunteer who takes your request.\n"
        "• Coordinators of the group can see details to keep everyone safe.\n"
        "• You can erase your details at any time with /forgetme; /privacy tells you more.\n\n"
        "Press the button if you agree."
    )


async def send_privacy_notice(update: Update, then: Intent | None = None) -> None:
    if update.callback_query is not None:
        await answer(update.callback_query)
    message = update.effective_message
    if message is not None:
        await message.reply_text(privacy_notice(), reply_markup=keyboards.consent(then=then))
