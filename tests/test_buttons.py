"""Typed buttons: each kind writes exactly the data old messages carry, reads back what it
wrote, and refuses anything forged, mangled or another kind's. No Bot, no database."""

from __future__ import annotations

import dataclasses
import inspect
from enum import StrEnum
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import i18n
from bot.domain.broadcasts import Audience
from bot.domain.models import Category, Slot, Volunteer, VolunteerStatus
from bot.telegram import buttons as b
from bot.telegram import keyboards
from bot.telegram.callbacks import MAX_BYTES, Action, AtLeast, Button, any_of


@pytest.fixture(autouse=True, scope="module")
def _catalogues() -> None:
    """A language is only a button's word when the bot has its catalogue."""
    i18n.load_catalogues("en")


KINDS: list[type[Button]] = [
    kind
    for _name, kind in inspect.getmembers(b, inspect.isclass)
    if issubclass(kind, Button) and kind is not Button
]

# The wire format as INTERFACE.md and old messages have it: these strings never change.
WIRE = [
    (b.Consent(), "v1:consent:yes"),
    (b.Consent(language="cy"), "v1:consent:yes:cy"),
    (b.Consent(language="en", then="need"), "v1:consent:yes:en:need"),
    (b.Language(), "v1:lang"),
    (b.Language("", "offer"), "v1:lang::offer"),
    (b.Language("pl"), "v1:lang:pl"),
    (b.Role("need"), "v1:role:need"),
    (b.ChooseCategory(Category.DOG_WALKING), "v1:cat:dog_walking"),
    (b.WhenChoice("asap"), "v1:when:asap"),
    (b.Accept(42), "v1:accept:42"),
    (b.Decline(42), "v1:decline:42"),
    (b.Done(42), "v1:done:42"),
    (b.Release(42), "v1:release:42"),
    (b.Release(42, "yes"), "v1:release:42:yes"),
    (b.CancelRequest(7, "no"), "v1:cancelreq:7:no"),
    (b.Approve(2**63 - 1), f"v1:approve:{2**63 - 1}"),
    (b.Reject(5), "v1:reject:5"),
    (b.Duplicate(3, "same"), "v1:dup:3:same"),
    (b.Prescription("pay", "topay"), "v1:rx:pay:topay"),
    (b.Availability(Slot.WEEKEND), "v1:avail:weekend"),
    (b.Quiet("2200-0700"), "v1:quiet:2200-0700"),
    (b.Quiet("default"), "v1:quiet:default"),
    (b.Assign(9), "v1:assign:9"),
    (b.Assign(9, 301), "v1:assign:9:301"),
    (b.Assign(9, "any"), "v1:assign:9:any"),
    (b.VolunteerPage(0), "v1:vols:0"),
    (b.VolunteerCard(301, "here"), "v1:vol:301:here"),
    (b.MarkChecked(301, "0"), "v1:vcheck:301:0"),
    (b.Hold(301, "1"), "v1:vhold:301:1"),
    (b.RemoveVolunteer(301, "yes"), "v1:vremove:301:yes"),
    (b.Coordinator(301, "dismiss", "card"), "v1:coord:301:dismiss:card"),
    (b.Coordinator(301, "add"), "v1:coord:301:add"),
    (b.Export("personal", "uk"), "v1:export:personal:uk"),
    (b.ChooseAudience(Audience.EVERYONE), "v1:audience:everyone"),
    (b.Broadcast("send", 1), "v1:bcast:send:1"),
    (b.Concern(), "v1:concern"),
    (b.Concern(8), "v1:concern:8"),
    (b.Talk(8), "v1:talk:8"),
    (b.TalkTake(8), "v1:talk:take:8"),
    (b.Safe(8, "help"), "v1:safe:8:help"),
    (b.NoShow(8, 301), "v1:nocome:8:301"),
    (b.CheckIn(8, "fine"), "v1:checkin:8:fine"),
    (b.FundLedger(), "v1:fund:ledger"),
    (b.FundPost("2024-01"), "v1:fund:post:2024-01"),
    (b.FundReverse(0, "yes"), "v1:fund:rev:0:yes"),
    (b.FundDay("1"), "v1:fund:day:1"),
    (b.InfoAddLanguage(1, "cy"), "v1:infoadd:lang:1:cy"),
    (b.InfoAddSkip("phone"), "v1:infoadd:skip:phone"),
    (b.OfferClose(4), "v1:offerclose:4"),
    (b.OfferNews("off"), "v1:offernews:off"),
    (b.OpenList(), "v1:openlist"),
    (b.CallBy(), "v1:callby:bot"),
]

FORGED = [
    (b.Accept, "v1:accept:0"),  # ids start at 1
    (b.Accept, "v1:accept:-1"),
    (b.Accept, f"v1:accept:{2**63}"),  # past a 64-bit id
    (b.Accept, "v1:accept:007"),  # only one way to write a number
    (b.Accept, "v1:accept:١٢"),  # digits, but not ASCII ones
    (b.Accept, "v1:accept:1.5"),
    (b.Accept, "v1:accept: 1"),
    (b.Accept, "v1:accept"),
    (b.Accept, "v1:accept:"),
    (b.Accept, "v1:accept:1:2"),  # one argument too many
    (b.Accept, "v2:accept:1"),  # from the future
    (b.Accept, "V1:accept:1"),
    (b.Accept, "v1:decline:1"),  # another action
    (b.Accept, "v1:accept:" + "1" * 60),  # over 64 bytes
    (b.Release, "v1:release:1:maybe"),
    (b.Release, "v1:release:1:yes:no"),
    (b.Consent, "v1:consent:no"),
    (b.Consent, "v1:consent:yes:en:both"),
    (b.Language, "v1:lang:xx"),  # no such language
    (b.Export, "v1:export:plain:xx"),
    (b.Export, "v1:export:everything"),
    (b.Quiet, "v1:quiet:2500-0700"),
    (b.Quiet, "v1:quiet:0700-0700"),
    (b.ChooseCategory, "v1:cat:bananas"),
    (b.Assign, "v1:assign:1:anyone"),
    (b.Assign, "v1:assign:1:0"),
    (b.Talk, "v1:talk:take:5"),  # an offer take's line, not a request's
    (b.TalkTake, "v1:talk:5"),
    (b.TalkTake, "v1:talk:take:0"),
    (b.FundDay, "v1:fund:day:2"),
    (b.FundLedger, "v1:fund:ledger:1"),
    (b.FundReverse, "v1:fund:rev:x:yes"),
    (b.MarkChecked, "v1:vcheck:301:true"),
    (b.NoShow, "v1:nocome:8"),
    (b.FundPost, "v1:fund:post:2024-13"),  # no such month
    (b.FundPost, "v1:fund:post:2024-1"),
    (b.FundPost, "v1:fund:post:٢٠٢٤-01"),
    (b.InfoAddLanguage, "v1:infoadd:lang:1:xx"),  # no such language
    (b.InfoAddSkip, "v1:infoadd:skip:fax"),  # not one of the details
]


def test_every_action_has_a_kind_of_button() -> None:
    assert {kind.action for kind in KINDS} == set(Action)


@pytest.mark.parametrize(("button", "raw"), WIRE, ids=[raw for _, raw in WIRE])
def test_each_button_writes_exactly_the_data_old_messages_carry(button: Button, raw: str) -> None:
    assert button.pack() == raw
    assert type(button).parse(raw) == button


@pytest.mark.parametrize(("kind", "raw"), FORGED, ids=[raw for _, raw in FORGED])
def test_forged_or_mangled_data_is_refused(kind: type[Button], raw: str) -> None:
    assert kind.parse(raw) is None


@pytest.mark.parametrize("raw", [None, 42, b"v1:accept:1", ""])
def test_data_that_is_not_text_is_refused(raw: object) -> None:
    assert all(kind.parse(raw) is None for kind in KINDS)


def test_a_button_that_would_be_refused_is_never_made() -> None:
    for button in (
        b.Accept(0),
        b.Prescription("pay", "a:b"),  # a colon would split it
        b.Language("é"),
        b.Consent(then="need"),  # a language must come before it
        b.InfoAddSkip("x" * 60),  # over 64 bytes
    ):
        with pytest.raises(ValueError, match=r"callback data|read back|left off"):
            button.pack()


def test_patterns_take_the_action_so_mangled_ones_are_answered_by_its_handler() -> None:
    assert b.Accept.matches()("v1:accept:nonsense")
    assert not b.Accept.matches()("v1:decline:1")
    assert b.Role.matches(intent="need")("v1:role:need")
    assert not b.Role.matches(intent="need")("v1:role:offer")
    assert b.Consent.matches(then="offer")("v1:consent:yes:en:offer")
    assert not b.Consent.matches(then="offer")("v1:consent:yes:en")
    assert b.TalkTake.matches()("v1:talk:take:1")
    assert not b.FundDay.matches()("v1:fund:thank:yes")
    assert any_of(Action.FUND)("v1:fund:whatever")
    assert not any_of(Action.FUND)("v1:funds")


def _strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field's type, as the buttons' own fields declare them."""
    if get_origin(hint) is Annotated:
        least = next(e.least for e in get_args(hint)[1:] if isinstance(e, AtLeast))
        return st.integers(least, 2**63 - 1)
    if hint is int:
        return st.integers(1, 2**63 - 1)
    if hint is str:
        return st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=12)
    if get_origin(hint) is Literal:
        return st.sampled_from(get_args(hint))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return st.sampled_from(list(hint))
    assert get_origin(hint) in (Union, UnionType), hint
    return st.one_of(*(st.none() if arg is NoneType else _strategy(arg) for arg in get_args(hint)))


@st.composite
def _buttons(draw: st.DrawFn) -> Button:
    kind = draw(st.sampled_from(KINDS))
    hints = get_type_hints(kind, include_extras=True)
    values = {f.name: draw(_strategy(hints[f.name])) for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return kind(**values)


@settings(max_examples=500, deadline=None)
@given(_buttons())
def test_every_button_reads_back_what_it_wrote(button: Button) -> None:
    try:
        raw = button.pack()
    except ValueError:
        return  # a left-off argument before a given one, an unknown word: never shown
    assert len(raw.encode()) <= MAX_BYTES
    assert raw.isascii()
    assert raw.startswith(f"v1:{button.action.value}")
    assert type(button).parse(raw) == button
    # and no other kind takes it for its own
    assert [kind for kind in KINDS if kind.parse(raw) is not None] == [type(button)]


WORDS = st.sampled_from(
    ["v1", *(a.value for a in Action), "1", "0", "01", "-1", "yes", "no", "any", "take", ""]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(WORDS | st.text(max_size=4), min_size=1, max_size=6).map(":".join))
def test_whatever_is_read_is_what_would_be_written(raw: str) -> None:
    """Nothing is read loosely: data a kind accepts is exactly what it writes."""
    for kind in KINDS:
        button = kind.parse(raw)
        if button is not None:
            assert button.pack() == raw


def test_keyboards_show_only_buttons_some_kind_reads() -> None:
    volunteer = Volunteer(
        user_id=301,
        first_name="Alice",
        language=None,
        lat=0.0,
        lon=0.0,
        radius_km=2.0,
        categories=frozenset(Category),
        status=VolunteerStatus.APPROVED,
        paused=False,
        dbs_checked=True,
    )
    markups = [
        keyboards.consent("cy", "need"),
        keyboards.consent(),
        keyboards.languages("offer"),
        keyboards.roles(offer_news=True),
        keyboards.categories(),
        keyboards.when_choices(),
        keyboards.prescription("cd"),
        keyboards.task(1, "Rita", on_doorstep=False),
        keyboards.news(1, 301, "Alice"),
        keyboards.check_in(1),
        keyboards.concern_about([(1, Category.ERRAND)]),
        keyboards.quiet_hours(None, False, None),
        keyboards.availability(set()),
        keyboards.volunteer_card(volunteer, coordinator=True),
        keyboards.confirm_dismissal(301, on_card=True),
        keyboards.export_choice("en"),
        keyboards.assign_choices(1, [(301, "Alice")], anyone=True),
        keyboards.volunteer_list([(301, "Alice")], 20),
        keyboards.booked_time_passed(1),
        keyboards.broadcast_preview(1, 3),
    ]
    for markup in markups:
        for row in markup.inline_keyboard:
            for button in row:
                readers = [kind for kind in KINDS if kind.parse(button.callback_data) is not None]
                assert len(readers) == 1, button.callback_data
