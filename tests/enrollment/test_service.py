"""The enrollment service: every rule and every transition (invariants 1 to 3 of docs/architecture.md)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from members import attendance
from members import enrollment as service
from members.models import Enrollment, Member
from tasks import outbox
from tasks.models import Notification

pytestmark = pytest.mark.django_db

Status = Enrollment.Status


def statuses(training):
    return list(Enrollment.objects.filter(training=training).order_by("pk").values_list("status", flat=True))


def test_free_seat_confirms_and_records_a_confirmation_with_the_calendar(make_training, make_active_member):
    training = make_training(capacity=2)
    enrollment = service.enroll(member=make_active_member(), training=training)
    assert enrollment.status == Status.CONFIRMED
    assert enrollment.confirmed_at is not None
    assert service.follow_up_pending() == 1  # the worker's job, after the commit (members.tasks)
    notification = Notification.objects.get(kind="enrollment_confirmed")
    assert notification.recipient == enrollment.member.email
    assert training.title in outbox.rendered(notification).body_text
    # The calendar file is made when the email is built for sending (not under the seat lock).
    [calendar] = list(outbox.build_message(notification).message().iter_attachments())
    assert calendar.get_filename().endswith(".ics")
    assert "BEGIN:VEVENT" in calendar.get_content()


def test_full_training_puts_requests_on_the_waiting_list_first_come_first_served(make_training, make_active_member):
    training = make_training(capacity=1)
    members = [make_active_member() for _ in range(4)]
    results = [service.enroll(member=member, training=training) for member in members]
    assert [result.status for result in results] == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [service.waitlist_position(enrollment=result) for result in results] == [None, 1, 2, 3]
    assert service.follow_up_pending() == 4  # the worker's job, after the commit (members.tasks)
    waitlisted = Notification.objects.filter(kind="enrollment_waitlisted").order_by("pk")
    assert "2" in outbox.rendered(waitlisted[1]).body_text
    seats = service.seats_for(training=training)
    assert (seats.capacity, seats.confirmed, seats.waitlisted, seats.left) == (1, 1, 3, 0)


def test_cancelling_a_confirmed_seat_promotes_the_next_in_line_at_once(make_training, make_active_member):
    training = make_training(capacity=1)
    first, second, third = (service.enroll(member=make_active_member(), training=training) for _ in range(3))
    service.cancel(enrollment=first)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert third.status == Status.WAITLISTED
    assert service.waitlist_position(enrollment=third) == 1
    promoted = Notification.objects.get(kind="enrollment_promoted")
    assert promoted.recipient == second.member.email
    assert Notification.objects.filter(kind="enrollment_cancelled", recipient=first.member.email).exists()


def test_promotion_skips_people_who_are_no_longer_eligible_but_keeps_their_place(make_training, make_active_member):
    training = make_training(capacity=1)
    first = service.enroll(member=make_active_member(), training=training)
    suspended = service.enroll(member=make_active_member(), training=training)
    third = service.enroll(member=make_active_member(), training=training)
    Member.objects.filter(pk=suspended.member_id).update(status=Member.Status.SUSPENDED)
    service.cancel(enrollment=first)
    assert Enrollment.objects.get(pk=suspended.pk).status == Status.WAITLISTED
    assert Enrollment.objects.get(pk=third.pk).status == Status.CONFIRMED


def test_members_cannot_cancel_after_the_deadline_but_staff_can(make_training, make_active_member, staff_user):
    training = make_training(capacity=5, starts_at=timezone.now() + timedelta(hours=10), cancellation_deadline_hours=24)
    enrollment = service.enroll(member=make_active_member(), training=training)
    with pytest.raises(service.EnrollmentError) as refused:
        service.cancel(enrollment=enrollment)
    assert refused.value.code == "too_late"
    assert Enrollment.objects.get(pk=enrollment.pk).status == Status.CONFIRMED
    service.cancel(enrollment=enrollment, by=staff_user, by_staff=True, reason="Sakit")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.reason, enrollment.decided_by) == (Status.CANCELLED, "Sakit", staff_user)


def test_raising_capacity_in_a_published_page_promotes_the_waiting_list(make_training, make_active_member):
    training = make_training(capacity=1)
    enrollments = [service.enroll(member=make_active_member(), training=training) for _ in range(4)]
    revision = training.latest_revision.as_object()
    revision.capacity = 3
    revision.save_revision().publish()
    assert statuses(training) == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert service.waitlist_position(enrollment=Enrollment.objects.get(pk=enrollments[3].pk)) == 1


def test_lowering_capacity_drops_nobody_and_new_requests_wait(make_training, make_active_member):
    training = make_training(capacity=3)
    for _ in range(3):
        service.enroll(member=make_active_member(), training=training)
    revision = training.latest_revision.as_object()
    revision.capacity = 1
    revision.save_revision().publish()
    training.refresh_from_db()
    assert statuses(training) == ["confirmed"] * 3
    assert service.enroll(member=make_active_member(), training=training).status == Status.WAITLISTED
    service.cancel(enrollment=Enrollment.objects.filter(training=training).first())
    assert statuses(training).count("confirmed") == 2, "a freed seat above the new capacity is not refilled"


def test_one_active_enrollment_per_member_and_training(make_training, make_active_member):
    training = make_training()
    member = make_active_member()
    service.enroll(member=member, training=training)
    with pytest.raises(service.EnrollmentError) as refused:
        service.enroll(member=member, training=training)
    assert refused.value.code == "already_enrolled"
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(member=member, training=training, status=Status.WAITLISTED)


def test_a_member_may_enroll_again_after_cancelling(make_training, make_active_member):
    training = make_training()
    member = make_active_member()
    service.cancel(enrollment=service.enroll(member=member, training=training))
    assert service.enroll(member=member, training=training).status == Status.CONFIRMED


@pytest.mark.parametrize(
    ("member_fields", "training_fields", "code"),
    [
        ({"status": "pending"}, {}, "not_verified"),
        ({"status": "suspended"}, {}, "not_verified"),
        ({"phone": ""}, {}, "incomplete_profile"),
        ({}, {"status": "cancelled", "status_reason": "Hujan lebat"}, "cancelled"),
        ({}, {"status": "postponed"}, "postponed"),
        ({}, {"capacity": 0}, "no_online"),
        ({}, {"capacity": None}, "no_online"),
        ({}, {"enrollment_opens_at": timezone.now() + timedelta(days=1)}, "not_open"),
        ({}, {"enrollment_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
        ({"gender": "male"}, {"gender": "women"}, "not_eligible"),
        ({"gender": "female"}, {"gender": "men"}, "not_eligible"),
        ({"cadre_level": "none"}, {"min_cadre_level": "pkd"}, "not_eligible"),
        ({"cadre_level": "pkd"}, {"min_cadre_level": "pkl"}, "not_eligible"),
        ({"birth_date": date(2012, 1, 1)}, {"min_age": 17}, "not_eligible"),
        ({"birth_date": date(1980, 1, 1)}, {"max_age": 40}, "not_eligible"),
    ],
)
def test_rules_refuse_with_their_own_message(make_training, make_active_member, member_fields, training_fields, code):
    training = make_training(**training_fields)
    member = make_active_member(**member_fields)
    with pytest.raises(service.EnrollmentError) as refused:
        service.enroll(member=member, training=training)
    assert refused.value.code == code
    assert str(refused.value.message)
    assert not Enrollment.objects.exists()
    assert not Notification.objects.exists()


def test_eligible_cases_are_accepted(make_training, make_active_member):
    women_only = make_training(gender="women", min_cadre_level="pkd", min_age=17, max_age=45)
    member = make_active_member(gender="female", cadre_level="pkl", birth_date=date(1995, 6, 1))
    assert service.enroll(member=member, training=women_only).status == Status.CONFIRMED


def test_district_restriction(make_training, make_active_member):
    from core.models import District

    talawi, sei_balai = District.objects.get(slug="talawi"), District.objects.get(slug="sei-balai")
    training = make_training()
    training.districts.set([talawi])
    training.save_revision().publish()
    with pytest.raises(service.EnrollmentError):
        service.enroll(member=make_active_member(district=sei_balai), training=training)
    assert service.enroll(member=make_active_member(district=talawi), training=training).status == Status.CONFIRMED


def test_age_is_taken_at_the_start_of_the_training(make_training, make_active_member):
    starts_at = timezone.now() + timedelta(days=30)
    born = (starts_at - timedelta(days=365 * 17 + 10)).date()  # 17 by the start, 16 today... or so
    training = make_training(starts_at=starts_at, min_age=17)
    assert service.age_on(born, starts_at.date()) >= 17
    assert service.enroll(member=make_active_member(birth_date=born), training=training).status == Status.CONFIRMED


def test_approval_trainings_wait_for_staff(make_training, make_active_member, staff_user):
    training = make_training(capacity=1, requires_approval=True)
    first = service.enroll(member=make_active_member(), training=training)
    second = service.enroll(member=make_active_member(), training=training)
    assert (first.status, second.status) == (Status.PENDING, Status.PENDING)
    assert service.follow_up_pending() == 2  # the worker's job, after the commit (members.tasks)
    assert Notification.objects.filter(kind="enrollment_pending").count() == 2
    assert service.approve(enrollment=first, by=staff_user).status == Status.CONFIRMED
    assert service.approve(enrollment=second, by=staff_user).status == Status.WAITLISTED
    service.reject(enrollment=first, by=staff_user, reason="Kuota kecamatan penuh")
    assert Enrollment.objects.get(pk=second.pk).status == Status.CONFIRMED
    rejected = Notification.objects.get(kind="enrollment_rejected")
    assert "Kuota kecamatan penuh" in outbox.rendered(rejected).body_text
    with pytest.raises(service.EnrollmentError) as refused:
        service.enroll(member=first.member, training=training)
    assert refused.value.code == "rejected"


def test_attendance_is_recorded_for_confirmed_participants_only(make_training, make_active_member, staff_user):
    training = make_training(capacity=1)
    confirmed = service.enroll(member=make_active_member(), training=training)
    waitlisted = service.enroll(member=make_active_member(), training=training)
    assert attendance.mark_attended(enrollment=confirmed, by=staff_user).attended is True
    with pytest.raises(service.EnrollmentError):
        attendance.mark_attended(enrollment=waitlisted, by=staff_user)


def test_each_transition_is_notified_once(make_training, make_active_member):
    training = make_training(capacity=1)
    enrollment = service.enroll(member=make_active_member(), training=training)
    from members import notifications

    notifications.enrollment_changed(enrollment=enrollment)  # repeated: same transition, same key
    assert Notification.objects.filter(kind="enrollment_confirmed").count() == 1


def test_enrolling_renders_no_email_and_the_email_tells_the_place_in_line(make_training, make_active_member):
    """Neither the request nor the worker's follow-up renders anything: the outbox row keeps the
    template and context, and the email delivered from it tells the member what the page told them."""
    from django.test.signals import template_rendered

    training = make_training(capacity=1)
    first, second, third = (make_active_member() for _ in range(3))
    rendered_templates = []

    def record(sender, template, **kwargs):
        rendered_templates.append(template.name)

    template_rendered.connect(record)
    try:
        results = [service.enroll(member=member, training=training) for member in (first, second, third)]
        assert service.follow_up_pending() == 3  # the worker's job, after the commit (members.tasks)
    finally:
        template_rendered.disconnect(record)
    assert rendered_templates == []
    assert [result.status for result in results] == [Status.CONFIRMED, Status.WAITLISTED, Status.WAITLISTED]
    rows = {row.recipient: row for row in Notification.objects.filter(kind__startswith="enrollment_")}
    assert all(row.template and not row.body_text for row in rows.values())
    third_email = outbox.build_message(rows[third.user.email]).message()
    text = third_email.get_body(preferencelist=("plain",)).get_content()
    assert "urutan ke-2" in text and third.full_name in text
    assert training.title in str(third_email["Subject"])


def test_under_the_seat_lock_only_the_counter_and_the_enrollment(make_training, make_active_member):
    """The seat lock is held from the counter's UPDATE to the commit, and every statement in
    between makes every other member wait: the conditional UPDATE that takes a seat (or, the
    training full, the one that takes a place in line) and the enrollment, nothing else (no count,
    no savepoint round trips, no email, no audit entry: the worker records those afterwards,
    members.enrollment.follow_up). On PostgreSQL the two are one statement, which holds the lock
    only while the database runs it (members.enrollment._enroll_at_once). The audit entry is
    still the one the participants' history shows, stamped at the request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import ModelLogEntry

    training = make_training(capacity=1)

    def under_lock(member):
        with CaptureQueriesContext(connection) as queries:
            enrollment = service.enroll(member=member, training=training)
        # A statement prepared on PostgreSQL (core.prepared) is logged as "QUERY = '<sql>' - PARAMS = ...".
        statements = [query["sql"].removeprefix("QUERY = '") for query in queries.captured_queries]
        lock = next(n for n, sql in enumerate(statements) if "members_trainingseats" in sql)
        # Savepoints: the test's transaction is open (a request runs in autocommit, without them).
        after = [sql for sql in statements[lock:] if "SAVEPOINT" not in sql.split()[:2]]
        return enrollment, [" ".join(sql.split()[:3]).replace('"', "") for sql in after]

    if connection.vendor == "postgresql":  # the UPDATE and the INSERT in one statement
        seat = place = ["WITH seat AS"]
    else:
        seat = place = ["UPDATE members_trainingseats SET", "INSERT INTO members_enrollment"]
    service._found_full.clear()  # what this process learnt of earlier tests' trainings (same ids)
    first, statements = under_lock(make_active_member())
    assert first.status == Status.CONFIRMED
    assert statements == seat
    member = make_active_member(full_name="Nur'aini Siregar")
    enrollment, statements = under_lock(member)
    # No seat: then the waiting list.
    assert statements == seat[:1] + place
    third, statements = under_lock(make_active_member())
    assert third.status == Status.WAITLISTED
    assert statements == place  # found full first
    assert enrollment.status == Status.WAITLISTED
    # What enroll() returns is the row as stored: stamped once, the place in line it was given.
    stored = Enrollment.objects.get(pk=enrollment.pk)
    assert stored.requested_at == stored.waitlisted_at == enrollment.requested_at == enrollment.waitlisted_at
    assert stored.follow_up == enrollment.follow_up == {"status": "waitlisted", "position": 1}
    assert stored.token == enrollment.token and stored.confirmed_at is None
    assert Enrollment.objects.get(pk=first.pk).confirmed_at == first.confirmed_at == first.requested_at
    assert not ModelLogEntry.objects.filter(object_id=str(enrollment.pk)).exists()
    assert not Notification.objects.exists()
    assert service.follow_up_pending() == 3  # the worker's job, after the commit (members.tasks)
    entry = ModelLogEntry.objects.get(object_id=str(enrollment.pk), action="members.enrollment.enroll")
    assert entry.user == member.user and entry.data == {"status": "waitlisted"}
    assert entry.timestamp == enrollment.requested_at
    assert entry.label == str(enrollment) and "Nur'aini Siregar" in entry.label
    assert entry.content_type.model_class() is Enrollment
