""" "Saya berhalangan" (issue 17): a confirmed participant frees their seat from the link in an email,
in two taps and without a login, also after the cancellation deadline (recorded as late)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from members import attendance, links
from members import enrollment as service
from members.models import Enrollment, WaitlistOffer
from tasks import outbox
from tasks.models import Notification
from tests.people import JUMAT, NURAINI

pytestmark = pytest.mark.django_db

Status = Enrollment.Status
ABSENCE_LINK = re.compile(r"https?://[^\s\"<>]+(/anggota/berhalangan/[A-Za-z0-9_-]+/)")


def absence_path(row: Notification) -> str:
    [path] = set(ABSENCE_LINK.findall(outbox.rendered(row).body_text))
    return path


def test_after_the_deadline_two_taps_free_the_seat_recorded_late_and_offered_on(make_training, make_person):
    # Tomorrow at this time: the members' cancellation deadline (24 hours) has just passed.
    training = make_training(
        capacity=1, waitlist_offer_hours=24, starts_at=timezone.now() + timedelta(hours=23, minutes=30)
    )
    nuraini = service.enroll(member=make_person(NURAINI), training=training)
    jumat = service.enroll(member=make_person(JUMAT), training=training)
    assert service.cancel_refusal(enrollment=nuraini).code == "too_late"

    service.follow_up_pending()  # the worker's job after the commit: the emails recorded
    confirmation = Notification.objects.get(kind="enrollment_confirmed")
    assert confirmation.secret  # the link frees a seat: the row is sealed
    path = absence_path(confirmation)
    assert path.split("/")[-2] not in str(confirmation.context)

    phone = Client(enforce_csrf_checks=True)
    page = phone.get(path)  # the first tap: a page that asks, and changes nothing
    assert page.status_code == 200 and "Ya, kosongkan kursi saya" in page.content.decode()
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CONFIRMED

    done = phone.post(path)  # the second tap
    assert done.status_code == 200 and "Kursi Anda sudah kosong" in done.content.decode()
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CANCELLED and nuraini.cancelled_late
    # 23 hours before the start the offer window (ending 6 hours before) is long enough: offered on.
    assert WaitlistOffer.objects.get(enrollment=jumat).is_open
    turnout = service.turnout_by_training(trainings=[training])[training.pk]
    assert (turnout.late_cancellations, turnout.no_shows) == (1, None)

    again = phone.post(path)
    assert "tidak aktif" in again.content.decode()
    assert Notification.objects.filter(kind="enrollment_cancelled", recipient=NURAINI.email).count() == 1


def test_before_the_deadline_it_is_an_ordinary_cancellation_and_after_the_start_it_is_refused(
    make_training, make_person
):
    training = make_training(capacity=2)
    nuraini = service.enroll(member=make_person(NURAINI), training=training)
    service.cancel_absent(enrollment=nuraini)
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CANCELLED and not nuraini.cancelled_late

    started = make_training(capacity=2, starts_at=timezone.now() - timedelta(hours=1))
    jumat = Enrollment.objects.create(
        member=make_person(JUMAT), training=started, status=Status.CONFIRMED, confirmed_at=timezone.now()
    )
    response = Client().post(f"/anggota/berhalangan/{links.absence_token(enrollment=jumat)}/")
    assert response.status_code == 200 and "sudah dimulai" in response.content.decode()
    jumat.refresh_from_db()
    assert jumat.status == Status.CONFIRMED


def test_a_link_we_did_not_sign_frees_nothing(make_training, make_person):
    training = make_training(capacity=2)
    nuraini = service.enroll(member=make_person(NURAINI), training=training)
    number, signature = links.absence_token(enrollment=nuraini).split("-")
    assert Client().post(f"/anggota/berhalangan/{number}-{signature[::-1]}/").status_code == 404
    # An offer's token is no absence token, even for the same number.
    assert Client().post(f"/anggota/berhalangan/{number}-{'a' * 40}/").status_code == 404
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CONFIRMED


def test_coordinators_see_no_shows_once_a_training_has_ended(make_training, make_person):
    training = make_training(capacity=3)
    came, stayed_home = (service.enroll(member=make_person(person), training=training) for person in (NURAINI, JUMAT))
    attendance.mark_attended(enrollment=came, by=None)
    two_days_ago = timezone.now() - timedelta(days=2)
    training.starts_at, training.ends_at = two_days_ago, two_days_ago + timedelta(hours=6)
    training.save()
    turnout = service.turnout_by_training(trainings=[training])[training.pk]
    assert (turnout.late_cancellations, turnout.no_shows) == (0, 1)
    assert stayed_home.status == Status.CONFIRMED
