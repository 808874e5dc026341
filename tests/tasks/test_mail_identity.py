"""Who our email comes from, and what coordinators' messages and change notices say (issue 14, item 11).

Every message is read back from a real SMTP server (aiosmtpd) with Python's ``email``
package, as a mail client reads it.
"""

from datetime import datetime

import pytest

from core.clock import WIB
from home.models import SiteSettings
from members import enrollment as service
from members import notifications
from tasks.models import Notification
from tests.people import JUMAT, NURAINI
from tests.worker import deliver_all

pytestmark = pytest.mark.django_db

TITLE = "Pelatihan Kader Ma'had Al-Ma'arif & Kopi"
BRANCH = "PC GP Ansor Batu Bara — Ma'had & Kopi"
CONTACT = "sekretariat@ansor-batubara.or.id"


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",))
    return message["Subject"].strip(), text, html.get_content() if html else ""


@pytest.fixture
def branch(demo_site):
    SiteSettings.objects.update(organisation_name=BRANCH, email=CONTACT)


@pytest.fixture
def training(make_training):
    starts_at = datetime(2030, 12, 14, 9, 0, tzinfo=WIB)  # a Saturday
    return make_training(
        title=TITLE, starts_at=starts_at, ends_at=starts_at.replace(hour=16), venue_name="Aula Kantor PC NU Batubara"
    )


def test_mail_comes_from_the_branch_by_name_and_replies_go_to_its_secretariat(
    smtp_server, branch, make_person, training
):
    service.enroll(member=make_person(NURAINI), training=training)
    deliver_all()

    [message] = smtp_server.messages
    [sender] = message["From"].addresses
    assert sender.display_name == BRANCH  # apostrophe, ampersand and dash intact
    assert sender.addr_spec == "noreply@localhost"  # DEFAULT_FROM_EMAIL
    [reply_to] = message["Reply-To"].addresses
    assert reply_to.addr_spec == CONTACT


def test_the_sender_address_stays_the_configured_one(smtp_server, settings, branch, make_person, training):
    settings.DEFAULT_FROM_EMAIL = "kabar@ansor-batubara.or.id"
    service.enroll(member=make_person(NURAINI), training=training)
    deliver_all()

    [sender] = smtp_server.messages[0]["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (BRANCH, "kabar@ansor-batubara.or.id")


def test_a_coordinator_message_names_its_training(smtp_server, branch, staff_user, make_person, training):
    service.enroll(member=make_person(NURAINI), training=training)
    service.follow_up_pending()  # the worker's job after the commit: the enrollment's email, not this test's
    Notification.objects.all().delete()

    notifications.message_participants(
        training=training, subject="Bawa KTP & HP", body="Kopi & Kue disediakan, Nur'aini.", sent_by=staff_user
    )
    deliver_all()

    [message] = smtp_server.messages
    subject, text, html = parts(message)
    assert subject == f"{TITLE}: Bawa KTP & HP"
    assert TITLE in text and "Kopi & Kue disediakan, Nur'aini." in text
    assert "Sabtu, 14 Desember 2030" in text
    assert "Pelatihan Kader Ma&#x27;had Al-Ma&#x27;arif &amp; Kopi" in html
    [reply_to] = message["Reply-To"].addresses
    assert reply_to.addr_spec == CONTACT  # a participant's answer reaches the secretariat


def test_a_change_notice_shows_the_old_and_the_new_time_and_venue(
    smtp_server, branch, make_person, training, django_capture_on_commit_callbacks
):
    service.enroll(member=make_person(JUMAT), training=training)
    service.follow_up_pending()  # the worker's job after the commit: the enrollment's email, not this test's
    Notification.objects.all().delete()

    training.starts_at = datetime(2030, 12, 21, 13, 0, tzinfo=WIB)
    training.ends_at = datetime(2030, 12, 21, 17, 0, tzinfo=WIB)
    training.venue_name = "Gedung Ma'had Al-Ma'arif & Koperasi"
    with django_capture_on_commit_callbacks(execute=True):
        training.save_revision().publish()
    deliver_all()

    [message] = smtp_server.messages
    subject, text, html = parts(message)
    assert subject == f"Perubahan pelatihan: {TITLE}"
    assert "Waktu baru: Sabtu, 21 Desember 2030, 13.00–17.00 WIB" in text  # noqa: RUF001
    assert "Waktu lama: Sabtu, 14 Desember 2030, 09.00–16.00 WIB" in text  # noqa: RUF001
    assert "Tempat baru: Gedung Ma'had Al-Ma'arif & Koperasi" in text
    assert "Tempat lama: Aula Kantor PC NU Batubara" in text
    for words in ("Sabtu, 21 Desember 2030, 13.00", "Sabtu, 14 Desember 2030, 09.00", "Aula Kantor PC NU Batubara"):
        assert words in html
    assert "Gedung Ma&#x27;had Al-Ma&#x27;arif &amp; Koperasi" in html
    assert "Waktu lama" in html and "Tempat lama" in html


def test_announcements_come_from_the_bulk_address_and_confirmations_do_not(
    smtp_server, settings, branch, make_person, make_training, django_capture_on_commit_callbacks
):
    """ANNOUNCEMENT_FROM_EMAIL (DESIGN.md's contract): bulk mail has an address of its own."""
    settings.ANNOUNCEMENT_FROM_EMAIL = "kabar@ansor-batubara.or.id"
    nuraini = make_person(NURAINI, announcements_opt_in=True)
    with django_capture_on_commit_callbacks(execute=True):
        announced = make_training(title=TITLE)
    service.enroll(member=nuraini, training=announced)
    deliver_all()

    senders = {message["X-Portal-Notification"]: message["From"].addresses[0] for message in smtp_server.messages}
    assert (senders["announcement"].display_name, senders["announcement"].addr_spec) == (
        BRANCH,
        "kabar@ansor-batubara.or.id",
    )
    assert senders["enrollment_confirmed"].addr_spec == "noreply@localhost"
