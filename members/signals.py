"""Reactions to what editors publish: receivers only call the enrollment and notification services."""

from allauth.account.signals import email_changed, user_logged_in
from wagtail.signals import page_published


def training_published(sender, training, **kwargs):
    """A raised capacity frees seats: the waiting list moves up in the same transaction.
    A new training is announced. (Sent by programs after its calendar bookkeeping.)"""
    from . import enrollment, notifications

    enrollment.promote_waitlist(training=training)
    notifications.page_first_published(page=training)


def training_changed(sender, training, before, changes, notice, sequence, **kwargs):
    """Participants hear that a training was cancelled, postponed, goes ahead again, or has a
    new time or venue (programs decides which, and has raised the calendar's SEQUENCE)."""
    from . import notifications

    notifications.training_changed(training=training, before=before, changes=changes, notice=notice, sequence=sequence)


def program_published(sender, instance, revision, **kwargs):
    """A new program is announced to the members who asked for announcements."""
    from . import notifications

    notifications.page_first_published(page=instance)


def language_chosen(sender, request, language, **kwargs):
    """A logged-in member switched the site's language: their email follows it."""
    from . import accounts

    accounts.member_language_set(user=request.user, language=language)


def logged_in(sender, request, user, response=None, **kwargs):
    """A member logs in (on a new phone, say): the site speaks the language of their profile."""
    from core.language import set_language_cookie

    from . import accounts

    member = accounts.member_of(user=user)
    if member is not None and response is not None:
        set_language_cookie(response, accounts.member_language(member=member))


def address_refused(sender, address, reply, **kwargs):
    """The outbox's mail server refused an address for good: no more announcements to its member."""
    from . import announcements

    announcements.address_refused(address=address, reply=reply)


def primary_address_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """A member's new address is not the one the mail server refused: announcements resume."""
    from . import accounts, announcements

    member = accounts.member_of(user=user)
    if member is not None:
        announcements.address_refusal_clear(member=member, by=user)


def member_changed(sender, instance, **kwargs) -> None:
    """A user or member row changed: what was drawn for them alone (kept panels) is stale."""
    from core import pagecache

    from .models import Member

    pagecache.visitor_changed(instance.user_id if isinstance(instance, Member) else instance.pk)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from core.language import language_chosen as language_chosen_signal

    from .backends import forget_user

    post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="members_forget_cached_user")
    post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="members_forget_cached_user")
    from .models import Member

    # What the page cache kept drawn for a member (their enrollment panels) follows their row.
    for model in (get_user_model(), Member):
        post_save.connect(member_changed, sender=model, dispatch_uid=f"members_visitor_changed_{model.__name__}")
        post_delete.connect(member_changed, sender=model, dispatch_uid=f"members_visitor_changed_{model.__name__}")
    from programs import signals as programs_signals
    from programs.models import ProgramPage, TrainingPage
    from tasks.signals import address_refused as address_refused_signal

    language_chosen_signal.connect(language_chosen, dispatch_uid="members_language_chosen")
    user_logged_in.connect(logged_in, dispatch_uid="members_logged_in_language")
    email_changed.connect(primary_address_changed, dispatch_uid="members_primary_address_changed")

    # Trainings through programs' own signals, sent after its calendar bookkeeping (not
    # page_published: its receivers run in INSTALLED_APPS order).
    programs_signals.training_published.connect(
        training_published, sender=TrainingPage, dispatch_uid="members_training_published"
    )
    programs_signals.training_changed.connect(
        training_changed, sender=TrainingPage, dispatch_uid="members_training_changed"
    )
    address_refused_signal.connect(address_refused, dispatch_uid="members_address_refused")
    page_published.connect(program_published, sender=ProgramPage, dispatch_uid="members_program_published")
