"""Production serves static files under hashed names, compressed, cached by browsers for a year."""

import gzip
import json
import re
import secrets

import brotli
import pytest

from .processes import ROOT, get, gunicorn, manage, project_env

pytestmark = pytest.mark.slow

# Wagtail's and the other packages' own files (their admin) make collectstatic take half a
# minute; the site's files go through the same storage, which is what is checked here.
THIRD_PARTY = ("wagtail*", "allauth*", "modelcluster*", "django_filters*", "taggit*")


def test_production_serves_hashed_compressed_static_files_with_a_long_max_age(tmp_path):
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    ignore = [arg for pattern in THIRD_PARTY for arg in ("--ignore", pattern)]
    result = manage("collectstatic", "--no-input", "-v0", *ignore, env=env)
    assert result.returncode == 0, result.stderr
    hashed = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]["css/site.css"]
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", hashed)
    # Templates link the hashed name.
    show = "from django.templatetags.static import static; print(static('css/site.css'))"
    shown = manage("shell", "-c", show, env=env)
    assert shown.stdout.strip().splitlines()[-1] == f"/static/{hashed}"

    original = (ROOT / "site" / "static" / "css" / "site.css").read_bytes()
    url = f"/static/{hashed}"
    with gunicorn(env, ready_path=url) as base_url:
        answers = {
            encoding: get(base_url + url, **({"Accept-Encoding": encoding} if encoding else {}))
            for encoding in ("gzip", "br", "")
        }
    for encoding, (status, headers, body) in answers.items():
        headers = {name.lower(): value for name, value in headers.items()}
        assert status == 200
        max_age = int(re.search(r"max-age=(\d+)", headers["cache-control"]).group(1))
        assert max_age >= 365 * 24 * 3600 and "immutable" in headers["cache-control"]
        assert "accept-encoding" in headers["vary"].lower()
        if encoding == "gzip":
            assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == original
        elif encoding == "br":
            assert headers["content-encoding"] == "br" and brotli.decompress(body) == original
        else:
            assert "content-encoding" not in headers and body == original
    assert len(answers["br"][2]) < len(answers["gzip"][2]) < len(original) / 2
