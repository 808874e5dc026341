"""Receivers of the programs app: they only call into programs' own code."""

from django.dispatch import receiver
from wagtail.signals import page_published

from .models import TrainingPage, record_calendar_version


@receiver(page_published, sender=TrainingPage)
def training_published(sender, instance, **kwargs):
    record_calendar_version(instance)
