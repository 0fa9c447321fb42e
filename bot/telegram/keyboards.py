"""Every keyboard the bot shows, in one place."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal, cast

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from bot.config import NeighbourGroup
from bot.domain.broadcasts import Audience
from bot.domain.models import Category, QuietHours, Slot, Volunteer
from bot.i18n import (
    _,
    available_languages,
    current_language,
    distance_unit,
    language_name,
    ngettext,
    use_language,
)
from bot.telegram import buttons as b
from bot.telegram import offer_views
from bot.telegram.buttons import Intent, RxQuestion
from bot.telegram.callbacks import inline
from bot.telegram.texts import audience_label, category_label, decimal


def consent(language: str | None = None, then: Intent | None = None) -> InlineKeyboardMarkup:
    """Agree to the notice, or read it in another language first. A language chosen before
    agreeing rides on the button (`v1:consent:yes:<code>`): nothing is stored until then.
    So does what they came for (`then`: "need" or "offer", from a leaflet's link or
    /request, /volunteer): `v1:consent:yes:<code>:<then>` goes straight into it."""
    agree = b.Consent(language=language or (current_language() if then else None), then=then)
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ I agree"), agree)],
            [inline(_language_label(), b.Language("", then) if then else b.Language())],
        ]
    )


def _language_label() -> str:
    """The word "Language" in the reader's language, then in every other one: someone
    whose phone is set to English may not read English."""
    first = current_language()
    words = []
    for code in sorted(available_languages(), key=lambda c: c != first):
        with use_language(code):
            words.append(_("Language"))
    return "🌐 " + " · ".join(dict.fromkeys(words))


def languages(then: Intent | None = None) -> InlineKeyboardMarkup:
    """Every language with a catalogue, each in its own name; the current one ticked
    (`then`: what someone who has not agreed yet came for, kept for the notice's button)."""
    current = current_language()
    return InlineKeyboardMarkup(
        [
            [
                inline(
                    ("✅ " if code == current else "") + language_name(code),
                    b.Language(code, then),
                )
            ]
            for code in available_languages()
        ]
    )


def roles(offer_news: bool | None = None) -> InlineKeyboardMarkup:
    """/start's menu; with `offer_news` (whether they hear of offers nearby), its toggle."""
    rows = [
        [inline(_("🙋 I need help"), b.Role("need"))],
        [inline(_("💪 I want to volunteer"), b.Role("offer"))],
    ]
    if offer_news is not None:
        rows.append([offer_views.news_toggle(offer_news)])
    return InlineKeyboardMarkup(rows)


def categories() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[inline(category_label(c), b.ChooseCategory(c))] for c in Category]
    )


def when_choices() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("As soon as possible"), b.WhenChoice("asap"))],
            [inline(_("Some time today"), b.WhenChoice("today"))],
            [inline(_("A day and time I'll type"), b.WhenChoice("at"))],
            [
                inline(_("🔁 Every week"), b.WhenChoice("weekly")),
                inline(_("🔁 Every day"), b.WhenChoice("daily")),
            ],
        ]
    )


def neighbour(group: NeighbourGroup) -> InlineKeyboardMarkup:
    """A neighbouring group's link (a URL button: it opens their bot or chat)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("➡️ {name}").format(name=group.name), url=group.link)]]
    )


def prescription(question: str, for_someone: bool = False) -> InlineKeyboardMarkup:
    """The buttons under one of a prescription's questions
    (bot.telegram.handlers.prescriptions)."""
    choices = {
        "pay": [
            ("paid", _("✅ Already paid")),
            ("exempt", _("🆓 Free (exempt)")),
            ("topay", _("💷 It needs paying")),
        ],
        "fridge": [("yes", _("❄️ Yes, a fridge")), ("no", _("No"))],
        "cd": [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))],
        "ok": [
            ("yes", _("✅ Yes, they agreed") if for_someone else _("✅ Yes, I agree")),
            ("no", _("✖️ No")),
        ],
    }[question]
    return InlineKeyboardMarkup(
        # the lookup above refused any other question
        [
            [inline(label, b.Prescription(cast(RxQuestion, question), code))]
            for code, label in choices
        ]
    )


def duplicate(open_id: int) -> InlineKeyboardMarkup:
    """Is the new request the same need as the open one?"""
    return InlineKeyboardMarkup(
        [
            [inline(_("➕ Yes, add to #{id}").format(id=open_id), b.Duplicate(open_id, "same"))],
            [inline(_("🆕 No, it's something new"), b.Duplicate(open_id, "new"))],
        ]
    )


def share_location() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📍 Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# The radius buttons, in the reader's unit (what they press is read in that unit).
RADIUS_CHOICES = {"km": ((0.5, 1, 1.5), (2, 3, 5)), "mi": ((0.25, 0.5, 1), (2, 3, 5))}


def radius_choices() -> ReplyKeyboardMarkup:
    rows = RADIUS_CHOICES[distance_unit()]
    return ReplyKeyboardMarkup(
        [[decimal(value) for value in row] for row in rows],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def resume_request() -> InlineKeyboardMarkup:
    """A half-made request is waiting: carry on with it, or start afresh."""
    return InlineKeyboardMarkup(
        [
            [inline(_("▶️ Carry on where I left off"), b.Resume("yes"))],
            [inline(_("✖️ Start afresh"), b.Resume("no"))],
        ]
    )


def confirm_request() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ Send my request"), b.Confirm("yes"))],
            [inline(_("✏️ Change something"), b.Confirm("no"))],
        ]
    )


def change_request(*, at_door: bool) -> InlineKeyboardMarkup:
    """Which answer to change (a phone call has a number where others have a place)."""
    where = _("📍 Where, and the address") if at_door else _("📞 The number to ring")
    return InlineKeyboardMarkup(
        [
            [inline(_("📝 What I need"), b.Change("what"))],
            [inline(_("🕒 When"), b.Change("when"))],
            [inline(where, b.Change("where"))],
            [inline(_("✖️ Start again from the top"), b.Change("all"))],
        ]
    )


def same_place(address: str) -> InlineKeyboardMarkup:
    """Under the location question, for someone who asked before."""
    label = _("🏠 Same place as last time: {address}").format(address=address[:40])
    return InlineKeyboardMarkup([[inline(label, b.SamePlace())]])


def volunteer_categories(chosen: Collection[Category]) -> InlineKeyboardMarkup:
    rows = [
        [
            inline(
                ("✅ " if c in chosen else "▫️ ") + category_label(c),
                b.VolunteerCategory(c),
            )
        ]
        for c in Category
    ]
    rows.append([inline(_("💾 Save"), b.VolunteerSave())])
    return InlineKeyboardMarkup(rows)


def ping(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("🙋 I'll do it"), b.Accept(request_id)),
                inline(_("Not this time"), b.Decline(request_id)),
            ]
        ]
    )


def task(
    request_id: int,
    talk_to: str | None = None,
    *,
    on_doorstep: bool = False,
    at_door: bool = True,
) -> InlineKeyboardMarkup:
    """The volunteer's task card: the doorstep button ("arrived", or once there "left
    safely"; none for a phone call, `at_door` False), Done, Hand it back, a message to the
    requester (`talk_to`: their name, for the private line), and a concern."""
    rows = [
        [
            inline(_("✅ Done"), b.Done(request_id)),
            inline(_("↩️ Hand it back"), b.Release(request_id)),
        ],
        [_raise_concern(request_id)],
    ]
    if talk_to is not None:
        rows.insert(1, [_talk(request_id, talk_to)])
    if at_door or on_doorstep:
        rows.insert(0, [_doorstep_button(request_id, on_doorstep)])
    return InlineKeyboardMarkup(rows)


def _talk(request_id: int, name: str) -> InlineKeyboardButton:
    label = _("💬 Message {name}").format(name=name) if name else _("💬 Send a message")
    return inline(label, b.Talk(request_id))


def talk(request_id: int, name: str, *, reply: bool = False) -> InlineKeyboardMarkup:
    """Write to the other side of a request's private line: under news, or (`reply`)
    under a message relayed from them."""
    if reply:
        label = _("↩️ Reply to {name}").format(name=name) if name else _("↩️ Reply")
        return InlineKeyboardMarkup([[inline(label, b.Talk(request_id))]])
    return InlineKeyboardMarkup([[_talk(request_id, name)]])


def _doorstep_button(request_id: int, on_doorstep: bool) -> InlineKeyboardButton:
    if on_doorstep:
        return inline(_("🏠 I've left safely"), b.Left(request_id))
    return inline(_("📍 I've arrived"), b.Arrived(request_id))


def doorstep(
    request_id: int, *, on_doorstep: bool = False, at_door: bool = True
) -> InlineKeyboardMarkup | None:
    """Under the protected details message (and a done task's card while still there);
    none for a friendly phone call (`at_door` False): there is no doorstep."""
    if not at_door and not on_doorstep:
        return None
    return InlineKeyboardMarkup([[_doorstep_button(request_id, on_doorstep)]])


def after_done(request_id: int, *, spending: bool) -> InlineKeyboardMarkup:
    """A task just done by a volunteer still on the doorstep: "left safely" stays."""
    rows = [[_doorstep_button(request_id, True)]]
    if spending:
        rows += [list(row) for row in record_spending(request_id).inline_keyboard]
    return InlineKeyboardMarkup(rows)


def are_you_ok(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ I'm fine, I've left"), b.Safe(request_id, "ok"))],
            [inline(_("🆘 I need help"), b.Safe(request_id, "help"))],
        ]
    )


def didnt_come(request_id: int, volunteer_id: int) -> InlineKeyboardMarkup:
    """Under the requester's "Good news: X is going to help"."""
    return InlineKeyboardMarkup([[_didnt_come(request_id, volunteer_id)]])


def news(
    request_id: int, volunteer_id: int, volunteer_name: str, *, at_door: bool = True
) -> InlineKeyboardMarkup:
    """Under the requester's "Good news": a message to the volunteer, and "they didn't
    come" (for a phone call, "they didn't call")."""
    return InlineKeyboardMarkup(
        [[_talk(request_id, volunteer_name)], [_didnt_come(request_id, volunteer_id, at_door)]]
    )


def _didnt_come(request_id: int, volunteer_id: int, at_door: bool = True) -> InlineKeyboardButton:
    label = _("😟 They didn't come") if at_door else _("😟 They didn't call")
    return inline(label, b.NoShow(request_id, volunteer_id))


def check_in(request_id: int) -> InlineKeyboardMarkup:
    """After a volunteer's first task: tell the coordinators how it went, or not."""
    return InlineKeyboardMarkup(
        [
            [inline(_("✍️ Tell the coordinators"), b.CheckIn(request_id))],
            [inline(_("👍 All fine, nothing to add"), b.CheckIn(request_id, "fine"))],
        ]
    )


def _raise_concern(request_id: int) -> InlineKeyboardButton:
    return inline(_("⚠️ Raise a concern"), b.Concern(request_id))


def my_request(request_id: int, cancellable: bool) -> InlineKeyboardMarkup:
    """Under each of the requester's /myrequests entries."""
    rows = [[_raise_concern(request_id)]]
    if cancellable:
        rows.insert(
            0, [inline(_("Cancel #{id}").format(id=request_id), b.CancelRequest(request_id))]
        )
    return InlineKeyboardMarkup(rows)


def on_it(concern_id: int) -> InlineKeyboardMarkup:
    """Under a concern sent to the coordinators: one of them takes it on."""
    return InlineKeyboardMarkup([[inline(_("🙋 I'm on it"), b.OnIt(concern_id))]])


def concern_about(requests: Collection[tuple[int, Category]]) -> InlineKeyboardMarkup:
    """/concern: which request it is about, or none of them."""
    rows = [
        [inline(f"#{request_id} {category_label(category)}", b.Concern(request_id))]
        for request_id, category in requests
    ]
    rows.append([inline(_("Something else"), b.Concern())])
    return InlineKeyboardMarkup(rows)


def forget_me() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("🗑 Yes, erase my details"), b.Forget("yes"))],
            [inline(_("No, keep them"), b.Forget("no"))],
        ]
    )


def forget_contact(request_id: int) -> InlineKeyboardMarkup:
    """A coordinator erasing someone without Telegram: ask first."""
    return InlineKeyboardMarkup(
        [
            [inline(_("🗑 Yes, erase their details"), b.ForgetContact(request_id, "yes"))],
            [inline(_("No, keep them"), b.ForgetContact(request_id, "no"))],
        ]
    )


def record_spending(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("🧾 Record what I spent"), b.Spend(request_id))]])


def paid_back(request_id: int, volunteer_name: str) -> InlineKeyboardMarkup:
    """Under the requester's "what was spent": they've paid the volunteer back."""
    label = (
        _("💷 I've paid {name} back").format(name=volunteer_name)
        if volunteer_name
        else _("💷 I've paid them back")
    )
    return InlineKeyboardMarkup([[inline(label, b.PaidBack(request_id))]])


def call_by_bot() -> InlineKeyboardMarkup:
    """A friendly phone call without giving a number: talk through the bot instead."""
    return InlineKeyboardMarkup([[inline(_("💬 Talk through the bot instead"), b.CallBy("bot"))]])


def no_receipt(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("I have no receipt"), b.NoReceipt(request_id))]])


def booked_time_passed(request_id: int, *, by_phone: bool = False) -> InlineKeyboardMarkup:
    """Handed back after its booked time: as soon as possible now, or cancel it (for a
    request taken by phone, the coordinator's "close" does that)."""
    cancel = (
        inline(_("✖️ Close it"), b.Close(request_id))
        if by_phone
        else inline(_("Cancel #{id}").format(id=request_id), b.CancelRequest(request_id, "yes"))
    )
    return InlineKeyboardMarkup(
        [[inline(_("🙋 As soon as possible, please"), b.Rebook(request_id))], [cancel]]
    )


def cancel_request(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[inline(_("Cancel #{id}").format(id=request_id), b.CancelRequest(request_id))]]
    )


def approval(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("✅ Approve"), b.Approve(user_id)),
                inline(_("✖️ Turn down"), b.Reject(user_id)),
            ]
        ]
    )


def stuck_request(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("📣 Ask every eligible volunteer"), b.PingEveryone(request_id))],
            [inline(_("✖️ Close it and tell the requester"), b.Close(request_id))],
        ]
    )


def follow_up(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ Done"), b.Done(request_id))],
            [inline(_("⏳ I need more time"), b.Later(request_id))],
            [inline(_("↩️ I can't do it"), b.Release(request_id))],
        ]
    )


def ask_again() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("🙋 Ask for help again"), b.Role("need"))]])


def feedback(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(_("👍 Yes"), b.Feedback(request_id, "yes")),
                inline(_("👎 No"), b.Feedback(request_id, "no")),
            ]
        ]
    )


def availability(chosen: Collection[Slot]) -> InlineKeyboardMarkup:
    labels = {
        Slot.WEEKDAY_DAYTIME: _("Weekday daytimes"),
        Slot.WEEKDAY_EVENING: _("Weekday evenings"),
        Slot.WEEKEND: _("Weekends"),
    }
    return InlineKeyboardMarkup(
        [
            [inline(("✅ " if slot in chosen else "▫️ ") + label, b.Availability(slot))]
            for slot, label in labels.items()
        ]
    )


# Quiet hours a volunteer can pick with one tap, besides the group's default and none.
QUIET_CHOICES = ("22:00-07:00", "23:00-07:00", "20:00-09:00", "21:00-08:00")


def quiet_hours(
    current: QuietHours | None, own: bool, default: QuietHours | None
) -> InlineKeyboardMarkup:
    """The volunteer's quiet hours: the group's usual, a few others, or none."""

    def mark(chosen: bool) -> str:
        return "✅ " if chosen else "▫️ "

    usual = default.label() if default else _("none")
    rows = [
        [
            inline(
                mark(not own) + _("The usual ({hours})").format(hours=usual),
                b.Quiet(
                    "default",
                ),
            )
        ]
    ]
    for raw in QUIET_CHOICES:
        choice = QuietHours.parse(raw)
        if choice is None or choice == default:
            continue
        rows.append(
            [inline(mark(own and current == choice) + choice.label(), b.Quiet(choice.code()))]
        )
    rows.append([inline(mark(own and current is None) + _("No quiet hours"), b.Quiet("off"))])
    return InlineKeyboardMarkup(rows)


def stop_series(series_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("Stop repeating"), b.StopSeries(series_id))]])


def audiences() -> InlineKeyboardMarkup:
    """Who a coordinators' broadcast goes to."""
    return InlineKeyboardMarkup(
        [[inline(audience_label(a), b.ChooseAudience(a))] for a in Audience]
    )


def broadcast_preview(broadcast_id: int, recipients: int) -> InlineKeyboardMarkup:
    send = ngettext("📣 Send to {n} person", "📣 Send to {n} people", recipients)
    return InlineKeyboardMarkup(
        [
            [inline(send.format(n=recipients), b.Broadcast("send", broadcast_id))],
            [inline(_("✖️ Cancel"), b.Broadcast("cancel", broadcast_id))],
        ]
    )


def broadcast_stop(broadcast_id: int) -> InlineKeyboardMarkup:
    """Under a broadcast's progress while it is going out."""
    return InlineKeyboardMarkup([[inline(_("⏹ Stop sending"), b.Broadcast("stop", broadcast_id))]])


# --- coordinators' tools -------------------------------------------------------------


def digest(needs_a_look: bool) -> InlineKeyboardMarkup | None:
    """Under the daily digest, when something waits: each waiting request with its buttons."""
    if not needs_a_look:
        return None
    return InlineKeyboardMarkup([[inline(_("📋 Show what needs a look"), b.OpenList())]])


def open_request(request_id: int, *, is_open: bool = True) -> InlineKeyboardMarkup:
    """Under each entry of /open: ask everyone, hand it to someone, or close it. A taken
    request that is overdue can only be closed from here."""
    rows = []
    if is_open:
        rows += [
            [inline(_("📣 Ask every eligible volunteer"), b.PingEveryone(request_id))],
            [inline(_("👤 Hand it to a volunteer"), b.Assign(request_id))],
        ]
    rows.append([inline(_("✖️ Close it and tell the requester"), b.Close(request_id))])
    return InlineKeyboardMarkup(rows)


def assign_choices(
    request_id: int, choices: list[tuple[int, str]], *, anyone: bool = False
) -> InlineKeyboardMarkup:
    """One button per volunteer who could take the request: (user id, label); with
    `anyone`, a last one that lists every approved volunteer (`v1:assign:<id>:any`)."""
    rows = [[inline(label, b.Assign(request_id, user_id))] for user_id, label in choices]
    if anyone:
        rows.append([inline(_("👥 Someone else…"), b.Assign(request_id, "any"))])
    return InlineKeyboardMarkup(rows)


def volunteer_list(
    entries: list[tuple[int, str]], next_offset: int | None
) -> InlineKeyboardMarkup:
    rows = [[inline(label, b.VolunteerCard(user_id))] for user_id, label in entries]
    if next_offset is not None:
        rows.append([inline(_("More ➡️"), b.VolunteerPage(next_offset))])
    return InlineKeyboardMarkup(rows)


def volunteer_card(volunteer: Volunteer, *, coordinator: bool) -> InlineKeyboardMarkup:
    """What a coordinator can do about one volunteer. Each button says the state it sets,
    so a double press never undoes itself."""
    uid = volunteer.user_id
    check = (
        inline(_("✖️ Clear ID/DBS check"), b.MarkChecked(uid, "0"))
        if volunteer.dbs_checked
        else inline(_("✔️ Mark ID/DBS-checked"), b.MarkChecked(uid, "1"))
    )
    hold = (
        inline(_("▶️ Lift the hold"), b.Hold(uid, "0"))
        if volunteer.held
        else inline(_("✋ Put on hold"), b.Hold(uid, "1"))
    )
    role = (
        inline(_("Stop being a coordinator"), b.Coordinator(uid, "remove", "card"))
        if coordinator
        else inline(_("⭐ Make coordinator"), b.Coordinator(uid, "add", "card"))
    )
    return InlineKeyboardMarkup(
        [[check], [hold, inline(_("🗑 Remove"), b.RemoveVolunteer(uid))], [role]]
    )


def confirm_removal(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("🗑 Yes, remove them"), b.RemoveVolunteer(user_id, "yes"))],
            [inline(_("↩️ No, keep them"), b.VolunteerCard(user_id, "here"))],
        ]
    )


def coordinator_list(entries: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """A "remove" button per coordinator: (user id, name)."""
    return InlineKeyboardMarkup(
        [
            [inline(_("✖️ Remove {name}").format(name=name), b.Coordinator(uid, "remove"))]
            for uid, name in entries
        ]
    )


def confirm_dismissal(user_id: int, *, on_card: bool) -> InlineKeyboardMarkup:
    card: Literal["card"] | None = "card" if on_card else None
    return InlineKeyboardMarkup(
        [
            [
                inline(
                    _("Yes, remove them as coordinator"),
                    b.Coordinator(user_id, "dismiss", card),
                )
            ],
            [inline(_("No, keep them as coordinator"), b.Coordinator(user_id, "keep", card))],
        ]
    )


def confirm_release(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("↩️ Yes, hand it back"), b.Release(request_id, "yes"))],
            [inline(_("No, keep it"), b.Release(request_id, "no"))],
        ]
    )


def confirm_cancel(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                inline(
                    _("Yes, cancel #{id}").format(id=request_id),
                    b.CancelRequest(
                        request_id,
                        "yes",
                    ),
                )
            ],
            [inline(_("No, keep it"), b.CancelRequest(request_id, "no"))],
        ]
    )


def make_coordinator(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[inline(_("⭐ Make coordinator"), b.Coordinator(user_id, "add"))]]
    )


def export_choice(language: str | None = None) -> InlineKeyboardMarkup:
    """Plain or personal; a language asked for (/export en) rides on the buttons."""
    return InlineKeyboardMarkup(
        [
            [
                inline(
                    _("📄 Figures only, no personal details"), b.Export("plain", language or None)
                )
            ],
            [
                inline(
                    _("🔒 With personal details (logged)"), b.Export("personal", language or None)
                )
            ],
        ]
    )


def group_help(request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[inline(_("🙋 I can help"), b.GroupHelp(request_id))]])


def intake_when() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("As soon as possible"), b.WhenChoice("asap"))],
            [inline(_("Some time today"), b.WhenChoice("today"))],
            [inline(_("A day and time I'll type"), b.WhenChoice("at"))],
        ]
    )


def intake_confirm() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [inline(_("✅ Send the request"), b.Confirm("yes"))],
            [inline(_("✖️ Start again"), b.Confirm("no"))],
        ]
    )


def map_button_text() -> str:
    return _("🗺 Open the map")


def open_map(url: str) -> InlineKeyboardMarkup:
    """/map: opens the coordinators' map (a Mini App) inside Telegram."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(map_button_text(), web_app=WebAppInfo(url))]]
    )
