"""The bench's reading of wrk: figures only for a side whose every request was answered 2xx.

A run on 2026-12-01 printed 1,635 "req/s" for a baseline that answered 80,787 connection
errors; these hold the parsing of wrk's output and the refusal to print such a figure.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _wrk import WrkResult, ratio, ratio_cell  # noqa: E402

CLEAN = """Running 2s test @ http://127.0.0.1:8389/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    13.42ms   10.21ms  59.71ms   78.82%
    Req/Sec   162.10     55.19   303.00     70.00%
  Latency Distribution
     50%   11.10ms
     75%   17.76ms
     90%   27.22ms
     99%   49.81ms
  652 requests in 2.02s, 8.39MB read
Requests/sec:    322.24
Transfer/sec:      4.14MB
"""

NOT_FOUND = """Running 2s test @ http://127.0.0.1:8389/absent
  2 threads and 4 connections
  Latency Distribution
     50%    1.22ms
     75%    3.91ms
     90%   10.66ms
     99%   38.93ms
  4088 requests in 2.00s, 2.03MB read
  Non-2xx or 3xx responses: 4088
Requests/sec:   2039.87
Transfer/sec:      1.01MB
"""

SOCKET_ERRORS = """Running 20s test @ http://127.0.0.1:8202/q1?bbox=5.9,43.9,6.5,44.3
  2 threads and 16 connections
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.50ms
     99%    1.20s
  32700 requests in 20.00s, 5.00MB read
  Socket errors: connect 0, read 80787, write 0, timeout 12
Requests/sec:   1635.00
Transfer/sec:    256.00KB
"""

REFUSED = "unable to connect to 127.0.0.1:8389 Connection refused\n"


def test_clean_run_is_read_with_its_units():
    result = WrkResult.parse(CLEAN)
    assert result.requests_per_s == 322.24
    assert result.p50_ms == pytest.approx(11.10)
    assert result.p99_ms == pytest.approx(49.81)
    assert result.requests == 652
    assert result.failure is None
    assert result.cells() == ["322", "11.1", "49.8"]


def test_microseconds_and_seconds_become_milliseconds():
    result = WrkResult.parse(SOCKET_ERRORS)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)


def test_non_2xx_answers_refuse_the_figures():
    result = WrkResult.parse(NOT_FOUND)
    assert result.non_2xx == 4088
    assert result.failure == "4088 of 4088 answers non-2xx"
    assert result.cells() == ["FAILED", "-", "-"]


def test_socket_errors_refuse_the_figures_and_say_which():
    result = WrkResult.parse(SOCKET_ERRORS)
    assert result.errors == 80787 + 12
    assert "read 80787" in result.failure and "timeout 12" in result.failure
    assert "1635" not in " ".join(result.cells())


def test_a_server_that_refuses_connections_is_a_failed_side():
    result = WrkResult.parse(REFUSED)
    assert result.failure.startswith("wrk: unable to connect to 127.0.0.1:8389")
    assert result.cells()[0] == "FAILED"


def test_no_ratio_with_a_failed_or_absent_side():
    ours, failed = WrkResult.parse(CLEAN), WrkResult.parse(SOCKET_ERRORS)
    assert ratio(ours, failed) is None
    assert ratio(failed, ours) is None
    assert ratio(ours, None) is None
    assert ratio_cell(ratio(ours, failed)) == "-"
    assert ratio(ours, WrkResult.parse(CLEAN)) == pytest.approx(1.0)
    assert ratio_cell(2.514) == "2.51x"
