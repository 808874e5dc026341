"""Enrollment: every change of an enrollment's status happens here (invariants 1 to 3 of docs/architecture.md).

Seat decisions lock the training's ``TrainingSeats`` row (``select_for_update`` on
PostgreSQL; on SQLite every write transaction is IMMEDIATE, so writers queue up).
Under that lock the service counts confirmed enrollments and decides: confirm, put on
the waiting list, or refuse. A seat that frees up goes to the first eligible person on
the waiting list in the same transaction.

Longer than 400 lines on purpose: every status change shares the seat lock and the rules
(why a member may or may not enroll, the order of the waiting list), and writing each of them
once means writing them here. Reads for pages (a member's trainings, seats) sit beside them
because they count exactly as the transitions do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_actions

from core import pagecache
from programs.models import TrainingPage
from programs.schedule import CadreLevel, EnrollmentState, Gender, TrainingStatus, format_wib

from . import notifications
from .accounts import member_completeness
from .models import Enrollment, Member, TrainingSeats

Status = Enrollment.Status


class EnrollmentError(Exception):
    """A rule refused the request; ``message`` says why, in the member's language."""

    def __init__(self, code: str, message, *, details=(), enrollment=None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.details = list(details)  # every reason (not_eligible), every missing field (incomplete_profile)
        self.enrollment = enrollment  # already_enrolled: the active enrollment, when known


@dataclass(frozen=True)
class Seats:
    """A training's seats: its capacity and who holds, waits for or asks for one."""

    capacity: int
    confirmed: int
    waitlisted: int
    pending: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def full(self) -> bool:
        return self.left == 0


# -- reads ----------------------------------------------------------------------------------


def seats_by_training(*, trainings: Iterable[TrainingPage]) -> dict[int, Seats]:
    """The seats of each training, by its id, in one query: the one place that counts seats.

    The transitions count under the seat lock through it; pages, panels and the staff's
    dashboard show what it counts.
    """
    trainings = list(trainings)
    rows = {
        row.pop("training_id"): row
        for row in Enrollment.objects.filter(training__in=trainings)
        .values("training_id")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
            pending=Count("pk", filter=Q(status=Status.PENDING)),
        )
        .order_by()
    }
    nobody = {"confirmed": 0, "waitlisted": 0, "pending": 0}
    return {
        training.pk: Seats(capacity=training.capacity or 0, **rows.get(training.pk, nobody)) for training in trainings
    }


def seats_for(*, training: TrainingPage) -> Seats:
    return seats_by_training(trainings=[training])[training.pk]


def active_enrollment(*, member: Member, training: TrainingPage) -> Enrollment | None:
    return Enrollment.objects.filter(member=member, training=training, status__in=Enrollment.ACTIVE_STATUSES).first()


def waitlist_position(*, enrollment: Enrollment) -> int | None:
    """1 for the next person to get a seat; None when not on the waiting list."""
    if enrollment.status != Status.WAITLISTED:
        return None
    ahead = Enrollment.objects.filter(training_id=enrollment.training_id, status=Status.WAITLISTED).filter(
        Q(requested_at__lt=enrollment.requested_at) | Q(requested_at=enrollment.requested_at, pk__lt=enrollment.pk)
    )
    return ahead.count() + 1


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def ineligibility(*, member: Member, training: TrainingPage) -> list[str]:
    """Why this member may not join this training (empty when they may), in plain words."""
    reasons = []
    if training.gender == Gender.WOMEN and member.gender != Member.Gender.FEMALE:
        reasons.append(_("This training is for women only."))
    elif training.gender == Gender.MEN and member.gender != Member.Gender.MALE:
        reasons.append(_("This training is for men only."))
    district_ids = {district.pk for district in training.districts.all()}
    if district_ids and member.district_id not in district_ids:
        reasons.append(_("This training is for cadres of other districts."))
    if CadreLevel.rank(member.cadre_level) < CadreLevel.rank(training.min_cadre_level):
        reasons.append(
            _("This training needs cadre level %(level)s or higher.")
            % {"level": CadreLevel(training.min_cadre_level).abbreviation}
        )
    if member.birth_date and (training.min_age or training.max_age):
        age = age_on(member.birth_date, timezone.localdate(training.starts_at))
        if training.min_age and age < training.min_age:
            reasons.append(_("Participants must be at least %(age)s years old.") % {"age": training.min_age})
        if training.max_age and age > training.max_age:
            reasons.append(_("Participants must be at most %(age)s years old.") % {"age": training.max_age})
    return reasons


# Refusals that come from the training itself (its status or enrollment window), whoever asks.
TRAINING_REFUSALS = {
    EnrollmentState.CANCELLED: ("cancelled", _("This training has been cancelled.")),
    EnrollmentState.POSTPONED: ("postponed", _("This training has been postponed.")),
    EnrollmentState.NO_ONLINE: ("no_online", _("This training does not take enrollments through the site.")),
    EnrollmentState.NOT_OPEN: ("not_open", _("Enrollment for this training has not opened yet.")),
    EnrollmentState.CLOSED: ("closed", _("Enrollment for this training has closed.")),
}


def _already_enrolled(mine: Enrollment | None = None) -> EnrollmentError:
    return EnrollmentError("already_enrolled", _("You are already enrolled in this training."), enrollment=mine)


def enroll_refusal(*, member: Member, training: TrainingPage, now: datetime | None = None) -> EnrollmentError | None:
    """Why this member may not enroll in this training now; None when they may.

    The one decision, asked by :func:`enroll` and by the training page's panel, rules in this
    order (the first that refuses answers): already enrolled; the training's state (cancelled,
    postponed, no enrollment through the site, not open yet, closed or over); staff rejected
    this member for this training; membership not verified (or suspended); profile incomplete;
    eligibility (gender, district, cadre level, age). A full training refuses nobody: the
    enrollment joins the waiting list (:func:`enrollment_outcome`).
    """
    # One query for both of the member's own rules: an active enrollment, a rejection.
    mine = list(
        Enrollment.objects.filter(
            member=member, training=training, status__in=(*Enrollment.ACTIVE_STATUSES, Status.REJECTED)
        )
    )
    if (active := next((enrollment for enrollment in mine if enrollment.is_active), None)) is not None:
        return _already_enrolled(active)
    state = training.enrollment_state(now=now or timezone.now())
    if state is not EnrollmentState.OPEN:
        return EnrollmentError(*TRAINING_REFUSALS[state])
    if any(enrollment.status == Status.REJECTED for enrollment in mine):
        return EnrollmentError("rejected", _("Your enrollment in this training was not approved."))
    if member.status == Member.Status.SUSPENDED:
        return EnrollmentError(
            "not_verified", _("Your membership is suspended. Please contact the branch secretariat.")
        )
    if member.status != Member.Status.ACTIVE:
        return EnrollmentError("not_verified", _("Your membership has not been verified by the branch yet."))
    if not (completeness := member_completeness(member=member)).complete:
        return EnrollmentError(
            "incomplete_profile", _("Complete your profile before enrolling."), details=completeness.missing
        )
    if reasons := ineligibility(member=member, training=training):
        return EnrollmentError("not_eligible", reasons[0], details=reasons)
    return None


def enrollment_outcome(*, training: TrainingPage, free_seat: bool) -> str:
    """What an enrollment that no rule refuses becomes: awaiting staff approval, a seat, or the waiting list."""
    if training.requires_approval:
        return Status.PENDING
    return Status.CONFIRMED if free_seat else Status.WAITLISTED


# -- audit ----------------------------------------------------------------------------------

# Wagtail's own audit log (ModelLogEntry): shown in the participants' history view in the admin.
AUDIT_ACTIONS = {
    "members.enrollment.enroll": (_("Enroll"), _("Enrolled")),
    "members.enrollment.cancel": (_("Cancel enrollment"), _("Enrollment cancelled")),
    "members.enrollment.promote": (_("Move from the waiting list"), _("Moved from the waiting list to confirmed")),
    "members.enrollment.approve": (_("Approve enrollment"), _("Enrollment approved")),
    "members.enrollment.reject": (_("Reject enrollment"), _("Enrollment rejected")),
    "members.enrollment.attended": (_("Record attendance"), _("Attendance recorded")),
}


def audit(*, enrollment: Enrollment, action: str, by=None, **data) -> None:
    """Record who changed this enrollment and how (no user: the system, e.g. an automatic promotion).

    The entry Wagtail's ``log()`` writes, in one INSERT: its ``save()`` runs ``full_clean()``,
    two SELECTs (do the content type and the user exist?) and much Python, under the seat lock.
    The one check that clean makes that can fail here, a registered action, is made first.
    """
    data.setdefault("status", enrollment.status)
    if not log_actions.action_exists(action):
        raise ValueError(f"The log action {action!r} has not been registered.")
    context = get_active_log_context()
    entry_model = log_actions.get_log_model_for_instance(enrollment)
    entry_model.objects.bulk_create(
        [
            entry_model(
                content_type=ContentType.objects.get_for_model(enrollment, for_concrete_model=False),
                label=str(enrollment),
                action=action,
                timestamp=timezone.now(),
                data=data,
                user=by or context.user,
                uuid=context.uuid,
                object_id=str(enrollment.pk),
            )
        ]
    )


# -- the lock -------------------------------------------------------------------------------


def lock_seats(*, training: TrainingPage) -> None:
    """Lock the training's seat row for the rest of the current transaction.

    Every transition that may change what seats_for() counts takes this lock, so this is
    also where pages showing seat counts are marked stale (again when the transaction commits).
    """
    pagecache.invalidate(pagecache.SEATS)
    if TrainingSeats.objects.select_for_update().filter(training=training).exists():
        return
    try:
        with transaction.atomic():
            TrainingSeats.objects.create(training=training)
    except IntegrityError:
        pass  # created by a concurrent transaction, which we waited for
    TrainingSeats.objects.select_for_update().filter(training=training).exists()


# -- transitions ----------------------------------------------------------------------------


@transaction.atomic
def enroll(*, member: Member, training: TrainingPage, now: datetime | None = None) -> Enrollment:
    """Confirm the member, put them on the waiting list, or (approval trainings) await staff.

    Under the seat lock only what decides the seat and records it: count, insert the
    enrollment, its outbox row (rendered at delivery) and the audit entry, commit. The rules
    and the email's words about the training come before the lock; a concurrent click of the
    same member loses on the database constraint (one active enrollment).
    """
    if refusal := enroll_refusal(member=member, training=training, now=now):
        raise refusal
    draft = notifications.enrollment_draft(member=member, training=training)
    stamped_under_lock = now is None
    lock_seats(training=training)
    seats = seats_for(training=training)
    # Stamped under the lock, so the order of requests is the order of decisions.
    now = now or timezone.now()
    enrollment = Enrollment(member=member, training=training, requested_at=now)
    enrollment.status = enrollment_outcome(training=training, free_seat=seats.left > 0)
    if enrollment.status == Status.CONFIRMED:
        enrollment.confirmed_at = now
    elif enrollment.status == Status.WAITLISTED:
        enrollment.waitlisted_at = now
    try:
        enrollment.save()
    except IntegrityError as error:  # the constraint: a concurrent request of the same member won
        raise _already_enrolled() from error  # (the transaction rolls back whole, nothing half-written)
    position = None
    if enrollment.status == Status.WAITLISTED:
        # Requested after everyone waiting (stamped under the lock): last in line, so counted already.
        position = seats.waitlisted + 1 if stamped_under_lock else waitlist_position(enrollment=enrollment)
    notifications.enrollment_changed(enrollment=enrollment, draft=draft, position=position, new=True)
    audit(enrollment=enrollment, action="members.enrollment.enroll", by=member.user)
    return enrollment


@transaction.atomic
def cancel(
    *,
    enrollment: Enrollment,
    by=None,
    reason: str = "",
    now: datetime | None = None,
    by_staff: bool = False,
    notify_member: bool = True,
) -> Enrollment:
    """Cancel an active enrollment; a freed seat goes to the waiting list at once.

    Members may cancel while :func:`cancel_refusal` allows it; staff at any time.
    """
    now = now or timezone.now()
    training = enrollment.training
    lock_seats(training=training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        raise EnrollmentError("not_active", _("This enrollment is no longer active."))
    if not by_staff and (refusal := cancel_refusal(enrollment=enrollment, now=now)):
        raise refusal
    freed_seat = enrollment.status == Status.CONFIRMED
    enrollment.status, enrollment.cancelled_at, enrollment.reason = Status.CANCELLED, now, reason
    enrollment.decided_by = by if by_staff else None
    enrollment.save(update_fields=["status", "cancelled_at", "reason", "decided_by"])
    if notify_member:
        notifications.enrollment_changed(enrollment=enrollment, by_staff=by_staff)
    audit(enrollment=enrollment, action="members.enrollment.cancel", by=by, reason=reason)
    if freed_seat:
        promote_waitlist(training=training, now=now, locked=True)
    return enrollment


@transaction.atomic
def promote_waitlist(*, training: TrainingPage, now: datetime | None = None, locked: bool = False) -> list[Enrollment]:
    """Give every free seat to the first eligible people on the waiting list, in order."""
    now = now or timezone.now()
    if not locked:
        lock_seats(training=training)
    training = TrainingPage.objects.get(pk=training.pk)  # the capacity as published now
    if training.enrollment_state(now=now) in {EnrollmentState.CANCELLED, EnrollmentState.POSTPONED}:
        return []
    free = seats_for(training=training).left
    promoted = []
    if not free:
        return promoted
    queue = (
        Enrollment.objects.select_related("member")
        .filter(training=training, status=Status.WAITLISTED)
        .order_by("requested_at", "pk")
    )
    for enrollment in queue:
        if len(promoted) == free:
            break
        member = enrollment.member
        if member.status != Member.Status.ACTIVE or ineligibility(member=member, training=training):
            continue  # skipped, keeps their place for a later seat
        enrollment.status, enrollment.confirmed_at = Status.CONFIRMED, now
        enrollment.save(update_fields=["status", "confirmed_at"])
        notifications.enrollment_changed(enrollment=enrollment, promoted=True)
        audit(enrollment=enrollment, action="members.enrollment.promote")
        promoted.append(enrollment)
    return promoted


@transaction.atomic
def promote(*, enrollment: Enrollment, by, now: datetime | None = None) -> Enrollment:
    """Staff give a free seat to this person on the waiting list (not necessarily the first)."""
    now = now or timezone.now()
    lock_seats(training=enrollment.training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.WAITLISTED:
        raise EnrollmentError("not_waitlisted", _("Only people on the waiting list can be moved up."))
    training = TrainingPage.objects.get(pk=enrollment.training_id)
    if training.enrollment_state(now=now) in {EnrollmentState.CANCELLED, EnrollmentState.POSTPONED}:
        raise EnrollmentError("not_running", _("This training has been cancelled or postponed."))
    if not seats_for(training=training).left:
        raise EnrollmentError("full", _("There is no free seat in this training."))
    if enrollment.member.status != Member.Status.ACTIVE:
        raise EnrollmentError("not_verified", _("This membership is not verified."))
    enrollment.status, enrollment.confirmed_at, enrollment.decided_by = Status.CONFIRMED, now, by
    enrollment.save(update_fields=["status", "confirmed_at", "decided_by"])
    notifications.enrollment_changed(enrollment=enrollment, promoted=True)
    audit(enrollment=enrollment, action="members.enrollment.promote", by=by)
    return enrollment


@transaction.atomic
def approve(*, enrollment: Enrollment, by, now: datetime | None = None) -> Enrollment:
    """Staff accept a pending request: it takes a seat if one is free, else waits in line."""
    now = now or timezone.now()
    lock_seats(training=enrollment.training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.PENDING:
        raise EnrollmentError("not_pending", _("Only requests awaiting approval can be approved."))
    if seats_for(training=enrollment.training).left:
        enrollment.status, enrollment.confirmed_at = Status.CONFIRMED, now
    else:
        enrollment.status, enrollment.waitlisted_at = Status.WAITLISTED, now
    enrollment.decided_by = by
    enrollment.save(update_fields=["status", "confirmed_at", "waitlisted_at", "decided_by"])
    notifications.enrollment_changed(enrollment=enrollment, approved=True)
    audit(enrollment=enrollment, action="members.enrollment.approve", by=by)
    return enrollment


@transaction.atomic
def reject(*, enrollment: Enrollment, by, reason: str = "", now: datetime | None = None) -> Enrollment:
    """Staff turn a request down; a confirmed seat it held goes to the waiting list."""
    now = now or timezone.now()
    training = enrollment.training
    lock_seats(training=training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        raise EnrollmentError("not_active", _("This enrollment is no longer active."))
    freed_seat = enrollment.status == Status.CONFIRMED
    enrollment.status, enrollment.rejected_at = Status.REJECTED, now
    enrollment.decided_by, enrollment.reason = by, reason
    enrollment.save(update_fields=["status", "rejected_at", "decided_by", "reason"])
    notifications.enrollment_changed(enrollment=enrollment)
    audit(enrollment=enrollment, action="members.enrollment.reject", by=by, reason=reason)
    if freed_seat:
        promote_waitlist(training=training, now=now, locked=True)
    return enrollment


# Check-in more than this before a training starts or after it ends is most likely the wrong
# training or the wrong day (a code scanned from last week's list): staff confirm it once more.
# Three hours covers doors opening early for people travelling from far districts, and a
# late sign-in after the closing session; a training held the next day is always outside.
CHECKIN_WINDOW = timedelta(hours=3)


def checkin_warning(*, training: TrainingPage, now: datetime | None = None) -> str:
    """Why checking in now is unusual for this training ('' when it is within ``CHECKIN_WINDOW``)."""
    now = now or timezone.now()
    hours = int(CHECKIN_WINDOW.total_seconds() // 3600)
    if now < training.starts_at - CHECKIN_WINDOW:
        return _(
            "This training starts on %(when)s, more than %(hours)d hours from now. "
            "Is this the right training and the right day?"
        ) % {"when": format_wib(training.starts_at), "hours": hours}
    if now > training.ends_at + CHECKIN_WINDOW:
        return _(
            "This training ended on %(when)s, more than %(hours)d hours ago. "
            "Is this the right training and the right day?"
        ) % {"when": format_wib(training.ends_at), "hours": hours}
    return ""


@transaction.atomic
def mark_attended(*, enrollment: Enrollment, by, attended: bool = True, now: datetime | None = None) -> Enrollment:
    """Staff record whether a confirmed participant came."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.CONFIRMED:
        raise EnrollmentError("not_confirmed", _("Only confirmed participants can be marked as attended."))
    enrollment.attended, enrollment.attended_at, enrollment.decided_by = attended, now or timezone.now(), by
    enrollment.save(update_fields=["attended", "attended_at", "decided_by"])
    audit(enrollment=enrollment, action="members.enrollment.attended", by=by, attended=attended)
    return enrollment


# -- what a member sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class MyTraining:
    """One of the member's trainings, and what their dashboard and the training page may show of it.

    A training the branch cancelled or postponed reads as such (``reads_as``, with its reason),
    and shows no check-in code, calendar link or cancel button: there is nothing to attend yet.
    """

    enrollment: Enrollment
    position: int | None
    may_cancel: bool = False

    @property
    def training(self) -> TrainingPage:
        return self.enrollment.training

    @property
    def running(self) -> bool:
        """The branch still holds this training as scheduled."""
        return self.training.status == TrainingStatus.SCHEDULED

    @property
    def reads_as(self) -> str:
        """``confirmed``, ``waitlisted``, ``pending``, ``training_cancelled`` or ``training_postponed``."""
        if self.training.status == TrainingStatus.CANCELLED:
            return "training_cancelled"
        if self.training.status == TrainingStatus.POSTPONED:
            return "training_postponed"
        return self.enrollment.status

    @property
    def reason(self) -> str:
        """Why the branch cancelled or postponed it, when it said so."""
        return "" if self.running else self.training.status_reason

    @property
    def shows_checkin(self) -> bool:
        return self.running and self.enrollment.status == Status.CONFIRMED

    @property
    def shows_calendar(self) -> bool:
        return self.running


def my_training(*, enrollment: Enrollment, now: datetime | None = None) -> MyTraining:
    return MyTraining(enrollment, waitlist_position(enrollment=enrollment), may_cancel(enrollment=enrollment, now=now))


def member_trainings(*, member: Member, now: datetime | None = None) -> tuple[list[MyTraining], list[MyTraining]]:
    """The member's trainings: upcoming (active, soonest first) and past (confirmed, latest first)."""
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(member=member)
        .filter(status__in=Enrollment.ACTIVE_STATUSES)
        .select_related("training")
        .order_by("training__starts_at")
    )
    upcoming = [
        my_training(enrollment=enrollment, now=now)
        for enrollment in enrollments
        if enrollment.training.ends_at >= now and enrollment.is_active
    ]
    past = [
        MyTraining(enrollment, None)
        for enrollment in reversed(enrollments)
        if enrollment.training.ends_at < now and enrollment.status == Status.CONFIRMED
    ]
    return upcoming, past


def member_calendar_trainings(*, member: Member) -> list[TrainingPage]:
    """Trainings for the member's calendar subscription: everything they hold or wait for."""
    return [
        enrollment.training
        for enrollment in Enrollment.objects.filter(member=member, status__in=Enrollment.ACTIVE_STATUSES)
        .select_related("training")
        .order_by("training__starts_at")
    ]


def cancel_refusal(*, enrollment: Enrollment, now: datetime | None = None) -> EnrollmentError | None:
    """Why the member may not cancel this enrollment themselves now; None when they may."""
    training = enrollment.training
    if not enrollment.is_active:
        return EnrollmentError("not_active", _("This enrollment is no longer active."))
    if training.status == TrainingStatus.CANCELLED:
        return EnrollmentError(
            "training_cancelled", _("The branch has cancelled this training: there is nothing left to cancel.")
        )
    if training.status == TrainingStatus.POSTPONED:
        return EnrollmentError(
            "training_postponed",
            _("The branch has postponed this training: you can cancel once it has set the new date."),
        )
    if (now or timezone.now()) > training.cancellation_deadline:
        return EnrollmentError("too_late", _("The deadline for cancelling has passed; please contact the committee."))
    return None


def may_cancel(*, enrollment: Enrollment, now: datetime | None = None) -> bool:
    return cancel_refusal(enrollment=enrollment, now=now) is None


# -- privacy --------------------------------------------------------------------------------


def member_enrollments_release(*, member: Member) -> None:
    """A deleted account gives up its active enrollments (no email: the address is going)."""
    for enrollment in Enrollment.objects.filter(member=member, status__in=Enrollment.ACTIVE_STATUSES):
        cancel(enrollment=enrollment, by_staff=True, reason=str(_("Account deleted")), notify_member=False)
