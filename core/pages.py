"""What the site's page models share so that serving one costs few queries.

Wagtail's router fetches each child as a plain ``Page`` and then again as its specific class,
and checks view restrictions with two more reads. A parent that holds one kind of child fetches
it as that kind at once; a parent of several kinds joins each kind's table to the page's row
(one query, not Wagtail's two); a page the router found answers its restrictions from the rows
``core.visibility`` reads once per request.
"""

from django.utils.functional import classproperty
from wagtail.coreutils import resolve_model_string

from . import prepared, visibility


class ServedPageMixin:
    """Mix into a Wagtail page model, before ``Page``."""

    # Related objects fetched with the child in the router's one query (e.g. its image).
    serve_select_related: tuple[str, ...] = ()

    @classproperty
    def single_child_model(cls):
        """The specific class of every child, when ``subpage_types`` allows exactly one."""
        if "_single_child_model" not in cls.__dict__:
            types = getattr(cls, "subpage_types", None) or ()
            cls._single_child_model = resolve_model_string(types[0], cls._meta.app_label) if len(types) == 1 else None
        return cls._single_child_model

    @classproperty
    def child_kind_links(cls) -> tuple[str, ...]:
        """The reverse links from ``Page`` to each kind of child that extends ``Page`` directly."""
        if "_child_kind_links" not in cls.__dict__:
            from wagtail.models import Page

            cls._child_kind_links = tuple(
                model._meta.model_name
                for model in cls.allowed_subpage_models()
                if model is not Page and list(model._meta.parents) == [Page]
            )
        return cls._child_kind_links

    def _as_its_kind(self, page):
        """The child as its own class: from the row joined by ``child_kind_links``, else Wagtail's query."""
        model = page.specific_class
        if model is None or isinstance(page, model):
            return page
        if model._meta.model_name in self.child_kind_links:
            try:
                return getattr(page, model._meta.model_name)  # selected with the page: no query
            except model.DoesNotExist:
                pass
        return page.specific

    def _child_query(self, path: str, depth: int, slug: str):
        """The child with ``slug`` (``path``, ``depth``: the children's), as its kind when there is one kind."""
        model = self.single_child_model
        if model is not None:
            pages = model.objects.all()
            if model.serve_select_related:  # select_related() without names would follow every key
                pages = pages.select_related(*model.serve_select_related)
        else:
            # Children of several kinds: each kind's own row joined to the page's, in one query.
            from wagtail.models import Page

            pages = Page.objects.all()
            if self.child_kind_links:  # select_related() without names would follow every key
                pages = pages.select_related(*self.child_kind_links)
        return pages.filter(path__startswith=path, depth=depth, slug=slug).order_by("path")[:1]

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        model = self.single_child_model
        # Wagtail's child_of() and the slug, said plainly, compiled once per process (core/prepared.py).
        found = prepared.run(
            f"core.pages.route:{type(self)._meta.label}",
            self._child_query,
            self.path,
            self.depth + 1,
            path_components[0],
        )
        subpage = found[0] if found else None
        if subpage is None:  # a child of an older kind, or none: Wagtail's own way (or its 404)
            return super().route(request, path_components)
        if model is None:
            subpage = self._as_its_kind(subpage)
        subpage._cached_parent_obj = self
        return subpage.route(request, path_components[1:])

    def get_url_parts(self, request=None):
        """Wagtail's answer, worked out once per request for this instance (it reverses
        ``wagtail_serve`` each time): a page links to its index once per category and tag, and a
        card links to its article twice. Asked again for another request or another ``url_path``."""
        if request is None:
            return super().get_url_parts(request)
        kept = self.__dict__.get("_url_parts")
        if kept is None or kept[0] is not request or kept[1] != self.url_path:
            kept = self.__dict__["_url_parts"] = (request, self.url_path, super().get_url_parts(request))
        return kept[2]

    def get_view_restrictions(self):
        """Wagtail's answer, from the rows read once, when the router left every ancestor on the page.

        Wagtail asks the ancestors whether they are aliases (an alias takes its source's
        restrictions); the router's ancestors say it without a query.
        """
        page = self
        while True:
            if page.alias_of_id:
                return super().get_view_restrictions()
            if page.depth <= 2:  # the site root; above it only the tree's root node
                break
            page = page.__dict__.get("_cached_parent_obj")
            if page is None:
                return super().get_view_restrictions()
        return [found for found in visibility.restrictions() if self.path.startswith(found.page.path)]

    def breadcrumb_pages(self) -> list:
        """The ancestors below the tree's root, nearest last: from the router's chain, else one query."""
        chain, page = [], self
        while page.depth > 2:
            page = page.__dict__.get("_cached_parent_obj")
            if page is None:
                from wagtail.models import Page

                return list(
                    Page.objects.ancestor_of(self).filter(depth__gt=1).only("title", "url_path", "path", "depth")
                )
            chain.append(page)
        return chain[::-1]
