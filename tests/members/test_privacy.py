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
