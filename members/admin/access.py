"""Who may see member data in the admin, decided once for every view that shows it.

Wagtail checks permissions on the snippet listing, inspect and history views, but its
snippet choosers check none, and a bulk action's confirmation page lists every selected
row by name, also those the user may not act on. Member and Enrollment rows name people,
so each of those views asks ``may_see`` first (issue 13, finding 3).

The permission names are members/permissions.py; this module holds the rules built on them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from ..models import Enrollment
from ..permissions import CHANGE_ENROLLMENT

# Changing or deleting a row implies seeing it (as in Django's admin); adding does not.
SEEING_ACTIONS = ("view", "change", "delete")


def may_see(user, model) -> bool:
    """Whether ``user`` may see rows of ``model`` (a model holding people's data)."""
    return policy_registry.get_by_type(model).user_has_any_permission(user, SEEING_ACTIONS)


def require_may_see(user, model) -> None:
    if not may_see(user, model):
        raise PermissionDenied


def may_check_in(user, training) -> bool:
    """Whether ``user`` may check people in to ``training``: the scanner, its roster and counts, the
    check-in page a QR code opens, walk-ins. The one rule every check-in view asks (a scope, such as
    coordinators of one district, is added here and applies to all of them).
    """
    return user.has_perm(CHANGE_ENROLLMENT) and may_see(user, Enrollment)


def require_checkin_access(request, training) -> None:
    if not may_check_in(request.user, training):
        raise PermissionDenied


def require_permission(request, permission: str) -> None:
    """A staff page's own check (members.permissions names it), after Wagtail's admin access check."""
    if not request.user.has_perm(permission):
        raise PermissionDenied


class ReadOnlyEnrollmentPolicy(ModelPermissionPolicy):
    """Coordinators look and act through the service; nobody edits rows by hand.

    ``change_enrollment`` is the right to act (members.permissions.CHANGE_ENROLLMENT), through
    the bulk actions and the check-in page, never Wagtail's generic edit form.
    """

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete", "copy"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class SeeingRequiredChooserMixin:
    """A chooser view that answers only those who may see the model's rows."""

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model_class)
        return super().dispatch(request, *args, **kwargs)


class SeeingRequiredBulkActionMixin:
    """A bulk action (its confirmation page and its POST) only for those who may see the rows.

    Without it, the confirmation page lists the selected rows (``?id=…``, or ``?id=all``) by
    name under "you may not act on these" to anyone with admin access.
    """

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model)
        return super().dispatch(request, *args, **kwargs)
