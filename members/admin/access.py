"""Who may see member data in the admin, decided once for every view that shows it.

Wagtail checks permissions on the snippet listing, inspect and history views, but its
snippet choosers check none, and a bulk action's confirmation page lists every selected
row by name, also those the user may not act on. Member and Enrollment rows name people,
so each of those views asks ``may_see`` first (issue 13, finding 3).

Then the district scope (members.scope, issue 19): a sub-branch coordinator sees the rows of
their districts only. The viewsets narrow their querysets with ``scoped_queryset`` and check
every single row a view loads with ``require_row_in_scope`` (``ScopedViewSetMixin`` wraps each
view of a viewset, the choosers and the bulk actions); a staff page of members/admin/views.py
does the same by hand. A page added later (issue 18's check-in) calls these two functions.

The permission names are members/permissions.py; this module holds the rules built on them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from .. import scope
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
    check-in page a QR code opens, walk-ins. The one rule every check-in view asks: a sub-branch
    coordinator checks in at the trainings their PAC organises (members.scope).
    """
    return user.has_perm(CHANGE_ENROLLMENT) and may_see(user, Enrollment) and scope.in_scope(user=user, obj=training)


def require_checkin_access(request, training) -> None:
    if not may_check_in(request.user, training):
        raise PermissionDenied


def scoped_queryset(user, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` (members, enrollments, trainings run, import jobs) ``user`` may see."""
    return scope.scoped(user=user, queryset=queryset)


def require_row_in_scope(user, obj) -> None:
    """A row outside the user's districts does not exist for them: 404, as a missing one."""
    if not scope.in_scope(user=user, obj=obj):
        raise Http404


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
    """A chooser view that answers only those who may see the model's rows, and lists only theirs."""

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model_class)
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self):
        return scoped_queryset(self.request.user, super().get_object_list())

    def get_object(self, pk):
        obj = super().get_object(pk)
        require_row_in_scope(self.request.user, obj)
        return obj

    def get_objects(self, pks):
        return scoped_queryset(self.request.user, super().get_objects(pks))


class ScopedObjectMixin:
    """A view of one row (inspect, edit, history, usage, delete, ...): 404 outside the user's districts."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is not None:  # a create view has no row yet
            require_row_in_scope(self.request.user, obj)
        return obj


class ScopedViewSetMixin:
    """A snippet viewset whose every view loads its rows through the scope.

    The listing (and so its exports) reads ``get_queryset``: ``all_rows`` narrowed to the
    user's districts. Every other view's ``get_object`` is wrapped by ``ScopedObjectMixin``,
    whatever views Wagtail adds to a viewset later.
    """

    def all_rows(self, request) -> QuerySet:
        return self.model._default_manager.all()

    def get_queryset(self, request):
        return scoped_queryset(request.user, self.all_rows(request))

    def construct_view(self, view_class, **kwargs):
        if hasattr(view_class, "get_object") and not issubclass(view_class, ScopedObjectMixin):
            view_class = type(view_class.__name__, (ScopedObjectMixin, view_class), {"__module__": __name__})
        return super().construct_view(view_class, **kwargs)


class SeeingRequiredBulkActionMixin:
    """A bulk action (its confirmation page and its POST) only for those who may see the rows.

    Without it, the confirmation page lists the selected rows (``?id=…``, or ``?id=all``) by
    name under "you may not act on these" to anyone with admin access.
    """

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, model, object_ids):
        # Wagtail's is a classmethod reading every row of ``?id=``; rows outside the user's
        # districts are neither listed on the confirmation page nor acted on.
        rows = list(scoped_queryset(self.request.user, model._default_manager.filter(pk__in=object_ids)))
        if not rows:
            raise Http404
        return rows

    def get_all_objects_in_listing_query(self, parent_id):
        # ``?id=all``: the listing's rows, as the user's listing has them.
        return scoped_queryset(self.request.user, self.model._default_manager.all()).values_list("pk", flat=True)
