"""The proof under load, faults and bad input in figures: fuzzed updates tried, race
rounds, crash points and role × action checks, each with its failures. Named to run last,
after the tests whose counters it reads."""

from __future__ import annotations

import copy

import pytest

from tests import test_fuzz as fuzz
from tests import test_races as races
from tests import test_role_matrix as matrix
from tests.e2e import test_crash_points_e2e as crashes

pytest_plugins = ["tests.summary_plugin"]

# Crash points tested elsewhere, one SIGKILL each: mid-conversation, reminders due,
# mid-broadcast. (tests/e2e/test_crash_points_e2e.py counts its own.)
OTHER_CRASH_TESTS = (
    "tests/e2e/test_help_loop_e2e.py::test_request_conversation_survives_kill_9",
    "tests/e2e/test_reminders_e2e.py::test_the_coordinator_alert_survives_a_kill_and_comes_once",
    "tests/e2e/test_broadcast_e2e.py::"
    "test_a_broadcast_killed_half_way_reaches_everyone_exactly_once",
)


def _figure(label: str, count: int, failures: int) -> str:
    if count == 0 and failures == 0:
        return f"{label}: not run"
    return f"{label}: {count} ({failures} failed)"


def test_zz_print_the_figures(request: pytest.FixtureRequest) -> None:
    # Imported here: pytest loads the plugin itself (pytest_plugins), with its hooks.
    from tests import summary_plugin

    failed = summary_plugin.FAILED
    tried = next(copy.copy(fuzz.TRIED))  # the count so far, without advancing it
    other = [summary_plugin.OUTCOMES.get(test) for test in OTHER_CRASH_TESTS]
    crash_points = crashes.CRASH_POINTS + other.count("passed")
    crash_failures = crashes.CRASH_FAILURES + other.count("failed")
    figures = {
        "fuzzed updates tried": (tried, failed["tests/test_fuzz.py"]),
        "race rounds": (races.RACE_ROUNDS, races.RACE_FAILURES),
        "crash points": (crash_points, crash_failures),
        "roles × actions checked": (matrix.CHECKS, matrix.FAILURES),
    }
    line = "Proof figures: " + "; ".join(_figure(k, *v) for k, v in figures.items())
    summary_plugin.LINES.append(line)
    writer = request.config.get_terminal_writer()
    writer.line()
    writer.line(line)
    assert all(failures == 0 for _, failures in figures.values()), line
