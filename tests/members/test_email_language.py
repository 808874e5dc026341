"""Each member's email is written, whole, in the language they chose (issue 14, item 4).

The messages are read back from a real SMTP server (aiosmtpd) with Python's ``email``
package: subject, text/plain, HTML, the date and time (WIB) and the .ics are all in one
language, the member's, whatever language the page that caused the email was shown in.
"""

from datetime import datetime

import pytest
from django.utils import translation

from core.clock import WIB
from members.models import Member
from tests.people import JUMAT, KHADIJAH, NURAINI, PASSWORD
from tests.worker import deliver_all

pytestmark = pytest.mark.django_db

# A Saturday in December: the day and the month are words that differ in the two languages.
STARTS_AT = datetime(2030, 12, 14, 9, 0, tzinfo=WIB)
TITLE = "Pelatihan Kader Ma'had Al-Ma'arif & Kopi"


def mail_to(smtp_server, address):
    [message] = [m for m in smtp_server.messages if m["To"] == address]
    return message


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",))
    calendars = [
        part.get_content() for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    return message["Subject"].strip(), text, html.get_content() if html else "", "".join(calendars)


@pytest.fixture
def training(make_training):
    return make_training(title=TITLE, starts_at=STARTS_AT, ends_at=STARTS_AT.replace(hour=16))


def enroll_through_the_site(client, member, training, *, site_language):
    client.cookies["django_language"] = site_language
    client.force_login(member.user)
    response = client.post(f"/anggota/pelatihan/{training.pk}/daftar/")
    assert response.status_code == 302


def test_a_member_who_chose_english_gets_the_whole_confirmation_in_english(
    client, smtp_server, make_person, training, django_capture_on_commit_callbacks
):
    member = make_person(NURAINI, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        # The page was in Indonesian (another phone, say): the email still follows the profile.
        enroll_through_the_site(client, member, training, site_language="id")
    deliver_all()

    subject, text, html, calendar = parts(mail_to(smtp_server, NURAINI.email))
    assert subject == f"Your seat is confirmed: {TITLE}"
    assert "Hello Nur'aini Siregar," in text
    assert "Your seat is confirmed." in text
    assert "Saturday, 14 December 2030, 09.00–16.00 WIB" in text  # noqa: RUF001
    assert "Kursi" not in text and "Sabtu" not in text and "Desember" not in text
    assert "Saturday, 14 December 2030" in html and '<html lang="en">' in html
    assert "Your trainings" in html
    assert "Who may join" in calendar


def test_a_member_who_reads_indonesian_gets_indonesian_dates_from_an_english_page(
    client, smtp_server, make_person, training, django_capture_on_commit_callbacks
):
    member = make_person(JUMAT)  # no language chosen: Indonesian, the default
    with django_capture_on_commit_callbacks(execute=True):
        enroll_through_the_site(client, member, training, site_language="en")
    deliver_all()

    subject, text, html, calendar = parts(mail_to(smtp_server, JUMAT.email))
    assert subject == f"Kursi Anda terkonfirmasi: {TITLE}"
    assert "Kursi Anda sudah terkonfirmasi." in text
    assert "Sabtu, 14 Desember 2030, 09.00–16.00 WIB" in text  # noqa: RUF001
    assert "Saturday" not in text and "December" not in text
    assert "Sabtu, 14 Desember 2030" in html and '<html lang="id">' in html
    assert "Yang boleh ikut" in calendar


def test_an_announcement_reaches_each_member_in_their_own_language(
    smtp_server, make_person, make_training, django_capture_on_commit_callbacks
):
    make_person(NURAINI, language="en", announcements_opt_in=True)
    make_person(KHADIJAH, announcements_opt_in=True)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        make_training(title=TITLE, starts_at=STARTS_AT, ends_at=STARTS_AT.replace(hour=16))
    deliver_all()

    subject, text, html, _ = parts(mail_to(smtp_server, NURAINI.email))
    assert subject == f"New training: {TITLE}"
    assert "Saturday, 14 December 2030" in text and "Saturday, 14 December 2030" in html
    subject, text, html, _ = parts(mail_to(smtp_server, KHADIJAH.email))
    assert subject == f"Pelatihan baru: {TITLE}"
    assert "Sabtu, 14 Desember 2030" in text and "Sabtu, 14 Desember 2030" in html
    assert "Saturday" not in text + html


def test_allauth_mail_follows_the_member_language(client, smtp_server, demo_site, django_capture_on_commit_callbacks):
    # Signing up on the Indonesian site, choosing English for the email.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/akun/signup/",
            {
                "full_name": "Nur'aini Siregar",
                "email": "nuraini.en@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "language": "en",
                "privacy_agreed": "on",
            },
        )
    assert response.status_code == 302
    member = Member.objects.get(user__email="nuraini.en@example.org")
    assert member.language == "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/akun/password/reset/", {"email": "nuraini.en@example.org"})
    deliver_all()

    confirmation, reset = [m for m in smtp_server.messages if m["To"] == "nuraini.en@example.org"]
    assert "Please Confirm Your Email Address" in confirmation["Subject"]
    assert "Mohon" not in confirmation.get_body(preferencelist=("plain",)).get_content()
    assert "Password Reset Email" in reset["Subject"]


def test_the_profile_and_the_language_switcher_set_the_language_of_email(client, make_person):
    member = make_person(NURAINI)
    client.force_login(member.user)

    response = client.get("/bahasa/en/", {"next": "/anggota/"})
    assert response.cookies["django_language"].value == "en"
    member.refresh_from_db()
    assert member.language == "en"

    page = client.get("/anggota/profil/").content.decode()
    assert 'name="language"' in page
    form = {
        "full_name": member.full_name,
        "phone": "0812-6123-4501",
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "district": member.district_id,
        "village": member.village,
        "cadre_level": member.cadre_level,
        "occupation": member.occupation,
        "language": "id",
        "privacy_agreed": "on",
    }
    response = client.post("/anggota/profil/", form)
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "id"  # the site follows the profile
    member.refresh_from_db()
    assert member.language == "id"
