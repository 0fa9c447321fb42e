"""Every word the map's page shows, translated here (the page itself holds no text), so the
coordinators read it in their own language like the rest of the bot."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Category, RequestStatus
from bot.i18n import _, ngettext
from bot.telegram.texts import category_label, status_label


def page_texts() -> dict[str, Any]:
    """The page's fixed labels, and the names of the kinds of help and of the statuses."""
    return {
        "title": _("The group's map"),
        "loading": _("Loading the map…"),
        "unauthorised": _(
            "The map could not check who you are. Close it and open it again with the "
            "bot's /map button."
        ),
        "forbidden": _("Only the group's coordinators can see this map."),
        "failed": _("The map could not load. Check the connection, then try again."),
        "retry": _("Try again"),
        "requests": _("Requests"),
        "cover": _("Who can help where"),
        "show_kind": _("Show cover for"),
        "any_kind": _("any kind of help"),
        "no_requests": _("No request is waiting or being done."),
        "no_area": _("Set AREA_CENTER and AREA_RADIUS_KM to see which streets have volunteers."),
        "legend_gap": _("nobody can reach here"),
        "legend_covered": _("volunteers can reach here"),
        "legend_open": _("looking for a volunteer"),
        "legend_old": _("waiting more than an hour, or overdue"),
        "legend_claimed": _("a volunteer is on it"),
        "ask_everyone": _("Ask every eligible volunteer"),
        "hand_over": _("Hand to a volunteer"),
        "close": _("Close"),
        "close_confirm": _("Close this request? The requester is told nobody could help."),
        "close_yes": _("Yes, close it"),
        "keep": _("Keep it open"),
        "choose": _("Who should take it? They get the address at once, so agree it first."),
        "back": _("Back"),
        "working": _("One moment…"),
        "approximate": _("Places are approximate (about 200 m), never the address."),
        "categories": {c.value: category_label(c) for c in Category},
        "statuses": {s.value: status_label(s) for s in RequestStatus},
    }


def age_text(seconds: int) -> str:
    """How long a request has waited, roughly: "5 min", "3 h", "2 days"."""
    minutes = seconds // 60
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = minutes // 60
    if hours < 48:
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    days = hours // 24
    return ngettext("{n} day", "{n} days", days).format(n=days)


def request_texts(properties: dict[str, Any]) -> dict[str, Any]:
    """A request's card and its line in the side panel."""
    category = Category(properties["category"])
    status = RequestStatus(properties["status"])
    lines = [
        status_label(status),
        _("asked {age} ago").format(age=age_text(properties["age_s"])),
        ngettext("{n} volunteer asked", "{n} volunteers asked", properties["asked"]).format(
            n=properties["asked"]
        )
        + " · "
        + ngettext("{n} wave", "{n} waves", properties["waves"]).format(n=properties["waves"]),
    ]
    if properties["overdue"]:
        lines.append(_("⚠️ Its time has passed."))
    return {
        "title": _("#{id} {category}").format(
            id=properties["id"], category=category_label(category)
        ),
        "lines": lines,
    }


def summary_lines(summary: dict[str, Any]) -> dict[str, list[str]]:
    """Every figure of the map as a sentence, for the side panel."""
    counts = summary["counts"]
    requests = [
        _("{label}: {n}").format(label=status_label(RequestStatus.OPEN), n=counts["open"]),
        _("{label}: {n}").format(label=status_label(RequestStatus.CLAIMED), n=counts["claimed"]),
        ngettext("{n} is overdue", "{n} are overdue", counts["overdue"]).format(
            n=counts["overdue"]
        ),
    ]
    oldest = summary["oldest_open"]
    if oldest is not None:
        requests.append(
            _("Oldest open: #{id}, waiting {age}.").format(
                id=oldest["id"], age=age_text(oldest["age_s"])
            )
        )
    cover: list[str] = []
    if summary["area"] is not None:
        cells = summary["cells"]
        gaps = summary["gaps"]
        cover.append(
            ngettext(
                "{gaps} of {n} square (about {size} m) has nobody at all.",
                "{gaps} of {n} squares (about {size} m) have nobody at all.",
                cells,
            ).format(gaps=gaps["any"], n=cells, size=round(summary["cell_km"] * 1000))
        )
        checked = set(summary["checked_categories"])
        for kind in Category:
            line = ngettext(
                "{label}: nobody for {gaps} square",
                "{label}: nobody for {gaps} squares",
                gaps[kind.value],
            ).format(label=category_label(kind), gaps=gaps[kind.value])
            if kind.value in checked:
                line += " " + _("(ID/DBS-checked volunteers only)")
            cover.append(line)
    return {"requests": requests, "cover": cover}
