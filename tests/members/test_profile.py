"""The member area: dashboard, profile and its validation, in Indonesian."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from core.models import District
from members import accounts
from members.models import Member

from .conftest import make_member

pytestmark = pytest.mark.django_db


def profile_data(**overrides):
    data = {
        "full_name": "Siti Aminah",
        "phone": "0812-3456-7890",
        "gender": "female",
        "birth_date": "1995-04-17",
        "district": District.objects.get(slug="talawi").pk,
        "village": "Labuhan Ruku",
        "cadre_level": "pkd",
        "member_number": "",
        "occupation": "Pedagang",
        "business_name": "Abon Ikan Bu Siti",
        "business_sector": "Makanan olahan",
        "business_description": "Abon ikan tongkol.",
        "privacy_agreed": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_dashboard_needs_a_log_in(client, demo_site):
    response = client.get("/anggota/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


def test_pending_member_is_told_they_await_verification_and_what_is_missing(member_client):
    response = member_client.get("/anggota/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Halo, Siti Aminah" in html
    assert "menunggu verifikasi" in html
    assert "Sebelum dapat mendaftar pelatihan, lengkapi:" in html
    assert "nomor telepon/WhatsApp" in html
    assert "tanggal lahir" in html
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


def test_complete_profile_is_saved_with_the_phone_in_e164(member_client, member):
    response = member_client.post("/anggota/profil/", profile_data())
    assert response.status_code == 302
    assert response["Location"] == "/anggota/"
    member.refresh_from_db()
    assert member.phone == "+6281234567890"
    assert member.district.name == "Talawi"
    assert member.birth_date == datetime.date(1995, 4, 17)
    assert member.announcements_opt_in is False
    html = member_client.get("/anggota/").content.decode()
    assert "Profil Anda sudah lengkap" in html
    assert accounts.member_completeness(member=member).complete


def test_bad_phone_is_refused_in_indonesian(member_client, member):
    response = member_client.post("/anggota/profil/", profile_data(phone="12345"))
    assert response.status_code == 200
    assert "Masukkan nomor telepon atau WhatsApp yang valid" in response.content.decode()
    member.refresh_from_db()
    assert member.phone == ""


def test_future_birth_date_is_refused_in_indonesian(member_client, member):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = member_client.post("/anggota/profil/", profile_data(birth_date=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "Tanggal lahir tidak boleh di masa depan." in response.content.decode()
    member.refresh_from_db()
    assert member.birth_date is None


def test_too_young_is_refused(member_client):
    ten_years_ago = timezone.localdate().replace(year=timezone.localdate().year - 10)
    response = member_client.post("/anggota/profil/", profile_data(birth_date=ten_years_ago.isoformat()))
    assert "Anggota harus berusia minimal 17 tahun." in response.content.decode()


def test_missing_privacy_consent_is_refused_in_indonesian(member_client, member):
    response = member_client.post("/anggota/profil/", profile_data(privacy_agreed=None))
    assert response.status_code == 200
    assert "Anda harus menyetujui pemberitahuan privasi." in response.content.decode()
    member.refresh_from_db()
    assert member.phone == ""


def test_announcements_are_opt_in(member_client, member):
    member_client.post("/anggota/profil/", profile_data(announcements_opt_in="on"))
    member.refresh_from_db()
    assert member.announcements_opt_in is True


def test_a_member_only_ever_sees_and_changes_their_own_profile(client, demo_site):
    siti = make_member("siti@example.org", full_name="Siti Aminah")
    rahmat = make_member("rahmat@example.org", full_name="Rahmat Hidayat", phone="+6281111111111")
    client.force_login(siti.user)
    # The member pages take no IDs: there is nothing to guess.
    html = client.get("/anggota/profil/").content.decode()
    assert "Siti Aminah" in html
    assert "Rahmat" not in html
    assert client.get(f"/anggota/profil/{rahmat.pk}/").status_code == 404
    assert client.get(f"/anggota/data/?id={rahmat.pk}").content.decode().count("Rahmat") == 0
    client.post(f"/anggota/profil/?id={rahmat.pk}", profile_data(full_name="Diubah", member=rahmat.pk))
    rahmat.refresh_from_db()
    assert rahmat.full_name == "Rahmat Hidayat"
    # ... nor the admin's member list.
    assert client.get("/admin/snippets/members/member/").status_code == 302


def test_staff_without_a_profile_are_told_so_and_nothing_is_written(roles, make_training):
    """Issue 13 (16): visiting the member area as staff used to create an empty member row."""
    from tests.people import PASSWORD

    training = make_training()
    members_before = Member.objects.count()
    for staff in (roles.coordinator, roles.editor, roles.superuser):
        client = Client()
        assert client.post("/akun/login/", {"login": staff.email, "password": PASSWORD}).status_code == 302
        for url in ("/anggota/", "/anggota/profil/", "/anggota/profil/perubahan/"):
            response = client.get(url)
            html = response.content.decode()
            assert response.status_code == 200, url
            assert "Akun ini tidak memiliki profil anggota" in html, url
            assert 'href="/admin/"' in html, url
        client.post("/anggota/profil/", {"full_name": "Staf", "privacy_agreed": "on"})
        response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
        assert "Akun ini tidak memiliki profil anggota" in response.content.decode()
        assert client.post(f"/anggota/pelatihan/{training.pk}/batal/").status_code == 404
    assert Member.objects.count() == members_before
    assert not Member.objects.filter(user__in=[roles.coordinator, roles.editor, roles.superuser]).exists()


def test_privacy_notice_in_indonesian(client, demo_site):
    response = client.get("/privasi/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pemberitahuan Privasi" in html
    assert "/anggota/data/" in html
