"""Receivers of the programs app: they only call into programs' own services."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from . import changes, sessions
from .models import TrainingPage


@receiver(page_published, sender=TrainingPage, dispatch_uid="programs_training_published")
def training_published(sender, instance, **kwargs):
    changes.record_publish(training=instance)


@receiver(post_save, sender=TrainingPage, dispatch_uid="programs_training_sessions")
def training_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and "sessions" not in update_fields):
        return
    sessions.sync(training=instance)
