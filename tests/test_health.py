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
    from tasks import celery_app

    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = settings.REDIS_URL
    try:
        response = client.get("/healthz/")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False


@pytest.mark.slow
@pytest.mark.services
def test_healthz_served_with_postgres_and_redis_up(tmp_path):
    require_redis()
    postgres = require_postgres()
    env = project_env(DATABASE_URL=postgres, REDIS_URL="redis://127.0.0.1:6379/15")
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
    assert checks["cache"]["ok"] is False
    assert checks["broker"]["ok"] is False


@pytest.mark.slow
@pytest.mark.services
def test_celery_worker_starts_from_the_project_root_and_answers():
    """``celery -A tasks worker`` works and takes Django settings (REDIS_URL) as its broker."""
    import subprocess
    import sys
    import time

    from .processes import BIN, ROOT

    redis_url = require_redis()
    env = project_env(REDIS_URL=redis_url, DATABASE_URL="sqlite:////tmp/portal-worker.sqlite3")
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
            answered = "tasks.jobs.publish_scheduled_pages" in result.stdout
        assert answered, f"the worker did not answer; it printed:\n{result.stdout}{result.stderr}"
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert sys.executable  # the worker ran from the same virtualenv


def test_manage_py_runs_with_default_settings():
    result = manage("check", env=project_env(DJANGO_SETTINGS_MODULE="config.settings.dev"))
    assert result.returncode == 0, result.stderr
