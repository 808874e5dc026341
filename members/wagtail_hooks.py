"""Member verification in the Wagtail admin: a snippet listing with filters, search and bulk actions.

Coordinators (group "Koordinator", see members/demo.py) get ``view_member`` and
``verify_member``; every state change goes through ``members.accounts``.
"""

from collections import OrderedDict
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.widgets import Button
from wagtail.coreutils import multigetattr
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

import core.converters  # noqa: F401 - registers the <id:> converter
from core.admin_display import ReadableInspectMixin, YesNoColumn
from core.spreadsheets import SpreadsheetExportMixin
from programs.models import TrainingPage

from . import accounts, admin_listing, admin_messages, admin_views, enrollment, notifications
from .admin_access import PeopleChooserViewSet, PeopleDeleteBulkAction, SeeingRequiredBulkActionMixin
from .enrollment import EnrollmentError
from .models import Enrollment, Member

VERIFY_PERMISSION = "members.verify_member"


def phone_link(value: str) -> str:
    """A phone number as the branch writes it, linked to a WhatsApp chat with it."""
    url = accounts.phone_whatsapp_url(value=value)
    if not url:
        return value or ""
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, accounts.phone_display(value=value))


class PhoneColumn(Column):
    def get_value(self, instance):
        return phone_link(super().get_value(instance))


class MemberInspectView(ReadableInspectMixin, snippet_views.InspectView):
    field_displays = {"phone": lambda member: phone_link(member.phone)}


class EnrollmentInspectView(ReadableInspectMixin, snippet_views.InspectView):
    pass


class MemberViewSet(SnippetViewSet):
    model = Member
    chooser_viewset_class = PeopleChooserViewSet
    icon = "group"
    menu_label = _("Members")
    menu_order = 250
    add_to_admin_menu = True
    inspect_view_enabled = True
    inspect_view_class = MemberInspectView
    copy_view_enabled = False
    list_display = [
        "full_name",
        "email",
        PhoneColumn("phone", label=_("Phone / WhatsApp")),
        "district",
        "status",
        "created_at",
    ]
    list_filter = ["status", "district", "cadre_level"]
    search_fields = ["full_name", "phone", "user__email", "member_number"]
    search_backend_name = None
    ordering = ["-created_at"]
    list_per_page = 50
    # Listed, not excluded: a field added later (a secret like ``calendar_token``) stays hidden.
    inspect_view_fields = [
        "full_name",
        "phone",
        "gender",
        "birth_date",
        "district",
        "village",
        "cadre_level",
        "member_number",
        "occupation",
        "business_name",
        "business_sector",
        "business_description",
        "announcements_opt_in",
        "privacy_agreed_at",
        "status",
        "verified_by",
        "verified_at",
        "created_at",
        "updated_at",
    ]
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
        # Members without a login (phone-only imports) are listed like any other.
        return Member.objects.filter(anonymised_at__isnull=True).select_related("user", "district")


class MemberStatusBulkAction(SeeingRequiredBulkActionMixin, SnippetBulkAction):
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


# == Participants (enrollments) ===============================================================
#
# Coordinators get ``view_enrollment`` (the lists, exports, attendance sheet) and
# ``change_enrollment`` (the actions below and the check-in page). Enrollments are never
# added, edited or deleted through generic forms: every action calls members.enrollment.

ACT_PERMISSION = "members.change_enrollment"
VIEW_ENROLLMENT_PERMISSION = "members.view_enrollment"


class ReadOnlyEnrollmentPolicy(ModelPermissionPolicy):
    """Coordinators look and act through the service; nobody edits rows by hand."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete", "copy"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Enrollment, ReadOnlyEnrollmentPolicy(Enrollment))


def _age(member):
    if member is None or member.birth_date is None:
        return None
    return enrollment.age_on(member.birth_date, timezone.localdate())


# Export columns that are not plain attributes of the row.
EXPORT_VALUES = {
    "gender": lambda item: item.get_gender_display(),
    "cadre_level": lambda item: item.get_cadre_level_display(),
    "status": lambda item: item.get_status_display(),
    "age": lambda item: _age(item),
    "member.age": lambda item: _age(item.member),
    # As the branch writes numbers (0812-...): readable, and no leading "+" for a spreadsheet to take as a formula.
    "phone": lambda item: accounts.phone_display(value=item.phone),
    "member.phone": lambda item: accounts.phone_display(value=item.member.phone),
}


class ExportLocalTimeMixin(SpreadsheetExportMixin):
    """Spreadsheets show labels (not codes); the rest (WIB, ``;``, formulas) is core.spreadsheets'."""

    def to_row_dict(self, item):
        return OrderedDict(
            (field, EXPORT_VALUES[field](item) if field in EXPORT_VALUES else multigetattr(item, field))
            for field in self.list_export
        )


class DeletedMemberTitleColumn(TitleColumn):
    # A deleted account leaves an anonymous member without a name (Member.__str__ says the same).
    empty_value_display = _("(deleted member)")


class EnrollmentIndexView(
    admin_listing.ReturnToListingMixin,
    admin_listing.TrainingDayLinksMixin,
    ExportLocalTimeMixin,
    snippet_views.IndexView,
):
    def _get_title_column(self, field_name, column_class=DeletedMemberTitleColumn, **kwargs):
        return super()._get_title_column(field_name, column_class, **kwargs)


class AuditHistoryView(snippet_views.HistoryView):
    """The audit trail (who changed the status, when) is for everyone who may see the rows."""

    any_permission_required = ["view", "add", "change", "delete"]


class MemberIndexView(admin_listing.ReturnToListingMixin, ExportLocalTimeMixin, snippet_views.IndexView):
    pass


MemberViewSet.index_view_class = MemberIndexView
MemberViewSet.history_view_class = AuditHistoryView
MemberViewSet.list_export = [
    "full_name",
    "email",
    "phone",
    "gender",
    "birth_date",
    "age",
    "district",
    "village",
    "cadre_level",
    "member_number",
    "occupation",
    "business_name",
    "business_sector",
    "status",
    "created_at",
]
MemberViewSet.export_headings = {"email": _("Email"), "age": _("Age")}
MemberViewSet.export_filename = "anggota"
register_snippet(MemberViewSet)


STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Enrollment.Status.values)),
    output_field=IntegerField(),
)


class EnrollmentViewSet(SnippetViewSet):
    model = Enrollment
    chooser_viewset_class = PeopleChooserViewSet
    index_view_class = EnrollmentIndexView
    history_view_class = AuditHistoryView
    inspect_view_class = EnrollmentInspectView
    icon = "clipboard-list"
    menu_order = 260  # the menu item is the model's plural ("Peserta"), as the page's heading
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "member__full_name",  # the title column: links to the details and carries the action buttons
        Column("district", label=capfirst(_("district")), accessor="member.district"),
        PhoneColumn("phone", label=capfirst(_("phone / WhatsApp")), accessor="member.phone"),
        Column("training", label=capfirst(_("training")), accessor="training.title"),
        StatusTagColumn("status", accessor="get_status_display", label=capfirst(_("status")), primary=False),
        DateColumn("requested_at", label=capfirst(_("enrolled at"))),
        YesNoColumn("attended", label=capfirst(_("attended"))),
    ]
    list_filter = ["training", "status", "attended"]
    search_fields = ["member__full_name", "member__phone"]
    search_backend_name = None
    list_per_page = 100
    list_export = [
        "member.full_name",
        "member.district",
        "member.village",
        "member.phone",
        "member.get_gender_display",
        "member.birth_date",
        "member.age",
        "member.get_cadre_level_display",
        "member.occupation",
        "member.business_name",
        "training.title",
        "get_status_display",
        "requested_at",
        "attended",
    ]
    export_headings = {
        "member.full_name": _("Name"),
        "member.district": _("District"),
        "member.village": _("Village"),
        "member.phone": _("Phone / WhatsApp"),
        "member.get_gender_display": _("Gender"),
        "member.birth_date": _("Date of birth"),
        "member.age": _("Age"),
        "member.get_cadre_level_display": _("Cadre level"),
        "member.occupation": _("Occupation"),
        "member.business_name": _("Business"),
        "training.title": _("Training"),
        "get_status_display": _("Status"),
        "requested_at": _("Enrolled at"),
        "attended": _("Attended"),
    }
    export_filename = "peserta"
    inspect_view_fields = [
        "member",
        "training",
        "status",
        "requested_at",
        "confirmed_at",
        "waitlisted_at",
        "cancelled_at",
        "rejected_at",
        "decided_by",
        "reason",
        "attended",
        "attended_at",
    ]

    def get_queryset(self, request):
        return (
            Enrollment.objects.select_related("member__district", "training")
            .annotate(status_rank=STATUS_RANK)
            .order_by("training", "status_rank", "requested_at", "pk")
        )


register_snippet(EnrollmentViewSet)


# -- actions on participants: bulk, and one by one through the same confirmation page ----------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the member)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class EnrollmentBulkAction(SeeingRequiredBulkActionMixin, SnippetBulkAction):
    models = [Enrollment]
    template_name = "members/admin/confirm_bulk_enrollment.html"
    service = None
    applies_to: tuple = ()

    def check_perm(self, obj):
        return self.request.user.has_perm(ACT_PERMISSION) and (not self.applies_to or obj.status in self.applies_to)

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason", "") if self.cleaned_form else ""
        return {"user": self.request.user, "request": self.request, "reason": reason}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self}

    @classmethod
    def run(cls, enrollment_obj, user, reason):
        raise NotImplementedError

    @classmethod
    def execute_action(cls, objects, user=None, request=None, reason="", **kwargs):
        done = 0
        for obj in objects:
            try:
                cls.run(obj, user, reason)
            except EnrollmentError as error:
                messages.warning(request, f"{obj.member}: {error.message}")
            else:
                done += 1
        return done, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.success_message % {"count": num_parent_objects}


@hooks.register("register_bulk_action")
class ApproveEnrollmentBulkAction(EnrollmentBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve the selected requests")
    action_priority = 10
    applies_to = (Enrollment.Status.PENDING,)
    question = _("Approve these requests? Each member gets an email; without a free seat they join the waiting list.")
    button_text = _("Yes, approve")
    success_message = _("Requests approved: %(count)d.")

    @classmethod
    def run(cls, obj, user, reason):
        enrollment.approve(enrollment=obj, by=user)


@hooks.register("register_bulk_action")
class RejectEnrollmentBulkAction(EnrollmentBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject the selected requests")
    action_priority = 20
    classes = {"serious"}
    form_class = ReasonForm
    applies_to = (Enrollment.Status.PENDING,)
    question = _("Reject these requests? Each member gets an email with the reason.")
    button_text = _("Yes, reject")
    success_message = _("Requests rejected: %(count)d.")

    @classmethod
    def run(cls, obj, user, reason):
        enrollment.reject(enrollment=obj, by=user, reason=reason)


@hooks.register("register_bulk_action")
class PromoteEnrollmentBulkAction(EnrollmentBulkAction):
    display_name = _("Move from the waiting list")
    action_type = "promote"
    aria_label = _("Give the selected people on the waiting list a free seat")
    action_priority = 30
    applies_to = (Enrollment.Status.WAITLISTED,)
    question = _("Give these people a free seat? Each of them gets an email. Nobody is moved without a free seat.")
    button_text = _("Yes, move them up")
    success_message = _("Moved from the waiting list: %(count)d.")

    @classmethod
    def run(cls, obj, user, reason):
        enrollment.promote(enrollment=obj, by=user)


@hooks.register("register_bulk_action")
class AttendedEnrollmentBulkAction(EnrollmentBulkAction):
    display_name = _("Mark attended")
    action_type = "attended"
    aria_label = _("Record that the selected participants attended")
    action_priority = 40
    applies_to = (Enrollment.Status.CONFIRMED,)
    question = _("Record that these participants attended?")
    button_text = _("Yes, they attended")
    success_message = _("Attendance recorded: %(count)d.")

    def object_context(self, obj):
        # This page is the confirmation: it says which trainings are far from now (a wrong pick?).
        return {**super().object_context(obj), "warning": enrollment.checkin_warning(training=obj.training)}

    @classmethod
    def run(cls, obj, user, reason):
        enrollment.mark_attended(enrollment=obj, by=user)


@hooks.register("register_bulk_action")
class CancelEnrollmentBulkAction(EnrollmentBulkAction):
    display_name = _("Cancel")
    action_type = "cancel"
    aria_label = _("Cancel the selected enrollments")
    action_priority = 50
    classes = {"serious"}
    form_class = ReasonForm
    applies_to = Enrollment.ACTIVE_STATUSES
    question = _(
        "Cancel these enrollments? Each member gets an email with the reason; freed seats go to the waiting list."
    )
    button_text = _("Yes, cancel")
    success_message = _("Enrollments cancelled: %(count)d.")

    @classmethod
    def run(cls, obj, user, reason):
        enrollment.cancel(enrollment=obj, by=user, reason=reason, by_staff=True)


ENROLLMENT_ACTIONS = [
    # (action_type, label, icon, statuses it applies to, needs an approval training)
    ("approve", _("Approve"), "tick", (Enrollment.Status.PENDING,)),
    ("reject", _("Reject"), "cross", (Enrollment.Status.PENDING,)),
    ("promote", _("Move from the waiting list"), "arrow-up", (Enrollment.Status.WAITLISTED,)),
    ("attended", _("Mark attended"), "user", (Enrollment.Status.CONFIRMED,)),
    ("cancel", _("Cancel"), "bin", Enrollment.ACTIVE_STATUSES),
]


def enrollment_action_url(action: str, obj: Enrollment, next_url: str | None = None) -> str:
    query = {"id": obj.pk}
    if next_url:
        query["next"] = next_url
    return reverse("wagtail_bulk_action", args=("members", "enrollment", action)) + "?" + urlencode(query)


@hooks.register("register_snippet_listing_buttons")
def enrollment_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Enrollment) or not user.has_perm(ACT_PERMISSION):
        return []
    buttons = []
    for priority, (action, label, icon, statuses) in enumerate(ENROLLMENT_ACTIONS):
        if snippet.status not in statuses:
            continue
        if action == "attended":  # one by one, a row's check-in does it (admin_listing.participant_row_buttons)
            continue
        buttons.append(
            Button(label, url=enrollment_action_url(action, snippet, next_url), icon_name=icon, priority=priority)
        )
    return buttons


hooks.register("register_snippet_listing_buttons", admin_listing.participant_row_buttons)


class MemberDataDeleteBulkAction(PeopleDeleteBulkAction):
    models = [Member, Enrollment]


# Registered after Wagtail's own delete action (order 0), which it replaces for these models.
hooks.register("register_bulk_action", MemberDataDeleteBulkAction, order=10)


# -- from the training page to its participants -------------------------------------------------


participants_url = admin_listing.participants_url


def _training_buttons(page, user, priority):
    if page.specific_class is not TrainingPage or not user.has_perm(VIEW_ENROLLMENT_PERMISSION):
        return []
    return [
        Button(_("Participants"), url=participants_url(page), icon_name="group", priority=priority),
        Button(
            _("Attendance sheet"),
            url=reverse("members_attendance_sheet", args=[page.pk]),
            icon_name="doc-full",
            priority=priority + 1,
        ),
    ]


@hooks.register("register_page_header_buttons")
def training_header_buttons(page, user, view_name=None, next_url=None):
    return _training_buttons(page, user, 5)


@hooks.register("register_page_listing_more_buttons")
def training_listing_buttons(page, user, next_url=None):
    return _training_buttons(page, user, 1)


# -- audit log, admin URLs, menu, dashboard -------------------------------------------------------


@hooks.register("register_log_actions")
def register_member_log_actions(actions):
    for action, (label, message) in enrollment.AUDIT_ACTIONS.items():
        actions.register_action(action, label, message)
    actions.register_action("members.member.verify", _("Verify member"), _("Member verified"))
    actions.register_action("members.member.suspend", _("Suspend member"), _("Member suspended"))
    actions.register_action("members.member.import", _("Import member"), _("Member imported from a spreadsheet"))
    actions.register_action(
        "members.member.change_request", _("Request a change"), _("The member asked for a change of verified data")
    )


@hooks.register("register_admin_urls")
def register_staff_urls():
    return [
        path("members/attendance/<id:training_id>/", admin_views.attendance_sheet, name="members_attendance_sheet"),
        path("checkin/", admin_views.checkin_start, name="members_checkin_start"),
        path("checkin/<uuid:token>/", admin_views.checkin, name="members_checkin"),
        path("members/import/", admin_views.import_members, name="members_import"),
        path("members/<id:member_id>/email/", admin_views.member_email, name="members_member_email"),
        path("members/import/jobs/", admin_views.import_jobs, name="members_import_jobs"),
        path("members/import/jobs/<id:job_id>/", admin_views.import_job, name="members_import_job"),
        path("members/import/jobs/<id:job_id>/report.csv", admin_views.import_job_report, name="members_import_report"),
    ]


@hooks.register("register_snippet_listing_buttons")
def member_without_login_buttons(snippet, user, next_url=None):
    """A member without a login (a phone-only import) gets one, and an invitation, once an email is added."""
    if not isinstance(snippet, Member) or snippet.user_id or not user.has_perm(admin_views.IMPORT_PERMISSION):
        return []
    url = reverse("members_member_email", args=[snippet.pk])
    return [Button(_("Add email"), url=url, icon_name="mail", priority=30)]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def import_menu_item():
    return PermissionMenuItem(
        _("Import members"),
        reverse("members_import"),
        icon_name="upload",
        order=255,
        permission=admin_views.IMPORT_PERMISSION,
    )


@hooks.register("register_admin_menu_item")
def checkin_menu_item():
    return PermissionMenuItem(
        _("Check-in"), reverse("members_checkin_start"), icon_name="tick", order=265, permission=ACT_PERMISSION
    )


@hooks.register("construct_homepage_panels")
def staff_homepage_panels(request, panels):
    panels.extend(admin_views.dashboard_panels(request))


@hooks.register("register_notification_kinds")
def member_notification_kinds():
    return notifications.NOTIFICATION_KINDS


hooks.register("register_admin_urls", admin_messages.admin_urls)
hooks.register("register_admin_menu_item", admin_messages.menu_item)
