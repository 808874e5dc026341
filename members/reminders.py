"""The reminder the day before a training, for each of its confirmed participants (beat runs it at 08:00 WIB)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.clock import WIB
from programs.models import TrainingPage
from programs.schedule import TrainingStatus

from . import notifications
from .models import Enrollment


def trainings_tomorrow(*, now=None):
    """Live, scheduled trainings that start on the next calendar day in WIB."""
    today = timezone.localtime(now or timezone.now(), WIB).date()
    start = datetime.combine(today + timedelta(days=1), time.min, tzinfo=WIB)
    return TrainingPage.objects.live().filter(
        status=TrainingStatus.SCHEDULED, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
    )


def send_reminders(*, now=None) -> int:
    """Record one reminder per confirmed participant of tomorrow's trainings.

    Each reminder's key names the enrollment, so running this again (beat twice, a
    restart, a manual run) records nothing more. Returns how many enrollments it looked at.
    """
    enrollments = Enrollment.objects.filter(
        training__in=trainings_tomorrow(now=now), status=Enrollment.Status.CONFIRMED
    ).select_related("member__user", "training")
    count = 0
    for enrollment in enrollments.iterator():
        with transaction.atomic():
            notifications.remind(enrollment=enrollment)
        count += 1
    return count
