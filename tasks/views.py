"""Admin views of the outbox that Wagtail's generic views don't provide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
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
