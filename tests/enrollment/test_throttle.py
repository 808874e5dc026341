"""Enroll and cancel are throttled per member (issue 13, finding 11): each change emails them.

The audit toggled a training 20 times in 1.6 s and got 20 emails. Now: 6 changes per
training per 10 minutes, 30 per member per hour (ACCOUNT_RATE_LIMITS["enrollment_change"]).
"""

import pytest
from django.test import Client, RequestFactory

from core import throttle
from members.models import Enrollment
from tasks.models import Notification
from tests.people import JUMAT, NURAINI
from tests.services import CACHE_KINDS, use_cache

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


@pytest.fixture(autouse=True, params=CACHE_KINDS)
def cache_kind(request, settings):
    """Every test twice: through allauth (a local-memory cache), and with the site's Redis cache,
    where core.throttle counts every rate in one round trip."""
    use_cache(settings, request.param, prefix="throttle-test")
    from django.core.cache import cache

    cache.clear()
    yield request.param
    cache.clear()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def toggle(client, training, n: int) -> list[int]:
    codes = []
    for i in range(n):
        action = "daftar" if i % 2 == 0 else "batal"
        codes.append(client.post(f"/anggota/pelatihan/{training.pk}/{action}/").status_code)
    return codes


def test_the_seventh_toggle_answers_429_and_changes_nothing(
    make_training, make_person, django_capture_on_commit_callbacks
):
    training = make_training(capacity=20)
    member = make_person(NURAINI)
    client = logged_in(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert toggle(client, training, 6) == [302] * 6
    assert Notification.objects.filter(recipient=member.user.email).count() == 6
    enrollments = list(Enrollment.objects.filter(member=member).values_list("pk", "status"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
    assert response.status_code == 429
    html = response.content.decode()
    assert "terlalu sering mengubah pendaftaran" in html
    assert f'href="{training.url}"' in html
    assert "Reset my password" not in html and "Atur ulang" not in html
    assert list(Enrollment.objects.filter(member=member).values_list("pk", "status")) == enrollments
    assert not Enrollment.objects.filter(member=member, status__in=Enrollment.ACTIVE_STATUSES).exists()
    assert Notification.objects.filter(recipient=member.user.email).count() == 6
    # Cancelling is counted on the same limit.
    assert client.post(f"/anggota/pelatihan/{training.pk}/batal/").status_code == 429


def test_the_limit_is_the_members_own(make_training, make_person):
    training = make_training(capacity=20)
    first, second = make_person(NURAINI), make_person(JUMAT)
    assert toggle(logged_in(first.user), training, 7)[-1] == 429
    # Another member enrolls as usual, and the first one still may in another training.
    assert logged_in(second.user).post(f"/anggota/pelatihan/{training.pk}/daftar/").status_code == 302
    assert Enrollment.objects.get(member=second).status == Status.CONFIRMED
    other = make_training(capacity=20)
    assert logged_in(first.user).post(f"/anggota/pelatihan/{other.pk}/daftar/").status_code == 302


def test_thirty_changes_an_hour_over_all_trainings(make_training, make_person):
    member = make_person(NURAINI)
    client = logged_in(member.user)
    trainings = [make_training(capacity=20) for _ in range(6)]
    codes = [code for training in trainings[:5] for code in toggle(client, training, 6)]
    assert codes == [302] * 30
    response = client.post(f"/anggota/pelatihan/{trainings[5].pk}/daftar/")
    assert response.status_code == 429
    assert not Enrollment.objects.filter(member=member, training=trainings[5]).exists()


@pytest.fixture
def redis_request(cache_kind, make_person):
    """A member's POST for core.throttle, on the Redis cache (the tests that use it are about Redis)."""
    if cache_kind != "redis":
        pytest.skip("about core.throttle on the Redis cache")
    request = RequestFactory().post("/")
    request.user = make_person(NURAINI).user
    return request


def test_with_redis_both_rates_are_one_round_trip(redis_request, monkeypatch):
    import redis.connection

    request = redis_request
    sent = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    assert throttle.consume(request, action="enrollment_change", key="a")  # loads the script once, if needed
    sent.clear()
    assert [throttle.consume(request, action="enrollment_change", key="a") for _ in range(6)] == [True] * 5 + [False]
    assert len(sent) == 6  # one EVALSHA each, for both rates


def test_the_rates_are_read_once_and_again_when_the_settings_change(redis_request, monkeypatch, settings):
    """allauth's rate settings are parsed once per process (not on every enroll POST), and a change
    of ACCOUNT_RATE_LIMITS is honoured at once (core.throttle reads them itself with the Redis cache)."""
    from allauth.core.internal import ratelimit as allauth_ratelimit

    request = redis_request
    reads = []
    real = allauth_ratelimit.get_rates
    monkeypatch.setattr(throttle, "get_rates", lambda **kwargs: reads.append(kwargs) or real(**kwargs))
    throttle._rates.cache_clear()
    assert [throttle.consume(request, action="enrollment_change", key="b") for _ in range(3)] == [True] * 3
    assert len(reads) == 1

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "enrollment_change": "3/10m/key"}
    assert [throttle.consume(request, action="enrollment_change", key="c") for _ in range(4)] == [True] * 3 + [False]
    assert len(reads) == 2
