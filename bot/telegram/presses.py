"""@press: a button's handler gets its typed data; a stale or forged press never reaches it.

Every handler of a button used to read `v1:...` itself, check its arguments, and answer
the ones that no longer make sense with its own copy of the same words. Here that is done
once: the handler is registered with `pattern=Kind.matches()` (the action only, so a
mangled button of that action still comes here) and decorated with `@press(Kind)`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from telegram import CallbackQuery, Update
from telegram import User as TelegramUser

from bot.i18n import _
from bot.telegram.callbacks import Button
from bot.telegram.context import BotContext

B = TypeVar("B", bound=Button)
B1 = TypeVar("B1", bound=Button)
B2 = TypeVar("B2", bound=Button)
B3 = TypeVar("B3", bound=Button)
B4 = TypeVar("B4", bound=Button)
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


@dataclass(frozen=True)
class Press(Generic[B]):
    """A press that parsed: what the button says, the query to answer, who pressed it."""

    data: B
    query: CallbackQuery
    sender: TelegramUser


def stale_answer() -> str:
    """The answer to a press of a known kind of button whose data no longer means
    anything (or never did); a press no handler knows gets start.stale_button's."""
    return _("This button doesn't work any more.")


def choose_a_button() -> str:
    """Inside a conversation: the step's buttons are the way on."""
    return _("Please choose one of the buttons.")


_NOT_GIVEN = object()


@overload
def press(
    kind: type[B1], /, *, stay: object = ..., stale: object = ...
) -> Callable[[Callable[[Update, BotContext, Press[B1]], Coroutine[Any, Any, Any]]], Callback]: ...
@overload
def press(
    kind: type[B1], other: type[B2], /, *, stay: object = ..., stale: object = ...
) -> Callable[
    [Callable[[Update, BotContext, Press[B1 | B2]], Coroutine[Any, Any, Any]]], Callback
]: ...
@overload
def press(
    kind: type[B1], other: type[B2], third: type[B3], /, *, stay: object = ..., stale: object = ...
) -> Callable[
    [Callable[[Update, BotContext, Press[B1 | B2 | B3]], Coroutine[Any, Any, Any]]], Callback
]: ...
@overload
def press(
    kind: type[B1],
    other: type[B2],
    third: type[B3],
    fourth: type[B4],
    /,
    *,
    stay: object = ...,
    stale: object = ...,
) -> Callable[
    [Callable[[Update, BotContext, Press[B1 | B2 | B3 | B4]], Coroutine[Any, Any, Any]]],
    Callback,
]: ...
def press(
    *kinds: type[Button], stay: object = _NOT_GIVEN, stale: object = None
) -> Callable[[Callable[[Update, BotContext, Press[Any]], Coroutine[Any, Any, Any]]], Callback]:
    """Decorate a CallbackQueryHandler's callback: the first of `kinds` that reads the
    press is handed over as `Press.data`. A press none of them reads is answered with
    stale() and the handler is not called; inside a conversation's step, `stay` is the
    step to stay at, and the answer is choose_a_button()."""

    def decorate(
        handler: Callable[[Update, BotContext, Press[Any]], Coroutine[Any, Any, Any]],
    ) -> Callback:
        @functools.wraps(handler)
        async def pressed(update: Update, context: BotContext) -> Any:
            query = update.callback_query
            if query is None:
                return stale if stay is _NOT_GIVEN else stay
            for kind in kinds:
                data = kind.parse(query.data)
                if data is not None:
                    return await handler(update, context, Press(data, query, query.from_user))
            if stay is _NOT_GIVEN:
                await query.answer(stale_answer())
                return stale
            await query.answer(choose_a_button())
            return stay

        return pressed

    return decorate
