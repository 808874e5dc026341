"""Celery tasks of the infrastructure layer, found by ``autodiscover_tasks``.

``celery.shared_task`` binds them to whichever Celery app runs (the one in ``tasks.celery``),
so core never imports the tasks app above it.
"""

from celery import shared_task
from django.conf import settings
from django.core.management import call_command

from core.backup import backup_create, backup_prune


@shared_task(name="core.publish_scheduled_pages", ignore_result=True)
def publish_scheduled_pages() -> None:
    """Beat runs this every minute: publish and unpublish pages whose go-live or expiry time has passed."""
    call_command("publish_scheduled", verbosity=0)


@shared_task(name="core.backup", ignore_result=True)
def backup() -> None:
    """Beat runs this nightly: one archive into BACKUP_ROOT, keeping the newest BACKUP_KEEP."""
    backup_create(directory=settings.BACKUP_ROOT)
    backup_prune(directory=settings.BACKUP_ROOT, keep=settings.BACKUP_KEEP)
