"""Button data: `v1:<action>[:<arg>...]`, at most 64 bytes, readable with no cache.

A button keeps working after a restart or an upgrade because everything it needs is in
its own data. A future `v2:` can live beside `v1:`.

Each kind of button is a frozen dataclass (bot.telegram.buttons) whose fields, in order,
are its arguments: `pack()` writes the data, `parse()` reads it back or refuses it, and
`matches()` is the pattern its handler is registered with. A field's type says which
words it takes, so a forged or mangled button is refused before any handler sees it:
`int` an id (1 to 2**63-1, no leading zeros), `Count` a number from 0, `Literal[...]`
one of those words, a StrEnum one of its values, `str` any word, `X | None = None` an
argument that may be left off at the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from types import NoneType, UnionType
from typing import (
    Annotated,
    ClassVar,
    Literal,
    Self,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from telegram import InlineKeyboardButton

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
class AtLeast:
    """A number field's smallest value (`Annotated[int, AtLeast(0)]`): ids start at 1."""

    least: int


# A page's offset or a count: 0 allowed, unlike an id.
Count = Annotated[int, AtLeast(0)]
_LARGEST = 2**63  # ids fit SQLite's and PostgreSQL's signed 64-bit integers


def _number(text: str, least: int) -> int | None:
    if not text.isdigit() or len(text) > 19 or (len(text) > 1 and text[0] == "0"):
        return None
    number = int(text)
    return number if least <= number < _LARGEST else None


# How one argument is read: the value, or None for a word that is not one.
_Reader = Callable[[str], object | None]
_NOTHING = object()  # what a reader returns for a word it refuses (None is a value)


def _reader(hint: object) -> tuple[_Reader, bool]:
    """How a field of this type is read from its word, and whether it may be left off."""
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        least = next((e.least for e in extras if isinstance(e, AtLeast)), 1)
        if base is not int:
            raise TypeError(f"only int fields take AtLeast: {hint!r}")
        return (lambda text: n if (n := _number(text, least)) is not None else _NOTHING), False
    if hint is int:
        return (lambda text: n if (n := _number(text, 1)) is not None else _NOTHING), False
    if hint is str:
        return (lambda text: text), False
    if get_origin(hint) is Literal:
        words = frozenset(str(word) for word in get_args(hint))
        return (lambda text: text if text in words else _NOTHING), False
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        kind = hint
        values = {member.value: member for member in kind}
        return (lambda text: values.get(text, _NOTHING)), False
    if get_origin(hint) in (Union, UnionType):
        options = [option for option in get_args(hint) if option is not NoneType]
        readers = [_reader(option)[0] for option in options]

        def first(text: str) -> object | None:
            for read in readers:
                if (value := read(text)) is not _NOTHING:
                    return value
            return _NOTHING

        return first, NoneType in get_args(hint)
    raise TypeError(f"a button field of type {hint!r} can't be read")


class Button:
    """One kind of button: `v1:<action>[:<word>...]:<field>...`, a field per argument.

    Subclasses are frozen dataclasses setting `action` (and `words`, the fixed words
    after it that tell this kind from the action's others, e.g. `v1:fund:day:...`)."""

    action: ClassVar[Action]
    words: ClassVar[tuple[str, ...]] = ()

    def pack(self) -> str:
        """The callback_data; ValueError if it would be over 64 bytes or not ASCII."""
        args = [_word(getattr(self, name)) for name, _read, _optional in _fields(type(self))]
        while args and args[-1] is None:
            args.pop()  # an argument left off at the end
        if None in args:
            raise ValueError(f"only the last arguments can be left off: {self!r}")
        raw = ":".join(
            (VERSION, self.action.value, *self.words, *(a for a in args if a is not None))
        )
        if len(raw.encode()) > MAX_BYTES or not raw.isascii():
            raise ValueError(f"callback data too long or not ASCII: {raw!r}")
        if type(self).parse(raw) != self:
            # e.g. an id of 0, or a word with a colon in it: the button would be refused
            raise ValueError(f"{self!r} would not read back from {raw!r}")
        return raw

    @classmethod
    def parse(cls, raw: object) -> Self | None:
        """The button's meaning, or None for anything malformed, forged, another kind's or
        from the future."""
        args = _arguments(raw, cls.action, cls.words)
        fields = _fields(cls)
        required = sum(not optional for _name, _read, optional in fields)
        if args is None or not required <= len(args) <= len(fields):
            return None
        values: dict[str, object] = {}
        for (name, read, _optional), text in zip(fields, args, strict=False):
            value = read(text)
            if value is _NOTHING:
                return None
            values[name] = value
        button = cls(**values)
        return button if button.valid() else None

    def valid(self) -> bool:
        """A kind whose words need more than their type says checks them here."""
        return True

    @classmethod
    def matches(cls, **wanted: object) -> Callable[[object], bool]:
        """A CallbackQueryHandler pattern: this action (and this kind's fixed words), and
        the fields given here having these values. Only the action is checked, not every
        field: a mangled button still reaches the handler, whose @press answers it."""
        positions = {name: at for at, (name, _read, _optional) in enumerate(_fields(cls))}
        expected = {positions[name]: _word(value) for name, value in wanted.items()}

        def check(raw: object) -> bool:
            args = _arguments(raw, cls.action, cls.words)
            return args is not None and all(
                at < len(args) and args[at] == word for at, word in expected.items()
            )

        return check


def any_of(action: Action) -> Callable[[object], bool]:
    """A pattern for every button of this action, whatever its kind or arguments: for the
    handler that answers the action's mangled buttons, after its kinds' own handlers."""
    return lambda raw: _arguments(raw, action, ()) is not None


def inline(text: str, data: Button) -> InlineKeyboardButton:
    """A keyboard's button that sends this data when pressed."""
    return InlineKeyboardButton(text, callback_data=data.pack())


def _word(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a button field is not a bool")  # an int field given True
    return str(value.value if isinstance(value, StrEnum) else value)


def _arguments(raw: object, action: Action, words: tuple[str, ...]) -> list[str] | None:
    """The arguments after `v1:<action>:<words>`, or None if raw is not that."""
    if not isinstance(raw, str) or len(raw.encode()) > MAX_BYTES or not raw.isascii():
        return None
    parts = raw.split(":")
    lead = [VERSION, action.value, *words]
    if parts[: len(lead)] != lead:
        return None
    return parts[len(lead) :]


_FIELDS: dict[type[Button], tuple[tuple[str, _Reader, bool], ...]] = {}


def _fields(cls: type[Button]) -> tuple[tuple[str, _Reader, bool], ...]:
    """Each argument's field name, reader, and whether it may be left off (read once)."""
    if cls not in _FIELDS:
        _FIELDS[cls] = _read_fields(cls)
    return _FIELDS[cls]


def _read_fields(cls: type[Button]) -> tuple[tuple[str, _Reader, bool], ...]:
    hints = get_type_hints(cls, include_extras=True)
    found: list[tuple[str, _Reader, bool]] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        read, optional = _reader(hints[field.name])
        if optional and field.default is not None:
            raise TypeError(f"{cls.__name__}.{field.name}: an optional field defaults to None")
        if found and found[-1][2] and not optional:
            raise TypeError(f"{cls.__name__}.{field.name}: only the last fields can be optional")
        found.append((field.name, read, optional))
    return tuple(found)
