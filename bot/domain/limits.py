"""How long or how far the things people type may be: the conversations check them, the
database keeps to them."""

from __future__ import annotations

# A request's description and address, in characters (a Telegram message holds 4096).
MAX_DESCRIPTION = 500
MAX_ADDRESS = 500
# How far a volunteer goes, in km. The cap also bounds their circle's box in the radius
# search's R*Tree (migration 0002).
MIN_RADIUS_KM = 0.1
MAX_RADIUS_KM = 50.0
