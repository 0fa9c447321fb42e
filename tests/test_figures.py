"""/stats and /export: numbers from the stored data, a chart drawn from it, and CSV files
that a spreadsheet opens cleanly, with personal details only when asked for (and logged)."""

from __future__ import annotations

import csv
import io
import os
import struct
import warnings
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from matplotlib.image import imread

from bot import i18n
from bot.domain.models import Category, RequestDraft, RequestStatus, When
from bot.domain.results import Outcome
from bot.services.figures import OUTCOME_COLOURS, ChartText, Day, draw_chart
from tests.conftest import COORDINATOR, HOME, MIDDLE, NEAR, REQUESTER, Group
from tests.support.telegram import Call

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRICKY = 'Milk, "the blue one"\nand bread'
ADDRESS = "12 Acacia Avenue, ring twice"


async def _history(group: Group) -> dict[str, int]:
    """Five requests: two done, one taken, one cancelled, one still open. Made through
    the help desk, as the conversations would (they have tests of their own)."""
    desk = group.app.services.desk
    ids = {}
    for name in ("done1", "done2", "taken", "cancelled", "open"):
        draft = RequestDraft(
            Category.GROCERIES, f"Request {name}", ADDRESS, *HOME, When.ASAP, None
        )
        request = await desk.submit(REQUESTER, draft)
        await desk.announce(request)
        ids[name] = request.id
    for name in ("done1", "done2", "taken"):
        assert (await desk.accept(ids[name], 301)).outcome is Outcome.OK
    for name in ("done1", "done2"):
        assert (await desk.complete(ids[name], 301)).outcome is Outcome.OK
    assert (await desk.cancel(ids["cancelled"], REQUESTER)).outcome is Outcome.OK
    db = group.app.storage.db
    # Known waits from asking to being taken: 1, 3 and 20 minutes.
    for name, wait in (("done1", 60), ("done2", 180), ("taken", 1200)):
        await db.execute(
            "UPDATE requests SET claimed_at = created_at + ? WHERE id = ?", (wait, ids[name])
        )
    return ids


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _documents(group: Group) -> list[Call]:
    return group.telegram.sent_to(COORDINATOR, "sendDocument")


def _csv(call: Call) -> tuple[str, list[list[str]]]:
    ((filename, content),) = call.files.values()
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    return filename, rows


# --- /stats ----------------------------------------------------------------------------


async def test_stats_are_counted_from_the_stored_requests(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    await _history(group)
    stats = await group.app.services.figures.stats()
    assert stats.total == 5
    assert stats.by_status[RequestStatus.DONE] == 2
    assert stats.by_status[RequestStatus.CLAIMED] == 1
    assert stats.by_status[RequestStatus.CANCELLED] == 1
    assert stats.by_status[RequestStatus.OPEN] == 1
    assert stats.median_wait_s == 180
    assert stats.done_share == 2 / 3
    assert stats.volunteers.available == 2
    assert stats.volunteers.recently_active == 1

    await group.say(COORDINATOR, "/stats", name="Cora")
    text = group.telegram.sent_to(COORDINATOR)[-1].text
    assert "5 in all" in text
    assert "done 2" in text
    assert "3 minutes" in text
    assert "67%" in text
    assert "2 volunteers ready to be asked" in text
    photos = group.telegram.sent_to(COORDINATOR, "sendPhoto")
    assert len(photos) == 1
    ((filename, png),) = photos[0].files.values()
    assert filename.endswith(".png")
    assert _png_size(png) == (1000, 450)


async def test_the_chart_counts_each_day_from_the_stored_data(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    ids = await _history(group)
    tz = group.app.services.settings.timezone
    now = group.app.services.clock()
    three_days_ago = now - 3 * 86400
    await group.app.storage.db.execute(
        "UPDATE requests SET created_at = ? WHERE id IN (?, ?)",
        (three_days_ago, ids["done1"], ids["cancelled"]),
    )
    # Older than the chart's 30 days: left out.
    await group.app.storage.db.execute(
        "UPDATE requests SET created_at = ? WHERE id = ?", (now - 40 * 86400, ids["open"])
    )
    days = await group.app.services.figures.days()
    assert len(days) == 30
    today = datetime.fromtimestamp(now, tz).date()
    assert days[-1].day == today
    by_day = {d.day: {s: n for s, n in d.counts.items() if n} for d in days}
    assert by_day[today] == {RequestStatus.DONE: 1, RequestStatus.CLAIMED: 1}
    assert by_day[today - timedelta(days=3)] == {
        RequestStatus.DONE: 1,
        RequestStatus.CANCELLED: 1,
    }
    assert sum(sum(d.counts.values()) for d in days) == 4


def _pixels_of(png: bytes, colour: str) -> int:
    image = imread(io.BytesIO(png), format="png")[:, :, :3]
    wanted = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int(np.all(np.abs(image - wanted) < 0.02, axis=-1).sum())


def test_the_chart_is_a_png_of_the_bars_it_was_given() -> None:
    text = ChartText(
        "Requests",
        {s: s.value for s in RequestStatus},
        [f"{n}" for n in range(30)],
    )
    empty = [
        Day(datetime(2026, 11, n).date(), dict.fromkeys(RequestStatus, 0)) for n in range(1, 31)
    ]
    busy = [Day(d.day, dict(d.counts)) for d in empty]
    busy[10].counts[RequestStatus.DONE] = 5
    busy[20].counts[RequestStatus.DONE] = 2
    drawn_empty, drawn_busy = draw_chart(empty, text), draw_chart(busy, text)
    assert _png_size(drawn_busy) == (1000, 450)
    done, expired = OUTCOME_COLOURS[RequestStatus.DONE], OUTCOME_COLOURS[RequestStatus.EXPIRED]
    # Done bars add a great deal of their colour; no expired bar was drawn.
    assert _pixels_of(drawn_busy, done) > _pixels_of(drawn_empty, done) + 2000
    assert _pixels_of(drawn_busy, expired) == _pixels_of(drawn_empty, expired)


# --- /export ---------------------------------------------------------------------------


async def test_the_export_opens_cleanly_with_one_row_per_request(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    ids = await _history(group)
    tricky = await group.ask(description=TRICKY, address="Flat 2, 5 High St")
    formula = await group.ask(description="=HYPERLINK(evil)")
    await group.say(COORDINATOR, "/export", name="Cora")
    assert group.telegram.last_to(COORDINATOR).buttons == [
        "v1:export:plain",
        "v1:export:personal",
    ]
    await group.press(COORDINATOR, "v1:export:plain", name="Cora")

    requests_file, volunteers_file = _documents(group)
    filename, rows = _csv(requests_file)
    assert filename.startswith("requests-")
    assert filename.endswith(".csv")
    header, body = rows[0], rows[1:]
    assert [int(r[0]) for r in body] == [*ids.values(), tricky, formula]
    record = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert record[str(tricky)]["Description"] == TRICKY
    assert record[str(formula)]["Description"] == "'=HYPERLINK(evil)"
    assert record[str(ids["done1"])]["Status"] == "done"
    assert record[str(ids["done1"])]["Minutes to be taken"] == "1"
    # No personal details unless asked for: not a column, not a value.
    content = requests_file.files["document"][1].decode("utf-8-sig")
    for secret in ("Address", "Rita", "Alice", "High St", "Acacia"):
        assert secret not in content
    _, volunteers = _csv(volunteers_file)
    assert len(volunteers) == 3
    assert "Alice" not in volunteers_file.files["document"][1].decode("utf-8-sig")
    audit = await group.app.storage.db.fetchall(
        "SELECT actor_id, action FROM audit WHERE action LIKE 'export%'"
    )
    assert [(row["actor_id"], row["action"]) for row in audit] == [(COORDINATOR, "export")]


async def test_personal_details_only_when_asked_for_and_every_such_export_is_logged(
    group: Group,
) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    request_id = await group.ask(description=TRICKY, address="Flat 2, 5 High St")
    await group.press(302, f"v1:accept:{request_id}", name="Bob")
    await group.say(COORDINATOR, "/export personal", name="Cora")

    requests_file, volunteers_file = _documents(group)
    filename, rows = _csv(requests_file)
    assert "personal" in filename
    header, (row,) = rows[0], rows[1:]
    record = dict(zip(header, row, strict=True))
    assert record["Address"] == "Flat 2, 5 High St"
    assert record["Requester name"] == "Rita"
    assert record["Volunteer name"] == "Bob"
    assert record["Description"] == TRICKY
    assert "Personal details inside" in requests_file.params["caption"]
    _, volunteers = _csv(volunteers_file)
    assert {"Alice", "Bob"} <= {r[volunteers[0].index("Name")] for r in volunteers[1:]}

    audit = await group.app.storage.db.fetchall(
        "SELECT actor_id, action, note FROM audit WHERE action LIKE 'export%'"
    )
    assert [(row["actor_id"], row["action"]) for row in audit] == [
        (COORDINATOR, "export:personal")
    ]
    assert "requests=1" in audit[0]["note"]


# --- in the reader's language -------------------------------------------------------------


async def test_the_export_is_in_the_coordinators_language(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    await group.press(COORDINATOR, "v1:lang:pl", name="Cora")
    ids = await _history(group)
    await group.say(COORDINATOR, "/export", name="Cora", language="pl")
    await group.press(COORDINATOR, "v1:export:plain", name="Cora", language="pl")
    requests_file, volunteers_file = _documents(group)
    _, rows = _csv(requests_file)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Prośba", "Zgłoszono", "Rodzaj", "Stan"]
    record = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    done = record[str(ids["done1"])]
    assert done["Rodzaj"] == "Zakupy"  # the label, without its emoji
    assert done["Stan"] == "załatwione"
    assert done["Przez telefon"] == "nie"
    assert done["Kiedy"] == "jak najszybciej"
    _, volunteers = _csv(volunteers_file)
    assert volunteers[0][:3] == ["Wolontariusz", "Stan", "Przerwa"]
    assert volunteers[1][1:3] == ["zatwierdzono", "nie"]


async def test_export_en_is_the_stable_english_file_with_stored_values(group: Group) -> None:
    await group.ready((301, NEAR, "Alice"), (302, MIDDLE, "Bob"))
    await group.press(COORDINATOR, "v1:lang:pl", name="Cora")
    ids = await _history(group)
    await group.say(COORDINATOR, "/export en", name="Cora", language="pl")
    assert group.telegram.last_to(COORDINATOR).buttons == [
        "v1:export:plain:en",
        "v1:export:personal:en",
    ]
    await group.press(COORDINATOR, "v1:export:plain:en", name="Cora", language="pl")
    requests_file, _volunteers = _documents(group)
    _, rows = _csv(requests_file)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Request", "Asked", "Category", "Status"]
    record = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    taken = record[str(ids["taken"])]
    assert (taken["Category"], taken["Status"], taken["When"]) == ("groceries", "claimed", "asap")
    assert taken["By phone"] == "no"
    # "/export personal en" at once, as before with "/export personal".
    group.telegram.clear()
    await group.say(COORDINATOR, "/export personal en", name="Cora", language="pl")
    requests_file, _volunteers = _documents(group)
    assert "Address" in _csv(requests_file)[1][0]


CHART_LANGUAGES = ("ur", "ar", "bn")


def _fonts_present(language: str) -> bool:
    from matplotlib import font_manager

    from bot.services.figures import SCRIPT_FONTS, chart_fonts

    chart_fonts(language)  # adds the system's fonts that matplotlib's cache predates
    try:
        font_manager.findfont(SCRIPT_FONTS[language][0], fallback_to_default=False)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("language", CHART_LANGUAGES)
def test_the_chart_draws_urdu_arabic_and_bengali_without_missing_glyphs(language: str) -> None:
    """matplotlib warns "Glyph … missing from font(s)" for a letter it can't draw; warnings
    are errors in the tests. Skipped without Debian's Noto fonts, except in CI."""
    if not _fonts_present(language):
        reason = f"no font for {language} (apt-get install fonts-noto-core)"
        if os.environ.get("REQUIRE_E2E"):
            pytest.fail(f"{reason}; REQUIRE_E2E is set, so this may not be skipped")
        pytest.skip(reason)
    i18n.load_catalogues("en")
    with i18n.use_language(language):
        days = [
            Day(date(2026, 11, 1) + timedelta(days=i), {RequestStatus.DONE: i}) for i in range(30)
        ]
        text = ChartText(
            title={
                "ur": "\u200fپچھلے 30 دنوں میں ہر روز کی درخواستیں، اب ان کی صورتحال کے مطابق",
                "ar": "\u200fالطلبات كل يوم خلال آخر 30 يومًا، حسب حالتها الآن",
                "bn": "গত ৩০ দিনে প্রতিদিনের অনুরোধ, এখন কোন অবস্থায় আছে",
            }[language],
            outcomes={
                status: {"ur": "\u200fمکمل ہے", "ar": "\u200fتمّ", "bn": "সম্পন্ন হয়েছে"}[language]
                for status in RequestStatus
            },
            day_labels=[f"{day.day.day} \u2068nov\u2069" for day in days],
            language=language,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            png = draw_chart(days, text)
    assert png[:8] == PNG_SIGNATURE


def test_chart_labels_lose_the_marks_meant_for_telegram() -> None:
    from bot.services.figures import _chart_label

    assert _chart_label("\u200f\u2066#12\u2069 مکمل") == "#12 مکمل"
