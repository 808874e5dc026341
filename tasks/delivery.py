"""The outbox's Celery tasks: deliver one row, deliver a batch, sweep. Thin: they take ids and call the outbox.

Their registered names (``tasks.deliver_notification``...) are what sits in a Redis queue:
they stay as they are whatever this module is called. Found by ``autodiscover_tasks``
(see tasks/celery.py).
"""

from celery import shared_task
from django.utils import timezone

from . import outbox
from .models import Notification

__all__ = ["deliver_batch", "deliver_notification", "deliver_recorded", "sweep_outbox"]


@shared_task(bind=True, name="tasks.deliver_notification", acks_late=True, ignore_result=True)
def deliver_notification(self, notification_id: int) -> None:
    notification = outbox.deliver(notification_id=notification_id)
    if notification is None or notification.status != Notification.Status.PENDING:
        return
    if self.app.conf.task_always_eager:
        return  # in-process (no broker): the row stays pending for the sweeper
    countdown = max((notification.next_attempt_at - timezone.now()).total_seconds(), 0) + 1
    raise self.retry(countdown=countdown, max_retries=None)


@shared_task(bind=True, name="tasks.deliver_recorded", acks_late=True, ignore_result=True)
def deliver_recorded(self) -> None:
    """The rows recorded since the last wake-up (outbox.wake_up); a row to retry later goes back alone."""
    for notification in outbox.deliver_recorded():
        if not self.app.conf.task_always_eager:
            countdown = max((notification.next_attempt_at - timezone.now()).total_seconds(), 0) + 1
            outbox.dispatch(notification_id=notification.pk, countdown=countdown)


@shared_task(bind=True, name="tasks.deliver_batch", acks_late=True, ignore_result=True)
def deliver_batch(self, notification_ids: list[int]) -> None:
    """Many rows over one SMTP connection; rows to retry later go back one by one."""
    for notification in outbox.deliver_batch(notification_ids=notification_ids):
        if notification.status == Notification.Status.PENDING and not self.app.conf.task_always_eager:
            countdown = max((notification.next_attempt_at - timezone.now()).total_seconds(), 0) + 1
            outbox.dispatch(notification_id=notification.pk, countdown=countdown)


@shared_task(name="tasks.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return outbox.sweep()
