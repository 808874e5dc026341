"""The request's Wagtail Site and every Site's root path, from one read of the Sites table.

Wagtail reads the Sites twice for a page: ``Site.find_for_request`` (the request's Site and
its root page) and ``Site.get_site_root_paths`` (for every URL it builds), the latter from the
cache when there is one, else from the database. The table holds a row or two: one query with
the root pages answers both, the same way with or without a cache. ``SiteMiddleware`` does it
for the requests Wagtail serves (``process_view``), and leaves what it found where Wagtail
looks first (``request._wagtail_site``, ``request._wagtail_cached_site_root_paths``).
"""

from django.conf import settings
from django.http.request import split_domain_port


def choose(rows, hostname: str, port: int):
    """The row (with ``hostname``, ``port``, ``is_default_site``) Wagtail's ``get_site_for_hostname`` picks, or None."""
    candidates = [row for row in rows if row.hostname == hostname or row.is_default_site]
    for row in candidates:
        if row.hostname == hostname and row.port == port:
            return row
    for row in candidates:
        if row.hostname == hostname and row.is_default_site:
            return row
    if len(candidates) == 1:
        return candidates[0]
    defaults = [row for row in candidates if row.is_default_site]
    if defaults:
        named = [row for row in candidates if not row.is_default_site]
        return named[0] if len(named) == 1 else defaults[0]
    return None


def remember(request) -> None:
    """Find the request's Site and the root paths in one query, where Wagtail will look for them."""
    from wagtail.models import Site, SiteRootPath

    if hasattr(request, "_wagtail_site") and hasattr(request, "_wagtail_cached_site_root_paths"):
        return
    # Wagtail's order of the root paths: most specific first.
    sites = list(
        Site.objects.select_related("root_page__locale").order_by(
            "-root_page__url_path", "-is_default_site", "hostname"
        )
    )
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]  # as Site.find_for_request
        try:
            port = int(request.get_port())
        except (TypeError, ValueError):
            port = None
        request._wagtail_site = choose(sites, hostname, port)
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        request._wagtail_cached_site_root_paths = [
            SiteRootPath(site.id, site.root_page.url_path, site.root_url, site.root_page.locale.language_code)
            for site in sites
        ]


class SiteMiddleware:
    """Before a Wagtail page is served: the Site and root paths of the request in one query."""

    def __init__(self, get_response):
        self.get_response = get_response
        from wagtail.views import serve

        self.serve = serve

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only with Wagtail's i18n off: with it, the root paths hold every translation of each root.
        if view_func is self.serve and not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            remember(request)
