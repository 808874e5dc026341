"""Which members and participants a staff user may see and act on: the district scope, decided once.

The branch's coordinators (no ``CoordinatorScope``) and superusers see everything. A
sub-branch (PAC) coordinator, scoped to one or more districts, sees

- the members of those districts, and
- the participants (enrollments) of members of those districts, and every participant of a
  training their PAC organises (``TrainingPage.organising_district``);
- of the import jobs, only those they uploaded (a job's report names everyone in its file);
- no outbox (``ScopeBackend``): it holds the whole branch's mail.

Every admin queryset, chooser, export, bulk action, dashboard panel and staff service asks
``scoped`` (a queryset) or ``require_in_scope`` (one row): members/admin/access.py wires it
into Wagtail's views, members.accounts and members.enrollment check it on every staff
action. A view added later calls the same two functions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from programs.models import TrainingPage

from .models import CoordinatorScope, Enrollment, ImportJob, Member, WaitlistOffer

_CACHE_ATTRIBUTE = "_members_district_scope"
_MISSING = object()

# Apps whose admin a scoped coordinator never gets (ScopeBackend): their rows span the whole branch.
BRANCH_ONLY_APPS = ("tasks",)


class OutOfScope(PermissionDenied):
    """A staff action on a member or participant outside the user's districts."""


def districts_of(user) -> frozenset[int] | None:
    """The ids of the districts ``user`` works for; ``None`` for the whole branch.

    Anonymous users work for no district (an empty set: they see nothing). Read once per
    user object (a request's user asks many times).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, _MISSING)
    if cached is not _MISSING:
        return cached
    scope = CoordinatorScope.objects.filter(user_id=user.pk).first()
    value = None if scope is None else frozenset(scope.districts.values_list("pk", flat=True))
    setattr(user, _CACHE_ATTRIBUTE, value)
    return value


def is_scoped(user) -> bool:
    """Whether ``user`` works for some districts only (a PAC coordinator)."""
    return districts_of(user) is not None


def scope_filter(*, user, model) -> Q | None:
    """The condition on ``model``'s rows that ``user`` may see; ``None``: every row."""
    districts = districts_of(user)
    if districts is None:
        return None
    ids = sorted(districts)
    if issubclass(model, Member):
        return Q(district__in=ids)
    if issubclass(model, Enrollment):
        return Q(member__district__in=ids) | Q(training__organising_district__in=ids)
    if issubclass(model, WaitlistOffer):  # an offer is its participant's: the enrollment's rule
        return Q(enrollment__member__district__in=ids) | Q(training__organising_district__in=ids)
    if issubclass(model, TrainingPage):
        return Q(organising_district__in=ids)
    if issubclass(model, ImportJob):
        return Q(created_by_id=user.pk)
    raise TypeError(f"no district scope for {model.__name__}")


def scoped(*, user, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to the rows ``user`` may see (members, enrollments, trainings run, import jobs)."""
    condition = scope_filter(user=user, model=queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def in_scope(*, user, obj) -> bool:
    """Whether ``user`` may see and act on this one row."""
    districts = districts_of(user)
    if districts is None:
        return True
    if isinstance(obj, Member):
        return obj.district_id in districts
    if isinstance(obj, Enrollment):
        if obj.member.district_id in districts:
            return True
        return TrainingPage.objects.filter(pk=obj.training_id, organising_district__in=districts).exists()
    if isinstance(obj, WaitlistOffer):
        return in_scope(user=user, obj=obj.enrollment)
    if isinstance(obj, TrainingPage):
        return obj.organising_district_id in districts
    if isinstance(obj, ImportJob):
        return obj.created_by_id == user.pk
    raise TypeError(f"no district scope for {type(obj).__name__}")


def require_in_scope(*, user, obj) -> None:
    """Refuse (``OutOfScope``, a PermissionDenied) a staff user's action on a row outside their districts.

    ``user`` None is the system (a command, a job): always allowed.
    """
    if user is not None and not in_scope(user=user, obj=obj):
        raise OutOfScope


class ScopeBackend:
    """An authentication backend that only refuses: a scoped coordinator has no branch-wide admin.

    Listed first in ``AUTHENTICATION_BACKENDS``; Django stops at a backend that raises
    PermissionDenied. It authenticates nobody and grants nothing.
    """

    def authenticate(self, request, **credentials):
        return None

    # No ``get_user``: a session is never tied to this backend (Django's test client logs in
    # through the first backend that has one).

    def has_perm(self, user_obj, perm, obj=None):
        if perm.partition(".")[0] in BRANCH_ONLY_APPS and is_scoped(user_obj):
            raise PermissionDenied
        return False
