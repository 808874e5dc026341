"""Two phones at the door at once: one attendance per person and session, whatever the timing.

Real threads with their own database connections, as two coordinators' phones reach two web
processes; the suite runs on SQLite and on PostgreSQL, so both databases are proven.
"""

import uuid

import pytest

from members import attendance
from members import enrollment as service
from members.models import Attendance, CheckinScan, Member
from programs import sessions
from tests.enrollment.test_concurrency import run_at_once
from tests.people import JUMAT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_phones_scanning_at_once_give_one_attendance_and_a_replayed_scan_counts_once(
    make_training, make_person, roles
):
    training = make_training()
    (session,) = sessions.held_sessions(training=training)
    nuraini = service.enroll(member=Member.objects.get(user=roles.member), training=training)
    jumat = service.enroll(member=make_person(JUMAT), training=training)
    replayed = uuid.uuid4()
    answers = []

    def phone(by, token, scan_id=None):
        def scan():
            answers.append(attendance.apply_scan(scan_id=scan_id or uuid.uuid4(), session=session, by=by, token=token))

        return scan

    errors = run_at_once(
        [
            # Two coordinators scan Nur'aini in the same moment.
            phone(roles.coordinator, nuraini.token),
            phone(roles.superuser, nuraini.token),
            # One phone's queue sent twice at once (a retry racing the first try).
            phone(roles.coordinator, jumat.token, replayed),
            phone(roles.coordinator, jumat.token, replayed),
        ]
    )

    assert errors == []
    assert Attendance.objects.filter(enrollment=nuraini, session=session).count() == 1
    assert Attendance.objects.filter(enrollment=jumat, session=session).count() == 1
    assert CheckinScan.objects.filter(scan_id=replayed).count() == 1
    for_nuraini = sorted(answer.result for answer in answers if answer.enrollment_id == nuraini.pk)
    assert for_nuraini == ["already", "checked_in"]
    for_jumat = [answer for answer in answers if answer.enrollment_id == jumat.pk]
    assert [answer.result for answer in for_jumat] == ["checked_in", "checked_in"]  # the same answer twice
