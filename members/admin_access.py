"""Who may see member data in the admin, decided once for every view that shows it.

Wagtail checks permissions on the snippet listing, inspect and history views, but its
snippet choosers check none, and a bulk action's confirmation page lists every selected
row by name, also those the user may not act on. Member and Enrollment rows name people,
so each of those views asks ``may_see`` first (issue 13, finding 3).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views import chooser

# Changing or deleting a row implies seeing it (as in Django's admin); adding does not.
SEEING_ACTIONS = ("view", "change", "delete")


def may_see(user, model) -> bool:
    """Whether ``user`` may see rows of ``model`` (a model holding people's data)."""
    return policy_registry.get_by_type(model).user_has_any_permission(user, SEEING_ACTIONS)


def require_may_see(user, model) -> None:
    if not may_see(user, model):
        raise PermissionDenied


class SeeingRequiredChooserMixin:
    """A chooser view that answers only those who may see the model's rows."""

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model_class)
        return super().dispatch(request, *args, **kwargs)


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


class SeeingRequiredBulkActionMixin:
    """A bulk action (its confirmation page and its POST) only for those who may see the rows.

    Without it, the confirmation page lists the selected rows (``?id=…``, or ``?id=all``) by
    name under "you may not act on these" to anyone with admin access.
    """

    def dispatch(self, request, *args, **kwargs):
        require_may_see(request.user, self.model)
        return super().dispatch(request, *args, **kwargs)


class PeopleDeleteBulkAction(SeeingRequiredBulkActionMixin, DeleteBulkAction):
    """Wagtail's snippet delete, registered for every snippet model, with the check above."""
