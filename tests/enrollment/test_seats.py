"""Seats are counted in one place: what the page, the staff's dashboard and the transitions see is the same count."""

import pytest

from members import enrollment as service

pytestmark = pytest.mark.django_db


def test_seats_of_several_trainings_in_one_query(make_training, make_active_member, django_assert_num_queries):
    busy = make_training(capacity=1)
    quiet = make_training(capacity=0)
    first, second = make_active_member(), make_active_member()
    service.enroll(member=first, training=busy)
    service.enroll(member=second, training=busy)

    with django_assert_num_queries(1):
        seats = service.seats_by_training(trainings=[busy, quiet])

    assert seats[busy.pk] == service.Seats(capacity=1, confirmed=1, waitlisted=1, pending=0)
    assert seats[busy.pk].full and seats[busy.pk] == service.seats_for(training=busy)
    assert seats[quiet.pk] == service.Seats(capacity=0, confirmed=0, waitlisted=0, pending=0)
