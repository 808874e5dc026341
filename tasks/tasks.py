"""Celery tasks, found by ``autodiscover_tasks``."""

from .jobs import publish_scheduled_pages

__all__ = ["publish_scheduled_pages"]
