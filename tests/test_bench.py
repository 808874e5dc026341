"""The benchmark scripts read wrk's report right (the timings themselves live in bench/, not here)."""

import sys
from pathlib import Path

import pytest

# bench/ is a folder of scripts, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import harness
import pages

# wrk 4.1 (Debian) against a server answering 404 to everything.
WRK_NOT_FOUND = """\
Running 1s test @ http://127.0.0.1:18931/nonexistent
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.08ms    5.71ms  36.14ms   86.41%
    Req/Sec     0.85k   186.89     1.10k    54.55%
  Latency Distribution
     50%    1.12ms
     75%    5.29ms
     90%   12.05ms
     99%   26.35ms
  933 requests in 1.10s, 473.97KB read
  Non-2xx or 3xx responses: 933
Requests/sec:    847.81
Transfer/sec:    430.69KB
"""

# A slow page: microseconds and seconds in the distribution, and socket errors.
WRK_SLOW = """\
Running 10s test @ http://127.0.0.1:8000/
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.10ms  120.00ms   1.90s    70.00%
    Req/Sec    12.00      5.00    30.00     60.00%
  Latency Distribution
     50%  850.00us
     75%  300.00ms
     90%  700.00ms
     99%    1.24s
  240 requests in 10.02s, 9.87MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
Requests/sec:     23.95
Transfer/sec:      0.99MB
"""


def test_wrk_report_with_error_responses():
    result = pages.parse_wrk(WRK_NOT_FOUND)
    assert result.requests == 933
    assert result.rate == pytest.approx(847.81)
    assert result.p50 == pytest.approx(1.12)
    assert result.p99 == pytest.approx(26.35)
    assert result.non_2xx_3xx == 933
    assert result.socket_errors == 0
    assert result.errors == 933


def test_wrk_report_units_and_socket_errors():
    result = pages.parse_wrk(WRK_SLOW)
    assert result.p50 == pytest.approx(0.85)
    assert result.p99 == pytest.approx(1240)
    assert result.socket_errors == 5
    assert result.non_2xx_3xx == 0
    assert result.seconds == pytest.approx(10.02)


def test_wrk_output_that_is_not_a_report_is_refused():
    with pytest.raises(ValueError, match="cannot read"):
        pages.parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 1001)]
    assert harness.percentile(values, 0.50) == 500
    assert harness.percentile(values, 0.99) == 990
    assert harness.percentile([7.0], 0.99) == 7
