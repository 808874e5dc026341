"""Signed one-tap links: answers that a member gives from an email without logging in.

A token is ``<id in base 36>-<HMAC>``: the HMAC (keyed by SECRET_KEY, salted per purpose) of
the row's id and a moment of the row that never changes, so it is computed whenever an email
or page needs it and never stored. It fits the ``<token:>`` URL converter. What a token may
do once (answer an offer, free a seat) is the service's rule: the row's state makes a second
use harmless. Messages carrying one are sealed in the outbox (``notify(secret=True)``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from .models import Enrollment, Member, Reminder


def _signature(purpose: str, pk: int, stamp: str) -> str:
    return salted_hmac(f"members.links.{purpose}", f"{pk}:{stamp}", algorithm="sha256").hexdigest()[:40]


def moment_stamp(moment) -> str:
    """A moment as the same text whichever time zone it was read in (the database gives UTC back)."""
    return f"{moment.timestamp():.6f}"


def make_token(*, purpose: str, pk: int, stamp: str) -> str:
    return f"{int_to_base36(pk)}-{_signature(purpose, pk, stamp)}"


def read_token(*, purpose: str, token: str, load: Callable[[int], object | None], stamp: Callable[[object], str]):
    """The row a token names (``load(pk)``), or None when the token is not one we signed for it."""
    number, _dash, signature = token.partition("-")
    try:
        pk = base36_to_int(number)
    except ValueError:
        return None
    row = load(pk)
    if row is None or not constant_time_compare(signature, _signature(purpose, pk, stamp(row))):
        return None
    return row


# -- "Saya berhalangan": a confirmed participant frees their seat from an email -------------------


def _enrollment_stamp(enrollment) -> str:
    return moment_stamp(enrollment.requested_at)


def absence_token(*, enrollment) -> str:
    return make_token(purpose="absence", pk=enrollment.pk, stamp=_enrollment_stamp(enrollment))


def absence_url(*, enrollment) -> str:
    """The absolute address of the page where this participant says they cannot come."""
    return settings.SITE_URL + reverse("members:absence", args=[absence_token(enrollment=enrollment)])


def enrollment_from_absence_token(*, token: str):
    enrollments = Enrollment.objects.select_related("member", "training")
    return read_token(
        purpose="absence",
        token=token,
        load=lambda pk: enrollments.filter(pk=pk).first(),
        stamp=_enrollment_stamp,
    )


# -- "Hadir?": the Yes link of the reminder that asks ------------------------------------------------


def _reminder_stamp(reminder) -> str:
    return moment_stamp(reminder.sent_at)


def attend_token(*, reminder) -> str:
    return make_token(purpose="attend", pk=reminder.pk, stamp=_reminder_stamp(reminder))


def attend_url(*, reminder) -> str:
    """The absolute address of the page where the participant answers "Ya, saya hadir"."""
    return settings.SITE_URL + reverse("members:attend", args=[attend_token(reminder=reminder)])


def reminder_from_token(*, token: str):
    reminders = Reminder.objects.select_related("enrollment__member", "enrollment__training")
    return read_token(
        purpose="attend", token=token, load=lambda pk: reminders.filter(pk=pk).first(), stamp=_reminder_stamp
    )


# -- one-click unsubscribe from announcements (RFC 8058) -----------------------------------------


def _member_stamp(member) -> str:
    return moment_stamp(member.created_at)


def unsubscribe_token(*, member) -> str:
    return make_token(purpose="unsubscribe", pk=member.pk, stamp=_member_stamp(member))


def unsubscribe_url(*, member) -> str:
    """The absolute address that stops announcements to this member: a page (GET), or one POST."""
    return settings.SITE_URL + reverse("members:unsubscribe", args=[unsubscribe_token(member=member)])


def member_from_unsubscribe_token(*, token: str):
    return read_token(
        purpose="unsubscribe",
        token=token,
        load=lambda pk: Member.objects.filter(pk=pk, anonymised_at__isnull=True).first(),
        stamp=_member_stamp,
    )
