"""Storage: SQLite through aiosqlite. Only this package writes SQL, always with parameters."""

from bot.db.connection import Database
from bot.db.pings import PingRepository
from bot.db.requests import RequestRepository
from bot.db.users import UserRepository
from bot.db.volunteers import VolunteerRepository

__all__ = [
    "Database",
    "PingRepository",
    "RequestRepository",
    "UserRepository",
    "VolunteerRepository",
]
