"""What a training's participants must be told when it is published again: one definition.

The *facts* of a training are its time (its span and each of its days), venue and status
(:class:`TrainingFacts`). A publish that changes them raises the SEQUENCE of the training's
calendar event (the calendar must be told) and, unless the training was cancelled before and
stays so, tells its participants: the training was cancelled, postponed, is going ahead again,
or moved (new time or venue).

The facts of the last live publish are kept in :class:`~programs.models.TrainingCalendarVersion`
(a row of its own: a publish rewrites every page field), so "before" is what participants
were last shown, whatever Wagtail logged and in whichever order receivers run.
:func:`record_publish` does this bookkeeping first and only then sends
:data:`programs.signals.training_published` and :data:`programs.signals.training_changed`:
a receiver that emails a calendar file always reads the new SEQUENCE.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.utils.dateparse import parse_datetime

from . import signals
from .models import TrainingCalendarVersion, TrainingPage
from .schedule import TrainingStatus, sessions_of, when_of_days


@dataclass(frozen=True)
class TrainingFacts:
    """What a participant's calendar and inbox must know of a training.

    ``days``: each day's (start, end), earliest first; empty when not known (a calendar version
    stored before days were kept: then only the span is compared).
    """

    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    status: str
    days: tuple[tuple[datetime, datetime], ...] = ()

    @classmethod
    def of(cls, training) -> TrainingFacts:
        """The facts of a training page (or of a :class:`TrainingCalendarVersion`, which stores them)."""
        values = {field.name: getattr(training, field.name) for field in fields(cls) if field.name != "days"}
        if isinstance(training, TrainingCalendarVersion):
            days = tuple((parse_datetime(start), parse_datetime(end)) for start, end in training.days or ())
        else:
            days = tuple((day.starts_at, day.ends_at) for day in sessions_of(training))
        return cls(**values, days=days)

    def stored(self) -> dict:
        """The facts as a :class:`TrainingCalendarVersion` keeps them (the days as ISO text)."""
        return asdict(self) | {"days": [[start.isoformat(), end.isoformat()] for start, end in self.days]}

    @property
    def when(self) -> str:
        return when_of_days(self.days, starts_at=self.starts_at, ends_at=self.ends_at)


class Change(StrEnum):
    """One fact that changed between two publishes."""

    TIME = "time"
    VENUE = "venue"
    STATUS = "status"


def changes_between(before: TrainingFacts, after: TrainingFacts) -> frozenset[Change]:
    changes = set()
    # The span, or a day moved within it (days unknown for a version stored before they were kept).
    span_moved = (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at)
    if span_moved or (before.days and after.days and before.days != after.days):
        changes.add(Change.TIME)
    if (before.venue_name, before.venue_address) != (after.venue_name, after.venue_address):
        changes.add(Change.VENUE)
    if before.status != after.status:
        changes.add(Change.STATUS)
    return frozenset(changes)


def notice(*, before: TrainingFacts, after: TrainingFacts, changes: frozenset[Change]) -> str | None:
    """What the participants are told, the status first: ``cancelled``, ``postponed``,
    ``resumed`` (scheduled again after a cancellation or postponement) or ``changed`` (a new
    time or venue). None when there is nothing to tell, e.g. a cancelled training edited again.
    """
    if Change.STATUS in changes:
        return {
            TrainingStatus.CANCELLED: "cancelled",
            TrainingStatus.POSTPONED: "postponed",
        }.get(after.status, "resumed")
    if after.status == TrainingStatus.CANCELLED:
        return None
    if changes:
        return "changed"
    return None


@transaction.atomic
def record_publish(*, training: TrainingPage) -> None:
    """A training was published: raise its calendar's SEQUENCE if its facts changed since
    the last live publish, then tell the apps above (``programs.signals``)."""
    if training.live:  # a publish scheduled for later sends page_published with the page not live
        before, after, sequence = _record_facts(training)
    else:
        before = after = sequence = None
    signals.training_published.send(sender=TrainingPage, training=training)
    if before is None:
        return
    changes = changes_between(before, after)
    told = notice(before=before, after=after, changes=changes)
    if told is not None:
        signals.training_changed.send(
            sender=TrainingPage,
            training=training,
            before=before,
            after=after,
            changes=changes,
            notice=told,
            sequence=sequence,
        )


def _record_facts(training: TrainingPage) -> tuple[TrainingFacts | None, TrainingFacts, int]:
    """Store the training's facts as now live; return the facts before (None on the first
    publish), the facts now and the calendar's SEQUENCE (raised when they differ)."""
    after = TrainingFacts.of(training)
    version = TrainingCalendarVersion.objects.select_for_update().filter(training=training).first()
    if version is None:
        version, created = TrainingCalendarVersion.objects.get_or_create(training=training, defaults=after.stored())
        if created:
            return None, after, version.sequence
        version = TrainingCalendarVersion.objects.select_for_update().get(pk=version.pk)
    before = TrainingFacts.of(version)
    changed = bool(changes_between(before, after))
    if changed or not before.days:  # a version stored before days were kept gets them, and no new SEQUENCE
        for name, value in after.stored().items():
            setattr(version, name, value)
        version.sequence += changed
        version.save()
    return before, after, version.sequence
