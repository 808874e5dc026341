"""The private calendar address: staff never see its secret, and its member can change it (issue 13, 16)."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from members import accounts
from members import enrollment as service
from members.models import Member
from tests.people import JUMAT, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_coordinators_never_see_a_members_calendar_token(client, roles, make_person):
    jumat = make_person(JUMAT)
    secrets = [jumat.calendar_token, Member.objects.get(user=roles.member).calendar_token]
    client.force_login(roles.coordinator)
    listing = reverse("wagtailsnippets_members_member:list")
    inspect = client.get(reverse("wagtailsnippets_members_member:inspect", args=[jumat.pk]))
    assert inspect.status_code == 200 and "Jum&#x27;at Lubis" in inspect.content.decode()
    csv_export = client.get(listing + "?export=csv")
    assert "Muhammad Jum'at Lubis" in body(csv_export).decode()
    xlsx_export = load_workbook(io.BytesIO(body(client.get(listing + "?export=xlsx"))))
    cells = [str(cell) for row in xlsx_export.worksheets[0].iter_rows(values_only=True) for cell in row]
    pages = [inspect.content.decode(), body(csv_export).decode(), " ".join(cells)]
    for response in (
        client.get(listing),
        client.get(reverse("wagtailsnippets_members_member:history", args=[jumat.pk])),
    ):
        pages.append(response.content.decode())
    for page in pages:
        for secret in secrets:
            assert secret not in page


def test_a_member_gets_a_new_calendar_address_and_the_old_one_stops_working(roles, make_training):
    member = Member.objects.get(user=roles.member)
    service.enroll(member=member, training=make_training(title="Pelatihan Kopi & Kue"))
    old_feed = reverse("members:calendar_feed", args=[member.calendar_token])
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(email=NURAINI.email, password=PASSWORD)
    assert browser.get(old_feed).status_code == 200
    dashboard = browser.get(reverse("members:dashboard")).content.decode()
    assert old_feed in dashboard

    # Without the form's CSRF token (a forged cross-site POST) nothing changes.
    assert browser.post(reverse("members:calendar_rotate")).status_code == 403
    assert browser.get(old_feed).status_code == 200

    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', dashboard).group(1)
    response = browser.post(reverse("members:calendar_rotate"), {"csrfmiddlewaretoken": csrf}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alamat kalender Anda telah diganti" in page
    member.refresh_from_db()
    new_feed = reverse("members:calendar_feed", args=[member.calendar_token])
    assert new_feed != old_feed and new_feed in page and old_feed not in page
    assert browser.get(old_feed).status_code == 404
    assert Client().get(old_feed).status_code == 404
    feed = Client().get(new_feed)
    assert feed.status_code == 200 and "Pelatihan Kopi & Kue" in feed.content.decode()


def test_rotating_needs_a_log_in_and_a_post(client, roles):
    member = Member.objects.get(user=roles.member)
    token = member.calendar_token
    assert client.post(reverse("members:calendar_rotate")).status_code == 302  # to the log-in
    client.force_login(roles.member)
    assert client.get(reverse("members:calendar_rotate")).status_code == 405
    member.refresh_from_db()
    assert member.calendar_token == token


def test_rotate_service_makes_a_fresh_256_bit_secret(roles):
    member = Member.objects.get(user=roles.member)
    old = member.calendar_token
    new = accounts.member_calendar_token_rotate(member=member)
    assert new != old and len(new) == 43
    assert Member.objects.get(pk=member.pk).calendar_token == new
    assert not Member.objects.filter(calendar_token=old).exists()
