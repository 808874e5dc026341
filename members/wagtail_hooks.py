"""Member verification in the Wagtail admin: a snippet listing with filters, search and bulk actions.

Coordinators (group "Koordinator", see members/demo.py) get ``view_member`` and
``verify_member``; every state change goes through ``members.accounts``.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.widgets import Button
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import accounts
from .models import Member

VERIFY_PERMISSION = "members.verify_member"


class MemberViewSet(SnippetViewSet):
    model = Member
    icon = "group"
    menu_label = _("Members")
    menu_order = 250
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["full_name", "email", "phone", "district", "status", "created_at"]
    list_filter = ["status", "district", "cadre_level"]
    search_fields = ["full_name", "phone", "user__email", "member_number"]
    search_backend_name = None
    ordering = ["-created_at"]
    list_per_page = 50
    inspect_view_fields_exclude = ["id", "user", "anonymised_at"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("full_name"),
                FieldPanel("phone"),
                FieldPanel("gender"),
                FieldPanel("birth_date"),
                FieldPanel("district"),
                FieldPanel("village"),
                FieldPanel("cadre_level"),
                FieldPanel("member_number"),
                FieldPanel("occupation"),
            ],
            heading=_("Profile"),
        ),
        MultiFieldPanel(
            [FieldPanel("business_name"), FieldPanel("business_sector"), FieldPanel("business_description")],
            heading=_("Business (UMKM)"),
        ),
    ]

    def get_queryset(self, request):
        # Deleted accounts leave an anonymous shell for statistics; coordinators never see it.
        return Member.objects.filter(user__isnull=False).select_related("user", "district")


register_snippet(MemberViewSet)


class MemberStatusBulkAction(SnippetBulkAction):
    models = [Member]
    template_name = "members/admin/confirm_bulk_status.html"
    service = None

    def check_perm(self, obj):
        return self.request.user.has_perm(VERIFY_PERMISSION)

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        changed = sum(bool(cls.service(member=member, by=user)) for member in objects)
        return changed, 0


@hooks.register("register_bulk_action")
class VerifyMemberBulkAction(MemberStatusBulkAction):
    display_name = _("Verify")
    action_type = "verify"
    aria_label = _("Verify the selected members")
    action_priority = 10
    service = staticmethod(accounts.member_verify)
    question = _("Verify these members? Each of them gets an email.")
    button_text = _("Yes, verify")

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d member has been verified.", "%(count)d members have been verified.", num_parent_objects
        ) % {"count": num_parent_objects}


@hooks.register("register_bulk_action")
class SuspendMemberBulkAction(MemberStatusBulkAction):
    display_name = _("Suspend")
    action_type = "suspend"
    aria_label = _("Suspend the selected members")
    action_priority = 20
    classes = {"serious"}
    service = staticmethod(accounts.member_suspend)
    question = _("Suspend these members? They cannot enroll in trainings until verified again.")
    button_text = _("Yes, suspend")

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d member has been suspended.", "%(count)d members have been suspended.", num_parent_objects
        ) % {"count": num_parent_objects}


def _bulk_url(action: str, member: Member, next_url: str | None) -> str:
    query = {"id": member.pk}
    if next_url:
        query["next"] = next_url
    return reverse("wagtail_bulk_action", args=("members", "member", action)) + "?" + urlencode(query)


@hooks.register("register_snippet_listing_buttons")
def member_listing_buttons(snippet, user, next_url=None):
    """One-by-one verify/suspend: the bulk actions' confirmation page for a single member."""
    if not isinstance(snippet, Member) or not user.has_perm(VERIFY_PERMISSION):
        return []
    buttons = []
    if snippet.status != Member.Status.ACTIVE:
        buttons.append(Button(_("Verify"), url=_bulk_url("verify", snippet, next_url), icon_name="tick", priority=10))
    if snippet.status != Member.Status.SUSPENDED:
        buttons.append(
            Button(_("Suspend"), url=_bulk_url("suspend", snippet, next_url), icon_name="cross", priority=20)
        )
    return buttons
