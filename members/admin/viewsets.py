"""The Member and Enrollment snippets in the admin: listings, filters, search, exports, inspect and history.

Registered by members/wagtail_hooks.py (``register_snippet``). Coordinators hold
``view_member`` and ``view_enrollment`` (members/permissions.py); nobody edits an enrollment
through a generic form (access.ReadOnlyEnrollmentPolicy): the actions are bulk_actions.py's.
"""

from __future__ import annotations

from collections import OrderedDict

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.coreutils import multigetattr
from wagtail.snippets.views import chooser
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_display import ReadableInspectMixin, YesNoColumn, display_datetime, display_value
from core.spreadsheets import SpreadsheetExportMixin

from .. import accounts, enrollment, nik
from ..models import CoordinatorScope, Enrollment, Member
from ..permissions import VIEW_MEMBER_NIK
from .access import ScopedViewSetMixin, SeeingRequiredChooserMixin
from .listing import ReturnToListingMixin, TrainingDayLinksMixin

# -- choosers: rows that name people, only for those who may see them ---------------------------


class ChooseView(SeeingRequiredChooserMixin, chooser.ChooseView):
    pass


class ChooseResultsView(SeeingRequiredChooserMixin, chooser.ChooseResultsView):
    pass


class ChosenView(SeeingRequiredChooserMixin, chooser.SnippetChosenView):
    pass


class ChosenMultipleView(SeeingRequiredChooserMixin, chooser.SnippetChosenMultipleView):
    pass


class CreateView(SeeingRequiredChooserMixin, chooser.SnippetCreateView):
    pass


class PeopleChooserViewSet(chooser.SnippetChooserViewSet):
    """The snippet chooser of a model that names people: every view checks ``may_see``."""

    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView


# -- columns and exports ------------------------------------------------------------------------


def phone_link(value: str) -> str:
    """A phone number as the branch writes it, linked to a WhatsApp chat with it."""
    url = accounts.phone_whatsapp_url(value=value)
    if not url:
        return value or ""
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, accounts.phone_display(value=value))


class PhoneColumn(Column):
    def get_value(self, instance):
        return phone_link(super().get_value(instance))


class DeletedMemberTitleColumn(TitleColumn):
    # A deleted account leaves an anonymous member without a name (Member.__str__ says the same).
    empty_value_display = _("(deleted member)")


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
    # Only in an export a holder of view_member_nik asked for (MemberIndexView).
    "nik": lambda item: nik.nik_decrypt(ciphertext=item.nik_ciphertext),
}


class ExportLocalTimeMixin(SpreadsheetExportMixin):
    """Spreadsheets show labels (not codes); the rest (WIB, ``;``, formulas) is core.spreadsheets'."""

    def to_row_dict(self, item):
        return OrderedDict(
            (field, EXPORT_VALUES[field](item) if field in EXPORT_VALUES else multigetattr(item, field))
            for field in self.list_export
        )


# -- views --------------------------------------------------------------------------------------


class MemberIndexView(ReturnToListingMixin, ExportLocalTimeMixin, snippet_views.IndexView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # The NIK is left out of exports unless a holder of ``view_member_nik`` asks (``&nik=1``).
        if request.GET.get("nik") == "1" and request.user.has_perm(VIEW_MEMBER_NIK):
            self.list_export = [*self.list_export, "nik"]


class EnrollmentIndexView(
    ReturnToListingMixin,
    TrainingDayLinksMixin,
    ExportLocalTimeMixin,
    snippet_views.IndexView,
):
    def _get_title_column(self, field_name, column_class=DeletedMemberTitleColumn, **kwargs):
        return super()._get_title_column(field_name, column_class, **kwargs)


class MemberInspectView(ReadableInspectMixin, snippet_views.InspectView):
    field_displays = {"phone": lambda member: phone_link(member.phone)}

    def get_field_display_value(self, field_name, field):
        if field_name == "nik_ciphertext":  # masked, unless the user may read it whole (members.nik)
            return display_value(nik.nik_display(member=self.object, user=self.request.user))
        return super().get_field_display_value(field_name, field)


class EnrollmentInspectView(ReadableInspectMixin, snippet_views.InspectView):
    """A participant's row, with its history of seat offers, reminders and answers (issue 17)."""

    history_labels = {"offer_history": _("Seat offers"), "reminder_history": _("Reminders and answers")}

    def get_field_label(self, field_name, field):
        if field_name in self.history_labels:
            return self.history_labels[field_name]
        return super().get_field_label(field_name, field)

    def get_offer_history_display_value(self):
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} · {} {} · {}",
            (
                (
                    _("offered"),
                    display_datetime(offer.offered_at),
                    _("answer by"),
                    display_datetime(offer.expires_at),
                    offer.get_status_display()
                    + (f" ({display_datetime(offer.decided_at)})" if offer.decided_at else ""),
                )
                for offer in self.object.offers.order_by("offered_at", "pk")
            ),
        )

    def get_reminder_history_display_value(self):
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} · {}",
            (
                (
                    reminder.get_rule_display(),
                    display_datetime(reminder.sent_at),
                    reminder.get_answer_display()
                    + (f" ({display_datetime(reminder.answered_at)})" if reminder.answered_at else ""),
                )
                for reminder in self.object.reminders.order_by("sent_at", "pk")
            ),
        )


class AuditHistoryView(snippet_views.HistoryView):
    """The audit trail (who changed the status, when) is for everyone who may see the rows."""

    any_permission_required = ["view", "add", "change", "delete"]


# -- the viewsets -------------------------------------------------------------------------------


class MemberViewSet(ScopedViewSetMixin, SnippetViewSet):
    model = Member
    chooser_viewset_class = PeopleChooserViewSet
    index_view_class = MemberIndexView
    history_view_class = AuditHistoryView
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
        "member_number",
        "district",
        "status",
        "created_at",
    ]
    list_filter = ["status", "district", "cadre_level"]
    search_fields = ["full_name", "phone", "user__email", "member_number"]
    search_backend_name = None
    ordering = ["-created_at"]
    list_per_page = 50
    list_export = [
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
    export_headings = {"email": _("Email"), "age": _("Age"), "nik": "NIK"}
    export_filename = "anggota"
    # Listed, not excluded: a field added later (a secret like ``calendar_token``) stays hidden.
    inspect_view_fields = [
        *accounts.MEMBER_DETAILS,
        "nik_ciphertext",
        "nik_consent_at",
        "privacy_agreed_at",
        "status",
        "email_refused_at",
        "email_refused_reply",
        "verified_by",
        "verified_at",
        "created_at",
        "updated_at",
    ]
    panels = [
        MultiFieldPanel([FieldPanel(name) for name in accounts.ABOUT_FIELDS], heading=_("Profile")),
        MultiFieldPanel([FieldPanel(name) for name in accounts.BUSINESS_FIELDS], heading=_("Business (UMKM)")),
    ]

    def all_rows(self, request):
        # Deleted accounts leave an anonymous shell for statistics; coordinators never see it.
        # Members without a login (phone-only imports) are listed like any other.
        return Member.objects.filter(anonymised_at__isnull=True).select_related("user", "district")


STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Enrollment.Status.values)),
    output_field=IntegerField(),
)


class EnrollmentViewSet(ScopedViewSetMixin, SnippetViewSet):
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
        YesNoColumn("cancelled_late", label=capfirst(_("cancelled late"))),
    ]
    list_filter = ["training", "status", "attended", "cancelled_late"]
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
        "cancelled_late",
        "member.member_number",  # last: partners' sheets keep the columns they had
    ]
    export_headings = {
        "member.full_name": _("Name"),
        "member.member_number": _("Member number"),
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
        "cancelled_late": _("Cancelled late"),
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
        "cancelled_late",
        "rejected_at",
        "decided_by",
        "reason",
        "attended",
        "attended_at",
        "offer_history",
        "reminder_history",
    ]

    def all_rows(self, request):
        return (
            Enrollment.objects.select_related("member__district", "training")
            .annotate(status_rank=STATUS_RANK)
            .order_by("training", "status_rank", "requested_at", "pk")
        )


class DistrictsColumn(Column):
    def get_value(self, instance):
        return ", ".join(district.name for district in instance.districts.all())


class CoordinatorScopeViewSet(SnippetViewSet):
    """Who is a sub-branch (PAC) coordinator, and of which districts: for the branch's administrators.

    No group holds a permission on these rows (members/demo.py gives none): only superusers
    change a scope, so a coordinator never widens their own.
    """

    model = CoordinatorScope
    icon = "site"
    menu_label = _("Sub-branch coordinators")
    add_to_settings_menu = True
    copy_view_enabled = False
    list_display = ["user", DistrictsColumn("districts", label=_("Districts (PAC)"))]
    panels = [FieldPanel("user"), FieldPanel("districts", widget=forms.CheckboxSelectMultiple)]

    def get_queryset(self, request):
        return CoordinatorScope.objects.select_related("user").prefetch_related("districts")
