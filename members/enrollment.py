"""Enrollment: every change of an enrollment's status happens here (invariants 1 to 3 of docs/architecture.md).

Seat decisions lock the training's ``TrainingSeats`` row (on SQLite every write transaction
is IMMEDIATE, so writers queue up). A new enrollment takes it with one conditional UPDATE of
the row's counters (a seat while ``taken`` is under the capacity, else the end of the waiting
list), held only for that, the enrollment's INSERTs and the commit; every other transition
locks the row (``select_for_update``), counts with :func:`seats_by_training`, decides, and
sets the counters to what it counts. A seat that frees up goes to the first eligible person
on the waiting list in the same transaction.

Longer than 400 lines on purpose: every status change shares the seat lock and the rules
(why a member may or may not enroll, the order of the waiting list), and writing each of them
once means writing them here. Reads for pages (a member's trainings, seats) sit beside them
because they count exactly as the transitions do.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_actions

from core import pagecache, prepared
from programs.models import TrainingPage
from programs.schedule import CadreLevel, EnrollmentState, Gender, TrainingStatus

from . import links, notifications, offers, reminders, scope
from .accounts import member_completeness
from .models import Enrollment, Member, TrainingSeats, WaitlistOffer

Status = Enrollment.Status
OfferStatus = WaitlistOffer.Status
logger = logging.getLogger(__name__)


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
    """A training's seats: its capacity and who holds, waits for or asks for one.

    ``offered``: seats held by open offers (people on the waiting list who may still accept);
    they are taken, like confirmed ones, until the offer is answered or expires.
    """

    capacity: int
    confirmed: int
    waitlisted: int
    pending: int
    offered: int = 0

    @property
    def left(self) -> int:
        return max(self.capacity - self.confirmed - self.offered, 0)

    @property
    def full(self) -> bool:
        return self.left == 0


# -- reads ----------------------------------------------------------------------------------


SEAT_STATUSES = (Status.CONFIRMED, Status.WAITLISTED, Status.PENDING)


def seats_by_training(*, trainings: Iterable[TrainingPage]) -> dict[int, Seats]:
    """The seats of each training, by its id, in one query: the one place that counts seats.

    The transitions count under the seat lock through it; pages, panels and the staff's
    dashboard show what it counts.
    """
    trainings = list(trainings)
    counted = {training.pk: {"confirmed": 0, "waitlisted": 0, "pending": 0, "offered": 0} for training in trainings}
    # One row per training and status: the plainest GROUP BY (a member's page draws it per request),
    # with the open offers among the waiting (at most one per enrollment, a constraint: the join
    # repeats no enrollment).
    for training_id, status, number, offered in (
        Enrollment.objects.filter(training__in=counted, status__in=SEAT_STATUSES)
        .alias(open_offer=FilteredRelation("offers", condition=Q(offers__status=OfferStatus.OPEN)))
        .values_list("training_id", "status")
        .annotate(number=Count("pk"), offered=Count("open_offer"))
        .order_by()
    ):
        counted[training_id][status] = number
        if status == Status.WAITLISTED:
            counted[training_id]["offered"] = offered
    return {training.pk: Seats(capacity=training.capacity or 0, **counted[training.pk]) for training in trainings}


def seats_for(*, training: TrainingPage) -> Seats:
    return seats_by_training(trainings=[training])[training.pk]


@dataclass(frozen=True)
class Turnout:
    """Empty chairs of a training: confirmed seats freed after the cancellation deadline, and
    confirmed participants not recorded as present once it has ended (``None`` before)."""

    late_cancellations: int
    no_shows: int | None


def turnout_by_training(*, trainings: Iterable[TrainingPage], now: datetime | None = None) -> dict[int, Turnout]:
    now = now or timezone.now()
    trainings = list(trainings)
    rows = {
        row.pop("training_id"): row
        for row in Enrollment.objects.filter(training__in=trainings)
        .values("training_id")
        .annotate(
            late=Count("pk", filter=Q(status=Status.CANCELLED, cancelled_late=True)),
            absent=Count("pk", filter=Q(status=Status.CONFIRMED) & ~Q(attended=True)),
        )
        .order_by()
    }
    return {
        training.pk: Turnout(
            late_cancellations=rows.get(training.pk, {}).get("late", 0),
            no_shows=rows.get(training.pk, {}).get("absent", 0) if training.ends_at < now else None,
        )
        for training in trainings
    }


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


def with_district_ids(trainings):
    """Trainings that carry the ids of the districts they are for (``district_ids``, text: "3,7",
    or None for every district) from their own query, for :func:`ineligibility`: a query fewer."""
    through = TrainingPage.districts.through
    ids = (
        through.objects.filter(trainingpage_id=OuterRef("pk"))
        .order_by()
        .values("trainingpage_id")
        .annotate(ids=StringAgg(Cast("district_id", CharField()), Value(",")))
        .values("ids")
    )
    return trainings.annotate(district_ids=Subquery(ids))


def _district_ids(training: TrainingPage) -> set[int]:
    if hasattr(training, "district_ids"):  # read with the training (with_district_ids)
        return {int(pk) for pk in (training.district_ids or "").split(",") if pk}
    return {district.pk for district in training.districts.all()}


def ineligibility(*, member: Member, training: TrainingPage) -> list[str]:
    """Why this member may not join this training (empty when they may), in plain words."""
    reasons = []
    if training.gender == Gender.WOMEN and member.gender != Member.Gender.FEMALE:
        reasons.append(_("This training is for women only."))
    elif training.gender == Gender.MEN and member.gender != Member.Gender.MALE:
        reasons.append(_("This training is for men only."))
    district_ids = _district_ids(training)
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


# The enrollments of a member in a training that a refusal reads (active ones, a rejection).
REFUSAL_STATUSES = (*Enrollment.ACTIVE_STATUSES, Status.REJECTED)


def _refusal_enrollments(member, training):
    """Those rows (compiled once per process, core.prepared: asked on every training page a member sees)."""
    return Enrollment.objects.filter(member_id=member, training_id=training, status__in=REFUSAL_STATUSES)


def with_own_enrollments(trainings, *, user):
    """Trainings that say, from their own query, whether ``user``'s member has an enrollment that
    :func:`enroll_refusal` reads in them (``has_own_enrollments``, for ``own_enrollments_of``: the
    user's id): an enroll POST of someone with none, a storm's every one, makes no query for them."""
    own = Enrollment.objects.filter(training_id=OuterRef("pk"), member__user_id=user, status__in=REFUSAL_STATUSES)
    return trainings.annotate(own_enrollments_of=Cast(user, IntegerField()), has_own_enrollments=Exists(own))


def _own_enrollments(*, member: Member, training: TrainingPage) -> list[Enrollment]:
    read_for = getattr(training, "own_enrollments_of", None)
    if read_for is not None and read_for == member.user_id and not training.has_own_enrollments:
        return []  # read with the training, for this member (with_own_enrollments): none
    return prepared.run("members.enrollment.own", _refusal_enrollments, member.pk, training.pk)


def enroll_refusal(*, member: Member, training: TrainingPage, now: datetime | None = None) -> EnrollmentError | None:
    """Why this member may not enroll in this training now; None when they may.

    The one decision, asked by :func:`enroll` and by the training page's panel, rules in this
    order (the first that refuses answers): already enrolled; the training's state (cancelled,
    postponed, no enrollment through the site, not open yet, closed or over); staff rejected
    this member for this training; membership not verified (or suspended); profile incomplete;
    eligibility (gender, district, cadre level, age). A full training refuses nobody: the
    enrollment joins the waiting list (:func:`enrollment_outcome`).
    """
    # One query for both of the member's own rules (an active enrollment, a rejection), or none.
    mine = _own_enrollments(member=member, training=training)
    for enrollment in mine:  # what the caller reads of them next (e.g. may_cancel), without a query
        enrollment.training, enrollment.member = training, member
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
    "members.enrollment.walk_in": (_("Add a walk-in"), _("Added at the door and given a seat")),
    "members.offer.make": (_("Offer a freed seat"), _("Seat offered from the waiting list")),
    "members.offer.accept": (_("Accept an offered seat"), _("Offered seat accepted")),
    "members.offer.decline": (_("Decline an offered seat"), _("Offered seat declined")),
    "members.offer.remind": (_("Remind of an offered seat"), _("Reminded of the offered seat")),
    "members.offer.expire": (_("Let an offer expire"), _("Offered seat not answered in time")),
}


def require_staff_scope(*, enrollment: Enrollment, by) -> None:
    """Staff act only on participants of their districts or their PAC's trainings (members.scope)."""
    if by is not None and not scope.in_scope(user=by, obj=enrollment):
        raise EnrollmentError("out_of_scope", _("This participant belongs to another sub-branch (PAC)."))


def audit(*, enrollment: Enrollment, action: str, by=None, at: datetime | None = None, **data) -> None:
    """Record who changed this enrollment and how (no user: the system, e.g. an automatic promotion).

    The entry Wagtail's ``log()`` writes, in one INSERT: its ``save()`` runs ``full_clean()``,
    two SELECTs (do the content type and the user exist?) and much Python. The one check that
    clean makes that can fail here, a registered action, is made first. ``at``: when it
    happened (default now). The enrollment's own follow-up, if still owed, is recorded first.
    """
    follow_up(enrollment=enrollment)
    data.setdefault("status", enrollment.status)
    if not log_actions.action_exists(action):
        raise ValueError(f"The log action {action!r} has not been registered.")
    context = get_active_log_context()
    entry_model = log_actions.get_log_model_for_instance(enrollment)
    entry = entry_model(
        content_type=ContentType.objects.get_for_model(enrollment, for_concrete_model=False),
        label=str(enrollment),
        action=action,
        timestamp=at or timezone.now(),
        data=data,
        user=by or context.user,
        uuid=context.uuid,
        object_id=str(enrollment.pk),
    )
    prepared.insert(entry, send_signals=False)  # bulk_create()'s row, its INSERT compiled once per process


# -- the lock -------------------------------------------------------------------------------


def lock_seats(*, training: TrainingPage) -> None:
    """Lock the training's seat row for the rest of the current transaction.

    Every transition that may change what seats_for() counts takes this lock, so this is
    also where pages showing seat counts are marked stale (when the transaction commits).
    A new row starts with the counters as counted (no transition could change them without it).
    """
    pagecache.invalidate(pagecache.SEATS)
    if TrainingSeats.objects.select_for_update().filter(training=training).exists():
        return
    try:
        with transaction.atomic():
            seats = seats_for(training=training)
            TrainingSeats.objects.create(
                training=training, taken=seats.confirmed + seats.offered, waiting=seats.waitlisted
            )
    except IntegrityError:
        pass  # created by a concurrent transaction, which we waited for
    TrainingSeats.objects.select_for_update().filter(training=training).exists()


def recount_seats(*, training: TrainingPage) -> None:
    """The seat row's counters set to what seats_for() counts, at the end of every transition but
    a new enrollment (which counts itself in, :func:`take_place`); under the seat lock."""
    seats = seats_for(training=training)
    TrainingSeats.objects.filter(training=training).update(
        taken=seats.confirmed + seats.offered, waiting=seats.waitlisted
    )


def _counter_sql(column: str, comparison: str) -> str:
    """The counter's conditional UPDATE: names from the models' own metadata, values as parameters."""
    quote = connection.ops.quote_name
    page = TrainingPage._meta
    return (
        f"UPDATE {quote(TrainingSeats._meta.db_table)} SET {quote(column)} = {quote(column)} + 1"  # noqa: S608
        f" WHERE {quote('training_id')} = %s AND {quote('taken')} {comparison}"
        f" (SELECT COALESCE({quote('capacity')}, 0) FROM {quote(page.db_table)} WHERE {quote(page.pk.column)} = %s)"
        f" RETURNING {quote('waiting')}"
    )


# Which of the two UPDATEs took this process's last enrollment in a training (True: the waiting
# list's): tried first next time, so that a storm on a full training costs one statement under the
# lock, not two. Only an order: each UPDATE checks the row itself, so a stale guess costs a statement.
_found_full: dict[int, bool] = {}


def _attempts(training: TrainingPage) -> tuple[tuple[str, str], ...]:
    """The counter's two UPDATEs (column, comparison), the one that took this process's last enrollment first."""
    attempts = (("taken", "<"), ("waiting", ">="))
    return attempts[::-1] if _found_full.get(training.pk) else attempts


def take_place(*, training: TrainingPage) -> tuple[bool, int]:
    """A new enrollment's place: ``(True, _)`` a seat, else ``(False, n)`` the n-th place on the waiting list.

    Counted into the seat row by one conditional UPDATE (a seat while ``taken`` is under the
    capacity the page row holds now; else the end of the waiting list), which locks the row until
    the transaction commits: the seat lock, taken without a count. When the row is missing, or
    the capacity changed between the two statements, the lock is taken first and the row decides.
    """
    pagecache.invalidate(pagecache.SEATS)
    with prepared.cursor() as cursor:  # planned once per connection (PostgreSQL)
        for column, comparison in _attempts(training):
            cursor.execute(_counter_sql(column, comparison), [training.pk, training.pk])
            if (row := cursor.fetchone()) is not None:
                _found_full[training.pk] = column == "waiting"
                return column == "taken", row[0]
    lock_seats(training=training)
    capacity = TrainingPage.objects.filter(pk=training.pk).values_list("capacity", flat=True).get() or 0
    counters = TrainingSeats.objects.filter(training=training)
    seated = counters.get().taken < capacity
    counters.update(**{"taken" if seated else "waiting": F("taken" if seated else "waiting") + 1})
    return seated, counters.values_list("waiting", flat=True).get()


# The enrollment's columns an INSERT writes, as core.prepared's INSERT writes them.
_ENROLLMENT_FIELDS = prepared.insertable_fields(Enrollment)


@functools.cache
def _enroll_sql(column: str, comparison: str, status: str) -> str:
    """PostgreSQL: the counter's UPDATE and the enrollment's INSERT in one statement (data-modifying CTEs).

    The INSERT reads the UPDATE's row, so it inserts nothing when the UPDATE took nothing, and a
    failing INSERT (the member's concurrent click: one active enrollment) undoes the UPDATE. The
    enrollment is stamped by the database after the UPDATE locked the row, so the order of
    requests is the order of decisions; its waiting-list place is the counter's new value.
    """
    quote = connection.ops.quote_name
    stamped = _stamped_fields(status)
    values = []
    for field in _ENROLLMENT_FIELDS:
        if field.attname in stamped:
            values.append('"stamp"."at"')
        elif field.attname == "follow_up" and column == "waiting":  # {"status": ..., "position": place}
            values.append("""jsonb_set(%s, '{position}', to_jsonb("stamp"."waiting"))""")
        else:
            values.append("%s")
    return (
        f'WITH "seat" AS ({_counter_sql(column, comparison)}),'  # noqa: S608 (names from the models' metadata)
        ' "stamp" AS (SELECT clock_timestamp() AS "at", "waiting" FROM "seat"),'
        f' "new" AS (INSERT INTO {quote(Enrollment._meta.db_table)}'
        f" ({', '.join(quote(field.column) for field in _ENROLLMENT_FIELDS)})"
        f' SELECT {", ".join(values)} FROM "stamp" RETURNING {quote(Enrollment._meta.pk.column)})'
        f' SELECT "new".{quote(Enrollment._meta.pk.column)}, "stamp"."at", "stamp"."waiting" FROM "new", "stamp"'
    )


_DECIDED_AT = {Status.CONFIRMED: "confirmed_at", Status.WAITLISTED: "waitlisted_at"}


def _stamped_fields(status: str) -> tuple[str, ...]:
    """What a new enrollment's moment stamps: the request, and the seat's or the waiting list's."""
    return ("requested_at", _DECIDED_AT[status]) if status in _DECIDED_AT else ("requested_at",)


def _enroll_at_once(*, member: Member, training: TrainingPage) -> Enrollment | None:
    """A new enrollment (no approval) decided, inserted and committed by one statement on
    PostgreSQL (:func:`_enroll_sql`), in autocommit, or in a savepoint of the caller's transaction.

    The same rule as :func:`take_place` and the same row, but the seat row is locked only while
    PostgreSQL runs the statement: not across the round trips and the Python of a transaction,
    during which, under a storm on a busy machine, the process holding the lock may wait for a
    core and every other request with it. None when neither UPDATE took it (no seat row yet, or
    the capacity changed between the two): the transaction's path decides. No model signal is
    sent, as ``bulk_create()`` sends none: nothing listens to an enrollment's save (the page
    cache is told here).
    """
    for column, comparison in _attempts(training):
        seated = column == "taken"
        enrollment = Enrollment(member=member, training=training)
        enrollment.status = enrollment_outcome(training=training, free_seat=seated)
        enrollment.follow_up = {"status": enrollment.status, "position": None}
        stamped = _stamped_fields(enrollment.status)
        params = [training.pk, training.pk] + [
            field.get_db_prep_save(field.pre_save(enrollment, add=True), connection=connection)
            for field in _ENROLLMENT_FIELDS
            if field.attname not in stamped
        ]
        nested = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        try:
            with nested, prepared.cursor() as cursor:  # a savepoint only inside a transaction
                cursor.execute(_enroll_sql(column, comparison, enrollment.status), params)
                row = cursor.fetchone()
        except IntegrityError as error:  # the constraint: a concurrent request of the same member won
            raise _already_enrolled() from error
        if row is None:
            continue
        _found_full[training.pk] = not seated
        enrollment.pk, decided_at, waiting = row
        for name in stamped:
            setattr(enrollment, name, decided_at)
        if not seated:
            enrollment.follow_up["position"] = waiting
        enrollment._state.adding, enrollment._state.db = False, connection.alias
        # After the statement (committed, unless the caller's transaction is open): a bump before it
        # would let a page drawn from the old counters be kept under the new generation.
        pagecache.invalidate(pagecache.SEATS)
        return enrollment
    return None


# -- transitions ----------------------------------------------------------------------------


def enroll(*, member: Member, training: TrainingPage, now: datetime | None = None) -> Enrollment:
    """Confirm the member, put them on the waiting list, or (approval trainings) await staff.

    The member's request does only what decides the seat and records it: count, insert the
    enrollment, commit. The rules come before the lock; a concurrent click of the same member
    loses on the database constraint (one active enrollment). The enrollment's email and audit
    entry are owed in the row itself (``follow_up``) and recorded after the commit, exactly once,
    by the worker (:func:`follow_up_pending`) or by the enrollment's next transition, whichever
    comes first: the request of a storm spends nothing on them, and nothing is lost when the
    worker or the broker is down (the beat's sweep finds the row). On PostgreSQL a request's
    enrollment (no approval, ``now`` not given) is one statement (:func:`_enroll_at_once`).
    """
    if refusal := enroll_refusal(member=member, training=training, now=now):
        raise refusal
    one_statement = now is None and not training.requires_approval and connection.vendor == "postgresql"
    if one_statement and (enrollment := _enroll_at_once(member=member, training=training)) is not None:
        transaction.on_commit(_follow_up_soon)  # now, unless the caller's transaction is open
        return enrollment
    return _enroll_in_transaction(member=member, training=training, now=now)


@transaction.atomic
def _enroll_in_transaction(*, member: Member, training: TrainingPage, now: datetime | None) -> Enrollment:
    """:func:`enroll` in a transaction: the seat row's counter, the INSERT, the commit (every database)."""
    stamped_under_lock = now is None
    if training.requires_approval:  # no seat decided now: approve() decides under the lock
        lock_seats(training=training)
        seated, waiting = False, 0
    else:
        seated, waiting = take_place(training=training)
    # Stamped under the lock, so the order of requests is the order of decisions.
    now = now or timezone.now()
    enrollment = Enrollment(member=member, training=training)
    enrollment.status = enrollment_outcome(training=training, free_seat=seated)
    for name in _stamped_fields(enrollment.status):
        setattr(enrollment, name, now)
    position = None
    if enrollment.status == Status.WAITLISTED and stamped_under_lock:
        position = waiting  # requested after everyone waiting (stamped under the lock): last in line
    enrollment.follow_up = {"status": enrollment.status, "position": position}
    try:
        prepared.insert(enrollment)  # save()'s INSERT, compiled once per process (core.prepared)
    except IntegrityError as error:  # the constraint: a concurrent request of the same member won
        raise _already_enrolled() from error  # (the transaction rolls back whole, nothing half-written)
    if position is None and enrollment.status == Status.WAITLISTED:  # a given moment: counted
        enrollment.follow_up["position"] = waitlist_position(enrollment=enrollment)
        Enrollment.objects.filter(pk=enrollment.pk).update(follow_up=enrollment.follow_up)
    transaction.on_commit(_follow_up_soon)
    return enrollment


def _follow_up_soon() -> None:
    """Wake the worker for the follow-ups just committed (members.tasks; in-process without a broker)."""
    from .tasks import follow_up_enrollments  # the tasks module imports this one

    follow_up_enrollments.enqueue_once()


def follow_up(*, enrollment: Enrollment) -> bool:
    """Record what a member's new enrollment owes after its commit (``Enrollment.follow_up``):
    the email of its status then and its audit entry, stamped at its request. True when this call
    recorded them.

    Claimed by one conditional UPDATE in the caller's transaction, so they are recorded exactly
    once, whoever comes first: the worker, or a later transition of the same enrollment (which
    calls this through ``audit()`` and ``notifications.enrollment_changed()``, so that the member
    hears of the enrollment before they hear of what became of it).
    """
    owed = enrollment.follow_up
    if owed is None:
        return False
    enrollment.follow_up = None
    if not Enrollment.objects.filter(pk=enrollment.pk, follow_up__isnull=False).update(follow_up=None):
        return False  # recorded by another transaction, which committed first
    as_requested = Enrollment(
        pk=enrollment.pk,
        member=enrollment.member,
        training=enrollment.training,
        status=owed["status"],
        requested_at=enrollment.requested_at,
        token=enrollment.token,
    )
    if as_requested.status == Status.CONFIRMED:
        as_requested.confirmed_at = enrollment.requested_at
    elif as_requested.status == Status.WAITLISTED:
        as_requested.waitlisted_at = enrollment.requested_at
    as_requested._state.adding = False
    draft = notifications.enrollment_draft(member=enrollment.member, words_at_delivery=True)  # words: when sent
    notifications.enrollment_changed(enrollment=as_requested, draft=draft, position=owed["position"])
    audit(
        enrollment=as_requested,
        action="members.enrollment.enroll",
        by=enrollment.member.user,
        at=enrollment.requested_at,
    )
    return True


def follow_up_pending(*, limit: int = 200) -> int:
    """The follow-ups still owed (:func:`follow_up`), oldest first, each in its own transaction;
    how many this call recorded. Rows another worker is recording are skipped, not waited for;
    a row that fails is logged and left owing (the next run tries it again), the others go on."""
    done = 0
    owing = Enrollment.objects.filter(follow_up__isnull=False).order_by("pk").values_list("pk", flat=True)
    for pk in list(owing[:limit]):
        try:
            with transaction.atomic():
                row = (
                    Enrollment.objects.select_related("member__user", "training")
                    .select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=pk, follow_up__isnull=False)
                    .first()
                )
                if row is not None and follow_up(enrollment=row):
                    done += 1
        except Exception:  # one enrollment's failure must not hold back everyone else's email
            logger.exception("the follow-up of enrollment %s failed; it stays owed", pk)
    return done


@transaction.atomic
def cancel(
    *,
    enrollment: Enrollment,
    by=None,
    reason: str = "",
    now: datetime | None = None,
    by_staff: bool = False,
    notify_member: bool = True,
    absent: bool = False,
) -> Enrollment:
    """Cancel an active enrollment; a freed seat goes to the waiting list at once.

    Members may cancel while :func:`cancel_refusal` allows it; staff at any time. ``absent``:
    the member's "Saya berhalangan", allowed until the start (:func:`absence_refusal`); a
    confirmed seat freed after the deadline is recorded as a late cancellation.
    """
    now = now or timezone.now()
    if by_staff:
        require_staff_scope(enrollment=enrollment, by=by)
    training = enrollment.training
    lock_seats(training=training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        raise EnrollmentError("not_active", _("This enrollment is no longer active."))
    refusal_rule = absence_refusal if absent else cancel_refusal
    if not by_staff and (refusal := refusal_rule(enrollment=enrollment, now=now)):
        raise refusal
    late = not by_staff and enrollment.status == Status.CONFIRMED and now > training.cancellation_deadline
    freed_seat = enrollment.status == Status.CONFIRMED or _withdraw_offer(enrollment=enrollment, now=now)
    enrollment.status, enrollment.cancelled_at, enrollment.reason = Status.CANCELLED, now, reason
    enrollment.decided_by = by if by_staff else None
    enrollment.cancelled_late = late
    enrollment.save(update_fields=["status", "cancelled_at", "reason", "decided_by", "cancelled_late"])
    if absent:
        reminders.reminder_answered_absent(enrollment=enrollment, now=now)
    if notify_member:
        notifications.enrollment_changed(enrollment=enrollment, by_staff=by_staff)
    audit(enrollment=enrollment, action="members.enrollment.cancel", by=by, reason=reason)
    if freed_seat:
        promote_waitlist(training=training, now=now, locked=True)
    recount_seats(training=training)
    return enrollment


@transaction.atomic
def promote_waitlist(*, training: TrainingPage, now: datetime | None = None, locked: bool = False) -> list[Enrollment]:
    """Give every free seat to the first eligible people on the waiting list, in order.

    A training with ``waitlist_offer_hours`` offers each seat instead (:func:`offer_make`),
    held until it is answered or expires; close to the start (``offers.offer_deadline``) the
    seat is given at once. Returns the enrollments that got a seat or an offer.
    """
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
    deadline = offers.offer_deadline(training=training, now=now)
    queue = (
        Enrollment.objects.select_related("member")
        .filter(training=training, status=Status.WAITLISTED)
        .exclude(offers__status=OfferStatus.OPEN)  # already holding an offered seat
        .order_by("requested_at", "pk")
    )
    for enrollment in queue:
        if len(promoted) == free:
            break
        member = enrollment.member
        if member.status != Member.Status.ACTIVE or ineligibility(member=member, training=training):
            continue  # skipped, keeps their place for a later seat
        if deadline is not None:
            offer_make(enrollment=enrollment, training=training, now=now, expires_at=deadline)
        else:
            enrollment.status, enrollment.confirmed_at = Status.CONFIRMED, now
            enrollment.save(update_fields=["status", "confirmed_at"])
            notifications.enrollment_changed(enrollment=enrollment, promoted=True)
            audit(enrollment=enrollment, action="members.enrollment.promote")
        promoted.append(enrollment)
    if promoted and not locked:  # a caller holding the lock recounts once it is done
        recount_seats(training=training)
    return promoted


# -- offers: a freed seat held for the next person until they answer ------------------------


def open_offer(*, enrollment: Enrollment) -> WaitlistOffer | None:
    if enrollment.status != Status.WAITLISTED:
        return None
    return WaitlistOffer.objects.filter(enrollment=enrollment, status=OfferStatus.OPEN).first()


def offer_make(*, enrollment: Enrollment, training: TrainingPage, now: datetime, expires_at: datetime) -> WaitlistOffer:
    """Hold a seat for this person on the waiting list and email them the offer (under the seat lock)."""
    offer = WaitlistOffer.objects.create(
        enrollment=enrollment,
        training=training,
        offered_at=now,
        expires_at=expires_at,
        remind_at=offers.offer_reminder_moment(offered_at=now, expires_at=expires_at),
    )
    notifications.offer_made(offer=offer, links=_offer_links(offer))
    audit(enrollment=enrollment, action="members.offer.make", expires_at=expires_at.isoformat())
    return offer


def _offer_links(offer: WaitlistOffer) -> dict:
    return {
        "accept_url": offers.offer_url(offer=offer, answer="terima"),
        "decline_url": offers.offer_url(offer=offer, answer="tolak"),
    }


def _withdraw_offer(*, enrollment: Enrollment, now: datetime) -> bool:
    """The enrollment leaves while an offer holds a seat for it: the offer ends and its seat is free again."""
    if enrollment.status != Status.WAITLISTED:
        return False
    return bool(
        WaitlistOffer.objects.filter(enrollment=enrollment, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN, decided_at=now
        )
    )


OFFER_REFUSALS = {
    OfferStatus.ACCEPTED: ("offer_accepted", _("You have already accepted this seat: it is yours.")),
    OfferStatus.DECLINED: ("offer_declined", _("You have already declined this seat; it went to the next person.")),
    OfferStatus.EXPIRED: (
        "offer_expired",
        _("This offer was not answered in time, so the seat went to the next person on the waiting list."),
    ),
    OfferStatus.WITHDRAWN: ("offer_withdrawn", _("This offer no longer stands: the enrollment was cancelled.")),
}


def offer_refusal(*, offer: WaitlistOffer, now: datetime | None = None) -> EnrollmentError | None:
    """Why this offer cannot be answered now; None when it can (the page shows the buttons then)."""
    if offer.status != OfferStatus.OPEN:
        return EnrollmentError(*OFFER_REFUSALS[offer.status])
    if (now or timezone.now()) >= offer.expires_at:
        return EnrollmentError(*OFFER_REFUSALS[OfferStatus.EXPIRED])
    if offer.training.enrollment_state(now=now) in {EnrollmentState.CANCELLED, EnrollmentState.POSTPONED}:
        return EnrollmentError("not_running", _("This training has been cancelled or postponed."))
    return None


def _lock_offer(offer: WaitlistOffer) -> WaitlistOffer:
    """The seat lock, then the offer as it is now (another answer or the expiry job may have come first)."""
    lock_seats(training=offer.training)
    return WaitlistOffer.objects.select_for_update(of=("self",)).select_related("training").get(pk=offer.pk)


def _answer_offer(offer: WaitlistOffer, *, status: str, now: datetime) -> WaitlistOffer:
    """The person's answer recorded under the seat lock, unless the offer can no longer be answered."""
    offer = _lock_offer(offer)
    if refusal := offer_refusal(offer=offer, now=now):
        raise refusal
    offer.status, offer.decided_at = status, now
    offer.save(update_fields=["status", "decided_at"])
    return offer


@transaction.atomic
def offer_accept(*, offer: WaitlistOffer, now: datetime | None = None) -> Enrollment:
    """The person takes the seat held for them: confirmed, with the usual email and calendar file."""
    now = now or timezone.now()
    offer = _answer_offer(offer, status=OfferStatus.ACCEPTED, now=now)
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",)).select_related("member__user").get(pk=offer.enrollment_id)
    )
    enrollment.status, enrollment.confirmed_at = Status.CONFIRMED, now
    enrollment.save(update_fields=["status", "confirmed_at"])
    notifications.enrollment_changed(enrollment=enrollment, promoted=True)
    audit(enrollment=enrollment, action="members.offer.accept", by=enrollment.member.user)
    recount_seats(training=offer.training)
    return enrollment


@transaction.atomic
def offer_decline(*, offer: WaitlistOffer, now: datetime | None = None) -> Enrollment:
    """The person does not want the seat: they leave the waiting list, and the seat is offered on."""
    now = now or timezone.now()
    offer = _answer_offer(offer, status=OfferStatus.DECLINED, now=now)
    enrollment = _leave_waitlist(offer, now=now, reason=str(_("Declined the offered seat")))
    audit(enrollment=enrollment, action="members.offer.decline", by=enrollment.member.user)
    promote_waitlist(training=offer.training, now=now, locked=True)
    recount_seats(training=offer.training)
    return enrollment


def _leave_waitlist(offer: WaitlistOffer, *, now: datetime, reason: str) -> Enrollment:
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",)).select_related("member__user").get(pk=offer.enrollment_id)
    )
    enrollment.status, enrollment.cancelled_at, enrollment.reason = Status.CANCELLED, now, reason
    enrollment.save(update_fields=["status", "cancelled_at", "reason"])
    return enrollment


@transaction.atomic
def offer_expire(*, offer: WaitlistOffer, now: datetime | None = None) -> bool:
    """An unanswered offer past its time: the person leaves the waiting list and is told, and the
    seat goes to the next one. False when someone came first (an answer, another run of the job)."""
    now = now or timezone.now()
    offer = _lock_offer(offer)
    if offer.status != OfferStatus.OPEN or offer.expires_at > now:
        return False
    offer.status, offer.decided_at = OfferStatus.EXPIRED, now
    offer.save(update_fields=["status", "decided_at"])
    enrollment = _leave_waitlist(offer, now=now, reason=str(_("Did not answer the offered seat in time")))
    notifications.offer_expired(offer=offer, enrollment=enrollment)
    audit(enrollment=enrollment, action="members.offer.expire")
    promote_waitlist(training=offer.training, now=now, locked=True)
    recount_seats(training=offer.training)
    return True


def offers_expire(*, now: datetime | None = None) -> int:
    """Every offer past its time (a beat job): each in its own transaction; how many expired now."""
    now = now or timezone.now()
    due = WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).select_related("training")
    return sum(offer_expire(offer=offer, now=now) for offer in due.order_by("expires_at", "pk"))


def offers_remind(*, now: datetime | None = None) -> int:
    """The reminder of each open offer whose moment has come, once (a beat job); how many were sent now."""
    now = now or timezone.now()
    due = WaitlistOffer.objects.filter(
        status=OfferStatus.OPEN, reminded_at__isnull=True, remind_at__lte=now, expires_at__gt=now
    ).select_related("enrollment__member__user", "training")
    count = 0
    for offer in due.order_by("remind_at", "pk"):
        with transaction.atomic():
            claimed = WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN, reminded_at__isnull=True)
            if claimed.update(reminded_at=now):
                notifications.offer_reminder(offer=offer, links=_offer_links(offer))
                audit(enrollment=offer.enrollment, action="members.offer.remind")
                count += 1
    return count


@transaction.atomic
def promote(*, enrollment: Enrollment, by, now: datetime | None = None) -> Enrollment:
    """Staff give a free seat to this person on the waiting list (not necessarily the first)."""
    require_staff_scope(enrollment=enrollment, by=by)
    now = now or timezone.now()
    lock_seats(training=enrollment.training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.WAITLISTED:
        raise EnrollmentError("not_waitlisted", _("Only people on the waiting list can be moved up."))
    training = TrainingPage.objects.get(pk=enrollment.training_id)
    if training.enrollment_state(now=now) in {EnrollmentState.CANCELLED, EnrollmentState.POSTPONED}:
        raise EnrollmentError("not_running", _("This training has been cancelled or postponed."))
    # A seat offered to this person is theirs already: staff accept it for them.
    held = WaitlistOffer.objects.filter(enrollment=enrollment, status=OfferStatus.OPEN)
    if not held.exists() and not seats_for(training=training).left:
        raise EnrollmentError("full", _("There is no free seat in this training."))
    if enrollment.member.status != Member.Status.ACTIVE:
        raise EnrollmentError("not_verified", _("This membership is not verified."))
    held.update(status=OfferStatus.ACCEPTED, decided_at=now)
    enrollment.status, enrollment.confirmed_at, enrollment.decided_by = Status.CONFIRMED, now, by
    enrollment.save(update_fields=["status", "confirmed_at", "decided_by"])
    notifications.enrollment_changed(enrollment=enrollment, promoted=True)
    audit(enrollment=enrollment, action="members.enrollment.promote", by=by)
    recount_seats(training=training)
    return enrollment


@transaction.atomic
def approve(*, enrollment: Enrollment, by, now: datetime | None = None) -> Enrollment:
    """Staff accept a pending request: it takes a seat if one is free, else waits in line."""
    require_staff_scope(enrollment=enrollment, by=by)
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
    recount_seats(training=enrollment.training)
    return enrollment


@transaction.atomic
def reject(*, enrollment: Enrollment, by, reason: str = "", now: datetime | None = None) -> Enrollment:
    """Staff turn a request down; a confirmed seat it held goes to the waiting list."""
    require_staff_scope(enrollment=enrollment, by=by)
    now = now or timezone.now()
    training = enrollment.training
    lock_seats(training=training)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if not enrollment.is_active:
        raise EnrollmentError("not_active", _("This enrollment is no longer active."))
    freed_seat = enrollment.status == Status.CONFIRMED or _withdraw_offer(enrollment=enrollment, now=now)
    enrollment.status, enrollment.rejected_at = Status.REJECTED, now
    enrollment.decided_by, enrollment.reason = by, reason
    enrollment.save(update_fields=["status", "rejected_at", "decided_by", "reason"])
    notifications.enrollment_changed(enrollment=enrollment)
    audit(enrollment=enrollment, action="members.enrollment.reject", by=by, reason=reason)
    if freed_seat:
        promote_waitlist(training=training, now=now, locked=True)
    recount_seats(training=training)
    return enrollment


@transaction.atomic
def admit_walk_in(*, member: Member, training: TrainingPage, by, now: datetime | None = None) -> Enrollment:
    """A verified member who did not enroll, given a seat at the door while seats remain.

    Under the seat lock like every other seat decision: refused when the training is full (the
    waiting list keeps its order; nobody is seated past the capacity). A member already waiting
    or awaiting approval gets that enrollment confirmed; one already confirmed keeps it. The
    member's email (a confirmed seat, with the calendar) goes into the outbox with the change.
    Check-in follows in members.attendance.
    """
    now = now or timezone.now()
    if training.status != TrainingStatus.SCHEDULED:
        raise EnrollmentError("not_running", _("This training has been cancelled or postponed."))
    if member.status != Member.Status.ACTIVE:
        raise EnrollmentError("not_verified", _("This membership is not verified."))
    if reasons := ineligibility(member=member, training=training):
        raise EnrollmentError("not_eligible", reasons[0], details=reasons)
    lock_seats(training=training)
    current = (
        Enrollment.objects.select_for_update()
        .filter(member=member, training=training, status__in=Enrollment.ACTIVE_STATUSES)
        .first()
    )
    if current is not None and current.status == Status.CONFIRMED:
        return current
    if not seats_for(training=training).left:
        raise EnrollmentError("full", _("There is no free seat in this training."))
    if current is None:
        enrollment = Enrollment(
            member=member, training=training, requested_at=now, walk_in=True, status=Status.CONFIRMED
        )
    else:
        enrollment = current
    enrollment.status, enrollment.confirmed_at, enrollment.decided_by = Status.CONFIRMED, now, by
    try:
        enrollment.save()
    except IntegrityError as error:  # the same member added by a second phone at the same moment
        raise _already_enrolled() from error
    notifications.enrollment_changed(enrollment=enrollment, by_staff=True)
    audit(enrollment=enrollment, action="members.enrollment.walk_in", by=by)
    recount_seats(training=training)
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
    offer: WaitlistOffer | None = None  # a seat held for this person on the waiting list

    @property
    def absence_url(self) -> str:
        """ "Saya berhalangan" for a confirmed seat past the cancellation deadline (before it: cancel)."""
        if self.may_cancel or self.enrollment.status != Status.CONFIRMED:
            return ""
        if absence_refusal(enrollment=self.enrollment) is not None:
            return ""
        return links.absence_url(enrollment=self.enrollment)

    @property
    def offer_url(self) -> str:
        """The offer's page (its address carries the offer's secret: shown to its member only)."""
        return offers.offer_url(offer=self.offer) if self.offer else ""

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
    return MyTraining(
        enrollment,
        waitlist_position(enrollment=enrollment),
        may_cancel(enrollment=enrollment, now=now),
        open_offer(enrollment=enrollment),
    )


def _active_enrollments(member_id):
    """A member's active enrollments with their trainings, soonest first (compiled once per process,
    core.prepared: the dashboard, every member's first page after logging in, and the calendar feed)."""
    return (
        Enrollment.objects.filter(member_id=member_id, status__in=Enrollment.ACTIVE_STATUSES)
        .select_related("training")
        .order_by("training__starts_at")
    )


def _active_enrollments_of(member: Member) -> list[Enrollment]:
    return prepared.run("members.enrollment.active_enrollments", _active_enrollments, member.pk)


def member_trainings(*, member: Member, now: datetime | None = None) -> tuple[list[MyTraining], list[MyTraining]]:
    """The member's trainings: upcoming (active, soonest first) and past (confirmed, latest first)."""
    now = now or timezone.now()
    enrollments = _active_enrollments_of(member)
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
    return [enrollment.training for enrollment in _active_enrollments_of(member)]


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


def absence_refusal(*, enrollment: Enrollment, now: datetime | None = None) -> EnrollmentError | None:
    """Why "Saya berhalangan" cannot free this seat now; None when it can: until the training
    starts, past the cancellation deadline too (an empty chair is worse than a late cancellation)."""
    if not enrollment.is_active:
        return EnrollmentError("not_active", _("Your enrollment is no longer active: there is no seat to free."))
    refusal = cancel_refusal(enrollment=enrollment, now=now)
    if refusal is not None and refusal.code != "too_late":
        return refusal
    if (now or timezone.now()) >= enrollment.training.starts_at:
        return EnrollmentError(
            "started", _("The training has already started; please tell the committee that you cannot come.")
        )
    return None


def cancel_absent(*, enrollment: Enrollment, now: datetime | None = None) -> Enrollment:
    """ "Saya berhalangan": the member frees their seat from the link in an email (no login), also
    after the cancellation deadline (recorded as late); the seat is offered on at once."""
    return cancel(
        enrollment=enrollment,
        by=enrollment.member.user,
        reason=str(_("Cannot come")),
        now=now,
        absent=True,
    )


# -- privacy --------------------------------------------------------------------------------


def member_enrollments_release(*, member: Member) -> None:
    """A deleted account gives up its active enrollments (no email: the address is going)."""
    for enrollment in Enrollment.objects.filter(member=member, status__in=Enrollment.ACTIVE_STATUSES):
        cancel(enrollment=enrollment, by_staff=True, reason=str(_("Account deleted")), notify_member=False)
