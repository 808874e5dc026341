"""What the coordinator's listings add to Wagtail's: the way back, and the links of a training day.

- Row buttons (check-in, cancel, verify, ...) come back to the very listing they were
  pressed on, with its filters, search, page and ordering (``ReturnToListingMixin``).
- The participants list filtered to one training links that training's attendance sheet
  and check-in (``TrainingDayLinksMixin``); each row links its own training's
  (buttons.participant_row_buttons).
- The addresses of the staff pages and of a bulk action's confirmation page, built in one place.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import HeaderButton

from programs.models import TrainingPage

from ..models import Enrollment
from ..permissions import VIEW_ENROLLMENT
from .access import may_check_in

# Parameters of the listing request that are not part of what the coordinator is looking at.
NOT_LISTING_STATE = ("_w_filter_fragment", "export")


class ReturnToListingMixin:
    """Hands the row-button hooks this listing's whole address as ``next``.

    Wagtail 8.0's snippet ``IndexView.get_list_buttons`` passes ``request.path``: the query
    string (filters, search, page, ordering) is lost, and after a filter or search the path
    is the results fragment's (``.../results/``), not a page to return to.
    """

    @cached_property
    def listing_url(self) -> str:
        # Empty filters dropped, as the listing's own script drops them from the address bar.
        query = urlencode(
            [
                (name, value)
                for name, values in self.request.GET.lists()
                if name not in NOT_LISTING_STATE
                for value in values
                if value
            ]
        )
        return self.index_url + (f"?{query}" if query else "")

    def get_list_buttons(self, instance):
        # The parent reads the address for ``next`` from request.path, once, before the hooks.
        path = self.request.path
        self.request.path = self.listing_url
        try:
            return super().get_list_buttons(instance)
        finally:
            self.request.path = path


def bulk_action_url(action_type: str, obj, next_url: str | None = None) -> str:
    """A bulk action's confirmation page for one row: how a row's button acts on it alone."""
    query = {"id": obj.pk}
    if next_url:
        query["next"] = next_url
    meta = obj._meta
    return reverse("wagtail_bulk_action", args=(meta.app_label, meta.model_name, action_type)) + "?" + urlencode(query)


def participants_url(training: TrainingPage) -> str:
    return reverse("wagtailsnippets_members_enrollment:list") + "?" + urlencode({"training": training.pk})


def scanner_url(training: TrainingPage) -> str:
    return reverse("members_scanner", args=[training.pk])


def attendance_sheet_url(training: TrainingPage) -> str:
    return reverse("members_attendance_sheet", args=[training.pk])


class TrainingDayLinksMixin:
    """Filtered to one training, the participants list links its attendance sheet and check-in."""

    @cached_property
    def filtered_training(self) -> TrainingPage | None:
        if not self.filters or not self.filters.is_valid():
            return None
        chosen = self.filters.form.cleaned_data.get("training")
        if isinstance(chosen, TrainingPage):
            return chosen
        chosen = list(chosen or [])
        return chosen[0] if len(chosen) == 1 else None

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        training, user = self.filtered_training, self.request.user
        if training is None or not user.has_perm(VIEW_ENROLLMENT):
            return buttons
        buttons.append(
            HeaderButton(_("Attendance sheet"), url=attendance_sheet_url(training), icon_name="doc-full", priority=20)
        )
        if may_check_in(user, training):
            buttons.append(HeaderButton(_("Check-in"), url=scanner_url(training), icon_name="tick", priority=30))
        return buttons


def checkin_url(enrollment: Enrollment, next_url: str | None = None) -> str:
    url = reverse("members_checkin", args=[enrollment.token])
    return url + "?" + urlencode({"next": next_url}) if next_url else url
