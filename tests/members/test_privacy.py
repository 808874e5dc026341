"""Data export and account deletion."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from members.models import Member

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_data_export_is_a_json_download_with_the_profile(member_client, member):
    member.phone = "+6281234567890"
    member.village = "Labuhan Ruku"
    member.save()
    response = member_client.get("/anggota/data/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "siti@example.org"
    assert data["account"]["email_addresses"] == [{"email": "siti@example.org", "verified": True, "primary": True}]
    assert data["profile"]["full_name"] == "Siti Aminah"
    assert data["profile"]["phone"] == "+6281234567890"
    assert data["profile"]["village"] == "Labuhan Ruku"
    assert data["profile"]["status"] == "pending"
    assert data["profile"]["consents"]["privacy_notice_agreed_at"]


def test_account_deletion_needs_the_password(member_client, member):
    response = member_client.post("/anggota/hapus/", {"password": "bukan-ini"})
    assert response.status_code == 200
    assert "Kata sandi tidak benar." in response.content.decode()
    assert get_user_model().objects.filter(email="siti@example.org").exists()


def test_account_deletion_removes_personal_data(member_client, member):
    member.phone = "+6281234567890"
    member.village = "Labuhan Ruku"
    member.save()
    response = member_client.post("/anggota/hapus/", {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Akun dan data pribadi Anda telah dihapus." in member_client.get("/").content.decode()

    assert not get_user_model().objects.filter(email="siti@example.org").exists()
    assert not EmailAddress.objects.filter(email="siti@example.org").exists()
    shell = Member.objects.get(pk=member.pk)  # kept, anonymous, for attendance counts
    assert shell.user is None
    assert shell.full_name == shell.phone == shell.village == ""
    assert shell.birth_date is None
    assert shell.anonymised_at is not None
    # Logged out, and the old password opens nothing.
    assert member_client.get("/anggota/").status_code == 302
    response = member_client.post("/akun/login/", {"login": "siti@example.org", "password": PASSWORD})
    assert response.status_code == 200


def test_data_export_holds_the_decisions_attendance_emails_and_audit_entries_and_nothing_of_others(
    roles, make_person, make_training, django_capture_on_commit_callbacks
):
    """Issue 13, finding 13: the download lacked staff decisions, attendance, emails and audit entries."""
    from django.test import Client

    from members import accounts, attendance, enrollment
    from members.models import Enrollment
    from tasks.models import Notification
    from tests.people import JUMAT, NURAINI
    from tests.people import PASSWORD as PEOPLE_PASSWORD

    nuraini = Member.objects.get(user=roles.member)
    Member.objects.filter(pk=nuraini.pk).update(status=Member.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.member_verify(member=nuraini, by=roles.coordinator)
    jumat = make_person(JUMAT, gender=Member.Gender.MALE)
    training = make_training(title="Pelatihan Kopi & Kue")
    refused_training = make_training(requires_approval=True)

    client = Client()
    assert client.post("/akun/login/", {"login": NURAINI.email, "password": PEOPLE_PASSWORD}).status_code == 302
    client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
    client.post(f"/anggota/pelatihan/{refused_training.pk}/daftar/")
    mine = Enrollment.objects.get(member=nuraini, training=training)
    attendance.mark_attended(enrollment=mine, by=roles.coordinator)
    refused = Enrollment.objects.get(member=nuraini, training=refused_training)
    enrollment.reject(enrollment=refused, by=roles.coordinator, reason="Kuota kecamatan Talawi sudah penuh.")
    # Someone else's data, in the same trainings and the same outbox.
    his = enrollment.enroll(member=jumat, training=refused_training)
    enrollment.reject(enrollment=his, by=roles.coordinator, reason="Alasan untuk Jum'at saja.")

    response = client.get("/anggota/data/")
    text = response.content.decode()
    data = json.loads(text)

    profile = data["profile"]
    assert profile["status"] == "active" and profile["verified_at"]
    assert profile["verified_by"] == "Koordinator"  # a role, not the coordinator's address
    assert roles.coordinator.email not in text

    by_training = {row["training_id"]: row for row in data["enrollments"]}
    attended = by_training[training.pk]
    assert attended["training"] == "Pelatihan Kopi & Kue"
    assert attended["status"] == "confirmed" and attended["confirmed_at"]
    assert attended["attended"] is True and attended["attended_at"]
    assert attended["decided_by"] == "Koordinator"
    rejected = by_training[refused_training.pk]
    assert rejected["status"] == "rejected" and rejected["rejected_at"]
    assert rejected["reason"] == "Kuota kecamatan Talawi sudah penuh."

    kinds = {email["kind"] for email in data["emails"]}
    assert {"member_verified", "enrollment_confirmed", "enrollment_rejected"} <= kinds
    verified_mail = next(email for email in data["emails"] if email["kind"] == "member_verified")
    assert verified_mail["subject"] and verified_mail["created_at"] and verified_mail["status"]
    assert "Nur'aini Siregar" in verified_mail["text"]
    assert {email["to"] for email in data["emails"]} == {NURAINI.email}
    assert Notification.objects.filter(recipient=JUMAT.email).exists()

    actions = [(entry["action"], entry["by"]) for entry in data["audit_log"]]
    assert ("members.member.verify", "Koordinator") in actions
    assert ("members.enrollment.enroll", "self") in actions
    assert ("members.enrollment.attended", "Koordinator") in actions
    assert ("members.enrollment.reject", "Koordinator") in actions
    assert all(entry["at"] and entry["message"] for entry in data["audit_log"])

    for other in ("Jum'at", "Lubis", JUMAT.email, "Alasan untuk", JUMAT.phone_e164):
        assert other not in text, other
