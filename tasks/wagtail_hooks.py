import django_filters
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin_display import ReadableInspectMixin

from . import views
from .kinds import kind_choices
from .models import Notification


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """The outbox is a record: staff may look, never add, edit or delete rows."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Notification, ReadOnlyPermissionPolicy(Notification))


class NotificationIndexView(IndexView):
    @cached_property
    def columns(self):
        columns = super().columns
        # The subject (the title column, with its link and buttons) as the recipient reads it:
        # a row rendered at delivery has none stored yet.
        columns[0].accessor = "readable_subject"
        return columns

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status == Notification.Status.FAILED and self.request.user.has_perm("tasks.change_notification"):
            buttons.append(
                ListingButton(
                    _("Send again"),
                    url=reverse("tasks_notification:retry", args=[instance.pk]),
                    icon_name="redirect",
                    priority=5,
                )
            )
        return buttons


class NotificationFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=kind_choices)

    class Meta:
        model = Notification
        fields = ["status", "kind"]


class NotificationInspectView(ReadableInspectMixin, InspectView):
    def get_subject_display_value(self):
        return self.object.readable_subject

    def get_body_text_display_value(self):
        # A row holding a reset, confirmation or invitation link shows a sentence instead.
        return self.object.readable_text


class NotificationViewSet(ModelViewSet):
    model = Notification
    index_view_class = NotificationIndexView
    inspect_view_class = NotificationInspectView
    icon = "mail"
    menu_order = 900
    add_to_admin_menu = True
    url_prefix = "outbox"
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = []  # never edited: the permission policy refuses add and change
    list_display = [
        "subject",
        "recipient",
        Column("kind", label=_("kind"), accessor="get_kind_display"),
        StatusTagColumn("status", accessor="get_status_display", label=_("status"), primary=False),
        Column("attempts", label=_("attempts")),
        DateColumn("created_at", label=_("created at")),
        DateColumn("sent_at", label=_("sent at")),
    ]
    filterset_class = NotificationFilterSet
    search_fields = ["recipient", "subject"]
    inspect_view_fields = [
        "kind",
        "recipient",
        "language",
        "subject",
        "body_text",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "idempotency_key",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("retry/<int:pk>/", views.retry_notification, name="retry"),
        ]


notification_viewset = NotificationViewSet("tasks_notification")


@hooks.register("register_admin_viewset")
def register_notification_viewset():
    return notification_viewset


class FailedDeliveriesPanel(Component):
    """On the admin home: how many emails failed, and the latest of them."""

    name = "outbox_failed"
    order = 90
    template_name = "tasks/admin/failed_panel.html"

    def __init__(self, failed):
        self.failed = failed

    def get_context_data(self, parent_context=None):
        return {"failed_count": self.failed.count(), "latest_failed": list(self.failed[:5])}


@hooks.register("construct_homepage_panels")
def add_failed_deliveries_panel(request, panels):
    if not request.user.has_perm("tasks.view_notification"):
        return
    failed = Notification.objects.filter(status=Notification.Status.FAILED).order_by("-created_at")
    if failed.exists():
        panels.append(FailedDeliveriesPanel(failed))
