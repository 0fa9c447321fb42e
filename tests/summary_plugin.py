"""Failed tests per file, and the figures line of tests/test_zz_summary.py at the end of
the run (where `pytest -q` shows it: a passing test's own output is hidden)."""

from __future__ import annotations

from collections import Counter

import pytest

FAILED: Counter[str] = Counter()  # file -> how many of its tests failed
OUTCOMES: dict[str, str] = {}  # test id -> "passed" or "failed" (a failed phase wins)
LINES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        FAILED[report.nodeid.split("::")[0]] += 1
        OUTCOMES[report.nodeid] = "failed"
    elif report.when == "call" and report.passed:
        OUTCOMES.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in LINES:
        terminalreporter.write_line(line)
