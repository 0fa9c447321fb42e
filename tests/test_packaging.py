"""What the Docker image installs (`pip install .`, not editable) carries every file the bot
reads at run time: a file outside pyproject's package-data is missing there, although
every test from the checkout passes (PostgreSQL's migrations once were)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_data_file_of_the_bot_is_in_the_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["bot"]
    package = ROOT / "bot"
    shipped = {path for pattern in globs for path in package.glob(pattern) if path.is_file()}
    needed = {
        path
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
    }
    assert sorted(str(p.relative_to(package)) for p in needed - shipped) == []
