"""The coordinators' map in a real browser: headless Chromium (Debian's `chromium` package,
driven by Playwright; never a downloaded browser build) opens the page the bot serves with a
coordinator's signed init data, draws the layers with no tiles and no Telegram script
(offline), and asks every eligible volunteer from a request's card.

Skipped when Chromium or Playwright is missing, except under REQUIRE_E2E (CI), where that
is a failure. The screenshot is kept under the test's tmp dir (and copied to
$MAP_SCREENSHOT when that is set, e.g. to refresh docs/map.png)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import pytest

from tests.conftest import COORDINATOR, HOME, MIDDLE, NEAR, REQUESTER, Group
from tests.support.webapp import WEBAPP_URL, init_data, serving, tma

OpenGroup = Callable[..., AbstractAsyncContextManager[Group]]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
# A dark Telegram theme, as the client passes it in the address.
THEME = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when CI demands that browser tests run (REQUIRE_E2E)."""
    if os.environ.get("REQUIRE_E2E"):
        pytest.fail(f"{reason} (REQUIRE_E2E is set, so the browser test may not be skipped)")
    pytest.skip(reason)


def _launcher() -> Any:
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    return async_playwright


async def test_the_map_draws_its_layers_and_asks_everyone_from_a_card(
    open_group: OpenGroup, tmp_path: Path
) -> None:
    async_playwright = _launcher()
    async with (
        open_group(WEBAPP_URL=WEBAPP_URL, AREA_RADIUS_KM="1", WAVE_SIZE="1") as group,
        serving(group) as (server, client),
    ):
        # A known layout: two volunteers, one waiting request and one taken.
        await group.enrol(301, NEAR, name="Vera", radius_km=0.5)
        await group.enrol(302, MIDDLE, name="Will", radius_km=1.2)
        await group.consent(REQUESTER)
        waiting = await group.ask(where=HOME)
        taken = await group.ask(where=HOME, category="groceries")
        await group.press(301, f"v1:accept:{taken}", name="Vera")
        assert group.pinged(waiting) == [301]
        expected = (await client.get("/elm/map/api/map", headers=tma(COORDINATOR))).json()
        gaps = expected["summary"]["gaps"]["any"]
        cells = expected["summary"]["cells"]
        assert 0 < gaps < cells

        fragment = (
            "tgWebAppData={}&tgWebAppVersion=8.0&tgWebAppPlatform=tdesktop".format(
                quote(init_data(COORDINATOR), safe="")
            )
            + "&tgWebAppThemeParams="
            + quote(json.dumps(THEME), safe="")
        )
        url = f"http://127.0.0.1:{server.port}/elm/map#{fragment}"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=FLAGS
            )
            try:
                page = await browser.new_page(viewport={"width": 390, "height": 844})
                page.set_default_timeout(TIMEOUT_MS)
                local = f"http://127.0.0.1:{server.port}/"

                # Offline: no tiles, no telegram.org. The layers must draw all the same.
                async def offline(route: Any) -> None:
                    if route.request.url.startswith(local):
                        await route.continue_()
                    else:
                        await route.abort()

                await page.route("**/*", offline)
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                await page.goto(url)
                await page.wait_for_selector("body[data-state=ready]")

                assert await page.locator(".leaflet-marker-pane .request-marker").count() == 2
                assert await page.locator("path.cell.gap").count() == gaps
                assert await page.locator("path.cell").count() == cells
                # Every figure also as text in the side panel.
                panel = await page.locator("#panel").inner_text()
                assert "Oldest open: #" + str(waiting) in panel
                assert f"{gaps} of {cells} squares" in panel
                # The chat's theme colours, without Telegram's script.
                background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert background == "rgb(23, 33, 43)"

                # Keyboard: a request from the side panel's list, with Enter.
                await page.focus(f"button[data-request='{taken}']")
                await page.keyboard.press("Enter")
                await page.wait_for_selector("#card:not([hidden])")
                assert f"#{taken}" in await page.locator("#card h2").inner_text()

                # Click the waiting request on the map, then ask everyone.
                await page.locator(".request-marker", has_text=f"#{waiting}").click()
                card = page.locator("#card")
                await card.get_by_role("button", name="Ask every eligible volunteer").click()
                await page.wait_for_selector("body[data-last-action='ask-everyone:ok']")
                assert "Asked 1 more volunteer." in await page.locator("#status").inner_text()
                await page.screenshot(path=str(tmp_path / "map.png"), full_page=True)

                # 320 px wide: still usable, nothing to scroll sideways.
                await page.set_viewport_size({"width": 320, "height": 640})
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 320
                assert errors == []
            finally:
                await browser.close()
        assert sorted(group.pinged(waiting)) == [301, 302]
        target = os.environ.get("MAP_SCREENSHOT")
        if target:
            shutil.copy(tmp_path / "map.png", target)
