"""A newcomer's first run: `PORT=8701 make run` serves there, links follow, and dev emails can be clicked.

The pieces are tested here (the whole `make run` takes minutes): the Makefile passes PORT to
runserver; the settings derive SITE_URL from PORT; seed_demo moves the Wagtail Site to
SITE_URL's host and port (canonical links, feeds); and the dev mail backend writes each email
as readable files under var/mail/ whose links are whole, unlike the console's quoted-printable.
"""

import io
import json
import re
import subprocess

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from .people import NURAINI, PASSWORD
from .processes import ROOT, free_port, manage, project_env

SHOW = (
    "shell",
    "-c",
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'site_url': s.SITE_URL, 'admin_url': s.WAGTAILADMIN_BASE_URL, 'mailer': s.MAILERS['default']}))",
)


def dev_settings(**env: str) -> dict:
    environment = project_env(DJANGO_SETTINGS_MODULE="config.settings.dev", **env)
    for name in ("SITE_URL", "EMAIL_URL", "PORT"):
        if name not in env:
            environment.pop(name, None)
    result = manage(*SHOW, env=environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the port ---------------------------------------------------------------------------------


def test_make_run_serves_on_the_port_it_is_given():
    port = str(free_port())
    result = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"manage.py runserver 127.0.0.1:{port}" in result.stdout
    assert f"Site:   http://127.0.0.1:{port}/" in result.stdout


@pytest.mark.slow
def test_site_url_follows_port_unless_set():
    port = free_port()
    loaded = dev_settings(PORT=str(port))
    assert loaded["site_url"] == f"http://127.0.0.1:{port}"
    assert loaded["admin_url"] == f"http://127.0.0.1:{port}"
    assert dev_settings()["site_url"] == "http://127.0.0.1:8000"
    explicit = dev_settings(PORT=str(port), SITE_URL="https://ansor-batubara.example/")
    assert explicit["site_url"] == "https://ansor-batubara.example"


@pytest.mark.django_db
def test_seed_demo_moves_the_site_to_the_port_and_canonical_links_and_feeds_follow(demo_site, settings, client):
    from wagtail.models import Site

    settings.SITE_URL = "http://127.0.0.1:8701"  # what PORT=8701 gives (above)
    call_command("seed_demo", verbosity=0)
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == ("127.0.0.1", 8701, "http://127.0.0.1:8701")

    html = client.get("/berita/", HTTP_HOST="127.0.0.1:8701").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8701/berita/">' in html
    assert 'href="http://127.0.0.1:8701/berita/feed/"' in html
    feed = client.get("/berita/feed/", HTTP_HOST="127.0.0.1:8701").content.decode()
    assert "<link>http://127.0.0.1:8701/berita/</link>" in feed
    assert ":8000" not in feed
    sitemap = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:8701").content.decode()
    assert "<loc>http://127.0.0.1:8701/" in sitemap

    # Back on the default port, the next run moves it back; a second run changes nothing.
    settings.SITE_URL = "http://127.0.0.1:8000"
    call_command("seed_demo", verbosity=0)
    assert Site.objects.get(is_default_site=True).port == 8000


# -- dev emails -------------------------------------------------------------------------------


@pytest.mark.slow
def test_dev_settings_write_emails_as_files_by_default_and_keep_any_other_email_url():
    assert dev_settings()["mailer"] == {
        "BACKEND": "core.devmail.EmailBackend",
        "OPTIONS": {"directory": str(ROOT / "var" / "mail")},
    }
    assert dev_settings(EMAIL_URL="consolemail://")["mailer"]["BACKEND"] == "core.devmail.EmailBackend"
    smtp = dev_settings(EMAIL_URL="smtp://127.0.0.1:2525")["mailer"]
    assert smtp["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.django_db
def test_the_confirmation_link_of_a_dev_email_is_whole_and_opens(
    demo_site, settings, client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "core.devmail.EmailBackend", "OPTIONS": {"directory": str(tmp_path)}}}
    cache.clear()  # allauth's sign-up rate limit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/akun/signup/",
            {
                "full_name": NURAINI.full_name,
                "email": NURAINI.email,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "privacy_agreed": "on",
            },
        )
    assert response.status_code == 302
    assert mail.outbox == []  # not the in-memory test mailbox: the dev backend took it

    [text_file] = tmp_path.glob("*.txt")  # allauth's confirmation is text only
    printed = capsys.readouterr().out
    assert f"Email to {NURAINI.email}: {text_file}\n" in printed
    text = text_file.read_text(encoding="utf-8")
    assert f"To: {NURAINI.email}" in text
    assert "=\n" not in text and "=3D" not in text  # no quoted-printable left
    [line] = [line for line in text.splitlines() if "/akun/confirm-email/" in line]
    assert len(line) > 76  # quoted-printable would have broken this line, and the link in it
    [link] = re.findall(r"https?://[^/\s]+(/akun/confirm-email/\S+/)", line)
    page = client.get(link)
    assert page.status_code == 200
    assert NURAINI.email in page.content.decode()


def test_dev_backend_writes_text_html_and_attachments_named_by_time_and_subject(tmp_path, settings):
    from django.core.mail import EmailMultiAlternatives

    from core.devmail import EmailBackend

    url = "http://127.0.0.1:8701/anggota/tawaran/" + "k" * 90 + "/"
    message = EmailMultiAlternatives(
        "Kursi untuk Anda: Kopi & Kue Ma'had", f"Terima tawaran ini:\n{url}\n", "noreply@localhost", [NURAINI.email]
    )
    message.attach_alternative(f'<p><a href="{url}">Kopi &amp; Kue</a></p>', "text/html")
    message.attach("pelatihan.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar; method=PUBLISH")
    out = io.StringIO()
    backend = EmailBackend(directory=str(tmp_path), stream=out)
    assert backend.send_messages([message, message]) == 2
    texts = sorted(tmp_path.glob("*.txt"))
    assert len(texts) == 2  # the same subject in the same instant never overwrites
    assert all("kursi-untuk-anda-kopi-kue-mahad" in path.name for path in texts)
    text = texts[0].read_text(encoding="utf-8")
    assert "Subject: Kursi untuk Anda: Kopi & Kue Ma'had" in text
    assert url in text
    [html] = sorted(tmp_path.glob("*.html"))[:1]
    assert f'href="{url}"' in html.read_text(encoding="utf-8")
    assert f"HTML: {html}" in text
    assert "BEGIN:VCALENDAR" in next(tmp_path.glob("*pelatihan.ics")).read_text(encoding="utf-8")
    assert out.getvalue().count(f"Email to {NURAINI.email}: ") == 2
