"""Every kind of button the bot shows, one frozen dataclass each (see bot.telegram.callbacks).

A field's type is the set of words its argument may be; the order of the fields is the
order on the wire, which stays exactly as it was when each button was first shown (old
messages still carry it), e.g. Release(7, "yes").pack() == "v1:release:7:yes".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.domain.broadcasts import Audience
from bot.domain.info import Topic
from bot.domain.models import Category, QuietHours, Slot
from bot.domain.offers import OfferKind
from bot.i18n import available_languages
from bot.telegram.callbacks import Action, Button, Count

YesNo = Literal["yes", "no"]
# What someone came for before agreeing to the notice (a leaflet's link, /request,
# /volunteer): "need" or "offer" help. The ROLE buttons' own words.
Intent = Literal["need", "offer"]
RxQuestion = Literal["pay", "fridge", "cd", "ok"]  # a prescription's questions
OneZero = Literal["1", "0"]  # a state a coordinator sets: on or off
Detail = Literal["phone", "link", "hours"]  # a local-info entry's details, asked in turn

# --- agreeing, language, and /start's menu ----------------------------------------------


@dataclass(frozen=True)
class Consent(Button):
    """`v1:consent:yes[:<language>[:<then>]]`: a language chosen before agreeing, and what
    they came for, ride on the button (nothing is stored until it is pressed)."""

    action = Action.CONSENT
    answer: Literal["yes"] = "yes"
    language: str | None = None
    then: Intent | None = None


@dataclass(frozen=True)
class Language(Button):
    """`v1:lang[:<code>[:<then>]]`: no code (or an empty one) shows the list."""

    action = Action.LANGUAGE
    code: str | None = None
    then: Intent | None = None

    def valid(self) -> bool:
        return not self.code or self.code in available_languages()


@dataclass(frozen=True)
class Role(Button):
    action = Action.ROLE
    intent: Intent


# --- a request: the requester's form and their buttons afterwards ---------------------


@dataclass(frozen=True)
class ChooseCategory(Button):
    action = Action.CATEGORY
    category: Category


@dataclass(frozen=True)
class WhenChoice(Button):
    """`v1:when:asap|today|at` (and, for /request, `weekly|daily`)."""

    action = Action.WHEN
    choice: Literal["asap", "today", "at", "weekly", "daily"]


@dataclass(frozen=True)
class Confirm(Button):
    action = Action.CONFIRM
    answer: YesNo


@dataclass(frozen=True)
class Duplicate(Button):
    """`v1:dup:<open_id>:same|new`: add to the open request, or a separate need."""

    action = Action.DUPLICATE
    open_id: int
    choice: Literal["same", "new"]


@dataclass(frozen=True)
class Prescription(Button):
    """`v1:rx:<question>:<answer>`; which answers a question takes, its handler knows."""

    action = Action.PRESCRIPTION
    question: RxQuestion
    answer: str


@dataclass(frozen=True)
class SamePlace(Button):
    action = Action.SAME_PLACE


@dataclass(frozen=True)
class Resume(Button):
    action = Action.RESUME
    answer: YesNo


@dataclass(frozen=True)
class CallBy(Button):
    action = Action.CALL_BY
    how: Literal["bot"] = "bot"


@dataclass(frozen=True)
class Change(Button):
    action = Action.CHANGE
    what: Literal["what", "when", "where", "all"]


@dataclass(frozen=True)
class CancelRequest(Button):
    """`v1:cancelreq:<id>` asks (when a volunteer is on it), `:yes` cancels, `:no` keeps."""

    action = Action.CANCEL_REQUEST
    request_id: int
    answer: YesNo | None = None


@dataclass(frozen=True)
class StopSeries(Button):
    action = Action.STOP_SERIES
    series_id: int


@dataclass(frozen=True)
class Rebook(Button):
    action = Action.REBOOK
    request_id: int


@dataclass(frozen=True)
class Feedback(Button):
    action = Action.FEEDBACK
    request_id: int
    answer: YesNo


# --- volunteers ------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerCategory(Button):
    action = Action.VOLUNTEER_CATEGORY
    category: Category


@dataclass(frozen=True)
class VolunteerSave(Button):
    action = Action.VOLUNTEER_SAVE


@dataclass(frozen=True)
class Accept(Button):
    action = Action.ACCEPT
    request_id: int


@dataclass(frozen=True)
class Decline(Button):
    action = Action.DECLINE
    request_id: int


@dataclass(frozen=True)
class Done(Button):
    action = Action.DONE
    request_id: int


@dataclass(frozen=True)
class Release(Button):
    """`v1:release:<id>` asks, `:yes` hands it back, `:no` keeps it."""

    action = Action.RELEASE
    request_id: int
    answer: YesNo | None = None


@dataclass(frozen=True)
class Later(Button):
    action = Action.LATER
    request_id: int


@dataclass(frozen=True)
class Availability(Button):
    action = Action.AVAILABILITY
    slot: Slot


@dataclass(frozen=True)
class Quiet(Button):
    """`v1:quiet:<HHMM-HHMM|off|default>`."""

    action = Action.QUIET
    hours: str

    def valid(self) -> bool:
        if self.hours == "default":
            return True
        try:
            QuietHours.parse(self.hours)
        except ValueError:
            return False
        return True


# --- on the doorstep, and afterwards ----------------------------------------------------


@dataclass(frozen=True)
class Arrived(Button):
    action = Action.ARRIVED
    request_id: int


@dataclass(frozen=True)
class Left(Button):
    action = Action.LEFT
    request_id: int


@dataclass(frozen=True)
class Safe(Button):
    """`v1:safe:<id>:ok|help`: the answer to "Are you OK?"."""

    action = Action.SAFE
    request_id: int
    answer: Literal["ok", "help"]


@dataclass(frozen=True)
class NoShow(Button):
    action = Action.NO_SHOW
    request_id: int
    volunteer_id: int


@dataclass(frozen=True)
class CheckIn(Button):
    """`v1:checkin:<id>` writes to the coordinators, `:fine` doesn't."""

    action = Action.CHECK_IN
    request_id: int
    fine: Literal["fine"] | None = None


@dataclass(frozen=True)
class Talk(Button):
    """`v1:talk:<request_id>`: write to the other side of a taken request's line."""

    action = Action.TALK
    request_id: int


@dataclass(frozen=True)
class TalkTake(Button):
    """`v1:talk:take:<take_id>`: an offer take's line."""

    action = Action.TALK
    words = ("take",)
    take_id: int


@dataclass(frozen=True)
class Concern(Button):
    """`v1:concern[:<request_id>]`: about a request, or in general."""

    action = Action.CONCERN
    request_id: int | None = None


@dataclass(frozen=True)
class OnIt(Button):
    action = Action.ON_IT
    concern_id: int


@dataclass(frozen=True)
class Spend(Button):
    action = Action.SPEND
    request_id: int


@dataclass(frozen=True)
class NoReceipt(Button):
    action = Action.NO_RECEIPT
    request_id: int


@dataclass(frozen=True)
class PaidBack(Button):
    action = Action.PAID_BACK
    request_id: int


@dataclass(frozen=True)
class Forget(Button):
    action = Action.FORGET
    answer: YesNo


@dataclass(frozen=True)
class ForgetContact(Button):
    action = Action.FORGET_CONTACT
    request_id: int
    answer: YesNo


@dataclass(frozen=True)
class GroupHelp(Button):
    action = Action.GROUP_HELP
    request_id: int


# --- coordinators ----------------------------------------------------------------------


@dataclass(frozen=True)
class Approve(Button):
    action = Action.APPROVE
    user_id: int


@dataclass(frozen=True)
class Reject(Button):
    action = Action.REJECT
    user_id: int


@dataclass(frozen=True)
class PingEveryone(Button):
    action = Action.PING_EVERYONE
    request_id: int


@dataclass(frozen=True)
class Close(Button):
    action = Action.CLOSE
    request_id: int


@dataclass(frozen=True)
class OpenList(Button):
    action = Action.OPEN_LIST


@dataclass(frozen=True)
class Assign(Button):
    """`v1:assign:<request_id>` lists who could take it, `:<user_id>` hands it to them,
    `:any` lists every approved volunteer."""

    action = Action.ASSIGN
    request_id: int
    to: int | Literal["any"] | None = None


@dataclass(frozen=True)
class VolunteerPage(Button):
    """`v1:vols:<offset>`: the next page of /volunteers."""

    action = Action.VOLUNTEERS
    offset: Count


@dataclass(frozen=True)
class VolunteerCard(Button):
    """`v1:vol:<user_id>[:here]` (here: edit the message in place)."""

    action = Action.VOLUNTEER_CARD
    user_id: int
    here: Literal["here"] | None = None


@dataclass(frozen=True)
class MarkChecked(Button):
    action = Action.MARK_CHECKED
    user_id: int
    checked: OneZero


@dataclass(frozen=True)
class Hold(Button):
    action = Action.HOLD
    user_id: int
    held: OneZero


@dataclass(frozen=True)
class RemoveVolunteer(Button):
    """`v1:vremove:<user_id>` asks, `:yes` removes."""

    action = Action.REMOVE_VOLUNTEER
    user_id: int
    answer: Literal["yes"] | None = None


@dataclass(frozen=True)
class Coordinator(Button):
    """`v1:coord:<user_id>:add|remove|dismiss|keep[:card]`: remove asks, dismiss is its
    Yes; `card` when pressed on a volunteer's card."""

    action = Action.COORDINATOR
    user_id: int
    change: Literal["add", "remove", "dismiss", "keep"]
    card: Literal["card"] | None = None


@dataclass(frozen=True)
class Export(Button):
    """`v1:export:plain|personal[:<language>]`."""

    action = Action.EXPORT
    kind: Literal["plain", "personal"]
    language: str | None = None

    def valid(self) -> bool:
        return self.language is None or self.language in available_languages()


@dataclass(frozen=True)
class ChooseAudience(Button):
    action = Action.AUDIENCE
    audience: Audience


@dataclass(frozen=True)
class Broadcast(Button):
    """`v1:bcast:send|cancel|stop:<broadcast_id>`."""

    action = Action.BROADCAST
    verb: Literal["send", "cancel", "stop"]
    broadcast_id: int


# --- the shared fund -------------------------------------------------------------------


@dataclass(frozen=True)
class Reimburse(Button):
    action = Action.REIMBURSE
    claim_id: int


@dataclass(frozen=True)
class ClaimDecline(Button):
    action = Action.CLAIM_DECLINE
    claim_id: int


@dataclass(frozen=True)
class FundLedger(Button):
    action = Action.FUND
    words = ("ledger",)


@dataclass(frozen=True)
class FundStatement(Button):
    action = Action.FUND
    words = ("statement",)


@dataclass(frozen=True)
class FundPost(Button):
    """`v1:fund:post:<YYYY-MM>`: post a month's statement in the group chat."""

    action = Action.FUND
    words = ("post",)
    month: str  # YYYY-MM

    def valid(self) -> bool:
        return re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", self.month) is not None


@dataclass(frozen=True)
class FundReverse(Button):
    action = Action.FUND
    words = ("rev",)
    row_id: Count
    answer: YesNo


@dataclass(frozen=True)
class FundDay(Button):
    """`v1:fund:day:0|1`: a donation came today, or yesterday (days back)."""

    action = Action.FUND
    words = ("day",)
    back: Literal["0", "1"]


@dataclass(frozen=True)
class FundNoNote(Button):
    action = Action.FUND
    words = ("nonote",)


@dataclass(frozen=True)
class FundThank(Button):
    action = Action.FUND
    words = ("thank",)
    answer: YesNo


# --- local services --------------------------------------------------------------------


@dataclass(frozen=True)
class Info(Button):
    action = Action.INFO
    topic: Topic


@dataclass(frozen=True)
class InfoEntry(Button):
    action = Action.INFO_ENTRY
    entry_id: int


@dataclass(frozen=True)
class InfoEdit(Button):
    action = Action.INFO_EDIT
    entry_id: int
    what: Literal["checked", "retire", "text", "phone", "link", "hours"]


@dataclass(frozen=True)
class InfoAddTopic(Button):
    action = Action.INFO_ADD
    words = ("topic",)
    topic: Topic


@dataclass(frozen=True)
class InfoAddLanguage(Button):
    """`v1:infoadd:lang:<entry_id>:<code>`: write the entry's text in that language."""

    action = Action.INFO_ADD
    words = ("lang",)
    entry_id: int
    code: str

    def valid(self) -> bool:
        return self.code in available_languages()


@dataclass(frozen=True)
class InfoAddSkip(Button):
    """`v1:infoadd:skip:<step>`: leave one of the details out."""

    action = Action.INFO_ADD
    words = ("skip",)
    step: Detail


@dataclass(frozen=True)
class InfoAddDone(Button):
    action = Action.INFO_ADD
    words = ("done",)
    entry_id: int


# --- offers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Take(Button):
    action = Action.TAKE
    offer_id: int


@dataclass(frozen=True)
class OfferKindChoice(Button):
    action = Action.OFFER_KIND
    kind: OfferKind


@dataclass(frozen=True)
class OfferUnits(Button):
    action = Action.OFFER_UNITS
    units: int


@dataclass(frozen=True)
class OfferPost(Button):
    action = Action.OFFER_POST
    answer: YesNo


@dataclass(frozen=True)
class OfferClose(Button):
    """`v1:offerclose:<offer_id>` asks, `:yes` closes it, `:no` keeps it."""

    action = Action.OFFER_CLOSE
    offer_id: int
    answer: YesNo | None = None


@dataclass(frozen=True)
class OfferNews(Button):
    action = Action.OFFER_NEWS
    turn: Literal["on", "off"]
