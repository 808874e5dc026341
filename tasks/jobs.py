"""Periodic jobs run by Celery beat."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="tasks.jobs.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages() -> None:
    """Publish and unpublish pages whose go-live or expiry time has passed."""
    call_command("publish_scheduled", verbosity=0)
