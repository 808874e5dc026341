"""Sessions and their users read through the cache (core/sessions.py, members/backends.py).

What a member must notice: changing the password on one phone, being made inactive, or
logging out ends the other sessions at once, though the session and the user were cached.
"""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from ..people import PEOPLE
from .conftest import PASSWORD, make_member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kopi-&-Kue-Nuraini-2025"


def phone(member) -> Client:
    client = Client()
    assert client.login(email=member.user.email, password=PASSWORD)
    assert client.get("/anggota/").status_code == 200  # the session and its user are now cached
    return client


def logged_out(client) -> bool:
    response = client.get("/anggota/")
    return response.status_code == 302 and response.headers["Location"].startswith("/akun/login/")


@pytest.fixture
def nuraini(demo_site):
    return make_member(PEOPLE[0].email, full_name=PEOPLE[0].full_name)


def test_a_password_changed_on_one_phone_logs_the_other_out_at_once(nuraini):
    first, second = phone(nuraini), phone(nuraini)
    response = first.post(
        "/akun/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert not logged_out(first), "the phone that changed it stays logged in"
    assert logged_out(second)
    assert Client().login(email=nuraini.user.email, password=NEW_PASSWORD)


def test_a_user_made_inactive_is_logged_out_at_once(nuraini):
    client = phone(nuraini)
    nuraini.user.is_active = False
    nuraini.user.save()
    assert logged_out(client)


def test_logging_out_ends_the_session_and_its_cached_copy(nuraini):
    client = phone(nuraini)
    cookie = client.cookies["sessionid"].value
    client.post("/akun/logout/")
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert logged_out(replay)
    assert not Session.objects.filter(session_key=cookie).exists()


def test_the_session_lives_in_the_database_when_the_cache_forgets_it(nuraini):
    """A Redis restart empties the cache: nobody is logged out (the row is read again)."""
    client = phone(nuraini)
    cache.clear()
    assert not logged_out(client)
