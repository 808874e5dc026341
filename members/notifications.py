"""What members are told, and when: each enrollment transition records one email in the outbox.

The enrollment service calls these inside its transaction; ``tasks.outbox`` delivers
them after it commits. The idempotency key names the transition (the enrollment, its
new status and the moment it changed), so a repeated call never sends twice.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from programs.ical import build_calendar
from tasks.outbox import Attachment, notify

from .models import Enrollment

Status = Enrollment.Status


def _moment(enrollment: Enrollment):
    return {
        Status.CONFIRMED: enrollment.confirmed_at,
        Status.WAITLISTED: enrollment.waitlisted_at,
        Status.PENDING: enrollment.requested_at,
        Status.CANCELLED: enrollment.cancelled_at,
        Status.REJECTED: enrollment.rejected_at,
    }[enrollment.status]


def calendar_attachment(enrollment: Enrollment) -> Attachment:
    calendar = build_calendar([enrollment.training], request=None, name=enrollment.training.title)
    return Attachment("pelatihan.ics", calendar.to_ical().decode(), "text/calendar")


def enrollment_changed(
    *, enrollment: Enrollment, promoted: bool = False, approved: bool = False, by_staff: bool = False
) -> None:
    from .enrollment import waitlist_position

    member = enrollment.member
    if member is None or not member.user_id:
        return
    training = enrollment.training
    event = enrollment.status
    if enrollment.status == Status.CONFIRMED and promoted:
        event = "promoted"
    context = {
        "event": event,
        "approved": approved,
        "by_staff": by_staff,
        "recipient_name": member.full_name,
        "training_title": training.title,
        "training_when": training.when,
        "training_venue": training.venue_name,
        "training_address": training.venue_address,
        "training_url": settings.SITE_URL + training.url if training.url else settings.SITE_URL,
        "dashboard_url": settings.SITE_URL + reverse("members:dashboard"),
        "position": waitlist_position(enrollment=enrollment),
        "reason": enrollment.reason,
        "cancellation_deadline": training.cancellation_deadline,
    }
    attachments = [calendar_attachment(enrollment)] if enrollment.status == Status.CONFIRMED else []
    notify(
        kind=f"enrollment_{event}",
        recipient=member.user.email,
        template="members/email/enrollment",
        context=context,
        idempotency_key=f"enrollment-{enrollment.pk}-{event}-{_moment(enrollment).isoformat()}",
        attachments=attachments,
    )
