"""The Redis cache backend (core/cache.py) while Redis is down: misses and a warning, never a 500.

Redis here is a closed port (connections refused at once), the outage as a web process sees it
right after redis-server died; tests/test_redis_outage.py kills a real one under gunicorn.
"""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.cache import raising
from members.models import Enrollment

from .people import JUMAT, NURAINI, PASSWORD
from .services import closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def cache_warnings(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "core.cache" and record.levelname == "WARNING"]


def test_reads_miss_writes_are_dropped_and_one_warning_is_logged(redis_down, caplog):
    caplog.set_level(logging.WARNING)
    for _ in range(50):
        assert cache.get("greeting", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        cache.set("greeting", "Kopi & Kue", 60)
        assert cache.add("lock", True, 10) is True  # a lock the caller may proceed under
        assert cache.delete("lock") is False
        assert cache.has_key("greeting") is False
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert cache.get_or_set("computed", lambda: "Jum'at") == "Jum'at"
    [warning] = cache_warnings(caplog)  # rate-limited: once, not 400 times
    assert "Redis does not answer" in warning.getMessage()
    assert warning.exc_info is None  # a line in the log, not a traceback


def test_each_outage_is_logged_when_it_starts_and_its_end_too(caplog, monkeypatch):
    """A Redis that comes back and goes again is a new outage: its first failure is logged."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from core import cache as backend

    monkeypatch.setattr(backend, "RETRY_SECONDS", 0)
    caplog.set_level(logging.INFO, logger="core.cache")
    outage = backend.Outage()
    for _ in range(2):
        outage.failed(RedisConnectionError("Connection refused"))
        outage.failed(RedisConnectionError("Connection refused"))
        outage.answered()
        outage.answered()
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        "cache: Redis does not answer",
        "cache: Redis answers again",
        "cache: Redis does not answer",
        "cache: Redis answers again",
    ]


def test_raising_lets_the_health_check_see_the_error(redis_down):
    from redis.exceptions import ConnectionError as RedisConnectionError

    with raising(), pytest.raises(RedisConnectionError):
        cache.get("anything")
    assert cache.get("anything") is None


def test_a_member_logs_in_reads_pages_and_enrolls_while_redis_is_down(redis_down, make_person, make_training, caplog):
    """allauth's rate limits and the enrollment throttle fail open: no 429, no 500; cancelling too."""
    make_person(NURAINI)
    training = make_training(title="Kopi & Kue: Pemasaran Digital")
    client = Client()
    # Wrong passwords are still answered (not counted: the counter lives in Redis).
    for _ in range(6):
        answer = client.post("/akun/login/", {"login": NURAINI.email, "password": "salah"})
        assert answer.status_code == 200
    answer = client.post("/akun/login/", {"login": NURAINI.email, "password": PASSWORD})
    assert answer.status_code == 302
    for path in ("/", "/berita/", training.url, "/anggota/"):
        assert client.get(path).status_code == 200, path
    answer = client.post(reverse("members:enroll", args=[training.pk]), follow=True)
    assert answer.status_code == 200
    assert "Kursi Anda sudah terkonfirmasi." in answer.content.decode()
    assert Enrollment.objects.get(training=training).status == "confirmed"
    answer = client.post(reverse("members:cancel", args=[training.pk]), follow=True)
    assert answer.status_code == 200
    assert Enrollment.objects.get(training=training).status == "cancelled"
    assert cache_warnings(caplog)


def test_signing_up_while_redis_is_down_records_the_confirmation_email(redis_down, demo_site):
    from tasks.models import Notification

    answer = Client().post(
        "/akun/signup/",
        {
            "email": JUMAT.email,
            "full_name": JUMAT.full_name,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "privacy_agreed": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Notification.objects.filter(recipient=JUMAT.email, status="pending").exists()


def test_staff_work_in_the_admin_while_redis_is_down(redis_down, roles, program):
    client = Client()
    client.force_login(roles.editor)
    for path in ("/admin/", f"/admin/pages/{program.pk}/", f"/admin/pages/{program.pk}/edit/"):
        assert client.get(path).status_code == 200, path
    coordinator = Client()
    coordinator.force_login(roles.coordinator)
    assert coordinator.get("/admin/").status_code == 200
