import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Fuzz tests (tests/hardening): the same examples on every run (derandomized, no example
# database), so CI is repeatable; HYPOTHESIS_PROFILE=explore searches longer and at random.
_FUZZ_SETTINGS = {
    "deadline": None,
    # The examples share the test's database transaction and the seeded demo content.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("ci", max_examples=40, derandomize=True, database=None, **_FUZZ_SETTINGS)
hypothesis_settings.register_profile("explore", max_examples=500, **_FUZZ_SETTINGS)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo content once per test database; each test's rollback keeps it intact."""
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)


@pytest.fixture(autouse=True)
def fresh_local_cache():
    """Every test starts with an empty local cache: no rate limit used, no page cached.

    Rate limits (allauth's, the enrollment throttle) are keyed by user and training ids, and
    SQLite hands out the same ids again after each test's rollback. A Redis cache (a test that
    points CACHES at one) is left alone: other processes may be using it.
    """
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture
def demo_site(db):
    """The site as ``seed_demo`` leaves it: home page, settings, districts, groups, demo content."""
    from home.models import HomePage

    home = HomePage.objects.first()
    if home is None:  # a transactional test before this one flushed the database
        call_command("seed_demo", verbosity=0)
        home = HomePage.objects.get()
    return home


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, and the site's default mailer pointed at it."""
    from .smtp import SMTPServer

    server = SMTPServer().start()
    settings.MAILERS = {"default": server.mailer_settings()}
    yield server
    server.stop()


@pytest.fixture
def program(demo_site):
    """The demo program "Pemberdayaan UMKM Kader" (with its four trainings)."""
    from programs.models import ProgramPage

    return ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")


@pytest.fixture
def make_training(program):
    """Create and publish a training under the demo program; keyword arguments override fields."""
    from programs.models import TrainingPage

    counter = iter(range(1, 10_000))

    def make(parent=None, **fields):
        number = next(counter)
        starts_at = fields.pop("starts_at", (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0))
        values = {
            "title": f"Pelatihan Uji {number}",
            "slug": f"pelatihan-uji-{number}",
            "summary": "Pelatihan untuk pengujian.",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "venue_name": "Aula Kantor PC NU Batubara",
            "capacity": 25,
        }
        values.update(fields)
        training = TrainingPage(**values)
        (parent or program).add_child(instance=training)
        training.save_revision().publish()
        training.refresh_from_db()
        return training

    return make


@pytest.fixture
def make_active_member(demo_site):
    """Create verified members with complete profiles; keyword arguments override fields."""
    from datetime import date

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from core.models import District
    from members.models import Member

    counter = iter(range(1, 100_000))
    district = District.objects.get(slug="talawi")

    def make(**fields):
        number = next(counter)
        user = get_user_model().objects.create_user(email=f"kader{number}@example.org", password="x")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        values = {
            "full_name": f"Kader Nomor {number}",
            "phone": f"+6281200{number:06d}",
            "gender": Member.Gender.MALE,
            "birth_date": date(1995, 5, 17),
            "district": district,
            "village": "Labuhan Ruku",
            "occupation": "Nelayan",
            "cadre_level": Member.CadreLevel.PKD,
            "privacy_agreed_at": timezone.now(),
            "status": Member.Status.ACTIVE,
        }
        values.update(fields)
        return Member.objects.create(user=user, **values)

    return make


@pytest.fixture
def staff_user(demo_site, django_user_model):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="panitia@example.org", password="x")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(Group.objects.get(name="Koordinator"))
    return user


@pytest.fixture
def make_person(demo_site):
    """A verified, complete member from ``tests.people`` (real-looking names with apostrophes)."""
    from datetime import date

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from core.models import District
    from members.models import Member

    from .people import PASSWORD

    def make(person, **fields):
        user = get_user_model().objects.create_user(email=person.email, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        values = {
            "full_name": person.full_name,
            "phone": person.phone_e164,
            "gender": person.gender,
            "birth_date": date(1996, 8, 17),
            "district": District.objects.get(slug=person.district_slug),
            "village": person.village,
            "occupation": person.occupation,
            "business_name": person.business_name,
            "cadre_level": Member.CadreLevel.PKD,
            "privacy_agreed_at": timezone.now(),
            "status": Member.Status.ACTIVE,
        }
        values.update(fields)
        return Member.objects.create(user=user, **values)

    return make


@pytest.fixture
def roles(demo_site, django_user_model, make_person):
    """One user of each role, each able to log in with ``tests.people.PASSWORD``.

    ``editor`` (group Editor only), ``coordinator`` (group Koordinator only), ``member``
    (a verified cadre, no staff rights) and ``superuser``.
    """
    from types import SimpleNamespace

    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from .people import NURAINI, PASSWORD

    def staff(email, group=None, **extra):
        user = django_user_model.objects.create_user(email=email, password=PASSWORD, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    return SimpleNamespace(
        editor=staff("redaksi.uji@example.org", "Editor"),
        coordinator=staff("koordinator.uji@example.org", "Koordinator"),
        superuser=staff("ketua.uji@example.org", is_staff=True, is_superuser=True),
        member=make_person(NURAINI).user,
    )
