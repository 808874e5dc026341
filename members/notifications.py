"""What members are told, and when: each enrollment transition records one email in the outbox.

The enrollment service calls these inside its transaction; ``tasks.outbox`` delivers
them after it commits. The idempotency key names the transition (the enrollment, its
new status and the moment it changed), so a repeated call never sends twice.

Longer than 400 lines on purpose: every email a member gets about a training (enrollment,
offers, reminders, changes, coordinators' messages) shares the words about the training and
the member's language, made here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.clock import WIB
from programs.changes import Change
from programs.ical import build_calendar, calendar_address
from programs.schedule import format_wib
from tasks.outbox import Attachment, MadeAtDelivery, attachment_maker, context_maker, notify, sender

from . import links
from .accounts import member_language
from .models import Enrollment

Status = Enrollment.Status


# Readable names of the kinds of email this app (and allauth, through members.adapter) sends,
# for the outbox's list, filter and inspect pages (tasks.kinds).
NOTIFICATION_KINDS = {
    "enrollment_confirmed": _("Enrollment: seat confirmed"),
    "enrollment_waitlisted": _("Enrollment: on the waiting list"),
    "enrollment_pending": _("Enrollment: awaiting approval"),
    "enrollment_promoted": _("Enrollment: moved up from the waiting list"),
    "enrollment_cancelled": _("Enrollment: cancelled"),
    "enrollment_rejected": _("Enrollment: rejected"),
    "offer_made": _("Waiting list: a seat offered"),
    "offer_reminder": _("Waiting list: reminder of an offered seat"),
    "offer_expired": _("Waiting list: offered seat not answered in time"),
    "training_changed": _("Training changed"),
    "training_cancelled": _("Training cancelled"),
    "training_postponed": _("Training postponed"),
    "training_resumed": _("Training going ahead again"),
    "training_reminder": _("Training reminder"),
    "announcement": _("Program announcement"),
    "certificate_issued": _("Training certificate"),
    "message": _("Message from the coordinators"),
    "member_verified": _("Membership verified"),
    "member_change_request": _("Request to change verified data"),
    "member_invitation": _("Invitation to set a password"),
    "account_email_confirmation_signup": _("Account: confirm email address (sign-up)"),
    "account_email_confirmation": _("Account: confirm email address"),
    "account_password_reset_key": _("Account: password reset link"),
    "account_password_reset": _("Account: password has been reset"),
    "account_password_changed": _("Account: password changed"),
    "account_password_set": _("Account: password set"),
    "account_unknown_account": _("Account: password reset for an unknown address"),
    "account_account_already_exists": _("Account: sign-up with an existing address"),
    "account_email_changed": _("Account: email address changed"),
    "account_email_confirm": _("Account: email address confirmed"),
    "account_email_deleted": _("Account: email address removed"),
    "account_login_code": _("Account: sign-in code"),
    "account_password_reset_code": _("Account: password reset code"),
}


def _moment(enrollment: Enrollment):
    return {
        Status.CONFIRMED: enrollment.confirmed_at,
        Status.WAITLISTED: enrollment.waitlisted_at,
        Status.PENDING: enrollment.requested_at,
        Status.CANCELLED: enrollment.cancelled_at,
        Status.REJECTED: enrollment.rejected_at,
    }[enrollment.status]


def holds_calendar_event(enrollment: Enrollment) -> bool:
    """Whether the member's calendar holds this training: they were sent its .ics when confirmed."""
    return enrollment.confirmed_at is not None


def calendar_sequence_offset(enrollment: Enrollment, *, ended: bool | None = None) -> int:
    """What the member's own history adds to the training's SEQUENCE in the .ics we email them.

    The training's SEQUENCE (``TrainingCalendarVersion``) rises only when its time, venue or
    status change, but one member may see the same UID confirmed, cancelled, confirmed again:
    each .ics must carry a higher SEQUENCE than the last one their calendar took. Every
    earlier enrollment of theirs in this training that held a seat and ended counts twice (its
    cancellation and the next confirmation); this enrollment's own end counts once (``ended``:
    whether the email is about that end; by default, whether it has ended). Earlier enrollments
    ended before this one was made and never change again: the same count at delivery as when
    the email was recorded.
    """
    ended_statuses = (Status.CANCELLED, Status.REJECTED)
    earlier = Enrollment.objects.filter(
        member_id=enrollment.member_id,
        training_id=enrollment.training_id,
        status__in=ended_statuses,
        confirmed_at__isnull=False,
        pk__lt=enrollment.pk,
    ).count()
    if ended is None:
        ended = enrollment.status in ended_statuses
    return 2 * earlier + (1 if ended else 0)


def calendar_organizer():
    """The ORGANIZER of emailed calendars (RFC 5546 asks for one): the sender of our email."""
    identity = sender()
    return calendar_address(identity.address, identity.name)


def calendar_attachment(enrollment: Enrollment, *, cancel: bool = False, ended: bool | None = None) -> Attachment:
    """The training as an .ics for this member: PUBLISH to add or update it, CANCEL to take it out."""
    method = "CANCEL" if cancel else "PUBLISH"
    member = enrollment.member
    calendar = build_calendar(
        [enrollment.training],
        request=None,
        name=enrollment.training.title,
        method=method,
        sequence_offset=calendar_sequence_offset(enrollment, ended=ended),
        organizer=calendar_organizer(),
        attendee=calendar_address(member.user.email, member.full_name) if cancel else None,
    )
    return Attachment("pelatihan.ics", calendar.to_ical().decode(), f"text/calendar; method={method}")


CALENDAR_MAKER = "members.enrollment_calendar"


@attachment_maker(CALENDAR_MAKER)
def _calendar_at_delivery(*, enrollment: int, cancel: bool) -> Attachment:
    """The .ics of an enrollment email, made when it is sent (not when it is recorded): the
    training as it is then, with the SEQUENCE of this member's history up to this change."""
    row = Enrollment.objects.select_related("member__user", "training").get(pk=enrollment)
    return calendar_attachment(row, cancel=cancel, ended=cancel)


def calendar_at_delivery(enrollment: Enrollment, *, cancel: bool = False) -> MadeAtDelivery:
    return MadeAtDelivery(CALENDAR_MAKER, {"enrollment": enrollment.pk, "cancel": cancel})


@dataclass(frozen=True)
class EnrollmentDraft:
    """What an enrollment email says whatever the seat decision: made before the seat lock is taken.

    ``words_at_delivery``: the words about the training are not in ``context`` but made when the
    email is sent (:func:`_words_at_delivery`), as its calendar file is: a new enrollment's email."""

    recipient: str
    language: str
    context: dict
    words_at_delivery: bool = False


def _enrollment_words(*, training, member) -> dict:
    """The words of an enrollment email about the training, in the active language."""
    return _training_context(training, member=member, event="", calendar=False) | {
        "cancellation_deadline": training.cancellation_deadline,
    }


def enrollment_draft(
    *, enrollment: Enrollment | None = None, member=None, training=None, words_at_delivery: bool = False
) -> EnrollmentDraft | None:
    """The recipient, language and words about the training (None: a member without a login, told nothing).

    ``words_at_delivery``: only the recipient and the language now (a new enrollment: its email
    names the enrollment its words are made from when sent)."""
    member = member or enrollment.member
    if member is None or not member.user_id:
        return None
    language = member_language(member=member)
    if words_at_delivery:
        return EnrollmentDraft(recipient=member.user.email, language=language, context={}, words_at_delivery=True)
    training = training or enrollment.training
    with translation.override(language):
        context = _enrollment_words(training=training, member=member)
    return EnrollmentDraft(recipient=member.user.email, language=language, context=context)


WORDS_MAKER = "members.enrollment_words"


@context_maker(WORDS_MAKER)
def _words_at_delivery(*, enrollment: int) -> dict:
    """The words about the training of an enrollment email, made when it is sent (in the email's
    language, which the outbox makes active): the training and the member as they are then."""
    row = Enrollment.objects.select_related("member", "training").get(pk=enrollment)
    return _enrollment_words(training=row.training, member=row.member)


# ``enrollment_changed(position=ASK)``: the waiting-list position is counted, not told by the caller.
ASK = object()


def enrollment_changed(
    *,
    enrollment: Enrollment,
    promoted: bool = False,
    approved: bool = False,
    by_staff: bool = False,
    draft: EnrollmentDraft | None = None,
    position=ASK,
) -> None:
    """Record the email of this enrollment's new status (rendered at delivery).

    ``draft``: its words about the training, made earlier; ``position``: the place on the
    waiting list, when the caller already knows it. What a new enrollment still owes (its own
    email, ``members.enrollment.follow_up``) is recorded first.
    """
    from .enrollment import follow_up, waitlist_position

    follow_up(enrollment=enrollment)  # what the member was owed about its request comes first
    draft = draft or enrollment_draft(enrollment=enrollment)
    if draft is None:
        return
    training = enrollment.training
    event = enrollment.status
    if enrollment.status == Status.CONFIRMED and promoted:
        event = "promoted"
    with translation.override(draft.language):
        context = draft.context | {
            "event": event,
            "status_reason": _status_reason(training, event),
            "approved": approved,
            "by_staff": by_staff,
            "position": waitlist_position(enrollment=enrollment) if position is ASK else position,
            "reason": enrollment.reason,
        }
        # Confirmed: the event for the phone's calendar, and the "Saya berhalangan" link (a
        # credential: the message is sealed). Cancelled or rejected after holding a seat: the
        # same UID with METHOD:CANCEL and a higher SEQUENCE takes it out again.
        attachments = []
        if enrollment.status == Status.CONFIRMED:
            attachments = [calendar_at_delivery(enrollment)]
            context["absence_url"] = links.absence_url(enrollment=enrollment)
        elif enrollment.status in (Status.CANCELLED, Status.REJECTED) and holds_calendar_event(enrollment):
            attachments = [calendar_at_delivery(enrollment, cancel=True)]
        context["calendar_cancel"] = bool(attachments) and enrollment.status != Status.CONFIRMED
        notify(
            kind=f"enrollment_{event}",
            recipient=draft.recipient,
            template=f"members/email/enrollment/{event}",
            context=context,
            language=draft.language,
            idempotency_key=f"enrollment-{enrollment.pk}-{event}-{_moment(enrollment).isoformat()}",
            attachments=attachments,
            secret="absence_url" in context,
            context_at_delivery=MadeAtDelivery(WORDS_MAKER, {"enrollment": enrollment.pk})
            if draft.words_at_delivery
            else None,
        )


# -- offers: a freed seat held for someone on the waiting list -------------------------------------


def _offer_context(offer, *, links: dict | None = None) -> dict | None:
    """The words of an offer email in the member's language (None: a member without a login)."""
    draft = enrollment_draft(enrollment=offer.enrollment, training=offer.training)
    if draft is None:
        return None
    with translation.override(draft.language):
        context = draft.context | {"expires_at": format_wib(offer.expires_at)} | (links or {})
    return {"draft": draft, "context": context}


def _offer_sealed(*, offer, links: dict, event: str) -> None:
    """An offer email with its Terima and Tolak links. Their token answers the offer without a
    login, so the message is sealed in the outbox (``secret``): no reader of the row can use it."""
    if (made := _offer_context(offer, links=links)) is None:
        return
    draft = made["draft"]
    notify(
        kind=f"offer_{event}",
        recipient=draft.recipient,
        template=f"members/email/offer/{event}",
        context=made["context"],
        language=draft.language,
        idempotency_key=f"offer-{offer.pk}-{event}",
        secret=True,
    )


def offer_made(*, offer, links: dict) -> None:
    """The offer, with its links."""
    _offer_sealed(offer=offer, links=links, event="made")


def offer_reminder(*, offer, links: dict) -> None:
    """The offer once more, some hours before it expires."""
    _offer_sealed(offer=offer, links=links, event="reminder")


def offer_expired(*, offer, enrollment: Enrollment) -> None:
    """The offer was not answered in time: the member has left the waiting list, and may join again."""
    if (made := _offer_context(offer)) is None:
        return
    draft = made["draft"]
    notify(
        kind="offer_expired",
        recipient=draft.recipient,
        template="members/email/offer/expired",
        context=made["context"],
        language=draft.language,
        idempotency_key=f"offer-{offer.pk}-expired",
    )


# -- what editors publish: a training changed or cancelled, a new program or training --------------


def _training_context(training, *, member, event: str, calendar: bool, before=None, changes=frozenset()) -> dict:
    """What the training emails say about it, in the active language (dates are formatted here).

    ``before``: the training's facts as participants were last told them (``programs.changes``);
    a change notice shows what was and what is, for the facts in ``changes``.
    """
    context = {
        "event": event,
        "recipient_name": member.full_name,
        "training_title": training.title,
        "training_when": training.when,
        "training_venue": training.venue_name,
        "training_address": training.venue_address,
        "training_url": settings.SITE_URL + training.url if training.url else settings.SITE_URL,
        "dashboard_url": settings.SITE_URL + reverse("members:dashboard"),
        "status_reason": _status_reason(training, event),
        "calendar": calendar,
    }
    if before is not None:
        context |= {
            "before_when": before.when,
            "before_venue": before.venue_name,
            "before_address": before.venue_address,
            "when_changed": Change.TIME in changes,
            "venue_changed": Change.VENUE in changes,
        }
    return context


def _status_reason(training, event: str) -> str:
    return training.status_reason if event in ("cancelled", "postponed") else ""


def training_changed(*, training, before, changes, notice: str, sequence: int) -> int:
    """Tell every active participant (confirmed, waiting, awaiting approval) what the publish
    that ``programs.changes`` reported means for them: the training was cancelled, postponed,
    is going ahead again, or has a new time or venue. Returns how many were told.

    Confirmed participants get the training's calendar file with its new SEQUENCE (to take
    the event out on a cancellation). The key names the change (the training and the
    SEQUENCE it raised) and the enrollment: this running twice sends nothing more.
    """
    enrollments = (
        Enrollment.objects.filter(training=training, status__in=Enrollment.ACTIVE_STATUSES)
        .select_related("member__user")
        .order_by("pk")
    )
    cancel = notice == "cancelled"
    count = 0
    for enrollment in enrollments:
        member = enrollment.member
        if not member.user_id:
            continue
        enrollment.training = training
        calendar = enrollment.status == Status.CONFIRMED
        language = member_language(member=member)
        with translation.override(language):
            context = _training_context(
                training,
                member=member,
                event=notice,
                calendar=calendar,
                before=None if cancel else before,
                changes=changes,
            )
            notify(
                kind=f"training_{notice}",
                recipient=member.user.email,
                template=f"members/email/training/{notice}",
                context=context,
                language=language,
                idempotency_key=f"training-{notice}-{training.pk}-s{sequence}-e{enrollment.pk}",
                attachments=[calendar_attachment(enrollment, cancel=cancel)] if calendar else [],
            )
        count += 1
    return count


def remind(*, enrollment: Enrollment, reminder) -> None:
    """A reminder under one of the training's rules (members.reminders); the one days before asks
    "Hadir?" with a Yes link, and both carry "Saya berhalangan": credentials, so the row is sealed."""
    member = enrollment.member
    if member is None or not member.user_id:
        return
    training = enrollment.training
    asks = reminder.rule == reminder.Rule.DAYS_BEFORE
    language = member_language(member=member)
    with translation.override(language):
        context = _training_context(training, member=member, event="reminder", calendar=False) | {
            "absence_url": links.absence_url(enrollment=enrollment),
            "days": (
                timezone.localtime(training.starts_at, WIB).date() - timezone.localtime(reminder.moment, WIB).date()
            ).days,
        }
        if asks:
            context["attend_url"] = links.attend_url(reminder=reminder)
        notify(
            kind="training_reminder",
            recipient=member.user.email,
            template="members/email/training/reminder_ask" if asks else "members/email/training/reminder_today",
            context=context,
            language=language,
            idempotency_key=f"training-reminder-{reminder.rule}-e{enrollment.pk}",
            secret=True,  # the links answer and free the seat without a login
        )


def page_first_published(*, page) -> int:
    """A new program or training went live for the first time: announce it to opted-in members."""
    from .announcements import announce

    if not page.live or page.first_published_at != page.last_published_at:
        return 0
    return announce(page=page)


def message_participants(*, training, subject: str, body: str, sent_by) -> int:
    """A coordinator's message to every active participant of a training, one email each.

    The key names the message (its moment and author) and the enrollment: a double click
    within the same second records the message once. Returns how many were recorded.
    """
    import hashlib

    stamp = hashlib.sha256(
        f"{training.pk}\n{sent_by.pk}\n{subject}\n{body}\n{timezone.now():%Y%m%d%H%M%S}".encode()
    ).hexdigest()[:16]
    enrollments = (
        Enrollment.objects.filter(training=training, status__in=Enrollment.ACTIVE_STATUSES, member__user__isnull=False)
        .select_related("member__user")
        .order_by("pk")
    )
    count = 0
    for enrollment in enrollments:
        member = enrollment.member
        language = member_language(member=member)
        with translation.override(language):
            # The coordinator's words as written, framed by the training they are about.
            context = _training_context(training, member=member, event="message", calendar=False) | {
                "subject": subject,
                "body": body,
            }
            notify(
                kind="message",
                recipient=member.user.email,
                template="members/email/participant_message",
                context=context,
                language=language,
                idempotency_key=f"message-{stamp}-e{enrollment.pk}",
            )
        count += 1
    return count
