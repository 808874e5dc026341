"""What participants are told when an editor publishes a training again (programs.changes).

One definition of what a participant must be told (time, venue, status), computed by
programs after its calendar bookkeeping and sent as ``programs.signals.training_changed``;
members emails it. The emails are read here as the SMTP server received them, and the
behaviour must hold whatever order Django calls ``page_published`` receivers in (the order
of INSTALLED_APPS): the ``receiver_order`` fixture runs each test both ways.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from wagtail.signals import page_published

from members import enrollment as service
from programs import schedule
from programs import signals as programs_signals
from tasks.models import Notification
from tests.people import KHADIJAH, NURAINI

pytestmark = pytest.mark.django_db

TITLE = "Kopi & Kue: Usaha Rumahan Ma'had Al-Ma'arif"


@pytest.fixture(params=["installed order", "reversed order"])
def receiver_order(request):
    """Every ``page_published`` receiver, called in INSTALLED_APPS order and then the other way
    round (as if ``members`` and ``programs`` were listed the other way)."""
    saved = list(page_published.receivers)
    if request.param == "reversed order":
        page_published.receivers.reverse()
        page_published.sender_receivers_cache.clear()
    yield request.param
    page_published.receivers[:] = saved
    page_published.sender_receivers_cache.clear()


def publish(training, *, log_action=True, **changes):
    for name, value in changes.items():
        setattr(training, name, value)
    training.save_revision().publish(log_action=log_action)
    training.refresh_from_db()


def emails_to(smtp_server, address):
    return [message for message in smtp_server.messages if message["To"] == address]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def event_of(message):
    """The VEVENT of the .ics attached to a received email, and the part's METHOD."""
    [part] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return part.get_param("method"), event


def public_sequence(training) -> int:
    response = Client().get(f"{training.url}kalender.ics")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    return event["SEQUENCE"]


@pytest.fixture
def participants(receiver_order, make_training, make_person, smtp_server, django_capture_on_commit_callbacks):
    """Nur'aini holds the only seat (and has the confirmation with its .ics); Khadijah waits."""
    training = make_training(title=TITLE, capacity=1, venue_name="Aula Ma'had Al-Ma'arif")
    nuraini, khadijah = make_person(NURAINI), make_person(KHADIJAH)
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=nuraini, training=training)
        service.enroll(member=khadijah, training=training)
    return training


def test_a_postponement_emails_every_participant(participants, smtp_server, django_capture_on_commit_callbacks):
    training = participants
    [confirmation] = emails_to(smtp_server, NURAINI.email)
    _, confirmed = event_of(confirmation)
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, status="postponed", status_reason="Narasumber berhalangan & aula dipakai")

    for person in (NURAINI, KHADIJAH):
        email = emails_to(smtp_server, person.email)[-1]
        assert email["Subject"] == f"Pelatihan ditunda: {TITLE}"
        text = text_of(email)
        assert "Pelatihan ini ditunda. Pendaftaran Anda tetap tercatat" in text
        assert "Narasumber berhalangan & aula dipakai" in text  # the reason, as written
    # The participant with a seat gets the calendar updated (tentative, a higher SEQUENCE);
    # the one waiting never had the event and gets no file.
    method, postponed = event_of(emails_to(smtp_server, NURAINI.email)[-1])
    assert method == "PUBLISH"
    assert str(postponed["STATUS"]) == "TENTATIVE"
    assert str(postponed["UID"]) == str(confirmed["UID"])
    assert postponed["SEQUENCE"] == public_sequence(training) > confirmed["SEQUENCE"]
    assert list(emails_to(smtp_server, KHADIJAH.email)[-1].iter_attachments()) == []

    # Published again as it is: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, summary="Ringkasan baru.")
    assert Notification.objects.filter(kind="training_postponed").count() == 2


def test_the_change_email_carries_the_calendars_new_sequence(
    participants, smtp_server, django_capture_on_commit_callbacks
):
    training = participants
    _, confirmed = event_of(emails_to(smtp_server, NURAINI.email)[-1])
    assert confirmed["SEQUENCE"] == public_sequence(training)

    with django_capture_on_commit_callbacks(execute=True):
        publish(training, venue_name="Gedung Serbaguna Lima Puluh")
    email = emails_to(smtp_server, NURAINI.email)[-1]
    assert email["Subject"] == f"Perubahan pelatihan: {TITLE}"
    assert "Gedung Serbaguna Lima Puluh" in text_of(email)
    method, changed = event_of(email)
    assert method == "PUBLISH"
    assert str(changed["LOCATION"]) == "Gedung Serbaguna Lima Puluh"
    assert changed["SEQUENCE"] == public_sequence(training)
    assert changed["SEQUENCE"] > confirmed["SEQUENCE"]

    # A second change: the next SEQUENCE again, in the email as in the public calendar.
    with django_capture_on_commit_callbacks(execute=True):
        week = timedelta(days=7)
        publish(training, starts_at=training.starts_at + week, ends_at=training.ends_at + week)
    _, moved = event_of(emails_to(smtp_server, NURAINI.email)[-1])
    assert moved["SEQUENCE"] == public_sequence(training) == changed["SEQUENCE"] + 1
    assert moved.decoded("DTSTART") == training.starts_at


def test_a_training_going_ahead_after_a_postponement_is_announced_with_its_new_date(
    participants, smtp_server, django_capture_on_commit_callbacks
):
    training = participants
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, status="postponed")
    new_start = training.starts_at + timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, status="scheduled", starts_at=new_start, ends_at=new_start + timedelta(hours=6))
    email = emails_to(smtp_server, NURAINI.email)[-1]
    assert email["Subject"] == f"Pelatihan tetap berjalan: {TITLE}"
    text = text_of(email)
    assert "Kabar baik: pelatihan ini tetap dilaksanakan." in text
    assert "Waktu baru:" in text and "Waktu lama:" in text
    _, event = event_of(email)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == new_start
    assert Notification.objects.filter(kind="training_resumed").count() == 2


def test_a_cancelled_training_edited_again_tells_nobody_again(
    participants, smtp_server, django_capture_on_commit_callbacks
):
    training = participants
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, status="cancelled", status_reason="Banjir")
    told = len(smtp_server.messages)
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, venue_name="Tempat lain")
    assert len(smtp_server.messages) == told
    assert Notification.objects.filter(kind__startswith="training_").count() == 2  # the two cancellations


def test_a_publish_wagtail_did_not_log_still_counts_as_what_participants_were_told(
    participants, smtp_server, django_capture_on_commit_callbacks
):
    """ "Before" is what participants were last told, not what Wagtail's log says was live."""
    training = participants
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, venue_name="Gedung Serbaguna Lima Puluh", log_action=False)
    assert Notification.objects.filter(kind="training_changed").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, title=TITLE + " (angkatan 2)")  # nothing a participant must know
    assert Notification.objects.filter(kind="training_changed").count() == 2


def test_programs_sends_one_signal_after_its_bookkeeping(receiver_order, make_training):
    """What a receiver of ``training_changed`` sees: the facts before and after, what changed,
    and the calendar's SEQUENCE already raised."""
    from programs.models import TrainingCalendarVersion

    training = make_training()
    heard = []

    def listener(sender, training, before, after, changes, notice, sequence, **kwargs):
        heard.append((before.venue_name, after.venue_name, set(changes), notice, sequence))
        assert TrainingCalendarVersion.objects.get(training=training).sequence == sequence

    programs_signals.training_changed.connect(listener)
    try:
        publish(training, summary="Ringkasan baru.")
        publish(training, venue_name="Aula Baru")
        publish(training, status="postponed")
    finally:
        programs_signals.training_changed.disconnect(listener)
    assert heard == [
        ("Aula Kantor PC NU Batubara", "Aula Baru", {"venue"}, "changed", 1),
        ("Aula Baru", "Aula Baru", {"status"}, "postponed", 2),
    ]


def test_a_day_moved_within_the_same_span_is_announced_with_every_day(
    receiver_order, make_training, make_person, smtp_server, django_capture_on_commit_callbacks
):
    """A three-day training whose middle day moves: first and last day, hence the span, unchanged."""
    from programs.models import TrainingCalendarVersion

    start = (timezone.now() + timedelta(days=20)).replace(hour=2, minute=0, second=0, microsecond=0)

    def day(offset, hours=6):
        begins = start + timedelta(days=offset)
        ends = begins + timedelta(hours=hours)
        return {"type": "session", "value": {"starts_at": begins.isoformat(), "ends_at": ends.isoformat()}}

    training = make_training(title=TITLE, sessions=[day(0), day(2), day(4)])
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=make_person(NURAINI), training=training)
    sequence = public_sequence_of_days(training)
    span = (training.starts_at, training.ends_at)

    moved = [dict(block) for block in training.sessions.raw_data]
    moved[1]["value"] = day(3)["value"]  # Selasa -> Rabu, say: the same first and last day
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, sessions=moved)
    assert (training.starts_at, training.ends_at) == span
    email = emails_to(smtp_server, NURAINI.email)[-1]
    assert email["Subject"] == f"Perubahan pelatihan: {TITLE}"
    new_text, old_text = text_of(email).split("Waktu lama:")
    new_day = schedule.format_wib_range(start + timedelta(days=3), start + timedelta(days=3, hours=6))
    old_day = schedule.format_wib_range(start + timedelta(days=2), start + timedelta(days=2, hours=6))
    assert "Waktu baru: Hari 1: " in new_text and f"Hari 2: {new_day}" in new_text
    assert f"Hari 2: {old_day}" in old_text
    [part] = [part for part in email.iter_attachments() if part.get_content_type() == "text/calendar"]
    events = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert sorted(event.decoded("DTSTART") for event in events)[1] == start + timedelta(days=3)
    assert {event["SEQUENCE"] for event in events} == {sequence + 1} == {public_sequence_of_days(training)}

    # Published again as it is: nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, summary="Ringkasan baru.")
    assert Notification.objects.filter(kind="training_changed").count() == 1

    # A calendar version kept before days were (an upgrade): the next publish stores them, tells nobody.
    TrainingCalendarVersion.objects.filter(training=training).update(days=[])
    with django_capture_on_commit_callbacks(execute=True):
        publish(training, summary="Ringkasan lagi.")
    version = TrainingCalendarVersion.objects.get(training=training)
    assert (len(version.days), version.sequence) == (3, sequence + 1)
    assert Notification.objects.filter(kind="training_changed").count() == 1


def public_sequence_of_days(training) -> int:
    response = Client().get(f"{training.url}kalender.ics")
    (sequence,) = {event["SEQUENCE"] for event in Calendar.from_ical(response.content).walk("VEVENT")}
    return sequence
