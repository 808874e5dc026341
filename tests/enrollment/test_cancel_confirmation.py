"""Cancelling, as a member does it: a page asks first, and the email takes the event out of the calendar.

The cancel URL (``/anggota/pelatihan/<id>/batal/``, a public URL of docs/architecture.md) shows a
confirmation page on GET that changes nothing, and cancels on a POST carrying the member's CSRF token. The email that
follows (and the one for a training the branch cancelled) carries an .ics with METHOD:CANCEL,
the UID of the confirmation's .ics and a higher SEQUENCE, read here from the real emails as
the SMTP server received them.
"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from icalendar import Calendar

from members import enrollment as service
from members.models import Enrollment
from tests.people import JUMAT, KHADIJAH, NURAINI, PASSWORD

pytestmark = pytest.mark.django_db

TITLE = "Kopi & Kue: Usaha Rumahan Ma'had Al-Ma'arif"


def logged_in(person, *, csrf: bool = True) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(email=person.email, password=PASSWORD)
    return client


def publish(training, **changes):
    for name, value in changes.items():
        setattr(training, name, value)
    training.save_revision().publish()
    training.refresh_from_db()


def calendar_of(message):
    """The .ics attached to a received email: its part's METHOD parameter and the parsed calendar."""
    [part] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert part.get_filename() == "pelatihan.ics"
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def only_event(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def last_email_to(smtp_server, address):
    return [message for message in smtp_server.messages if message["To"] == address][-1]


def csrf_token(html: str) -> str:
    return BeautifulSoup(html, "html.parser").select_one("input[name=csrfmiddlewaretoken]")["value"]


@pytest.fixture
def enrolled(make_training, make_person, smtp_server, django_capture_on_commit_callbacks):
    """Nur'aini holds a seat, and has the confirmation email with its .ics."""
    member = make_person(NURAINI)
    training = make_training(title=TITLE, venue_name="Aula Ma'had Al-Ma'arif")
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=member, training=training)
    return member, training


def test_get_asks_to_confirm_and_changes_nothing(enrolled, smtp_server):
    member, training = enrolled
    client = logged_in(NURAINI)
    dashboard = BeautifulSoup(client.get("/anggota/").content, "html.parser")
    [link] = dashboard.select(f"a[href^='/anggota/pelatihan/{training.pk}/batal/']")
    assert link.get_text(strip=True) == "Batalkan pendaftaran saya"
    assert dashboard.select("form[action*='/batal/']") == []  # no one-tap cancel left

    response = client.get(link["href"])
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.h1.get_text(strip=True) == "Batalkan pendaftaran Anda?"
    assert TITLE in page.get_text()
    form = page.select_one(f"form[method=post][action='/anggota/pelatihan/{training.pk}/batal/']")
    assert form.button.get_text(strip=True) == "Ya, batalkan pendaftaran saya"
    assert form.select_one("input[name=next]")["value"] == "/anggota/"
    assert page.select_one(".form__actions a")["href"] == "/anggota/"  # "keep my seat" goes back

    assert Enrollment.objects.get(member=member).status == Enrollment.Status.CONFIRMED
    assert len(smtp_server.messages) == 1  # only the confirmation

    # From the training page too: a link to the same page, which then returns to the training.
    panel = BeautifulSoup(client.get(training.url).content, "html.parser").select_one("#pendaftaran")
    [link] = panel.select(f"a[href='/anggota/pelatihan/{training.pk}/batal/']")
    page = BeautifulSoup(client.get(link["href"]).content, "html.parser")
    assert page.select_one("input[name=next]") is None
    assert page.select_one(".form__actions a")["href"] == training.url


def test_post_with_the_token_cancels_and_goes_back(enrolled, django_capture_on_commit_callbacks):
    member, training = enrolled
    client = logged_in(NURAINI)
    html = client.get(f"/anggota/pelatihan/{training.pk}/batal/?next=/anggota/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/anggota/pelatihan/{training.pk}/batal/", {"csrfmiddlewaretoken": csrf_token(html), "next": "/anggota/"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/anggota/"
    assert Enrollment.objects.get(member=member).status == Enrollment.Status.CANCELLED
    assert "Pendaftaran Anda sudah dibatalkan." in client.get("/anggota/").content.decode()


def test_a_post_without_the_token_or_by_someone_else_is_refused(enrolled, make_person):
    member, training = enrolled
    url = f"/anggota/pelatihan/{training.pk}/batal/"
    assert logged_in(NURAINI).post(url).status_code == 403  # no CSRF token
    make_person(JUMAT)
    intruder = logged_in(JUMAT)
    token = csrf_token(intruder.get("/anggota/").content.decode())
    assert intruder.get(url).status_code == 404  # not even the question
    assert intruder.post(url, {"csrfmiddlewaretoken": token}).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/akun/login/")
    assert Enrollment.objects.get(member=member).status == Enrollment.Status.CONFIRMED


def test_cancellation_email_takes_the_event_out_of_the_calendar(
    enrolled, smtp_server, django_capture_on_commit_callbacks
):
    member, training = enrolled
    method, confirmation = calendar_of(last_email_to(smtp_server, NURAINI.email))
    assert (method, str(confirmation["METHOD"])) == ("PUBLISH", "PUBLISH")
    confirmed = only_event(confirmation)

    client = logged_in(NURAINI, csrf=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/anggota/pelatihan/{training.pk}/batal/")
    email = last_email_to(smtp_server, NURAINI.email)
    assert "Pendaftaran dibatalkan" in email["Subject"]
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "menghapus pelatihan ini dari kalender ponsel Anda" in text
    method, cancellation = calendar_of(email)
    assert (method, str(cancellation["METHOD"])) == ("CANCEL", "CANCEL")
    cancelled = only_event(cancellation)
    assert str(cancelled["UID"]) == str(confirmed["UID"])
    assert cancelled["SEQUENCE"] > confirmed["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["ORGANIZER"]) == str(confirmed["ORGANIZER"])
    assert str(cancelled["ATTENDEE"]) == f"mailto:{NURAINI.email}"
    assert str(cancelled["SUMMARY"]) == TITLE

    # She enrolls again, then cancels again: each .ics outranks the one before it.
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=member, training=training)
    method, again = calendar_of(last_email_to(smtp_server, NURAINI.email))
    assert method == "PUBLISH"
    assert only_event(again)["SEQUENCE"] > cancelled["SEQUENCE"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/anggota/pelatihan/{training.pk}/batal/")
    method, last = calendar_of(last_email_to(smtp_server, NURAINI.email))
    assert method == "CANCEL"
    assert str(only_event(last)["UID"]) == str(confirmed["UID"])
    assert only_event(last)["SEQUENCE"] > only_event(again)["SEQUENCE"]


def test_cancelling_after_a_change_outranks_the_change_email(enrolled, smtp_server, django_capture_on_commit_callbacks):
    member, training = enrolled
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, venue_name="Gedung Kopi & Kue Nur'aini")
    method, changed = calendar_of(last_email_to(smtp_server, NURAINI.email))
    assert method == "PUBLISH"
    with django_capture_on_commit_callbacks(execute=True):
        service.cancel(enrollment=Enrollment.objects.get(member=member))
    method, cancellation = calendar_of(last_email_to(smtp_server, NURAINI.email))
    assert method == "CANCEL"
    assert only_event(cancellation)["SEQUENCE"] > only_event(changed)["SEQUENCE"]


def test_training_cancelled_by_the_branch_cancels_the_event(
    enrolled, make_person, smtp_server, django_capture_on_commit_callbacks
):
    _, training = enrolled
    _, confirmation = calendar_of(last_email_to(smtp_server, NURAINI.email))
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, status="cancelled", status_reason="Banjir di Jum'at pagi & jalan tertutup")
    email = last_email_to(smtp_server, NURAINI.email)
    assert "Pelatihan dibatalkan" in email["Subject"]
    assert (
        "menghapus pelatihan ini dari kalender ponsel Anda" in email.get_body(preferencelist=("plain",)).get_content()
    )
    method, cancellation = calendar_of(email)
    assert (method, str(cancellation["METHOD"])) == ("CANCEL", "CANCEL")
    event = only_event(cancellation)
    assert str(event["UID"]) == str(only_event(confirmation)["UID"])
    assert event["SEQUENCE"] > only_event(confirmation)["SEQUENCE"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_someone_who_only_waited_gets_no_calendar_file(
    make_training, make_person, smtp_server, django_capture_on_commit_callbacks
):
    training = make_training(capacity=1, title=TITLE)
    service.enroll(member=make_person(NURAINI), training=training)
    waiting = make_person(KHADIJAH)
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=waiting, training=training)
        service.cancel(enrollment=Enrollment.objects.get(member=waiting))
    email = last_email_to(smtp_server, KHADIJAH.email)
    assert "Pendaftaran dibatalkan" in email["Subject"]
    assert list(email.iter_attachments()) == []
