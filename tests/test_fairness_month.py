"""The simulated month (bench/fairness.py) runs on the real services and gives its
figures: a day and a half of a small ward, each policy on its own database."""

from __future__ import annotations

import re
from pathlib import Path

from bench.fairness import POLICIES, Config, simulate, summary_line


async def test_a_short_month_gives_every_figure_for_every_policy(tmp_path: Path) -> None:
    config = Config(days=1, volunteers=12, households=60, requests_per_day=8, seed=3)
    figures = await simulate(config, tmp_path)
    assert [f.policy for f in figures] == [p.name for p in POLICIES]
    for f in figures:
        assert f.requests > 0
        assert f.pings_per_request > 0
        assert len(f.tasks) == 12
        assert 0 <= f.never_tasked_share <= 1
        assert 0 <= f.unclaimed_share <= 1
        assert 0 <= f.gini <= 1
    ours, everyone = figures[0], figures[1]
    assert ours.max_pings_day <= 6  # MAX_PINGS_PER_DAY, the default
    assert everyone.pings_per_request >= ours.pings_per_request
    line = summary_line(figures)
    assert re.fullmatch(
        r"fairness: claim_time_vs_everyone=\S+; pings_per_request_vs_everyone=[\d.]+; "
        r"never_tasked=\d+%; max_pings_per_volunteer_day=\d+",
        line,
    ), line
