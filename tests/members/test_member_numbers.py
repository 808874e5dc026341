"""Member numbers (issue 19): given at verification in the branch's pattern, unique, never given twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import District
from home.models import SiteSettings
from members import accounts, imports, personal_data
from members.models import Member
from tests.people import JUMAT, KHADIJAH, NURAINI

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def pending(make_person):
    def make(person, **fields):
        return make_person(person, status=Member.Status.PENDING, **fields)

    return make


def verified(member, by=None) -> str:
    accounts.member_verify(member=member, by=by)
    member.refresh_from_db()
    return member.member_number


@pytest.fixture
def nuraini(roles):
    """Nur'aini (Talawi), the roles' member, back to awaiting verification."""
    member = Member.objects.get(user=roles.member)
    member.status = Member.Status.PENDING
    member.save(update_fields=["status"])
    return member


def test_verification_gives_the_next_number_of_the_district_and_year(pending, nuraini, roles):
    talawi = District.objects.get(slug="talawi").code
    tiram = District.objects.get(slug="tanjung-tiram").code
    first = nuraini
    second = pending(KHADIJAH, district=District.objects.get(slug="talawi"))
    other = pending(JUMAT)
    assert first.member_number == ""
    assert verified(first, by=roles.coordinator) == f"1219.{talawi}.{YEAR}.0001"
    assert verified(second) == f"1219.{talawi}.{YEAR}.0002"
    assert verified(other) == f"1219.{tiram}.{YEAR}.0001"


def test_a_member_keeps_the_number_through_a_suspension(pending):
    member = pending(NURAINI)
    number = verified(member)
    accounts.member_suspend(member=member, by=None)
    member.refresh_from_db()
    assert verified(member) == number


def test_a_deleted_members_number_is_never_given_again(pending):
    first = pending(NURAINI)
    number = verified(first)
    personal_data.member_delete(user=first.user)
    later = pending(KHADIJAH, district=District.objects.get(slug="talawi"))
    assert verified(later) == number[:-4] + "0002"


def test_a_number_already_held_is_skipped(pending, make_person):
    talawi = District.objects.get(slug="talawi").code
    make_person(JUMAT, member_number=f"1219.{talawi}.{YEAR}.0001")  # imported with it
    assert verified(pending(NURAINI)) == f"1219.{talawi}.{YEAR}.0002"


def test_the_branch_sets_the_pattern_in_the_site_settings(pending, demo_site):
    settings = SiteSettings.objects.get()
    settings.member_number_pattern = "ANSOR-{district}/{seq:05d}"
    settings.full_clean()
    settings.save()
    talawi = District.objects.get(slug="talawi").code
    assert verified(pending(NURAINI)) == f"ANSOR-{talawi}/00001"
    for wrong in ("ANSOR-{district}", "{kecamatan}-{seq}", "{seq}-{seq}", "{seq"):
        settings.member_number_pattern = wrong
        with pytest.raises(ValidationError) as refused:
            settings.full_clean()
        assert "member_number_pattern" in refused.value.message_dict


def test_the_profile_shows_the_number_and_a_typed_one_is_refused_by_the_database_rule(client, pending):
    member = pending(NURAINI)
    number = verified(member)
    client.force_login(member.user)
    assert number in client.get("/anggota/profil/").content.decode()
    other = pending(JUMAT)
    other.member_number = number
    with pytest.raises(ValidationError):
        other.full_clean()


def test_exports_carry_the_number(client, nuraini, roles):
    number = verified(nuraini)
    client.force_login(roles.coordinator)
    export = b"".join(client.get("/admin/snippets/members/member/?export=csv").streaming_content).decode()
    assert number in export


def test_the_import_keeps_a_number_members_have_and_gives_the_others_one(demo_site):
    talawi = District.objects.get(slug="talawi").code
    sheet = (
        "nama;telepon;kecamatan;nomor_anggota\n"
        "Rahmat Ma'had;0812-7000-2222;Talawi;ANS-BB-0042\n"
        "Zainab Al-Ma'arif;0812-7000-3333;Talawi;\n"
        "Hasan Jum'at;0812-7000-4444;Talawi;ANS-BB-0042\n"
    )
    result = imports.import_members(file=SimpleUploadedFile("a.csv", sheet.encode()), filename="a.csv")
    assert (result.created, [error.row for error in result.errors]) == (2, [4])
    assert "row 2" in " ".join(result.errors[0].reasons) or "baris 2" in " ".join(result.errors[0].reasons)
    assert Member.objects.get(full_name="Rahmat Ma'had").member_number == "ANS-BB-0042"
    assert Member.objects.get(full_name="Zainab Al-Ma'arif").member_number == f"1219.{talawi}.{YEAR}.0001"
    again = "nama;telepon;kecamatan;nomor_anggota\nAmir Ma'had;0812-7000-5555;Talawi;ANS-BB-0042\n"
    result = imports.import_members(file=SimpleUploadedFile("b.csv", again.encode()), filename="b.csv")
    assert result.created == 0 and result.errors, "a number held by another member is refused"
