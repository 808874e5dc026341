"""A batch of bulk mail: each distinct message built once, each recipient's copy their own,
accepted rows marked sent a chunk at a time (the at-least-once window README states)."""

import email
import email.policy
import re
import time

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import outbox
from tasks.models import Notification
from tasks.wire import Prototypes

from ..people import PEOPLE

pytestmark = pytest.mark.django_db

SUBJECT_ID = "Pelatihan baru: Abon Ikan \"Jum'at\" & Kopi — untuk kader Nur'aini dan kawan-kawan di Batu Bara"
TEXT_ID = "Assalamu'alaikum,\n\nKopi & Kue Nur'aini membuka pelatihan. Daftar: http://127.0.0.1:8000/program/\n" * 3
HTML_ID = "<p>Kopi &amp; Kue Nur&#x27;aini membuka pelatihan.</p>"


def record(rows, *, subject=SUBJECT_ID, body_text=TEXT_ID, body_html=HTML_ID, language="id"):
    return outbox.record_many(
        kind="announcement", rows=rows, subject=subject, body_text=body_text, body_html=body_html, language=language
    )


def people_rows(prefix="fanout"):
    return [{"recipient": person.email, "idempotency_key": f"{prefix}-{n}"} for n, person in enumerate(PEOPLE)]


@pytest.fixture
def whole_builds(monkeypatch):
    """How many times Django built a whole MIME message (the shared parts)."""
    calls = []
    original = EmailMultiAlternatives.message

    def counting(self, **kwargs):
        calls.append(self.to[0])
        return original(self, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "message", counting)
    return calls


def test_each_member_of_a_batch_gets_the_shared_message_with_their_own_headers(smtp_server, whole_builds):
    ids = record(people_rows())
    ids += record(
        [{"recipient": "jumat.english@example.org", "idempotency_key": "fanout-en"}],
        subject='New training: Abon Ikan "Jum\'at"',
        body_text="Kopi & Kue Nur'aini opens a training.\n",
        body_html="",
        language="en",
    )

    outbox.deliver_batch(notification_ids=ids)

    assert len(whole_builds) == 2  # once per distinct message (two languages), not once per member
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    assert sorted(by_recipient) == sorted([person.email for person in PEOPLE] + ["jumat.english@example.org"])
    rows = {row.recipient: row for row in Notification.objects.all()}
    assert len({message["Message-ID"] for message in smtp_server.messages}) == len(rows)
    for recipient, message in by_recipient.items():
        assert message["Message-ID"] == outbox.message_id(rows[recipient])
        assert message["X-Portal-Notification"] == "announcement"
        assert message["Date"].datetime is not None
    nuraini = by_recipient[PEOPLE[0].email]
    assert nuraini["Subject"] == SUBJECT_ID  # as written: apostrophes, quotes, the ampersand
    assert nuraini.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT_ID
    assert nuraini.get_body(("html",)).get_content().strip() == HTML_ID
    english = by_recipient["jumat.english@example.org"]
    assert english["Subject"] == 'New training: Abon Ikan "Jum\'at"'
    assert english.get_content().replace("\r\n", "\n") == "Kopi & Kue Nur'aini opens a training.\n"
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def wire(message) -> bytes:
    """A message's bytes, less what differs between two builds of it: the Date and the MIME boundary."""
    data = message.message(policy=email.policy.SMTP).as_bytes()
    assert re.search(rb"\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n", data)
    data = re.sub(rb"\r\nDate: [^\r]*", b"\r\nDate: -", data)
    for boundary in set(re.findall(rb'boundary="([^"]+)"', data)):
        data = data.replace(boundary, b"BOUNDARY")
    return data


@pytest.mark.parametrize(
    "recipient",
    [
        "nuraini@example.org",
        "nur'aini.siregar+kabar@example.org",  # an apostrophe is a plain address character
        '"nur aini"@example.org',  # a quoted local part: the email package writes it
        "kader@bätubara.example",  # a non-ASCII domain: Django's own build (IDNA)
    ],
)
def test_a_copy_from_the_prototype_is_byte_for_byte_what_django_builds(recipient):
    identity = outbox.Sender(
        name="PC GP Ansor Batu Bara", address="noreply@ansor.example", reply_to="kabar@ansor.example"
    )
    attachment = {
        "filename": "pelatihan.ics",
        "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "mimetype": "text/calendar",
    }
    rows = [
        Notification(
            pk=pk,
            idempotency_key=f"copy-{pk}",
            kind="announcement",
            recipient=address,
            subject=SUBJECT_ID,
            body_text=TEXT_ID,
            body_html=html,
            attachments=attachments,
        )
        for pk, (address, html, attachments) in enumerate(
            [
                ("pertama@example.org", HTML_ID, []),
                (recipient, HTML_ID, []),
                ("kedua@example.org", "", [attachment]),
                (recipient, "", [attachment]),
            ],
            start=1,
        )
    ]
    prototypes = Prototypes()
    for row in rows:
        shared = outbox.build_message(row, identity=identity, prototypes=prototypes)
        assert wire(shared) == wire(outbox.build_message(row, identity=identity))
    assert prototypes.built in (2, 4)  # the first of each message built whole (and the IDNA one)


def test_a_batch_marks_the_accepted_rows_in_one_update_per_chunk(monkeypatch):
    monkeypatch.setattr(outbox, "MARK_CHUNK", 4)
    monkeypatch.setattr(outbox, "MARK_SECONDS", 3600)  # only the count closes a chunk here
    ids = record([{"recipient": f"kader{n}@example.org", "idempotency_key": f"chunk-{n}"} for n in range(10)])

    with CaptureQueriesContext(connection) as queries:
        outbox.deliver_batch(notification_ids=ids)

    marks = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "'sent'" in q["sql"]]
    assert len(marks) == 3  # 4 + 4 + 2 rows, not 10 commits
    assert Notification.objects.filter(status="sent").count() == 10


class SlowMailer:
    """A mailer taking longer than MARK_SECONDS a message, that notes which rows were marked sent
    whenever a message is handed to it."""

    def __init__(self, pause):
        self.pause = pause
        self.seen_sent: list[int] = []

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        self.seen_sent.append(Notification.objects.filter(status="sent").count())
        time.sleep(self.pause)
        return len(messages)


def test_against_a_slow_server_each_row_is_marked_before_the_next_message_goes_out(monkeypatch):
    monkeypatch.setattr(outbox, "MARK_SECONDS", 0.01)
    mailer = SlowMailer(pause=0.02)
    monkeypatch.setattr(outbox, "mailers", type("Mailers", (), {"default": mailer})())
    ids = record([{"recipient": f"kader{n}@example.org", "idempotency_key": f"slow-{n}"} for n in range(5)])

    outbox.deliver_batch(notification_ids=ids)

    # When the fourth message is handed over, the three before it are recorded as sent.
    assert mailer.seen_sent == [0, 1, 2, 3, 4]


def test_against_a_fast_server_rows_wait_for_their_chunk(monkeypatch):
    monkeypatch.setattr(outbox, "MARK_SECONDS", 3600)
    mailer = SlowMailer(pause=0)
    monkeypatch.setattr(outbox, "mailers", type("Mailers", (), {"default": mailer})())
    ids = record([{"recipient": f"kader{n}@example.org", "idempotency_key": f"fast-{n}"} for n in range(5)])

    outbox.deliver_batch(notification_ids=ids)

    assert mailer.seen_sent == [0, 0, 0, 0, 0]  # the window: accepted, not yet marked
    assert Notification.objects.filter(status="sent").count() == 5  # marked together at the end


def test_a_refused_recipient_in_a_chunk_fails_alone_and_the_others_are_sent(smtp_server, monkeypatch):
    monkeypatch.setattr(outbox, "MARK_SECONDS", 3600)

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        if address.startswith("khadijah"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("jumat"):
            return "451 4.2.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handler.handle_RCPT = handle_RCPT
    ids = record(people_rows("refused"))

    outbox.deliver_batch(notification_ids=ids)

    statuses = dict(Notification.objects.values_list("recipient", "status"))
    assert statuses.pop("khadijah@example.org") == "failed"
    assert statuses.pop("jumat.lubis@example.org") == "pending"  # tried again later
    assert set(statuses.values()) == {"sent"}
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(statuses)
