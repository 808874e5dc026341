"""A sign-up does not tell whether an address has an account (issue 13, finding 12).

The audit timed it: 0.94 s for a new address (the password is hashed), 0.03 s for a known
one (nothing was hashed). Timings belong in bench/; here the expensive step is counted:
the password hasher runs as often on both paths, and both answer alike.
"""

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher

from tasks.models import Notification
from tests.people import KHADIJAH, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client, email, name):
    data = {
        "full_name": name,
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "privacy_agreed": "on",
    }
    return client.post("/akun/signup/", data)


def test_a_known_address_costs_as_many_password_hashes_and_answers_the_same(
    client, make_person, django_capture_on_commit_callbacks
):
    make_person(NURAINI)
    hasher = type(get_hasher())
    answers = {}
    for label, person in (("known", NURAINI), ("new", KHADIJAH)):
        client.cookies.clear()
        with (
            mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = sign_up(client, person.email, person.full_name)
        answers[label] = (response.status_code, response["Location"], encode.call_count)
    assert answers["known"] == answers["new"] == (302, "/akun/confirm-email/", 1)
    # Each address got one email: "you already have an account" and the confirmation.
    assert Notification.objects.filter(recipient=NURAINI.email).count() == 1
    assert Notification.objects.filter(recipient=KHADIJAH.email).count() == 1
