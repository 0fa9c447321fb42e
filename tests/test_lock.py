"""The lock files still say what pyproject.toml asks for: a dependency added, removed or
re-ranged in pyproject.toml without `make lock` fails here (and in `make lint`), so the
installs that use the locks (make, CI, the Dockerfile) never miss a package."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
ME = "mutualaid-bot (pyproject.toml)"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass
class Pin:
    versions: set[str] = field(default_factory=set)
    hashed: bool = True
    direct: bool = False  # the lock says it is there because pyproject.toml asks for it


def read_lock(path: Path) -> dict[str, Pin]:
    """name -> its pinned version(s) (a universal lock may fork by Python version)."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        found = PIN.match(line)
        if found:
            current = pins.setdefault(canonicalize_name(found[1]), Pin())
            current.versions.add(found[2])
            following = lines[number + 1] if number + 1 < len(lines) else ""
            current.hashed = current.hashed and "--hash=sha256:" in following
        elif current is not None and line.lstrip("# ").rstrip() in (ME, f"via {ME}"):
            current.direct = True
    return pins


def _pyproject() -> dict[str, list[Requirement]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        "runtime": [Requirement(r) for r in data["project"]["dependencies"]],
        "dev": [Requirement(r) for r in data["project"]["optional-dependencies"]["dev"]],
        "build": [Requirement(r) for r in data["build-system"]["requires"]],
    }


def _disagreements(pins: dict[str, Pin], wanted: list[Requirement]) -> list[str]:
    wrong = []
    for requirement in wanted:
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            wrong.append(f"{requirement} is not in the lock")
            continue
        for version in pin.versions:
            if not requirement.specifier.contains(version, prereleases=True):
                wrong.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
        # The packages an extra brings (python-telegram-bot[job-queue] -> APScheduler).
        for extra in requirement.extras:
            for raw in requires(requirement.name) or []:
                needed = Requirement(raw)
                brought = needed.marker is not None and needed.marker.evaluate({"extra": extra})
                if brought and canonicalize_name(needed.name) not in pins:
                    wrong.append(f"{needed.name} ({requirement.name}[{extra}]) is missing")
    return wrong


@pytest.mark.parametrize(
    ("lock", "parts"), [(LOCK, ("runtime", "build")), (DEV_LOCK, ("runtime", "dev", "build"))]
)
def test_the_lock_has_every_dependency_in_range_with_hashes(
    lock: Path, parts: tuple[str, ...]
) -> None:
    pins = read_lock(lock)
    wanted = [r for part in parts for r in _pyproject()[part]]
    hint = f"{lock.name} disagrees with pyproject.toml: run `make lock`"
    assert _disagreements(pins, wanted) == [], hint
    direct = {canonicalize_name(r.name) for r in wanted}
    assert {name for name, pin in pins.items() if pin.direct} <= direct, hint
    assert [name for name, pin in pins.items() if not pin.hashed] == []


def test_the_dev_lock_keeps_the_runtime_versions() -> None:
    runtime, dev = read_lock(LOCK), read_lock(DEV_LOCK)
    assert runtime.keys() <= dev.keys()
    assert {n: p.versions for n, p in runtime.items()} == {n: dev[n].versions for n in runtime}, (
        "run `make lock`"
    )


def test_every_dev_tool_has_an_upper_bound() -> None:
    unbounded = [
        str(r)
        for r in _pyproject()["dev"]
        if not any(spec.operator in ("<", "<=", "==", "~=") for spec in r.specifier)
    ]
    assert unbounded == []


def test_a_dependency_missing_from_the_lock_is_caught() -> None:
    # The check itself: a pyproject that asks for one more package than the lock has.
    pins = read_lock(LOCK)
    assert _disagreements(pins, [Requirement("requests>=2")]) == ["requests>=2 is not in the lock"]
    assert _disagreements(pins, [Requirement("aiosqlite>=99")]) != []
