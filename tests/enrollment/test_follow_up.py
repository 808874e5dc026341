"""A member's new enrollment owes its email and audit entry to the worker (``Enrollment.follow_up``):
recorded after the commit, once, and always before anything else about the same enrollment."""

import re

import pytest
from wagtail.models import ModelLogEntry

from members import enrollment as service
from members.models import Enrollment
from tasks import outbox
from tasks.models import Notification
from tests.people import JUMAT, KHADIJAH, NURAINI

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


def kinds(member) -> list[str]:
    """The emails a member is sent, in the order the outbox sends them."""
    return list(Notification.objects.filter(recipient=member.user.email).order_by("pk").values_list("kind", flat=True))


def actions(enrollment) -> list[str]:
    """The participants' history of an enrollment, oldest first."""
    entries = ModelLogEntry.objects.filter(object_id=str(enrollment.pk)).order_by("timestamp", "pk")
    return list(entries.values_list("action", flat=True))


def test_after_the_commit_the_worker_records_the_email_and_the_entry_once(
    make_training, make_person, django_capture_on_commit_callbacks
):
    """No broker (``make run``, the tests): the commit's wake-up runs the worker's job in-process."""
    nuraini = make_person(NURAINI)
    training = make_training(title="Kopi & Kue di Ma'had", capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = service.enroll(member=nuraini, training=training)
        assert kinds(nuraini) == [] and actions(enrollment) == []  # the request recorded only the enrollment
    assert kinds(nuraini) == ["enrollment_confirmed"]
    assert actions(enrollment) == ["members.enrollment.enroll"]
    entry = ModelLogEntry.objects.get(object_id=str(enrollment.pk))
    assert (entry.user, entry.timestamp, entry.data) == (nuraini.user, enrollment.requested_at, {"status": "confirmed"})
    assert Enrollment.objects.get(pk=enrollment.pk).follow_up is None

    assert service.follow_up_pending() == 0  # the beat's sweep: nothing is owed any more, nothing twice
    assert kinds(nuraini) == ["enrollment_confirmed"] and len(actions(enrollment)) == 1


def test_a_cancellation_before_the_worker_tells_of_the_seat_first(make_training, make_person):
    nuraini = make_person(NURAINI)
    enrollment = service.enroll(member=nuraini, training=make_training())
    service.cancel(enrollment=enrollment)  # before the worker came to it
    assert kinds(nuraini) == ["enrollment_confirmed", "enrollment_cancelled"]
    assert actions(enrollment) == ["members.enrollment.enroll", "members.enrollment.cancel"]
    assert service.follow_up_pending() == 0
    assert len(kinds(nuraini)) == 2


def test_a_promotion_before_the_worker_tells_of_the_place_in_line_first(make_training, make_person):
    training = make_training(capacity=1)
    nuraini, jumat, khadijah = make_person(NURAINI), make_person(JUMAT), make_person(KHADIJAH)
    first = service.enroll(member=nuraini, training=training)
    second = service.enroll(member=jumat, training=training)
    service.enroll(member=khadijah, training=training)
    service.cancel(enrollment=first)  # Jum'at moves up before his waiting-list email was recorded
    assert kinds(jumat) == ["enrollment_waitlisted", "enrollment_promoted"]
    told = Notification.objects.get(recipient=JUMAT.email, kind="enrollment_waitlisted")
    assert "urutan ke-1." in outbox.rendered(told).body_text  # his place when he asked
    assert actions(second) == ["members.enrollment.enroll", "members.enrollment.promote"]
    assert service.follow_up_pending() == 1  # Khadijah's, still owed; the others' were recorded once
    assert kinds(khadijah) == ["enrollment_waitlisted"]
    text = outbox.rendered(Notification.objects.get(recipient=KHADIJAH.email)).body_text
    assert re.search(r"urutan ke-2\.", text) and "Siti Khadijah binti Abdurrahman Al-Ma'arif" in text


def test_one_follow_up_failing_holds_back_no_one_elses(make_training, make_person, monkeypatch, caplog):
    from members import notifications

    training = make_training(capacity=5)
    nuraini, jumat = make_person(NURAINI), make_person(JUMAT)
    broken = service.enroll(member=nuraini, training=training)
    service.enroll(member=jumat, training=training)
    working = notifications.enrollment_changed

    def fails_for_the_first(*, enrollment, **kwargs):
        if enrollment.pk == broken.pk:
            raise RuntimeError("the mail template is broken")
        return working(enrollment=enrollment, **kwargs)

    monkeypatch.setattr(notifications, "enrollment_changed", fails_for_the_first)
    assert service.follow_up_pending() == 1  # Jum'at's, though Nur'aini's came first and failed
    assert kinds(jumat) == ["enrollment_confirmed"] and kinds(nuraini) == []
    assert Enrollment.objects.get(pk=broken.pk).follow_up is not None  # still owed, tried again next run
    assert actions(broken) == []  # nothing half-recorded
    assert "stays owed" in caplog.text

    monkeypatch.setattr(notifications, "enrollment_changed", working)
    assert service.follow_up_pending() == 1
    assert kinds(nuraini) == ["enrollment_confirmed"] and actions(broken) == ["members.enrollment.enroll"]
