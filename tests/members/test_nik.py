"""The NIK under UU 27/2022 (issue 19): checked, stored encrypted, masked, kept out of exports,
matched on import without decrypting, and erased with the account."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from members import accounts, imports, nik, personal_data
from members.models import Member
from tests.people import JUMAT, NURAINI

pytestmark = pytest.mark.django_db

BORN = datetime.date(1996, 8, 17)  # the people fixtures' date of birth
NURAINI_NIK = "1219055708960001"  # Batu Bara (1219), Talawi, a woman: 17 + 40 = 57, 08, 96
JUMAT_NIK = "1219071708960002"  # a man: the day as it is
FEMALE, MALE = Member.Gender.FEMALE, Member.Gender.MALE


@pytest.mark.parametrize(
    ("value", "gender", "code"),
    [
        ("1219 0557 0896 0001", FEMALE, None),  # typed in groups, as on the e-KTP
        ("1275015708960001", FEMALE, None),  # Medan: another regency of North Sumatra
        ("3273015708960001", FEMALE, None),  # Bandung: checked by its form outside North Sumatra
        ("121905570896001", FEMALE, "nik_digits"),  # 15 digits
        ("12190557O8960001", FEMALE, "nik_digits"),  # a letter O for a zero
        ("9919055708960001", FEMALE, "nik_region"),  # no province 99
        ("1299055708960001", FEMALE, "nik_region"),  # no regency 99 in North Sumatra
        ("1219005708960001", FEMALE, "nik_region"),  # no district 00
        ("1219051708960001", FEMALE, "nik_gender"),  # the +40 rule: a woman's day is 41..71
        ("1219055708960001", MALE, "nik_gender"),  # a man's NIK never has a day above 40
        ("1219051808960002", MALE, "nik_birth_date"),  # 18 August, the profile says 17
        ("1219057209960001", FEMALE, "nik_date"),  # day 72 - 40 = 32
        ("1219055708960000", FEMALE, "nik_sequence"),
    ],
)
def test_validation(value, gender, code):
    if code is None:
        assert nik.nik_validate(value=value, birth_date=BORN, gender=gender).isdigit()
    else:
        with pytest.raises(ValidationError) as refused:
            nik.nik_validate(value=value, birth_date=BORN, gender=gender)
        assert refused.value.code == code


@pytest.fixture
def nuraini(roles):
    return Member.objects.get(user=roles.member)


def profile_post(member, **extra) -> dict:
    data = {
        "full_name": member.full_name,
        "phone": member.phone,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "district": member.district_id,
        "village": member.village,
        "cadre_level": member.cadre_level,
        "occupation": member.occupation,
        "language": "id",
        "privacy_agreed": "on",
    }
    data.update(extra)
    return data


def test_a_member_gives_the_nik_with_consent_and_nothing_readable_reaches_the_database(client, nuraini):
    client.force_login(nuraini.user)
    refused = client.post("/anggota/profil/", profile_post(nuraini, nik=NURAINI_NIK))
    assert refused.status_code == 200, "without consent the NIK is not kept, and the form says why"
    nuraini.refresh_from_db()
    assert nuraini.nik_ciphertext == ""
    response = client.post("/anggota/profil/", profile_post(nuraini, nik="1219 0557 0896 0001", nik_consent="on"))
    assert response.status_code == 302
    nuraini.refresh_from_db()
    assert nuraini.nik_consent_at is not None
    assert nik.nik_decrypt(ciphertext=nuraini.nik_ciphertext) == NURAINI_NIK
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nik_ciphertext, nik_hash FROM {Member._meta.db_table} WHERE id = %s",  # noqa: S608
            [nuraini.pk],
        )
        stored = " ".join(cursor.fetchone())
    for piece in (NURAINI_NIK, NURAINI_NIK[:6], NURAINI_NIK[6:12], "570896"):
        assert piece not in stored
    # The member sees it masked on the profile page, never sent back whole.
    page = client.get("/anggota/profil/").content.decode()
    assert "1219 **** **** 0001" in page and NURAINI_NIK not in page


def test_a_nik_held_by_another_member_is_refused(make_person, nuraini):
    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    other = make_person(JUMAT, status=Member.Status.PENDING, gender=FEMALE)
    with pytest.raises(ValidationError) as refused:
        accounts.member_update_profile(member=other, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    assert refused.value.code == "nik_taken"


def test_staff_read_it_masked_and_exports_leave_it_out_unless_the_permission_asks(client, nuraini, roles):
    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    inspect = f"/admin/snippets/members/member/inspect/{nuraini.pk}/"
    export = "/admin/snippets/members/member/?export=csv&nik=1"

    def body(response):
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return content.decode()

    client.force_login(roles.coordinator)
    page = body(client.get(inspect))
    assert "1219 **** **** 0001" in page and NURAINI_NIK not in page
    sheet = body(client.get(export))
    assert NURAINI.full_name in sheet and NURAINI_NIK not in sheet and "NIK" not in sheet.splitlines()[0]
    # A coordinator given the dedicated permission reads and exports it whole, when asking.
    roles.coordinator.user_permissions.add(Permission.objects.get(codename="view_member_nik"))
    roles.coordinator = type(roles.coordinator).objects.get(pk=roles.coordinator.pk)  # fresh permission cache
    client.force_login(roles.coordinator)
    assert NURAINI_NIK in body(client.get(inspect))
    assert NURAINI_NIK in body(client.get(export))
    assert NURAINI_NIK not in body(client.get("/admin/snippets/members/member/?export=csv"))


def test_the_nik_is_erased_with_the_account(nuraini):
    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    assert personal_data.member_export(user=nuraini.user)["profile"]["nik"] == NURAINI_NIK  # their own data
    personal_data.member_delete(user=nuraini.user)
    shell = Member.objects.get(pk=nuraini.pk)
    assert (shell.nik_ciphertext, shell.nik_hash, shell.nik_consent_at) == ("", "", None)


def test_the_import_matches_members_by_nik_and_refuses_a_duplicate(nuraini):
    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    sheet = (
        "nama;telepon;jenis_kelamin;tanggal_lahir;nik\n"
        "Nur'aini S.;0812-7000-6666;P;17/08/1996;1219055708960001\n"  # Nur'aini again, another phone
        "Rahmat Jum'at;0812-7000-7777;L;17/08/1996;1219071708960002\n"
        "Hasan Jum'at;0812-7000-8888;L;17/08/1996;1219 0717 0896 0002\n"  # the same NIK as row 3
        "Zainab;0812-7000-9999;P;17/08/1996;1219071708960003\n"  # a woman's NIK without the +40
    )
    job = imports.import_job_create(upload=SimpleUploadedFile("nik.csv", sheet.encode()), dry_run=False, by=None)
    imports.import_job_run(job_id=job.pk)
    rows = {row.number: row for row in job.rows.all()}
    assert rows[2].result == "skipped" and "NIK" in rows[2].reason
    assert rows[3].result == "created"
    assert rows[4].result == "refused" and "3" in rows[4].reason
    assert rows[5].result == "refused" and "NIK" in rows[5].reason
    assert "1219071708960003" not in rows[5].reason, "the report names no NIK"
    rahmat = Member.objects.get(full_name="Rahmat Jum'at")
    assert nik.nik_decrypt(ciphertext=rahmat.nik_ciphertext) == JUMAT_NIK
    assert JUMAT_NIK not in rahmat.nik_ciphertext


def test_a_new_key_reads_the_old_niks_through_the_fallback_until_the_command_rewrites_them(
    settings, nuraini, make_person
):
    """The key leaked (or someone who knew it left): a new key, the old one kept only to read, the
    command, then the old key dropped: every NIK still reads, duplicates are still found."""
    from django.core.management import call_command

    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    old_key = settings.FIELD_ENCRYPTION_KEY
    nuraini.refresh_from_db()
    before = (nuraini.nik_ciphertext, nuraini.nik_hash)

    settings.FIELD_ENCRYPTION_KEY = "a-new-key-after-the-old-one-leaked"
    settings.FIELD_ENCRYPTION_KEY_FALLBACKS = [old_key]
    assert personal_data.member_export(user=nuraini.user)["profile"]["nik"] == NURAINI_NIK
    other = make_person(JUMAT, status=Member.Status.PENDING, gender=FEMALE)
    with pytest.raises(ValidationError):  # still found under the old key's hash
        accounts.member_update_profile(member=other, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)

    call_command("rotate_field_encryption_key", stdout=io.StringIO())
    nuraini.refresh_from_db()
    assert nuraini.nik_ciphertext != before[0] and nuraini.nik_hash not in ("", before[1])
    call_command("rotate_field_encryption_key", stdout=io.StringIO())  # again: harmless

    settings.FIELD_ENCRYPTION_KEY_FALLBACKS = []  # the old key is gone now
    assert personal_data.member_export(user=nuraini.user)["profile"]["nik"] == NURAINI_NIK
    with pytest.raises(ValidationError):
        accounts.member_update_profile(member=other, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    # The old key alone reads nothing any more.
    settings.FIELD_ENCRYPTION_KEY = old_key
    assert nik.nik_decrypt(ciphertext=Member.objects.get(pk=nuraini.pk).nik_ciphertext) == ""


def test_the_command_says_when_a_nik_cannot_be_read_with_any_key(settings, nuraini):
    from django.core.management import CommandError, call_command

    accounts.member_update_profile(member=nuraini, privacy_agreed=True, nik=NURAINI_NIK, nik_consent=True)
    settings.FIELD_ENCRYPTION_KEY = "a-new-key-but-the-old-one-was-lost"
    with pytest.raises(CommandError, match="1 NIK"):
        call_command("rotate_field_encryption_key", stdout=io.StringIO())
    assert Member.objects.get(pk=nuraini.pk).nik_ciphertext  # left as it was, not erased
