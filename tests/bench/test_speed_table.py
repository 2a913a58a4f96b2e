"""bench/serving.py's table: a failed side prints FAILED and why, never a figure or a ratio."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _wrk import WrkResult  # noqa: E402
from serving import QUERIES, moved_template, query_rows  # noqa: E402

from .test_wrk_figures import CLEAN, SOCKET_ERRORS  # noqa: E402

Q1, Q4 = QUERIES[0], QUERIES[3]


def test_a_failed_baseline_has_no_figure_no_ratio_and_says_why():
    good, failed = WrkResult.parse(CLEAN), WrkResult.parse(SOCKET_ERRORS)
    measures = {
        ("ours", "same"): good,
        ("ours", "moved"): good,
        ("baseline", "same"): failed,
        ("baseline", "moved"): good,
    }
    rows = query_rows(Q1, measures, {"ours": "65", "baseline": "65"})
    baseline = next(r for r in rows if " baseline " in r and "(moved)" not in r)
    assert "FAILED" in baseline and "1635" not in baseline and "x" not in baseline.split()[-1]
    assert any("baseline cached" not in r and "read 80787" in r for r in rows)
    moved = next(r for r in rows if "baseline (moved)" in r)
    assert "1.00x" in moved and "target >= 0.5x: OK" in moved


def test_peers_that_cannot_ask_say_so():
    good = WrkResult.parse(CLEAN)
    measures = {(side, how): good for side in ("ours", "baseline") for how in ("same", "moved")}
    rows = query_rows(Q4, measures, {"ours": "10", "baseline": "10", "tipg": "", "pygeoapi": ""})
    assert sum("n/a" in r for r in rows) == 2


def test_different_feature_counts_are_said():
    good = WrkResult.parse(CLEAN)
    measures = {("ours", "same"): good, ("baseline", "same"): good}
    rows = query_rows(QUERIES[2], measures, {"ours": "198", "baseline": "198", "tipg": "10"})
    assert any("features differ" in r and "tipg 10" in r for r in rows)


def test_moved_templates_escape_the_peers_percent_signs_for_lua():
    template = moved_template(Q1, "tipg")
    path, centre = template.split("|")
    assert centre == "5.9,43.9,6.5,44.3"
    assert "bbox=%.4f,%.4f,%.4f,%.4f" in path and "%%20AND%%20" in path
    assert moved_template(QUERIES[2], "ours") is None  # a fixed query is not moved
