"""Waiting-list offers (issue 17): a freed seat held for the next person until they answer.

Service-level, plus the offer's page as a phone without a session meets it (GET shows, POST
decides). Concurrency is in test_concurrency.py.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from members import enrollment as service
from members import offers
from members.models import Enrollment, WaitlistOffer
from tasks import outbox
from tasks.models import Notification
from tests.people import JUMAT, NURAINI

pytestmark = pytest.mark.django_db

Status = Enrollment.Status
OFFER_LINK = re.compile(r"https?://[^\s\"<>]+/anggota/tawaran/([A-Za-z0-9_-]+)/\?jawab=(terima|tolak)")


@pytest.fixture
def full_training(make_training, make_active_member, make_person):
    """One seat, held by a first member; Nur'aini and Jum'at wait, in that order; 24 hours to answer."""
    training = make_training(capacity=1, waitlist_offer_hours=24)
    first = service.enroll(member=make_active_member(), training=training)
    nuraini = service.enroll(member=make_person(NURAINI), training=training)
    jumat = service.enroll(member=make_person(JUMAT), training=training)
    assert (first.status, nuraini.status, jumat.status) == (Status.CONFIRMED, Status.WAITLISTED, Status.WAITLISTED)
    return training, first, nuraini, jumat


def offer_of(enrollment) -> WaitlistOffer:
    return WaitlistOffer.objects.get(enrollment=enrollment)


def test_a_freed_seat_is_offered_to_the_first_in_line_and_held(full_training, make_active_member):
    training, first, nuraini, jumat = full_training
    before = timezone.now()
    service.cancel(enrollment=first)

    offer = offer_of(nuraini)
    nuraini.refresh_from_db()
    assert nuraini.status == Status.WAITLISTED and offer.is_open  # a seat held, not yet taken
    assert before + timedelta(hours=24) <= offer.expires_at <= timezone.now() + timedelta(hours=24)
    assert not WaitlistOffer.objects.filter(enrollment=jumat).exists()
    seats = service.seats_for(training=training)
    assert (seats.confirmed, seats.offered, seats.left, seats.full) == (0, 1, 0, True)
    # Someone enrolling now finds no free seat: the held seat is not theirs.
    assert service.enroll(member=make_active_member(), training=training).status == Status.WAITLISTED

    # The email: both answers as links; sealed in the outbox, so no reader of the row has the token.
    row = Notification.objects.get(kind="offer_made")
    assert row.recipient == NURAINI.email and row.secret
    text = outbox.rendered(row).body_text
    links = {answer: token for token, answer in OFFER_LINK.findall(text)}
    assert set(links) == {"terima", "tolak"} and links["terima"] == links["tolak"] == offers.offer_token(offer=offer)
    assert links["terima"] not in row.body_text + row.body_html + row.idempotency_key + str(row.context)
    assert "Nur'aini" in text and "&#x27;" not in text


def test_the_window_ends_hours_before_the_start_and_close_to_it_the_seat_is_given(make_training, make_active_member):
    now = timezone.now()
    soon = make_training(capacity=1, waitlist_offer_hours=48, starts_at=now + timedelta(hours=20))
    assert offers.offer_deadline(training=soon, now=now) == soon.starts_at - offers.OFFER_ENDS_BEFORE_START

    tomorrow_morning = make_training(capacity=1, waitlist_offer_hours=48, starts_at=now + timedelta(hours=7))
    assert offers.offer_deadline(training=tomorrow_morning, now=now) is None
    first = service.enroll(member=make_active_member(), training=tomorrow_morning)
    waiting = service.enroll(member=make_active_member(), training=tomorrow_morning)
    service.cancel(enrollment=first, by_staff=True)  # past the members' deadline, a coordinator does it
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED and not WaitlistOffer.objects.exists()
    assert Notification.objects.filter(kind="enrollment_promoted", recipient=waiting.member.email).exists()

    automatic = make_training(capacity=1)  # waitlist_offer_hours 0: as before
    assert automatic.waitlist_offer_hours == 0 and offers.offer_deadline(training=automatic, now=now) is None


def test_a_get_of_the_link_changes_nothing_and_a_post_without_a_session_accepts_once(full_training):
    _training, first, nuraini, _jumat = full_training
    service.cancel(enrollment=first)
    offer = offer_of(nuraini)
    url = offers.offer_url(offer=offer, answer="terima").removeprefix("http://127.0.0.1:8000")
    phone = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: a link opened from the mail app

    page = phone.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="accept"' in html and 'value="decline"' in html and "Nur&#x27;aini" in html
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    offer.refresh_from_db()
    assert offer.is_open and Notification.objects.filter(kind="enrollment_promoted").count() == 0

    answered = phone.post(url, {"answer": "accept"})
    assert answered.status_code == 200
    assert "Kursi ini milik Anda" in answered.content.decode()
    nuraini.refresh_from_db()
    offer.refresh_from_db()
    assert nuraini.status == Status.CONFIRMED and offer.status == WaitlistOffer.Status.ACCEPTED
    confirmed = Notification.objects.get(kind="enrollment_promoted")
    assert confirmed.recipient == NURAINI.email and confirmed.attachments  # the calendar file

    again = phone.post(url, {"answer": "decline"})  # a second tap, or the other button
    assert "sudah menerima" in again.content.decode()
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CONFIRMED and Notification.objects.filter(kind="enrollment_promoted").count() == 1


def test_declining_leaves_the_list_and_offers_the_seat_to_the_next(full_training):
    _training, first, nuraini, jumat = full_training
    service.cancel(enrollment=first)
    url = offers.offer_url(offer=offer_of(nuraini)).removeprefix("http://127.0.0.1:8000")
    response = Client(enforce_csrf_checks=True).post(url, {"answer": "decline"})
    assert response.status_code == 200 and "meninggalkan daftar tunggu" in response.content.decode()
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CANCELLED and offer_of(nuraini).status == WaitlistOffer.Status.DECLINED
    assert offer_of(jumat).is_open
    assert Notification.objects.filter(kind="offer_made", recipient=JUMAT.email).count() == 1


def test_a_link_we_did_not_sign_or_a_bad_answer_changes_nothing(full_training):
    _training, first, nuraini, _jumat = full_training
    service.cancel(enrollment=first)
    token = offers.offer_token(offer=offer_of(nuraini))
    number, signature = token.split("-")
    client = Client()
    for forged in (f"{number}-{'0' * len(signature)}", f"{int(number, 36) + 1:x}-{signature}", "zzzzzzzzzzzzzz-1", "-"):
        assert client.post(f"/anggota/tawaran/{forged}/", {"answer": "accept"}).status_code == 404
    assert client.post(f"/anggota/tawaran/{token}/", {"answer": "yes"}).status_code == 400
    assert offer_of(nuraini).is_open


def test_an_offer_left_to_expire_passes_the_seat_on_once_and_the_member_is_told(full_training):
    training, first, nuraini, jumat = full_training
    service.cancel(enrollment=first)
    offer = offer_of(nuraini)
    later = offer.expires_at + timedelta(minutes=1)

    with pytest.raises(service.EnrollmentError) as refused:  # the job has not run yet: still too late
        service.offer_accept(offer=offer, now=later)
    assert refused.value.code == "offer_expired"

    assert service.offers_expire(now=offer.expires_at - timedelta(seconds=1)) == 0
    assert service.offers_expire(now=later) == 1
    assert service.offers_expire(now=later) == 0  # a second run finds nothing to do
    nuraini.refresh_from_db()
    assert nuraini.status == Status.CANCELLED and offer_of(nuraini).status == WaitlistOffer.Status.EXPIRED
    told = Notification.objects.get(kind="offer_expired")
    assert told.recipient == NURAINI.email and "daftar tunggu lagi" in outbox.rendered(told).body_text
    assert offer_of(jumat).is_open and offer_of(jumat).offered_at == later
    seats = service.seats_for(training=training)
    assert (seats.confirmed, seats.offered, seats.waitlisted) == (0, 1, 1)


def test_the_reminder_goes_once_before_the_offer_expires(full_training):
    _training, first, nuraini, _jumat = full_training
    service.cancel(enrollment=first)
    offer = offer_of(nuraini)
    assert offer.remind_at == offer.expires_at - offers.OFFER_REMINDER_BEFORE
    assert service.offers_remind(now=offer.remind_at - timedelta(minutes=1)) == 0
    assert service.offers_remind(now=offer.remind_at) == 1
    assert service.offers_remind(now=offer.remind_at + timedelta(minutes=5)) == 0
    [row] = Notification.objects.filter(kind="offer_reminder")
    assert row.secret and offers.offer_token(offer=offer) in outbox.rendered(row).body_text


def test_leaving_the_list_while_holding_an_offer_frees_the_seat_for_the_next(full_training):
    _training, first, nuraini, jumat = full_training
    service.cancel(enrollment=first)
    service.cancel(enrollment=nuraini)
    assert offer_of(nuraini).status == WaitlistOffer.Status.WITHDRAWN
    assert offer_of(jumat).is_open
    url = offers.offer_url(offer=offer_of(nuraini)).removeprefix("http://127.0.0.1:8000")
    page = Client().get(url)
    assert page.status_code == 200 and 'value="accept"' not in page.content.decode()


def test_the_training_page_and_dashboard_show_the_member_their_own_offer(client, full_training):
    training, first, nuraini, jumat = full_training
    service.cancel(enrollment=first)
    token = offers.offer_token(offer=offer_of(nuraini))
    client.force_login(nuraini.member.user)
    assert token in client.get(training.url).content.decode()
    assert token in client.get("/anggota/").content.decode()
    client.force_login(jumat.member.user)
    page = client.get(training.url).content.decode()
    assert token not in page and "daftar tunggu" in page
    client.logout()
    assert token not in client.get(training.url).content.decode()
