"""Readable names for the outbox's kinds of email (``Notification.kind``).

The outbox knows only its own kinds; apps that send email name theirs with the Wagtail hook
``register_notification_kinds`` (a function returning ``{kind: label}``), the way the lower
layer renders what the upper one fills.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

OWN_KINDS = {
    "announcement": _("Program announcement"),
    "message": _("Message from the coordinators"),
}


def kind_labels() -> dict:
    labels = dict(OWN_KINDS)
    for fn in hooks.get_hooks("register_notification_kinds"):
        labels.update(fn())
    return labels


def kind_label(kind: str) -> str:
    """The label of ``kind``; a kind nobody named is shown as it is rather than hidden."""
    return str(kind_labels().get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((kind, str(label)) for kind, label in kind_labels().items()), key=lambda choice: choice[1])
