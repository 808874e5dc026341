"""Issue 13, finding 8: a deleted member stays named nowhere in the audit log coordinators read.

The deletion used to log the released seats ("Storm 17 · 15 · cancelled") before erasing
the name, and left earlier entries (enrolled, rejected with a reason, verified) named.
"""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from members import accounts, enrollment
from members.models import Enrollment, Member
from tasks.models import Notification
from tests.people import JUMAT, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db

NAME_PARTS = ("Nur'aini", "Nur&#x27;aini", "Siregar", NURAINI.email)


def logged_in(user) -> Client:
    client = Client()
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_a_deleted_member_is_named_nowhere_in_the_admin_history(roles, make_person, make_training):
    # roles.member is Nur'aini Siregar; the branch had verified her.
    nuraini = Member.objects.get(user=roles.member)
    nuraini.status = Member.Status.PENDING
    nuraini.save()
    accounts.member_verify(member=nuraini, by=roles.coordinator)
    jumat = make_person(JUMAT, gender=Member.Gender.MALE)
    one_seat = make_training(capacity=1)
    other = make_training(requires_approval=True)

    member_client = logged_in(roles.member)
    member_client.post(f"/anggota/pelatihan/{one_seat.pk}/daftar/")
    member_client.post(f"/anggota/pelatihan/{other.pk}/daftar/")
    held = Enrollment.objects.get(member=nuraini, training=one_seat)
    assert held.status == Enrollment.Status.CONFIRMED
    waiting = enrollment.enroll(member=jumat, training=one_seat)
    assert waiting.status == Enrollment.Status.WAITLISTED
    refused = Enrollment.objects.get(member=nuraini, training=other)
    enrollment.reject(enrollment=refused, by=roles.coordinator, reason="Nur'aini Siregar sudah ikut angkatan lalu.")
    # An entry a coordinator's admin edit would write, with the profile in its data.
    log(instance=nuraini, action="wagtail.edit", user=roles.superuser, data={"email": NURAINI.email})

    response = member_client.post("/anggota/hapus/", {"password": PASSWORD})
    assert response.status_code == 302

    # The seat went to the waiting list as before.
    waiting.refresh_from_db()
    assert waiting.status == Enrollment.Status.CONFIRMED
    held.refresh_from_db()
    assert held.status == Enrollment.Status.CANCELLED

    coordinator = logged_in(roles.coordinator)
    superuser = logged_in(roles.superuser)
    urls = [
        "/admin/reports/site-history/",
        "/admin/reports/site-history/results/",
        f"/admin/snippets/members/enrollment/history/{held.pk}/",
        f"/admin/snippets/members/enrollment/history/{refused.pk}/",
        f"/admin/snippets/members/enrollment/inspect/{held.pk}/",
        f"/admin/snippets/members/member/history/{nuraini.pk}/",
    ]
    seen_entries = False
    for client in (coordinator, superuser):
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            html = response.content.decode()
            for part in NAME_PARTS:
                assert part not in html, (url, part)
            seen_entries |= "(anggota yang dihapus)" in html
    assert seen_entries  # the entries are there, without the name
    entries = ModelLogEntry.objects.filter(content_type__app_label="members")
    assert entries.count() >= 5
    for entry in entries:
        text = f"{entry.label} {entry.data}"
        assert not any(part in text for part in NAME_PARTS), text
    # Nor does the outbox keep the emails to her.
    assert not Notification.objects.filter(recipient=NURAINI.email).exists()


def test_the_migration_scrubs_members_deleted_before_the_fix(roles, make_training):
    nuraini = Member.objects.get(user=roles.member)
    training = make_training()
    held = enrollment.enroll(member=nuraini, training=training)
    enrollment.cancel(enrollment=held, by=roles.coordinator, by_staff=True, reason="Permintaan Nur'aini Siregar")
    # As the old deletion left it: the row anonymised, the entries still named.
    Member.objects.filter(pk=nuraini.pk).update(full_name="", user=None, anonymised_at="2025-01-01T00:00:00Z")
    named = ModelLogEntry.objects.filter(label__contains="Siregar")
    assert named.count() >= 2

    migration = importlib.import_module("members.migrations.0003_scrub_audit_of_deleted_members")
    migration.scrub(apps, None)

    assert not named.exists()
    entry = ModelLogEntry.objects.filter(action="members.enrollment.cancel", object_id=str(held.pk)).get()
    assert entry.label == f"(anggota yang dihapus) · {training.pk} · cancelled"
    assert entry.data == {"status": "cancelled"}
