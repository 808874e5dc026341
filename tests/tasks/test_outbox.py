"""The outbox (DESIGN.md invariant 4): a row before anything is sent, sent once, never lost."""

from datetime import timedelta

import pytest
from celery import Celery
from django.db import transaction
from django.utils import timezone

from tasks import outbox
from tasks.models import Notification

from ..services import closed_port

pytestmark = pytest.mark.django_db(transaction=False)


def record(key="test-1", recipient="kader@example.org", **extra):
    return outbox.notify(
        kind="message",
        recipient=recipient,
        template="tasks/email/message",
        context={"subject": "Rapat koordinasi", "body": "Rapat dimulai pukul 09.00 WIB.", "recipient_name": "Burhan"},
        idempotency_key=key,
        **extra,
    )


def make_due(notification):
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_notification_is_a_row_before_anything_is_sent_and_is_sent_on_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
        assert Notification.objects.get(pk=notification.pk).status == "pending"
        assert smtp_server.messages == []
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert notification.attempts == 1
    [message] = smtp_server.messages
    assert message["Subject"] == "Rapat koordinasi"
    assert message["To"] == "kader@example.org"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Halo Burhan," in text
    assert "Rapat dimulai pukul 09.00 WIB." in text
    assert "http://127.0.0.1:8000/" in text
    assert message.get_body(preferencelist=("html",)) is not None


def test_attachment_travels_with_the_message(smtp_server, django_capture_on_commit_callbacks):
    calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        record(attachments=[outbox.Attachment("pelatihan.ics", calendar, "text/calendar")])
    [message] = smtp_server.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "pelatihan.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment.get_content()


def test_same_idempotency_key_is_recorded_and_sent_once(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = record(key="enrollment-7-confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        second = record(key="enrollment-7-confirmed")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(smtp_server.messages) == 1


def test_rolled_back_transaction_leaves_no_row_and_sends_nothing(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        record()
        raise RuntimeError("the enrollment failed")
    assert not Notification.objects.exists()
    assert smtp_server.messages == []


def test_message_is_rendered_in_the_recipients_language(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(language="en")
    text = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Hello Burhan," in text


def test_unreachable_broker_keeps_the_row_pending_and_the_sweeper_delivers_it_once(
    smtp_server, django_capture_on_commit_callbacks, monkeypatch
):
    from django.conf import settings

    from tasks import celery_app
    from tasks.delivery import deliver_recorded

    # Queue through a Celery app whose Redis broker is not there (nothing listens on the port),
    # configured like the site's own, instead of the in-process one that the tests use.
    dead_broker = Celery("dead", broker=f"redis://127.0.0.1:{closed_port()}/0", set_as_current=False)
    dead_broker.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    dead_broker.conf.task_publish_retry_policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    monkeypatch.setattr(  # the wake-up a new row queues after its commit (outbox.wake_up)
        deliver_recorded,
        "apply_async",
        lambda args, countdown=None: dead_broker.send_task(deliver_recorded.name, args=args),
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    monkeypatch.undo()
    assert celery_app.conf.task_always_eager
    assert Notification.objects.get(pk=notification.pk).status == "pending"
    assert smtp_server.messages == []

    later = timezone.now() + outbox.DISPATCH_GRACE + timedelta(seconds=1)
    assert outbox.sweep(now=later) == 1
    assert outbox.sweep(now=later) == 0, "a sent row is not dispatched again"
    assert Notification.objects.get(pk=notification.pk).status == "sent"
    assert len(smtp_server.messages) == 1


@pytest.fixture
def queued(monkeypatch):
    """The wake-ups queued for a worker (outbox.wake_up), kept instead of run in-process."""
    from tasks.delivery import deliver_recorded

    published = []
    monkeypatch.setattr(deliver_recorded, "apply_async", lambda args, countdown=None: published.append(args))
    return published


def test_a_storm_of_rows_queues_one_wake_up_and_every_row_is_sent_once(
    smtp_server, django_capture_on_commit_callbacks, queued
):
    # Five members' requests, each its own transaction: the first queues the delivery, the
    # others find it waiting (one publish to the broker where there were five).
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            record(key=f"storm-{number}", recipient=f"kader{number}@example.org")
    assert len(queued) == 1
    assert smtp_server.messages == []

    assert outbox.deliver_recorded() == []  # the worker takes the task: every row, once
    assert sorted(message["To"] for message in smtp_server.messages) == [f"kader{n}@example.org" for n in range(5)]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert outbox.deliver_recorded() == []  # a task delivered twice sends nothing more
    assert len(smtp_server.messages) == 5

    with django_capture_on_commit_callbacks(execute=True):  # after the task began, a new row queues again
        record(key="storm-late", recipient="late@example.org")
    assert len(queued) == 2
    outbox.deliver_recorded()
    assert [message["To"] for message in smtp_server.messages][5:] == ["late@example.org"]


def test_a_wake_up_the_broker_refused_is_tried_again_by_the_next_row(
    smtp_server, django_capture_on_commit_callbacks, monkeypatch
):
    from tasks.delivery import deliver_recorded

    def refused(args, countdown=None):
        raise ConnectionError("broker down")

    monkeypatch.setattr(deliver_recorded, "apply_async", refused)
    with django_capture_on_commit_callbacks(execute=True):
        first = record(key="refused-1")
    assert Notification.objects.get(pk=first.pk).status == "pending"  # waits (the sweeper has it too)
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):  # the broker is back: the next row wakes it up
        record(key="refused-2", recipient="other@example.org")
    assert sorted(message["To"] for message in smtp_server.messages) == ["kader@example.org", "other@example.org"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_wake_up_leaves_bulk_mail_to_its_batch_and_retries_to_their_own_task(
    smtp_server, django_capture_on_commit_callbacks, queued
):
    smtp_server.refuse("451 4.3.0 Mailbox busy, try later")
    with django_capture_on_commit_callbacks(execute=True):
        busy = record(key="busy")
    [still_pending] = outbox.deliver_recorded()
    assert still_pending.pk == busy.pk and still_pending.next_attempt_at > timezone.now()
    bulk = Notification.objects.create(
        idempotency_key="announcement-1", kind="announcement", recipient="fan@example.org", subject="s", body_text="b"
    )
    assert outbox.deliver_recorded() == []  # the busy row waits for its retry, the announcement for its batch
    assert Notification.objects.get(pk=bulk.pk).status == "pending"
    assert Notification.objects.get(pk=busy.pk).attempts == 1


def test_temporary_smtp_refusal_is_retried_later_and_delivered(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse("451 4.3.0 Mailbox busy, try later")
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert notification.attempts == 1
    assert "451" in notification.last_error
    assert notification.next_attempt_at > timezone.now()
    assert outbox.deliver(notification_id=notification.pk) is None, "not due yet"
    assert smtp_server.messages == []

    smtp_server.refuse(None)
    make_due(notification)
    outbox.deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert notification.attempts == 2
    assert len(smtp_server.messages) == 1


def test_mail_server_down_is_a_temporary_failure(settings, django_capture_on_commit_callbacks):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert "ConnectionRefusedError" in notification.last_error


def test_permanent_refusal_fails_at_once_and_staff_can_send_again(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse("550 5.1.1 No such mailbox")
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notification.attempts == 1
    assert "550" in notification.last_error

    smtp_server.refuse(None)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry_failed(notification_ids=[notification.pk]) == 1
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert len(smtp_server.messages) == 1


def test_temporary_failures_give_up_after_the_last_attempt(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse("421 4.7.0 Too many connections")
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        make_due(notification)
        outbox.deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notification.attempts == outbox.MAX_ATTEMPTS


def test_a_row_another_worker_is_sending_is_not_sent_again(smtp_server):
    notification = record()
    assert outbox.claim(notification_id=notification.pk) is not None
    assert outbox.deliver(notification_id=notification.pk) is None
    assert smtp_server.messages == []


def test_a_redelivered_task_for_a_sent_row_sends_nothing(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = record()
    assert outbox.deliver(notification_id=notification.pk) is None
    assert len(smtp_server.messages) == 1


def test_a_row_stuck_in_sending_after_a_worker_died_is_swept_and_sent_once(smtp_server):
    notification = record()
    outbox.claim(notification_id=notification.pk)  # the worker that claimed it was killed
    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=timezone.now() - outbox.SENDING_TIMEOUT - timedelta(seconds=1)
    )
    assert outbox.sweep() == 1
    assert Notification.objects.get(pk=notification.pk).status == "sent"
    assert len(smtp_server.messages) == 1


def test_backoff_grows_and_stays_bounded():
    delays = [outbox.backoff_seconds(attempt) for attempt in range(1, 12)]
    assert 15 <= delays[0] <= 30
    assert all(delay <= outbox.BACKOFF_MAX_SECONDS for delay in delays)
    assert delays[6] > delays[0]
