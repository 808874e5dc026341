"""Certificates: who gets one after the last session, the PDF as a reader and a phone's camera see it,
the public verification page (valid, then revoked), and a corrected name reissued with the same number."""

import html
import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import attendance, certificates
from members import enrollment as service
from members.models import Certificate, Member
from programs import sessions
from tasks.models import Notification
from tests.people import JUMAT, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(make_training, make_person, roles):
    """A two-day training that ended yesterday: Nur'aini came both days, Jum'at only the first."""
    start = (timezone.now() - timedelta(days=2)).replace(hour=1, minute=30, second=0, microsecond=0)
    training = make_training(
        title="Pemasaran Digital & Kemasan Ma'had Al-Ma'arif",
        sessions=[
            {
                "type": "session",
                "value": {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=6)).isoformat()},
            },
            {
                "type": "session",
                "value": {
                    "starts_at": (start + timedelta(days=1)).isoformat(),
                    "ends_at": (start + timedelta(days=1, hours=5)).isoformat(),
                },
            },
        ],
        signatories="Burhan - Ketua PC GP Ansor Batu Bara\nDewi Ariani Margolang - Sekretaris Dinas Koperasi dan UMKM",
    )
    nuraini = Member.objects.get(user=roles.member)
    both = service.enroll(member=nuraini, training=training, now=start - timedelta(days=7))
    one = service.enroll(member=make_person(JUMAT), training=training, now=start - timedelta(days=7))
    first, second = sessions.held_sessions(training=training)
    for session, who in ((first, both), (second, both), (first, one)):
        attendance.record(enrollment=who, session=session, by=roles.coordinator, at=session.starts_at)
    return training, both, one


def test_only_those_at_the_threshold_get_a_certificate_emailed_as_a_link(finished, roles):
    training, both, _one = finished
    issued = certificates.issue_for_training(training=training, by=roles.coordinator)
    assert [certificate.enrollment_id for certificate in issued] == [both.pk]
    (row,) = Notification.objects.filter(kind="certificate_issued")
    assert row.recipient == NURAINI.email and not row.attachments
    from tasks import outbox

    text = outbox.rendered(row).body_text
    number = issued[0].number
    assert f"/anggota/sertifikat/{number}/unduh/" in text and f"/sertifikat/{number}/" in text
    assert "Nur'aini Siregar" in text and "&#x27;" not in text
    # Issuing again gives nobody a second one.
    assert certificates.issue_for_training(training=training) == []


def test_no_certificate_before_the_last_session_ends(make_training):
    training = make_training(starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(certificates.CertificateError) as refused:
        certificates.issue_for_training(training=training)
    assert refused.value.code == "not_over"


def pdf_page_as_png(pdf: bytes, tmp_path) -> bytes:
    assert shutil.which("pdftoppm"), "pdftoppm (Debian's poppler-utils) is needed; .ci/run installs it"
    source = tmp_path / "sertifikat.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True)
    return (tmp_path / "page.png").read_bytes()


def test_the_pdf_says_who_what_and_where_to_check_and_its_qr_code_leads_there(finished, client, tmp_path):
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    training, _both, _one = finished
    (certificate,) = certificates.issue_for_training(training=training)
    client.login(email=NURAINI.email, password=PASSWORD)
    dashboard = client.get(reverse("members:dashboard")).content.decode()
    download = reverse("members:certificate_download", args=[certificate.number])
    assert download in dashboard

    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(pdf))
    (page,) = reader.pages
    assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595  # A4 landscape
    text = page.extract_text()
    url = certificates.verification_url(certificate)
    for expected in (
        "SERTIFIKAT",
        "Nur'aini Siregar",
        certificate.number,
        url,
        "Burhan",
        "Ketua PC GP Ansor Batu Bara",
    ):
        assert expected in text, (expected, text)
    assert "Ma'had Al-Ma'arif" in text
    fonts = {str(font) for font in page["/Resources"]["/Font"].values()}
    assert fonts  # embedded TrueType subsets, not a core font
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(pdf_page_as_png(pdf, tmp_path))))
    assert code.format == zxingcpp.BarcodeFormat.QRCode and code.text == url

    # Somebody else's number is not hers to download.
    client.logout()
    assert client.get(download).status_code == 302  # to the log-in


def test_verification_shows_valid_then_revoked_and_a_corrected_name_keeps_the_number(finished, client, roles):
    training, both, _one = finished
    (certificate,) = certificates.issue_for_training(training=training)
    page = reverse("certificate_verify", args=[certificate.number])

    valid = client.get(page).content.decode()
    assert "Berlaku" in valid and "Nur&#x27;aini Siregar" in valid and "Pemasaran Digital" in valid
    assert "Dicabut" not in valid and NURAINI.email not in valid and NURAINI.phone_e164 not in valid

    certificates.revoke(certificate=certificate, by=roles.coordinator, reason="Nama salah ketik")
    revoked = client.get(page).content.decode()
    assert "Dicabut" in revoked and "Nama salah ketik" not in revoked  # the reason stays with the branch
    client.login(email=NURAINI.email, password=PASSWORD)
    assert client.get(reverse("members:certificate_download", args=[certificate.number])).status_code == 410

    Member.objects.filter(pk=both.member_id).update(full_name="Nur'aini Siregar, S.Pd.")
    again = certificates.reissue(certificate=certificate, by=roles.coordinator)
    assert again.number == certificate.number and again.version == 2
    shown = client.get(page).content.decode()
    assert "Berlaku" in shown and "Nur&#x27;aini Siregar, S.Pd." in shown
    assert Notification.objects.filter(kind="certificate_issued").count() == 2

    assert client.get(reverse("certificate_verify", args=["2030-AAAA-BBBB"])).status_code == 404


def test_the_members_data_download_holds_each_day_checked_in_the_scans_and_the_certificate(finished, roles):
    """Attendance per day, the door's scans and the certificate are the member's data too (UU 27/2022)."""
    import json
    import uuid

    from django.test import Client

    training, both, one = finished
    first, _second = sessions.held_sessions(training=training)
    attendance.apply_scan(scan_id=uuid.uuid4(), session=first, by=roles.coordinator, token=both.token)
    (certificate,) = certificates.issue_for_training(training=training)
    certificates.revoke(certificate=certificate, by=roles.coordinator, reason="Nama salah ketik: Nur'aini")
    client = Client()
    assert client.post("/akun/login/", {"login": NURAINI.email, "password": PASSWORD}).status_code == 302
    text = client.get("/anggota/data/").content.decode()
    (row,) = json.loads(text)["enrollments"]
    assert row["training"] == "Pemasaran Digital & Kemasan Ma'had Al-Ma'arif"
    days = [(day["day"], day["recorded_by"]) for day in row["sessions_attended"]]
    assert days == [(1, "Koordinator"), (2, "Koordinator")]
    assert all(day["checked_in_at"] and day["session_starts_at"] for day in row["sessions_attended"])
    assert [(scan["result"], scan["scanned_by"]) for scan in row["checkin_scans"]] == [("already", "Koordinator")]
    issued = row["certificate"]
    assert issued["number"] == certificate.number and issued["holder_name"] == "Nur'aini Siregar"
    assert issued["verification_url"].endswith(f"/sertifikat/{certificate.number}/")
    assert issued["revoked_at"] and issued["revoked_reason"] == "Nama salah ketik: Nur'aini"
    assert issued["revoked_by"] == "Koordinator" and roles.coordinator.email not in text
    assert one.token.hex not in text and str(both.token) not in text  # no check-in code, hers or another's
    assert JUMAT.full_name not in text


def test_a_deleted_accounts_certificate_is_still_checked_but_names_nobody(finished, client, roles):
    """After "hapus akun" the public check page (anyone with the number) no longer shows the name,
    nor a revocation's reason; it says why the name is missing."""
    from members import personal_data

    training, _both, _one = finished
    (certificate,) = certificates.issue_for_training(training=training)
    certificates.revoke(certificate=certificate, by=roles.coordinator, reason="Nama Nur'aini Siregar salah ketik")
    certificates.reissue(certificate=certificate, by=roles.coordinator)
    certificates.revoke(certificate=certificate, by=roles.coordinator, reason="Dicabut: Nur'aini pindah cabang")
    personal_data.member_delete(user=roles.member)
    page = client.get(f"/sertifikat/{certificate.number}/").content.decode()
    assert "Pemasaran Digital &amp; Kemasan Ma&#x27;had Al-Ma&#x27;arif" in page and certificate.number in page
    assert "Dihapus atas permintaan pemegangnya" in page
    assert "Nur&#x27;aini" not in page and "Siregar" not in page
    certificate.refresh_from_db()
    assert (certificate.holder_name, certificate.revoked_reason) == ("", "")


def test_two_members_dashboards_asked_in_turn_each_show_their_own_trainings_and_certificate(finished, make_training):
    """The dashboard's lists (trainings, certificates) are queries compiled once per process
    (core.prepared) that take the member's id on every call: dashboards asked in turn, in one
    process, never show the other member's."""
    training, both, one = finished
    certificates.issue_for_training(training=training)
    number = Certificate.objects.get(enrollment=both).number
    service.enroll(member=one.member, training=make_training(title="Kelas Lanjutan Jum'at & Ma'had"))
    nuraini, jumat = Client(), Client()
    nuraini.force_login(both.member.user)
    jumat.force_login(one.member.user)
    for _ in range(3):
        mine = html.unescape(nuraini.get(reverse("members:dashboard")).content.decode())
        theirs = html.unescape(jumat.get(reverse("members:dashboard")).content.decode())
        assert f"/anggota/sertifikat/{number}/unduh/" in mine
        assert "/anggota/sertifikat/" not in theirs  # one day of two: no certificate
        assert "Kelas Lanjutan Jum'at & Ma'had" in theirs
        assert "Kelas Lanjutan" not in mine
        assert training.title in mine and training.title in theirs  # both took part
