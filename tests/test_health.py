"""``/healthz/`` tells a load balancer whether the database, cache and broker answer."""

import json

import pytest

from .processes import get, gunicorn, manage, project_env
from .services import closed_port, require_postgres, require_redis

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_database_and_local_cache(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}, "cache": {"ok": True}}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_an_unreachable_broker_with_503(client, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False


# -- issue 13 (16): which component is down is for staff and this machine only ------------------

REMOTE = "203.0.113.7"


@pytest.fixture
def broker_down(settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"


def test_healthz_tells_a_visitor_only_the_status(client, broker_down):
    response = client.get("/healthz/", REMOTE_ADDR=REMOTE)
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    assert "broker" not in response.content.decode()


def test_healthz_behind_a_proxy_tells_the_client_only_the_status(client, broker_down, settings):
    # nginx on the same machine: REMOTE_ADDR is 127.0.0.1 for every client.
    for proxies, forwarded in [(0, REMOTE), (0, "127.0.0.1"), (1, REMOTE), (1, f"127.0.0.1, {REMOTE}"), (2, REMOTE)]:
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
        response = client.get("/healthz/", REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": forwarded})
        assert response.status_code == 503
        assert response.json() == {"status": "error"}, (proxies, forwarded)
    response = client.get("/healthz/", REMOTE_ADDR="127.0.0.1", headers={"x-real-ip": REMOTE})
    assert response.json() == {"status": "error"}
    # The proxy's own probe, forwarded for the local machine, still sees the detail.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    response = client.get("/healthz/", REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": "127.0.0.1"})
    assert response.json()["checks"]["broker"]["ok"] is False


def test_healthz_tells_staff_and_local_probes_which_component_is_down(roles, broker_down):
    from django.test import Client

    from .people import PASSWORD

    for local in ("127.0.0.1", "::1"):
        response = Client().get("/healthz/", REMOTE_ADDR=local)
        assert response.json()["checks"]["broker"]["ok"] is False, local
    for user, sees in [(roles.editor, True), (roles.coordinator, True), (roles.member, False)]:
        client = Client(REMOTE_ADDR=REMOTE)
        assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
        body = client.get("/healthz/").json()
        assert ("checks" in body) is sees, user.email
        assert body["status"] == "error"


@pytest.mark.slow
def test_production_answers_a_visitor_without_detail_and_with_safe_cookies_and_robots(tmp_path):
    """The language cookie, robots.txt and /healthz/ under the production settings, through gunicorn."""
    import http.client
    import secrets

    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="ansor-batubara.example,127.0.0.1",
        SITE_URL="https://ansor-batubara.example",
        SECURE_SSL_REDIRECT="0",
        EMAIL_URL="smtp://127.0.0.1:2525",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production-http.sqlite3'}",
    )
    proxied = {"Host": "ansor-batubara.example:8443", "X-Forwarded-For": REMOTE, "X-Forwarded-Proto": "https"}
    with gunicorn(env) as base_url:
        connection = http.client.HTTPConnection(base_url.removeprefix("http://"), timeout=15)
        connection.request("GET", "/bahasa/en/?next=/", headers=proxied)  # not following the redirect
        answer = connection.getresponse()
        status, cookie = answer.status, answer.getheader("Set-Cookie", "")
        connection.close()
        status_robots, _, robots = get(base_url + "/robots.txt", **proxied)
        status_health, _, health = get(base_url + "/healthz/", **proxied)
    assert status == 302
    assert cookie.startswith("django_language=en;"), cookie
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie, cookie
    assert status_robots == 200
    assert b"Sitemap: https://ansor-batubara.example/sitemap.xml" in robots and b"8443" not in robots
    assert json.loads(health) == {"status": "ok"}, health
    assert status_health == 200


@pytest.mark.slow
@pytest.mark.services
def test_healthz_served_with_postgres_and_redis_up(tmp_path):
    require_redis()
    postgres = require_postgres()
    env = project_env(DATABASE_URL=postgres, REDIS_URL=require_redis())
    with gunicorn(env) as base_url:
        status, _, body = get(base_url + "/healthz/")
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": {"ok": True}, "cache": {"ok": True}, "broker": {"ok": True}}


@pytest.mark.slow
def test_healthz_served_with_the_database_unreachable_answers_503():
    env = project_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/portal")
    with gunicorn(env) as base_url:
        status, _, body = get(base_url + "/healthz/")
    assert status == 503
    checks = json.loads(body)["checks"]
    assert checks["database"]["ok"] is False
    assert checks["cache"] == {"ok": True}


@pytest.mark.slow
def test_healthz_served_with_redis_unreachable_answers_503(tmp_path):
    env = project_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
    )
    with gunicorn(env) as base_url:
        status, _, body = get(base_url + "/healthz/")
    assert status == 503
    checks = json.loads(body)["checks"]
    assert checks["database"] == {"ok": True}
    # Named for the operator: it is Redis that is down, behind both the cache and the broker.
    assert checks["cache"] == {"ok": False, "service": "redis", "error": "ConnectionError"}
    assert checks["broker"]["ok"] is False and checks["broker"]["service"] == "redis"


@pytest.mark.slow
@pytest.mark.services
def test_celery_worker_starts_from_the_project_root_and_answers(tmp_path):
    """``celery -A tasks worker`` works and takes Django settings (REDIS_URL) as its broker."""
    import subprocess
    import sys
    import time

    from .processes import BIN, ROOT

    redis_url = require_redis()
    env = project_env(REDIS_URL=redis_url, DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}")
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "tasks", "worker", "--pool=solo", "--hostname=healthcheck@%h", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 40
        answered = False
        while time.monotonic() < deadline and not answered:
            result = subprocess.run(
                [str(BIN / "celery"), "-A", "tasks", "inspect", "registered", "--timeout=2"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            answered = "core.publish_scheduled_pages" in result.stdout
        assert answered, f"the worker did not answer; it printed:\n{result.stdout}{result.stderr}"
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert sys.executable  # the worker ran from the same virtualenv


def test_manage_py_runs_with_default_settings():
    result = manage("check", env=project_env(DJANGO_SETTINGS_MODULE="config.settings.dev"))
    assert result.returncode == 0, result.stderr
