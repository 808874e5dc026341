"""What members are told through the outbox: training changes, reminders, announcements, batches."""

import pytest
from django.core import mail

from members import announcements
from members import enrollment as service
from members.models import Enrollment
from tasks import outbox
from tasks.models import Notification

pytestmark = pytest.mark.django_db


def kinds(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def publish(training, **changes):
    for name, value in changes.items():
        setattr(training, name, value)
    training.save_revision().publish()
    training.refresh_from_db()


def test_participants_hear_of_a_new_venue_once_and_of_a_cancellation(
    make_training, make_active_member, django_capture_on_commit_callbacks
):
    training = make_training(capacity=1)
    confirmed, waiting, gone = make_active_member(), make_active_member(), make_active_member()
    with django_capture_on_commit_callbacks(execute=True):  # committed: their emails go out now
        for member in (confirmed, waiting, gone):
            service.enroll(member=member, training=training)
        service.cancel(enrollment=Enrollment.objects.get(member=gone), by_staff=False)
    mail.outbox.clear()

    publish(training, summary="Ringkasan baru")  # nothing a participant must know
    assert kinds("training_changed") == []

    with django_capture_on_commit_callbacks(execute=True):
        publish(training, venue_name="Gedung Serbaguna Lima Puluh")
    assert kinds("training_changed") == sorted([confirmed.user.email, waiting.user.email])
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {confirmed.user.email, waiting.user.email}
    assert "Gedung Serbaguna Lima Puluh" in by_recipient[confirmed.user.email].body
    assert [a.filename for a in by_recipient[confirmed.user.email].attachments] == ["pelatihan.ics"]
    assert by_recipient[waiting.user.email].attachments == []

    publish(training)  # the same facts published again: nobody is told twice
    assert Notification.objects.filter(kind="training_changed").count() == 2

    publish(training, status="cancelled", status_reason="Banjir di lokasi")
    assert kinds("training_cancelled") == sorted([confirmed.user.email, waiting.user.email])
    cancelled = Notification.objects.filter(kind="training_cancelled").first()
    assert "Banjir di lokasi" in outbox.rendered(cancelled).body_text


def test_a_new_training_is_announced_once_to_members_who_opted_in(
    make_training, make_active_member, django_capture_on_commit_callbacks
):
    fans = [make_active_member(announcements_opt_in=True) for _ in range(3)]
    make_active_member(announcements_opt_in=False)
    make_active_member(announcements_opt_in=True, status="suspended")

    with django_capture_on_commit_callbacks(execute=True):
        training = make_training(title="Pelatihan Kewirausahaan Digital")
    assert kinds("announcement") == sorted(member.user.email for member in fans)
    assert sorted(message.to[0] for message in mail.outbox) == kinds("announcement")
    assert "Pelatihan Kewirausahaan Digital" in mail.outbox[0].subject

    publish(training, venue_name="Tempat lain")  # a later publish is no new training
    assert announcements.announce(page=training) == 0  # and the same page is never announced twice
    assert Notification.objects.filter(kind="announcement").count() == 3


def test_a_batch_claims_each_row_and_sends_them_over_one_connection(smtp_server, django_capture_on_commit_callbacks):
    connections = []

    async def handle_EHLO(server, session, envelope, hostname, responses):
        connections.append(hostname)
        session.host_name = hostname
        return responses

    smtp_server.handler.handle_EHLO = handle_EHLO
    rows = [{"recipient": f"kader{n}@example.org", "idempotency_key": f"batch-{n}"} for n in range(5)]
    ids = outbox.record_many(kind="announcement", rows=rows, subject="Kabar", body_text="Isi", language="id")
    Notification.objects.filter(pk=ids[2]).update(status="sent")  # another worker got there first

    sent = outbox.deliver_batch(notification_ids=ids)
    assert len(sent) == 4
    assert len(smtp_server.messages) == 4
    assert len(connections) == 1
    assert outbox.deliver_batch(notification_ids=ids) == []  # run again: nothing twice
    assert len(smtp_server.messages) == 4
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_new_enrollments_email_is_worded_when_it_is_sent_and_reads_as_before(
    make_training, make_active_member, django_capture_on_commit_callbacks
):
    """Recorded after the commit, by the worker, with no words about the training (they and the
    calendar file are made when the email is sent): the member reads their name, apostrophe and
    all, the training as it is then, their place in line and the link to their trainings."""
    training = make_training(title="Pelatihan Kopi Lama", capacity=1)
    first = make_active_member()
    nuraini = make_active_member(full_name="Nur'aini Siregar")
    with django_capture_on_commit_callbacks(execute=True):
        service.enroll(member=first, training=training)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        service.enroll(member=nuraini, training=training)  # full: the waiting list
        assert not Notification.objects.filter(kind="enrollment_waitlisted").exists()  # owed by the row
        assert service.follow_up_pending() == 1  # the worker's job after the commit
    row = Notification.objects.get(kind="enrollment_waitlisted")
    assert "Pelatihan Kopi Lama" not in str(row.context)  # only the enrollment it is made from
    assert row.context["position"] == 1

    publish(training, title="Pelatihan Kopi Baru")  # renamed before the email goes out
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [nuraini.user.email]
    assert "Pelatihan Kopi Baru" in message.subject
    assert "Halo Nur'aini Siregar," in message.body
    assert "di urutan ke-1." in message.body
    assert "Pelatihan Kopi Baru\n" in message.body
    assert "Pelatihan Anda: http://127.0.0.1:8000/anggota/" in message.body
    html = message.alternatives[0][0]
    assert "Nur&#x27;aini Siregar" in html
