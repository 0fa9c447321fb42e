"""Where things are: the group's area, and turning a typed address into a place."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from geopy.distance import geodesic

from bot.config import Area, Settings
from bot.domain.models import Place

_LOGGER = logging.getLogger(__name__)


class Geocoder(Protocol):
    async def locate(self, text: str) -> Place | None:
        """The place a typed address or postcode names, or None when unknown."""


class NoGeocoder:
    """GEOCODER=none: typed addresses can't be looked up; people share their location."""

    enabled = False

    async def locate(self, text: str) -> Place | None:
        return None


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy, one lookup a second as its policy asks."""

    enabled = True

    def __init__(self, user_agent: str, url: str | None) -> None:
        from geopy.geocoders import Nominatim

        options: dict[str, object] = {"user_agent": user_agent, "timeout": 10}
        if url:
            scheme, _, domain = url.partition("://")
            options["domain"] = domain.rstrip("/") if domain else scheme
            options["scheme"] = scheme if domain else "https"
        self._nominatim = Nominatim(**options)
        self._lock = asyncio.Lock()

    async def locate(self, text: str) -> Place | None:
        async with self._lock:
            try:
                found = await asyncio.to_thread(self._nominatim.geocode, text[:200])
            except Exception as error:  # geopy raises many kinds; all mean "not found now"
                _LOGGER.warning("Geocoding failed: %s", error)
                found = None
            await asyncio.sleep(1)
        if found is None:
            return None
        return Place(float(found.latitude), float(found.longitude))


def build_geocoder(settings: Settings) -> NoGeocoder | NominatimGeocoder:
    if settings.geocoder == "nominatim":
        return NominatimGeocoder(settings.geocoder_user_agent, settings.geocoder_url)
    return NoGeocoder()


def valid_position(lat: float, lon: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180


def inside_area(area: Area | None, lat: float, lon: float) -> bool:
    """Whether the group can reach a place (geodesic: this decision is worth precision)."""
    if not valid_position(lat, lon):
        return False
    if area is None:
        return True
    return bool(geodesic((area.lat, area.lon), (lat, lon)).km <= area.radius_km)
