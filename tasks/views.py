"""Admin views of the outbox that Wagtail's generic views don't provide."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from . import outbox
from .models import Notification


@require_http_methods(["GET", "POST"])
def retry_notification(request, pk):
    if not request.user.has_perm("tasks.change_notification"):
        raise PermissionDenied
    notification = get_object_or_404(Notification, pk=pk)
    if request.method == "POST":
        if outbox.retry_failed(notification_ids=[notification.pk]):
            messages.success(request, _("The email to %(recipient)s will be sent again.") % vars(notification))
        else:
            messages.warning(request, _("Only failed emails can be sent again."))
        return redirect("tasks_notification:index")
    return TemplateResponse(request, "tasks/admin/retry_confirm.html", {"notification": notification})


class ParticipantMessageForm(forms.Form):
    training = forms.ModelChoiceField(label=gettext_lazy("Training"), queryset=None)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        from programs.models import TrainingPage

        super().__init__(*args, **kwargs)
        self.fields["training"].queryset = TrainingPage.objects.live().order_by("-starts_at")
        self.fields["training"].label_from_instance = lambda training: f"{training.title} ({training.when})"


@require_http_methods(["GET", "POST"])
def message_participants(request):
    """A coordinator writes to every active participant of a training; each gets one email."""
    from members import notifications

    if not request.user.has_perm("tasks.change_notification"):
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
    return TemplateResponse(request, "tasks/admin/message_participants.html", {"form": form})
