"""The members app in the Wagtail admin: this module only registers what members/admin/ defines.

Coordinators (group "Koordinator", see members/demo.py) hold members.permissions.COORDINATOR_PERMISSIONS;
every state change goes through members.accounts, members.enrollment or members.imports.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import certificates, enrollment, notifications, training_panel
from .admin import bulk_actions, buttons, dashboard, message_participants, urls
from .admin import certificates as certificate_admin
from .admin.access import ReadOnlyEnrollmentPolicy
from .admin.menu import PermissionMenuItem
from .admin.offers import OfferPolicy, OfferViewSet
from .admin.viewsets import CoordinatorScopeViewSet, EnrollmentViewSet, MemberViewSet
from .models import Certificate, Enrollment, WaitlistOffer
from .permissions import CHANGE_ENROLLMENT, IMPORT_MEMBERS

# -- snippets: members and participants ----------------------------------------------------------

register_permission_policy(Enrollment, ReadOnlyEnrollmentPolicy(Enrollment))
register_permission_policy(Certificate, certificate_admin.CertificatePolicy(Certificate))
register_snippet(MemberViewSet)
register_snippet(EnrollmentViewSet)
register_snippet(certificate_admin.CertificateViewSet)
register_permission_policy(WaitlistOffer, OfferPolicy(WaitlistOffer))
register_snippet(OfferViewSet)
register_snippet(CoordinatorScopeViewSet)


# -- the staff actions (one table: bulk_actions.STAFF_ACTIONS) and the rows' buttons -------------

for bulk_action in bulk_actions.BULK_ACTIONS:
    hooks.register("register_bulk_action", bulk_action)
# Registered after Wagtail's own delete action (order 0), which it replaces for these models.
hooks.register("register_bulk_action", bulk_actions.MemberDataDeleteBulkAction, order=10)

hooks.register("register_snippet_listing_buttons", bulk_actions.action_buttons)
hooks.register("register_snippet_listing_buttons", buttons.participant_row_buttons)
hooks.register("register_snippet_listing_buttons", buttons.member_without_login_buttons)
hooks.register("register_snippet_listing_buttons", certificate_admin.certificate_buttons)


@hooks.register("register_page_header_buttons")
def training_header_buttons(page, user, view_name=None, next_url=None):
    return buttons.training_buttons(page, user, 5) + certificate_admin.training_certificate_buttons(page, user, 8)


@hooks.register("register_page_listing_more_buttons")
def training_listing_buttons(page, user, next_url=None):
    return buttons.training_buttons(page, user, 1) + certificate_admin.training_certificate_buttons(page, user, 4)


# -- audit log, admin URLs, menu, dashboard, notification kinds -----------------------------------

MEMBER_LOG_ACTIONS = {
    "members.member.verify": (_("Verify member"), _("Member verified")),
    "members.member.suspend": (_("Suspend member"), _("Member suspended")),
    "members.member.import": (_("Import member"), _("Member imported from a spreadsheet")),
    "members.member.change_request": (_("Request a change"), _("The member asked for a change of verified data")),
    "members.member.unsubscribe": (_("Stop announcements"), _("The member stopped the announcements by email")),
    "members.member.email_refused": (_("Email address refused"), _("The mail server refused the member's address")),
    "members.member.email_refusal_cleared": (
        _("Email address usable again"),
        _("Announcements resume: the member changed their address or said it works again"),
    ),
}


@hooks.register("register_log_actions")
def register_member_log_actions(actions):
    for action, (label, message) in {
        **enrollment.AUDIT_ACTIONS,
        **certificates.AUDIT_ACTIONS,
        **MEMBER_LOG_ACTIONS,
    }.items():
        actions.register_action(action, label, message)


@hooks.register("register_admin_urls")
def register_staff_urls():
    return urls.urlpatterns


@hooks.register("register_admin_menu_item")
def import_menu_item():
    return PermissionMenuItem(
        _("Import members"), reverse("members_import"), icon_name="upload", order=255, permission=IMPORT_MEMBERS
    )


@hooks.register("register_admin_menu_item")
def checkin_menu_item():
    return PermissionMenuItem(
        _("Check-in"), reverse("members_checkin_start"), icon_name="tick", order=265, permission=CHANGE_ENROLLMENT
    )


@hooks.register("construct_homepage_panels")
def staff_homepage_panels(request, panels):
    panels.extend(dashboard.dashboard_panels(request))


@hooks.register("register_notification_kinds")
def member_notification_kinds():
    return notifications.NOTIFICATION_KINDS


# -- the seam programs renders on a training page ------------------------------------------------

hooks.register("training_page_panels", training_panel.enrollment_panel)


# -- the coordinator's message to a training's participants ----------------------------------------

hooks.register("register_admin_urls", message_participants.admin_urls)
hooks.register("register_admin_menu_item", message_participants.menu_item)
