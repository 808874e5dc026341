"""Check-in at the venue: QR code on the participant's side, a staff page that records attendance."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from members.models import Enrollment

pytestmark = pytest.mark.django_db


def test_qr_code_is_inline_svg_for_confirmed_participants_only(make_training, place, settings):
    settings.SITE_URL = "https://ansor-batubara.test"
    training = make_training()
    confirmed, waiting = place(training), place(training, "waitlisted")
    template = Template("{% load checkin_tags %}{% enrollment_qr enrollment %}")
    svg = template.render(Context({"enrollment": confirmed}))
    assert "<svg" in svg and "<path" in svg and "<script" not in svg
    assert template.render(Context({"enrollment": waiting})).strip() == ""


def test_checkin_records_attendance_and_refuses_a_replay(coordinator_client, staff_user, make_training, place):
    enrollment = place(make_training(starts_at=timezone.now() - timedelta(hours=1)))  # under way
    url = reverse("members_checkin", args=[enrollment.token])
    page = coordinator_client.get(url)
    assert page.status_code == 200 and enrollment.member.full_name in page.content.decode()
    done = coordinator_client.post(url)
    assert done.status_code == 200 and "Sudah hadir" not in done.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.attended is True and enrollment.decided_by == staff_user
    first_time = enrollment.attended_at
    again = coordinator_client.post(url)
    assert again.status_code == 409
    assert "Sudah tercatat hadir pada" in again.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.attended_at == first_time


@pytest.mark.parametrize(
    ("status", "message"),
    [("cancelled", "dibatalkan"), ("waitlisted", "daftar tunggu"), ("pending", "menunggu persetujuan")],
)
def test_checkin_refuses_enrollments_that_are_not_confirmed(coordinator_client, make_training, place, status, message):
    enrollment = place(make_training(), status)
    response = coordinator_client.post(reverse("members_checkin", args=[enrollment.token]))
    assert response.status_code == 409 and message in response.content.decode()
    enrollment.refresh_from_db()
    assert not enrollment.attended


def test_checkin_refuses_codes_of_another_training(coordinator_client, make_training, place):
    today, other = make_training(starts_at=timezone.now() + timedelta(hours=1)), make_training(title="Pelatihan Lain")
    stranger = place(other)
    coordinator_client.post(reverse("members_checkin_start"), {"training": today.pk})
    response = coordinator_client.post(reverse("members_checkin", args=[stranger.token]))
    assert response.status_code == 409 and "pelatihan lain: Pelatihan Lain" in response.content.decode()
    assert not Enrollment.objects.get(pk=stranger.pk).attended
    mine = place(today)
    assert coordinator_client.post(reverse("members_checkin", args=[mine.token])).status_code == 200


def test_unknown_codes_and_members_are_refused(client, make_training, place, make_active_member):
    enrollment = place(make_training())
    member = make_active_member()
    client.force_login(member.user)
    response = client.post(reverse("members_checkin", args=[enrollment.token]))
    assert response.status_code == 302 and "/akun/login/" in response["Location"]
    assert not Enrollment.objects.get(pk=enrollment.pk).attended


def test_dashboard_panels_render_with_data(coordinator_client, make_training, place):
    from tasks.models import Notification

    training = make_training(title="Pelatihan Dasbor", capacity=2)
    first = place(training, attended=True, attended_at=timezone.now())
    place(training)
    place(training, "waitlisted")
    Notification.objects.create(
        idempotency_key="x", kind="test", recipient="a@example.org", subject="s", body_text="b", status="failed"
    )
    page = coordinator_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Pelatihan Dasbor" in page and "2 / 2 (100%)" in page
    assert "/admin/outbox/?status=failed" in page
    assert "menunggu verifikasi" in page
    assert "<svg" in page and "<rect" in page
    assert first.member.full_name not in page  # a summary, not a list of people
