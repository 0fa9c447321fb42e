"""Everyone: /forgetme, which erases a person's personal data after they confirm it.
Coordinators: /forget <request>, the same for someone without Telegram whose request
was taken over the phone (/onbehalf)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.domain.privacy import Contact, contact_key
from bot.i18n import _, join_list, ngettext
from bot.telegram import keyboards
from bot.telegram.buttons import Forget, ForgetContact
from bot.telegram.context import ONBEHALF_DRAFT as PHONE_DRAFT
from bot.telegram.context import BotContext
from bot.telegram.handlers.common import (
    GROUP_FEATURES,
    PRIVATE,
    answer,
    coordinators_only,
)
from bot.telegram.presses import Press, press
from bot.telegram.texts import esc


async def ask_to_forget(update: Update, context: BotContext) -> None:
    """/forgetme: say what erasing means, and ask to confirm it with a button."""
    message, sender = update.effective_message, update.effective_user
    if message is None or sender is None:
        return
    if context.person.user is None:
        # Nothing is stored before consent; any unfinished draft goes all the same.
        context.application.drop_user_data(sender.id)
        await message.reply_text(
            _("I don't have any personal details of yours stored, so there's nothing to erase.")
        )
        return
    await message.reply_text(
        _(
            "🗑 <b>Erase my details</b>\n\n"
            "This erases your name, your locations and addresses, what you wrote in "
            "requests and concerns, and your volunteer profile. Requests still open are "
            "cancelled, and any volunteer on the way is told. Tasks you have taken go "
            "back to the group. The group's figures keep only counts, with nothing that "
            "says who you are.\n\n"
            "This can't be undone. Erase everything?"
        ),
        reply_markup=keyboards.forget_me(),
    )


@press(Forget)
async def forget(update: Update, context: BotContext, press: Press[Forget]) -> None:
    """v1:forget:yes|no: erase the person's personal data, or leave it."""
    query, sender = press.query, press.sender
    if press.data.answer == "no":
        await answer(query, _("Nothing was erased."))
        await query.edit_message_text(_("OK, I've kept your details. Nothing was erased."))
        return
    erasure = await context.services.privacy.forget(sender.id)
    # PTB keeps drafts in memory too, and would write them back to the database.
    context.application.drop_user_data(sender.id)
    await answer(query, _("Erased."))
    lines = [_("🗑 Done: your personal details are erased.")]
    if erasure.cancelled:
        n = len(erasure.cancelled)
        lines.append(
            ngettext(
                "{n} open request was cancelled; any volunteer on the way has been told.",
                "{n} open requests were cancelled; any volunteer on the way has been told.",
                n,
            ).format(n=n)
        )
    if erasure.released:
        n = len(erasure.released)
        lines.append(
            ngettext(
                "{n} task you had taken is back with the group.",
                "{n} tasks you had taken are back with the group.",
                n,
            ).format(n=n)
        )
    lines.append(_("If you write to me again, I'll show you the privacy notice first. Take care!"))
    await query.edit_message_text("\n".join(lines))


# --- a coordinator erases someone without Telegram ---------------------------------------


def _request_number(context: BotContext) -> int | None:
    args = context.args or []
    text = args[0].lstrip("#") if args else ""
    return int(text) if text.isdigit() and len(text) <= 18 and int(text) > 0 else None


@coordinators_only
async def ask_to_forget_contact(update: Update, context: BotContext) -> None:
    """/forget <request>: who would be erased, from how many requests; asks first."""
    message = update.effective_message
    if message is None:
        return
    request_id = _request_number(context)
    if request_id is None:
        await message.reply_text(
            _(
                "Send /forget and the number of a request taken by phone, for example "
                "/forget 12. It erases the details of the person it was for."
            )
        )
        return
    contact = await context.services.privacy.contact(request_id)
    if contact is None:
        await message.reply_text(_nothing_to_erase(request_id))
        return
    n = len(contact.request_ids)
    await message.reply_text(
        _("🗑 <b>Erase {name}'s details?</b>").format(name=esc(contact.name) or "-")
        + "\n\n"
        + ngettext(
            "Their name, phone number, address and what they asked for go from {n} "
            "request ({ids}). If it is still open it is cancelled, and any volunteer on "
            "the way is told. The group's figures keep only counts.",
            "Their name, phone number, address and what they asked for go from {n} "
            "requests ({ids}). Those still open are cancelled, and any volunteer on the "
            "way is told. The group's figures keep only counts.",
            n,
        ).format(n=n, ids=join_list(f"#{i}" for i in contact.request_ids))
        + "\n\n"
        + _("This cannot be undone."),
        reply_markup=keyboards.forget_contact(request_id),
        protect_content=True,
    )


def _nothing_to_erase(request_id: int) -> str:
    return _(
        "Request #{id} holds no details of someone without Telegram: it was not taken by "
        "phone, or they are already erased."
    ).format(id=request_id)


@coordinators_only
@press(ForgetContact)
async def forget_contact(update: Update, context: BotContext, press: Press[ForgetContact]) -> None:
    """v1:forgetph:<request>:yes|no: erase them (once), or leave everything as it was."""
    query, sender, request_id = press.query, press.sender, press.data.request_id
    if press.data.answer == "no":
        await answer(query, _("Nothing was erased."))
        await query.edit_message_text(_("OK, nothing was erased."))
        return
    services = context.services
    contact = await services.privacy.contact(request_id)
    if contact is None:  # pressed twice, or someone else erased them first
        await answer(query, _nothing_to_erase(request_id), alert=True)
        await query.edit_message_reply_markup(reply_markup=None)
        return
    erasure = await services.privacy.forget_contact(request_id, sender.id)
    if _drop_drafts_about(context.application, contact):
        await context.application.update_persistence()
        await services.privacy.checkpoint()
    await answer(query, _("Erased."))
    n = len(contact.request_ids)
    # The name goes from this chat too: the done message doesn't repeat it.
    lines = [
        ngettext(
            "🗑 Done: their details are erased from {n} request.",
            "🗑 Done: their details are erased from {n} requests.",
            n,
        ).format(n=n)
    ]
    if erasure.cancelled:
        lines.append(
            ngettext(
                "{n} open request was cancelled; any volunteer on the way has been told.",
                "{n} open requests were cancelled; any volunteer on the way has been told.",
                len(erasure.cancelled),
            ).format(n=len(erasure.cancelled))
        )
    await query.edit_message_text("\n".join(lines))


def _drop_drafts_about(application: Application, contact: Contact) -> bool:  # type: ignore[type-arg]
    """Any coordinator's unfinished /onbehalf answers about this person (same number, or
    the same name before a number was typed) go too. True if any did."""
    person = contact_key(contact.name, contact.phone)
    dropped = []
    for user_id, data in application.user_data.items():
        draft: Any = data.get(PHONE_DRAFT)
        if not isinstance(draft, dict):
            continue
        digits, name = contact_key(draft.get("name"), draft.get("phone"))
        if (digits and digits == person[0]) or (not digits and name and name == person[1]):
            data.pop(PHONE_DRAFT)
            dropped.append(user_id)
    if dropped:
        application.mark_data_for_update_persistence(user_ids=dropped)
    return bool(dropped)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("forgetme", ask_to_forget, filters=PRIVATE),
            CallbackQueryHandler(forget, pattern=Forget.matches()),
            CommandHandler("forget", ask_to_forget_contact, filters=PRIVATE),
            CallbackQueryHandler(forget_contact, pattern=ForgetContact.matches()),
        ],
        group=GROUP_FEATURES,
    )
