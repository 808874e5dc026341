"""Uploads in the admin: only images and documents of the listed kinds and sizes, checked by content.

Everything goes through the real admin add views as an editor of the branch would use them.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

pytestmark = pytest.mark.django_db

EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode."
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def editor_client(client, demo_site, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="redaksi@example.org", password="x")
    user.groups.add(Group.objects.get(name="Editor"))
    client.force_login(user)
    return client


def png(size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def office_file(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def post_image(client, name, content):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Foto kegiatan",
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
            "description": "Peserta pelatihan",
        },
    )


def post_document(client, name, content):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "Surat edaran",
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def refusal(response) -> str:
    """The error the editor reads next to the file field; the upload must not be stored."""
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors.get("file")
    assert errors, f"no error on the file field: {response.context['form'].errors}"
    assert len(errors) == 1, f"one reason, not a pile: {errors}"
    return " ".join(errors).replace("\xa0", " ")


# -- images ------------------------------------------------------------------------------------------


def test_a_photo_is_accepted(editor_client):
    response = post_image(editor_client, "kegiatan.png", png())
    assert response.status_code == 302
    assert get_image_model().objects.filter(title="Foto kegiatan").count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("foto.jpg", EXE),
        ("foto.png", HTML),
        ("foto.png", SVG),
        ("logo.svg", SVG),
        ("program.exe", EXE),
        ("halaman.html", HTML),
    ],
)
def test_images_that_are_not_what_they_claim_are_refused(editor_client, name, content):
    message = refusal(post_image(editor_client, name, content))
    # Wagtail's own messages, in the editor's language: not an image, or not a supported format.
    assert "gambar" in message.lower() or "format" in message.lower(), message
    assert not get_image_model().objects.filter(title="Foto kegiatan").exists()


def test_an_image_in_another_format_than_its_extension_is_refused(editor_client):
    message = refusal(post_image(editor_client, "foto.jpg", png()))
    assert ".jpeg" in message or "jpeg" in message.lower(), message


def test_an_oversized_image_is_refused(editor_client, settings):
    padded = png() + b"\x00" * (settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE + 1)
    message = refusal(post_image(editor_client, "besar.png", padded))
    assert "terlalu besar" in message and "maksimum 10,0 MB" in message, message


def test_an_image_with_too_many_pixels_is_refused(editor_client, settings):
    # 8100 x 8100 pixels, a few kilobytes as a black-and-white PNG: a decompression bomb in small.
    message = refusal(post_image(editor_client, "bom.png", png(size=(8100, 8100), mode="1")))
    assert str(settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS) in message.replace(".", "").replace(",", ""), message


# -- documents ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("surat.pdf", PDF),
        ("laporan.docx", office_file("word/document.xml")),
        ("anggaran.xlsx", office_file("xl/workbook.xml")),
        ("peserta.csv", b"Nama;Kecamatan\nSiti Aminah;Talawi\n"),
        ("catatan.txt", b"Rapat pengurus, Sabtu pukul 09.00 WIB."),
    ],
)
def test_documents_are_accepted(editor_client, name, content):
    response = post_document(editor_client, name, content)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert get_document_model().objects.get(title="Surat edaran").file_extension == name.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.exe", EXE),
        ("halaman.html", HTML),
        ("gambar.svg", SVG),
        ("arsip.zip", office_file("word/document.xml")),
    ],
)
def test_documents_of_other_kinds_are_refused_by_extension(editor_client, name, content):
    message = refusal(post_document(editor_client, name, content))
    assert "pdf" in message and "docx" in message, message  # Wagtail names the allowed extensions
    assert not get_document_model().objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("surat.pdf", EXE),
        ("surat.pdf", HTML),
        ("laporan.docx", EXE),
        ("laporan.docx", office_file("xl/workbook.xml")),
        ("anggaran.xlsx", b"PK\x03\x04 not really a zip"),
        ("catatan.txt", HTML),
        ("catatan.txt", SVG),
        ("peserta.csv", EXE),
        ("surat.odt", PDF),
    ],
)
def test_documents_renamed_to_an_allowed_extension_are_refused(editor_client, name, content):
    message = refusal(post_document(editor_client, name, content))
    extension = name.rsplit(".", 1)[1]
    assert f"bukan dokumen .{extension}" in message, message
    assert not get_document_model().objects.exists()


def test_an_oversized_document_is_refused(editor_client, settings):
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == 20 * 1024 * 1024
    big = PDF + b"0" * settings.WAGTAILDOCS_MAX_UPLOAD_SIZE
    message = refusal(post_document(editor_client, "besar.pdf", big))
    assert "terlalu besar" in message and "maksimum 20,0 MB" in message, message
    assert not get_document_model().objects.exists()


def test_replacing_a_document_file_is_checked_too(editor_client):
    assert post_document(editor_client, "surat.pdf", PDF).status_code == 302
    document = get_document_model().objects.get()
    response = editor_client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "Surat edaran", "file": SimpleUploadedFile("surat.pdf", HTML), "collection": document.collection_id},
    )
    assert "bukan dokumen .pdf" in refusal(response)
    document.refresh_from_db()
    with document.file.open() as handle:
        assert handle.read().startswith(b"%PDF-")
    # Editing only the title keeps the file without re-checking it.
    response = editor_client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "Surat edaran 2", "collection": document.collection_id},
    )
    assert response.status_code == 302


# -- the member import (admin page of coordinators) --------------------------------------------------


@pytest.fixture
def coordinator_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(("name", "content"), [("anggota.exe", EXE), ("anggota.html", HTML), ("anggota.csv", EXE)])
def test_member_import_refuses_other_files(coordinator_client, name, content):
    response = coordinator_client.post(reverse("members_import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_member_import_refuses_an_oversized_file(coordinator_client):
    from members import imports

    big = b"Nama,Email\n" + b"x" * imports.MAX_UPLOAD_BYTES
    response = coordinator_client.post(reverse("members_import"), {"file": SimpleUploadedFile("anggota.csv", big)})
    assert response.status_code == 400
    assert "10 MB" in " ".join(response.context["form"].errors["file"])


def test_member_import_cleans_control_characters_from_cells(coordinator_client, django_capture_on_commit_callbacks):
    """NUL in a cell once made PostgreSQL refuse the insert (a 500); it becomes a space."""
    from members.models import ImportJob, Member

    rows = "Nama,Email,Desa\nSiti\x00Aminah,siti.impor@example.org,Labuhan\x00Ruku\n"
    with django_capture_on_commit_callbacks(execute=True):  # the import job runs in-process (no REDIS_URL)
        response = coordinator_client.post(
            reverse("members_import"), {"file": SimpleUploadedFile("anggota.csv", rows.encode())}
        )
    assert response.status_code == 302 and ImportJob.objects.get().state == "finished"
    member = Member.objects.get(user__email="siti.impor@example.org")
    assert (member.full_name, member.village) == ("Siti Aminah", "Labuhan Ruku")


# -- the admin's multiple uploader (what "Add an image" / "Add a document" opens) ---------------------


@pytest.mark.parametrize(
    ("url_name", "name", "content", "accepted"),
    [
        ("wagtailimages:add_multiple", "kegiatan.png", png(), True),
        ("wagtailimages:add_multiple", "kegiatan.png", HTML, False),
        ("wagtailimages:add_multiple", "logo.svg", SVG, False),
        ("wagtaildocs:add_multiple", "surat.pdf", PDF, True),
        ("wagtaildocs:add_multiple", "surat.pdf", HTML, False),
        ("wagtaildocs:add_multiple", "program.exe", EXE, False),
    ],
)
def test_the_multiple_uploader_applies_the_same_rules(editor_client, url_name, name, content, accepted):
    response = editor_client.post(
        reverse(url_name),
        {"files[]": SimpleUploadedFile(name, content), "collection": Collection.get_first_root_node().pk},
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is accepted, answer
    if not accepted:
        assert answer["error_message"].strip()
        assert "\n" not in answer["error_message"].strip(), "one reason, not a pile"
