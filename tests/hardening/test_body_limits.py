"""Request bodies are bounded by their path before anything reads them (issue 13, finding 15).

The audit posted a 50 MB anonymous multipart body to /akun/login/ and it was parsed: Django's
DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts. The admin's upload views keep their
own larger limits (README "Uploads (admin)").
"""

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.images import get_image_model
from wagtail.models import Collection

from members import imports
from tests.people import PASSWORD

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_a_50_mb_multipart_post_to_the_login_is_refused_unread(client, roles):
    junk = SimpleUploadedFile("lampiran.bin", b"\0" * (50 * MB))
    response = client.post("/akun/login/", {"login": roles.superuser.email, "password": PASSWORD, "lampiran": junk})
    assert response.status_code == 413
    html = response.content.decode()
    assert "Data terlalu besar" in html
    assert "paling banyak 256" in html
    assert 'class="site-header"' in html
    # The right password was in the form: it was never processed.
    assert logged_in_as(client) is None
    assert client.get("/admin/").status_code == 302


def test_ordinary_forms_still_post(client, roles):
    response = client.post("/akun/login/?next=/admin/", {"login": roles.editor.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_body_without_a_length_is_refused(client, demo_site):
    response = client.generic(
        "POST",
        "/akun/login/",
        b"login=a%40b.org&password=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "tanpa menyebutkan ukurannya" in response.content.decode()


def test_a_nonsense_length_is_a_bad_request(client, demo_site):
    response = client.generic("POST", "/akun/login/", b"", CONTENT_LENGTH="-5")
    assert response.status_code == 400


def noise_png(width: int, height: int) -> bytes:
    """A photo-sized PNG that does not compress: a few megabytes."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_editor_still_uploads_an_image_of_a_few_megabytes(roles):
    content = noise_png(1400, 1000)
    assert 3 * MB < len(content) < settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    client = Client()
    client.force_login(roles.editor)
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Panen rumput laut di Talawi",
            "file": SimpleUploadedFile("panen.png", content),
            "collection": Collection.get_first_root_node().pk,
            "description": "Kader memanen rumput laut",
        },
    )
    assert response.status_code == 302, response.status_code
    assert get_image_model().objects.filter(title="Panen rumput laut di Talawi").exists()


def test_an_upload_above_the_image_limit_is_refused_before_it_is_read(roles):
    client = Client()
    client.force_login(roles.editor)
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Terlalu besar", "file": SimpleUploadedFile("besar.png", b"\0" * (12 * MB))},
    )
    assert response.status_code == 413
    assert not get_image_model().objects.filter(title="Terlalu besar").exists()


def test_the_upload_views_limits_fit_their_largest_files():
    middleware_limits = settings.REQUEST_BODY_LIMITS
    assert middleware_limits["/admin/images/"] > settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    assert middleware_limits["/admin/documents/"] > settings.WAGTAILDOCS_MAX_UPLOAD_SIZE
    assert middleware_limits["/admin/members/import/"] > imports.MAX_UPLOAD_BYTES
    assert reverse("members_import").startswith("/admin/members/import/")
    for name in ("wagtaildocs:add", "wagtaildocs:add_multiple", "wagtaildocs_chooser:create"):
        assert reverse(name).startswith("/admin/documents/"), name
    for name in ("wagtailimages:add", "wagtailimages:add_multiple", "wagtailimages_chooser:create"):
        assert reverse(name).startswith("/admin/images/"), name
