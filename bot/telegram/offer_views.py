"""Offers' messages and buttons. A notice or a group post shows what is offered, how many
are left, until when and roughly where: never the exact place, and never who offers it.
The offerer learns each taker's first name; the two talk through the bot's relay."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.offers import (
    MAX_DESCRIPTION,
    MAX_UNITS,
    Nearby,
    Offer,
    OfferKind,
    OfferStatus,
    Take,
    TakeOutcome,
)
from bot.i18n import _, ngettext
from bot.telegram import buttons as b
from bot.telegram.callbacks import inline
from bot.telegram.texts import (
    MAX_MESSAGE_CHARS,
    distance_text,
    esc,
    format_time,
    radius_text,
)

# The quick choices under "how many"; any number up to MAX_UNITS can be typed.
UNIT_CHOICES = (1, 2, 3, 4, 5)


def kind_label(kind: OfferKind) -> str:
    labels = {
        OfferKind.SHOP_RUN: _("🛒 A shop run, with room for others' shopping"),
        OfferKind.SPARE: _("🎁 Spare things to give away"),
        OfferKind.LIFT: _("🚗 A lift"),
        OfferKind.MEAL: _("🍲 A cooked meal"),
        OfferKind.OTHER: _("✨ Something else"),
    }
    return labels[kind]


def left_text(offer: Offer) -> str:
    return ngettext("{n} of {units} left", "{n} of {units} left", offer.left).format(
        n=offer.left, units=offer.units
    )


# --- the /offer conversation ---------------------------------------------------------------


def ask_kind() -> str:
    return _("🤝 What would you like to offer your neighbours? Choose one:")


def ask_description() -> str:
    return ngettext(
        "In a sentence, what are you offering? For example: “going to the big Tesco at 4, "
        "room for two households' bags” or “a pan of soup, enough for three”. At most {n} "
        "character.\n\nNeighbours nearby will see this, so please don't put your name, "
        "address or phone number here.",
        "In a sentence, what are you offering? For example: “going to the big Tesco at 4, "
        "room for two households' bags” or “a pan of soup, enough for three”. At most {n} "
        "characters.\n\nNeighbours nearby will see this, so please don't put your name, "
        "address or phone number here.",
        MAX_DESCRIPTION,
    ).format(n=MAX_DESCRIPTION)


def ask_units() -> str:
    return _(
        "How many households (or items) can it go to? Press a number, or type one from 1 to {n}."
    ).format(n=MAX_UNITS)


def ask_until() -> str:
    return _(
        "Until when does your offer stand? Type the day and time, for example "
        "“today 18:00”, “tomorrow 10:00” or “28/11 14:30”."
    )


def ask_where() -> str:
    return _(
        "Where is it? Press the button below to share your location. Neighbours only see "
        "roughly how far away it is, never the place itself."
    )


def summary(kind: OfferKind, description: str, units: int, until_at: float, tz: ZoneInfo) -> str:
    return _(
        "<b>Your offer</b>\n{kind}\n“{description}”\nFor: {units}\nUntil: {until}\n\n"
        "Shall I tell the neighbours nearby?"
    ).format(
        kind=kind_label(kind),
        description=esc(description),
        units=ngettext("{n} household or item", "{n} households or items", units).format(n=units),
        until=format_time(until_at, tz),
    )


def posted(offer: Offer, told: int, tz: ZoneInfo) -> str:
    text = _(
        "✅ Your offer #{id} is up until {until}. I'll tell you here when someone would like "
        "it. /myoffers shows who took it, and closes it early."
    ).format(id=offer.id, until=format_time(offer.until_at, tz))
    if told:
        text += "\n" + ngettext(
            "{n} neighbour nearby has been told.", "{n} neighbours nearby have been told.", told
        ).format(n=told)
    return text


def kinds() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(kind_label(k), b.OfferKindChoice(k))] for k in OfferKind])


def units() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(str(n), b.OfferUnits(n)) for n in UNIT_CHOICES]])


def confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ Yes, post it"), b.OfferPost("yes"))],
            [inline(_("✖️ No, throw it away"), b.OfferPost("no"))],
        ]
    )


# --- what members and the group chat see --------------------------------------------------


def _body(offer: Offer, tz: ZoneInfo) -> str:
    return _("{kind}\n“{description}”\n{left}, until {until}").format(
        kind=kind_label(offer.kind),
        description=esc(offer.description),
        left=left_text(offer),
        until=format_time(offer.until_at, tz),
    )


def notice(offer: Offer, distance_km: float, tz: ZoneInfo) -> str:
    """A member's notice: what, how many, until when, roughly how far. No name, no place."""
    return (
        _("🤝 <b>A neighbour is offering (#{id})</b>").format(id=offer.id)
        + "\n"
        + _body(offer, tz)
        + "\n📍 "
        + distance_text(distance_km)
    )


def group_post(offer: Offer, where: str | None, tz: ZoneInfo) -> str:
    """The group chat's post: as a notice, with the part of the area instead of a distance."""
    text = (
        _("🤝 <b>A neighbour is offering (#{id})</b>").format(id=offer.id)
        + "\n"
        + _body(offer, tz)
    )
    if where:
        text += "\n📍 " + where
    return text + "\n\n" + _("Press the button if you'd like one.")


def retired(offer: Offer) -> str:
    """A notice or post once nothing can be taken any more."""
    if offer.status is OfferStatus.GONE:
        return _("🤝 Offer #{id} ({kind}) has all been taken. Thank you, neighbours!").format(
            id=offer.id, kind=kind_label(offer.kind)
        )
    if offer.status is OfferStatus.CLOSED:
        return _("🤝 Offer #{id} ({kind}) has been closed by the neighbour who made it.").format(
            id=offer.id, kind=kind_label(offer.kind)
        )
    return _("🤝 Offer #{id} ({kind}) has ended.").format(id=offer.id, kind=kind_label(offer.kind))


def take(offer_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("🙋 I'd like this"), b.Take(offer_id))]])


def listing(nearby: list[Nearby], tz: ZoneInfo) -> str:
    if not nearby:
        return _("Nothing is on offer near you just now. /offer to offer something yourself.")
    lines = [_("🤝 <b>On offer near you</b>, nearest first:")]
    for near in nearby:
        lines.append(
            "\n"
            + _("<b>#{id}</b> {body}\n📍 {distance}").format(
                id=near.offer.id,
                body=_body(near.offer, tz),
                distance=distance_text(near.distance_km),
            )
        )
    return _fit(lines)


def _fit(blocks: list[str]) -> str:
    """As many whole blocks as fit in one message (cutting one could break its HTML)."""
    kept = blocks[:1]
    for block in blocks[1:]:
        if len("\n".join([*kept, block])) > MAX_MESSAGE_CHARS - 10:
            kept.append("\n…")
            break
        kept.append(block)
    return "\n".join(kept)


def listing_buttons(nearby: list[Nearby]) -> InlineKeyboardMarkup | None:
    if not nearby:
        return None
    return InlineKeyboardMarkup(
        [
            [inline(_("🙋 I'd like #{id}").format(id=near.offer.id), b.Take(near.offer.id))]
            for near in nearby
        ]
    )


def ask_browse_where() -> str:
    return _("Where should I look for offers? Press the button below to share your location.")


# --- taking --------------------------------------------------------------------------------


def take_answer(outcome: TakeOutcome) -> str:
    """A press of Take answered, by how the take went."""
    answers = {
        TakeOutcome.OK: _("It's yours! I've told the neighbour who offered it."),
        TakeOutcome.ALREADY: _("You've already got one of these. They'll be in touch here."),
        TakeOutcome.GONE: _(
            "Sorry, that has all gone. Thank you for asking! /offers shows what else there is."
        ),
        TakeOutcome.OWN: _("That's your own offer. /myoffers shows who took it."),
        TakeOutcome.NOT_FOUND: _("This offer no longer exists."),
    }
    return answers[outcome]


def start_first_answer() -> str:
    """A press of Take in a group chat by someone who hasn't agreed to the notice."""
    return _("Please open a chat with me first (press Start there), then press again.")


def got_it_for_taker(offer: Offer, offerer_name: str) -> str:
    return _(
        "🙋 You've got one of offer #{id}: {kind}\n“{description}”\n\n"
        "{name}, who offered it, can write to you here, and you to them with the button, "
        "to arrange it. Neither of you sees the other's username or phone number."
    ).format(
        id=offer.id,
        kind=kind_label(offer.kind),
        description=esc(offer.description),
        name=esc(offerer_name) or _("The neighbour"),
    )


def taken_for_offerer(offer: Offer, taker_name: str) -> str:
    return _(
        "🙋 <b>{name}</b> would like one of your offer #{id} (“{description}”). {left}.\n"
        "Press the button to arrange it with them: neither of you sees the other's "
        "username or phone number."
    ).format(
        name=esc(taker_name) or _("A neighbour"),
        id=offer.id,
        description=esc(offer.description),
        left=left_text(offer),
    )


def ended_for_offerer(offer: Offer, takes: list[Take]) -> str:
    text = _("⏰ Your offer #{id} (“{description}”) has ended.").format(
        id=offer.id, description=esc(offer.description)
    )
    return text + "\n" + takers_line(offer, takes)


# Names shown for one offer's takers; the rest are counted.
NAMES_SHOWN = 8


def takers_line(offer: Offer, takes: list[Take]) -> str:
    if not takes:
        return _("Nobody took it this time. Thank you for offering!")
    names = ", ".join(esc(take.taker_name) or _("(erased)") for take in takes[:NAMES_SHOWN])
    if len(takes) > NAMES_SHOWN:
        more = len(takes) - NAMES_SHOWN
        names += " " + ngettext("and {n} more", "and {n} more", more).format(n=more)
    return ngettext(
        "{n} of {units} taken, by {names}.", "{n} of {units} taken, by {names}.", len(takes)
    ).format(n=len(takes), units=offer.units, names=names)


def talk(take_id: int, name: str, *, reply: bool = False) -> InlineKeyboardMarkup:
    """Write on an offer take's line: under news of it, or (`reply`) under a relayed message."""
    if reply:
        label = _("↩️ Reply to {name}").format(name=name) if name else _("↩️ Reply")
    else:
        label = _("💬 Message {name}").format(name=name) if name else _("💬 Send a message")
    return InlineKeyboardMarkup([[inline(label, b.TalkTake(take_id))]])


# --- /myoffers and closing ------------------------------------------------------------------


def status_label(status: OfferStatus) -> str:
    labels = {
        OfferStatus.OPEN: _("open"),
        OfferStatus.GONE: _("all taken"),
        OfferStatus.CLOSED: _("closed"),
        OfferStatus.EXPIRED: _("ended"),
    }
    return labels[status]


def mine(offers: list[tuple[Offer, list[Take]]], tz: ZoneInfo) -> str:
    if not offers:
        return _("You haven't offered anything yet. /offer to offer something to your neighbours.")
    lines = [_("🤝 <b>Your offers</b>")]
    for offer, takes in offers:
        block = (
            "\n"
            + _("<b>#{id}</b> {kind}: “{description}”\nUntil {until}: {status}").format(
                id=offer.id,
                kind=kind_label(offer.kind),
                description=esc(offer.description),
                until=format_time(offer.until_at, tz),
                status=status_label(offer.status),
            )
            + "\n"
            + takers_line(offer, takes)
        )
        lines.append(block)
    return _fit(lines)


def mine_buttons(
    offers: list[tuple[Offer, list[Take]]], can_talk: set[int]
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    for offer, takes in offers:
        if offer.status is OfferStatus.OPEN:
            rows.append(
                [inline(_("✖️ Close #{id} early").format(id=offer.id), b.OfferClose(offer.id))]
            )
        for take in takes:
            if take.id in can_talk and take.taker_name:
                rows.append(
                    [
                        inline(
                            _("💬 Message {name} (#{id})").format(
                                name=take.taker_name, id=offer.id
                            ),
                            b.TalkTake(
                                take.id,
                            ),
                        )
                    ]
                )
    return InlineKeyboardMarkup(rows[:30]) if rows else None


def close_button(offer_id: int) -> InlineKeyboardMarkup:
    """Under the offerer's confirmation that it is up."""
    return InlineKeyboardMarkup(
        [[inline(_("✖️ Close #{id} early").format(id=offer_id), b.OfferClose(offer_id))]]
    )


def confirm_close(offer: Offer) -> str:
    return _(
        "Close offer #{id} now? Nobody else will be able to take it; those who already have "
        "one keep theirs."
    ).format(id=offer.id)


def confirm_close_buttons(offer_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("Yes, close it"), b.OfferClose(offer_id, "yes")),
                inline(_("No, keep it"), b.OfferClose(offer_id, "no")),
            ]
        ]
    )


def closed_for_offerer(offer: Offer) -> str:
    return _("Offer #{id} is closed. Thank you for offering!").format(id=offer.id)


# --- "tell me about offers nearby" ------------------------------------------------------------


def news_toggle(on: bool) -> InlineKeyboardButton:
    if on:
        return inline(_("🔔 Offers nearby: on (turn off)"), b.OfferNews("off"))
    return inline(_("🔕 Tell me about offers nearby"), b.OfferNews("on"))


def news_keyboard(on: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[news_toggle(on)]])


def news_prompt(on: bool) -> str:
    if on:
        return _("🔔 You hear about offers from neighbours nearby. Press to stop.")
    return _(
        "🤝 Neighbours also offer things: a shop run with room for your shopping, spare "
        "things, a lift, a cooked meal. Would you like to hear about offers nearby?"
    )


def listening(radius_km: float, per_day: int) -> str:
    return ngettext(
        "🔔 I'll tell you about offers within {radius} of you, at most {n} a day.",
        "🔔 I'll tell you about offers within {radius} of you, at most {n} a day.",
        per_day,
    ).format(radius=radius_text(radius_km), n=per_day)


def not_listening() -> str:
    return _("🔕 OK, I won't tell you about offers any more. /offers still lists them.")


def ask_listen_where() -> str:
    return _(
        "To tell you about offers near you, I need to know roughly where you are. Press the "
        "button below to share your location. It stays with me: neighbours never see it."
    )
