"""Background work: the Celery app, and (later) the notification outbox and scheduled jobs.

``celery -A tasks worker`` and ``celery -A tasks beat`` find the app in ``tasks.celery``.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
