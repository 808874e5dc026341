"""What the Celery worker does after a commit, run in the test's own transaction (which never
commits, so its on-commit wake-ups never fire): new enrollments' follow-ups, then delivery."""

from members import enrollment
from tasks import outbox
from tasks.models import Notification


def deliver_all() -> None:
    """Record what new enrollments owe (``members.tasks.follow_up_enrollments``), then deliver
    every pending row, oldest first (``tasks.deliver_recorded``)."""
    enrollment.follow_up_pending()
    for pk in Notification.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True):
        outbox.deliver(notification_id=pk)
