"""Periodic jobs run by Celery beat. Scheduled jobs may read programs and members."""

from datetime import datetime, time, timedelta

from celery import shared_task
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from core.clock import WIB


@shared_task(name="tasks.jobs.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages() -> None:
    """Publish and unpublish pages whose go-live or expiry time has passed."""
    call_command("publish_scheduled", verbosity=0)


def trainings_tomorrow(*, now=None):
    """Live, scheduled trainings that start on the next calendar day in WIB."""
    from programs.models import TrainingPage
    from programs.schedule import TrainingStatus

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
    from members import notifications
    from members.models import Enrollment

    enrollments = Enrollment.objects.filter(
        training__in=trainings_tomorrow(now=now), status=Enrollment.Status.CONFIRMED
    ).select_related("member__user", "training")
    count = 0
    for enrollment in enrollments.iterator():
        with transaction.atomic():
            notifications.remind(enrollment=enrollment)
        count += 1
    return count


@shared_task(name="tasks.jobs.send_training_reminders", ignore_result=True)
def send_training_reminders() -> int:
    """Beat runs this at 08:00 WIB: reminders for trainings that start tomorrow."""
    return send_reminders()
