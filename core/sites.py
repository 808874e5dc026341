"""The request's Wagtail Site and every Site's root path, from one read of the Sites table.

Wagtail reads the Sites twice for a page: ``Site.find_for_request`` (the request's Site and
its root page) and ``Site.get_site_root_paths`` (for every URL it builds), the latter from the
cache when there is one, else from the database. The table holds a row or two: one query with
the root pages answers both, the same way with or without a cache. The request's root page is
then read as its own class with what it shows (Wagtail reads it as its class anyway).
``SiteMiddleware`` does it for the requests Wagtail serves (``process_view``), and leaves what
it found where Wagtail looks first (``request._wagtail_site``,
``request._wagtail_cached_site_root_paths``).
"""

import functools

from django.conf import settings
from django.http.request import split_domain_port

from . import prepared

SITE_FIELDS = ("hostname", "port", "site_name", "root_page", "is_default_site")
ROOT_PAGE_FIELDS = ("root_page__url_path", "root_page__content_type", "root_page__locale__language_code")


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


def remember(request, *, path: str | None = None) -> None:
    """Find the request's Site and the root paths in one query, where Wagtail will look for them.

    ``path``: the page's path below the site root, as Wagtail's ``serve`` view was given it.
    """
    from wagtail.models import SiteRootPath

    if hasattr(request, "_wagtail_site") and hasattr(request, "_wagtail_cached_site_root_paths"):
        return
    served = path is not None and not path.strip("/")
    # A page below the root: each root's whole row with its kind's joined (the router starts from
    # the root as its class). The root served: read below as its class with what it shows.
    links = () if served else root_kind_links()
    sites = prepared.run("core.sites.sites", lambda: _sites(links=links), shape=links)
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        request._wagtail_cached_site_root_paths = [
            SiteRootPath(site.id, site.root_page.url_path, site.root_url, site.root_page.locale.language_code)
            for site in sites
        ]
    if not hasattr(request, "_wagtail_site"):
        hostname = split_domain_port(request._get_raw_host())[0]  # as Site.find_for_request
        try:
            port = int(request.get_port())
        except (TypeError, ValueError):
            port = None
        request._wagtail_site = choose(sites, hostname, port)
        _root_as_its_kind(request._wagtail_site, served=served, joined=links)


def _sites(*, links: tuple[str, ...] = ()):
    from wagtail.models import Site

    # And each Site's own rows (its Wagtail site settings: what the header and footer show).
    own = per_site_rows()
    related = ("root_page__locale", *(link for link, _ in own))
    if links:
        sites = Site.objects.select_related(*related, *(f"root_page__{link}" for link in links))
    else:
        # Of the root pages, what the root paths and finding the root's class need (the request's
        # root is read as its class below: a page row has some forty columns).
        fields = [field for _, fields in own for field in fields]
        sites = Site.objects.select_related(*related).only(*SITE_FIELDS, *ROOT_PAGE_FIELDS, *fields)
    # Wagtail's order of the root paths: most specific first.
    return sites.order_by("-root_page__url_path", "-is_default_site", "hostname")


@functools.cache
def per_site_rows() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The rows kept one per Site (a reverse one-to-one, e.g. Wagtail's site settings): (link, its fields)."""
    from wagtail.models import Site

    return tuple(
        (
            rel.get_accessor_name(),
            tuple(f"{rel.get_accessor_name()}__{f.name}" for f in rel.related_model._meta.concrete_fields),
        )
        for rel in Site._meta.related_objects
        if rel.one_to_one
    )


@functools.cache
def root_kind_links() -> tuple[str, ...]:
    """The reverse links from ``Page`` to each kind of page that may be a site's root (a child of the tree's root)."""
    from wagtail.models import Page, get_page_models

    return tuple(
        model._meta.model_name
        for model in get_page_models()
        if model is not Page and list(model._meta.parents) == [Page] and Page in model.allowed_parent_page_models()
    )


def _root_as_its_kind(site, *, served: bool, joined: tuple[str, ...] = ()) -> None:
    """The site's root page as its own class; when it is the page served, with what it shows.

    Wagtail's router asks ``site.root_page.specific`` (a query); asked here instead, the same
    query also brings what the root's template reads one by one (``serve_select_related``: its
    images, its featured page), when the root is the page served and not a step on the way.
    """
    if site is None:
        return
    root = site.root_page
    model = root.specific_class
    if model is None or isinstance(root, model):
        return
    if model._meta.model_name in joined:
        try:
            site.root_page = getattr(root, model._meta.model_name)  # selected with the Site: no query
            return
        except model.DoesNotExist:
            pass
    related = getattr(model, "serve_select_related", ()) if served else ()

    def build(pk):
        pages = model._default_manager.select_related(*related) if related else model._default_manager.all()
        return pages.filter(pk=pk)

    found = prepared.run(f"core.sites.root:{model._meta.label}:{bool(related)}", build, root.pk)
    if found:
        site.root_page = found[0]


class SiteMiddleware:
    """Before a view: the Site and root paths of the request in one query.

    For a Wagtail page, and for the member and account pages too (GET and HEAD under
    ``NO_STORE_PATH_PREFIXES`` but the admin's): their header and footer ask for the Site and
    its settings, which Wagtail would read in two queries of its own, one of them compiled for
    each request. Not for the other views: ``/healthz/``, ``/robots.txt`` and the language
    switch read no Site, and must answer with the database down; nor for a POST answered by a
    redirect (an enrollment in a storm), which draws no page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        from wagtail.views import serve

        self.serve = serve
        admin = tuple(settings.ADMIN_CSP_PATH_PREFIXES)
        self.own_pages = tuple(prefix for prefix in settings.NO_STORE_PATH_PREFIXES if not prefix.startswith(admin))

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only with Wagtail's i18n off: with it, the root paths hold every translation of each root.
        if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            return
        if view_func is self.serve:
            remember(request, path=view_args[0] if view_args else view_kwargs.get("path", ""))
        elif request.method in ("GET", "HEAD") and request.path.startswith(self.own_pages):
            remember(request)
