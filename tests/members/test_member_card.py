"""The member card (issue 19): on the dashboard, as a PDF to print, and checked by anyone at /kta/<number>/.

The QR codes are decoded as a phone would: the dashboard's picture read by zxing-cpp, the PDF's
back page rendered by poppler's pdftoppm first.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members import accounts, personal_data
from members.models import Member
from tests.people import JUMAT, KHADIJAH, NURAINI

pytestmark = pytest.mark.django_db


def decode_qr(image: Image.Image) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.fixture
def verified(make_person, roles):
    """Nur'aini, verified by the coordinator: she has a number and a card."""
    member = Member.objects.get(user=roles.member)
    member.status = Member.Status.PENDING
    member.save(update_fields=["status"])
    accounts.member_verify(member=member, by=roles.coordinator)
    member.refresh_from_db()
    return member


def test_the_dashboard_shows_the_card_with_a_qr_code_to_its_check(client, verified):
    client.force_login(verified.user)
    page = client.get("/anggota/").content.decode()
    assert verified.member_number in page
    assert "Nur&#x27;aini Siregar" in page  # the name as written, escaped once
    assert "Talawi" in page and "PKD" in page
    qr = client.get("/anggota/kartu/qr.png")
    assert qr["Content-Type"] == "image/png"
    url = f"{settings.SITE_URL}/kta/{verified.member_number}/"
    assert decode_qr(Image.open(io.BytesIO(qr.content))) == [url]


def test_a_member_awaiting_verification_has_no_card_yet(client, make_person):
    member = make_person(JUMAT, status=Member.Status.PENDING)
    client.force_login(member.user)
    assert "kartu.pdf" not in client.get("/anggota/").content.decode()
    assert client.get("/anggota/kartu.pdf").status_code == 404
    assert client.get("/anggota/kartu/qr.png").status_code == 404


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_the_pdf_is_an_id1_card_front_and_back_with_the_number_and_a_working_qr_code(client, verified, tmp_path):
    from pypdf import PdfReader

    client.force_login(verified.user)
    response = client.get("/anggota/kartu.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "kta.pdf"
    pdf.write_bytes(response.content)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4, 1), round(float(box.height) / 72 * 25.4, 2)) == (85.6, 53.98)
    front = reader.pages[0].extract_text()
    assert verified.member_number in front and "Nur'aini Siregar" in front and "Talawi" in front
    subprocess.run(
        ["pdftoppm", "-r", "400", "-f", "2", "-l", "2", "-png", str(pdf), str(tmp_path / "back")], check=True
    )
    (back,) = tmp_path.glob("back*.png")
    assert decode_qr(Image.open(back)) == [f"{settings.SITE_URL}/kta/{verified.member_number}/"]


def test_the_check_says_valid_then_suspended_at_once_and_shows_name_pac_and_level_only(client, verified, roles):
    url = f"/kta/{verified.member_number}/"
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sah" in text or "Valid" in text
    assert "Nur&#x27;aini Siregar" in text and "Talawi" in text and "PKD" in text
    for private in (NURAINI.email, NURAINI.phone_e164, "Labuhan Ruku", "Pedagang", "1996"):
        assert private not in text
    accounts.member_suspend(member=verified, by=roles.coordinator)
    text = client.get(url).content.decode()
    assert "Ditangguhkan" in text or "Suspended" in text
    unknown = client.get("/kta/1219.06.2026.9999/")
    assert unknown.status_code == 404
    assert "Nur&#x27;aini" not in unknown.content.decode()


def photo_upload(name="wajah.jpg", size=(1600, 1200), exif=True) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 150, 100))
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Kamera Nur'aini"  # Make
        data[0x8825] = {1: "N", 2: (3.0, 10.0, 0.0)}  # GPS: where the photo was taken
        extra["exif"] = data.tobytes()
    image.save(out, format="JPEG", **extra)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_photo_is_resized_stripped_of_its_metadata_and_shown_on_the_card(client, verified):
    client.force_login(verified.user)
    response = client.post("/anggota/profil/foto/", {"photo": photo_upload()})
    assert response.status_code == 302
    verified.refresh_from_db()
    stored = Image.open(verified.photo.open("rb"))
    assert stored.format == "JPEG" and max(stored.size) <= 600
    assert not stored.getexif(), "the phone's metadata (camera, GPS) is gone"
    assert str(settings.MEDIA_ROOT) not in verified.photo.path, "kept privately, never under /media/"
    assert 'src="/anggota/kartu/foto.jpg"' in client.get("/anggota/").content.decode()
    assert client.get("/anggota/kartu/foto.jpg")["Content-Type"] == "image/jpeg"


def test_a_file_that_is_no_photo_is_refused_with_a_message(client, verified):
    client.force_login(verified.user)
    fake = SimpleUploadedFile("wajah.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post("/anggota/profil/foto/", {"photo": fake})
    assert response.status_code == 400
    assert "JPEG, PNG" in response.content.decode()
    verified.refresh_from_db()
    assert not verified.photo


def test_another_member_never_gets_the_photo_and_deletion_erases_it(
    client, verified, make_person, django_capture_on_commit_callbacks
):
    accounts.member_photo_set(member=verified, upload=photo_upload())
    verified.refresh_from_db()
    name, storage = verified.photo.name, verified.photo.storage
    other = make_person(KHADIJAH, status=Member.Status.PENDING)
    client.force_login(other.user)
    assert client.get("/anggota/kartu/foto.jpg").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        personal_data.member_delete(user=verified.user)
    assert not Member.objects.get(pk=verified.pk).photo
    assert not storage.exists(name), "the file goes once the deletion commits"
    assert client.get(f"/kta/{verified.member_number}/").status_code == 404
