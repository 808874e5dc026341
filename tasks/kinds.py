"""Readable names for the outbox's kinds of email (``Notification.kind``).

The outbox sends nothing of its own, so it names no kind: apps that send email name theirs
with the Wagtail hook ``register_notification_kinds`` (a function returning ``{kind: label}``),
the way the lower layer renders what the upper one fills.
"""

from wagtail import hooks


def kind_labels() -> dict:
    labels = {}
    for fn in hooks.get_hooks("register_notification_kinds"):
        labels.update(fn())
    return labels


def kind_label(kind: str) -> str:
    """The label of ``kind``; a kind nobody named is shown as it is rather than hidden."""
    return str(kind_labels().get(kind, kind))


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((kind, str(label)) for kind, label in kind_labels().items()), key=lambda choice: choice[1])
