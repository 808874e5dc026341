"""``/robots.txt``: what crawlers may visit, and where the sitemap is.

The sitemap's address comes from ``SITE_URL``, never from the request: a ``Host`` header
with another port (or name) must not show up in what the site publishes.
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def robots_txt(request):
    return render(request, "robots.txt", {"site_url": settings.SITE_URL}, content_type="text/plain; charset=utf-8")
