"""Reactions to what editors publish: receivers only call the enrollment service."""

from wagtail.signals import page_published


def training_published(sender, instance, revision, **kwargs):
    """A raised capacity frees seats: the waiting list moves up in the same transaction."""
    from . import enrollment

    enrollment.promote_waitlist(training=instance)


def connect() -> None:
    from programs.models import TrainingPage

    page_published.connect(training_published, sender=TrainingPage, dispatch_uid="members_training_published")
