"""The key pages are valid HTML, as the Nu HTML Checker (vnu, the W3C's validator) reads them.

The pages are rendered by the site and checked in one Java run (the checker takes seconds to
start). ``make tools`` installs the checker into var/tools; without it or without Java the
test is skipped, except under ``REQUIRE_SERVICES=1`` (CI), where it fails.
"""

import json
import os
import shutil
import subprocess

import pytest
from django.conf import settings

from .people import NURAINI, PASSWORD

pytestmark = pytest.mark.django_db

VNU_JAR = settings.BASE_DIR / "var" / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PUBLIC_PAGES = {
    "home": "/",
    "news-index": "/berita/",
    "article": "/berita/rapat-koordinasi-umkm-agenda-prioritas/",
    "program": "/program/pemberdayaan-umkm-kader/",
    "training": "/program/pemberdayaan-umkm-kader/pelatihan-digital-marketing/",
    "login": "/akun/login/",
    "privacy": "/privasi/",
}
MEMBER_PAGES = {"dashboard": "/anggota/", "profile": "/anggota/profil/"}


def require_vnu() -> list[str]:
    java = shutil.which("java")
    problem = None
    if java is None:
        problem = "java is missing (apt-get install default-jre-headless)"
    elif not VNU_JAR.is_file():
        problem = f"{VNU_JAR} is missing (make tools)"
    if problem:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"the HTML validator cannot run: {problem}, and REQUIRE_SERVICES=1")
        pytest.skip(f"the HTML validator cannot run: {problem}")
    return [java, "-Xss4m", "-jar", str(VNU_JAR)]


def rendered_pages(client, make_person) -> dict[str, str]:
    pages = {}
    for name, path in PUBLIC_PAGES.items():
        response = client.get(path)
        assert response.status_code == 200, path
        pages[name] = response.content.decode()
    response = client.get("/halaman-yang-tidak-ada/")
    assert response.status_code == 404
    pages["404"] = response.content.decode()
    # Sign-up with errors on every field kind: a text field, the password (its rules are a list), the checkbox.
    response = client.post("/akun/signup/", {"full_name": "", "email": "nuraini@example", "password1": "123"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    pages["signup-with-errors"] = response.content.decode()

    make_person(NURAINI)
    assert client.login(email=NURAINI.email, password=PASSWORD)
    for name, path in MEMBER_PAGES.items():
        response = client.get(path)
        assert response.status_code == 200, path
        pages[name] = response.content.decode()
    response = client.post("/anggota/profil/", {"full_name": "", "phone": "bukan nomor"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    pages["profile-with-errors"] = response.content.decode()
    return pages


def test_key_pages_are_valid_html(client, make_person, tmp_path):
    command = require_vnu()
    pages = rendered_pages(client, make_person)
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(result.stderr)["messages"]
    errors = [message for message in messages if message.get("type") == "error"]
    assert not errors, "\n".join(
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}\n"
        f"    {message.get('extract', '').strip()}"
        for message in errors
    )
