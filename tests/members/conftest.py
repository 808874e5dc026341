import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache

from members.models import Member

PASSWORD = "Kader-Ansor-2024!"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth keeps its rate limits in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


def make_member(email: str, *, full_name: str = "Siti Aminah", verified_email: bool = True, **fields) -> Member:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    user = get_user_model().objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=verified_email, primary=True)
    return Member.objects.create(user=user, full_name=full_name, privacy_agreed_at=timezone.now(), **fields)


@pytest.fixture
def member(demo_site):
    return make_member("siti@example.org")


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def coordinator(demo_site, django_user_model):
    user = django_user_model.objects.create_user(email="koordinator@example.org", password=PASSWORD, is_staff=False)
    user.groups.add(Group.objects.get(name="Koordinator"))
    return user


def link_in(message, pattern: str) -> str:
    match = re.search(r"https?://testserver(" + pattern + r")", message.body)
    assert match, message.body
    return match.group(1)
