"""The benchmark scripts read wrk's report right, take a member's session like a browser, serve the
ceiling only under bench.settings, and summarise a run right (the timings live in bench/, not here)."""

import json
import sys
from pathlib import Path

import pytest

# bench/ is a folder of scripts, not a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import harness
import pages
import summary

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


# -- taking a member's session like a browser (harness.Browser) -------------------------------

LOGIN_FORM = """<form method="post" action="/akun/login/">
<input type="hidden" name="csrfmiddlewaretoken" value="AbC123masked">
<input name="login"><input name="password" type="password"></form>"""


def test_form_token_is_read_from_the_page_form():
    assert harness.form_token(LOGIN_FORM) == "AbC123masked"
    assert harness.form_token('<input value="xyz" type="hidden" name="csrfmiddlewaretoken">') == "xyz"
    with pytest.raises(harness.LoginFailed):
        harness.form_token("<form><input name='q'></form>")


def test_member_header_is_told_apart_from_the_anonymous_one():
    member = '<div class="site-header__account"><a class="button button--small" href="/anggota/">Akun saya</a></div>'
    anonymous = '<a class="button button--small" href="/akun/login/">Masuk</a>'
    assert harness.shows_member(member)
    assert not harness.shows_member(anonymous)
    # A page that still offers the login somewhere is not the member's page.
    assert not harness.shows_member(member + '<a href="/akun/login/?next=/program/">Masuk</a>')


def test_browser_keeps_replaces_and_deletes_cookies():
    browser = harness.Browser("http://127.0.0.1:1")
    browser._keep("csrftoken=first; Path=/; SameSite=Lax; Secure")
    browser._keep("sessionid=abc; expires=Wed, 16 Dec 2026 10:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/")
    browser._keep("csrftoken=rotated; Path=/")
    browser._keep('messages=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/')
    assert browser.cookies == {"csrftoken": "rotated", "sessionid": "abc"}
    assert browser.cookie_header() == "csrftoken=rotated; sessionid=abc"


@pytest.mark.django_db(transaction=True)
def test_browser_logs_a_member_in_over_http(live_server, make_person):
    from .people import PASSWORD, PEOPLE

    person = PEOPLE[0]  # Nur'aini
    make_person(person)
    browser = harness.Browser(live_server.url)
    assert not harness.shows_member(browser.get("/").text)

    answer = browser.log_in(person.email, PASSWORD)

    assert answer.status == 302
    assert {"sessionid", "csrftoken"} <= set(browser.cookies)
    assert harness.shows_member(browser.get("/").text)
    dashboard = browser.get("/anggota/")
    assert dashboard.status == 200
    assert "Nur&#x27;aini" in dashboard.text


@pytest.mark.django_db(transaction=True)
def test_browser_login_with_a_wrong_password_fails_loudly(live_server, make_person):
    from .people import PEOPLE

    make_person(PEOPLE[1])
    browser = harness.Browser(live_server.url)
    with pytest.raises(harness.LoginFailed, match="without a session"):
        browser.log_in(PEOPLE[1].email, "not-the-password")
    assert "sessionid" not in browser.cookies


# -- the ceiling: bench/urls.py, only under bench.settings ------------------------------------


def test_the_ceiling_is_not_among_the_sites_urls():
    from django.urls import NoReverseMatch, reverse

    with pytest.raises(NoReverseMatch):
        reverse("bench_ceiling")


def _csrf_client(user=None):
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    return client, secret


@pytest.mark.urls("bench.urls")
def test_the_ceiling_answers_a_member_with_a_302_back_and_changes_nothing(make_person):
    from members.models import Enrollment

    from .people import PEOPLE

    member = make_person(PEOPLE[2])
    client, token = _csrf_client(member.user)
    response = client.post("/bench/ceiling/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == "/anggota/"
    assert not Enrollment.objects.filter(member=member).exists()


@pytest.mark.urls("bench.urls")
def test_the_ceiling_refuses_a_post_without_its_csrf_token(make_person):
    from .people import PEOPLE

    member = make_person(PEOPLE[3])
    client, _ = _csrf_client(member.user)
    assert client.post("/bench/ceiling/", {}).status_code == 403


@pytest.mark.urls("bench.urls")
def test_the_ceiling_requires_a_logged_in_member(make_person, django_user_model):
    anonymous, token = _csrf_client()
    response = anonymous.post("/bench/ceiling/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")

    staff = django_user_model.objects.create_user(email="tanpa.profil@example.org", password="x")
    client, token = _csrf_client(staff)
    response = client.post("/bench/ceiling/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200  # the "no member profile" page, not the 302 of a member
    assert client.get("/bench/ceiling/").status_code == 405


def test_bench_settings_only_add_the_fast_hasher_the_ceiling_and_the_login_limit(monkeypatch):
    """bench.settings is production plus three things; the site's own settings keep neither."""
    import importlib

    monkeypatch.setenv("SECRET_KEY", "bench-test-only")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    production = importlib.import_module("config.settings.production")
    bench = importlib.import_module("bench.settings")
    assert bench.ROOT_URLCONF == "bench.urls" and production.ROOT_URLCONF == "config.urls"
    assert bench.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")
    assert bench.ACCOUNT_RATE_LIMITS["enrollment_change"] == production.ACCOUNT_RATE_LIMITS["enrollment_change"]
    assert bench.DEBUG is False and bench.SESSION_ENGINE == production.SESSION_ENGINE


# -- the run's summary (bench/summary.py) ------------------------------------------------------

FANOUT_REPORT = """\
fan-out: 10000 emails, 2 workers
  recorded in 2.01 s, all sent in 42.19 s
  = 237 emails/s
raw smtplib, one process, one connection: 10000 emails in 10.62 s = 942/s
"""


def _pages(member_ratio, anonymous_ratio):
    rows = [{"who": "anonymous", "label": "static file (before)", "ratio": 1.0}]
    rows += [{"who": "anonymous", "label": label, "ratio": anonymous_ratio} for label in ("home", "news index")]
    rows += [{"who": "member", "label": label, "ratio": member_ratio} for label in summary.MEMBER_PAGES]
    rows.append({"who": "member", "label": "dashboard", "ratio": 0.01})
    return {"static": 3000.0, "rows": rows, "facts": {"commit": "abc on perf"}}


def _by_what(lines):
    return {what: (figure, target, met) for what, figure, target, met in lines}


def test_summary_marks_each_target_of_issue_16(tmp_path):
    (tmp_path / "fanout.txt").write_text(FANOUT_REPORT)
    fanout = summary.fanout_figures(tmp_path)
    assert fanout == {"rate": 237.0, "raw_rate": 942.0}
    uncached = {
        "baseline_ref": "13ddb45",
        "rows": [
            {
                "label": "article (demo)",
                "ratio": 3.2,
                "current": 190.0,
                "baseline": 59.0,
                "queries": 12,
                "baseline_queries": 29,
                "issue_rate": "58-61",
            },
            {
                "label": "home",
                "ratio": 1.1,
                "current": 80.0,
                "baseline": 72.0,
                "queries": 16,
                "baseline_queries": 19,
                "issue_rate": "70-78",
            },
        ],
    }
    storm = {"ratio": 0.6, "rate": 600.0, "ceiling": 1000.0, "exact": True, "http_errors": 0, "no_answer": 0}
    lines = _by_what(summary.rows(_pages(0.02, 0.7), uncached, storm, fanout))

    assert lines["member's home / static"][2] == "✗"
    assert lines["member's training (digital marketing) / static"][1] == "≥ 0.33"
    assert lines["anonymous pages / static"][2] == "✓"
    assert lines["uncached article / baseline `13ddb45`"][2] == "✓"
    assert lines["uncached SQL queries per page"][0].startswith("most 16 (home)")
    assert lines["uncached SQL queries per page"][2] == "✗"
    assert lines["storm enrollments/s / ceiling"][2] == "✓"
    assert lines["fan-out / raw smtplib"][0].startswith("0.25")
    assert lines["fan-out / raw smtplib"][2] == "✗"


def test_summary_says_what_a_run_did_not_measure(tmp_path):
    (tmp_path / "pages.json").write_text(json.dumps(_pages(0.5, 0.5)))
    text, complete = summary.summary(tmp_path)
    assert not complete
    assert "| storm / ceiling | not measured in this run |" in text
    assert "| member's home / static | 0.50 | ≥ 0.33 | ✓ |" in text
    assert "| anonymous pages / static | lowest 0.50 (home)" in text


def test_a_pages_ratio_is_the_median_of_its_rounds_beside_the_static_file():
    """The VM slows down by half between rounds: each round's ratio is unchanged, and so is the
    figure the target is checked against; one odd round does not move it either."""

    def run(rate):
        return pages.WrkResult(
            requests=int(rate * 5), seconds=5.0, rate=rate, p50=1.0, p99=2.0, non_2xx_3xx=0, socket_errors=0
        )

    drifting = pages.Row(
        "home", "/", 200, "hit", [(run(4000), run(1600)), (run(2000), run(800)), (run(3000), run(1200))]
    )
    assert drifting.ratio == pytest.approx(0.4) and drifting.static_rate == 3000
    odd = pages.Row("home", "/", 200, "hit", [(run(4000), run(1600)), (run(4000), run(400)), (run(4000), run(1800))])
    assert odd.ratio == pytest.approx(0.4) and odd.result.rate == 1600
