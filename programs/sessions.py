"""A training's sessions (its days): the one place that keeps them and the page's span in step.

Editors list the days on the training page (the ``sessions`` StreamField, one block per day).
Two things follow from that list, both here:

- ``TrainingPage.starts_at`` / ``ends_at`` are the whole span (the first start, the last end),
  so reminders, enrollment windows and listings keep reading one start and one end
  (``programs.schedule.keep_in_step``, pure, run by the page's ``full_clean`` and the admin
  form);
- ``programs.TrainingSession`` rows, one per day, are what attendance is recorded on
  (:func:`sync`, after every save of the page row). A row is keyed by its block's id, which a
  publish never changes, and it is never deleted: a publish rewrites the page's fields from the
  revision, and a day removed from the page is only marked ``withdrawn``, so attendance
  recorded on it is never lost (docs/architecture.md, facts of the stack).

This module holds the rows: :func:`sync` (called after every save of a training's page row,
programs/receivers.py) and the reads the members app's check-in and certificates make.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from core.clock import WIB

from .models import TrainingPage, TrainingSession
from .schedule import sessions_of


def sync(*, training: TrainingPage) -> None:
    """The training's ``TrainingSession`` rows as its page row now lists the days.

    Rows are matched by the block's id: a day keeps its row (and the attendance on it) through
    every edit and publish; a new day gets a row; a day no longer listed is marked withdrawn,
    never deleted, and comes back if a revision with it is published again.
    """
    days = sessions_of(training)
    if not days or not days[0].key:
        return
    rows = {str(row.key): row for row in TrainingSession.objects.filter(training=training)}
    listed = set()
    for day in days:
        listed.add(day.key)
        row = rows.get(day.key)
        if row is None:
            TrainingSession.objects.create(
                training=training, key=day.key, number=day.number, starts_at=day.starts_at, ends_at=day.ends_at
            )
        elif (row.number, row.starts_at, row.ends_at, row.withdrawn) != (day.number, day.starts_at, day.ends_at, False):
            row.number, row.starts_at, row.ends_at, row.withdrawn = day.number, day.starts_at, day.ends_at, False
            row.save(update_fields=["number", "starts_at", "ends_at", "withdrawn"])
    gone = [key for key, row in rows.items() if key not in listed and not row.withdrawn]
    if gone:
        TrainingSession.objects.filter(training=training, key__in=gone).update(withdrawn=True)


def held_sessions(*, training: TrainingPage) -> list[TrainingSession]:
    """The training's current days as rows (what attendance counts against), earliest first."""
    rows = list(TrainingSession.objects.filter(training=training, withdrawn=False).order_by("starts_at", "pk"))
    if not rows:  # a page row saved before its days had rows (e.g. an old fixture): make them now
        sync(training=training)
        rows = list(TrainingSession.objects.filter(training=training, withdrawn=False).order_by("starts_at", "pk"))
    return rows


def current_session(*, training: TrainingPage, now: datetime | None = None) -> TrainingSession | None:
    """The day being held now, else today's (WIB), else the next one, else the last: the one a
    check-in is most likely for. A night session past midnight is still the one being held, not
    the next day's that starts tonight."""
    rows = held_sessions(training=training)
    if not rows:
        return None
    now = now or timezone.now()
    for row in rows:
        if row.starts_at <= now < row.ends_at:
            return row
    for row in rows:
        if row.starts_at.astimezone(WIB).date() == now.astimezone(WIB).date():
            return row
    upcoming = [row for row in rows if row.starts_at > now]
    return upcoming[0] if upcoming else rows[-1]
