"""Seat offers in the admin: which freed seats wait for an answer, which were taken, declined or let expire.

Read-only for whoever may see participants (``view_enrollment``): an offer changes only through
members.enrollment (the member's answer, the expiry job, a coordinator moving the person up).
The offer's answer links are never shown: their token is computed, not stored.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_display import ReadableInspectMixin

from ..models import WaitlistOffer
from ..permissions import VIEW_ENROLLMENT
from .access import ScopedViewSetMixin
from .listing import ReturnToListingMixin
from .viewsets import PeopleChooserViewSet


class OfferPolicy(ModelPermissionPolicy):
    """Seeing offers is seeing participants; nobody adds, edits or deletes one by hand."""

    def user_has_permission(self, user, action):
        if action != "view":
            return False
        return user.is_active and user.has_perm(VIEW_ENROLLMENT)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class OfferIndexView(ReturnToListingMixin, snippet_views.IndexView):
    pass


class OfferInspectView(ReadableInspectMixin, snippet_views.InspectView):
    pass


class OfferViewSet(ScopedViewSetMixin, SnippetViewSet):
    model = WaitlistOffer
    chooser_viewset_class = PeopleChooserViewSet
    index_view_class = OfferIndexView
    inspect_view_class = OfferInspectView
    icon = "time"
    menu_label = _("Seat offers")
    menu_order = 262
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        Column("member", label=capfirst(_("participant")), accessor="enrollment.member"),
        Column("training", label=capfirst(_("training")), accessor="training.title"),
        StatusTagColumn("status", accessor="get_status_display", label=capfirst(_("status")), primary=False),
        DateColumn("offered_at", label=capfirst(_("offered at"))),
        DateColumn("expires_at", label=capfirst(_("answer by"))),
        DateColumn("decided_at", label=capfirst(_("answered or expired at"))),
    ]
    list_filter = ["status", "training"]
    ordering = ["-offered_at", "-pk"]
    list_per_page = 100
    inspect_view_fields = ["enrollment", "training", "status", "offered_at", "expires_at", "reminded_at", "decided_at"]

    def all_rows(self, request):  # narrowed to the user's districts by ScopedViewSetMixin
        return WaitlistOffer.objects.select_related("enrollment__member", "training")
