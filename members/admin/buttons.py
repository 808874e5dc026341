"""Buttons that are not one of the staff actions (those come from bulk_actions.STAFF_ACTIONS).

- a participant's row: check in (a confirmed participant not yet present) and its training's sheet;
- a member's row without a login (a phone-only import): add an email, which sends the invitation;
- a training page (its header and the page listing): its participants and attendance sheet.

Each is shown only to those whose permission (members/permissions.py) opens what it links.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import Button

from programs.models import TrainingPage

from ..models import Enrollment, Member
from ..permissions import CHANGE_ENROLLMENT, IMPORT_MEMBERS, VIEW_ENROLLMENT
from .access import may_check_in
from .listing import attendance_sheet_url, checkin_url, participants_url, scanner_url


def participant_row_buttons(snippet, user, next_url=None) -> list[Button]:
    """A row's check-in (for a confirmed participant not yet present) and its training's sheet."""
    if not isinstance(snippet, Enrollment) or not user.has_perm(VIEW_ENROLLMENT):
        return []
    buttons = []
    # A training of several days checks in each day: the button stays after the first.
    not_done = not snippet.attended or len(snippet.training.days) > 1
    if user.has_perm(CHANGE_ENROLLMENT) and snippet.status == Enrollment.Status.CONFIRMED and not_done:
        buttons.append(Button(_("Check in"), url=checkin_url(snippet, next_url), icon_name="tick", priority=3))
    buttons.append(
        Button(
            _("Attendance sheet of this training"),
            url=attendance_sheet_url(snippet.training),
            icon_name="doc-full",
            priority=60,
        )
    )
    return buttons


def member_without_login_buttons(snippet, user, next_url=None) -> list[Button]:
    """A member without a login (a phone-only import) gets one, and an invitation, once an email is added."""
    if not isinstance(snippet, Member) or snippet.user_id or not user.has_perm(IMPORT_MEMBERS):
        return []
    url = reverse("members_member_email", args=[snippet.pk])
    return [Button(_("Add email"), url=url, icon_name="mail", priority=30)]


def training_buttons(page, user, priority: int) -> list[Button]:
    """From a training page to its participants and its attendance sheet."""
    if page.specific_class is not TrainingPage or not user.has_perm(VIEW_ENROLLMENT):
        return []
    buttons = [
        Button(_("Participants"), url=participants_url(page), icon_name="group", priority=priority),
        Button(_("Attendance sheet"), url=attendance_sheet_url(page), icon_name="doc-full", priority=priority + 1),
    ]
    if may_check_in(user, page):
        buttons.append(Button(_("Check-in scanner"), url=scanner_url(page), icon_name="tick", priority=priority + 2))
    return buttons
