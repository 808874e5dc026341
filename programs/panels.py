"""The seam on a training page: what the apps above show below its facts, drawn per visitor.

Each function registered with ``hooks.register("training_page_panels", fn)`` is called as
``fn(request, training)`` and returns HTML (a safe string; anything else is escaped). The
members app shows the visitor's own enrollment state. The panels are a per-visitor fragment of
the page (core.pagecache): a member served the stored page gets them drawn again for them,
from the training's id alone, and kept for that member (``keep_per_visitor``): a panel reads
nothing of its visitor that does not bump their generation (``pagecache.visitor_changed``) or
the seats generation when it changes, declares the moments it changes by itself
(``pagecache.valid_until``), and puts ``pagecache.csrf_token(request)`` in its forms.
"""

from django.utils.html import format_html_join
from wagtail import hooks

FRAGMENT = "programs.training_page_panels"


def training_page_panels(request, training) -> str:
    return format_html_join("", "{}", ((hook(request, training),) for hook in hooks.get_hooks("training_page_panels")))


def draw_for_visitor(request, *, training: int) -> str:
    """The panels of the live training ``training`` (an id kept with the stored page)."""
    from .models import TrainingPage

    page = TrainingPage.objects.live().filter(pk=training).first()
    return "" if page is None else training_page_panels(request, page)
