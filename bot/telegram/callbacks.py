"""Button data: `v1:<action>[:<arg>...]`, at most 64 bytes, readable with no cache.

A button keeps working after a restart or an upgrade because everything it needs is in
its own data. A future `v2:` can live beside `v1:`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

VERSION = "v1"
MAX_BYTES = 64


class Action(StrEnum):
    CONSENT = "consent"
    ROLE = "role"  # after consent: "need" help or "offer" help
    CATEGORY = "cat"
    WHEN = "when"
    CONFIRM = "confirm"  # the requester's summary: yes / no
    ACCEPT = "accept"
    DECLINE = "decline"
    DONE = "done"
    # Both ask first: `v1:release:<id>` / `v1:cancelreq:<id>` show the question (a cancel
    # only when a volunteer is on it), `...:yes` does it, `...:no` keeps it.
    RELEASE = "release"
    CANCEL_REQUEST = "cancelreq"
    VOLUNTEER_CATEGORY = "vcat"  # toggle a category on the volunteer form
    VOLUNTEER_SAVE = "vsave"
    APPROVE = "approve"
    REJECT = "reject"
    LANGUAGE = "lang"
    PING_EVERYONE = "pingall"  # a coordinator asks every eligible volunteer
    CLOSE = "close"  # a coordinator closes a request nobody can take
    LATER = "later"  # the volunteer needs more time
    FEEDBACK = "fb"  # the requester: did you get the help? yes / no
    AVAILABILITY = "avail"  # toggle when a volunteer is usually free
    QUIET = "quiet"  # `v1:quiet:<HHMM-HHMM|off|default>`: a volunteer's quiet hours
    STOP_SERIES = "stopseries"
    # Coordinators' tools: `v1:assign:<request_id>` lists who could take it, and
    # `v1:assign:<request_id>:<user_id>` hands it to them.
    ASSIGN = "assign"
    VOLUNTEERS = "vols"  # `v1:vols:<offset>`: the next page of /volunteers
    VOLUNTEER_CARD = "vol"  # `v1:vol:<user_id>[:here]`: one volunteer (here: edit in place)
    MARK_CHECKED = "vcheck"  # `v1:vcheck:<user_id>:1|0`: ID/DBS-checked, or not
    # `v1:vhold:<user_id>:1|0`: a coordinator puts a volunteer on hold (asked for a reason
    # first) or lifts it; not the volunteer's own /pause.
    HOLD = "vhold"
    REMOVE_VOLUNTEER = "vremove"  # `v1:vremove:<user_id>[:yes]`: ask, then remove
    # `v1:coord:<user_id>:add|remove|dismiss|keep[:card]`: remove asks, dismiss is its Yes
    COORDINATOR = "coord"
    EXPORT = "export"  # `v1:export:plain|personal`
    GROUP_HELP = "grouphelp"  # `v1:grouphelp:<request_id>`: "I can help" in the group chat
    AUDIENCE = "audience"  # who a broadcast goes to: `v1:audience:<everyone|volunteers|...>`
    BROADCAST = "bcast"  # a broadcast's preview: `v1:bcast:<send|cancel|stop>:<broadcast_id>`
    CONCERN = "concern"  # raise a concern, about a request (`v1:concern:<id>`) or in general
    FORGET = "forget"  # /forgetme's confirmation: yes / no
    # `/forget <request>`'s confirmation: `v1:forgetph:<request_id>:yes|no`, a coordinator
    # erasing someone without Telegram (an /onbehalf request's person).
    FORGET_CONTACT = "forgetph"
    SPEND = "spend"  # the volunteer records what a task cost (`v1:spend:<id>`)
    NO_RECEIPT = "noreceipt"  # ... and has no receipt photo to send
    # A new request of a kind the requester already has open: `v1:dup:<open_id>:same|new`
    # (add its details to that one, or save it as a separate need).
    DUPLICATE = "dup"
    # A prescription's questions, `v1:rx:<question>:<answer>`: pay (paid|exempt|topay),
    # fridge (yes|no), cd (a controlled drug: yes|no|unsure), ok (consent: yes|no).
    PRESCRIPTION = "rx"
    # The shared fund: `v1:reimburse:<claim_id>` approves a claim, `v1:claimno:<claim_id>`
    # declines it (a reason is asked for); `v1:fund:<what>[:...]` the coordinators' tools.
    REIMBURSE = "reimburse"
    CLAIM_DECLINE = "claimno"
    FUND = "fund"
    # Local services: `v1:info:<topic>` lists a topic, `v1:infoe:<entry_id>` a coordinator's
    # card of one entry, `v1:infoed:<entry_id>:<what>` its buttons, `v1:infoadd:<step>...`.
    INFO = "info"
    INFO_ENTRY = "infoe"
    INFO_EDIT = "infoed"
    INFO_ADD = "infoadd"
    # Safe on the doorstep: `v1:arrived:<id>` / `v1:left:<id>` on the volunteer's task,
    # `v1:safe:<id>:ok|help` answers "Are you OK?".
    ARRIVED = "arrived"
    LEFT = "left"
    SAFE = "safe"
    NO_SHOW = "nocome"  # the requester: `v1:nocome:<request_id>:<volunteer_id>`
    CHECK_IN = "checkin"  # after a first task: `v1:checkin:<id>` writes, `...:fine` doesn't
    # `v1:talk:<request_id>`: write to the other side of a taken request's private line
    # (the requester or the volunteer, whoever presses it: the server knows which).
    TALK = "talk"
    # `v1:paidback:<request_id>`: the requester has paid the volunteer back what a task cost.
    PAID_BACK = "paidback"
    # `v1:callby:bot`: a friendly phone call, by talking through the bot instead of a number.
    CALL_BY = "callby"
    # `v1:resume:yes|no`: carry on with a half-made request that was set aside, or not.
    RESUME = "resume"
    # `v1:openlist`: under the daily digest, what /open shows (each request with its buttons).
    OPEN_LIST = "openlist"
    # The requester's summary: `v1:change:what|when|where|all` changes one answer (or all).
    CHANGE = "change"
    # `v1:sameplace`: the place and address of the requester's last request, again.
    SAME_PLACE = "sameplace"
    # `v1:onit:<concern_id>`: a coordinator is handling this concern (the others are told).
    ON_IT = "onit"
    # `v1:rebook:<request_id>`: handed back after its booked time, wanted as soon as
    # possible now.
    REBOOK = "rebook"
    # Offers: `v1:take:<offer_id>` takes one unit; the /offer conversation's buttons
    # `v1:offerkind:<kind>`, `v1:offerunits:<n>`, `v1:offerpost:yes|no`; the offerer's
    # `v1:offerclose:<offer_id>[:yes|no]` (asks first); `v1:offernews:on|off`, the toggle
    # "tell me about offers nearby". `v1:talk:take:<take_id>` is an offer take's line.
    TAKE = "take"
    OFFER_KIND = "offerkind"
    OFFER_UNITS = "offerunits"
    OFFER_POST = "offerpost"
    OFFER_CLOSE = "offerclose"
    OFFER_NEWS = "offernews"


@dataclass(frozen=True)
class CallbackData:
    action: Action
    args: tuple[str, ...] = ()

    def to_str(self) -> str:
        raw = ":".join((VERSION, self.action.value, *self.args))
        if len(raw.encode()) > MAX_BYTES or not raw.isascii():
            raise ValueError(f"callback data too long or not ASCII: {raw!r}")
        return raw

    @classmethod
    def parse(cls, raw: object) -> CallbackData | None:
        """The button's meaning, or None for anything malformed, foreign or from the future."""
        if not isinstance(raw, str) or len(raw.encode()) > MAX_BYTES:
            return None
        parts = raw.split(":")
        if len(parts) < 2 or parts[0] != VERSION:
            return None
        try:
            action = Action(parts[1])
        except ValueError:
            return None
        return cls(action, tuple(parts[2:]))

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def id_arg(self) -> int | None:
        """The first argument as a positive id (a request or a user), if it is one."""
        text = self.arg
        if not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
        return number if 0 < number < 2**63 else None


def button(action: Action, *args: str | int) -> str:
    """The callback_data string for a button."""
    return CallbackData(action, tuple(str(a) for a in args)).to_str()


def matches(*actions: Action, arg: str | None = None) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: true for well-formed data with one of these actions
    (and, if given, this first argument)."""
    wanted = frozenset(actions)

    def check(raw: object) -> bool:
        data = CallbackData.parse(raw)
        return data is not None and data.action in wanted and (arg is None or data.arg == arg)

    return check
