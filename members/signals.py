"""Reactions to what editors publish: receivers only call the enrollment and notification services."""

from wagtail.signals import page_published


def training_published(sender, instance, revision, **kwargs):
    """A raised capacity frees seats: the waiting list moves up in the same transaction.
    Participants hear of a new time or venue, or of a cancellation; a new training is announced."""
    from . import enrollment, notifications

    enrollment.promote_waitlist(training=instance)
    notifications.training_published(training=instance, revision=revision)
    notifications.page_first_published(page=instance)


def program_published(sender, instance, revision, **kwargs):
    """A new program is announced to the members who asked for announcements."""
    from . import notifications

    notifications.page_first_published(page=instance)


def connect() -> None:
    from programs.models import ProgramPage, TrainingPage

    page_published.connect(training_published, sender=TrainingPage, dispatch_uid="members_training_published")
    page_published.connect(program_published, sender=ProgramPage, dispatch_uid="members_program_published")
