from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import pagecache
from .models import District


class DistrictViewSet(SnippetViewSet):
    model = District
    icon = "site"
    menu_label = _("Districts")
    menu_order = 300
    add_to_admin_menu = False
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]
    ordering = ["sort_order", "name"]


register_snippet(DistrictViewSet)


@hooks.register("before_serve_page")
def allow_page_cache(page, request, serve_args, serve_kwargs):
    """Pages that opt in (``cache_anonymous = True``) may be served to anonymous visitors from the cache.

    Whether this response may be cached is decided after it is rendered (core/pagecache.py):
    restricted pages, previews and responses with per-visitor content never are.
    """
    if getattr(page, "cache_anonymous", False):
        pagecache.mark_cacheable(request, query_params=getattr(page, "cache_query_params", ()))
