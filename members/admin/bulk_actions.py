"""The staff's actions on members and participants, from ONE table: ``STAFF_ACTIONS``.

Each row says what a coordinator sees and what happens: the label (on the listing's bulk
bar, as the confirmation page's heading and as a row's button), the permission it needs
(members/permissions.py), the service call (members.accounts or members.enrollment), the
statuses it acts on and the confirmation page's text. From the table come

- the bulk actions (``BULK_ACTIONS``, registered by members/wagtail_hooks.py), and
- a row's buttons (``action_buttons``): one-by-one is the bulk action's confirmation page
  for that row alone (``?id=<pk>``), so a single row and a selection share every check.

A label is written once, here; nothing else lists the actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from wagtail.admin import messages
from wagtail.admin.widgets import Button
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from .. import accounts, attendance, enrollment
from ..enrollment import EnrollmentError
from ..models import Enrollment, Member, WaitlistOffer
from ..permissions import CHANGE_ENROLLMENT, VERIFY_MEMBER
from .access import SeeingRequiredBulkActionMixin
from .forms import ReasonForm
from .listing import bulk_action_url

Status = Enrollment.Status


@dataclass(frozen=True)
class StaffAction:
    """One action of the staff on one kind of row (a Member or an Enrollment)."""

    model: type
    action_type: str  # the bulk action's address: /admin/bulk/members/<model>/<action_type>/
    label: str
    aria_label: str
    permission: str
    # The service call for one row: (row, user, reason) → the service's answer.
    perform: Callable
    question: str  # the confirmation page's question
    button_text: str  # its "yes" button
    success_message: str  # with %(count)d, the number of rows changed
    icon: str
    priority: int  # place on the listing's bulk bar
    button_priority: int  # place among a row's buttons
    # Statuses of the rows it acts on (others are listed as "does not apply"); empty: any.
    applies_to: tuple = ()
    # Statuses for which a row shows no button although the action applies (it would change nothing).
    no_button_for: tuple = ()
    serious: bool = False  # a red button: the member loses something
    asks_reason: bool = False  # the confirmation page asks for the reason sent to the member
    row_button: bool = True  # False: a row does it another way (attendance: the row's check-in)
    warning: Callable | None = None  # (row) → a warning shown beside it on the confirmation page

    def applies(self, obj) -> bool:
        return not self.applies_to or obj.status in self.applies_to

    def offered(self, obj) -> bool:
        """Whether ``obj``'s row shows this action's button (permission aside)."""
        return self.row_button and self.applies(obj) and obj.status not in self.no_button_for


STAFF_ACTIONS: tuple[StaffAction, ...] = (
    # -- members: verification (members.accounts) -----------------------------------------------
    StaffAction(
        model=Member,
        action_type="verify",
        label=_("Verify"),
        aria_label=_("Verify the selected members"),
        permission=VERIFY_MEMBER,
        perform=lambda member, user, reason: accounts.member_verify(member=member, by=user),
        question=_("Verify these members? Each of them gets an email."),
        button_text=_("Yes, verify"),
        success_message=ngettext_lazy(
            "%(count)d member has been verified.", "%(count)d members have been verified.", "count"
        ),
        icon="tick",
        priority=10,
        button_priority=10,
        no_button_for=(Member.Status.ACTIVE,),
    ),
    StaffAction(
        model=Member,
        action_type="suspend",
        label=_("Suspend"),
        aria_label=_("Suspend the selected members"),
        permission=VERIFY_MEMBER,
        perform=lambda member, user, reason: accounts.member_suspend(member=member, by=user),
        question=_("Suspend these members? They cannot enroll in trainings until verified again."),
        button_text=_("Yes, suspend"),
        success_message=ngettext_lazy(
            "%(count)d member has been suspended.", "%(count)d members have been suspended.", "count"
        ),
        icon="cross",
        priority=20,
        button_priority=20,
        no_button_for=(Member.Status.SUSPENDED,),
        serious=True,
    ),
    # -- participants: enrollments (members.enrollment) -----------------------------------------
    StaffAction(
        model=Enrollment,
        action_type="approve",
        label=_("Approve"),
        aria_label=_("Approve the selected requests"),
        permission=CHANGE_ENROLLMENT,
        perform=lambda obj, user, reason: enrollment.approve(enrollment=obj, by=user),
        question=_(
            "Approve these requests? Each member gets an email; without a free seat they join the waiting list."
        ),
        button_text=_("Yes, approve"),
        success_message=_("Requests approved: %(count)d."),
        icon="tick",
        priority=10,
        button_priority=0,
        applies_to=(Status.PENDING,),
    ),
    StaffAction(
        model=Enrollment,
        action_type="reject",
        label=_("Reject"),
        aria_label=_("Reject the selected requests"),
        permission=CHANGE_ENROLLMENT,
        perform=lambda obj, user, reason: enrollment.reject(enrollment=obj, by=user, reason=reason),
        question=_("Reject these requests? Each member gets an email with the reason."),
        button_text=_("Yes, reject"),
        success_message=_("Requests rejected: %(count)d."),
        icon="cross",
        priority=20,
        button_priority=1,
        applies_to=(Status.PENDING,),
        serious=True,
        asks_reason=True,
    ),
    StaffAction(
        model=Enrollment,
        action_type="promote",
        label=_("Move from the waiting list"),
        aria_label=_("Give the selected people on the waiting list a free seat"),
        permission=CHANGE_ENROLLMENT,
        perform=lambda obj, user, reason: enrollment.promote(enrollment=obj, by=user),
        question=_("Give these people a free seat? Each of them gets an email. Nobody is moved without a free seat."),
        button_text=_("Yes, move them up"),
        success_message=_("Moved from the waiting list: %(count)d."),
        icon="arrow-up",
        priority=30,
        button_priority=2,
        applies_to=(Status.WAITLISTED,),
    ),
    StaffAction(
        model=Enrollment,
        action_type="attended",
        label=_("Mark attended"),
        aria_label=_("Record that the selected participants attended"),
        permission=CHANGE_ENROLLMENT,
        perform=lambda obj, user, reason: attendance.mark_attended(enrollment=obj, by=user),
        question=_("Record that these participants attended?"),
        button_text=_("Yes, they attended"),
        success_message=_("Attendance recorded: %(count)d."),
        icon="user",
        priority=40,
        button_priority=3,
        applies_to=(Status.CONFIRMED,),
        row_button=False,  # one by one, a row's check-in does it (buttons.participant_row_buttons)
        # The confirmation says which trainings are far from now (a wrong pick?).
        warning=lambda obj: attendance.checkin_warning(training=obj.training),
    ),
    StaffAction(
        model=Enrollment,
        action_type="cancel",
        label=_("Cancel"),
        aria_label=_("Cancel the selected enrollments"),
        permission=CHANGE_ENROLLMENT,
        perform=lambda obj, user, reason: enrollment.cancel(enrollment=obj, by=user, reason=reason, by_staff=True),
        question=_(
            "Cancel these enrollments? Each member gets an email with the reason; freed seats go to the waiting list."
        ),
        button_text=_("Yes, cancel"),
        success_message=_("Enrollments cancelled: %(count)d."),
        icon="bin",
        priority=50,
        button_priority=4,
        applies_to=Enrollment.ACTIVE_STATUSES,
        serious=True,
        asks_reason=True,
    ),
)


# -- the bulk actions made from the table --------------------------------------------------------


class StaffBulkAction(SeeingRequiredBulkActionMixin, SnippetBulkAction):
    """A bulk action of ``STAFF_ACTIONS``: every attribute comes from its row (``staff_action``)."""

    staff_action: StaffAction

    def check_perm(self, obj):
        return self.request.user.has_perm(self.staff_action.permission) and self.staff_action.applies(obj)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self}

    def object_context(self, obj):
        context = super().object_context(obj)
        if self.staff_action.warning:
            context["warning"] = self.staff_action.warning(obj)
        return context

    def get_success_message(self, num_parent_objects, num_child_objects):
        return self.staff_action.success_message % {"count": num_parent_objects}


class MemberStatusBulkAction(StaffBulkAction):
    """Verify or suspend: the count is of the members whose status changed."""

    template_name = "members/admin/confirm_bulk_status.html"

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        changed = sum(bool(cls.staff_action.perform(member, user, "")) for member in objects)
        return changed, 0


class EnrollmentBulkAction(StaffBulkAction):
    """An action on participants: a row the service refuses is named in a warning, the rest go on."""

    template_name = "members/admin/confirm_bulk_enrollment.html"

    def get_execution_context(self):
        reason = self.cleaned_form.cleaned_data.get("reason", "") if self.cleaned_form else ""
        return {"user": self.request.user, "request": self.request, "reason": reason}

    @classmethod
    def execute_action(cls, objects, user=None, request=None, reason="", **kwargs):
        done = 0
        for obj in objects:
            try:
                cls.staff_action.perform(obj, user, reason)
            except EnrollmentError as error:
                messages.warning(request, f"{obj.member}: {error.message}")
            else:
                done += 1
        return done, 0


BASES = {Member: MemberStatusBulkAction, Enrollment: EnrollmentBulkAction}


def bulk_action_class(action: StaffAction) -> type[StaffBulkAction]:
    """The bulk action of one row, e.g. ``VerifyMemberBulkAction``."""
    name = f"{capfirst(action.action_type)}{action.model.__name__}BulkAction"
    attrs = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"{action.model.__name__}: {action.action_type} (a row of STAFF_ACTIONS).",
        "staff_action": action,
        "models": [action.model],
        "display_name": action.label,
        "action_type": action.action_type,
        "aria_label": action.aria_label,
        "action_priority": action.priority,
        "question": action.question,
        "button_text": action.button_text,
    }
    if action.serious:
        attrs["classes"] = {"serious"}
    if action.asks_reason:
        attrs["form_class"] = ReasonForm
    return type(name, (BASES[action.model],), attrs)


BULK_ACTIONS: tuple[type[StaffBulkAction], ...] = tuple(bulk_action_class(action) for action in STAFF_ACTIONS)


def action_buttons(snippet, user, next_url=None) -> list[Button]:
    """A row's buttons for the actions of the table it is offered and its user may do.

    Each opens the bulk action's confirmation page for that row alone.
    """
    return [
        Button(
            action.label,
            url=bulk_action_url(action.action_type, snippet, next_url),
            icon_name=action.icon,
            priority=action.button_priority,
        )
        for action in STAFF_ACTIONS
        if isinstance(snippet, action.model) and action.offered(snippet) and user.has_perm(action.permission)
    ]


class MemberDataDeleteBulkAction(SeeingRequiredBulkActionMixin, DeleteBulkAction):
    """Wagtail's snippet delete for the rows that name people, with the seeing check.

    Registered after Wagtail's own delete action (order 0), which it replaces for these models.
    """

    models = [Member, Enrollment, WaitlistOffer]
