"""Text reaches people as written (DESIGN.md invariant 7).

Every kind of email the portal sends goes through a real SMTP server and is read back
with Python's ``email`` package, as a mail client reads it: the subject and the
text/plain part carry "Nur'aini", "Jum'at" and "Kopi & Kue" as typed; the HTML part
escapes them (and a name with markup in it stays text there).
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from members import accounts, announcements, imports, notifications
from members import enrollment as service
from members.models import Enrollment, Reminder
from tasks import outbox
from tasks.models import Notification
from tests import worker
from tests.people import DEWI, JUMAT, NURAINI

pytestmark = pytest.mark.django_db

TITLE = "Kopi & Kue: Pemasaran Digital di Ma'had Al-Ma'arif"
VENUE = "Aula Ma'had Al-Ma'arif & Koperasi \"Jum'at Berkah\""
ESCAPED = ("&#x27;", "&#39;", "&amp;", "&quot;", "&lt;", "&gt;")


def deliver_all():
    worker.deliver_all()
    assert not Notification.objects.exclude(status="sent").exists()


def parts(message):
    """Subject, text and HTML as Python's email package reads them (no stripping: a subject
    folded right after "Subject:" would come back with a leading space)."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return message["Subject"], text.get_content(), html.get_content() if html else ""


def assert_as_written(message, *expected):
    subject, text, _html = parts(message)
    for escaped in ESCAPED:
        assert escaped not in subject, (escaped, subject)
        assert escaped not in text, (escaped, text)
    assert subject == subject.strip() and "  " not in subject, repr(subject)
    for value in expected:
        assert value in subject + "\n" + text, (value, subject, text)


def test_every_kind_of_email_reads_as_written(smtp_server, make_training, make_person, staff_user):
    training = make_training(title=TITLE, venue_name=VENUE, capacity=1)
    nuraini = make_person(NURAINI, announcements_opt_in=True)
    jumat = make_person(JUMAT)

    first = service.enroll(member=nuraini, training=training)  # confirmed
    service.enroll(member=jumat, training=training)  # waiting list
    service.cancel(enrollment=first, by_staff=False)  # cancelled; Jum'at is promoted
    promoted = Enrollment.objects.get(member=jumat, status="confirmed")
    notifications.remind(
        enrollment=promoted,
        reminder=Reminder.objects.create(
            enrollment=promoted, rule=Reminder.Rule.DAYS_BEFORE, moment=timezone.now(), sent_at=timezone.now()
        ),
    )
    training.venue_name = VENUE + " & Aula Baru"
    training.save_revision().publish()  # a change of venue
    training.refresh_from_db()
    training.status, training.status_reason = "cancelled", "Jum'at hujan & banjir"
    training.save_revision().publish()  # cancelled by the branch
    notifications.message_participants(
        training=training, subject="Jum'at: bawa KTP & HP", body="Kopi & Kue disediakan, Nur'aini.", sent_by=staff_user
    )
    announcements.announce(page=training)
    accounts.send_member_email(member_id=nuraini.pk, template="verified")
    invited = get_user_model().objects.create_user(email="dewi.baru@example.org")
    imports.invite(user=invited, full_name=DEWI.full_name)
    deliver_all()

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        "enrollment_confirmed",
        "enrollment_waitlisted",
        "enrollment_cancelled",
        "enrollment_promoted",
        "training_reminder",
        "training_changed",
        "training_cancelled",
        "message",
        "announcement",
        "member_verified",
        "member_invitation",
    } <= kinds
    assert len(smtp_server.messages) == Notification.objects.count()

    for message in smtp_server.messages:
        subject, text, html = parts(message)
        assert_as_written(message)
        if TITLE in subject + text:
            assert "Kopi &amp; Kue" in html or not html, html
    training_mail = [m for m in smtp_server.messages if "Ma'had Al-Ma'arif" in m["Subject"]]
    assert len(training_mail) >= 7, [m["Subject"] for m in smtp_server.messages]
    for message in training_mail:
        assert_as_written(message, TITLE)
    [cancelled] = [m for m in smtp_server.messages if "Jum'at hujan & banjir" in parts(m)[1]]
    assert_as_written(cancelled, VENUE + " & Aula Baru")
    [staff_message] = [m for m in smtp_server.messages if parts(m)[0] == f"{TITLE}: Jum'at: bawa KTP & HP"]
    assert_as_written(staff_message, "Kopi & Kue disediakan, Nur'aini.")
    verified_subject = Notification.objects.get(kind="member_verified").subject
    [verified] = [m for m in smtp_server.messages if parts(m)[0] == verified_subject]
    assert_as_written(verified, "Nur'aini Siregar")
    [invitation] = [m for m in smtp_server.messages if m["To"] == "dewi.baru@example.org"]
    assert_as_written(invitation, DEWI.full_name)  # "Dewi <b>Ariani</b> O'Neill", markup and all, as text


def test_the_html_part_still_escapes(smtp_server, make_training, make_person):
    training = make_training(title="Rias & Busana <b>Dewi</b>", venue_name=VENUE)
    dewi = make_person(DEWI)
    service.enroll(member=dewi, training=training)
    deliver_all()
    [message] = smtp_server.messages
    subject, text, html = parts(message)
    assert "Rias & Busana <b>Dewi</b>" in subject
    assert DEWI.full_name in text  # the greeting, as written
    assert "Rias &amp; Busana &lt;b&gt;Dewi&lt;/b&gt;" in html
    assert "<b>Ariani</b>" not in html
    assert "Dewi &lt;b&gt;Ariani&lt;/b&gt; O&#x27;Neill" in html


@pytest.mark.django_db(transaction=True)
def test_a_subject_of_any_length_has_no_leading_space_and_links_stay_whole(smtp_server):
    """A 71-77 character subject used to be folded right after "Subject:" (read back as " Kursi
    Anda …"), and a long link in the text part was split by quoted-printable soft breaks."""
    link = "http://127.0.0.1:8000/akun/konfirmasi-email/MTA:1vQx8k:" + "k" * 60 + "/"
    words = "Kursi Anda terkonfirmasi: " + "Pelatihan Kopi & Kue Ma'had Al-Ma'arif " * 3
    subjects = [words[:length] for length in range(60, 90)]
    for number, subject in enumerate(subjects):
        outbox.notify_rendered(
            kind="test",
            recipient=NURAINI.email,
            subject=subject.strip(),
            idempotency_key=f"fold-{number}",
            body_text=f"Halo Nur'aini,\n\nKlik: {link}\n",
        )
    deliver_all()
    assert sorted(str(m["Subject"]) for m in smtp_server.messages) == sorted(s.strip() for s in subjects)
    raw = [m.as_bytes() for m in smtp_server.messages]
    assert all(link.encode() in message for message in raw)  # one line in the message as sent: clickable
