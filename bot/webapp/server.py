"""The coordinators' map, served by the bot process itself: a small Tornado application (the
web server PTB's webhooks already bring) in the bot's own event loop, beside polling or
the webhook, on WEBAPP_LISTEN:WEBAPP_PORT under WEBAPP_URL's path.

Every data request carries `Authorization: tma <initData>`; it is checked like a
coordinator's button in chat: 401 without valid, fresh init data, 403 for anyone who is not
a coordinator. The actions go through the same help desk as /open's buttons."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from bot.domain.results import Outcome
from bot.i18n import _, pick_language, use_language
from bot.telegram import notices
from bot.telegram.texts import distance_text
from bot.webapp.initdata import InitDataError, WebAppUser, validate
from bot.webapp.texts import page_texts, request_texts, summary_lines

if TYPE_CHECKING:
    from bot.telegram.context import Services

_LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# The map's own requests are tiny; anything bigger is refused before it is buffered.
MAX_BODY_BYTES = 16 * 1024
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'


def base_path(webapp_url: str) -> str:
    """WEBAPP_URL's path without its trailing slash ("" for the site's root)."""
    return urlsplit(webapp_url).path.rstrip("/")


def tile_origin(tile_url: str) -> str:
    """Where tiles come from, for the page's Content-Security-Policy ({s} subdomains: any)."""
    parts = urlsplit(tile_url.replace("{s}", "tiles-subdomain"))
    return f"{parts.scheme}://{parts.netloc}".replace("tiles-subdomain", "*")


class MapServer:
    """Starts and stops with the bot (bot.telegram.app); `port` is the one it listens on."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        assert settings.webapp_url is not None
        self.services = services
        self.base = base_path(settings.webapp_url)
        self.port: int | None = None
        self._server: HTTPServer | None = None
        route = dict(server=self)
        self.application = Application(
            [
                (rf"{self.base}/?", PageHandler, route),
                (rf"{self.base}/static/(.*)", StaticFileHandler, {"path": str(STATIC)}),
                (rf"{self.base}/api/map", MapHandler, route),
                (rf"{self.base}/api/requests/(\d{{1,18}})/choices", ChoicesHandler, route),
                (rf"{self.base}/api/requests/(\d{{1,18}})/ask-everyone", AskHandler, route),
                (rf"{self.base}/api/requests/(\d{{1,18}})/assign", AssignHandler, route),
                (rf"{self.base}/api/requests/(\d{{1,18}})/close", CloseHandler, route),
            ],
            template_path=str(HERE / "templates"),
            # No "Server: TornadoServer/x.y" advertised; errors as JSON, never a traceback.
            serve_traceback=False,
        )

    async def start(self, port: int | None = None) -> None:
        """Listen (on `port` instead of WEBAPP_PORT if given; 0 picks a free one)."""
        settings = self.services.settings
        sockets = bind_sockets(
            settings.webapp_port if port is None else port, settings.webapp_listen
        )
        self.port = sockets[0].getsockname()[1]
        self._server = HTTPServer(self.application, max_body_size=MAX_BODY_BYTES, xheaders=True)
        self._server.add_sockets(sockets)
        _LOGGER.info(
            "Serving the coordinators' map on %s:%s%s/",
            settings.webapp_listen,
            self.port,
            self.base,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


class _Base(RequestHandler):
    server: MapServer

    def initialize(self, server: MapServer) -> None:
        self.server = server

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish({"error": status_code})


class PageHandler(_Base):
    """The page: structure only; its words come in the default language here, then in the
    coordinator's own with the data."""

    def get(self) -> None:
        settings = self.server.services.settings
        tiles = settings.map_tile_url
        config = {
            "api": f"{self.server.base}/api",
            "tiles": tiles,
            "attribution": OSM_ATTRIBUTION if "openstreetmap.org" in tiles else "",
            "texts": page_texts(),
        }
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' https://telegram.org; "
            f"img-src 'self' data: {tile_origin(tiles)}; style-src 'self' 'unsafe-inline'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'",
        )
        self.render(
            "map.html",
            base=self.server.base,
            config=json.dumps(config).replace("</", "<\\/"),
            title=config["texts"]["title"],  # type: ignore[index]
        )


class _Api(_Base):
    """Checks the init data and the coordinator before anything else, and answers in the
    coordinator's language."""

    user: WebAppUser
    language: str

    async def prepare(self) -> None:
        services = self.server.services
        scheme, _space, init_data = self.request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "tma":
                raise InitDataError("no tma authorisation")
            self.user = validate(init_data.strip(), services.settings.bot_token, services.clock())
        except InitDataError as error:
            _LOGGER.info("Map request refused: %s", error)
            self.set_status(401)
            self.finish({"error": "unauthorised"})
            return
        person = await services.people.who(self.user.id)
        if not person.is_coordinator:
            self.set_status(403)
            self.finish({"error": "forbidden"})
            return
        stored = person.user
        self.language = pick_language(stored.language if stored else None, self.user.language_code)

    async def get(self, *args: str) -> None:
        with use_language(self.language):
            await self.read(*args)

    async def post(self, *args: str) -> None:
        with use_language(self.language):
            await self.act(*args)

    async def read(self, *args: str) -> None:
        raise HTTPError(405)

    async def act(self, *args: str) -> None:
        raise HTTPError(405)

    def answer(self, ok: bool, message: str, status: int = 200, **extra: Any) -> None:
        self.set_status(status)
        self.finish({"ok": ok, "message": message, **extra})


class MapHandler(_Api):
    async def read(self, *args: str) -> None:
        collection = await self.server.services.groupmap.features()
        for feature in collection["features"]:
            properties = feature["properties"]
            if properties["kind"] == "request":
                properties["texts"] = request_texts(properties)
        collection["panel"] = summary_lines(collection["summary"])
        collection["texts"] = page_texts()
        self.set_header("Content-Type", "application/geo+json; charset=utf-8")
        self.finish(json.dumps(collection, ensure_ascii=False))


class ChoicesHandler(_Api):
    """Who could take an open request: as /open's "hand to a volunteer" lists them."""

    async def read(self, *args: str) -> None:
        (request_id,) = args
        candidates = await self.server.services.desk.assign_choices(int(request_id))
        if candidates is None:
            self.answer(False, _("That request is no longer open."), 409)
            return
        if not candidates:
            self.answer(
                False, _("No approved volunteer who offers this kind of help lives near enough.")
            )
            return
        choices = [
            {
                "volunteer_id": c.volunteer.user_id,
                "label": f"{c.volunteer.first_name or c.volunteer.user_id} · "
                + distance_text(c.distance_km),
            }
            for c in candidates
        ]
        self.answer(True, "", choices=choices)


class AskHandler(_Api):
    async def act(self, *args: str) -> None:
        (request_id,) = args
        services = self.server.services
        asked = await services.desk.ask_everyone(int(request_id))
        text = notices.asked_everyone(asked, services.settings.timezone)
        if asked is None:
            self.answer(False, text, 409)
        elif asked[0] == 0 and asked[1] is None:
            self.answer(False, text)
        else:
            self.answer(True, text, sent=asked[0])


class AssignHandler(_Api):
    async def act(self, *args: str) -> None:
        (request_id,) = args
        try:
            body = json.loads(self.request.body or b"{}")
            volunteer_id = int(body["volunteer_id"])
            if not 0 < volunteer_id < 2**63:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self.answer(False, _("This button doesn't work any more."), 400)
            return
        result = await self.server.services.desk.assign(
            int(request_id), volunteer_id, self.user.id
        )
        if result.outcome is Outcome.OK:
            self.answer(True, _("Handed over."))
        else:
            self.answer(False, notices.handover_refusal(result.outcome)[0], 409)


class CloseHandler(_Api):
    async def act(self, *args: str) -> None:
        (request_id,) = args
        result = await self.server.services.desk.close_stuck(int(request_id), self.user.id)
        if result.outcome is Outcome.OK:
            self.answer(True, _("Closed."))
        else:
            self.answer(False, _("That request is already closed."), 409)
