"""The Celery app and the notification outbox; nothing else (no domain app is imported here).

``celery -A tasks worker`` and ``celery -A tasks beat`` find the app in ``tasks.celery``.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
