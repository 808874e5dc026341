"""Attendance: who was present at which session (day) of a training. Every way in goes through here.

- :func:`record` writes the one row per participant and session (``Attendance``, a database
  constraint) and keeps the enrollment's summary (``attended``, ``attended_at``) with it. Two
  phones checking in the same person at the same moment give one row: the second insert loses
  on the constraint and reads the first.
- :func:`apply_scan`: a scan from the scanner page, or a pick from its name search. The phone
  makes an id for each scan; ``CheckinScan.scan_id`` is unique, so a scan sent twice (an offline
  queue replayed, a retry after a lost answer) is applied once and answered as it was the first
  time. A second phone scanning someone already present is told "sudah hadir pukul …".
- :func:`admit_walk_in`: a verified member who did not enroll gets a seat through
  ``members.enrollment.admit_walk_in`` (seats stay exact, refused when full, the email in the
  outbox), then is checked in.
- :func:`mark_attended`: the check-in page a QR code opens in any camera app, a row's check-in and
  the bulk action of the participants list: the session held today (or the nearest).
- :func:`meets_threshold` / :func:`completed`: who attended enough sessions (the training's
  ``attendance_threshold``, a percentage of its sessions) to have completed it.

Longer than 400 lines on purpose: every way attendance is written shares the rules above, and
the scanner's reads (counts, roster, walk-in search) count exactly as the writes do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from core.clock import WIB
from programs import sessions
from programs.models import TrainingPage, TrainingSession
from programs.schedule import format_wib

from . import enrollment as enrollment_service
from . import scope
from .enrollment import EnrollmentError
from .models import Attendance, CheckinScan, Enrollment, Member

Status = Enrollment.Status
Result = CheckinScan.Result

# Check-in more than this before a session starts or after it ends is most likely the wrong
# training or the wrong day (a code scanned from last week's list): staff confirm it once more.
# Three hours covers doors opening early for people travelling from far districts, and a
# late sign-in after the closing session; a training held the next day is always outside.
CHECKIN_WINDOW = timedelta(hours=3)


# -- the rules ------------------------------------------------------------------------------


def checkin_refusal(*, enrollment: Enrollment, training: TrainingPage | None) -> tuple[str, str]:
    """Why this participant may not be checked in to ``training`` (``("", "")`` when they may):
    a code and the coordinator's words."""
    if training is not None and enrollment.training_id != training.pk:
        return "other_training", _("This code belongs to another training: %(training)s.") % {
            "training": enrollment.training.title
        }
    if enrollment.status == Status.CANCELLED:
        return "cancelled", _("This enrollment was cancelled.")
    if enrollment.status == Status.REJECTED:
        return "rejected", _("This enrollment was not approved.")
    if enrollment.status == Status.WAITLISTED:
        return "waitlisted", _("This person is on the waiting list, not a confirmed participant.")
    if enrollment.status == Status.PENDING:
        return "pending", _("This request is still awaiting approval.")
    return "", ""


def checkin_warning(*, training: TrainingPage, now: datetime | None = None) -> str:
    """Why checking in now is unusual for this training ('' when a session is within ``CHECKIN_WINDOW``)."""
    now = now or timezone.now()
    hours = int(CHECKIN_WINDOW.total_seconds() // 3600)
    days = training.days
    if any(day.starts_at - CHECKIN_WINDOW <= now <= day.ends_at + CHECKIN_WINDOW for day in days):
        return ""
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
    return _("No session of this training is held now. Is this the right day?")


def already_present(*, name: str, attended_at: datetime) -> str:
    return _("%(name)s is already present (since %(time)s).") % {
        "name": name,
        "time": attended_at.astimezone(WIB).strftime("%H.%M"),
    }


# -- recording --------------------------------------------------------------------------------


def record(
    *, enrollment: Enrollment, session: TrainingSession, by=None, at: datetime | None = None
) -> tuple[Attendance, bool]:
    """The participant's attendance at ``session``: ``(row, True)`` when this call recorded it,
    ``(the earlier row, False)`` when they were checked in already."""
    at = at or timezone.now()
    with transaction.atomic():
        existing = Attendance.objects.filter(enrollment=enrollment, session=session).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                row = Attendance.objects.create(enrollment=enrollment, session=session, attended_at=at, recorded_by=by)
        except IntegrityError:  # a concurrent check-in of the same person won
            return Attendance.objects.get(enrollment=enrollment, session=session), False
        enrollment_service.follow_up(enrollment=enrollment)  # its enrollment's entry comes first
        # The summary the listings read: present (at least once), first seen at.
        Enrollment.objects.filter(pk=enrollment.pk).update(attended=True, decided_by=by)
        Enrollment.objects.filter(pk=enrollment.pk).filter(Q(attended_at__isnull=True) | Q(attended_at__gt=at)).update(
            attended_at=at
        )
        log(
            instance=enrollment,
            action="members.enrollment.attended",
            user=by,
            data={"status": enrollment.status, "attended": True, "session": session.number},
        )
        return row, True


@transaction.atomic
def mark_attended(*, enrollment: Enrollment, by, now: datetime | None = None) -> Enrollment:
    """Staff record that a confirmed participant came, to the session held today (or the nearest)."""
    enrollment = Enrollment.objects.select_related("training", "member").get(pk=enrollment.pk)
    enrollment_service.require_staff_scope(enrollment=enrollment, by=by)
    if enrollment.status != Status.CONFIRMED:
        raise EnrollmentError("not_confirmed", _("Only confirmed participants can be marked as attended."))
    session = sessions.current_session(training=enrollment.training, now=now)
    if session is None:
        raise EnrollmentError("no_session", _("This training has no session to check in to."))
    record(enrollment=enrollment, session=session, by=by, at=now)
    enrollment.refresh_from_db()
    return enrollment


def session_attendance(*, enrollment: Enrollment, session: TrainingSession) -> Attendance | None:
    return Attendance.objects.filter(enrollment=enrollment, session=session).first()


# -- scans from the scanner page ----------------------------------------------------------------


@dataclass(frozen=True)
class ScanAnswer:
    """What the scanning phone shows: the result in large type, with the name and the PAC."""

    scan_id: str
    result: str
    message: str
    name: str = ""
    district: str = ""
    enrollment_id: int | None = None
    attended_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.result in (Result.CHECKED_IN, Result.ALREADY, Result.WALK_IN)

    def as_json(self) -> dict:
        return {
            "scan_id": self.scan_id,
            "result": self.result,
            "ok": self.ok,
            "message": self.message,
            "name": self.name,
            "district": self.district,
            "enrollment": self.enrollment_id,
            "attended_at": self.attended_at.isoformat() if self.attended_at else None,
        }


def _refusal_message(reason: str, enrollment: Enrollment | None, training: TrainingPage) -> str:
    if enrollment is None:
        return _("This code is not a participant's check-in code.")
    if reason == "withdrawn":
        return _("This session is no longer part of the training.")
    return checkin_refusal(enrollment=enrollment, training=training)[1] or _("Not checked in.")


def _answer(scan: CheckinScan) -> ScanAnswer:
    """The answer a recorded scan gives (again, for a replay: the same words as the first time)."""
    enrollment = scan.enrollment
    member = enrollment.member if enrollment else None
    name = member.full_name if member else ""
    district = member.district.name if member and member.district_id else ""
    attended = session_attendance(enrollment=enrollment, session=scan.session) if enrollment else None
    attended_at = attended.attended_at if attended else None
    if scan.result == Result.REFUSED:
        message = _refusal_message(scan.reason, enrollment, scan.session.training)
    elif scan.result == Result.ALREADY:
        message = already_present(name=name, attended_at=attended_at)
    elif scan.result == Result.WALK_IN:
        message = _("%(name)s was given a seat and is checked in.") % {"name": name}
    else:
        message = _("%(name)s is checked in.") % {"name": name}
    return ScanAnswer(
        scan_id=str(scan.scan_id),
        result=scan.result,
        message=message,
        name=name,
        district=district,
        enrollment_id=enrollment.pk if enrollment else None,
        attended_at=attended_at,
    )


def _scan_uuid(scan_id) -> uuid.UUID:
    try:
        return uuid.UUID(str(scan_id))
    except ValueError as error:
        raise EnrollmentError("bad_scan", _("This scan has no valid id.")) from error


def _moment(scanned_at: datetime | None, now: datetime) -> datetime:
    """When the person was seen: the phone's clock (it may have been offline), never in the future."""
    if scanned_at is None:
        return now
    if timezone.is_naive(scanned_at):
        scanned_at = timezone.make_aware(scanned_at, WIB)
    return min(scanned_at, now)


def _find(*, session: TrainingSession, token=None, enrollment_id=None) -> Enrollment | None:
    found = Enrollment.objects.select_related("member__district", "training")
    if token:
        try:
            token = uuid.UUID(str(token))
        except ValueError:
            return None
        return found.filter(token=token).first()
    if enrollment_id:
        return found.filter(pk=enrollment_id, training_id=session.training_id).first()
    return None


def apply_scan(
    *,
    scan_id,
    session: TrainingSession,
    by,
    token=None,
    enrollment_id: int | None = None,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> ScanAnswer:
    """Apply one scan (``token``, the check-in code's) or name pick (``enrollment_id``) once.

    A ``scan_id`` seen before answers as it did then and changes nothing. Staff of a sub-branch
    scan only at the trainings their PAC organises (members.scope; OutOfScope otherwise).
    """
    scope.require_in_scope(user=by, obj=session.training)
    scan_uuid = _scan_uuid(scan_id)
    if (done := CheckinScan.objects.filter(scan_id=scan_uuid).select_related("session__training").first()) is not None:
        return _answer(done)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            enrollment = _find(session=session, token=token, enrollment_id=enrollment_id)
            result, reason = Result.REFUSED, "unknown"
            if enrollment is not None:
                reason, _message = checkin_refusal(enrollment=enrollment, training=session.training)
                if session.withdrawn:
                    reason = "withdrawn"
                if not reason:
                    _row, created = record(enrollment=enrollment, session=session, by=by, at=_moment(scanned_at, now))
                    result = Result.CHECKED_IN if created else Result.ALREADY
            scan = CheckinScan.objects.create(
                scan_id=scan_uuid,
                session=session,
                enrollment=enrollment,
                result=result,
                reason=reason,
                scanned_at=_moment(scanned_at, now),
                received_at=now,
                scanned_by=by,
            )
    except IntegrityError:
        # The same scan sent twice at once (a retry racing its first try): answer as recorded.
        return _answer(CheckinScan.objects.select_related("session__training").get(scan_id=scan_uuid))
    return _answer(scan)


def admit_walk_in(*, scan_id, session: TrainingSession, member: Member, by, now: datetime | None = None) -> ScanAnswer:
    """A verified member who did not enroll: a seat through the enrollment service, then checked in.

    Refused (``EnrollmentError``, nothing recorded) when the training is full, the member is not
    verified or not eligible. The ``scan_id`` makes a repeated request harmless, as for scans.
    """
    scope.require_in_scope(user=by, obj=session.training)
    scan_uuid = _scan_uuid(scan_id)
    if (done := CheckinScan.objects.filter(scan_id=scan_uuid).select_related("session__training").first()) is not None:
        return _answer(done)
    now = now or timezone.now()
    if session.withdrawn:
        raise EnrollmentError("withdrawn", _("This session is no longer part of the training."))
    with transaction.atomic():
        enrollment = enrollment_service.admit_walk_in(member=member, training=session.training, by=by, now=now)
        _row, created = record(enrollment=enrollment, session=session, by=by, at=now)
        result = (Result.WALK_IN if enrollment.walk_in else Result.CHECKED_IN) if created else Result.ALREADY
        scan = CheckinScan.objects.create(
            scan_id=scan_uuid,
            session=session,
            enrollment=enrollment,
            result=result,
            scanned_at=now,
            received_at=now,
            scanned_by=by,
        )
    return _answer(scan)


# -- what the scanner page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    expected: int  # confirmed participants (walk-ins included)
    checked_in: int  # present at this session
    walk_ins: int


def session_counts(*, session: TrainingSession) -> Counts:
    confirmed = Enrollment.objects.filter(training_id=session.training_id, status=Status.CONFIRMED).aggregate(
        expected=Count("pk"), walk_ins=Count("pk", filter=Q(walk_in=True))
    )
    checked_in = Attendance.objects.filter(session=session, enrollment__status=Status.CONFIRMED).count()
    return Counts(expected=confirmed["expected"], checked_in=checked_in, walk_ins=confirmed["walk_ins"])


def roster(*, session: TrainingSession) -> list[dict]:
    """What a phone keeps for checking in without signal: per confirmed participant the code, the
    name, the PAC, and when they were checked in to this session. Nothing else (no phone, no email)."""
    present = dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "attended_at"))
    people = (
        Enrollment.objects.filter(training_id=session.training_id, status=Status.CONFIRMED)
        .select_related("member__district")
        .order_by("member__full_name", "pk")
    )
    return [
        {
            "enrollment": enrollment.pk,
            "token": str(enrollment.token),
            "name": enrollment.member.full_name,
            "district": enrollment.member.district.name if enrollment.member.district_id else "",
            "walk_in": enrollment.walk_in,
            "attended_at": present[enrollment.pk].isoformat() if enrollment.pk in present else None,
        }
        for enrollment in people
    ]


def walk_in_candidates(*, training: TrainingPage, query: str, limit: int = 10) -> list[Member]:
    """Verified members whose name or phone matches, who hold no seat in this training."""
    query = query.strip()
    if len(query) < 2:
        return []
    seated = Enrollment.objects.filter(training=training, status=Status.CONFIRMED).values("member_id")
    return list(
        Member.objects.filter(status=Member.Status.ACTIVE, anonymised_at__isnull=True)
        .filter(Q(full_name__icontains=query) | Q(phone__icontains=query))
        .exclude(pk__in=seated)
        .select_related("district")
        .order_by("full_name", "pk")[:limit]
    )


# -- completion: the threshold across sessions ----------------------------------------------------


def required_sessions(*, held: int, percent: int) -> int:
    """How many of ``held`` sessions a participant must attend: ``percent`` of them, rounded up."""
    if held <= 0:
        return 0
    return max(1, -(-held * percent // 100))


def attended_counts(*, training: TrainingPage) -> dict[int, int]:
    """Sessions attended per confirmed enrollment (by id), over the training's current sessions."""
    return dict(
        Attendance.objects.filter(
            session__training=training, session__withdrawn=False, enrollment__status=Status.CONFIRMED
        )
        .values("enrollment_id")
        .annotate(days=Count("session", distinct=True))
        .values_list("enrollment_id", "days")
    )


def completed(*, training: TrainingPage) -> list[Enrollment]:
    """The confirmed participants who attended at least the training's threshold of its sessions."""
    held = len(sessions.held_sessions(training=training))
    needed = required_sessions(held=held, percent=training.attendance_threshold)
    if not needed:
        return []
    counts = attended_counts(training=training)
    ids = [enrollment_id for enrollment_id, days in counts.items() if days >= needed]
    return list(Enrollment.objects.filter(pk__in=ids).select_related("member").order_by("member__full_name", "pk"))


def meets_threshold(*, enrollment: Enrollment) -> bool:
    training = enrollment.training
    held = len(sessions.held_sessions(training=training))
    needed = required_sessions(held=held, percent=training.attendance_threshold)
    days = Attendance.objects.filter(
        enrollment=enrollment, session__withdrawn=False, enrollment__status=Status.CONFIRMED
    ).count()
    return bool(needed) and days >= needed
