"""Reminders to confirmed participants, by each training's rules (beat runs ``send_reminders`` every 15 minutes).

A training has two rules, set on its form: ``reminder_days_before`` (default 3: at 08.00 WIB
that many days before the start, asking "Hadir?" with a Yes link and a "Saya berhalangan"
link) and ``reminder_on_the_day`` (default on: at 06.00 WIB on the day). Each rule sends once
per enrollment (a database constraint on ``Reminder``), never to an enrollment confirmed after
the rule's moment (it had its confirmation just now: pretix #3757), never to someone no longer
confirmed, and never once the training has started (a job that was down catches up until then).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.clock import WIB
from programs.models import TrainingPage
from programs.schedule import TrainingStatus

from . import notifications
from .models import Enrollment, Reminder

Rule = Reminder.Rule
ASK_AT = time(8, 0)
MORNING_AT = time(6, 0)
# The morning reminder of a training that starts before 07.00 goes an hour before it instead.
MORNING_AT_LEAST_BEFORE = timedelta(hours=1)
MAX_DAYS_BEFORE = 30


def rule_moments(*, training: TrainingPage) -> dict[str, datetime]:
    """When each of the training's rules is due (only the rules it has)."""
    day = timezone.localtime(training.starts_at, WIB).date()
    moments = {}
    if training.reminder_days_before:
        moments[Rule.DAYS_BEFORE] = datetime.combine(
            day - timedelta(days=training.reminder_days_before), ASK_AT, tzinfo=WIB
        )
    if training.reminder_on_the_day:
        moments[Rule.ON_THE_DAY] = min(
            datetime.combine(day, MORNING_AT, tzinfo=WIB), training.starts_at - MORNING_AT_LEAST_BEFORE
        )
    return moments


def send_reminders(*, now: datetime | None = None) -> int:
    """Record every reminder due at ``now`` (each in its own transaction); how many were recorded now."""
    now = now or timezone.now()
    trainings = TrainingPage.objects.live().filter(
        status=TrainingStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + timedelta(days=MAX_DAYS_BEFORE + 1)
    )
    count = 0
    for training in trainings:
        for rule, moment in rule_moments(training=training).items():
            if moment > now:
                continue
            due = (
                Enrollment.objects.filter(
                    training=training, status=Enrollment.Status.CONFIRMED, confirmed_at__lte=moment
                )
                .exclude(reminders__rule=rule)
                .select_related("member__user")
            )
            for enrollment in due:
                enrollment.training = training
                count += remind(enrollment=enrollment, rule=rule, moment=moment, now=now)
    return count


def remind(*, enrollment: Enrollment, rule: str, moment: datetime, now: datetime) -> bool:
    """One reminder: its row (the constraint settles a race with another run), then its email."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(enrollment=enrollment, rule=rule, moment=moment, sent_at=now)
            notifications.remind(enrollment=enrollment, reminder=reminder)
    except IntegrityError:
        return False  # another run sent it
    return True


# -- "Hadir?": the answer the reminder asks for ------------------------------------------------


class AnswerError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def reminder_answer_yes(*, reminder: Reminder, now: datetime | None = None) -> Reminder:
    """The participant answers "Ya, saya hadir": recorded for the coordinators (once; a later tap changes nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update(of=("self",)).select_related("enrollment").get(pk=reminder.pk)
        if reminder.enrollment.status != Enrollment.Status.CONFIRMED:
            raise AnswerError(_("Your enrollment is no longer active: there is no seat to free."))
        if not reminder.answer:
            reminder.answer, reminder.answered_at = Reminder.Answer.YES, now
            reminder.save(update_fields=["answer", "answered_at"])
    return reminder


def reminder_answered_absent(*, enrollment: Enrollment, now: datetime) -> None:
    """The participant freed their seat ("Saya berhalangan"): the open "Hadir?" question is answered."""
    Reminder.objects.filter(enrollment=enrollment, rule=Rule.DAYS_BEFORE, answer="").update(
        answer=Reminder.Answer.ABSENT, answered_at=now
    )
