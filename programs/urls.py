"""Paths with a dot that Wagtail's page URL pattern would not match, handed to Wagtail's router.

``<training url>kalender.ics`` and ``/program/kalender.ics`` (public URLs, docs/architecture.md) are
routes of the pages themselves (RoutablePageMixin); Wagtail's own catch-all only accepts
``[\\w-]+/`` segments, so this pattern passes such paths to the same ``serve`` view.
"""

from django.urls import re_path
from wagtail import views as wagtail_views

urlpatterns = [
    re_path(r"^((?:[\w\-]+/)*kalender\.ics)$", wagtail_views.serve, name="programs_calendar"),
]
