"""The coordinator's message to every active participant of a training (admin page at /admin/outbox/message/).

The page sits beside the outbox it fills and asks for the outbox's permission
(``tasks.change_notification``); ``members.notifications.message_participants`` records the emails.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from wagtail.admin.menu import MenuItem

from programs.models import TrainingPage

from .. import notifications

PERMISSION = "tasks.change_notification"


class ParticipantMessageForm(forms.Form):
    training = forms.ModelChoiceField(label=gettext_lazy("Training"), queryset=TrainingPage.objects.none())
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training"].queryset = TrainingPage.objects.live().order_by("-starts_at")
        self.fields["training"].label_from_instance = lambda training: f"{training.title} ({training.when})"


@require_http_methods(["GET", "POST"])
def message_participants(request):
    """A coordinator writes to every active participant of a training; each gets one email."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = ParticipantMessageForm(request.POST or None, initial={"training": request.GET.get("training")})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            count = notifications.message_participants(
                training=form.cleaned_data["training"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                sent_by=request.user,
            )
        messages.success(
            request,
            ngettext(
                "The message will be sent to %(count)s participant.",
                "The message will be sent to %(count)s participants.",
                count,
            )
            % {"count": count},
        )
        return redirect("tasks_notification:index")
    return TemplateResponse(request, "members/admin/message_participants.html", {"form": form})


def admin_urls():
    """For the hook ``register_admin_urls``: the page keeps the address it had under the outbox."""
    return [path("outbox/message/", message_participants, name="members_message_participants")]


class MessageParticipantsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


def menu_item():
    """For the hook ``register_admin_menu_item``: right after the outbox (order 900)."""
    return MessageParticipantsMenuItem(
        gettext_lazy("Message participants"),
        reverse("members_message_participants"),
        icon_name="mail",
        order=901,
    )
