"""The outbox against the real services: Redis, Celery worker processes and an SMTP server.

Nothing is mocked: the test process records rows and publishes to Redis, worker
subprocesses (``celery -A tasks worker --pool=solo``) take them from Redis and send them
to an aiosmtpd server on a free port, on the same (test) database.
"""

import asyncio
import contextlib
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.contrib.auth import get_user_model
from django.utils import timezone
from kombu import pools

from members import enrollment as service
from members.models import Enrollment, Member
from tasks import celery_app, outbox
from tasks.models import Notification

from ..services import require_redis
from .workers import OwnRedis, Worker, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

# A Redis database of these tests' own; the SQLite and PostgreSQL runs of the suite may run
# side by side, so each takes its own.
REDIS_DB = {"sqlite": 14, "postgresql": 13}


@contextlib.contextmanager
def broker(url: str):
    """The test process publishes to ``url`` (not eagerly in-process) while inside."""
    saved = {"broker_url": celery_app.conf.broker_url, "task_always_eager": celery_app.conf.task_always_eager}
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.update(**saved)


def reset_pools():
    """Celery caches its connection and producer pools: drop them so the next publish uses the new URL."""
    with contextlib.suppress(Exception):
        pools.reset()  # kombu's registry of pools, one per broker URL
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def shared_redis():
    from django.db import connection

    url = require_redis().rsplit("/", 1)[0] + f"/{REDIS_DB.get(connection.vendor, 12)}"
    redis.Redis.from_url(url).flushdb()
    with broker(url):
        yield url
    redis.Redis.from_url(url).flushdb()


@contextlib.contextmanager
def worker(broker_url, smtp_server, name="w1"):
    process = Worker(broker_url=broker_url, smtp_port=smtp_server.port, name=name).wait_ready()
    try:
        yield process
    finally:
        process.stop()


def recipients(smtp_server):
    return sorted(message["To"] for message in smtp_server.messages)


def test_enrollment_email_reaches_the_smtp_server_with_the_calendar_attached(
    shared_redis, smtp_server, make_training, make_active_member
):
    training = make_training(title="Pelatihan Abon Ikan")
    member = make_active_member()
    with worker(shared_redis, smtp_server):
        service.enroll(member=member, training=training)
        wait_for(lambda: smtp_server.messages, what="the confirmation email")
    [message] = smtp_server.messages
    assert message["To"] == member.user.email
    assert "Pelatihan Abon Ikan" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "pelatihan.ics"
    assert "BEGIN:VEVENT" in attachment.get_content()
    assert Notification.objects.get().status == "sent"


def test_enrolling_while_the_broker_is_down_succeeds_and_the_email_follows_once(
    smtp_server, make_training, make_active_member
):
    require_redis()
    own = OwnRedis().start()
    try:
        with broker(own.url):
            training = make_training()
            member = make_active_member()
            own.stop()  # the outage
            enrollment = service.enroll(member=member, training=training)  # the member's request
            assert enrollment.status == "confirmed"
            # Its email could not be queued: it is owed by the enrollment's row, not lost.
            assert Enrollment.objects.get(pk=enrollment.pk).follow_up == {"status": "confirmed", "position": None}
            assert not Notification.objects.exists()

            own.start()  # the broker is back; beat's follow-up (every minute) records the email
            assert service.follow_up_pending() == 1
            assert service.follow_up_pending() == 0  # recorded once
            notification = Notification.objects.get(kind="enrollment_confirmed")
            assert notification.status == "pending"
            with worker(own.url, smtp_server):  # its wake-up was queued when it was recorded
                wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "sent", what="delivery")
                assert outbox.sweep() == 0  # sent: the next sweep has nothing to do
    finally:
        own.stop()
    assert recipients(smtp_server) == [member.user.email]


class SlowRecipients:
    """Accepts each recipient after a pause, so that a worker can be killed in the middle of a batch."""

    def __init__(self, handler):
        self.handler = handler
        self.in_rcpt = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.in_rcpt = True
        await asyncio.sleep(0.1)
        envelope.rcpt_tos.append(address)
        self.in_rcpt = False
        return "250 OK"


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(shared_redis, smtp_server):
    slow = SlowRecipients(smtp_server.handler)
    smtp_server.handler.handle_RCPT = slow.handle_RCPT
    rows = [{"recipient": f"kader{n:02d}@example.org", "idempotency_key": f"kill-{n}"} for n in range(30)]
    ids = outbox.record_many(kind="announcement", rows=rows, subject="Kabar", body_text="Isi", language="id")

    first = Worker(broker_url=shared_redis, smtp_port=smtp_server.port, name="killed").wait_ready()
    try:
        outbox.dispatch_batch(notification_ids=ids)
        wait_for(lambda: len(smtp_server.messages) >= 5 and slow.in_rcpt, what="the batch to be under way")
        first.kill()
    finally:
        first.stop()
    delivered = len(smtp_server.messages)
    assert 5 <= delivered < 30
    assert Notification.objects.filter(status="sent").count() == delivered
    # The batch was claimed as a whole: what was not sent stays 'sending', nothing is lost.
    assert Notification.objects.filter(status="sending").count() == 30 - delivered

    # Ten minutes later the sweeper finds the stuck row and the ones never tried.
    past = timezone.now() - outbox.SENDING_TIMEOUT - timedelta(seconds=1)
    Notification.objects.update(created_at=past)
    Notification.objects.filter(status="sending").update(claimed_at=past)
    smtp_server.handler.handle_RCPT = None
    del smtp_server.handler.handle_RCPT
    with worker(shared_redis, smtp_server, name="second"):
        assert outbox.sweep() == 30 - delivered
        wait_for(lambda: not Notification.objects.exclude(status="sent").exists(), what="every row sent")
    assert recipients(smtp_server) == sorted(row["recipient"] for row in rows)


def test_announcement_fans_out_to_2000_members_one_email_each(shared_redis, smtp_server, make_training):
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"kader{n:04d}@example.org", password="!") for n in range(2000)
    )
    users = list(get_user_model().objects.filter(email__startswith="kader").order_by("email"))
    Member.objects.bulk_create(
        Member(user=user, full_name=f"Kader {n}", status="active", announcements_opt_in=True)
        for n, user in enumerate(users)
    )
    with worker(shared_redis, smtp_server):
        make_training(title="Pelatihan Baru untuk Semua")  # a new training: announced on publish
        wait_for(lambda: len(smtp_server.messages) >= 2000, timeout=60, what="2,000 announcements")
        wait_for(lambda: not Notification.objects.exclude(status="sent").exists(), what="every row marked sent")
    got = recipients(smtp_server)
    assert got == sorted(user.email for user in users)  # 2,000, one each
    assert all("Pelatihan Baru untuk Semua" in message["Subject"] for message in smtp_server.messages[:5])


def test_a_worker_killed_inside_a_chunk_resends_that_chunk_at_most_and_never_a_row_marked_sent(
    shared_redis, smtp_server
):
    """Against a fast server accepted rows wait for their chunk's one UPDATE: a kill then leaves
    them 'sending', and they go out again; rows already marked sent never do (README's window)."""

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        await asyncio.sleep(0.003)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handler.handle_RCPT = handle_RCPT
    rows = [{"recipient": f"kader{n:03d}@example.org", "idempotency_key": f"chunk-kill-{n}"} for n in range(600)]
    ids = outbox.record_many(kind="announcement", rows=rows, subject="Kabar", body_text="Isi", language="id")

    first = Worker(broker_url=shared_redis, smtp_port=smtp_server.port, name="killed-in-chunk").wait_ready()
    try:
        outbox.dispatch_batch(notification_ids=ids)
        wait_for(lambda: len(smtp_server.messages) >= 40, what="the batch to be under way")
        first.kill()
    finally:
        first.stop()
    delivered = [message["To"] for message in smtp_server.messages]
    assert len(delivered) == len(set(delivered)) < 600
    marked = set(Notification.objects.filter(status="sent").values_list("recipient", flat=True))
    window = set(delivered) - marked  # accepted by the server, not yet marked sent
    assert marked <= set(delivered)
    assert len(window) <= outbox.MARK_CHUNK
    assert Notification.objects.filter(status="sending").count() == 600 - len(marked)

    past = timezone.now() - outbox.SENDING_TIMEOUT - timedelta(seconds=1)
    Notification.objects.update(created_at=past)
    Notification.objects.filter(status="sending").update(claimed_at=past)
    with worker(shared_redis, smtp_server, name="after-the-kill"):
        assert outbox.sweep() == 600 - len(marked)
        wait_for(lambda: not Notification.objects.exclude(status="sent").exists(), timeout=60, what="every row sent")
    received = Counter(message["To"] for message in smtp_server.messages)
    assert set(received) == {row["recipient"] for row in rows}  # nothing lost
    assert all(received[recipient] == 1 for recipient in marked)  # marked sent: never sent again
    assert {recipient for recipient, copies in received.items() if copies > 1} <= window
