"""Figures for coordinators: the numbers that matter, a chart of requests per day, and CSV
exports that open cleanly in a spreadsheet."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.db.figures import FiguresRepository
from bot.domain.figures import VolunteerCounts
from bot.domain.models import Category, RequestStatus, VolunteerStatus, When
from bot.i18n import _
from bot.labels import category_label, status_label

DAY_S = 86400
CHART_DAYS = 30
ACTIVE_WINDOW_S = 30 * DAY_S
# Outcomes stacked bottom to top, each with its colour (colour-blind safe, Okabe-Ito).
OUTCOME_COLOURS: dict[RequestStatus, str] = {
    RequestStatus.DONE: "#009E73",
    RequestStatus.CLAIMED: "#0072B2",
    RequestStatus.OPEN: "#E69F00",
    RequestStatus.CANCELLED: "#999999",
    RequestStatus.EXPIRED: "#D55E00",
}
CHART_SIZE_IN = (10.0, 4.5)
CHART_DPI = 100  # 1000 x 450 pixels: sharp on a phone, small to send
# A cell starting with one of these is a formula to Excel or LibreOffice ("CSV
# injection"); a leading apostrophe makes it text and is not shown.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Stats:
    total: int
    by_status: dict[RequestStatus, int]
    by_category: dict[Category, int]
    by_phone: int
    median_wait_s: float | None  # from asking to being taken; None if nothing was taken
    done_share: float | None  # done, of the requests that finished; None if none did
    volunteers: VolunteerCounts


@dataclass(frozen=True)
class Day:
    day: date
    counts: dict[RequestStatus, int]


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    rows: int


@dataclass(eq=False, repr=False)
class Figures:
    repository: FiguresRepository
    tz: ZoneInfo
    clock: Callable[[], float]

    async def stats(self) -> Stats:
        repo = self.repository
        statuses = await repo.by_status()
        by_status = {s: statuses.get(s.value, 0) for s in RequestStatus}
        categories = await repo.by_category()
        waits = await repo.waits()
        finished = sum(
            by_status[s]
            for s in (RequestStatus.DONE, RequestStatus.CANCELLED, RequestStatus.EXPIRED)
        )
        return Stats(
            total=sum(by_status.values()),
            by_status=by_status,
            by_category={c: categories.get(c.value, 0) for c in Category},
            by_phone=await repo.by_phone(),
            median_wait_s=statistics.median(waits) if waits else None,
            done_share=by_status[RequestStatus.DONE] / finished if finished else None,
            volunteers=await repo.volunteers(self.clock() - ACTIVE_WINDOW_S),
        )

    async def days(self, count: int = CHART_DAYS) -> list[Day]:
        """Requests asked on each of the last `count` days (today included, in the group's
        time zone), by how they stand now."""
        today = datetime.fromtimestamp(self.clock(), self.tz).date()
        first = today - timedelta(days=count - 1)
        start = datetime.combine(first, datetime.min.time(), tzinfo=self.tz).timestamp()
        days = {first + timedelta(days=i): dict.fromkeys(RequestStatus, 0) for i in range(count)}
        for created_at, status in await self.repository.created_since(start):
            day = datetime.fromtimestamp(created_at, self.tz).date()
            if day in days:
                days[day][RequestStatus(status)] += 1
        return [Day(day, counts) for day, counts in days.items()]

    async def requests_csv(self, *, personal: bool, codes: bool = False) -> Export:
        """The requests, headed and labelled in the current language; with `codes`, the
        values as stored ("claimed", "groceries", "yes"), for a file that never changes
        shape (/export en)."""
        rows = await self.repository.request_rows(personal=personal)
        header = [
            _("Request"),
            _("Asked"),
            _("Category"),
            _("Status"),
            _("When"),
            _("Due"),
            _("Taken"),
            _("Closed"),
            _("Minutes to be taken"),
            _("Round"),
            _("Requester said helped"),
            _("By phone"),
            _("Description"),
            _("Spent"),
            _("Receipt"),
            _("Paid back"),
        ]
        if personal:
            header += [
                _("Requester id"),
                _("Requester name"),
                _("Contact name"),
                _("Contact phone"),
                _("Address"),
                _("Latitude"),
                _("Longitude"),
                _("Volunteer id"),
                _("Volunteer name"),
                _("Recorded by coordinator"),
            ]
        lines = []
        for row in rows:
            wait = (
                round((row["claimed_at"] - row["created_at"]) / 60)
                if row["claimed_at"] is not None
                else None
            )
            line = [
                row["id"],
                self._time(row["created_at"]),
                _category(row["category"], codes),
                _status(row["status"], codes),
                _when(row["when_kind"], codes),
                self._time(row["due_at"]),
                self._time(row["claimed_at"]),
                self._time(row["closed_at"]),
                wait,
                row["round"],
                _yes_no(row["feedback"] == "yes", codes) if row["feedback"] else "",
                _yes_no(row["by_phone"], codes),
                row["description"],
                *_money_cells(row, codes),
            ]
            if personal:
                line += [
                    row["requester_id"],
                    row["requester_name"],
                    row["contact_name"],
                    row["contact_phone"],
                    row["address"],
                    row["lat"],
                    row["lon"],
                    row["volunteer_id"],
                    row["volunteer_name"],
                    row["recorded_by"],
                ]
            lines.append(line)
        return Export(self._filename("requests", personal), to_csv(header, lines), len(lines))

    async def volunteers_csv(self, *, personal: bool, codes: bool = False) -> Export:
        rows = await self.repository.volunteer_rows(
            personal=personal, since=self.clock() - ACTIVE_WINDOW_S
        )
        header = [
            _("Volunteer"),
            _("Status"),
            _("Paused"),
            _("ID/DBS-checked"),
            _("Offers"),
            _("Radius km"),
            _("Signed up"),
            _("Tasks done"),
            _("Tasks taken in the last 30 days"),
            _("Last task"),
        ]
        if personal:
            header += [_("Telegram id"), _("Name"), _("Latitude"), _("Longitude")]
        lines = []
        for number, row in enumerate(rows, start=1):
            line = [
                number,
                _volunteer_status(row["status"], codes),
                _yes_no(row["paused"], codes),
                _yes_no(row["dbs_checked"], codes),
                " ".join(_category(code, codes) for code in row["categories"].split(",") if code),
                row["radius_km"],
                self._time(row["created_at"]),
                row["tasks_done"],
                row["tasks_taken_recently"],
                self._time(row["last_task_at"]),
            ]
            if personal:
                line += [row["user_id"], row["first_name"], row["lat"], row["lon"]]
            lines.append(line)
        return Export(self._filename("volunteers", personal), to_csv(header, lines), len(lines))

    async def record_export(self, coordinator_id: int, *, personal: bool, note: str) -> None:
        await self.repository.record_export(
            coordinator_id, personal=personal, note=note, now=self.clock()
        )

    def _time(self, timestamp: float | None) -> str:
        """Local time as spreadsheets read it: 2026-11-27 14:30."""
        if timestamp is None:
            return ""
        return datetime.fromtimestamp(timestamp, self.tz).strftime("%Y-%m-%d %H:%M")

    def _filename(self, what: str, personal: bool) -> str:
        today = datetime.fromtimestamp(self.clock(), self.tz).date().isoformat()
        return f"{what}{'-personal' if personal else ''}-{today}.csv"


# The marks a right-to-left message carries for Telegram (bot.i18n); a spreadsheet cell
# is laid out on its own, and they would only get in the way of sorting and searching.
BIDI_MARKS = str.maketrans(dict.fromkeys("\u200e\u200f\u2066\u2067\u2068\u2069"))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.translate(BIDI_MARKS)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (without it Excel takes the file for Windows-1252 and
    garbles every accent), CRLF line ends, quotes wherever a comma, quote or line break
    needs them."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_cell(name) for name in header])
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class ChartText:
    """The chart's words, in the reader's language (drawing may run in another thread)."""

    title: str
    outcomes: dict[RequestStatus, str]
    day_labels: list[str]
    # The reader's language: its script picks the font (chart_fonts).
    language: str = "en"


# Fonts for the chart, by script, first choice first; matplotlib takes each glyph from
# the first font in the list that has it. DejaVu Sans (matplotlib's own) has Latin,
# Cyrillic and Welsh letters but not all of Urdu's (ے, ہ) nor Bengali: Debian's Noto
# fonts (fonts-noto-core, in the Dockerfile and CI) have them. A script's own font comes
# first, so that a word is never drawn from two fonts (its letters would not join).
SCRIPT_FONTS = {
    "ur": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "ar": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "bn": ("Noto Sans Bengali", "Noto Serif Bengali"),
}
BASE_FONTS = ("DejaVu Sans",)


def chart_fonts(language: str) -> list[str]:
    """The font families to draw a chart in `language` with (see SCRIPT_FONTS)."""
    wanted = SCRIPT_FONTS.get(language, ())
    _register_system_fonts(wanted)
    return [*wanted, *BASE_FONTS]


@cache
def _register_system_fonts(families: tuple[str, ...]) -> None:
    """matplotlib keeps a cache of the system's fonts, written the first time it runs: a
    font installed after that (fonts-noto-core added to a machine) is not in it. Add the
    wanted families' files from the system's font folders once, if they are missing."""
    from matplotlib import font_manager

    known = {font.name for font in font_manager.fontManager.ttflist}
    missing = {family.replace(" ", "") for family in families if family not in known}
    if not missing:
        return
    for path in font_manager.findSystemFonts():
        if any(Path(path).name.startswith(f"{name}-") for name in missing):
            font_manager.fontManager.addfont(path)


def _chart_label(text: str) -> str:
    """A label without the bidi marks meant for Telegram: matplotlib lays out each text
    itself (right to left where its letters are), and would draw a mark as a box."""
    return text.translate(BIDI_MARKS)


def draw_chart(days: Sequence[Day], text: ChartText) -> bytes:
    """A PNG of stacked bars: requests asked each day, by how they stand now.

    matplotlib's object API on the Agg canvas: no pyplot, so no global figure state and
    no GUI backend, and safe to run in a worker thread. Imported here because it takes
    most of a second to load and only /stats needs it. matplotlib (3.11 and later) joins
    Arabic-script letters and lays them out right to left itself (libraqm)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"font.family": chart_fonts(text.language)}):
        figure = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI)
        FigureCanvasAgg(figure)  # attaches itself: savefig() then draws with Agg
        axes = figure.add_subplot()
        positions = list(range(len(days)))
        bottom = [0] * len(days)
        for outcome, colour in OUTCOME_COLOURS.items():
            heights = [day.counts.get(outcome, 0) for day in days]
            axes.bar(
                positions,
                heights,
                bottom=bottom,
                color=colour,
                label=_chart_label(text.outcomes[outcome]),
                width=0.8,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_title(_chart_label(text.title))
        step = max(1, len(days) // 10)
        axes.set_xticks(positions[::step], [_chart_label(d) for d in text.day_labels[::step]])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0, top=max([*bottom, 1]) * 1.15)
        axes.set_xlim(-0.6, len(days) - 0.4)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper left", ncols=len(OUTCOME_COLOURS), frameon=False, fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _plain(label: str) -> str:
    """A label without its leading emoji ("🛒 Shopping" -> "Shopping"): cells to sort on."""
    head, _space, rest = label.partition(" ")
    return rest if rest and not any(c.isalnum() for c in head) else label


def _category(code: str, codes: bool) -> str:
    category = Category.parse(code)
    return code if codes or category is None else _plain(category_label(category))


def _coded(code: str, codes: bool, label: Callable[[str], str]) -> str:
    """A stored code as its label in the reader's language; as it is stored with `codes`
    (the CODES export), or when it is no code the bot knows any more."""
    if codes:
        return code
    try:
        return label(code)
    except ValueError:
        return code


def _status(code: str, codes: bool) -> str:
    return _coded(code, codes, lambda known: status_label(RequestStatus(known)))


def _volunteer_status(code: str, codes: bool) -> str:
    labels = {
        VolunteerStatus.APPROVED: _("approved"),
        VolunteerStatus.PENDING: _("waiting for approval"),
        VolunteerStatus.REJECTED: _("turned down"),
    }
    return _coded(code, codes, lambda known: labels[VolunteerStatus(known)])


def _when(code: str, codes: bool) -> str:
    labels = {
        When.ASAP: _("as soon as possible"),
        When.TODAY: _("today"),
        When.AT: _("at a set time"),
    }
    return _coded(code, codes, lambda known: labels[When(known)])


def _money_cells(row: dict[str, Any], codes: bool) -> list[Any]:
    """Spent (pounds, as a number a spreadsheet adds up), receipt yes/no, and paid back:
    empty when nothing was spent; "fund" when the group's fund paid it."""
    pence = row["spent_pence"]
    if not pence:
        return ["" if pence is None else "0.00", "", ""]
    if row["paid_back_at"] is None:
        paid = _yes_no(False, codes)
    elif row["paid_back_by"] == "fund":
        paid = "fund" if codes else _("by the fund")
    else:
        paid = _yes_no(True, codes)
    return [f"{pence / 100:.2f}", _yes_no(row["has_receipt"], codes), paid]


def _yes_no(value: object, codes: bool) -> str:
    if codes:
        return "yes" if value else "no"
    return _("yes") if value else _("no")
