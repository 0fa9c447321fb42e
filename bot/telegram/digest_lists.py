"""The daily digest names what needs a coordinator: open and overdue requests by number,
volunteers waiting for approval, requests that expired and concerns raised in the last
day. (The counts come first, in notices.daily_digest; these lines follow them.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.db.stats import StatsRepository
from bot.domain.figures import DigestLists
from bot.i18n import _, join_list
from bot.telegram.texts import esc


def _ids(ids: list[int]) -> str:
    return join_list(f"#{i}" for i in ids)


def lists_text(lists: DigestLists) -> str:
    """The digest's named lines ("" when there is nothing to name)."""
    lines = []
    if lists.open:
        lines.append(_("Waiting for a volunteer: {ids}").format(ids=_ids(lists.open)))
    if lists.overdue:
        lines.append(_("Overdue: {ids}").format(ids=_ids(lists.overdue)))
    if lists.open or lists.overdue:
        lines.append(_("/open shows them with their buttons."))
    if lists.expired:
        lines.append(
            _("Expired in the last day (nobody took them): {ids}").format(ids=_ids(lists.expired))
        )
    if lists.concerns:
        about = [f"#{i}" for i in lists.concerns if i is not None]
        general = sum(1 for i in lists.concerns if i is None)
        if general:
            about.append(_("not about a request: {n}").format(n=general))
        lines.append(_("⚠️ Concerns raised in the last day: {what}").format(what=join_list(about)))
    if lists.waiting:
        names = join_list(esc(name) for name in lists.waiting)
        lines.append(_("🆕 Waiting for approval: {names} (/pending)").format(names=names))
    return "\n".join(lines)


def with_lists(
    stats: StatsRepository,
    clock: Callable[[], float],
    extra: Callable[[], Awaitable[Callable[[], str]]] | None,
) -> Callable[[], Awaitable[Callable[[], str]]]:
    """The digest's extra lines with the named lists first."""

    async def both() -> Callable[[], str]:
        lists = await stats.digest_lists(clock())
        rest = await extra() if extra else str

        def render() -> str:
            named = lists_text(lists)
            return ("\n" + named if named else "") + rest()

        return render

    return both
