"""Issue 13, finding 6: what eligibility depends on is locked once the branch verified a member.

A verified member sees gender, date of birth, district, cadre level and member number on
/anggota/profil/ but cannot change them (a tampered POST changes nothing, the service
refuses); a change goes to the coordinators as a request. An unverified member still edits them.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from core.models import District
from members import accounts
from members.models import Enrollment, Member
from tasks.models import Notification
from tests.people import JUMAT, PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_SENTENCE = "Data ini telah diverifikasi oleh cabang dan tidak dapat diubah di sini."


def logged_in(user) -> Client:
    client = Client()
    response = client.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def jumat(make_person):
    """Muhammad Jum'at Lubis: a man of Tanjung Tiram, PKD, verified by the branch."""
    return make_person(
        JUMAT,
        gender=Member.Gender.MALE,
        member_number="ANS-BB-0042",
        verified_at=timezone.now(),
    )


def tampered_profile(member, **overrides):
    """Everything the profile form sends, with the locked fields changed as an attacker would."""
    data = {
        "full_name": member.full_name,
        "phone": member.phone,
        "gender": "female",
        "birth_date": "2001-02-03",
        "district": District.objects.get(slug="talawi").pk,
        "village": member.village,
        "cadre_level": "pkn",
        "member_number": "PALSU-1",
        "occupation": "Guru ngaji",
        "business_name": member.business_name,
        "business_sector": "",
        "business_description": "",
        "privacy_agreed": "on",
    }
    data.update(overrides)
    return data


def test_verified_member_cannot_change_eligibility_data_and_stays_refused(jumat, make_training):
    talawi = District.objects.get(slug="talawi")
    women_only = make_training(gender="women")
    talawi_only = make_training()
    talawi_only.districts.set([talawi])
    talawi_only.save_revision().publish()
    advanced = make_training(min_cadre_level="pkn")
    client = logged_in(jumat.user)

    html = client.get("/anggota/profil/").content.decode()
    assert LOCKED_SENTENCE in html
    assert 'href="/anggota/profil/perubahan/"' in html
    for name in ("birth_date", "district", "cadre_level"):
        assert re.search(rf'<(input|select)[^>]*name="{name}"[^>]*disabled', html), name
    # The member number is the branch's: shown, never a field (members.numbers).
    assert "ANS-BB-0042" in html and 'name="member_number"' not in html
    assert re.search(r'<input[^>]*name="gender"[^>]*disabled', html)

    response = client.post("/anggota/profil/", tampered_profile(jumat))
    assert response.status_code == 302  # the rest of the profile is saved
    jumat.refresh_from_db()
    assert jumat.occupation == "Guru ngaji"
    assert jumat.gender == Member.Gender.MALE
    assert jumat.birth_date == datetime.date(1996, 8, 17)
    assert jumat.district.slug == "tanjung-tiram"
    assert jumat.cadre_level == Member.CadreLevel.PKD
    assert jumat.member_number == "ANS-BB-0042"

    refusals = {
        women_only: "Pelatihan ini khusus untuk perempuan.",
        talawi_only: "Pelatihan ini untuk kader dari kecamatan lain.",
        advanced: "Pelatihan ini mensyaratkan jenjang kader minimal",
    }
    for training, message in refusals.items():
        response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/", follow=True)
        assert message in response.content.decode(), training.title
    assert not Enrollment.objects.filter(member=jumat).exists()


def test_the_service_refuses_a_change_to_locked_fields(jumat):
    talawi = District.objects.get(slug="talawi")
    for name, value in {
        "district": talawi,
        "gender": Member.Gender.FEMALE,
        "birth_date": datetime.date(2000, 1, 1),
        "cadre_level": Member.CadreLevel.PKN,
    }.items():
        with pytest.raises(ValidationError) as raised:
            accounts.member_update_profile(member=jumat, privacy_agreed=True, **{name: value})
        assert raised.value.code == "locked_field", name
    with pytest.raises(TypeError):  # the member number is the branch's to give, never a profile field
        accounts.member_update_profile(member=jumat, privacy_agreed=True, member_number="LAIN-7")
    jumat.refresh_from_db()
    assert (jumat.district.slug, jumat.gender, jumat.cadre_level) == ("tanjung-tiram", "male", "pkd")
    # The same values, and the fields that are not locked, are fine.
    accounts.member_update_profile(
        member=jumat, privacy_agreed=True, district=jumat.district, gender="male", occupation="Nelayan tangkap"
    )
    jumat.refresh_from_db()
    assert jumat.occupation == "Nelayan tangkap"


def test_a_suspended_member_verified_before_cannot_change_them_either(jumat):
    accounts.member_suspend(member=jumat, by=None)
    jumat.refresh_from_db()
    with pytest.raises(ValidationError):
        accounts.member_update_profile(member=jumat, privacy_agreed=True, gender=Member.Gender.FEMALE)


def test_an_unverified_member_still_edits_them(make_person):
    member = make_person(JUMAT, gender=Member.Gender.MALE, status=Member.Status.PENDING)
    client = logged_in(member.user)
    html = client.get("/anggota/profil/").content.decode()
    assert LOCKED_SENTENCE not in html
    assert not re.search(r'name="district"[^>]*disabled', html)
    response = client.post("/anggota/profil/", tampered_profile(member, member_number="ANS-BB-0099"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.gender == "female"
    assert member.birth_date == datetime.date(2001, 2, 3)
    assert member.district.slug == "talawi"
    assert member.cadre_level == "pkn"
    # The member number is the branch's to give (at verification, members.numbers): a typed one is ignored.
    assert member.member_number == ""
    assert client.get("/anggota/profil/perubahan/")["Location"] == "/anggota/profil/"


def test_a_member_verified_before_completing_the_profile_fills_an_empty_field_once(make_person):
    member = make_person(JUMAT, gender=Member.Gender.MALE, birth_date=None, verified_at=timezone.now())
    client = logged_in(member.user)
    client.post("/anggota/profil/", tampered_profile(member, birth_date="1990-05-06"))
    member.refresh_from_db()
    assert member.birth_date == datetime.date(1990, 5, 6)  # filled in: it was empty
    assert member.gender == "male"  # the rest stayed locked
    client.post("/anggota/profil/", tampered_profile(member, birth_date="2001-02-03"))
    member.refresh_from_db()
    assert member.birth_date == datetime.date(1990, 5, 6)  # now locked too


def test_a_change_request_emails_the_coordinators_and_changes_nothing(jumat, roles):
    client = logged_in(jumat.user)
    talawi = District.objects.get(slug="talawi")
    html = client.get("/anggota/profil/perubahan/").content.decode()
    assert "Ajukan perubahan data" in html
    response = client.post(
        "/anggota/profil/perubahan/",
        {"district": talawi.pk, "cadre_level": "", "gender": "", "note": "Saya pindah ke Talawi & ikut ranting baru."},
        follow=True,
    )
    assert "Permintaan Anda telah dikirim kepada koordinator." in response.content.decode()
    jumat.refresh_from_db()
    assert jumat.district.slug == "tanjung-tiram"

    rows = Notification.objects.filter(kind="member_change_request")
    # The coordinator (verify_member) and the superuser; not the editor, not the member.
    assert {row.recipient for row in rows} == {roles.coordinator.email, roles.superuser.email}
    row = rows.get(recipient=roles.coordinator.email)
    assert "Muhammad Jum'at Lubis" in row.subject
    assert "Kecamatan: Tanjung Tiram → Talawi" in row.body_text
    assert "Saya pindah ke Talawi & ikut ranting baru." in row.body_text  # plain text, not escaped
    assert f"/admin/snippets/members/member/edit/{jumat.pk}/" in row.body_text

    # Three a day, then the member is told to wait; no more mail reaches the coordinators.
    for birth_year in (1991, 1992):
        response = client.post(
            "/anggota/profil/perubahan/", {"birth_date": f"{birth_year}-01-01", "note": "Salah ketik."}
        )
        assert response.status_code == 302, birth_year
    assert Notification.objects.filter(kind="member_change_request").count() == 2 * 3
    assert (
        "Anda sudah mengirim beberapa permintaan perubahan hari ini."
        in client.post("/anggota/profil/perubahan/", {"birth_date": "1994-01-01", "note": "Lagi."}).content.decode()
    )


def test_a_change_request_with_nothing_new_is_refused(jumat, roles):
    client = logged_in(jumat.user)
    response = client.post(
        "/anggota/profil/perubahan/", {"district": jumat.district_id, "note": "Tidak ada yang berubah."}
    )
    assert "Nilai yang diminta sama dengan data sekarang." in response.content.decode()
    assert not Notification.objects.filter(kind="member_change_request").exists()
