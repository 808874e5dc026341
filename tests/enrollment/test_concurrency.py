"""Invariant 1 under real concurrency: 50 simultaneous requests for 5 seats.

Each thread has its own database connection, as each web process would. The suite runs
on SQLite and again on PostgreSQL (Makefile), so both databases are proven.
"""

import contextlib
import re
import threading

import pytest
from django.db import connection

from members import enrollment as service
from members.models import Enrollment, TrainingSeats
from tasks import outbox
from tasks.models import Notification

# Real commits: the database is flushed after each test, and seed_demo (the demo_site
# fixture) rebuilds what the next one needs.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

Status = Enrollment.Status


def assert_counted(training):
    """The seat row's counters (taken with one conditional UPDATE, recounted by other transitions)
    equal what seats_for() counts, after every concurrent run."""
    seats = service.seats_for(training=training)
    row = TrainingSeats.objects.get(training=training)
    assert (row.taken, row.waiting) == (seats.confirmed + seats.offered, seats.waitlisted)


def run_at_once(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def run(function):
        try:
            barrier.wait()
            function()
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_fifty_simultaneous_requests_for_five_seats(make_training, make_active_member):
    training = make_training(capacity=5)
    members = [make_active_member() for _ in range(50)]

    errors = run_at_once([lambda member=member: service.enroll(member=member, training=training) for member in members])

    assert errors == []
    enrollments = Enrollment.objects.filter(training=training)
    assert enrollments.filter(status=Status.CONFIRMED).count() == 5
    assert enrollments.filter(status=Status.WAITLISTED).count() == 45
    assert enrollments.count() == 50
    assert_counted(training)

    # Confirmed seats went to the first five requests; the waiting list keeps arrival order.
    by_arrival = list(enrollments.order_by("requested_at", "pk"))
    assert [enrollment.status for enrollment in by_arrival[:5]] == [Status.CONFIRMED] * 5

    # One email each, as delivered: the confirmed with their calendar, everyone waiting told
    # their own place in line (1 to 45, no gap, no two told the same).
    emails = {row.recipient: row for row in Notification.objects.filter(recipient__in=[m.user.email for m in members])}
    assert len(emails) == 50
    told, actual = {}, {}
    for enrollment in by_arrival:
        row = emails[enrollment.member.user.email]
        if enrollment.status == Status.CONFIRMED:
            assert row.kind == "enrollment_confirmed" and row.attachments
            continue
        assert row.kind == "enrollment_waitlisted"
        told[enrollment.pk] = int(re.search(r"urutan ke-(\d+)", outbox.rendered(row).body_text).group(1))
        actual[enrollment.pk] = service.waitlist_position(enrollment=enrollment)
    assert told == actual and sorted(told.values()) == list(range(1, 46))

    # Cancellations promote the waiting list in order.
    waiting = [enrollment for enrollment in by_arrival if enrollment.status == Status.WAITLISTED]
    for enrollment in by_arrival[:2]:
        service.cancel(enrollment=enrollment)
    promoted = list(enrollments.filter(status=Status.CONFIRMED).order_by("requested_at", "pk"))[3:]
    assert [enrollment.pk for enrollment in promoted] == [enrollment.pk for enrollment in waiting[:2]]
    assert_counted(training)


def test_simultaneous_cancellations_never_overfill(make_training, make_active_member):
    training = make_training(capacity=3)
    enrollments = [service.enroll(member=make_active_member(), training=training) for _ in range(10)]
    confirmed = [enrollment for enrollment in enrollments if enrollment.status == Status.CONFIRMED]
    newcomers = [make_active_member() for _ in range(10)]

    work = [lambda enrollment=enrollment: service.cancel(enrollment=enrollment) for enrollment in confirmed]
    work += [lambda member=member: service.enroll(member=member, training=training) for member in newcomers]
    errors = run_at_once(work)

    assert errors == []
    assert Enrollment.objects.filter(training=training, status=Status.CONFIRMED).count() == 3
    assert Enrollment.objects.filter(training=training, status=Status.WAITLISTED).count() == 14
    assert_counted(training)


def test_the_same_member_clicking_twice_at_once_gets_one_enrollment(make_training, make_active_member):
    training = make_training(capacity=5)
    member = make_active_member()

    errors = run_at_once([lambda: service.enroll(member=member, training=training)] * 5)

    assert Enrollment.objects.filter(training=training, member=member).count() == 1
    assert len(errors) == 4
    assert all(getattr(error, "code", None) == "already_enrolled" for error in errors)
    assert_counted(training)  # the clicks that lost counted nothing in


def test_offers_hold_seats_under_interleaved_cancellations_answers_and_expiries(make_training, make_active_member):
    """Invariant 1 with offers: confirmed + open offers never exceed the seats, whatever runs at once
    (members cancelling, people answering offers, the expiry job twice, newcomers enrolling), and
    offers go down the waiting list in order."""
    from datetime import timedelta

    from django.utils import timezone

    from members.models import WaitlistOffer

    OfferStatus = WaitlistOffer.Status
    training = make_training(capacity=5, waitlist_offer_hours=24)
    confirmed = [service.enroll(member=make_active_member(), training=training) for _ in range(5)]
    waiting = [service.enroll(member=make_active_member(), training=training) for _ in range(25)]
    for enrollment in confirmed[:2]:
        service.cancel(enrollment=enrollment)
    first_offers = list(WaitlistOffer.objects.order_by("pk"))
    assert [offer.enrollment_id for offer in first_offers] == [enrollment.pk for enrollment in waiting[:2]]
    now = timezone.now()
    in_time, too_late = now + timedelta(hours=1), now + timedelta(hours=25)

    def answer(function, offer, when):
        def run():
            # The expiry job may come first: then one outcome, told clearly (an EnrollmentError).
            with contextlib.suppress(service.EnrollmentError):
                function(offer=offer, now=when)

        return run

    work = [lambda enrollment=enrollment: service.cancel(enrollment=enrollment) for enrollment in confirmed[2:4]]
    work += [
        answer(service.offer_accept, first_offers[0], in_time),
        answer(service.offer_decline, first_offers[1], in_time),
    ]
    work += [lambda: service.offers_expire(now=too_late)] * 2 + [lambda: service.offers_remind(now=too_late)]
    work += [lambda enrollment=enrollment: service.cancel(enrollment=enrollment) for enrollment in waiting[20:22]]
    newcomers = [make_active_member() for _ in range(8)]
    work += [lambda member=member: service.enroll(member=member, training=training) for member in newcomers]
    errors = run_at_once(work)

    assert errors == []
    seats = service.seats_for(training=training)
    assert seats.confirmed + seats.offered == 5  # no seat lost, none given twice
    assert WaitlistOffer.objects.filter(status=OfferStatus.OPEN).count() == seats.offered
    assert_counted(training)
    # Every offer ended one way, and the enrollment agrees with it.
    for offer in WaitlistOffer.objects.select_related("enrollment"):
        expected = {
            OfferStatus.OPEN: Status.WAITLISTED,
            OfferStatus.ACCEPTED: Status.CONFIRMED,
            OfferStatus.DECLINED: Status.CANCELLED,
            OfferStatus.EXPIRED: Status.CANCELLED,
        }[offer.status]
        assert offer.enrollment.status == expected, offer
    # First come, first served: the offers went to the head of the waiting list, in order.
    offered = list(WaitlistOffer.objects.order_by("pk").values_list("enrollment_id", flat=True))
    assert offered == [enrollment.pk for enrollment in waiting[: len(offered)]]
    assert (
        Enrollment.objects.filter(training=training, requested_at__gt=waiting[-1].requested_at)
        .exclude(status=Status.WAITLISTED)
        .count()
        == 0
    )  # the newcomers found no free seat: every freed one was held for someone
    # One email per offer, one per expiry.
    assert Notification.objects.filter(kind="offer_made").count() == len(offered)
    assert (
        Notification.objects.filter(kind="offer_expired").count()
        == WaitlistOffer.objects.filter(status=OfferStatus.EXPIRED).count()
    )


def test_the_expiry_job_running_twice_at_once_passes_the_seat_on_once(make_training, make_active_member):
    from datetime import timedelta

    from members.models import WaitlistOffer

    training = make_training(capacity=1, waitlist_offer_hours=24)
    first = service.enroll(member=make_active_member(), training=training)
    waiting = [service.enroll(member=make_active_member(), training=training) for _ in range(3)]
    service.cancel(enrollment=first)
    [offer] = WaitlistOffer.objects.all()
    later = offer.expires_at + timedelta(minutes=1)

    errors = run_at_once([lambda: service.offers_expire(now=later)] * 4)

    assert errors == []
    assert list(WaitlistOffer.objects.order_by("pk").values_list("enrollment_id", "status")) == [
        (waiting[0].pk, "expired"),
        (waiting[1].pk, "open"),
    ]
    assert Notification.objects.filter(kind="offer_expired").count() == 1
    assert Notification.objects.filter(kind="offer_made").count() == 2
    assert_counted(training)


def test_workers_following_up_at_once_record_each_email_and_entry_once(make_training, make_active_member, monkeypatch):
    """The broker was down when 20 members enrolled (no wake-up queued); then the beat's sweep
    and queued runs of the follow-up job all start at once: every email and entry is recorded once."""
    from collections import Counter

    from wagtail.models import ModelLogEntry

    monkeypatch.setattr(service, "_follow_up_soon", lambda: None)  # the wake-up the broker refused
    training = make_training(capacity=3)
    members = [make_active_member() for _ in range(20)]
    enrollments = [service.enroll(member=member, training=training) for member in members]
    assert not Notification.objects.filter(kind__startswith="enrollment_").exists()

    errors = run_at_once([service.follow_up_pending] * 4)

    assert errors == []
    sent_to = Notification.objects.filter(kind__startswith="enrollment_").values_list("recipient", flat=True)
    assert Counter(sent_to) == {member.user.email: 1 for member in members}
    entries = ModelLogEntry.objects.filter(action="members.enrollment.enroll")
    assert Counter(entries.values_list("object_id", flat=True)) == {str(e.pk): 1 for e in enrollments}
    assert not Enrollment.objects.filter(follow_up__isnull=False).exists()
