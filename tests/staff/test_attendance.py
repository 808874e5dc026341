"""Attendance per session at the door: scans applied once, walk-ins through the seat lock, the threshold.

The service (members.attendance) is what the scanner page, the check-in page and the bulk action
call; these tests call it directly, with the people of tests/people.py.
"""

import uuid
from datetime import datetime, timedelta

import pytest

from core.clock import WIB
from members import attendance
from members import enrollment as service
from members.enrollment import EnrollmentError
from members.models import Attendance, CheckinScan, Enrollment
from programs import sessions
from tasks.models import Notification
from tests.people import DEWI, FAUZI, JUMAT, KHADIJAH

pytestmark = pytest.mark.django_db

DAY_ONE = datetime(2030, 12, 14, 8, 0, tzinfo=WIB)


def nuraini_of(roles):
    """Nur'aini, the roles fixture's member."""
    from members.models import Member

    return Member.objects.get(user=roles.member)


def days_training(make_training, count, *, threshold=100, **fields):
    return make_training(
        sessions=[
            (
                "session",
                {
                    "starts_at": DAY_ONE + timedelta(days=number),
                    "ends_at": DAY_ONE + timedelta(days=number, hours=8),
                },
            )
            for number in range(count)
        ],
        attendance_threshold=threshold,
        **fields,
    )


def scan(session, coordinator, *, token=None, enrollment_id=None, scan_id=None, at=None):
    return attendance.apply_scan(
        scan_id=scan_id or uuid.uuid4(),
        session=session,
        by=coordinator,
        token=token,
        enrollment_id=enrollment_id,
        scanned_at=at,
        now=DAY_ONE + timedelta(hours=12),
    )


def test_a_second_phone_scanning_the_same_person_is_told_when_they_arrived(make_training, make_person, roles):
    training = days_training(make_training, 1)
    (session,) = sessions.held_sessions(training=training)
    nuraini = service.enroll(member=nuraini_of(roles), training=training)

    first = scan(session, roles.coordinator, token=nuraini.token, at=DAY_ONE.replace(minute=47))
    second = scan(session, roles.superuser, token=nuraini.token, at=DAY_ONE.replace(hour=9, minute=2))

    assert first.result == "checked_in" and first.name == "Nur'aini Siregar" and first.district == "Talawi"
    assert second.result == "already" and second.ok
    with_id = attendance.already_present(name="Nur'aini Siregar", attended_at=DAY_ONE.replace(minute=47))
    assert second.message == with_id
    assert Attendance.objects.filter(enrollment=nuraini).count() == 1
    nuraini.refresh_from_db()
    assert nuraini.attended is True and nuraini.attended_at == DAY_ONE.replace(minute=47)


def test_already_present_says_the_time_in_indonesian(make_training):
    from django.utils import translation

    with translation.override("id"):
        said = attendance.already_present(name="Nur'aini Siregar", attended_at=DAY_ONE.replace(minute=47))
    assert said == "Nur'aini Siregar sudah hadir pukul 08.47."


def test_an_offline_batch_replayed_applies_every_scan_once(make_training, make_person, roles):
    training = days_training(make_training, 1)
    (session,) = sessions.held_sessions(training=training)
    people = [service.enroll(member=make_person(person), training=training) for person in (DEWI, JUMAT, FAUZI)]
    stranger = service.enroll(member=make_person(KHADIJAH), training=make_training(title="Pelatihan Lain"))
    # What one phone queued without signal: three people, Jum'at scanned twice, a stranger's code,
    # someone picked from the name search.
    batch = [
        {"scan_id": uuid.uuid4(), "token": people[0].token},
        {"scan_id": uuid.uuid4(), "token": people[1].token},
        {"scan_id": uuid.uuid4(), "token": people[1].token},
        {"scan_id": uuid.uuid4(), "token": stranger.token},
        {"scan_id": uuid.uuid4(), "enrollment_id": people[2].pk},
    ]

    def send():
        return [scan(session, roles.coordinator, **item).as_json() for item in batch]

    first = send()
    again = send()  # the answers were lost on the way back: the phone sends the whole queue again

    assert again == first
    assert [answer["result"] for answer in first] == ["checked_in", "checked_in", "already", "refused", "checked_in"]
    assert "Pelatihan Lain" in first[3]["message"]
    assert Attendance.objects.filter(session=session).count() == 3
    assert CheckinScan.objects.filter(session=session).count() == 5
    assert attendance.session_counts(session=session) == attendance.Counts(expected=3, checked_in=3, walk_ins=0)


def test_a_scan_of_someone_not_confirmed_is_refused_and_records_nothing(make_training, make_person, roles):
    training = days_training(make_training, 1, capacity=1)
    (session,) = sessions.held_sessions(training=training)
    service.enroll(member=nuraini_of(roles), training=training)
    waiting = service.enroll(member=make_person(JUMAT), training=training)
    answer = scan(session, roles.coordinator, token=waiting.token)
    assert answer.result == "refused" and not answer.ok and answer.name == "Muhammad Jum'at Lubis"
    assert not Attendance.objects.filter(enrollment=waiting).exists()


def test_a_walk_in_gets_a_seat_through_the_enrollment_service_and_is_checked_in(make_training, make_person, roles):
    training = days_training(make_training, 1, capacity=2)
    (session,) = sessions.held_sessions(training=training)
    service.enroll(member=nuraini_of(roles), training=training)
    dewi = make_person(DEWI)

    answer = attendance.admit_walk_in(scan_id=uuid.uuid4(), session=session, member=dewi, by=roles.coordinator)

    assert answer.result == "walk_in" and answer.name == "Dewi <b>Ariani</b> O'Neill"
    walk_in = Enrollment.objects.get(member=dewi, training=training)
    assert walk_in.status == "confirmed" and walk_in.walk_in and walk_in.decided_by == roles.coordinator
    assert Notification.objects.filter(kind="enrollment_confirmed", recipient=DEWI.email).count() == 1
    assert attendance.session_counts(session=session) == attendance.Counts(expected=2, checked_in=1, walk_ins=1)
    assert service.seats_for(training=training).left == 0


def test_a_walk_in_is_refused_when_the_training_is_full(make_training, make_person, roles):
    training = days_training(make_training, 1, capacity=1)
    (session,) = sessions.held_sessions(training=training)
    service.enroll(member=nuraini_of(roles), training=training)
    jumat = make_person(JUMAT)
    scan_id = uuid.uuid4()

    with pytest.raises(EnrollmentError) as refused:
        attendance.admit_walk_in(scan_id=scan_id, session=session, member=jumat, by=roles.coordinator)

    assert refused.value.code == "full"
    assert not Enrollment.objects.filter(member=jumat).exists()
    assert not CheckinScan.objects.filter(scan_id=scan_id).exists()
    assert not Notification.objects.filter(recipient=JUMAT.email).exists()
    assert service.seats_for(training=training).confirmed == 1


def test_the_threshold_counts_sessions_attended(make_training, make_person, roles):
    training = days_training(make_training, 3, threshold=70)
    first, second, third = sessions.held_sessions(training=training)
    every_day, two_days, one_day = (
        service.enroll(member=make_person(person), training=training) for person in (DEWI, JUMAT, FAUZI)
    )
    for session in (first, second, third):
        scan(session, roles.coordinator, token=every_day.token)
    for session in (first, third):
        scan(session, roles.coordinator, token=two_days.token)
    scan(second, roles.coordinator, token=one_day.token)

    # 70 % of three days is 2.1: three days are needed.
    assert attendance.required_sessions(held=3, percent=70) == 3
    assert attendance.completed(training=training) == [every_day]
    assert [attendance.meets_threshold(enrollment=e) for e in (every_day, two_days, one_day)] == [True, False, False]

    # At 60 % two of three days are enough.
    TrainingPageModel = type(training)
    TrainingPageModel.objects.filter(pk=training.pk).update(attendance_threshold=60)
    training.refresh_from_db()
    assert {e.pk for e in attendance.completed(training=training)} == {every_day.pk, two_days.pk}


def test_one_day_at_the_default_threshold_needs_that_day(make_training, make_person, roles):
    training = make_training()
    assert training.attendance_threshold == 100
    (session,) = sessions.held_sessions(training=training)
    came, missed = (service.enroll(member=make_person(person), training=training) for person in (DEWI, JUMAT))
    scan(session, roles.coordinator, token=came.token)
    assert attendance.completed(training=training) == [came]
    assert not attendance.meets_threshold(enrollment=missed)


def test_publishing_the_page_never_loses_attendance(make_training, make_person, roles):
    training = days_training(make_training, 2)
    first, second = sessions.held_sessions(training=training)
    nuraini = service.enroll(member=nuraini_of(roles), training=training)
    scan(second, roles.coordinator, token=nuraini.token)

    # The editor moves the second day and publishes; then removes it and publishes again.
    page = training.get_latest_revision_as_object()
    page.title = "Pemasaran Digital (jadwal baru)"
    blocks = page.sessions.raw_data
    blocks[1]["value"]["starts_at"] = (second.starts_at + timedelta(hours=2)).isoformat()
    page.sessions = list(blocks)
    page.save_revision().publish()
    assert [row.pk for row in sessions.held_sessions(training=training)] == [first.pk, second.pk]
    assert Attendance.objects.get(enrollment=nuraini).session_id == second.pk

    page = training.get_latest_revision_as_object()
    page.sessions = list(page.sessions.raw_data)[:1]
    page.save_revision().publish()
    assert [row.pk for row in sessions.held_sessions(training=training)] == [first.pk]
    assert Attendance.objects.get(enrollment=nuraini).session_id == second.pk  # kept, no longer counted
    assert not attendance.meets_threshold(enrollment=nuraini)
