"""The seat row's counters (``TrainingSeats.taken`` and ``.waiting``) equal what seats_for() counts
after every transition: an enrollment counts itself in with one conditional UPDATE, every other
transition recounts under the lock. The concurrent runs are in test_concurrency.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from members import enrollment as service
from members.models import Enrollment, TrainingSeats, WaitlistOffer

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


def assert_counted(training):
    """The counters are what seats_for() counts: confirmed plus open offers, and the waiting list."""
    seats = service.seats_for(training=training)
    row = TrainingSeats.objects.get(training=training)
    assert (row.taken, row.waiting) == (seats.confirmed + seats.offered, seats.waitlisted)
    return row


def test_counters_follow_every_transition_without_offers(make_training, make_active_member):
    training = make_training(capacity=2)
    enrollments = [service.enroll(member=make_active_member(), training=training) for _ in range(5)]
    assert [e.status for e in enrollments] == [Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 3
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 3)

    service.cancel(enrollment=enrollments[0])  # a freed seat: the next in line promoted in the same transaction
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 2)
    service.cancel(enrollment=Enrollment.objects.get(pk=enrollments[4].pk))  # a waiting place given up
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 1)
    service.reject(enrollment=Enrollment.objects.get(pk=enrollments[1].pk), by=None, reason="Tidak hadir")
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 0)

    # A capacity raise published by an editor promotes; a walk-in takes a free seat; lowering keeps everyone.
    waiting = service.enroll(member=make_active_member(), training=training)
    assert waiting.status == Status.WAITLISTED
    revision = training.latest_revision.as_object()
    revision.capacity = 4
    revision.save_revision().publish()
    training.refresh_from_db()
    assert Enrollment.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (3, 0)
    service.admit_walk_in(member=make_active_member(), training=training, by=None)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (4, 0)
    revision = training.latest_revision.as_object()
    revision.capacity = 1
    revision.save_revision().publish()
    training.refresh_from_db()
    late = service.enroll(member=make_active_member(), training=training)
    assert late.status == Status.WAITLISTED  # the counter reads the capacity the page holds now
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (4, 1)

    # Staff move someone up when there is room; a deleted account gives up its places.
    revision = training.latest_revision.as_object()
    revision.capacity = 6
    revision.save_revision().publish()  # promotes `late` at once
    training.refresh_from_db()
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (5, 0)
    queued = Enrollment.objects.create(
        member=make_active_member(), training=training, status=Status.WAITLISTED, waitlisted_at=timezone.now()
    )  # as if it were from before a seat freed up (nothing but the service writes statuses)
    service.promote(enrollment=queued, by=None)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (6, 0)
    service.member_enrollments_release(member=queued.member)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (5, 0)


def test_counters_follow_approval(make_training, make_active_member):
    training = make_training(capacity=1, requires_approval=True)
    pending = [service.enroll(member=make_active_member(), training=training) for _ in range(3)]
    assert {e.status for e in pending} == {Status.PENDING}
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (0, 0)
    assert service.approve(enrollment=pending[0], by=None).status == Status.CONFIRMED
    assert service.approve(enrollment=pending[1], by=None).status == Status.WAITLISTED
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (1, 1)
    service.reject(enrollment=pending[2], by=None)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (1, 1)


def test_counters_follow_offers_made_accepted_declined_and_expired(make_training, make_active_member):
    training = make_training(capacity=2, waitlist_offer_hours=24)
    enrollments = [service.enroll(member=make_active_member(), training=training) for _ in range(6)]
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 4)

    service.cancel(enrollment=enrollments[0])  # the seat is held by an offer: still taken
    service.cancel(enrollment=enrollments[1])
    first, second = WaitlistOffer.objects.order_by("pk")
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 4)
    service.offer_accept(offer=first)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 3)
    service.offer_decline(offer=second)  # offered on to the next
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 2)
    [third] = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN)
    assert service.offer_expire(offer=third, now=third.expires_at + timedelta(minutes=1))
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 1)
    [fourth] = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.OPEN)
    service.cancel(enrollment=fourth.enrollment)  # the offer withdrawn, the seat free again (nobody left)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (1, 0)
    newcomer = service.enroll(member=make_active_member(), training=training)
    assert newcomer.status == Status.CONFIRMED
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 0)


def test_a_seat_row_made_late_starts_with_the_counts(make_training, make_active_member):
    """A row missing (a training from before the counters, or deleted) is made with what it counts."""
    training = make_training(capacity=2)
    for _ in range(3):
        service.enroll(member=make_active_member(), training=training)
    TrainingSeats.objects.filter(training=training).delete()
    assert service.enroll(member=make_active_member(), training=training).status == Status.WAITLISTED
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 2)
    TrainingSeats.objects.filter(training=training).delete()
    service.cancel(enrollment=Enrollment.objects.filter(training=training, status=Status.CONFIRMED).first())
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (2, 1)


def test_a_refused_or_repeated_enrollment_counts_nothing(make_training, make_active_member):
    training = make_training(capacity=1)
    member = make_active_member()
    service.enroll(member=member, training=training)
    with pytest.raises(service.EnrollmentError):
        service.enroll(member=member, training=training)
    assert (assert_counted(training).taken, assert_counted(training).waiting) == (1, 0)
