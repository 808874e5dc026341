"""Redis (cache and broker) going down degrades the site, never breaks it (invariant 8 of docs/architecture.md).

A real ``redis-server`` of the test's own is killed under a running gunicorn: a logged-in
member still reads every page and enrolls, the email waits in the outbox, ``/healthz/``
answers 503 naming Redis, and once Redis is back a worker (with its beat) sends the email once.
"""

import re
import tempfile
from pathlib import Path

import pytest
import requests
from django.urls import reverse
from wagtail.models import ModelLogEntry

from members.models import Enrollment
from tasks.models import Notification

from .people import NURAINI, PASSWORD
from .processes import database_url, free_port, gunicorn, project_env, wait_for
from .services import require_redis
from .tasks.workers import OwnRedis, Worker

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTICLE = "/berita/rapat-koordinasi-umkm-agenda-prioritas/"


@pytest.fixture
def own_redis():
    require_redis()  # redis-server is installed where the shared one runs
    server = OwnRedis().start()
    yield server
    server.stop()


def log_in(session: requests.Session, base_url: str, email: str) -> None:
    page = session.get(base_url + "/akun/login/", timeout=15)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        base_url + "/akun/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base_url + "/akun/login/"},
        allow_redirects=False,
        timeout=15,
    )
    assert answer.status_code == 302, answer.text[:500]


def test_a_redis_outage_keeps_pages_and_enrolling_working_and_the_email_follows_once(
    own_redis, smtp_server, make_person, make_training
):
    member = make_person(NURAINI)
    training = make_training(title="Pemasaran Digital Kopi & Kue di Ma'had Al-Ma'arif")
    port = free_port()
    env = project_env(
        DJANGO_SETTINGS_MODULE="tests.outage_settings",
        DATABASE_URL=database_url(),
        REDIS_URL=own_redis.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-outage-", suffix=".log")  # noqa: SIM115
    member_session, visitor = requests.Session(), requests.Session()
    with gunicorn(env, port=port, log=log) as base_url:
        log_in(member_session, base_url, NURAINI.email)
        assert visitor.get(base_url + "/", timeout=15).status_code == 200  # the page cache is filled while Redis is up

        own_redis.stop()  # the outage: cache, rate limits and broker gone at once

        for path in ("/", ARTICLE, training.url, "/anggota/"):
            answer = member_session.get(base_url + path, timeout=15)
            assert answer.status_code == 200, (path, answer.status_code)
            assert answer.url == base_url + path, "not sent to the log-in page: the session lives in the database"
        assert "Nur&#x27;aini Siregar" in answer.text  # the dashboard greets her
        for path in ("/", ARTICLE, training.url, "/akun/login/"):
            assert visitor.get(base_url + path, timeout=15).status_code == 200, path

        page = member_session.get(base_url + training.url, timeout=15)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = member_session.post(
            base_url + reverse("members:enroll", args=[training.pk]),
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": base_url + training.url},
            timeout=15,
        )
        assert answer.status_code == 200
        assert "Kursi Anda sudah terkonfirmasi." in answer.text, answer.text[:2000]  # "Your seat is confirmed."
        enrollment = Enrollment.objects.get(member=member, training=training)
        assert enrollment.status == "confirmed"
        # Its email and audit entry could not be handed to the worker: the row owes them, nothing is lost.
        assert enrollment.follow_up == {"status": "confirmed", "position": None}
        assert not Notification.objects.filter(recipient=NURAINI.email).exists()

        health = requests.get(base_url + "/healthz/", timeout=15)  # from this machine: with the detail
        assert health.status_code == 503
        checks = health.json()["checks"]
        assert checks["database"] == {"ok": True}
        assert checks["cache"]["ok"] is False and checks["broker"]["ok"] is False
        assert "redis" in checks["cache"]["service"].lower() and "redis" in checks["broker"]["service"].lower()

        log.flush()
        output = Path(log.name).read_text()
        assert "WARNING" in output and "Redis" in output, output[-3000:]
        assert "Traceback" not in output, output[-6000:]
        assert " 500 " not in output

        own_redis.start()  # Redis is back, on the same address: beat's follow-up records the email
        worker = Worker(broker_url=own_redis.url, smtp_port=smtp_server.port, name="outage", beat=True).wait_ready()
        try:
            wait_for(lambda: smtp_server.messages, timeout=60, what=f"the confirmation email:\n{worker.output()}")
            wait_for(lambda: worker.output().count("tasks.sweep_outbox") >= 6, timeout=30, what="more sweeps")
        finally:
            worker.stop()
        assert requests.get(base_url + "/healthz/", timeout=15).status_code == 200
    log.close()

    [message] = smtp_server.messages
    assert message["To"] == NURAINI.email
    assert "Kopi & Kue di Ma'had Al-Ma'arif" in message["Subject"]
    assert Notification.objects.get(kind="enrollment_confirmed", recipient=NURAINI.email).status == "sent"
    assert Enrollment.objects.get(pk=enrollment.pk).follow_up is None
    assert ModelLogEntry.objects.filter(object_id=str(enrollment.pk), action="members.enrollment.enroll").count() == 1
