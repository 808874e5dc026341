"""Which pages anonymous visitors may see, read once per request.

Wagtail reads every ``PageViewRestriction`` again for each ``.public()`` queryset, and twice
more (the ancestors, then their restrictions) when it checks the page it serves: three reads
of the same few rows on an article. Here the rows are read once per request and answer both
questions; outside a request (jobs, shell, tests calling a selector) nothing is remembered.
"""

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length, Substr

from . import prepared

_restrictions: ContextVar[list | None] = ContextVar("page_view_restrictions", default=None)
_in_request: ContextVar[bool] = ContextVar("page_view_restrictions_in_request", default=False)


def _start(**kwargs) -> None:
    _in_request.set(True)
    _restrictions.set(None)


def _finish(**kwargs) -> None:
    _in_request.set(False)
    _restrictions.set(None)


def connect_signals() -> None:
    request_started.connect(_start, dispatch_uid="core.visibility.start")
    request_finished.connect(_finish, dispatch_uid="core.visibility.finish")


def restrictions() -> list:
    """Every view restriction with its page (usually none), once per request."""
    from wagtail.models import PageViewRestriction

    found = _restrictions.get()
    if found is None:
        # Of the restricted page only its place in the tree (a page row has some forty columns).
        found = prepared.run(
            "core.visibility.restrictions",
            lambda: PageViewRestriction.objects.select_related("page").only(
                "restriction_type", "password", "page", "page__path", "page__depth", "page__url_path"
            ),
        )
        if _in_request.get():
            _restrictions.set(found)
    return found


def restricted() -> tuple[list[str], list[int]]:
    """The paths and depths of the restricted pages, as values for a query compiled once (core/prepared.py)."""
    found = restrictions()
    return [restriction.page.path for restriction in found], [restriction.page.depth for restriction in found]


def public_q(paths=None, depths=None) -> Q:
    """Wagtail's ``PageQuerySet.public_q()`` from the rows read once: no page under a restriction.

    ``paths``, ``depths``: the restricted pages' (``restricted()``), when the caller has them.
    """
    if paths is None:
        paths, depths = restricted()
    q = Q()
    for path, depth in zip(paths, depths, strict=True):
        q &= ~(Q(path__startswith=path) & Q(depth__gte=depth))
    return q


def public(pages, paths=None, depths=None):
    """``pages.public()`` without reading the restrictions again."""
    return pages.filter(public_q(paths, depths))


def public_alone(pages):
    """``pages.public()`` in the same query (no page under a restriction: NOT EXISTS a restricted
    page whose path begins this one's), for a view that reads one page and no other (an enroll POST):
    one query where reading the restrictions first makes two."""
    from wagtail.models import PageViewRestriction

    above = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    return pages.exclude(Exists(above))
