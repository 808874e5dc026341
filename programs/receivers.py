"""Receivers of the programs app: they only call into programs' own services."""

from django.dispatch import receiver
from wagtail.signals import page_published

from . import changes
from .models import TrainingPage


@receiver(page_published, sender=TrainingPage, dispatch_uid="programs_training_published")
def training_published(sender, instance, **kwargs):
    changes.record_publish(training=instance)
