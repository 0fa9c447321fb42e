"""Handlers, one module per feature; register_all() adds them in the order that matters."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.telegram.handlers import (
    broadcast,
    coordinators,
    doorstep,
    figures,
    fund,
    groupchat,
    groupmap,
    info,
    intake,
    language,
    offers,
    privacy,
    relay,
    requests,
    roster,
    safeguarding,
    start,
    stuck,
    volunteers,
)
from bot.telegram.handlers.errors import on_error


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    requests.register(app)
    volunteers.register(app)
    doorstep.register(app)
    start.register(app)
    coordinators.register(app)
    stuck.register(app)
    roster.register(app)
    intake.register(app)
    figures.register(app)
    fund.register(app)
    offers.register(app)
    info.register(app)
    groupchat.register(app)
    groupmap.register(app)
    broadcast.register(app)
    language.register(app)
    safeguarding.register(app)
    privacy.register(app)
    relay.register(app)
    # Last: anything no feature handled gets a friendly answer rather than silence.
    start.register_fallbacks(app)
    app.add_error_handler(on_error)
